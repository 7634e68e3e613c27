/*
 * mkfs.c - make a disk image of the on-disk file system (docs/disk.md)
 * holding the files fsd would load from the boot archive, plus the
 * ones it adds (user/include/fsfiles.h): the disk fsd mounts at boot.
 *
 *   mkfs IMAGE ARCHIVE [MiB]     (default 32 MiB; `make disk-image`)
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

#define NINODES 1024

static const char *image;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "mkfs: %s: %s\n", what, why);
	exit(1);
}

/* path (absolute) with its directories (root's, 0755) as needed, owned
   by uid:uid, holding size bytes of data if a file. */
static void make(const char *path, unsigned mode, int uid, const void *data, size_t size)
{
	char pre[FS_PATH];
	struct inode *ip;
	int r;
	if (strlen(path) >= FS_PATH)
		die(path, "name too long");
	for (const char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		memcpy(pre, path, s - path);
		pre[s - path] = 0;
		if ((r = disk_fs.mkdir(pre, 0, 0, 0755)) < 0 && r != -EEXIST)
			die(pre, "cannot make the directory");
	}
	if ((mode & S_IFMT) == S_IFDIR)
		r = disk_fs.mkdir(path, 0, 0, mode & 07777);
	else
		r = disk_fs.lookup(path, 0, 0, O_CREAT | O_EXCL | O_RDWR, mode, &ip);
	if (r == -EEXIST && (mode & S_IFMT) == S_IFDIR)
		r = 0;
	if (r == 0 && uid)
		r = disk_fs.chown(path, 0, 0, uid, uid);
	if (r == 0 && size && (r = disk_fs.lookup(path, 0, 0, O_RDWR, 0, &ip)) == 0) {
		disk_fs.hold(ip);
		long n = disk_write(ip, 0, data, size);
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
			make(path, mode, 0, a + data, type == S_IFREG ? size : 0);
		off = (data + size + 3) & ~3ul;
	}
	die("archive", "no trailer");
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: mkfs IMAGE ARCHIVE [MiB]\n");
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

	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", image);
	int fd = hostfile_create(tmp, (long long)mib << 20);
	if (fd < 0)
		die(tmp, hostfile_error());
	close(fd);
	struct filedev f;
	if (filedev_open(&f, tmp, 1) < 0)
		die(tmp, hostfile_error());
	char msg[160];
	if (disk_format(&f.b, f.b.nblocks, NINODES) < 0)
		die(tmp, "cannot format it");
	if (disk_mount(&f.b, msg, sizeof(msg)) < 0)
		die(tmp, msg);
	fill(arch, alen);
	for (size_t i = 0; i < ARRAY_SIZE(fs_extras); i++) {
		const struct fs_extra *x = &fs_extras[i];
		make(x->path, x->mode, x->owner, x->text, x->text ? strlen(x->text) : 0);
	}
	disk_unmount();
	if (disk_check(&f.b, msg, sizeof(msg), NULL) < 0)
		die(tmp, msg); /* mkfs made something fsck refuses: a bug */
	if (fsync(f.fd) < 0 || close(f.fd) < 0 || rename(tmp, image) < 0)
		die(image, hostfile_error());
	printf("mkfs: %s: %lu MiB, %u inodes\n", image, mib, NINODES);
	return 0;
}
