/*
 * test_disk.c - the on-disk file system (user/lib/disktree.c, log.c,
 * bcache.c, diskcheck.c; docs/disk.md) on a disk in memory: a format
 * that reads back after a fresh mount, directory operations and the
 * permission rules, a file grown across its indirect block, a full disk
 * (-ENOSPC, nothing corrupted), images the mount must refuse, and
 * crashes: every operation is cut after each of its block writes (and
 * with that write torn in half), and the disk, mounted again, must pass
 * the check and show the operation either not done or done. And the
 * driver dying at each write (blkd killed): disk_recover() under the
 * running tree, the same either-or, and the tree usable again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../user/include/disk.h"
#include "../../user/include/fstree.h"

#define USER  1000
#define OTHER 2000

/*
 * A disk in memory that can lose power: the write numbered crash_at and
 * every one after it never arrive (torn: that one arrives half). With a
 * write cache (cache), writes wait in `pend` until a flush, as a real
 * disk's may, and the power cut lets only some of them arrive, in any
 * order (`keep`: none, all, every other one, only the last). Or, with
 * `dies`, the driver dies at write crash_at instead (blkd killed): that
 * write reaches the disk if `torn`, else not, and every call fails
 * (bdev.down) until the test brings the device back. With `dma` the
 * cache lives in memory the disk reads itself (bdev.mem, as blkd's
 * connection buffer in duet) and the log writes from there (writev): a
 * cached write is read when it arrives, not when it was written, and a
 * block that changed in between fails the test.
 */
enum { KEEP_NONE, KEEP_ALL, KEEP_ODD, KEEP_LAST, NKEEP };
#define NPEND 256
#define NMEM  128 /* blocks of "device memory" the cache lives in (dma) */

struct memdev {
	struct bdev b;
	u8 *img;
	long writes, crash_at; /* crash_at < 0: never */
	bool torn, cache, dies, dma;
	int keep;
	int npend;
	u32 pblk[NPEND];
	u8 (*pdata)[BSIZE];
	const u8 *psrc[NPEND]; /* dma: the block in mem it is read from, or NULL */
};

static int mem_read(struct bdev *d, u64 blk, u32 n, void *buf)
{
	struct memdev *m = (struct memdev *)d;
	if (blk + n > d->nblocks || d->down)
		return -EIO;
	memcpy(buf, m->img + blk * BSIZE, (size_t)n * BSIZE);
	for (int i = 0; i < m->npend; i++) /* the cache has the latest */
		if (m->pblk[i] >= blk && m->pblk[i] < blk + n)
			memcpy((u8 *)buf + (m->pblk[i] - blk) * BSIZE, m->pdata[i], BSIZE);
	return 0;
}

/* A read-ahead (bcache.c): each block as mem_read reads it. */
static int mem_readv(struct bdev *d, u64 blk, u32 n, void *const *to)
{
	for (u32 i = 0; i < n; i++)
		if (mem_read(d, blk + i, 1, to[i]) < 0)
			return -EIO;
	return 0;
}

/* The power goes: some of the cached writes reach the disk. */
static void power_cut(struct memdev *m)
{
	for (int i = 0; i < m->npend; i++)
		if (m->psrc[i] && memcmp(m->psrc[i], m->pdata[i], BSIZE) != 0)
			fail_msg("block %u changed in memory while its write was in flight",
				 m->pblk[i]);
	for (int i = 0; i < m->npend; i++)
		if (m->keep == KEEP_ALL || (m->keep == KEEP_ODD && i % 2) ||
		    (m->keep == KEEP_LAST && i == m->npend - 1))
			memcpy(m->img + (size_t)m->pblk[i] * BSIZE, m->pdata[i], BSIZE);
	m->npend = 0;
}

static int mem_write(struct bdev *d, u64 blk, u32 n, const void *buf)
{
	struct memdev *m = (struct memdev *)d;
	if (blk + n > d->nblocks || d->down)
		return -EIO;
	for (u32 i = 0; i < n; i++, m->writes++) {
		const u8 *src = (const u8 *)buf + (size_t)i * BSIZE;
		size_t len = BSIZE;
		if (m->dies && m->writes == m->crash_at) {
			if (m->torn) /* blkd had sent it to the disk */
				memcpy(m->img + (blk + i) * BSIZE, src, len);
			m->writes++;
			d->down = true;
			return -EIO;
		}
		if (m->crash_at >= 0 && m->writes > m->crash_at)
			continue; /* the power is off: the program runs on, the disk is gone */
		if (m->writes == m->crash_at) {
			power_cut(m);
			if (!(len = m->torn ? BSIZE / 2 : 0))
				continue;
		} else if (m->cache) {
			if (m->npend == NPEND)
				fail_msg("more than %d writes without a flush", NPEND);
			m->pblk[m->npend] = blk + i;
			u8 *mem = d->mem;
			m->psrc[m->npend] =
			    mem && src >= mem && src < mem + NMEM * BSIZE ? src : NULL;
			memcpy(m->pdata[m->npend++], src, BSIZE);
			continue;
		}
		memcpy(m->img + (blk + i) * BSIZE, src, len);
	}
	return 0;
}

static int mem_flush(struct bdev *d)
{
	struct memdev *m = (struct memdev *)d;
	if (d->down)
		return -EIO;
	if (m->crash_at < 0 || m->writes <= m->crash_at) {
		int keep = m->keep;
		m->keep = KEEP_ALL;
		power_cut(m); /* not a cut: everything arrives */
		m->keep = keep;
	}
	return 0;
}

/* The log's writes of blocks in mem (dma), each as mem_write writes it. */
static int mem_writev(struct bdev *d, u64 blk, u32 n, const void *const *from)
{
	for (u32 i = 0; i < n; i++)
		if (mem_write(d, blk + i, 1, from[i]) < 0)
			return -EIO;
	return 0;
}

static struct memdev dev;
static char msg[160];

static void mem_init(u32 nblocks)
{
	free(dev.img);
	if (!dev.pdata)
		dev.pdata = malloc(NPEND * BSIZE);
	dev.npend = 0;
	dev.cache = false;
	dev.img = calloc(nblocks, BSIZE);
	static u8 *mem;
	if (!mem)
		mem = malloc(NMEM * BSIZE);
	dev.b =
	    (struct bdev){mem_read, mem_write, mem_flush, nblocks, false, mem_readv, NULL, NULL, 0};
	if (dev.dma) {
		dev.b.writev = mem_writev;
		dev.b.mem = mem;
		dev.b.nmem = NMEM;
	}
	dev.crash_at = -1;
	dev.dies = false;
	dev.writes = 0;
}

static void mount(void)
{
	int r = disk_mount(&dev.b, msg, sizeof(msg));
	if (r < 0)
		fail_msg("mount: %s", msg);
}

static void check_clean(void)
{
	int r = disk_check(&dev.b, msg, sizeof(msg), NULL);
	if (r < 0)
		fail_msg("check: %s", msg);
}

/* A fresh mount: nothing cached, as after a reboot. */
static void remount(void)
{
	disk_unmount();
	mount();
}

static struct inode *get(const char *path, int uid)
{
	struct inode *ip = NULL;
	assert_int_equal(disk_fs.lookup(path, uid, uid, O_RDONLY, 0, &ip), 0);
	return ip;
}

static int create(const char *path, int uid, unsigned mode)
{
	struct inode *ip;
	return disk_fs.lookup(path, uid, uid, O_CREAT | O_EXCL | O_RDWR, mode, &ip);
}

/* Write n bytes of data at off into path (root). */
static long put(const char *path, u64 off, const void *data, u64 n)
{
	struct inode *ip = get(path, 0);
	disk_fs.hold(ip);
	long r = disk_write(ip, off, data, n);
	disk_fs.put(ip);
	return r;
}

/* Up to max bytes of ip from off. */
static u64 readat(struct inode *ip, u64 off, void *buf, u64 max)
{
	u64 done = 0;
	for (;;) {
		const u8 *p;
		u64 n = disk_fs.readptr(ip, off + done, max - done, &p);
		if (n == 0)
			return done;
		memcpy((u8 *)buf + done, p, n);
		done += n;
	}
}

static bool has(const char *path, const char *text)
{
	struct inode *ip;
	char buf[256];
	if (disk_fs.lookup(path, 0, 0, O_RDONLY, 0, &ip) < 0)
		return false;
	u64 n = readat(ip, 0, buf, sizeof(buf) - 1);
	buf[n] = 0;
	return strcmp(buf, text) == 0;
}

static bool exists(const char *path)
{
	struct fs_stat st;
	return disk_fs.stat(path, 0, 0, &st) == 0;
}

/* The pattern byte at offset i of a test file. */
static u8 pat(u64 i, unsigned seed)
{
	return (u8)(i * 7 + i / 4096 + seed);
}

static int setup(void **state)
{
	(void)state;
	mem_init(2048); /* 8 MiB */
	assert_int_equal(disk_format(&dev.b, 2048, 256), 0);
	mount();
	assert_int_equal(disk_fs.mkdir("/tmp", 0, 0, 01777), 0);
	assert_int_equal(disk_fs.mkdir("/home", 0, 0, 0755), 0);
	assert_int_equal(disk_fs.mkdir("/home/user", 0, 0, 0755), 0);
	assert_int_equal(disk_fs.chown("/home/user", 0, 0, USER, USER), 0);
	assert_int_equal(disk_fs.mkdir("/etc", 0, 0, 0755), 0);
	assert_int_equal(create("/etc/motd", 0, 0644), 0);
	assert_int_equal(put("/etc/motd", 0, "hello", 5), 5);
	assert_int_equal(create("/etc/secret", 0, 0600), 0);
	check_clean();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	disk_unmount();
	return 0;
}

static void roundtrip(void **state)
{
	(void)state;
	struct fs_stat st;
	remount();
	assert_true(has("/etc/motd", "hello"));
	assert_int_equal(disk_fs.stat("/home/user", 0, 0, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0755);
	assert_int_equal(st.uid, USER);
	assert_int_equal(disk_fs.stat("/tmp", 0, 0, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 01777);
	assert_int_equal(disk_fs.stat("/etc/secret", 0, 0, &st), 0);
	assert_int_equal(st.mode, S_IFREG | 0600);
	/* the permission rules, as the RAM tree's */
	struct inode *ip;
	assert_int_equal(disk_fs.lookup("/etc/x", USER, USER, O_CREAT | O_RDWR, 0644, &ip),
			 -EACCES);
	assert_int_equal(disk_fs.lookup("/tmp/mine", USER, USER, O_CREAT | O_RDWR, 0640, &ip), 0);
	assert_int_equal(ip->uid, USER);
	assert_int_equal(disk_fs.unlink("/tmp/mine", OTHER, OTHER), -EPERM); /* sticky */
	assert_int_equal(disk_fs.chmod("/tmp/mine", OTHER, OTHER, 0777), -EPERM);
	assert_int_equal(disk_fs.chown("/tmp/mine", USER, USER, 0, 0), -EPERM);
	remount();
	assert_int_equal(disk_fs.stat("/tmp/mine", 0, 0, &st), 0);
	assert_int_equal(st.uid, USER);
	assert_int_equal(st.mode, S_IFREG | 0640);
	assert_int_equal(disk_fs.unlink("/tmp/mine", USER, USER), 0);
	check_clean();
}

static void directories(void **state)
{
	(void)state;
	char path[64];
	struct inode *d, *ip;
	const struct fs_dirent *e;
	assert_int_equal(disk_fs.mkdir("/tmp/d", USER, USER, 0755), 0);
	assert_int_equal(disk_fs.mkdir("/tmp/d", USER, USER, 0755), -EEXIST);
	assert_int_equal(disk_fs.mkdir("/tmp/d/e/f", USER, USER, 0755), -ENOENT);
	/* 150 entries: three blocks of the directory */
	for (int i = 0; i < 150; i++) {
		snprintf(path, sizeof(path), "/tmp/d/f%d", i);
		assert_int_equal(create(path, USER, 0644), 0);
	}
	assert_int_equal(disk_fs.lookup("/tmp/d/f3/x", USER, USER, O_CREAT, 0644, &ip), -ENOTDIR);
	remount();
	d = get("/tmp/d", USER);
	assert_int_equal(d->size, 150);
	u64 seen = 0, n;
	while ((n = disk_fs.readdir(d, seen, 1000, &e)) > 0) {
		for (u64 k = 0; k < n; k++)
			assert_int_equal(e[k].mode, S_IFREG | 0644);
		seen += n;
	}
	assert_int_equal(seen, 150);
	for (int i = 0; i < 150; i += 2) {
		snprintf(path, sizeof(path), "/tmp/d/f%d", i);
		assert_int_equal(disk_fs.unlink(path, USER, USER), 0);
	}
	check_clean();
	remount();
	for (int i = 0; i < 150; i++) {
		snprintf(path, sizeof(path), "/tmp/d/f%d", i);
		assert_int_equal(exists(path), i % 2);
	}
	assert_int_equal(disk_fs.unlink("/tmp/d", USER, USER), -ENOTEMPTY);
	/* rename: in place, to another directory, over a file */
	assert_int_equal(disk_fs.rename("/tmp/d/f1", "/tmp/d/one", USER, USER), 0);
	assert_int_equal(disk_fs.rename("/tmp/d/one", "/tmp/one", USER, USER), 0);
	assert_int_equal(disk_fs.rename("/tmp/one", "/tmp/d/f3", USER, USER), 0);
	assert_false(exists("/tmp/one"));
	assert_int_equal(disk_fs.rename("/tmp", "/tmp/d/x", 0, 0), -EINVAL);
	assert_int_equal(disk_fs.unlink("/", 0, 0), -EBUSY);
	check_clean();
	for (int i = 3; i < 150; i += 2) {
		snprintf(path, sizeof(path), "/tmp/d/f%d", i);
		assert_int_equal(disk_fs.unlink(path, USER, USER), 0);
	}
	assert_int_equal(disk_fs.unlink("/tmp/d", USER, USER), 0);
	check_clean();
}

/* fstest's directory check (user/bin/fstest.c, dirs()), on the disk */
static void fstest_dirs(void **state)
{
	(void)state;
	char path[64], text[8];
	assert_int_equal(disk_fs.mkdir("/tmp/t.d", 0, 0, 0755), 0);
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/tmp/t.d/f%d", i);
		snprintf(text, sizeof(text), "f%d", i);
		assert_int_equal(create(path, 0, 0644), 0);
		assert_int_equal(put(path, 0, text, strlen(text)), strlen(text));
	}
	assert_int_equal(disk_fs.rename("/tmp/t.d/f1", "/tmp/t.d/g1", 0, 0), 0);
	assert_int_equal(disk_fs.mkdir("/tmp/t.d/sub", 0, 0, 0700), 0);
	assert_int_equal(disk_fs.rename("/tmp/t.d/g1", "/tmp/t.d/sub/g1", 0, 0), 0);
	assert_int_equal(disk_fs.rename("/tmp/t.d", "/tmp/t.d/sub/x", 0, 0), -EINVAL);
	assert_int_equal(disk_fs.rename("/tmp/t.d/f2", "/tmp/t.d/f3", 0, 0), 0);
	assert_true(has("/tmp/t.d/f3", "f2"));
	check_clean();
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/tmp/t.d/f%d", i);
		int r = disk_fs.unlink(path, 0, 0);
		if (r != (i == 1 || i == 2 ? -ENOENT : 0))
			fail_msg("unlink %s: %d", path, r);
	}
	check_clean();
}

static void replace(void **state)
{
	(void)state;
	struct fs_stat st, st2;
	assert_int_equal(create("/etc/notes", 0, 0644), 0);
	assert_int_equal(put("/etc/notes", 0, "the data", 8), 8);
	struct inode *old = get("/etc/notes", 0);
	disk_fs.hold(old); /* a reader has it open */
	disk_fs.statof(old, &st);
	assert_int_equal(disk_fs.chmod("/etc/notes", 0, 0, 0600), 0);
	assert_int_equal(disk_fs.stat("/etc/notes", 0, 0, &st2), 0);
	assert_true(st2.ino != st.ino);
	assert_int_equal(st2.gen, st.gen + 1);
	assert_int_equal(st2.mode, S_IFREG | 0600);
	assert_int_equal(old->nlink, 0);
	assert_true(has("/etc/notes", "the data"));
	char buf[16];
	assert_int_equal(readat(old, 0, buf, sizeof(buf)), 8); /* the reader keeps its file */
	/* a crash now leaves the old inode an orphan: the mount frees it */
	unsigned orphans;
	assert_int_equal(disk_check(&dev.b, msg, sizeof(msg), &orphans), 0);
	assert_int_equal(orphans, 1);
	remount();
	assert_int_equal(disk_check(&dev.b, msg, sizeof(msg), &orphans), 0);
	assert_int_equal(orphans, 0);
	assert_true(has("/etc/notes", "the data"));
	/* a directory's entries move to the new inode */
	assert_int_equal(disk_fs.chown("/etc", 0, 0, 5, 5), 0);
	assert_true(has("/etc/motd", "hello"));
	assert_int_equal(disk_fs.stat("/etc", 0, 0, &st), 0);
	assert_int_equal(st.uid, 5);
	check_clean();
}

/* fs_ops.write's take: the first `left` bytes, then a client that took
   its bytes back (fsd's take fails). */
static u64 left;
static long take_some(void *arg, void *dst, u64 n)
{
	const u8 **src = arg;
	if (n > left)
		return -EIO;
	memcpy(dst, *src, n);
	*src += n;
	left -= n;
	return n;
}

/*
 * A write takes its bytes straight into the cached blocks, a block at a
 * time: when a take fails half-way (fsd: the client took its bytes back)
 * the write is undone - the blocks it filled and allocated dropped with
 * its transaction, the file as it was, in the running tree and on the
 * disk - and a whole one works.
 */
static void write_taken_back(void **state)
{
	(void)state;
	u8 buf[4 * BSIZE], back[4 * BSIZE];
	for (u64 i = 0; i < sizeof(buf); i++)
		buf[i] = pat(i, 3);
	assert_int_equal(create("/tmp/w", 0, 0644), 0);
	assert_int_equal(put("/tmp/w", 0, buf, BSIZE + 10), BSIZE + 10);
	struct inode *ip = get("/tmp/w", 0);
	disk_fs.hold(ip);
	const u8 *src = buf + 1;
	left = 2 * BSIZE; /* the rest of block 0, block 1, then none for block 2 (new) */
	assert_int_equal(disk_fs.write(ip, 100, 3 * BSIZE, take_some, &src), -EIO);
	assert_int_equal(ip->size, BSIZE + 10);
	assert_int_equal(readat(ip, 0, back, sizeof(back)), BSIZE + 10);
	assert_memory_equal(buf, back, BSIZE + 10);
	check_clean();
	src = buf + 1;
	left = 3 * BSIZE;
	assert_int_equal(disk_fs.write(ip, 100, 3 * BSIZE, take_some, &src), 3 * BSIZE);
	disk_fs.put(ip);
	remount();
	ip = get("/tmp/w", 0);
	assert_int_equal(ip->size, 100 + 3 * BSIZE);
	assert_int_equal(readat(ip, 0, back, sizeof(back)), 100 + 3 * BSIZE);
	assert_memory_equal(buf, back, 100);
	assert_memory_equal(buf + 1, back + 100, 3 * BSIZE);
	check_clean();
}

static void growth(void **state)
{
	(void)state;
	u64 size = DISK_FILE_MAX;
	u8 *buf = malloc(size), *back = malloc(size);
	for (u64 i = 0; i < size; i++)
		buf[i] = pat(i, 1);
	assert_int_equal(create("/tmp/big", 0, 0644), 0);
	assert_int_equal(put("/tmp/big", 0, buf, size), (long)size);
	assert_int_equal(put("/tmp/big", size, buf, 1), -ENOSPC); /* the biggest file */
	check_clean();
	remount();
	struct inode *ip = get("/tmp/big", 0);
	assert_int_equal(ip->size, size);
	assert_int_equal(readat(ip, 0, back, size), size);
	assert_memory_equal(buf, back, size);
	/* cut in the indirect blocks, then into the direct ones */
	assert_int_equal(disk_fs.trunc(ip, (NDIRECT + 5) * BSIZE + 100), 0);
	check_clean();
	assert_int_equal(disk_fs.trunc(ip, 3 * BSIZE + 7), 0);
	check_clean();
	assert_int_equal(disk_fs.trunc(ip, 20 * BSIZE), 0); /* grown again: zeros */
	remount();
	ip = get("/tmp/big", 0);
	assert_int_equal(readat(ip, 0, back, size), 20 * BSIZE);
	assert_memory_equal(buf, back, 3 * BSIZE + 7);
	for (u64 i = 3 * BSIZE + 7; i < 20 * BSIZE; i++)
		assert_int_equal(back[i], 0);
	/* a hole in the middle, written later */
	assert_int_equal(put("/tmp/big", 40 * BSIZE, "end", 3), 3);
	assert_int_equal(ip->size, 40 * BSIZE + 3);
	check_clean();
	assert_int_equal(disk_fs.unlink("/tmp/big", 0, 0), 0);
	check_clean();
	free(buf);
	free(back);
}

static void full(void **state)
{
	(void)state;
	static u8 chunk[64 * 1024];
	char path[32];
	long total = 0, r = 0;
	int files;
	memset(chunk, 0x5a, sizeof(chunk));
	/* files of 1 MiB until the disk is full */
	for (files = 0;; files++) {
		snprintf(path, sizeof(path), "/tmp/fill%d", files);
		assert_int_equal(create(path, 0, 0644), 0);
		long n = 0;
		while (n < (1 << 20) && (r = put(path, n, chunk, sizeof(chunk))) > 0)
			n += r;
		total += n;
		if (r < 0) {
			assert_int_equal(r, -ENOSPC);
			break;
		}
	}
	assert_true(total > 6 << 20);
	check_clean();
	/* the last blocks: a block's file each, until there is none (a
	   transaction of a big write takes up to 16 data blocks at once) */
	r = BSIZE;
	for (int i = 0; r == BSIZE; i++) {
		snprintf(path, sizeof(path), "/tmp/rest%d", i);
		assert_int_equal(create(path, 0, 0644), 0);
		r = put(path, 0, chunk, BSIZE);
	}
	assert_int_equal(r, -ENOSPC);
	/* a one-byte file: no block for it */
	assert_int_equal(create("/tmp/one", 0, 0644), 0);
	assert_int_equal(put("/tmp/one", 0, "x", 1), -ENOSPC);
	check_clean();
	remount();
	struct inode *ip = get("/tmp/fill0", 0);
	u8 back[4096];
	assert_int_equal(ip->size, 1 << 20);
	assert_int_equal(readat(ip, 12345, back, sizeof(back)), sizeof(back));
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0x5a);
	/* freeing space makes room again */
	assert_int_equal(disk_fs.unlink("/tmp/fill0", 0, 0), 0);
	assert_int_equal(put("/tmp/one", 0, "x", 1), 1);
	for (int i = 1; i <= files; i++) {
		snprintf(path, sizeof(path), "/tmp/fill%d", i);
		assert_int_equal(disk_fs.unlink(path, 0, 0), 0);
	}
	/* inodes run out too: -ENOSPC, and nothing half-made */
	int made;
	r = 0;
	for (made = 0; r == 0; made++) {
		snprintf(path, sizeof(path), "/tmp/i%d", made);
		r = create(path, 0, 0644);
	}
	assert_int_equal(r, -ENOSPC);
	assert_false(exists(path));
	check_clean();
	for (int i = 0; i < made - 1; i++) {
		snprintf(path, sizeof(path), "/tmp/i%d", i);
		assert_int_equal(disk_fs.unlink(path, 0, 0), 0);
	}
	check_clean();
}

/* ---- crashes ------------------------------------------------------------- */

/* An operation, and how to tell whether it happened. */
struct crashop {
	const char *name;
	void (*prep)(void); /* before the snapshot */
	void (*run)(void);  /* cut at some write */
	bool (*before)(void);
	bool (*after)(void);
};

static u8 big[3 * 16 * BSIZE + 100]; /* three transactions of a big write */

static void prep_none(void) {}
static void prep_file(void)
{
	assert_int_equal(create("/tmp/a", USER, 0644), 0);
	assert_int_equal(put("/tmp/a", 0, "old contents", 12), 12);
}
static void prep_big(void)
{
	for (u64 i = 0; i < sizeof(big); i++)
		big[i] = pat(i, 3);
	assert_int_equal(create("/tmp/a", USER, 0644), 0);
	assert_int_equal(put("/tmp/a", 0, big, sizeof(big)), sizeof(big));
}
static void prep_two(void)
{
	prep_file();
	assert_int_equal(create("/tmp/b", USER, 0644), 0);
	assert_int_equal(put("/tmp/b", 0, "bee", 3), 3);
}

static void run_create(void)
{
	create("/tmp/a", USER, 0644);
	struct inode *ip;
	if (disk_fs.lookup("/tmp/a", 0, 0, O_RDWR, 0, &ip) == 0)
		put("/tmp/a", 0, "new", 3);
}
static void run_write(void)
{
	put("/tmp/a", 4, "CONTENTS-and-more", 17);
}
static void run_mkdir(void)
{
	disk_fs.mkdir("/tmp/dir", USER, USER, 0700);
}
static void run_rename_over(void)
{
	disk_fs.rename("/tmp/a", "/tmp/b", USER, USER);
}
static void run_unlink_big(void)
{
	disk_fs.unlink("/tmp/a", USER, USER);
}
static void run_chmod_big(void)
{
	disk_fs.chmod("/tmp/a", USER, USER, 0600);
}
static void run_unlink_open(void)
{
	struct inode *ip = get("/tmp/a", 0);
	disk_fs.hold(ip);
	disk_fs.unlink("/tmp/a", USER, USER);
	disk_fs.put(ip); /* the last connection goes: freed */
}

static bool no_a(void)
{
	return !exists("/tmp/a");
}
static bool no_or_empty_a(void)
{
	struct fs_stat st;
	return no_a() || (disk_fs.stat("/tmp/a", 0, 0, &st) == 0 && st.size == 0);
}
static bool a_new(void)
{
	return has("/tmp/a", "new");
}
static bool a_old(void)
{
	return has("/tmp/a", "old contents");
}
static bool a_written(void)
{
	return has("/tmp/a", "old CONTENTS-and-more");
}
static bool no_dir(void)
{
	return !exists("/tmp/dir");
}
static bool dir(void)
{
	struct fs_stat st;
	return disk_fs.stat("/tmp/dir", 0, 0, &st) == 0 && st.mode == (S_IFDIR | 0700);
}
static bool two(void)
{
	return a_old() && has("/tmp/b", "bee");
}
static bool b_is_a(void)
{
	return no_a() && has("/tmp/b", "old contents");
}
static bool big_is(unsigned mode)
{
	struct fs_stat st;
	static u8 back[sizeof(big)];
	if (disk_fs.stat("/tmp/a", 0, 0, &st) < 0 || st.mode != (S_IFREG | mode))
		return false;
	return readat(get("/tmp/a", 0), 0, back, sizeof(back)) == sizeof(big) &&
	       !memcmp(back, big, sizeof(big));
}
static bool big_644(void)
{
	return big_is(0644);
}
static bool big_600(void)
{
	return big_is(0600);
}
static bool any_prefix(void)
{
	/* a write of three transactions: done up to some transaction */
	static u8 back[sizeof(big)];
	struct inode *ip;
	if (disk_fs.lookup("/tmp/a", 0, 0, O_RDONLY, 0, &ip) < 0)
		return false;
	u64 n = readat(ip, 0, back, sizeof(back));
	return n % (16 * BSIZE) == 0 && !memcmp(back, big, n);
}
static bool empty_a(void)
{
	struct fs_stat st;
	return disk_fs.stat("/tmp/a", 0, 0, &st) == 0 && st.size == 0;
}
static void run_big_write(void)
{
	put("/tmp/a", 0, big, sizeof(big));
}

static const struct crashop ops[] = {
    {"create and write", prep_none, run_create, no_or_empty_a, a_new},
    {"write", prep_file, run_write, a_old, a_written},
    {"mkdir", prep_none, run_mkdir, no_dir, dir},
    {"rename over", prep_two, run_rename_over, two, b_is_a},
    {"unlink a big file", prep_big, run_unlink_big, big_644, no_a},
    {"chmod a big file", prep_big, run_chmod_big, big_644, big_600},
    {"unlink an open file", prep_file, run_unlink_open, a_old, no_a},
};

/*
 * Each operation, cut after k writes for k = 0, 1, ... until it runs
 * whole: mounted again, the disk is clean and the operation either did
 * not happen or happened. torn: write k arrives half.
 */
static void crash_each(bool torn, bool cache, int keep)
{
	u8 *snap = malloc((size_t)dev.b.nblocks * BSIZE);
	for (size_t o = 0; o < ARRAY_SIZE(ops); o++) {
		const struct crashop *op = &ops[o];
		setup(NULL);
		op->prep();
		disk_unmount();
		memcpy(snap, dev.img, (size_t)dev.b.nblocks * BSIZE);
		for (long k = 0;; k++) {
			memcpy(dev.img, snap, (size_t)dev.b.nblocks * BSIZE);
			mount(); /* (no writes: the log is empty) */
			dev.writes = 0;
			dev.crash_at = k;
			dev.torn = torn;
			dev.cache = cache;
			dev.keep = keep;
			op->run();
			bool whole = dev.writes <= k;
			mem_flush(&dev.b); /* whole: the end of it arrives too */
			dev.crash_at = -1;
			dev.cache = false;
			disk_unmount();
			int r = disk_check(&dev.b, msg, sizeof(msg), NULL);
			if (r < 0)
				fail_msg("%s cut at write %ld: check: %s", op->name, k, msg);
			mount();
			check_clean();
			bool b = op->before(), a = op->after();
			if (!b && !a)
				fail_msg("%s cut at write %ld: neither before nor after", op->name,
					 k);
			if (whole) {
				assert_true(a);
				break;
			}
		}
		disk_unmount();
	}
	free(snap);
}

static void crash(void **state)
{
	(void)state;
	crash_each(false, false, KEEP_NONE);
}

static void crash_torn(void **state)
{
	(void)state;
	crash_each(true, false, KEEP_NONE);
}

/* A disk with a write cache: the writes since the last flush arrive in
   part, in any order - none, all, every other one, only the last. */
static void crash_cache(void **state)
{
	(void)state;
	for (int keep = 0; keep < NKEEP; keep++)
		crash_each(keep % 2, true, keep);
}

/* The same with the cache in the disk's memory (dma): every write of a
   cached block, posted, is read by the disk only when it arrives. */
static void crash_dma(void **state)
{
	(void)state;
	dev.dma = true;
	for (int keep = 0; keep < NKEEP; keep++)
		crash_each(keep % 2, true, keep);
	dev.dma = false;
}

static void crash_big_write(void **state)
{
	(void)state;
	setup(NULL);
	prep_big();
	assert_int_equal(disk_fs.trunc(get("/tmp/a", 0), 0), 0);
	disk_unmount();
	u8 *snap = malloc((size_t)dev.b.nblocks * BSIZE);
	memcpy(snap, dev.img, (size_t)dev.b.nblocks * BSIZE);
	for (long k = 0;; k += 3) {
		memcpy(dev.img, snap, (size_t)dev.b.nblocks * BSIZE);
		mount();
		dev.writes = 0;
		dev.crash_at = k;
		dev.torn = k % 2;
		run_big_write();
		bool whole = dev.writes <= k;
		dev.crash_at = -1;
		remount();
		check_clean();
		if (!empty_a() && !any_prefix() && !big_644()) {
			struct fs_stat st;
			disk_fs.stat("/tmp/a", 0, 0, &st);
			fail_msg("cut at write %ld: /tmp/a has %llu bytes, not a prefix", k,
				 st.size);
		}
		if (whole) {
			assert_true(big_644());
			break;
		}
	}
	disk_unmount();
	free(snap);
}

/*
 * The driver dies at each write of each operation in turn, the write
 * arriving or not (docs/disk.md, "When blkd dies"): the operation fails,
 * and so does everything after it until the device is back; then
 * disk_recover() mounts it again under the running tree. The disk is
 * clean, the running tree shows the operation not done or done - no
 * stale cached block or inode says otherwise - and takes the next
 * operation, which a fresh mount then sees too.
 */
static void driver_dies(void **state)
{
	(void)state;
	u8 *snap = malloc((size_t)dev.b.nblocks * BSIZE);
	for (int arrives = 0; arrives < 2; arrives++)
		for (size_t o = 0; o < ARRAY_SIZE(ops); o++) {
			const struct crashop *op = &ops[o];
			setup(NULL);
			op->prep();
			disk_unmount();
			memcpy(snap, dev.img, (size_t)dev.b.nblocks * BSIZE);
			for (long k = 0;; k++) {
				memcpy(dev.img, snap, (size_t)dev.b.nblocks * BSIZE);
				mount();
				dev.writes = 0;
				dev.crash_at = k;
				dev.dies = true;
				dev.torn = arrives;
				op->run();
				bool whole = dev.writes <= k;
				dev.crash_at = -1;
				dev.dies = false;
				if (!whole) {
					assert_true(dev.b.down);
					assert_int_equal(create("/tmp/z", USER, 0644), -EIO);
					assert_int_equal(disk_recover(msg, sizeof(msg)), -EIO);
					dev.b.down = false; /* blkd is back */
					if (disk_recover(msg, sizeof(msg)) < 0)
						fail_msg(
						    "%s, driver dead at write %ld: recover: %s",
						    op->name, k, msg);
				}
				check_clean();
				bool b = op->before(), a = op->after();
				if (!b && !a)
					fail_msg("%s, driver dead at write %ld: neither before nor "
						 "after",
						 op->name, k);
				assert_int_equal(create("/tmp/z", USER, 0644), 0);
				assert_int_equal(put("/tmp/z", 0, "zed", 3), 3);
				remount();
				check_clean();
				assert_true(has("/tmp/z", "zed"));
				assert_true(b ? op->before() : op->after());
				if (whole) {
					assert_true(a);
					break;
				}
			}
			disk_unmount();
		}
	free(snap);
}

/* ---- images the mount must refuse ----------------------------------------- */

static u8 *blockp(u32 b)
{
	return dev.img + (size_t)b * BSIZE;
}

static void refuse(const char *want)
{
	disk_unmount();
	if (disk_mount(&dev.b, msg, sizeof(msg)) == 0)
		fail_msg("a corrupt image mounted (want: %s)", want);
	if (!strstr(msg, want))
		fail_msg("refused with \"%s\", want \"%s\"", msg, want);
}

static void corrupt(void **state)
{
	(void)state;
	struct superblock sb;
	u8 *saved = malloc((size_t)dev.b.nblocks * BSIZE);
	remount();	/* the last transaction installed and the log emptied: */
	disk_unmount(); /* the homes are what the mount reads */
	memcpy(&sb, dev.img, sizeof(sb));
	memcpy(saved, dev.img, (size_t)dev.b.nblocks * BSIZE);
#define RESTORE() memcpy(dev.img, saved, (size_t)dev.b.nblocks *BSIZE)
	dev.img[0] ^= 1;
	refuse("bad magic");
	RESTORE();
	((struct superblock *)dev.img)->nblocks = 1 << 30;
	refuse("size");
	RESTORE();
	((struct superblock *)dev.img)->ninodes += IPB;
	refuse("layout");
	RESTORE();
	/* the root's first block: a block of metadata */
	struct dinode *root = (struct dinode *)blockp(sb.inode_start) + ROOT_INUM;
	u32 rootblk = root->addr[0];
	root->addr[0] = sb.inode_start;
	refuse("not a data block");
	RESTORE();
	/* an entry of the root naming a free inode */
	struct fs_dirent *e = (struct fs_dirent *)blockp(rootblk);
	e->ino = 200;
	refuse("not a used inode");
	RESTORE();
	e->name[0] = 0;
	refuse("bad name");
	RESTORE();
	memset(e->name, 'x', sizeof(e->name));
	refuse("bad name");
	RESTORE();
	memcpy(e[1].name, e[0].name, sizeof(e->name));
	refuse("twice");
	RESTORE();
	e->mode ^= 0777;
	refuse("changed");
	RESTORE();
	blockp(sb.bmap_start)[sb.data_start / 8 + 100] ^= 1;
	refuse("bitmap");
	RESTORE();
	/* the same inode under two names */
	e[1].ino = e[0].ino;
	e[1].mode = e[0].mode;
	refuse("two names");
	RESTORE();
	root->size += 1;
	refuse("bad size");
	RESTORE();
	/* a committed log naming the superblock */
	struct loghdr *h = (struct loghdr *)blockp(sb.log_start);
	h->n = 1;
	h->block[0] = 0;
	h->sum = 0; /* a sum that does not match: a torn commit, ignored */
	mount();
	check_clean();
	free(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(directories, setup, teardown),
	    cmocka_unit_test_setup_teardown(fstest_dirs, setup, teardown),
	    cmocka_unit_test_setup_teardown(replace, setup, teardown),
	    cmocka_unit_test_setup_teardown(write_taken_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(growth, setup, teardown),
	    cmocka_unit_test_setup_teardown(full, setup, teardown),
	    cmocka_unit_test_setup_teardown(corrupt, setup, teardown),
	    cmocka_unit_test_teardown(crash, teardown),
	    cmocka_unit_test_teardown(crash_torn, teardown),
	    cmocka_unit_test_teardown(crash_cache, teardown),
	    cmocka_unit_test_teardown(crash_dma, teardown),
	    cmocka_unit_test_teardown(crash_big_write, teardown),
	    cmocka_unit_test_teardown(driver_dies, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
