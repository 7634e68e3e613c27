/*
 * ring.c - the thread's ring, from the program's start to its exit:
 * submitting entries, reaping completions, and ring_call(), the blocking
 * call that every wrapper of sys.c is built on (docs/rings.md, "Blocking
 * calls in the C library").
 *
 * The kernel makes a thread's first ring before the thread runs and
 * passes its header to _start, which passes it to __libc_start(). The
 * region holds two queues, each with one producer and one consumer:
 *
 *   SQ  we fill sq[tail & mask] and publish sq_tail;
 *       the kernel copies entries out and advances sq_head
 *   CQ  the kernel fills cq[cq_tail & mask] and publishes cq_tail;
 *       we copy entries out and advance cq_head
 *
 * The barrier rule (docs/rings.md, docs/polling.md). Both sides run at once on different
 * CPUs, and CPUs and compilers reorder plain loads and stores, so:
 *
 *   - a producer writes the entry, THEN stores its tail with release:
 *     whoever sees the new tail also sees the entry;
 *   - a consumer loads the other side's tail with acquire, THEN reads
 *     the entries it covers;
 *   - a consumer stores its head with release once it has copied the
 *     entry, and the producer loads that head with acquire before it
 *     reuses the slot: the slot is not overwritten while being read;
 *   - between publishing sq_tail and reading sq_flags, a FULL barrier.
 *     A kernel poller that goes idle sets NEED_WAKEUP, then looks at
 *     sq_tail once more. Release and acquire do not order a store before
 *     a later load; without the full barrier we could read the flag
 *     before our tail is visible while the poller reads the old tail
 *     before its flag is visible: each misses the other and the entry
 *     waits forever.
 *
 * Completions come back in any order (a console read completes when a
 * line is typed, a NOP at once). Each entry's user_data comes back in its
 * completion: ring_call() tags its entry (UD_LIB plus a sequence number),
 * and any other completion it meets while looking for its own is kept
 * for the program's cq_reap().
 *
 * Each thread has its own ring, so the library's state is per thread: a
 * struct uring in the thread's TCB, the top TCB_SIZE bytes of its stack
 * (abi/ring.h). self() finds it from the stack pointer alone - no
 * thread-pointer register needed, the same on both arches.
 *
 * A polled ring (ring_poll) changes only sq_submit: publishing the tail
 * is the submission, and ring_enter is needed only when the kernel's
 * poller has gone to sleep (RING_NEED_WAKEUP) - that is what the full
 * barrier above is for.
 */
#include "internal.h"
#include "uintr.h"

struct uring {
	/* first: sq_get(), inline in the program (async.h), finds it there.
	   Our own copy of sq_tail, the index we produce (as cq_head below):
	   the shared one is only ever written by us, so we never need to
	   read it back. */
	struct sq_cursor sqc;
	struct ring_hdr *hdr;
	struct cqe *cq;
	unsigned id; /* for ring_enter and wait */
	unsigned cqmask;
	unsigned cq_head;	/* the next completion to reap */
	bool polled;		/* a kernel poller takes our entries */
	bool alone;		/* polled, one CPU: the poller runs only when we let it */
	struct ring_hdr *first; /* the thread's first ring */
	u64 seq;		/* ring_call's last tag */
	struct cqe *kept;	/* completions reaped for the program, oldest first */
	int nkept, maxkept;
	bool strays; /* a completion of ours may come that no ring_call waits for */
	/* completions that interrupt (ring_async): */
	cq_fn fn;	 /* called for each of the program's completions; NULL: off */
	unsigned vector; /* the ring's completion vector */
	int busy;	 /* inside ring_call or cq_reap: the handler must not reap */
	bool deferred;	 /* the handler came while busy: reap when it ends */
	u64 interrupts;	 /* handler entries for our vector */
};
_Static_assert(sizeof(struct uring) <= TCB_SIZE, "struct uring must fit in the TCB");
_Static_assert(__builtin_offsetof(struct uring, sqc) == 0, "sq_cursor() finds it first");

/* This thread's state: at the top of the THREAD_SPAN-aligned span its
 * stack is in, where async.h's sq_cursor() finds its first field. */
static inline struct uring *self(void)
{
	return (struct uring *)sq_cursor();
}

static void ring_init(struct uring *u, struct ring_hdr *hdr, bool polled)
{
	u->hdr = hdr;
	u->sqc.sq = (struct sqe *)((char *)hdr + hdr->sq_off);
	u->cq = (struct cqe *)((char *)hdr + hdr->cq_off);
	u->id = hdr->id;
	u->sqc.mask = hdr->sq_mask;
	u->cqmask = hdr->cq_mask;
	u->sqc.tail = hdr->sq_tail;
	u->sqc.end = u->sqc.tail; /* the first sq_slot() looks */
	u->cq_head = hdr->cq_head;
	u->polled = polled;
}

int main(int argc, char **argv); /* the program's; it returns the exit status */

/* Where _start (user/lib/<arch>/user.S) goes. */
void __libc_start(int argc, char **argv, struct ring_hdr *hdr)
{
	ring_init(self(), hdr, false);
	self()->first = hdr;
	cwd_init(argv[argc + 1]); /* spawn puts it after argv's NULL */
	if (argc > 0)
		progname = argv[0];
	exit(main(argc, argv));
}

/* Where a new thread starts (_thread_start, user/lib/<arch>/user.S). */
void __thread_start(void (*fn)(void *), void *arg, struct ring_hdr *hdr)
{
	struct uring *u = self();
	memset(u, 0, sizeof(*u));
	ring_init(u, hdr, false);
	u->first = hdr;
	fn(arg);
	thread_exit(0);
}

struct ring_hdr *ring_hdr(void)
{
	return self()->hdr;
}

/*
 * Is there a free SQ slot? The slots up to sq_end were free when we
 * last looked, and stay ours (only we fill them): sq_head is read once
 * per ring's worth of entries, not once each: with sq_get() testing
 * for room itself, sq_get() went from 26 instructions to 22 on x86_64
 * (a blocking call costs 1 more: it resets sq_end). sq_tail
 * reaches sq_end exactly: every other taker of a slot sets sq_end to
 * its new tail (ring_call_fields).
 */
static inline bool sq_room(struct uring *u)
{
	if (u->sqc.tail != u->sqc.end)
		return true;
	/* acquire: the kernel finished copying an entry before it moved
	   sq_head past it, so that slot is free to fill again */
	unsigned head = __atomic_load_n(&u->hdr->sq_head, __ATOMIC_ACQUIRE);
	if (u->sqc.tail - head > u->sqc.mask)
		return false; /* full (or a head that makes no sense: full too) */
	u->sqc.end = head + u->sqc.mask + 1;
	return true;
}

/* The next free SQ slot, as the program left it; NULL if the SQ is full. */
static struct sqe *sq_slot(struct uring *u)
{
	return sq_room(u) ? &u->sqc.sq[u->sqc.tail++ & u->sqc.mask] : NULL;
}

/*
 * Set every field of an SQ slot but user_data (the caller's: call_run
 * writes its tag there), in place, one store each: a struct
 * literal compiles to a rep stosq on x86_64, 12 instructions to clear
 * where 8 stores do (a memset call cost 263 in bytes, 29 in words).
 */
static inline void sqe_set(struct sqe *s, u8 opcode, int fd, u64 off, u64 addr, u32 len)
{
	s->opcode = opcode;
	s->flags = 0;
	s->pad = 0;
	s->fd = fd;
	s->off = off;
	s->addr = addr;
	s->len = len;
	s->op_flags = 0;
	s->arg[0] = s->arg[1] = s->arg[2] = 0;
}

/* sq_get() when the slots known free are used up: look at sq_head. */
struct sqe *sq_get_more(void)
{
	struct uring *u = self();
	if (!sq_room(u))
		return NULL;
	struct sqe *e = &u->sqc.sq[u->sqc.tail++ & u->sqc.mask];
	sqe_set(e, 0, 0, 0, 0, 0);
	e->user_data = 0;
	return e;
}

/*
 * ring_enter(), for the C library's own hot paths: a blocking call's
 * fast path and sq_submit(). On x86_64 the kernel gives back every
 * register but rax, rcx and r11 (kernel/abi/ring.h), so it can be the
 * syscall instruction right here: no call to the stub, nothing of ours
 * saved around it (a blocking call 342.7 -> 331.7 instructions; a
 * sq_submit() 4 fewer, measured). Elsewhere, the stub: on riscv64 the
 * kernel keeps only what a callee keeps, ra among what it may not.
 */
static inline long enter(unsigned id, unsigned n, unsigned flags)
{
#ifdef __x86_64__
	long r;
	asm volatile("syscall"
		     : "=a"(r)
		     : "a"((long)SYS_RING_ENTER), "D"((long)id), "S"((long)n), "d"((long)flags)
		     : "rcx", "r11", "memory");
	return r;
#else
	return ring_enter(id, n, flags);
#endif
}

/*
 * sq_submit() for ring u. Inline: submit() calls it on every blocking
 * call, and as sq_submit() (a call, and self() again) it cost a
 * getpid() 4 more instructions on x86_64, 8 on riscv64.
 */
static inline __attribute__((always_inline)) long submit_to(struct uring *u)
{
	/* release: the entries are written before the tail that covers them */
	__atomic_store_n(&u->hdr->sq_tail, u->sqc.tail, __ATOMIC_RELEASE);
	/* LAB poll 3: BEGIN on a polled ring, enter the kernel only if the poller sleeps */
	/* STUB: if (u->polled) // wakes it every time: a system call per submit
	   return ring_enter(u->id, 0, RING_ENTER_WAKEUP); */
	if (u->polled) { /* the poller takes them; wake it only if it sleeps */
		/* full barrier: the tail is visible before we read the flags
		   (only here: no poller, no flag to miss) */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		unsigned flags = __atomic_load_n(&u->hdr->sq_flags, __ATOMIC_RELAXED);
		return flags & RING_NEED_WAKEUP ? ring_enter(u->id, 0, RING_ENTER_WAKEUP) : 0;
	}
	/* LAB poll END */
	/* every entry published: the kernel takes at most what the tail
	   covers (and ENTER_MAX), and only we publish, so asking for "all"
	   is asking for tail - sq_head without loading sq_head (a batch 3
	   instructions a call on x86_64) */
	return enter(u->id, ~0u, 0);
}

long sq_submit(void)
{
	return submit_to(self());
}

/*
 * Copy the next completion into *c; false if there is none. A CQ that
 * is empty while RING_CQ_OVERFLOW is up means completions wait in the
 * kernel's backlog: an empty ring_enter moves them into the CQ.
 * Inline: a blocking call reaps its completion with it, and the call
 * cost 16 more on x86_64, 17 on riscv64.
 */
static inline __attribute__((always_inline)) bool cq_next(struct uring *u, struct cqe *c)
{
	for (;;) {
		/* acquire: the kernel wrote the entry before it published cq_tail */
		unsigned tail = __atomic_load_n(&u->hdr->cq_tail, __ATOMIC_ACQUIRE);
		if (tail != u->cq_head)
			break;
		if (!(__atomic_load_n(&u->hdr->sq_flags, __ATOMIC_ACQUIRE) & RING_CQ_OVERFLOW))
			return false;
		ring_enter(u->id, 0, 0);
	}
	*c = u->cq[u->cq_head++ & u->cqmask];
	/* release: we are done reading the slot before the kernel may reuse it */
	__atomic_store_n(&u->hdr->cq_head, u->cq_head, __ATOMIC_RELEASE);
	return true;
}

/*
 * Sleep in the kernel until the CQ has something. Returns 0, or the
 * error of a wait() that will fail again if asked again (a corrupted
 * ring id, a bad address): the caller must give up rather than spin.
 * -EINTR (we are being killed) and -EAGAIN are worth another try.
 */
static long cq_block(struct uring *u)
{
	struct wait_item it = {.type = WAIT_RING, .id = u->id};
	struct wait_event ev;
	long r = wait(&it, 1, &ev, 1, -1);
	return r < 0 && r != -EINTR && r != -EAGAIN ? r : 0;
}

/* Out of memory to keep a completion: losing it silently would be worse. */
static void __attribute__((noreturn)) lost(void)
{
	static const char msg[] = "libc: no memory to keep a completion\n";
	struct sqe *e = sq_get();
	if (e) { /* no waiting for it: exit() submits it, and it runs first */
		e->opcode = OP_WRITE;
		e->fd = 2;
		e->addr = (uptr)msg;
		e->len = sizeof(msg) - 1;
	}
	exit(127);
}

/*
 * Keep a completion of the program's for cq_reap(). UD_LIB ones belong
 * to a ring_call() that gave up before its entry was taken (a corrupted
 * ring): nobody waits for them.
 */
static void keep(struct uring *u, const struct cqe *c)
{
	if (c->user_data & UD_LIB)
		return;
	if (u->nkept == u->maxkept) {
		int max = u->maxkept ? 2 * u->maxkept : 16;
		struct cqe *k = malloc(max * sizeof(*k));
		if (!k)
			lost();
		memcpy(k, u->kept, u->nkept * sizeof(*k));
		free(u->kept);
		u->kept = k;
		u->maxkept = max;
	}
	u->kept[u->nkept++] = *c;
}

/*
 * The handler must never reap while the thread itself is reaping (in
 * ring_call or cq_reap): both would move the same cq_head. So those
 * mark the thread busy; an interrupt that comes meanwhile only notes
 * itself (deferred), leaves RING_CQ_INTR up - the kernel sends no
 * other - and the reaping happens when the thread is no longer busy.
 * A blocking call also raises RING_CQ_INTR itself, as if handling an
 * interrupt: it reaps its own completion, which should not interrupt
 * it, and its end does what a handler does (ring_async_reap: flag
 * down, look again). The compiler must keep these stores where they
 * are: the handler is an interruption of this very thread (a signal
 * fence, no instruction).
 */
static inline void busy(struct uring *u)
{
	if (u->fn) { /* only then: a blocking call elsewhere costs one test */
		if (!u->busy)
			__atomic_store_n(&u->hdr->cq_flags, RING_CQ_INTR, __ATOMIC_RELAXED);
		u->busy++;
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* fn is set and cleared only outside busy stretches (ring_async, end) */
static inline void unbusy(struct uring *u)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (u->fn && !--u->busy)
		ring_async_reap();
}

/* Inline in the general ways of cq_reap() and cq_wait() (reap_slow,
   wait_slow): a call and its saved registers cost a batch of 8 NOPs 7
   instructions on x86_64 when this was their only way. */
static inline __attribute__((always_inline)) int reap(struct uring *u, struct cqe *c, int max)
{
	if (max <= 0)
		return 0;
	/* The common case straight through: nothing kept, no strays, and
	   what the CQ holds does not wrap: one copy, one publish. With
	   reap() inline in its two callers, batches of 8 NOPs took 4.4
	   instructions an op fewer on x86_64 (35 a cq_wait), 3.6 on
	   riscv64. Safe: the general path below does the same for this
	   case, in more steps. */
	if (!u->nkept && !u->strays) {
		/* acquire: the kernel wrote the entries before it published cq_tail */
		unsigned tail = __atomic_load_n(&u->hdr->cq_tail, __ATOMIC_ACQUIRE);
		unsigned k = MIN(tail - u->cq_head, (unsigned)max);
		unsigned at = u->cq_head & u->cqmask;
		if (k && at + k <= u->cqmask + 1) {
			memcpy(c, &u->cq[at], k * sizeof(*c));
			u->cq_head += k;
			/* release: we are done reading the slots before the kernel may reuse them
			 */
			__atomic_store_n(&u->hdr->cq_head, u->cq_head, __ATOMIC_RELEASE);
			return (int)k;
		}
	}
	int n = MIN(max, u->nkept);
	if (n) {
		memcpy(c, u->kept, n * sizeof(*c));
		u->nkept -= n;
		memmove(u->kept, u->kept + n, u->nkept * sizeof(*c));
	}
	while (n < max) {
		/* acquire: the kernel wrote the entries before it published cq_tail */
		unsigned tail = __atomic_load_n(&u->hdr->cq_tail, __ATOMIC_ACQUIRE);
		if (tail == u->cq_head) { /* empty: cq_next drains a backlog, if any */
			if (!cq_next(u, &c[n]))
				break;
			if (!(c[n].user_data & UD_LIB))
				n++;
			continue;
		}
		/* Every completion there now that fits, with the tail read
		   once and cq_head published once (a cq_next() call each
		   cost a batch of NOPs 24 instructions an entry on x86_64,
		   20 on riscv64), copied as at most two runs (the CQ wraps)
		   by memcpy's word moves; then the library's own (UD_LIB,
		   rare) squeezed out. A copy and a test per entry rather
		   than a test per entry and a copy per field: 18
		   instructions an entry became about 7 on x86_64. */
		unsigned k = MIN(tail - u->cq_head, (unsigned)(max - n));
		unsigned at = u->cq_head & u->cqmask;
		unsigned run = MIN(k, u->cqmask + 1 - at);
		memcpy(c + n, &u->cq[at], run * sizeof(*c));
		if (k > run) /* the CQ wrapped */
			memcpy(c + n + run, u->cq, (k - run) * sizeof(*c));
		u->cq_head += k;
		/* release: we are done reading the slots before the kernel may reuse them */
		__atomic_store_n(&u->hdr->cq_head, u->cq_head, __ATOMIC_RELEASE);
		int end = n + (int)k, i = n;
		/* Only if a ring_call gave up on its completion (strays)
		   can one of ours be here: every other one is taken by the
		   ring_call that waits for it, which keeps the program's it
		   meets first. Looking anyway cost a batch 6 instructions an
		   entry on x86_64, 5 on riscv64 (a load, a test, a loop). */
		if (!u->strays)
			i = end;
		while (i < end && !(c[i].user_data & UD_LIB))
			i++;
		for (n = i; i < end; i++)
			if (!(c[i].user_data & UD_LIB))
				c[n++] = c[i];
	}
	return n;
}

/*
 * The common case of cq_reap() and cq_wait(), as a leaf: no completion
 * handler (so no busy marks), nothing kept, no strays, and completions
 * in the CQ that do not wrap: one copy, one publish. Returns how many
 * it took, or -1 if the case does not hold (the general way then). In
 * their general bodies, whose loops keep six registers saved, this cost
 * batches of 8 NOPs 2.1 instructions an op more on x86_64 (3.5 on
 * riscv64: a cq_wait() 17 and 28). Safe: reap()'s straight path does the same for this case.
 */
static inline __attribute__((always_inline)) int reap_fast(struct uring *u, struct cqe *c, int max)
{
	if (u->fn || u->nkept || u->strays)
		return -1;
	/* acquire: the kernel wrote the entries before it published cq_tail */
	unsigned tail = __atomic_load_n(&u->hdr->cq_tail, __ATOMIC_ACQUIRE);
	unsigned head = u->cq_head, at = head & u->cqmask;
	/* signed: max <= 0 makes k <= 0, the one test for both */
	int k = MIN((int)(tail - head), max);
	if (k <= 0 || at + k > u->cqmask + 1)
		return -1;
	memcpy(c, &u->cq[at], k * sizeof(*c));
	u->cq_head = head + k;
	/* release: we are done reading the slots before the kernel may reuse them */
	__atomic_store_n(&u->hdr->cq_head, head + k, __ATOMIC_RELEASE);
	return k;
}

static __attribute__((noinline)) int reap_slow(struct cqe *c, int max)
{
	struct uring *u = self();
	busy(u);
	int n = reap(u, c, max);
	unbusy(u);
	return n;
}

int cq_reap(struct cqe *c, int max)
{
	int n = reap_fast(self(), c, max);
	return n >= 0 ? n : reap_slow(c, max);
}

/* cq_wait()'s general way: reap()'s body here too, not a call to
 * reap_slow() (part of the 4.4 in reap()) */
static __attribute__((noinline)) int wait_slow(struct cqe *c, int max)
{
	struct uring *u = self();
	long r;
	if (max <= 0)
		return 0;
	for (;;) {
		busy(u);
		int n = reap(u, c, max);
		unbusy(u);
		if (n)
			return n;
		if ((r = cq_block(u)) < 0)
			return r;
	}
}

int cq_wait(struct cqe *c, int max)
{
	int n = reap_fast(self(), c, max);
	return n >= 0 ? n : wait_slow(c, max);
}

/*
 * Submit what is prepared. If the kernel refuses (-EBUSY) because
 * completions wait in its backlog - on a polled ring, the poller stops
 * taking entries then, and says so with RING_CQ_OVERFLOW - move the
 * CQ's entries into `kept` so that the backlog can drain, and let the
 * caller try again.
 */
static long submit(struct uring *u)
{
	long r = submit_to(u);
	struct cqe c;
	if (r == -EBUSY || (u->polled && (__atomic_load_n(&u->hdr->sq_flags, __ATOMIC_ACQUIRE) &
					  RING_CQ_OVERFLOW)))
		while (cq_next(u, &c))
			keep(u, &c);
	return r;
}

/*
 * Hand the kernel every entry the program has prepared, in ring_enter
 * calls of their own. The kernel ends a LINK chain where a batch ends,
 * so a LINK on the program's last entry cannot capture the entry the
 * library is about to add.
 */
static long sq_flush(struct uring *u)
{
	long r;
	unsigned prepared = u->sqc.tail;
	while ((int)(__atomic_load_n(&u->hdr->sq_head, __ATOMIC_ACQUIRE) - prepared) < 0)
		if ((r = submit(u)) < 0 && r != -EBUSY)
			return r;
	return 0;
}

/* How long ring_call spins on a polled ring's CQ before it sleeps in wait(). */
#define POLL_SPINS 100000

/*
 * A blocking call in two halves, so that its entry can be written
 * straight into its SQ slot (ring_call_fields). The first: hand the
 * kernel what the program has prepared, then take the next free slot;
 * NULL and *err on an error.
 */
static inline __attribute__((always_inline)) struct sqe *call_slot(struct uring *u, long *err)
{
	struct sqe *s;
	long r;
	if ((r = sq_flush(u)) < 0) {
		*err = r;
		return NULL;
	}
	while (!(s = sq_slot(u)))
		if ((r = submit(u)) < 0 && r != -EBUSY) {
			*err = r;
			return NULL;
		}
	return s;
}

/* call_wait() gives up on its completion with error r: that completion
 * may still come, with nobody to take it, and reap() must squeeze it out
 * from now on. */
static long give_up(struct uring *u, long r)
{
	u->strays = true;
	return r;
}

/* The second half, once the entry tagged `tag` is in the slot just
 * before u->sqc.tail: submit it, wait for its completion. */
static inline __attribute__((always_inline)) long call_wait(struct uring *u, u64 tag,
							    unsigned *cflags)
{
	long r;
	unsigned next = u->sqc.tail; /* one past our entry */

	/* 1. push: ring_enter (or, polled, publish) until the kernel has
	   taken our entry */
	for (;;) {
		if ((r = submit(u)) < 0 && r != -EBUSY)
			return give_up(u, r);
		if ((int)(__atomic_load_n(&u->hdr->sq_head, __ATOMIC_ACQUIRE) - next) >= 0)
			break;
		/* polled, one CPU: the poller cannot take it while we spin
		   here, only once a timer tick preempts us (620,000
		   instructions a call); ring_enter with WAKEUP yields to it */
		if (u->polled && u->alone)
			ring_enter(u->id, 0, RING_ENTER_WAKEUP);
	}

	/* 2. wait only if the completion is not already there: an
	   operation that finished inside ring_enter costs no more. A
	   poller completes it soon after taking it: look a while first. */
	struct cqe c;
	for (int spins = 0;; spins++) {
		while (cq_next(u, &c)) {
			if (c.user_data == tag) {
				if (cflags)
					*cflags = c.flags;
				return c.res;
			}
			keep(u, &c);
		}
		if (u->polled && spins < POLL_SPINS)
			continue;
		if ((r = cq_block(u)) < 0)
			return give_up(u, r);
	}
}

/* Both halves after call_slot(): tag the entry in slot s, then call_wait(). */
static inline __attribute__((always_inline)) long call_run(struct uring *u, struct sqe *s,
							   unsigned *cflags)
{
	u64 tag = s->user_data = UD_LIB | ++u->seq;
	return call_wait(u, tag, cflags);
}

long ring_call(const struct sqe *e, unsigned *cflags)
{
	struct uring *u = self();
	long err;
	busy(u); /* completion interrupts: the handler keeps off the CQ */
	struct sqe *s = call_slot(u, &err);
	if (s) {
		*s = *e; /* the slot is not cleared first: the copy writes every byte of it */
		err = call_run(u, s, cflags);
	}
	unbusy(u);
	return err;
}

/*
 * ring_call() of an entry with these fields and every other one 0,
 * written in its SQ slot in place: sys.c's calls. Built on the stack
 * (cleared there by a rep stosq on x86_64) and copied into the slot,
 * the entry cost a getpid() 7 more instructions on x86_64. The slot is
 * the program's until sq_tail covers it: the kernel reads it only then.
 */
/* ring_call_fields() but for its common case: a function of its own, so
 * that the common case saves no registers for it (noinline). */
static __attribute__((noinline)) long call_fields(struct uring *u, u8 opcode, int fd, u64 off,
						  u64 addr, u32 len, unsigned *cflags)
{
	long err;
	busy(u);
	struct sqe *s = call_slot(u, &err);
	if (s) {
		sqe_set(s, opcode, fd, off, addr, len);
		err = call_run(u, s, cflags);
	}
	unbusy(u);
	return err;
}

/* call_wait(), out of line for the same reason */
static __attribute__((noinline)) long call_wait_slow(struct uring *u, u64 tag, unsigned *cflags)
{
	return call_wait(u, tag, cflags);
}

long ring_call_fields(u8 opcode, int fd, u64 off, u64 addr, u32 len, unsigned *cflags)
{
	struct uring *u = self();
	/*
	 * The common case, straight through: no completion handler (so no
	 * busy marks), not polled, nothing prepared (sq_head has caught up
	 * with our tail, so the SQ has room and sq_flush has nothing to
	 * do): fill the slot, publish, one ring_enter, and if the next
	 * completion is ours, done: the library's part of a getpid() went
	 * from 150 instructions to 93 on x86_64. Anything else - a completion
	 * that is not ours first, the entry not taken, an error - goes on
	 * as the general path would after its submit (call_wait: it
	 * submits again, which is harmless once the entry is taken).
	 */
	if (!u->fn && !u->polled &&
	    __atomic_load_n(&u->hdr->sq_head, __ATOMIC_ACQUIRE) == u->sqc.tail) {
		struct sqe *s = &u->sqc.sq[u->sqc.tail++ & u->sqc.mask];
		u->sqc.end = u->sqc.tail; /* sq_room() looks next time */
		sqe_set(s, opcode, fd, off, addr, len);
		u64 tag = s->user_data = UD_LIB | ++u->seq;
		/* release: the entry is written before the tail that covers it */
		__atomic_store_n(&u->hdr->sq_tail, u->sqc.tail, __ATOMIC_RELEASE);
		enter(u->id, 1, 0);
		/* acquire: the kernel wrote the entry before it published cq_tail */
		if (__atomic_load_n(&u->hdr->cq_tail, __ATOMIC_ACQUIRE) != u->cq_head) {
			struct cqe c = u->cq[u->cq_head & u->cqmask];
			if (c.user_data == tag) {
				/* release: done reading the slot before the kernel may reuse it */
				__atomic_store_n(&u->hdr->cq_head, ++u->cq_head, __ATOMIC_RELEASE);
				if (cflags)
					*cflags = c.flags;
				return c.res;
			}
		}
		return call_wait_slow(u, tag, cflags);
	}
	return call_fields(u, opcode, fd, off, addr, len, cflags);
}

/* Drop every completion, then submit: what exit() does until it is gone. */
static void drop_and_submit(struct uring *u)
{
	u->cq_head = __atomic_load_n(&u->hdr->cq_tail, __ATOMIC_ACQUIRE);
	__atomic_store_n(&u->hdr->cq_head, u->cq_head, __ATOMIC_RELEASE);
	sq_submit();
}

/*
 * Submit op (OP_EXIT, OP_THREAD_EXIT, never completing) until it is
 * taken, from the first ring: a polled ring's poller is not the thread
 * and cannot end it.
 */
static void __attribute__((noreturn)) end(u8 opcode, int status)
{
	struct uring *u = self();
	struct sqe *e;
	u->fn = NULL; /* completions no longer matter: the handler leaves the CQ alone */
	if (u->polled) {
		sq_flush(u);
		ring_init(u, u->first, false);
	}
	sq_flush(u); /* so that it joins no chain of the program's */
	while (!(e = sq_get()))
		drop_and_submit(u);
	e->opcode = opcode;
	e->off = (unsigned)status;
	for (;;)
		drop_and_submit(u);
}

/*
 * OP_EXIT never completes: submit it until the kernel takes it. Other
 * completions no longer matter; dropping them lets a kernel that says
 * -EBUSY drain its backlog and take the entry.
 */
void exit(int status)
{
	end(OP_EXIT, status);
}

/* The same for the calling thread alone (the process, if it is the last). */
void thread_exit(int status)
{
	end(OP_THREAD_EXIT, status);
}

/* ---- threads ---------------------------------------------------------- */

void _thread_start(void); /* user/lib/<arch>/user.S */

int thread_create(void (*fn)(void *), void *arg)
{
	struct sqe e = {.opcode = OP_THREAD, .addr = (uptr)_thread_start};
	e.arg[0] = (uptr)fn;
	e.arg[1] = (uptr)arg;
	return ring_call(&e, NULL);
}

int thread_join(int tid, int *status)
{
	struct sqe e = {.opcode = OP_THREAD_JOIN, .off = (u64)tid};
	unsigned st;
	int r = ring_call(&e, &st);
	if (r >= 0 && status)
		*status = st;
	return r;
}

/* ---- more rings --------------------------------------------------------- */

/* OP_RING_CREATE; vecfd: a vector descriptor, with RING_CQ_UINTR in flags. */
static int create(unsigned sq, unsigned cq, unsigned flags, unsigned idle_us, int cpu, int vecfd,
		  struct ring_hdr **hdr)
{
	u64 addr = 0;
	struct sqe e = {.opcode = OP_RING_CREATE, .off = sq, .len = cq, .op_flags = flags};
	e.addr = (uptr)&addr;
	e.arg[0] = idle_us;
	e.arg[1] = cpu < 0 ? 0 : (u64)cpu;
	e.arg[2] = (u64)vecfd;
	int id = ring_call(&e, NULL);
	if (id >= 0 && hdr)
		*hdr = (struct ring_hdr *)(uptr)addr;
	return id;
}

int ring_create(unsigned sq, unsigned cq, unsigned flags, unsigned idle_us, int cpu,
		struct ring_hdr **hdr)
{
	return create(sq, cq, flags, idle_us, cpu, 0, hdr);
}

int ring_destroy(int id)
{
	struct sqe e = {.opcode = OP_RING_DESTROY, .fd = id};
	return ring_call(&e, NULL);
}

/*
 * From now on this thread's calls go through a new polled ring: no
 * system call per operation while its poller is awake. The first ring
 * stays (thread_exit goes back to it).
 */
int ring_poll(unsigned idle_us, int cpu)
{
	struct uring *u = self();
	struct ring_hdr *hdr;
	unsigned flags = RING_POLL | (cpu >= 0 ? RING_POLL_PIN : 0);
	if (u->nkept || u->polled)
		return -EBUSY; /* completions of this ring are still to be reaped */
	int id = ring_create(u->sqc.mask + 1, u->cqmask + 1, flags, idle_us, cpu, &hdr);
	if (id < 0)
		return id;
	struct kstats s;
	bool alone = kstats(&s) == 0 && s.ncpu == 1; /* through the first ring still */
	ring_init(u, hdr, true);
	u->alone = alone;
	return 0;
}

/*
 * From now on this thread's calls go through a new ring of sq entries
 * and cq completions (0: twice sq): for a program that submits more
 * entries at once than the first ring's 64. The first ring stays; a
 * thread switches once (-EBUSY after that, or with completions kept).
 */
int ring_resize(unsigned sq, unsigned cq)
{
	struct uring *u = self();
	struct ring_hdr *hdr;
	if (u->nkept || u->hdr != u->first)
		return -EBUSY;
	int id = ring_create(sq, cq, 0, 0, -1, &hdr);
	if (id < 0)
		return id;
	ring_init(u, hdr, false);
	return 0;
}

/* ---- completions that interrupt (docs/rings.md) ------------------------ */

/*
 * Reap everything and call fn for each of the program's completions;
 * then clear RING_CQ_INTR, full barrier, and look at the CQ again. The
 * kernel does the mirror image (publish cq_tail, full barrier, test the
 * flag): a completion that lands after our last reap either finds the
 * flag down and posts a new interrupt, or is seen by our second look.
 */
void ring_async_reap(void)
{
	struct uring *u = self();
	struct cqe c;
	if (!u->fn)
		return;
	busy(u);
	for (;;) {
		u->deferred = false;
		for (int i = 0; i < u->nkept; i++) /* reaped by a blocking call meanwhile */
			u->fn(&u->kept[i]);
		u->nkept = 0;
		while (cq_next(u, &c))
			if (!(c.user_data & UD_LIB))
				u->fn(&c);
		__atomic_store_n(&u->hdr->cq_flags, 0, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the flag down before our second look */
		if (__atomic_load_n(&u->hdr->cq_tail, __ATOMIC_ACQUIRE) == u->cq_head &&
		    !(__atomic_load_n(&u->hdr->sq_flags, __ATOMIC_ACQUIRE) & RING_CQ_OVERFLOW) &&
		    !u->deferred)
			break;
	}
	u->busy--;
}

unsigned long long ring_async_interrupts(void)
{
	return self()->interrupts;
}

/* The program's own handler, for every vector that is not a thread's completion vector. */
static uintr_fn prog_handler;

/*
 * The stack spans of the threads that called ring_async: their handler
 * runs on their own stack, so self() works there. Another thread may
 * have a handler stack of its own, where self() would find no state:
 * its interrupts go to the program's handler without looking. A slot's
 * span stays listed after its thread ends; the next thread there has
 * fn NULL until it calls ring_async itself.
 */
static uptr async_spans[NTHREAD];

static uptr span_of(void)
{
	return ((uptr)__builtin_frame_address(0) | (THREAD_SPAN - 1)) + 1;
}

static bool async_span(uptr span)
{
	for (int i = 0; i < NTHREAD; i++)
		if (__atomic_load_n(&async_spans[i], __ATOMIC_RELAXED) == span)
			return true;
	return false;
}

static void async_handler(unsigned long vector)
{
	struct uring *u = async_span(span_of()) ? self() : NULL;
	if (!u || !u->fn || vector != u->vector) {
		if (prog_handler)
			prog_handler(vector);
		return;
	}
	u->interrupts++;
	if (u->busy)
		u->deferred = true;
	else
		ring_async_reap();
}

/* uintr_register_handler's: once ring_async has put its handler first, fn goes behind it. */
void uintr_program(uintr_fn fn)
{
	if (uintr_handler == async_handler)
		prog_handler = fn;
	else
		uintr_handler = fn;
}

int ring_async(unsigned flags, unsigned idle_us, int cpu, unsigned vector, cq_fn fn)
{
	struct uring *u = self();
	struct ring_hdr *hdr;
	if (u->nkept || u->hdr != u->first)
		return -EBUSY; /* one switch per thread, as ring_poll */
	if (!fn || vector >= UINTR_NVEC || vector == PIPE_VECTOR || (flags & ~RING_POLL))
		return -EINVAL;
	/* our handler, on the thread's own stack (self() finds us from sp) */
	uptr span = span_of();
	for (int i = 0; i < NTHREAD && !async_span(span); i++) {
		uptr none = 0;
		__atomic_compare_exchange_n(&async_spans[i], &none, span, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	}
	if (uintr_handler != async_handler) {
		prog_handler = uintr_handler;
		uintr_handler = async_handler;
	}
	struct sqe e = {.opcode = OP_UINTR_REGISTER_HANDLER, .addr = (uptr)uintr_entry};
	long r = ring_call(&e, NULL);
	int fd = r < 0 ? (int)r : uintr_create_vector(vector);
	if (fd < 0)
		return fd;
	int id = create(u->sqc.mask + 1, u->cqmask + 1,
			flags | RING_CQ_UINTR | (flags & RING_POLL && cpu >= 0 ? RING_POLL_PIN : 0),
			idle_us, cpu, fd, &hdr);
	close(fd); /* the ring holds the receiver now */
	if (id < 0)
		return id;
	struct kstats s;
	bool alone = kstats(&s) == 0 && s.ncpu == 1;
	ring_init(u, hdr, flags & RING_POLL);
	u->alone = alone;
	u->vector = vector;
	u->fn = fn;
	uintr_enable();
	return 0;
}
