/*
 * async.h - the thread's ring, for programs that batch.
 *
 * The blocking calls of user.h do one operation per kernel entry (or
 * two, if they must wait). A program that has many operations to do can
 * instead prepare several entries, submit them all with one ring_enter,
 * and reap their completions as they come:
 *
 *	for (i = 0; i < n; i++) {
 *		struct sqe *e = sq_get();        // NULL: the queue is full
 *		e->opcode = OP_NOP;
 *		e->user_data = i;                // comes back in the completion
 *	}
 *	sq_submit();                             // one system call for all n
 *	for (got = 0; got < n;)
 *		got += cq_wait(c, n - got);      // completions, in any order
 *
 * Set SQE_LINK in an entry's flags to run the next entry only if this
 * one succeeds; if it fails, the rest of the chain completes with
 * -ECANCELED.
 *
 * user_data is the program's, except that the library tags its own
 * blocking calls with UD_LIB set: keep that bit clear. Completions of
 * the program's entries that a blocking call reaps while it waits for
 * its own are kept for cq_reap(), never lost.
 */
#pragma once

#include "user.h"

#define UD_LIB (1ull << 63) /* user_data of the library's own entries */

/*
 * The C library's, not the program's: what sq_get() needs, inline. A
 * program prepares a batch's entries in a loop, and as a call each
 * entry cost x86_64 7 instructions more (the call, and finding the
 * thread's state again each time).
 *
 * The library keeps each thread's state (user/lib/ring.c) at the top of
 * the THREAD_SPAN-aligned span its stack is in (abi/ring.h), this
 * cursor first; the stack pointer finds it, with no thread-pointer
 * register.
 */
struct sq_cursor {
	struct sqe *sq; /* the SQ's slots */
	unsigned mask;	/* entries - 1 */
	unsigned tail;	/* one past the last prepared entry */
	unsigned end;	/* tail may reach this without a look at sq_head */
};

static inline struct sq_cursor *sq_cursor(void)
{
	uptr sp; /* any address on our stack would do (a local's cost a stack frame) */
#ifdef __riscv
	asm("mv %0, sp" : "=r"(sp));
#else
	asm("mov %%rsp, %0" : "=r"(sp));
#endif
	return (struct sq_cursor *)((sp | (THREAD_SPAN - 1)) + 1 - TCB_SIZE);
}

struct sqe *sq_get_more(void); /* sq_get(), when it must look at sq_head */

/*
 * The next free submission entry, zeroed; NULL if the queue is full
 * (submit first). A blocking call submits what is prepared along with
 * its own entry.
 */
static inline struct sqe *sq_get(void)
{
	struct sq_cursor *c = sq_cursor();
	if (c->tail == c->end)
		return sq_get_more();
	struct sqe *e = &c->sq[c->tail++ & c->mask];
	/* field by field: the compiler merges them into 8 word stores (a
	   struct literal is a rep stosq on x86_64, 12 instructions) */
	e->opcode = 0;
	e->flags = 0;
	e->pad = 0;
	e->fd = 0;
	e->off = 0;
	e->addr = 0;
	e->len = 0;
	e->op_flags = 0;
	e->user_data = 0;
	e->arg[0] = e->arg[1] = e->arg[2] = 0;
	return e;
}

/*
 * Publish every prepared entry and ring_enter once. Returns how many
 * entries the kernel took, or -E*: -EBUSY means completions are waiting
 * in the kernel's backlog (RING_CQ_OVERFLOW): reap, then submit again.
 * The kernel may take fewer than were prepared; the rest stay queued
 * for the next sq_submit().
 */
long sq_submit(void);

/* Take up to max completions without blocking; returns how many. */
int cq_reap(struct cqe *c, int max);

/*
 * Like cq_reap(), but blocks (in wait) until there is at least one.
 * Returns 0 at once if max <= 0, and -E* if wait() itself fails.
 */
int cq_wait(struct cqe *c, int max);

/*
 * Run one operation: submit it and block until its completion arrives.
 * Returns cqe.res; *cflags (if not NULL) gets cqe.flags. Every blocking
 * call of user.h is this. If the entry cannot be submitted or wait()
 * fails for good, returns that -E* instead.
 */
long ring_call(const struct sqe *e, unsigned *cflags);

/*
 * Completions that interrupt (docs/rings.md). From now on this thread's
 * calls go through a new ring - polled if flags is RING_POLL (idle_us,
 * cpu: as ring_poll), plain if 0 - whose completions interrupt the
 * thread with its user-interrupt vector `vector` (0..62; 63 is the
 * pipes'). The handler reaps them and calls fn(c) for each completion of
 * the program's entries, so the program submits (sq_get, sq_submit) and
 * never waits: with a polled ring whose poller is awake, no system call
 * at either end. The thread becomes a user-interrupt receiver with no
 * handler stack (the handler runs on the interrupted stack), and user
 * interrupts are enabled; a handler the program registered before keeps
 * every other vector. -EBUSY if the thread switched rings already (or
 * has completions kept), -EINVAL for a bad vector or flag.
 *
 * fn runs inside an interrupt handler of this thread: it may record and
 * count, but must not submit or make blocking calls. While the thread
 * is in a blocking call or cq_reap, the handler only takes note, and
 * the completions are handed to fn as that call returns; completions
 * that call reaped are handed to fn then too (cq_reap still returns
 * those it takes itself). Per thread, like the rings: each thread that
 * calls this has its own ring, vector and fn.
 */
typedef void (*cq_fn)(const struct cqe *c);
int ring_async(unsigned flags, unsigned idle_us, int cpu, unsigned vector, cq_fn fn);

/* Reap now and call fn, exactly as the handler does; a program that
 * held user interrupts off (uintr_disable) can call it instead. */
void ring_async_reap(void);

/* How many completion interrupts this thread has taken. */
unsigned long long ring_async_interrupts(void);

/* This thread's ring header: for test programs that look at it directly. */
struct ring_hdr *ring_hdr(void);
