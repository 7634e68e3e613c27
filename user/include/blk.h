/*
 * blk.h - the block protocol: what a client (fsd) and the disk driver
 * (blkd) say to each other over a connection (docs/drivers.md).
 *
 * blkd mounts "/dev/disk" (root only: mode 0600, owner root); a client
 * opens it O_RDWR and gets a connection (a hardware pipe, abi/pipe.h).
 * It writes requests, blkd writes replies:
 *
 *   client                                   blkd
 *   struct blk_req {op, tag, block, count, flags, at[]}
 *   [BLK_WRITE: count * BLK_SIZE bytes] -->
 *                                       <--  struct blk_reply {tag, status, value}
 *                                            [BLK_READ, status 0: count * BLK_SIZE bytes]
 *
 * The data may instead stay in the connection's buffer (abi/pipe.h:
 * blkd mounts BLK_PATH with BLK_BUF_SIZE bytes of it), which blkd lets
 * the disk reach: a request with flags BLK_BUF names where block i is
 * in the buffer (at[i], in blocks) and carries no data, nor does its
 * reply. The disk then reads or writes the client's memory itself, and
 * a file server whose cache lives in the buffer copies nothing on the
 * way to the disk (docs/disk.md, "Copies of file data"). Until its reply
 * has come, the client must not change (a write) or read (a read) those
 * blocks: the disk may reach them at any time till then. BLK_INFO with
 * block 1 says whether blkd serves the buffer (value: its blocks; 0:
 * none - every request is then inline). An at[i] outside the buffer,
 * or BLK_BUF without one: -EINVAL.
 *
 * A client may send several requests before reading replies (up to
 * BLK_INFLIGHT of them are served at once); replies come in the order
 * the disk completes them, matched by tag. Requests of 1 to BLK_MAX
 * blocks; blocks past the end of the disk: -EINVAL, and a write's data
 * is read and thrown away. A request with an unknown op or a count of 0
 * or above BLK_MAX cannot be framed: blkd answers -EINVAL and closes the
 * connection. A reply's status is 0 or -errno (-EIO: the disk failed).
 * BLK_FLUSH: every write completed before it is on the medium when it
 * completes. BLK_INFO: value = the disk's size in blocks. BLK_STATS:
 * value = the kernel entries of kind `block` (KS_SYSCALL, KS_EXCEPTION,
 * KS_INTERRUPT of abi/ring.h) blkd has made since it started, for
 * measuring what a block costs the driver; block 3: bytes of data blkd
 * has moved through connections' rings (BLK_STAT_INLINE), 4: bytes the
 * disk moved to or from connections' buffers (BLK_STAT_BUF).
 */
#pragma once

#include "types.h"

#define BLK_SIZE     4096
#define BLK_MAX	     16 /* most blocks one request moves: 64 KiB */
#define BLK_INFLIGHT 16 /* requests blkd has at the disk at once, all clients together */
#define BLK_PATH     "/dev/disk"
#define BLK_BUF_SIZE (2u << 20) /* each connection's buffer: 512 blocks, fsd's cache */
#define BLK_BUF	     1		/* blk_req.flags: the data is in the buffer, at[] */
enum { BLK_STAT_INLINE = 3, BLK_STAT_BUF = 4 };

enum { BLK_READ = 1, BLK_WRITE = 2, BLK_FLUSH = 3, BLK_INFO = 4, BLK_STATS = 5 };

struct blk_req {
	u32 op;		 /* BLK_* */
	u32 tag;	 /* copied into the reply */
	u64 block;	 /* first block */
	u32 count;	 /* blocks: BLK_READ, BLK_WRITE */
	u32 flags;	 /* BLK_BUF, or 0 */
	u32 at[BLK_MAX]; /* BLK_BUF: block i of the request is block at[i] of the buffer */
};

struct blk_reply {
	u32 tag;
	s32 status; /* 0 or -errno */
	u64 value;  /* BLK_INFO: blocks on the disk; BLK_STATS: blkd's kernel entries */
};

/*
 * The client library (user/lib/blk.c): blocking calls, one request at a
 * time per descriptor. All return 0 (blk_size: the block count) or
 * -errno.
 */
int blk_open(void); /* a connection to BLK_PATH */
int blk_read(int fd, u64 block, u32 count, void *buf);
int blk_write(int fd, u64 block, u32 count, const void *buf);
int blk_flush(int fd);
long long blk_size(int fd);
/* The pieces, for a client that keeps several requests in flight: send
   one (with its data), and take the next reply: if its status is 0,
   data_of(tag, arg, &len) says where its data goes (NULL, or len 0:
   it has none - not a read). */
int blk_send(int fd, const struct blk_req *q, const void *data);
int blk_recv(int fd, struct blk_reply *a, void *(*data_of)(u32 tag, void *arg, u32 *len),
	     void *arg);
