/*
 * log.c - the write-ahead log of the on-disk file system (disk.h,
 * docs/disk.md): every operation is one transaction, all or nothing.
 *
 * An operation changes blocks only in the buffer cache, and log_write()s
 * each one it changed. log_commit() then:
 *
 *   1. writes the changed blocks into the log area (from the cached
 *      blocks themselves if the device can: bdev.writev)
 *   2. writes the header: how many, where each belongs, a checksum of
 *      it all, flush                  <- the commit point
 *   3. installs: writes each block at its home, flush
 *
 * A crash before 2 is on the disk leaves the homes untouched: the
 * operation did not happen. A crash after it is repaired at the next
 * mount (log_mount), which installs the logged blocks again: the
 * operation happened. The checksum covers the header and the logged
 * blocks, so a header torn half-way, or one that reached the disk before
 * the blocks it describes (there is no flush between 1 and 2: a disk may
 * reorder writes until a flush), counts as never written: the commit
 * point is the header, whole, with its blocks.
 *
 * The header is never cleared: the mount installs the last transaction
 * again, which writes the bytes the homes have already (step 3 was
 * flushed before the next transaction could overwrite the log), so
 * installing twice, or crashing while installing, is harmless.
 *
 * One thread, one transaction at a time (fsd serves in one thread): no
 * group commit. The log holds nlog blocks (the superblock says): an
 * operation that would change more fails with -ENOSPC before anything
 * reached the disk, and the file system code keeps each operation
 * within it (disktree.c splits big writes).
 */
#include "../include/disk.h"

void *malloc(size_t n);
void free(void *p);

#define CHUNK 16 /* log blocks per device write: 64 KiB */

static struct bdev *dev;
static u32 start, nlog; /* the header block, and how many blocks the log holds */
static struct buf *tx[LOG_MAX];
static u32 ntx;
/* The header's block, pinned in the buffer cache for the mount: in duet
   the disk reads it from there itself, as it reads every cached block
   (bcache.c), rather than a copy through blkd's ring. */
static struct loghdr *hdr;
_Static_assert(sizeof(struct loghdr) == BSIZE, "the log's header is one block");
static u8 *stage;

/* The checksum: a 64-bit multiply-xor hash, one word at a time. It only
   has to tell a whole write from a torn one, not resist an attacker
   (whoever can write the disk can write a matching sum). */
static u64 mix(u64 h, u64 w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ h >> 29;
}

static u64 sum_block(u64 h, const u8 *p)
{
	for (unsigned i = 0; i < BSIZE; i += 8) {
		u64 w;
		memcpy(&w, p + i, 8);
		h = mix(h, w);
	}
	return h;
}

static u64 sum_start(u32 n, const u32 *blocks)
{
	u64 h = mix(0x6c6f67, n);
	for (u32 i = 0; i < n; i++)
		h = mix(h, blocks[i]);
	return h;
}

static int flush(void)
{
	return dev->flush(dev);
}

static int write_hdr(void)
{
	int r = dev->write(dev, start, 1, hdr);
	return r < 0 ? r : flush();
}

int log_committed(struct bdev *d, const struct superblock *sb, struct loghdr *h, u8 *scratch)
{
	if (d->read(d, sb->log_start, 1, h) < 0)
		return -EIO;
	if (h->n == 0 || h->n > sb->nlog)
		return 0; /* nothing, or a torn header */
	u64 sum = sum_start(h->n, h->block);
	for (u32 i = 0; i < h->n; i++) {
		if (d->read(d, sb->log_start + 1 + i, 1, scratch) < 0)
			return -EIO;
		sum = sum_block(sum, scratch);
	}
	return sum == h->sum; /* else torn: the operation did not happen */
}

int log_mount(struct bdev *d, const struct superblock *sb)
{
	dev = d;
	start = sb->log_start;
	nlog = sb->nlog;
	ntx = 0;
	if (!stage && !(stage = malloc(CHUNK * BSIZE)))
		return -ENOMEM;
	/* bc_init() has just emptied the cache (disk_mount, disk_recover) */
	struct buf *hb = bc_zero(start);
	if (!hb)
		return -ENOMEM;
	hdr = (struct loghdr *)hb->data;
	int r = log_committed(d, sb, hdr, stage);
	if (r < 0)
		return r;
	if (r == 1) {
		for (u32 i = 0; i < hdr->n; i++)
			if (hdr->block[i] < sb->inode_start || hdr->block[i] >= sb->nblocks)
				return -EINVAL; /* whole, and wrong: not ours */
		for (u32 i = 0; i < hdr->n; i++)
			if (dev->read(dev, start + 1 + i, 1, stage) < 0 ||
			    dev->write(dev, hdr->block[i], 1, stage) < 0)
				return -EIO;
		if ((r = flush()) < 0)
			return r;
	}
	if (hdr->n == 0)
		return 0;
	memset(hdr, 0, sizeof(*hdr));
	return write_hdr();
}

void log_begin(void)
{
	ntx = 0;
}

int log_write(struct buf *b)
{
	if (b->logged)
		return 0; /* absorbed: a block changed twice is logged once */
	if (ntx == nlog)
		return -ENOSPC;
	b->logged = true;
	tx[ntx++] = b;
	return 0;
}

void log_abort(void)
{
	for (u32 i = 0; i < ntx; i++) {
		tx[i]->logged = false;
		tx[i]->valid = false; /* the disk still has the block as it was */
	}
	ntx = 0;
}

int log_commit(void)
{
	if (ntx == 0)
		return 0;
	int r = 0;
	_Static_assert(CHUNK <= BC_AHEAD, "a chunk of the log is one writev");
	for (u32 i = 0; i < ntx && r == 0; i += CHUNK) {
		u32 k = MIN(CHUNK, ntx - i);
		const void *from[CHUNK];
		for (u32 j = 0; j < k; j++)
			from[j] = tx[i + j]->data;
		if (dev->writev) { /* from the cached blocks themselves (blkd: no copy) */
			r = dev->writev(dev, start + 1 + i, k, from);
			continue;
		}
		for (u32 j = 0; j < k; j++)
			memcpy(stage + j * BSIZE, from[j], BSIZE);
		r = dev->write(dev, start + 1 + i, k, stage);
	}
	if (r == 0) {
		hdr->n = ntx;
		for (u32 i = 0; i < ntx; i++)
			hdr->block[i] = tx[i]->blk;
		u64 h = sum_start(ntx, hdr->block);
		for (u32 i = 0; i < ntx; i++)
			h = sum_block(h, tx[i]->data);
		hdr->sum = h;
		r = write_hdr(); /* the commit point */
	}
	for (u32 i = 0; i < ntx && r == 0; i++)
		r = dev->write(dev, tx[i]->blk, 1, tx[i]->data);
	if (r == 0)
		r = flush(); /* before the next transaction overwrites the log */
	if (r < 0) {
		log_abort(); /* the disk decides: the next mount replays it, or not */
		return r;
	}
	for (u32 i = 0; i < ntx; i++)
		tx[i]->logged = false;
	ntx = 0;
	return 0;
}
