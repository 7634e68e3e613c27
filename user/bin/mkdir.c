/*
 * mkdir.c - make directories, mode 0755: `mkdir /tmp/a /tmp/a/b`.
 */
#include "user.h"

int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++) {
		int r = mkdir(argv[i], 0755);
		if (r < 0) {
			perr(r, "%s", argv[i]);
			status = 1;
		}
	}
	return status;
}
