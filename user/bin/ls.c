/*
 * ls.c - list the files of the boot archive, with their sizes. (Until
 * the file server exists, the archive is the only file system.)
 */
#include "user.h"

int main(void)
{
	struct dirent d;
	int i, r;
	for (i = 0; (r = list(i, &d)) == 0; i++)
		printf("%-24s %8llu\n", d.name, d.size);
	if (r != -ENOENT) {
		fprintf(2, "ls: %s\n", errstr(r));
		return 1;
	}
	return 0;
}
