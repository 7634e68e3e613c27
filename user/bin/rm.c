/*
 * rm.c - remove files and empty directories: `rm /tmp/a /tmp/d`.
 * A file someone has open goes from its directory at once, and from
 * memory when its last connection closes.
 */
#include "user.h"

int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++) {
		int r = unlink(argv[i]);
		if (r < 0) {
			perr(r, "%s", argv[i]);
			status = 1;
		}
	}
	return status;
}
