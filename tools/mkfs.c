/*
 * mkfs.c - make a disk image of the on-disk file system (docs/disk.md)
 * holding the files fsd would load from the boot archive, plus the
 * ones it adds (user/include/fsfiles.h): the disk fsd mounts at boot.
 *
 *   mkfs IMAGE ARCHIVE [MiB]     (default 32 MiB; `make disk-image`)
 *   mkfs -u IMAGE ARCHIVE        the archive's files put again in an image
 *                                that exists (made if it does not), the
 *                                rest of it kept: new programs on an old disk
 *
 * The files go in through the file system's own code (disktree.c, the
 * log and all), so mkfs is also its first user. The image is made under
 * IMAGE.tmp and renamed at the end: an interrupted mkfs leaves no
 * half-made image behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filedev.h"
#include "../user/include/fstree.h"
#include "../user/include/fsfiles.h"

static const char *image;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "mkfs: %s: %s\n", what, why);
	exit(1);
}

static bool update; /* -u: refresh the archive's files in an existing image */

/* path (absolute) with its directories (root's, 0755) as needed, owned
   by uid:uid, holding size bytes of data if a file (text: only if it
   is new, when updating). */
static void make(const char *path, unsigned mode, int uid, const void *data, size_t size, bool text)
{
	struct inode *ip;
	struct fs_stat st;
	bool fresh = disk_fs.stat(path, 0, 0, &st) < 0;
	int r = disk_make(path, mode, uid, uid, &ip);
	if (r == 0 && (mode & S_IFMT) == S_IFREG && (fresh || !text)) {
		disk_fs.hold(ip);
		if (!fresh)
			r = disk_fs.trunc(ip, 0);
		long n = r < 0 || !size ? r : disk_write(ip, 0, data, size);
		disk_fs.put(ip);
		r = n == (long)size ? 0 : n < 0 ? n : -ENOSPC;
	}
	if (r < 0)
		die(path, r == -ENOSPC ? "the image is full" : "cannot make it");
}

/* newc's 8 hex digits */
static unsigned hex8(const unsigned char *p)
{
	char s[9];
	memcpy(s, p, 8);
	s[8] = 0;
	return strtoul(s, NULL, 16);
}

/* Every file and directory of a newc archive (the format kernel/archive.c
   reads; the build makes it, and it is still checked as it is read). */
static void fill(const unsigned char *a, size_t len)
{
	char path[FS_PATH + 1];
	size_t off = 0;
	while (off + 110 <= len && !memcmp(a + off, "070701", 6)) {
		unsigned mode = hex8(a + off + 14), size = hex8(a + off + 54),
			 nsize = hex8(a + off + 94);
		size_t name = off + 110, data = (name + nsize + 3) & ~3ul;
		if (nsize == 0 || nsize > FS_PATH - 1 || data > len || size > len - data ||
		    a[name + nsize - 1])
			die("archive", "a broken entry");
		snprintf(path, sizeof(path), "/%s", (const char *)a + name);
		if (!strcmp(path, "/TRAILER!!!"))
			return;
		unsigned type = mode & S_IFMT;
		if (type == S_IFREG || type == S_IFDIR)
			make(path, mode, 0, a + data, type == S_IFREG ? size : 0, false);
		off = (data + size + 3) & ~3ul;
	}
	die("archive", "no trailer");
}

int main(int argc, char **argv)
{
	update = argc > 1 && !strcmp(argv[1], "-u");
	argc -= update;
	argv += update;
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: mkfs [-u] IMAGE ARCHIVE [MiB]\n");
		return 2;
	}
	image = argv[1];
	unsigned long mib = argc == 4 ? strtoul(argv[3], NULL, 10) : 32;
	if (mib < 1 || mib > 4096)
		die(argv[3], "the size must be 1 to 4096 MiB");

	FILE *fa = fopen(argv[2], "rb");
	static unsigned char arch[64 << 20];
	if (!fa)
		die(argv[2], hostfile_error());
	size_t alen = fread(arch, 1, sizeof(arch), fa);
	if (ferror(fa) || alen == sizeof(arch))
		die(argv[2], "cannot read it (or bigger than 64 MiB)");
	fclose(fa);

	/* A new image is made aside (IMAGE.tmp) and renamed into place at the
	   end; an update writes the image itself, through the log. */
	char tmp[4096];
	struct filedev f;
	char msg[160];
	if (update && filedev_open(&f, image, 1) == 0) {
		snprintf(tmp, sizeof(tmp), "%s", image);
	} else {
		update = false;
		snprintf(tmp, sizeof(tmp), "%s.tmp", image);
		int fd = hostfile_create(tmp, (long long)mib << 20);
		if (fd < 0)
			die(tmp, hostfile_error());
		close(fd);
		if (filedev_open(&f, tmp, 1) < 0)
			die(tmp, hostfile_error());
		if (disk_format(&f.b, f.b.nblocks, DISK_INODES) < 0)
			die(tmp, "cannot format it");
	}
	if (disk_mount(&f.b, msg, sizeof(msg)) < 0)
		die(tmp, msg);
	fill(arch, alen);
	for (size_t i = 0; i < ARRAY_SIZE(fs_extras); i++) {
		const struct fs_extra *x = &fs_extras[i];
		make(x->path, x->mode, x->owner, x->text, x->text ? strlen(x->text) : 0, true);
	}
	disk_unmount();
	if (disk_check(&f.b, msg, sizeof(msg), NULL) < 0)
		die(tmp, msg); /* mkfs made something fsck refuses: a bug */
	if (fsync(f.fd) < 0 || close(f.fd) < 0 || (!update && rename(tmp, image) < 0))
		die(image, hostfile_error());
	if (update)
		printf("mkfs: %s: the archive's files updated\n", image);
	else
		printf("mkfs: %s: %lu MiB, %u inodes\n", image, mib, DISK_INODES);
	return 0;
}
