/*
 * tee.c - copy the input to the output and into a file (made, or
 * emptied, mode 0644): the shell has no `>`, so `echo hi | tee /tmp/f`
 * is how a line gets into a file.
 */
#include "user.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(2, "usage: tee file\n");
		return 1;
	}
	int fd = open(argv[1], O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0) {
		perr(fd, "%s", argv[1]);
		return 1;
	}
	static char buf[4096];
	long n, w = 0;
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if ((w = writeall(fd, buf, n)) < 0 || (w = writeall(1, buf, n)) < 0)
			break;
	close(fd);
	if (n < 0 || w < 0) {
		perr(n < 0 ? n : w, "%s", n < 0 ? "read" : "write");
		return 1;
	}
	return 0;
}
