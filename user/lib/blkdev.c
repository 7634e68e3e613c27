/*
 * blkdev.c - a struct bdev (disk.h) over blkd's block protocol (blk.h):
 * how fsd reaches the disk in duet. open("/dev/disk") (root only) gives
 * a connection to the driver; each call here sends one request at a
 * time and waits for its reply, at most CHUNK blocks a request.
 *
 * The driver is another program, so its replies are checked like any
 * input: a reply with the wrong tag, a status that is not an error
 * number, a connection that ends - each is -EIO, never a hang on bytes
 * that do not match.
 */
#include "user.h"
#include "blk.h"
#include "disk.h"

#define CHUNK 16 /* blocks a request: 64 KiB (blkd's most) */

static int call(struct blkdev *d, u32 op, u64 blk, u32 n, const void *out, void *in, u64 *value)
{
	struct blk_req q = {.op = op, .tag = ++d->tag, .block = blk, .count = n};
	struct blk_reply a;
	long bytes = (long)n * BLK_SIZE;
	if (pipe_write_all(d->fd, &q, sizeof(q)) != sizeof(q) ||
	    (out && pipe_write_all(d->fd, out, bytes) != bytes) ||
	    pipe_read_all(d->fd, &a, sizeof(a)) != sizeof(a) || a.tag != q.tag)
		return -EIO;
	if (a.status < 0)
		return a.status >= -4095 ? a.status : -EIO;
	if (a.status > 0 || (in && pipe_read_all(d->fd, in, bytes) != bytes))
		return -EIO;
	if (value)
		*value = a.value;
	return 0;
}

static int rw(struct bdev *b, u64 blk, u32 n, const void *out, void *in)
{
	struct blkdev *d = (struct blkdev *)b;
	if (blk > b->nblocks || n > b->nblocks - blk)
		return -EIO;
	for (u32 i = 0; i < n; i += CHUNK) {
		u32 k = MIN(CHUNK, n - i);
		size_t at = (size_t)i * BLK_SIZE;
		int r = call(d, out ? BLK_WRITE : BLK_READ, blk + i, k,
			     out ? (const u8 *)out + at : NULL, in ? (u8 *)in + at : NULL, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

static int bd_read(struct bdev *b, u64 blk, u32 n, void *buf)
{
	return rw(b, blk, n, NULL, buf);
}

static int bd_write(struct bdev *b, u64 blk, u32 n, const void *buf)
{
	return rw(b, blk, n, buf, NULL);
}

static int bd_flush(struct bdev *b)
{
	return call((struct blkdev *)b, BLK_FLUSH, 0, 0, NULL, NULL, NULL);
}

int blkdev_open(struct blkdev *d, const char *path)
{
	_Static_assert(BLK_SIZE == BSIZE, "a file system block is a device block");
	int fd = open(path, O_RDWR, 0);
	if (fd < 0)
		return fd;
	d->fd = fd;
	d->tag = 0;
	u64 n;
	int r = call(d, BLK_INFO, 0, 0, NULL, NULL, &n);
	if (r < 0) {
		close(fd);
		return r;
	}
	d->b = (struct bdev){bd_read, bd_write, bd_flush, n};
	return 0;
}
