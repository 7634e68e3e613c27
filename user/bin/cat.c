/*
 * cat.c - copy the input to the output (a pipeline's middle stage).
 */
#include "user.h"

static int copy(int fd, const char *name)
{
	static char buf[4096];
	long n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		long w = writeall(1, buf, n);
		if (w < 0) {
			fprintf(2, "cat: write: %s\n", errstr(w));
			return 1;
		}
	}
	if (n < 0) {
		fprintf(2, "cat: %s: %s\n", name, errstr(n));
		return 1;
	}
	return 0;
}

int main(void)
{
	return copy(0, "input");
}
