/*
 * mv.c - rename a file or directory: `mv /tmp/a /tmp/b`. An existing
 * file at the new name is replaced in the same step.
 */
#include "user.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(2, "usage: mv from to\n");
		return 1;
	}
	int r = rename(argv[1], argv[2]);
	if (r < 0) {
		perr(r, "%s", argv[1]);
		return 1;
	}
	return 0;
}
