/*
 * cqtest.c - completions that interrupt (issue 20, docs/rings.md): a
 * ring made with a completion vector (RING_CQ_UINTR) interrupts its
 * owner when completions land, and the C library's ring_async() reaps
 * them in the handler and calls back.
 *
 *   cq-interrupt  10,000 operations submitted through a polled ring and
 *                 completed through the interrupt: each exactly once,
 *                 and the program's kernel entries counted. With two or
 *                 more CPUs it spins while the poller works: no system
 *                 call at all. With one it cannot - the poller runs only
 *                 when the program lets go of the CPU - so it sleeps in
 *                 wait() for the interrupt when its window is full, and
 *                 every system call it makes must be such a wait.
 *   suppression   RING_CQ_INTR up: completions post nothing; down: one
 *                 interrupt for the lot.
 *   plain ring    the same through a ring without poller, mixed with
 *                 blocking calls on another thread at the same time.
 *   bad input     a vector that is not the caller's; a ring destroyed,
 *                 or its owner gone, with the interrupt pending: no
 *                 leak (the kernel's free memory comes back).
 *
 * Each check prints "ok <name>" or "FAIL <name>: <why>"; the last line
 * is "cqtest: N passed, M failed".
 */
#include "async.h"
#include "check.h"
#include "uintr.h"

#define NOPS	 10000
#define WINDOW	 32		 /* entries in flight: a CQ of 128 never fills */
#define CQV	 9		 /* the main thread's completion vector */
#define CQV2	 10		 /* the second thread's */
#define CQV3	 13		 /* the suppression thread's */
#define TAG2	 (1ull << 40)	 /* user_data of the second thread's entries */
#define LONG_NS	 (60000ull * MS) /* only a lost completion waits this long */
#define MS	 1000000ull
#define LEAKS	 64 /* rounds of each bad-input case, for the leak check */
#define NTHREADS 2

static unsigned char seen[NOPS];
static volatile int done, doubled, bad;
static volatile int done2, bad2;

/* The callback: count each completion, and notice one that comes twice. */
static void on_cqe(const struct cqe *c)
{
	if (c->user_data & TAG2) {
		if (c->res != 0)
			bad2++;
		done2++;
		return;
	}
	if (c->user_data >= NOPS || c->res != 0)
		bad++;
	else if (seen[c->user_data]++)
		doubled++;
	done++;
}

static volatile int handled; /* the program's own handler: other vectors */
static void handler(unsigned long vector)
{
	(void)vector;
	handled++;
}

/*
 * The thread's counters through a plain ring: exactly one system call
 * whatever the poller does (polltest's stats_plain).
 */
static struct ring_hdr *plain;

static struct kstats stats_plain(void)
{
	struct kstats s;
	memset(&s, 0, sizeof(s));
	struct sqe *sq = (struct sqe *)((char *)plain + plain->sq_off);
	unsigned t = plain->sq_tail;
	sq[t & plain->sq_mask] =
	    (struct sqe){.opcode = OP_STATS, .addr = (uptr)&s, .len = sizeof(s)};
	__atomic_store_n(&plain->sq_tail, t + 1, __ATOMIC_RELEASE);
	ring_enter(plain->id, 1, 0);
	__atomic_store_n(&plain->cq_head, __atomic_load_n(&plain->cq_tail, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	return s;
}

/* Sleep until a user interrupt is pending (held off meanwhile); 1, or 0 if none came. */
static long wait_uintr(u64 ns)
{
	struct wait_item it = {.type = WAIT_UINTR};
	struct wait_event ev;
	return wait(&it, 1, &ev, 1, ns);
}

/* ---- 10,000 operations: polled submission, interrupt completion -------- */

static bool alone; /* one CPU */
static unsigned ncpu;

/* One run: NOPS NOPs with WINDOW in flight. Returns how many system calls were waits. */
static long run(void)
{
	long waits = 0;
	int sent = 0;
	u64 until = now_ns() + LONG_NS;
	memset(seen, 0, sizeof(seen));
	done = doubled = bad = 0;
	while (done < NOPS && now_ns() < until) {
		struct sqe *e;
		int k = 0;
		while (sent < NOPS && sent - done < WINDOW && (e = sq_get())) {
			e->opcode = OP_NOP;
			e->user_data = sent++;
			k++;
		}
		if (k)
			sq_submit();
		if (!alone || sent - done < WINDOW)
			continue; /* several CPUs: spin, the handler counts */
		/* one CPU: let the poller have it until the interrupt comes
		   (held off in between: it must not come after our look) */
		uintr_disable();
		if (sent - done >= WINDOW) {
			wait_uintr(LONG_NS);
			waits++;
		}
		uintr_enable(); /* the handler runs here */
	}
	return waits;
}

static void cq_interrupt(void)
{
	/* The poller's idle time is RING_IDLE_MAX_US, a minute: it sleeps
	   only if this program submits nothing for that long, which only a
	   hang does. So "no system call" is a count that does not depend
	   on how busy the host is. (With an idle time of a second, a host
	   beside six busy loops stalled this program past it in every one
	   of five runs: each stall cost a wake-up call.) */
	struct kstats a = stats_plain();
	u64 i0 = ring_async_interrupts();
	long waits = run();
	u64 i1 = ring_async_interrupts();
	struct kstats b = stats_plain();
	u64 sys = b.thread[KS_SYSCALL] - a.thread[KS_SYSCALL] - 1; /* b's own */
	u64 exc = b.thread[KS_EXCEPTION] - a.thread[KS_EXCEPTION];
	u64 irq = b.thread[KS_INTERRUPT] - a.thread[KS_INTERRUPT];
	u64 intr = i1 - i0;
	printf("cqtest: %d operations, polled submission, interrupt completion, %d CPU%s: %llu "
	       "system calls (%ld waits), %llu exceptions, %llu interrupts; %llu completion "
	       "interrupts, %llu per 1000 completions\n",
	       done, ncpu, ncpu == 1 ? "" : "s", sys, waits, exc, irq, intr,
	       done ? intr * 1000 / done : 0);
	expect("cq-all-completed", done, NOPS);
	expect("cq-none-doubled", doubled, 0);
	expect("cq-results", bad, 0);
	int missing = 0;
	for (int i = 0; i < NOPS; i++)
		missing += !seen[i];
	expect("cq-none-lost", missing, 0);
	/* several CPUs: nothing at all; one: only the waits for the interrupt */
	expect("cq-syscalls", sys, alone ? waits : 0);
	if (alone) /* each wait ended with an interrupt pending, taken after it */
		expect("cq-waits-interrupted", waits <= (long)intr, 1);
	/* suppressed while handled: far fewer interrupts than completions */
	expect("cq-interrupted", intr > 0, 1);
	expect("cq-fewer-interrupts", intr < (u64)done, 1);
}

/* ---- RING_CQ_INTR suppresses; clearing it arms again ------------------- */

/* Submit n NOPs (user_data NOPS - 1 - i, never in the counted range twice) and wait for their
 * completions to be in the CQ, without reaping them. */
static int submit_and_land(int n)
{
	struct ring_hdr *h = ring_hdr();
	unsigned head = h->cq_head;
	for (int i = 0; i < n; i++) {
		struct sqe *e = sq_get();
		if (!e)
			return -1;
		e->opcode = OP_NOP;
		e->user_data = i;
	}
	sq_submit();
	u64 until = now_ns() + LONG_NS;
	while (__atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) - head < (unsigned)n &&
	       now_ns() < until)
		ring_enter(h->id, 0, RING_ENTER_WAKEUP); /* one CPU: let the poller run */
	return __atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) - head;
}

/*
 * On a plain ring of a thread of its own: its completions are posted
 * inside its own ring_enter, so no post of an earlier completion can
 * still be on its way from another CPU (a poller's, which may find the
 * flag down just after the owner cleared it: a harmless extra interrupt
 * that would blur the count).
 */
static void suppression_thread(void *arg)
{
	long *res = arg;
	res[0] = ring_async(0, 0, -1, CQV3, on_cqe);
	if (res[0] < 0)
		return;
	struct ring_hdr *h = ring_hdr();
	/* nothing printed here: a write through this ring is a blocking
	   call, which reaps and moves the flag itself */
	u64 i0 = ring_async_interrupts();
	uintr_disable();
	/* as if handling one: the kernel must post nothing */
	__atomic_store_n(&h->cq_flags, RING_CQ_INTR, __ATOMIC_SEQ_CST);
	int landed = submit_and_land(8);
	long pending = wait_uintr(0);
	uintr_enable();
	u64 handlers = ring_async_interrupts() - i0;
	ring_async_reap(); /* what the handler does: reap, flag down, look again */
	int reaped = done;
	unsigned flag = h->cq_flags & RING_CQ_INTR;
	/* armed again: the next completions post exactly one interrupt */
	uintr_disable();
	int landed2 = submit_and_land(8);
	long pending2 = wait_uintr(0);
	unsigned flag2 = h->cq_flags & RING_CQ_INTR;
	uintr_enable(); /* the handler reaps all 8 */
	u64 handlers2 = ring_async_interrupts() - i0;
	int reaped2 = done;
	long r[] = {0,	     landed,   pending, handlers,  reaped, flag,
		    landed2, pending2, flag2,	handlers2, reaped2};
	memcpy(res, r, sizeof(r));
}

static void suppression(void)
{
	long r[11];
	memset(seen, 0, sizeof(seen));
	done = doubled = bad = 0;
	int tid = thread_create(suppression_thread, r);
	thread_join(tid, NULL);
	expect("cq-suppressed-ring", r[0], 0);
	if (r[0] < 0)
		return;
	long landed = r[1], pending = r[2], handlers = r[3], reaped = r[4], flag = r[5];
	long landed2 = r[6], pending2 = r[7], flag2 = r[8], handlers2 = r[9], reaped2 = r[10];
	expect("cq-suppressed-landed", landed, 8);
	expect("cq-suppressed-none-pending", pending, 0);
	expect("cq-suppressed-no-handler", handlers, 0);
	expect("cq-suppressed-reaped", reaped, 8);
	expect("cq-flag-down", flag, 0);
	expect("cq-armed-landed", landed2, 8);
	expect("cq-armed-pending", pending2, 1);
	expect("cq-armed-flag-up", flag2, RING_CQ_INTR);
	expect("cq-armed-one-interrupt", handlers2, 1);
	expect("cq-armed-reaped", reaped2, 16);
	expect("cq-armed-once-each", doubled, 8); /* user_data 0..7 twice: once per half */
}

/* ---- a plain ring, beside blocking calls, on a second thread ----------- */

static void plain_async(void *arg)
{
	(void)arg;
	int r = ring_async(0, 0, -1, CQV2, on_cqe);
	expect("cq-plain-ring", r, 0);
	if (r < 0)
		return;
	for (int i = 0; i < 1000; i++) {
		struct sqe *e = sq_get();
		e->opcode = OP_NOP;
		e->user_data = TAG2 | i;
		if (i % 10 == 9)
			sq_submit();
		if (i % 100 == 99) /* a blocking call reaps some of ours: handed to on_cqe after */
			getpid();
	}
	u64 until = now_ns() + LONG_NS;
	while (done2 < 1000 && now_ns() < until)
		;
}

static void plain_ring(void)
{
	int tid = thread_create(plain_async, NULL);
	thread_join(tid, NULL);
	expect("cq-plain-all", done2, 1000);
	expect("cq-plain-results", bad2, 0);
}

/* ---- bad input ---------------------------------------------------------- */

/* OP_RING_CREATE with a completion vector descriptor, by hand. */
static int create_raw(unsigned flags, int vecfd, struct ring_hdr **hdr)
{
	u64 addr = 0;
	struct sqe e = {.opcode = OP_RING_CREATE, .off = 8, .op_flags = flags | RING_CQ_UINTR};
	e.addr = (uptr)&addr;
	e.arg[0] = RING_IDLE_MAX_US;
	e.arg[2] = (u64)vecfd;
	int id = ring_call(&e, NULL);
	if (hdr)
		*hdr = (struct ring_hdr *)(uptr)addr;
	return id;
}

static int main_vec = -1; /* a vector descriptor of the main thread's */
static volatile long other_res;

static void other_thread(void *arg)
{
	(void)arg;
	other_res = uintr_register_handler(handler, NULL, 0);
	if (other_res == 0)
		other_res = create_raw(0, main_vec, NULL); /* not this thread's vector */
}

static void not_ours(void)
{
	expect("cq-vector-not-a-vector", create_raw(0, 1, NULL), -EBADF);
	expect("cq-vector-bad-fd", create_raw(0, 99, NULL), -EBADF);
	int r = uintr_register_handler(handler, NULL, 0);
	main_vec = uintr_create_vector(11);
	expect("cq-vector-own", r == 0 && main_vec >= 0, 1);
	int id = create_raw(0, main_vec, NULL);
	expect("cq-vector-own-ring", id > 0, 1);
	if (id > 0)
		expect("cq-vector-own-destroy", ring_destroy(id), 0);
	int tid = thread_create(other_thread, NULL);
	thread_join(tid, NULL);
	expect("cq-vector-not-ours", other_res, -EPERM);
}

/*
 * A thread makes a ring with its completion vector, holds user
 * interrupts off, and gets one posted; then it destroys the ring (even
 * rounds) or just ends with it (odd rounds: the owner exits), half of
 * the time with a poller. The interrupt, if it lives to be delivered,
 * finds the program's handler.
 */
static volatile int posted, destroyed;

static void doomed(void *arg)
{
	uptr round = (uptr)arg;
	struct ring_hdr *h;
	if (uintr_register_handler(handler, NULL, 0) < 0)
		return;
	int fd = uintr_create_vector(12);
	int id = create_raw(round & 2 ? RING_POLL : 0, fd, &h);
	close(fd); /* the ring keeps the receiver */
	if (id < 0)
		return;
	uintr_disable();
	struct sqe *sq = (struct sqe *)((char *)h + h->sq_off);
	sq[0] = (struct sqe){.opcode = OP_NOP};
	__atomic_store_n(&h->sq_tail, 1, __ATOMIC_RELEASE);
	ring_enter(id, 1, RING_ENTER_WAKEUP); /* polled: wakes the poller, harmless awake */
	if (wait_uintr(LONG_NS) == 1 && (h->cq_flags & RING_CQ_INTR))
		__atomic_add_fetch(&posted, 1, __ATOMIC_RELAXED);
	if (!(round & 1) && ring_destroy(id) == 0) {
		__atomic_add_fetch(&destroyed, 1, __ATOMIC_RELAXED);
		uintr_enable(); /* delivered after all: the program's handler */
	}
}

static void gone(void)
{
	u64 before = free_pages_settled();
	for (uptr i = 0; i < LEAKS; i++) {
		int tid = thread_create(doomed, (void *)i);
		thread_join(tid, NULL);
	}
	expect("cq-gone-posted", posted, LEAKS);
	expect("cq-gone-destroyed", destroyed, LEAKS / 2);
	expect_no_leak("cq-gone-no-leak", before);
}

/*
 * Beside a thread with completion interrupts, another one registers a
 * handler, on a handler stack of its own: its interrupt reaches that
 * handler (the library must not look for ring state on that stack),
 * and the library's handler stays in front for the first thread's
 * completions (cq-interrupt, after this).
 */
static char hstack[4096] __attribute__((aligned(16)));
static volatile long stacked;

static void stacked_receiver(void *arg)
{
	(void)arg;
	int before = handled, fd = -1;
	long r = uintr_register_handler(handler, hstack, sizeof(hstack));
	if (r == 0)
		r = fd = uintr_create_vector(3);
	if (r >= 0)
		r = uintr_register_sender(fd);
	if (r >= 0) {
		uintr_enable();
		uintr_send(r); /* emulated: delivered on the way back; native: soon after */
		while (handled == before && wait_uintr(LONG_NS) > 0)
			;
		uintr_disable();
	}
	if (fd >= 0)
		close(fd);
	stacked = r < 0 ? r : handled - before;
}

static void other_stack(void)
{
	int tid = thread_create(stacked_receiver, NULL);
	thread_join(tid, NULL);
	expect("cq-other-thread-handler-stack", stacked, 1);
}

int main(void)
{
	struct kstats s;
	kstats(&s);
	ncpu = s.ncpu;
	alone = ncpu == 1;
	now_ns(); /* its first call asks the kernel: not in a counted part */
	not_ours();
	gone();
	plain_ring();
	int p = ring_create(8, 0, 0, 0, -1, &plain);
	expect("cq-plain-stats-ring", p > 0, 1);
	int r = ring_async(RING_POLL, RING_IDLE_MAX_US, -1, CQV, on_cqe);
	expect("cq-async-ring", r, 0);
	if (r == 0 && p > 0) {
		other_stack(); /* first: cq-interrupt needs our handler still in place */
		cq_interrupt();
		suppression();
	}
	expect("cq-other-vectors-to-program", handled >= LEAKS / 2, 1);
	return summary("cqtest");
}
