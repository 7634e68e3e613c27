/*
 * fuzz_disk.c - the on-disk file system's mount (user/lib/disktree.c,
 * log.c, diskcheck.c; docs/disk.md) on images with random bytes in
 * their metadata. Whatever the bytes, the mount must either refuse the
 * image with a message or mount it; and a mounted image must then
 * take a round of every operation - read all of it, create, write,
 * rename, chmod, unlink - without a crash, and still pass the check
 * after it: "refused or mounted consistently".
 *
 * The image is a small file system made once (fuzz_init) with a few
 * directories and files, one of them past its direct blocks. Each input
 * is a list of 5-byte patches: which metadata block (the superblock, the
 * log header, the inode table, the bitmap, the directories' blocks, the
 * indirect block), where in it, a byte, and whether to xor or set it.
 *
 * Run: make fuzz-host (see docs/testing.md, "Host fuzzing").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../user/include/disk.h"
#include "../../user/include/fstree.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #c);  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define NBLOCKS 256 /* 1 MiB */

struct memdev {
	struct bdev b;
	u8 *img;
};

static int mem_read(struct bdev *d, u64 blk, u32 n, void *buf)
{
	struct memdev *m = (struct memdev *)d;
	if (blk > d->nblocks || n > d->nblocks - blk)
		return -EIO;
	memcpy(buf, m->img + blk * BSIZE, (size_t)n * BSIZE);
	return 0;
}

static int mem_write(struct bdev *d, u64 blk, u32 n, const void *buf)
{
	struct memdev *m = (struct memdev *)d;
	if (blk > d->nblocks || n > d->nblocks - blk)
		return -EIO;
	memcpy(m->img + blk * BSIZE, buf, (size_t)n * BSIZE);
	return 0;
}

static int mem_flush(struct bdev *d)
{
	(void)d;
	return 0;
}

static struct memdev dev;
static u8 *base;
static u32 meta[64]; /* the blocks worth patching */
static unsigned nmeta;

static void add(u32 b)
{
	for (unsigned i = 0; i < nmeta; i++)
		if (meta[i] == b)
			return;
	if (b && nmeta < 64)
		meta[nmeta++] = b;
}

/* Every block an inode names (a directory's or the indirect block). */
static void add_blocks(const struct superblock *sb, bool dirs_only)
{
	for (u32 inum = 1; inum < sb->ninodes; inum++) {
		const struct dinode *d =
		    (const struct dinode *)(base + (size_t)(sb->inode_start + inum / IPB) * BSIZE) +
		    inum % IPB;
		bool dir = (d->mode & S_IFMT) == S_IFDIR;
		for (int k = 0; k < NDIRECT && (dir || !dirs_only); k++)
			add(d->addr[k]);
		add(d->addr[NDIRECT]);
	}
}

static void must(int r)
{
	if (r < 0) {
		fprintf(stderr, "fuzz_disk: making the base image: %d\n", r);
		abort();
	}
}

static void fuzz_init(void)
{
	char msg[160];
	static u8 big[80 * 1024];
	struct inode *ip;
	dev.img = calloc(NBLOCKS, BSIZE);
	dev.b = (struct bdev){mem_read, mem_write, mem_flush, NBLOCKS, false, NULL, NULL, NULL, 0};
	must(disk_format(&dev.b, NBLOCKS, 64));
	must(disk_mount(&dev.b, msg, sizeof(msg)));
	must(disk_fs.mkdir("/tmp", 0, 0, 01777));
	must(disk_fs.mkdir("/home", 0, 0, 0755));
	must(disk_fs.mkdir("/home/user", 0, 0, 0755));
	must(disk_fs.chown("/home/user", 0, 0, 1000, 1000));
	must(disk_fs.lookup("/home/user/notes", 0, 0, O_CREAT | O_RDWR, 0644, &ip));
	must(disk_write(ip, 0, "some notes", 10));
	must(disk_fs.lookup("/tmp/big", 0, 0, O_CREAT | O_RDWR, 0600, &ip));
	memset(big, 'b', sizeof(big));
	must(disk_write(ip, 0, big, sizeof(big)));
	disk_unmount();
	base = malloc((size_t)NBLOCKS * BSIZE);
	memcpy(base, dev.img, (size_t)NBLOCKS * BSIZE);
	struct superblock sb;
	memcpy(&sb, base, sizeof(sb));
	for (u32 b = 0; b < sb.data_start; b++)
		if (b <= sb.log_start || b >= sb.inode_start)
			add(b);
	meta[nmeta++] = 0; /* the superblock (add() takes 0 for "none") */
	add_blocks(&sb, false);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

/* Read every file and directory under path, depth first. */
static void read_all(const char *path, int depth)
{
	struct inode *ip;
	if (depth > 8 || disk_fs.lookup(path, 0, 0, O_RDONLY, 0, &ip) < 0)
		return;
	struct fs_stat st;
	disk_fs.statof(ip, &st);
	if ((st.mode & S_IFMT) == S_IFREG) {
		const u8 *p;
		u64 off = 0, n;
		while ((n = disk_fs.readptr(ip, off, 1 << 20, &p)) > 0) {
			CHECK(n <= BSIZE);
			volatile u8 sink = p[n - 1]; /* ASan: the pointer is good for n bytes */
			(void)sink;
			off += n;
		}
		CHECK(off == st.size);
		return;
	}
	/* the entries first (the cache is reused by the walks below) */
	static char names[8][64][FS_PATH];
	u64 count = 0, n;
	const struct fs_dirent *e;
	while (count < 64 && (n = disk_fs.readdir(ip, count, 64 - count, &e)) > 0) {
		for (u64 k = 0; k < n; k++) {
			CHECK(memchr(e[k].name, 0, sizeof(e[k].name)));
			snprintf(names[depth][count + k], FS_PATH, "%s/%s",
				 strcmp(path, "/") ? path : "", e[k].name);
		}
		count += n;
	}
	for (u64 i = 0; i < count; i++)
		read_all(names[depth][i], depth + 1);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	char msg[160] = "";
	memcpy(dev.img, base, (size_t)NBLOCKS * BSIZE);
	for (size_t i = 0; i + 5 <= size; i += 5) {
		u32 b = meta[data[i] % nmeta];
		u32 off = (data[i + 1] | data[i + 2] << 8) % BSIZE;
		u8 *p = dev.img + (size_t)b * BSIZE + off;
		*p = data[i + 4] & 1 ? *p ^ data[i + 3] : data[i + 3];
	}
	int r = disk_mount(&dev.b, msg, sizeof(msg));
	if (r < 0) {
		CHECK(msg[0]); /* refused, and says why */
		disk_unmount();
		return 0;
	}
	/* mounted: it must stand a round of everything, and stay consistent */
	struct inode *ip;
	read_all("/", 0);
	if (disk_fs.lookup("/tmp/new", 0, 0, O_CREAT | O_RDWR, 0644, &ip) == 0) {
		disk_fs.hold(ip);
		disk_write(ip, 5000, "new data", 8);
		disk_fs.trunc(ip, 3);
		disk_fs.put(ip);
	}
	disk_fs.mkdir("/tmp/d", 1000, 1000, 0755);
	disk_fs.rename("/home/user/notes", "/tmp/d/notes", 0, 0);
	disk_fs.chmod("/tmp/big", 0, 0, 0644);
	disk_fs.chown("/home", 0, 0, 7, 7);
	if (disk_fs.lookup("/tmp/big", 0, 0, O_RDWR, 0, &ip) == 0) {
		disk_fs.hold(ip);
		disk_fs.unlink("/tmp/big", 0, 0); /* open: freed by the put */
		disk_fs.put(ip);
	}
	disk_fs.unlink("/tmp/new", 0, 0);
	read_all("/", 0);
	disk_unmount();
	r = disk_check(&dev.b, msg, sizeof(msg), NULL);
	if (r < 0)
		fprintf(stderr, "fuzz_disk: mounted, then inconsistent: %s\n", msg);
	CHECK(r == 0);
	return 0;
}
