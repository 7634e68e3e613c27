/*
 * bcache.c - the buffer cache of the on-disk file system (disk.h):
 * nbuf blocks in memory, the least recently used one reused. In duet
 * the memory is the connection's buffer that blkd's disk reaches itself
 * (bdev.mem, blk.h): a block is read into its cached copy by DMA, and
 * written from it, with no copy in between (docs/disk.md, "Copies of
 * file data"); its size is then the buffer's.
 *
 * A buffer that belongs to the open transaction (logged) stays until
 * the transaction commits: its new contents exist nowhere else yet, and
 * its home block on the disk must not change before the commit record
 * is written (log.c). Everything else is clean - the log writes every
 * change through - so any other unreferenced buffer may be reused.
 * One thread uses it (fsd serves in one), so there are no locks.
 */
#include "../include/disk.h"

void *malloc(size_t n);
void free(void *p);

static struct bdev *dev;
static struct buf *bufs;
static unsigned nbufs;
static bool owned; /* the blocks are malloc's, not the device's memory */
static u64 clock;

int bc_init(struct bdev *d, unsigned nbuf)
{
	bc_fini();
	if (d->mem && d->nmem)
		nbuf = d->nmem;
	owned = !d->mem || !d->nmem;
	bufs = malloc(nbuf * sizeof(*bufs));
	u8 *data = owned ? malloc((size_t)nbuf * BSIZE) : d->mem;
	if (!bufs || !data) {
		free(bufs);
		if (owned)
			free(data);
		bufs = NULL;
		return -ENOMEM;
	}
	memset(bufs, 0, nbuf * sizeof(*bufs));
	for (unsigned i = 0; i < nbuf; i++)
		bufs[i].data = data + (size_t)i * BSIZE;
	nbufs = nbuf;
	dev = d;
	return 0;
}

void bc_fini(void)
{
	if (bufs && owned)
		free(bufs[0].data);
	free(bufs);
	bufs = NULL;
	nbufs = 0;
}

/* The buffer of blk: the cached one, or a reused one (not valid). */
static struct buf *get(u32 blk)
{
	struct buf *victim = NULL;
	if (!bufs || blk >= dev->nblocks)
		return NULL;
	for (unsigned i = 0; i < nbufs; i++) {
		struct buf *b = &bufs[i];
		if (b->valid && b->blk == blk) {
			victim = b;
			break;
		}
		/* a free one: an empty buffer, else the least recently used */
		if (!b->refs && !b->logged &&
		    (!victim || (victim->valid && (!b->valid || b->used < victim->used))))
			victim = b;
	}
	if (!victim)
		return NULL; /* every buffer held or logged: an operation too big */
	if (!victim->valid || victim->blk != blk) {
		victim->blk = blk;
		victim->valid = false;
	}
	victim->refs++;
	victim->used = ++clock;
	return victim;
}

struct buf *bc_read(u32 blk)
{
	struct buf *b = get(blk);
	if (b && !b->valid) {
		if (dev->read(dev, blk, 1, b->data) < 0) {
			b->refs--;
			return NULL;
		}
		b->valid = true;
	}
	return b;
}

bool bc_cached(u32 blk)
{
	for (unsigned i = 0; i < nbufs; i++)
		if (bufs[i].valid && bufs[i].blk == blk)
			return true;
	return false;
}

void bc_readahead(u32 blk, u32 n)
{
	struct buf *b[BC_AHEAD];
	void *to[BC_AHEAD];
	u32 k = 0;
	for (; n > 1 && dev && dev->readv && k < MIN(n, BC_AHEAD) && !bc_cached(blk + k); k++) {
		if (!(b[k] = get(blk + k)))
			break; /* no free buffer: read what we have */
		to[k] = b[k]->data;
	}
	bool ok = k > 1 && dev->readv(dev, blk, k, to) == 0;
	for (u32 i = 0; i < k; i++) {
		b[i]->valid = ok;
		b[i]->refs--;
	}
}

struct buf *bc_zero(u32 blk)
{
	struct buf *b = get(blk);
	if (b) {
		memset(b->data, 0, BSIZE);
		b->valid = true;
	}
	return b;
}

void bc_put(struct buf *b)
{
	b->refs--;
}

void bc_forget(void)
{
	for (unsigned i = 0; i < nbufs; i++)
		if (!bufs[i].logged)
			bufs[i].valid = false;
}
