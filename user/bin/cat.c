/*
 * cat.c - copy files, or the input, to the output: `cat /etc/motd`,
 * `cat a b > ...`, or a pipeline's middle stage with no arguments.
 *
 * A file is a connection to the file server (user/lib/file.c): each
 * read() is one request and its answer, up to FS_IO_MAX bytes.
 */
#include "user.h"

static int copy(int fd, const char *name)
{
	static char buf[4096];
	long n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		long w = writeall(1, buf, n);
		if (w < 0) {
			perr(w, "write");
			return 1;
		}
	}
	if (n < 0) {
		perr(n, "%s", name);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return copy(0, "input");
	int status = 0;
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY, 0);
		if (fd < 0) {
			perr(fd, "%s", argv[i]);
			status = 1;
			continue;
		}
		status |= copy(fd, argv[i]);
		close(fd);
	}
	return status;
}
