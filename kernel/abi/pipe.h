/*
 * pipe.h - hardware pipes: what two ends share, and use without the
 * kernel (docs/pipes.md).
 *
 * A hardware pipe is one region of memory, mapped into every process
 * that holds one of its ends, with two single-producer single-consumer
 * byte rings. Ring e is end e's inbox: end e reads it, the other end
 * writes it.
 *
 *   offset 0              struct pipe_hdr (one page)
 *   PIPE_HDR              ring 0's bytes   (end 1 writes, end 0 reads)
 *   PIPE_HDR + size       ring 1's bytes   (end 0 writes, end 1 reads)
 *
 *   pipe():      fds[0] is end 0, the reader; fds[1] is end 1, the writer:
 *                only ring 0 is used.
 *   connection:  end 0 is the client, end 1 the server: requests go
 *                through ring 1, replies through ring 0.
 *
 * Indexes are free-running byte counts; ring e holds bytes head[e] ..
 * tail[e]-1, at offsets ((i + skew[e]) & (size-1)). The writer may
 * change skew[e] only while ring e is empty, before its next bytes, so
 * that they sit at the same offset within a word as its buffer's: the
 * copies in and out then move aligned words. Each index has a cache line of
 * its own, so that the producer's and the consumer's stores do not
 * fight over one line.
 *
 * No system call while both ends are awake. One that finds its inbox
 * empty (or the peer's inbox full) goes to sleep:
 *
 *   sleeper                               peer
 *   waiting[me] = 1                       produce (or consume);
 *   full barrier                          store-release its index
 *   look again: still nothing?            full barrier
 *   wait(WAIT_UINTR)          <--------   waiting[me]? send a user interrupt
 *   waiting[me] = 0                       (one send instruction)
 *
 * Either the peer sees the flag and sends, or the sleeper sees the new
 * index and does not sleep: the barrier rule of the rings (docs/polling.md).
 * The kernel raises closed[e] when end e's last descriptor goes, and
 * interrupts the other end: end of file (writer closed, inbox empty),
 * or -EPIPE (reader closed) for the one still there. Everything in the
 * region is written by a peer that may be hostile: an index that claims
 * more than the ring holds is an error (-EIO), never a reason to read
 * outside the ring.
 *
 * A connection may also carry a buffer (pipe_attach.buf), if its server
 * asked for one when it mounted: memory both ends map, for data that
 * the messages only name (the block protocol, user/include/blk.h).
 */
#pragma once

#define PIPE_HDR     4096	 /* the header's page */
#define PIPE_SIZE    (64 * 1024) /* bytes in each ring: fewer sleeps per MiB than 16 KiB */
#define PIPE_REGION  (PIPE_HDR + 2 * PIPE_SIZE)
#define PIPE_VECTOR  63		/* the user-interrupt vector that wakes a pipe end */
#define PIPE_BUF_MAX (4u << 20) /* most bytes of a connection's buffer (OP_MOUNT's len) */

struct pipe_index {
	unsigned v;
	unsigned pad[15]; /* the rest of its 64-byte line */
};

struct pipe_hdr {
	struct pipe_index head[2]; /* ring e: bytes end e has read */
	struct pipe_index tail[2]; /* ring e: bytes the other end has written */
	unsigned waiting[2];	   /* end e sleeps until the other end sends */
	unsigned closed[2];	   /* end e is gone (set by the kernel) */
	unsigned size;		   /* bytes in each ring: PIPE_SIZE */
	unsigned pad;
	unsigned gen[2];  /* bumped by the kernel when another thread attaches as end e's
			     receiver (a descriptor handed on to a child, say): a wake index
			     the other end got before then is stale; it attaches again */
	unsigned skew[2]; /* ring e: byte i at offset (i + skew[e]) & (size-1); its
			     writer's, changed only while the ring is empty */
};

/* OP_PIPE_ATTACH's answer. */
struct pipe_attach {
	unsigned long long hdr; /* where the region is mapped in this process */
	int end;		/* which end the descriptor is: 0 or 1 */
	int wake;		/* sender index that wakes the other end, or -1 while
				   the other end has not attached yet (ask again later) */
	int conn;		/* 1: a connection to a server (abi/fs.h), 0: a byte pipe */
	unsigned gen;		/* the other end's pipe_hdr gen[] that wake goes with */
	unsigned buf_size;	/* bytes of the connection's buffer (0: none) */
	unsigned long long buf; /* where it is mapped in this process: memory both
				   ends share, that the server's device may reach
				   (OP_DEV_DMA, DEV_DMA_PIPE) - the other end may
				   write it at any time, as it may the rings */
};

/* OP_PIPE's off */
#define PIPE_KERNEL (1u << 0) /* a kernel-buffered pipe: the baseline to compare with */
