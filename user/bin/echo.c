/*
 * echo.c - print the arguments, separated by spaces, and a newline.
 */
#include "user.h"

int main(int argc, char **argv)
{
	/* the whole line in one WRITE */
	static char line[ARGBYTES + 1];
	size_t n = 0;
	for (int i = 1; i < argc; i++) {
		size_t len = strlen(argv[i]);
		if (i > 1)
			line[n++] = ' ';
		memcpy(line + n, argv[i], len);
		n += len;
	}
	line[n++] = '\n';
	return writeall(1, line, n) == (long)n ? 0 : 1;
}
