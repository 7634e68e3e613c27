/*
 * ring.h - the ring ABI: what a thread and the kernel share.
 *
 * duet has two system calls:
 *
 *   ring_enter(ring, to_submit, flags)  "I added entries to ring's queue"
 *   wait(items, n, events, max, timeout_ns)
 *                                       "block until one of these is ready"
 *
 * Every other service is an *opcode* in a submission entry, so any
 * sequence of services can be submitted in one batch with one system
 * call, or - on a polled ring - with none.
 *
 * A ring is one region of memory, mapped into its owner:
 *
 *   offset 0        struct ring_hdr                       (64 bytes)
 *   hdr.sq_off      struct sqe sq[sq_mask + 1]            (64 bytes each)
 *   hdr.cq_off      struct cqe cq[cq_mask + 1]            (16 bytes each)
 *
 * Submission queue (SQ): the program is the producer, the kernel the
 * consumer. Completion queue (CQ): the other way round.
 *
 *          program writes sq_tail             kernel writes sq_head
 *                     v                                 v
 *   SQ   [ .... | e5 | e6 | e7 | .... ]    entries sq_head .. sq_tail-1
 *                                          are submitted, not yet taken
 *
 *          kernel writes cq_tail              program writes cq_head
 *   CQ   [ .... | c2 | c3 | .... ]         entries cq_head .. cq_tail-1
 *                                          are completions to reap
 *
 * Indexes are free-running 32-bit counters; an index i refers to slot
 * i & mask. Ordering: the producer fills entries, then stores its tail
 * with release semantics; the consumer loads the tail with acquire
 * semantics before reading entries. The kernel reads each index once,
 * checks tail - head <= entries, copies each entry once and validates
 * only its copy: the ring is shared with a program that may be hostile.
 */
#pragma once

#include "errno.h"

/* System call numbers: a7 on RISC-V, rax on x86-64. */
#define SYS_RING_ENTER 0
#define SYS_WAIT       1

struct ring_hdr {
	unsigned sq_head;     /* kernel: next entry it will take */
	unsigned sq_tail;     /* program: one past the last submitted entry */
	unsigned sq_mask;     /* SQ entries - 1 (a power of two - 1) */
	unsigned sq_flags;    /* RING_NEED_WAKEUP, RING_CQ_OVERFLOW */
	unsigned cq_head;     /* program: next completion it will reap */
	unsigned cq_tail;     /* kernel: one past the last completion */
	unsigned cq_mask;     /* CQ entries - 1 */
	unsigned cq_overflow; /* completions waiting in the kernel's backlog */
	unsigned sq_off;      /* byte offset of sq[] in the region */
	unsigned cq_off;      /* byte offset of cq[] in the region */
	unsigned id;	      /* the ring's id, for ring_enter and RING_DESTROY */
	unsigned pad[5];
};

/* sq_flags, written by the kernel */
#define RING_NEED_WAKEUP (1u << 0) /* the poller sleeps: ring_enter(RING_ENTER_WAKEUP) */
#define RING_CQ_OVERFLOW (1u << 1) /* completions are in the backlog: reap the CQ */

/* A submission entry: 64 bytes. */
struct sqe {
	unsigned char opcode; /* OP_* */
	unsigned char flags;  /* SQE_* */
	unsigned short pad;
	int fd;			      /* descriptor, when the operation has one */
	unsigned long long off;	      /* offset, or an operation-specific number */
	unsigned long long addr;      /* user address of a buffer or argument */
	unsigned len;		      /* length of that buffer */
	unsigned op_flags;	      /* operation-specific flags */
	unsigned long long user_data; /* copied to the completion untouched */
	unsigned long long arg[3];    /* spare argument words */
};

/* sqe.flags */
#define SQE_LINK (1u << 0) /* the next entry runs only if this one succeeds */

/* A completion entry: 16 bytes. */
struct cqe {
	unsigned long long user_data; /* from the submission */
	int res;		      /* result >= 0, or -E* */
	unsigned flags;		      /* operation-specific */
};

/* ring_enter flags */
#define RING_ENTER_WAKEUP (1u << 0) /* wake this ring's poller */
