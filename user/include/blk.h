/*
 * blk.h - the block protocol: what a client (fsd) and the disk driver
 * (blkd) say to each other on the connection that open("/dev/disk")
 * gives (root only). A request, then for BLK_WRITE its data; a reply,
 * then for a successful BLK_READ its data. Several requests may be in
 * flight; replies carry the request's tag.
 *
 * blkd and this protocol belong to the driver's side (issue 17); this
 * copy is the protocol as agreed, for fsd's client (user/lib/blkdev.c).
 */
#pragma once

#include "types.h"

#define BLK_SIZE 4096

enum { BLK_READ = 1, BLK_WRITE = 2, BLK_FLUSH = 3, BLK_INFO = 4 };

/* count blocks from block; BLK_WRITE: followed by count * BLK_SIZE bytes */
struct blk_req {
	u32 op;
	u32 tag;
	u64 block;
	u32 count;
	u32 pad;
};

/* status 0 or -errno; BLK_READ: followed by count * BLK_SIZE bytes on
   success; BLK_INFO: value = the number of blocks */
struct blk_reply {
	u32 tag;
	s32 status;
	u64 value;
};
