/*
 * blkdev.c - a struct bdev (disk.h) over blkd's block protocol (blk.h):
 * how fsd reaches the disk in duet. open("/dev/disk") (root only) gives
 * a connection to the driver; each call here sends one request and
 * waits for its reply, at most CHUNK blocks a request - but a write
 * does not wait: up to POSTED of them go before their replies are
 * taken, all at once, by the next call that is not a write (the flush
 * that follows them, in the log). So a transaction's writes reach blkd
 * together: it gives them to the disk together, and one interrupt
 * completes several (docs/disk.md, "What a block costs"). The disk
 * may do them in any order, as it may without a flush between them.
 *
 * A block already in the connection's buffer - where fsd's cache lives
 * (bdev.mem, bcache.c) - is not sent: the request names where it is
 * (BLK_BUF, blk.h), and the disk reads or writes it there. Other memory
 * (a scratch block, the log's header) goes inline, through the ring.
 * A posted write of buffer blocks is read by the disk later: until its
 * reply has been taken (settle: the next call that is not a write)
 * those blocks must not change - the log's commit flushes before it
 * lets anyone change a block again (log.c).
 *
 * The driver is another program, so its replies are checked like any
 * input: a reply with the wrong tag, a status that is not an error
 * number, a connection that ends - each is -EIO, never a hang on bytes
 * that do not match.
 *
 * The driver may die (init restarts it: docs/servers.md). A connection
 * that ends or goes out of step is closed and the device marked down:
 * every call fails with -EIO at once, and blkdev_reopen() opens
 * /dev/disk again. That open must not block fsd: while no blkd has
 * mounted /dev/disk the path is fsd's own, and the kernel would ask fsd
 * itself - which waits in the open - for it. So the open goes on the
 * ring without waiting, fsd answers its own lookup (-EIO: the disk is
 * down) as it serves, and a later call takes the completion.
 */
#include "async.h"
#include "blk.h"
#include "disk.h"

#define CHUNK	    16			/* blocks a request: 64 KiB (blkd's most) */
#define OPEN_TAG    0x626c6b6f70656eull /* user_data of the reopen's OP_OPEN */
#define POLL_NS	    10000000ull		/* an open in flight: look again in 10 ms */
#define BACKOFF_NS  100000000ull	/* after a failed open: 100 ms, doubled up to 1.6 s */
#define BACKOFF_MAX 4
#define POSTED	    BLK_INFLIGHT /* writes in flight at most: blkd serves that many at once */

/* The connection broke: nothing more goes to it. It stays open (d->old)
   until the next reopen: the cache may be in its buffer, which closing
   it would unmap under the operation that found it broken. */
static void down(struct blkdev *d)
{
	if (d->old >= 0)
		close(d->old);
	d->old = d->fd;
	d->fd = -1;
	d->owed = 0;
	d->err = 0;
	d->b.down = true;
	d->fails = 0;
	d->next = 0; /* try at once: init restarts blkd at once */
}

/* A reply's status as a result: 0, -errno, or 1: not one (the connection is out of step). */
static int status(s32 st)
{
	return st == 0 ? 0 : st < 0 && st >= -4095 ? st : st < 0 ? -EIO : 1;
}

/* Take the replies to the writes sent without waiting, in whatever order
   the disk completed them: the first error among them, or 0. */
static int settle(struct blkdev *d)
{
	while (d->owed) {
		struct blk_reply a;
		u32 bit = 0;
		if (pipe_read_all(d->fd, &a, sizeof(a)) == sizeof(a) && d->tag - a.tag < 32)
			bit = d->owed & 1u << a.tag % 32; /* one of ours, not answered yet */
		if (!bit || status(a.status) > 0) {
			down(d); /* dead, or out of step */
			return -EIO;
		}
		d->owed &= ~bit;
		if (!d->err)
			d->err = status(a.status);
	}
	int r = d->err;
	d->err = 0;
	return r;
}

/* Where p is in the buffer, in blocks; -1 if it is not a block of it. */
static long in_buf(struct blkdev *d, const void *p)
{
	uptr off = (uptr)p - (uptr)d->b.mem;
	if (!d->b.mem || (uptr)p < (uptr)d->b.mem || off >= (uptr)d->b.nmem * BLK_SIZE ||
	    off % BLK_SIZE)
		return -1;
	return off / BLK_SIZE;
}

/* Send a request (a write's data, or where it is in the buffer); wait
   for its reply unless it is a write. Block i of a read or write is
   at[i]: in the buffer if every one is, else inline. */
static int call(struct blkdev *d, u32 op, u64 blk, u32 n, void *const *at, u64 *value)
{
	struct blk_req q = {.op = op, .tag = ++d->tag, .block = blk, .count = n};
	struct blk_reply a;
	if (d->fd < 0)
		return -EIO;
	q.flags = n ? BLK_BUF : 0;
	for (u32 i = 0; i < n && q.flags; i++) {
		long k = in_buf(d, at[i]);
		q.flags = k < 0 ? 0 : BLK_BUF;
		q.at[i] = k;
	}
	bool data = n && !q.flags; /* inline: the blocks go through the ring */
	int owed = 0;
	for (u32 m = d->owed; m; m &= m - 1)
		owed++;
	int r = op == BLK_WRITE && owed < POSTED ? 0 : settle(d);
	if (r < 0)
		return r;
	/* no deadline: a request abandoned while blkd still holds it could
	   reach the disk after fsd has moved on, which the log cannot order
	   (docs/disk.md); a blkd that hangs is killed, and that ends this */
	if (pipe_write_all(d->fd, &q, sizeof(q)) != sizeof(q))
		goto broke;
	for (u32 i = 0; op == BLK_WRITE && data && i < n; i++)
		if (pipe_write_all(d->fd, at[i], BLK_SIZE) != BLK_SIZE)
			goto broke;
	if (op == BLK_WRITE) {
		d->owed |= 1u << q.tag % 32; /* its reply: settle() */
		return 0;
	}
	if (pipe_read_all(d->fd, &a, sizeof(a)) != sizeof(a) || a.tag != q.tag)
		goto broke;
	if ((r = status(a.status)) < 0)
		return r;
	if (r > 0)
		goto broke;
	for (u32 i = 0; op == BLK_READ && data && i < n; i++) /* each where it goes */
		if (pipe_read_all(d->fd, at[i], BLK_SIZE) != BLK_SIZE)
			goto broke;
	if (value)
		*value = a.value;
	return 0;
broke:
	down(d); /* dead, or out of step: half a reply may still come */
	return -EIO;
}

/* n blocks at blk, from or to buf: CHUNK a request. */
static int rw(struct bdev *b, u32 op, u64 blk, u32 n, u8 *buf)
{
	struct blkdev *d = (struct blkdev *)b;
	if (blk > b->nblocks || n > b->nblocks - blk)
		return -EIO;
	for (u32 i = 0; i < n; i += CHUNK) {
		u32 k = MIN(CHUNK, n - i);
		void *at[CHUNK];
		for (u32 j = 0; j < k; j++)
			at[j] = buf + (size_t)(i + j) * BLK_SIZE;
		int r = call(d, op, blk + i, k, at, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

static int bd_read(struct bdev *b, u64 blk, u32 n, void *buf)
{
	return rw(b, BLK_READ, blk, n, buf);
}

static int bd_write(struct bdev *b, u64 blk, u32 n, const void *buf)
{
	return rw(b, BLK_WRITE, blk, n, (u8 *)buf); /* only read from */
}

static int bd_readv(struct bdev *b, u64 blk, u32 n, void *const *to)
{
	_Static_assert(BC_AHEAD <= CHUNK, "a read-ahead is one request");
	if (blk > b->nblocks || n > b->nblocks - blk || n > CHUNK)
		return -EIO;
	return call((struct blkdev *)b, BLK_READ, blk, n, to, NULL);
}

static int bd_writev(struct bdev *b, u64 blk, u32 n, const void *const *from)
{
	if (blk > b->nblocks || n > b->nblocks - blk || n > CHUNK)
		return -EIO;
	return call((struct blkdev *)b, BLK_WRITE, blk, n, (void *const *)from, NULL);
}

static int bd_flush(struct bdev *b)
{
	return call((struct blkdev *)b, BLK_FLUSH, 0, 0, NULL, NULL);
}

/* fd is a new connection to the driver: ask the disk's size, and whether
   blkd serves its buffer. */
static int attach(struct blkdev *d, int fd)
{
	_Static_assert(BLK_SIZE == BSIZE, "a file system block is a device block");
	u64 n, nbuf = 0;
	u32 size;
	d->fd = fd;
	d->tag = 0;
	d->owed = 0;
	d->err = 0;
	d->b.mem = NULL; /* nothing in a buffer yet */
	int r = call(d, BLK_INFO, 0, 0, NULL, &n);
	if (r == 0)
		r = call(d, BLK_INFO, 1, 0, NULL, &nbuf);
	if (r < 0) {
		if (d->fd >= 0)
			close(d->fd);
		d->fd = -1;
		return r;
	}
	u8 *mem = pipe_buf(fd, &size);
	d->b = (struct bdev){.read = bd_read,
			     .write = bd_write,
			     .flush = bd_flush,
			     .nblocks = n,
			     .readv = bd_readv,
			     .writev = bd_writev,
			     .mem = mem,
			     .nmem = mem ? MIN(nbuf, size / BLK_SIZE) : 0};
	return 0;
}

int blkdev_open(struct blkdev *d, const char *path)
{
	d->path = path;
	d->opening = false;
	d->old = -1;
	int fd = open(path, O_RDWR, 0);
	return fd < 0 ? fd : attach(d, fd);
}

bool blkdev_gone(struct blkdev *d)
{
	/* between requests nothing may come: bytes, or the end closed (blkd
	   died), both mean the connection is no good (fsd is idle only after
	   a flush or a read: no write's reply is owed) */
	if (d->fd >= 0 && !d->owed && pipe_ready(d->fd))
		down(d);
	return d->b.down;
}

long long blkdev_reopen(struct blkdev *d)
{
	struct cqe c;
	u64 now = now_ns();
	if (!d->b.down)
		return 0;
	if (!d->opening) {
		if (now < d->next)
			return d->next - now;
		if (d->old >= 0) /* nothing is served from the cache until
				    disk_recover() has moved it (disktree.c) */
			close(d->old);
		d->old = -1;
		struct sqe *e = sq_get();
		if (!e)
			return POLL_NS;
		e->opcode = OP_OPEN;
		e->addr = (uptr)d->path; /* absolute: as the kernel wants it */
		e->op_flags = O_RDWR;
		e->user_data = OPEN_TAG;
		d->opening = true;
		sq_submit(); /* if it fails, the entry stays queued for the next one */
	}
	/* fsd submits nothing else of its own: a completion is the open's */
	if (cq_reap(&c, 1) != 1 || c.user_data != OPEN_TAG)
		return POLL_NS;
	d->opening = false;
	if (c.res >= 0 && attach(d, c.res) == 0)
		return 0;
	/* no blkd yet (fsd answered the lookup itself), or it died again */
	now = now_ns();
	d->next = now + (BACKOFF_NS << MIN(d->fails, BACKOFF_MAX));
	d->fails++;
	return d->next - now;
}
