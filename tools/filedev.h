/*
 * filedev.h - a struct bdev (user/include/disk.h) on a host file: what
 * mkfs, fsck and the host tests write the on-disk file system to.
 */
#pragma once

#include <unistd.h>

#include "../user/include/disk.h"
#include "hostfile.h"

struct filedev {
	struct bdev b;
	int fd;
};

static int filedev_read(struct bdev *d, u64 blk, u32 n, void *buf)
{
	struct filedev *f = (struct filedev *)d;
	if (blk + n > d->nblocks)
		return -EIO;
	ssize_t r = pread(f->fd, buf, (size_t)n * BSIZE, blk * BSIZE);
	return r == (ssize_t)n * BSIZE ? 0 : -EIO;
}

static int filedev_write(struct bdev *d, u64 blk, u32 n, const void *buf)
{
	struct filedev *f = (struct filedev *)d;
	if (blk + n > d->nblocks)
		return -EIO;
	ssize_t r = pwrite(f->fd, buf, (size_t)n * BSIZE, blk * BSIZE);
	return r == (ssize_t)n * BSIZE ? 0 : -EIO;
}

/* mkfs makes a new image and fsck only reads: neither needs every
   flush on stable storage (mkfs syncs once, at the end) */
static int filedev_flush(struct bdev *d)
{
	(void)d;
	return 0;
}

/* Open path (rw: for writing too): 0, or -1 (hostfile_error() says why). */
static int filedev_open(struct filedev *f, const char *path, int rw)
{
	long long bytes;
	if ((f->fd = hostfile_open(path, rw, &bytes)) < 0)
		return -1;
	f->b.read = filedev_read;
	f->b.write = filedev_write;
	f->b.flush = filedev_flush;
	f->b.nblocks = bytes / BSIZE;
	f->b.down = false;  /* a file on the host does not go away */
	f->b.readv = NULL;  /* no read-ahead: nothing to gain on the host */
	f->b.writev = NULL; /* the log stages its blocks */
	f->b.mem = NULL;    /* the cache is malloc's */
	f->b.nmem = 0;
	return 0;
}
