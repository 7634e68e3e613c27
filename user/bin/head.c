/*
 * head.c - the first lines of each file, or of the input:
 * `head file`, `head -n 3 file`, `gen 100 | head -n 1` (10 by default).
 */
#include "user.h"

static int head(int fd, const char *name, long lines)
{
	static char buf[4096];
	long n;
	while (lines > 0 && (n = read(fd, buf, sizeof(buf))) > 0) {
		long k = 0;
		while (k < n && lines > 0)
			if (buf[k++] == '\n')
				lines--;
		if (writeall(1, buf, k) < 0)
			return 1;
	}
	if (lines > 0 && n < 0) {
		perr(n, "%s", name);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long lines = 10;
	int i = 1;
	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		lines = atoi(argv[2]);
		i = 3;
	}
	if (i == argc)
		return head(0, "input", lines);
	int status = 0;
	for (; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY, 0);
		if (fd < 0) {
			perr(fd, "%s", argv[i]);
			status = 1;
			continue;
		}
		status |= head(fd, argv[i], lines);
		close(fd);
	}
	return status;
}
