/*
 * cp.c - copy a file: `cp from to`, or into a directory: `cp a b dir`
 * (dir/a, dir/b). The copy gets mode 0644 if it is new.
 */
#include "user.h"

static int copy(const char *from, const char *to)
{
	static char buf[FS_IO_MAX];
	int in = open(from, O_RDONLY, 0);
	if (in < 0) {
		perr(in, "%s", from);
		return 1;
	}
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		perr(out, "%s", to);
		close(in);
		return 1;
	}
	long n, w = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0 && (w = writeall(out, buf, n)) >= 0)
		;
	if (n < 0)
		perr(n, "%s", from);
	else if (w < 0)
		perr(w, "%s", to);
	close(in);
	close(out);
	return n < 0 || w < 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(2, "usage: cp from to, or cp from... dir\n");
		return 2;
	}
	struct fs_stat st;
	const char *to = argv[argc - 1];
	bool dir = stat(to, &st) == 0 && (st.mode & S_IFMT) == S_IFDIR;
	if (!dir && argc > 3) {
		fprintf(2, "cp: %s: %s\n", to, errstr(-ENOTDIR));
		return 1;
	}
	int status = 0;
	for (int i = 1; i < argc - 1; i++) {
		char path[FS_PATH];
		const char *base = argv[i];
		for (const char *s = argv[i]; *s; s++)
			if (*s == '/' && s[1])
				base = s + 1;
		if (dir)
			snprintf(path, sizeof(path), "%s/%s", to, base);
		status |= copy(argv[i], dir ? path : to);
	}
	return status;
}
