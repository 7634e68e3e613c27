/*
 * wc.c - count lines, words and bytes of files, or of the input:
 * `cat /etc/motd | wc`, `wc /etc/motd`.
 */
#include "user.h"

static int count(int fd, const char *name, bool show)
{
	static char buf[4096];
	long lines = 0, words = 0, bytes = 0, n;
	bool inword = false;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++) {
			char c = buf[i];
			bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
			lines += c == '\n';
			words += inword && space;
			inword = !space;
		}
		bytes += n;
	}
	words += inword;
	if (n < 0) {
		perr(n, "%s", name);
		return 1;
	}
	if (show)
		printf("%ld %ld %ld %s\n", lines, words, bytes, name);
	else
		printf("%ld %ld %ld\n", lines, words, bytes);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return count(0, "input", false);
	int status = 0;
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY, 0);
		if (fd < 0) {
			perr(fd, "%s", argv[i]);
			status = 1;
			continue;
		}
		status |= count(fd, argv[i], true);
		close(fd);
	}
	return status;
}
