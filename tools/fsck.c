/*
 * fsck.c - check a disk image of the on-disk file system (docs/disk.md):
 * the same check fsd runs at every mount (user/lib/diskcheck.c), from
 * the host. Reads only: a committed log not yet installed is read as
 * installed, as the next mount will install it.
 *
 *   fsck IMAGE      exit 0: clean; 1: what is wrong, on stderr
 */
#include <stdio.h>
#include <string.h>

#include "filedev.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fsck IMAGE\n");
		return 2;
	}
	struct filedev f;
	if (filedev_open(&f, argv[1], 0) < 0) {
		fprintf(stderr, "fsck: %s: %s\n", argv[1], hostfile_error());
		return 1;
	}
	char msg[160];
	unsigned orphans;
	if (disk_check(&f.b, msg, sizeof(msg), &orphans) < 0) {
		fprintf(stderr, "fsck: %s: %s\n", argv[1], msg);
		return 1;
	}
	printf("fsck: %s: clean", argv[1]);
	if (orphans)
		printf(" (%u unlinked while open: the next mount frees them)", orphans);
	printf("\n");
	return 0;
}
