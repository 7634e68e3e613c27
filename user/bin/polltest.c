/*
 * polltest.c - submission polling (issue 4), checked from user space.
 *
 * A polled ring has a kernel poller that takes entries as soon as they
 * are published: while it is awake a program submits and reaps with no
 * system call at all. After its idle time it raises RING_NEED_WAKEUP
 * and sleeps; one ring_enter(RING_ENTER_WAKEUP) brings it back. The
 * counters of OP_STATS (which, sent through the polled ring, report the
 * ring owner's entries, not the poller's) prove the "no system call".
 *
 * Each check prints "ok <name>" or "FAIL <name>: <why>"; the last line
 * is "polltest: N passed, M failed".
 *
 *   polltest          the checks
 *   polltest busy     submit NOPs through a polled ring until killed
 *   polltest cost     what an awake, idle poller costs a busy program
 */
#include "async.h"
#include "check.h"

#define SELF	      "/bin/polltest"
#define MS	      1000000ull
#define NOPS	      10000
#define IDLE_LONG_US  RING_IDLE_MAX_US /* a minute: awake through the counted part */
#define IDLE_SEC_US   1000000	       /* a second: it sleeps soon when left alone */
#define IDLE_SHORT_US 100	       /* ... and here goes to sleep all the time */
#define ROUNDS	      2000	       /* race rounds with two or more CPUs; one CPU cannot race */
#define ROUNDS_1CPU   200
#define RACE_NS	      (20000 * MS) /* ... or fewer, if they take longer than this */

static struct kstats stats(void)
{
	struct kstats s;
	memset(&s, 0, sizeof(s));
	kstats(&s);
	return s;
}

/* Sleep in wait() with nothing to wait for: a system call, no ring entry. */
static void nap(u64 ns)
{
	struct wait_event ev;
	wait(NULL, 0, &ev, 1, ns);
}

/*
 * Submit n entries made by fill() and reap their completions, spinning:
 * neither needs a system call while the poller is awake. Completions
 * with a bad result are counted in *bad. Returns how many came back.
 */
static int run(int n, void (*fill)(struct sqe *e, int i), int *bad)
{
	struct cqe c[32];
	int sent = 0, got = 0;
	while (got < n) {
		struct sqe *e;
		int k = 0;
		/* no more in flight than the CQ holds: a full CQ sends completions
		   to the kernel's backlog, and getting them back is a system call */
		while (sent < n && sent - got < 64 && (e = sq_get())) {
			fill(e, sent++);
			k++;
		}
		if (k)
			sq_submit();
		int m = cq_reap(c, 32);
		for (int i = 0; i < m; i++)
			if (c[i].res < 0)
				(*bad)++;
		got += m;
	}
	return got;
}

/*
 * Now and then a write, to a kernel pipe read back afterwards. Not to
 * the console: under load a console write could take the poller over a
 * second (its idle time) to complete, and the program, with its window
 * of entries full behind it, let the poller sleep (seen on riscv64
 * beside six busy loops: about one wake-up per write).
 */
static int dots; /* the pipe's write end */

static void nop_or_write(struct sqe *e, int i)
{
	static const char dot = '.';
	if (i % 1000 == 999) {
		e->opcode = OP_WRITE;
		e->fd = dots;
		e->addr = (uptr)&dot;
		e->len = 1;
	} else {
		e->opcode = OP_NOP;
	}
	e->user_data = i;
}

/*
 * The thread's counters through a second, plain ring: exactly one system
 * call (ring_enter runs the entry inline, and the counters it reads
 * include that call), whatever the poller of the polled ring is doing.
 * Through the polled ring itself the count would depend on time: a
 * submission that finds the poller asleep makes a system call first.
 */
static struct ring_hdr *plain;
static int plain_bad; /* stats_plain calls whose entry did not complete inline */

static struct kstats stats_plain(void)
{
	struct kstats s;
	memset(&s, 0, sizeof(s));
	struct sqe *sq = (struct sqe *)((char *)plain + plain->sq_off);
	struct cqe *cq = (struct cqe *)((char *)plain + plain->cq_off);
	unsigned t = plain->sq_tail, h = plain->cq_head;
	sq[t & plain->sq_mask] =
	    (struct sqe){.opcode = OP_STATS, .addr = (uptr)&s, .len = sizeof(s)};
	__atomic_store_n(&plain->sq_tail, t + 1, __ATOMIC_RELEASE);
	ring_enter(plain->id, 1, 0);
	if (__atomic_load_n(&plain->cq_tail, __ATOMIC_ACQUIRE) == h || cq[h & plain->cq_mask].res)
		plain_bad++;
	else
		__atomic_store_n(&plain->cq_head, h + 1, __ATOMIC_RELEASE);
	return s;
}

/*
 * 10,000 operations with zero system calls while the poller is awake.
 * Its idle time is a minute (IDLE_LONG_US): it sleeps only if this
 * program submits nothing for that long, which only a hang does, so the
 * count does not depend on how busy the host is. (With an idle time of
 * a second, a host beside six busy loops stalled the program past it
 * in about one run in three: each stall cost a wake-up call.) A library
 * that enters the kernel on every submission (the lab's stub) fails
 * with thousands of calls; a kernel that raises NEED_WAKEUP while busy
 * fails too.
 */
static void zero_entries(void)
{
	int bad = 0, fds[2];
	char buf[NOPS / 1000 + 1];
	long n = 0;
	if (pipe_kernel(fds) < 0) {
		fail("poll-dots-pipe", "no kernel pipe");
		return;
	}
	dots = fds[1];
	struct kstats a = stats_plain();
	int got = run(NOPS, nop_or_write, &bad);
	struct kstats b = stats_plain();
	/* b's own ring_enter is the one system call between the two */
	u64 sys = b.thread[KS_SYSCALL] - a.thread[KS_SYSCALL] - 1;
	u64 exc = b.thread[KS_EXCEPTION] - a.thread[KS_EXCEPTION];
	u64 irq = b.thread[KS_INTERRUPT] - a.thread[KS_INTERRUPT];
	printf("\npolltest: %d operations through a polled ring: %llu system calls, %llu "
	       "exceptions, %llu interrupts\n",
	       got, sys, exc, irq);
	expect("poll-all-completed", got, NOPS);
	expect("poll-results", bad, 0);
	expect("poll-zero-syscalls", sys, 0);
	expect("poll-zero-exceptions", exc, 0);
	close(fds[1]);
	for (long r; (r = read(fds[0], buf, sizeof(buf))) > 0;)
		for (long i = 0; i < r; i++)
			n += buf[i] == '.' ? 1 : NOPS; /* anything else: a wrong count */
	expect("poll-writes-arrived", n, NOPS / 1000);
	close(fds[0]);
}

/*
 * Idle: the poller sets NEED_WAKEUP and sleeps; one ring_enter wakes it.
 * Counted exactly, with no assumption about time: the counters come
 * through the plain ring (stats_plain), taken once the flag is up, so
 * what lies between them is the one submission measured and the second
 * stats_plain's own call. The entry that wakes the poller writes the ring's sq_flags
 * word, as the poller sees it when it runs that entry, into a pipe: the
 * flag must be down by then, whatever happened later. A kernel that
 * leaves NEED_WAKEUP up after waking fails poll-awake-again; a library
 * that does not wake the poller hangs in the spin (the test's timeout),
 * and one that enters the kernel more than once fails poll-wake-one-syscall.
 */
static void sleep_wake(void)
{
	struct ring_hdr *h = ring_hdr();
	int fds[2];
	unsigned seen = ~0u;
	if (pipe_kernel(fds) < 0) {
		fail("poll-wake-pipe", "no kernel pipe");
		return;
	}
	/* A round counts from when the flag is up. If the poller was woken
	   meanwhile by something else, the submission finds it awake and
	   takes no system call: that round proves nothing and is done again
	   (five at most). More than one call in any round fails at once. */
	u64 sys = 0;
	for (int round = 0; round < 5 && sys == 0; round++) {
		u64 naps = 0;
		while (!(__atomic_load_n(&h->sq_flags, __ATOMIC_ACQUIRE) & RING_NEED_WAKEUP) &&
		       naps < 6000) { /* a minute; the poller's idle time is a second */
			nap(10 * MS);
			naps++;
		}
		if (!(h->sq_flags & RING_NEED_WAKEUP)) {
			fail("poll-need-wakeup", "the flag is not set after %llu naps of 10 ms",
			     naps);
			return;
		}
		struct kstats a = stats_plain();
		/* by hand, reaping by spinning: ring_call would wait() if the woken
		   poller took long to get a CPU, and that is not what is counted */
		struct sqe *e = sq_get();
		e->opcode = OP_WRITE;
		e->fd = fds[1];
		e->addr = (uptr)&h->sq_flags;
		e->len = sizeof(h->sq_flags);
		e->user_data = 1ull << 41;
		sq_submit(); /* it sees the flag: ring_enter(RING_ENTER_WAKEUP) */
		struct cqe c;
		while (cq_reap(&c, 1) != 1 || c.user_data != 1ull << 41)
			;
		struct kstats b = stats_plain();
		expect("poll-wake-result", c.res, sizeof(h->sq_flags));
		sys = b.thread[KS_SYSCALL] - a.thread[KS_SYSCALL] - 1; /* b's own call */
		expect("poll-wake-read", read(fds[0], &seen, sizeof(seen)), sizeof(seen));
		expect("poll-awake-again", seen & RING_NEED_WAKEUP, 0);
	}
	ok("poll-need-wakeup");
	printf("polltest: waking the poller took %llu system call%s\n", sys, sys == 1 ? "" : "s");
	expect("poll-wake-one-syscall", sys, 1);
	close(fds[0]);
	close(fds[1]);
}

static void nop(struct sqe *e, int i)
{
	e->opcode = OP_NOP;
	e->user_data = i;
}

static int lost, wrong, stress_sys, rounds;

/* Spin iterations from a completion until the poller says it sleeps. */
static long idle_spins(struct ring_hdr *h)
{
	struct sqe e = {.opcode = OP_NOP};
	ring_call(&e, NULL);
	long n = 0;
	while (!(__atomic_load_n(&h->sq_flags, __ATOMIC_ACQUIRE) & RING_NEED_WAKEUP) &&
	       n < 100000000)
		n++;
	return n;
}

/*
 * The sleep/wake race: a short idle time and pauses of about that
 * length, so that submissions keep landing just as the poller decides
 * to sleep (the pause is measured in loop iterations: idle_spins). A
 * lost submission shows as completions that never come (wait() with a
 * timeout, then a look at the ring).
 */
static void stress(void *arg)
{
	(void)arg;
	int r = ring_poll(IDLE_SHORT_US, -1);
	if (r < 0) {
		fail("poll-stress", "ring_poll: %s", show(r));
		return;
	}
	struct ring_hdr *h = ring_hdr();
	struct wait_item it = {.type = WAIT_RING, .id = h->id};
	/* the shortest of several: a busy host that stops this CPU while we
	   count makes a measurement long, never short */
	long idle = idle_spins(h);
	for (int i = 0; i < 8; i++)
		idle = MIN(idle, idle_spins(h));
	struct kstats a = stats();
	srand(a.cpu[0][KS_INTERRUPT] + 7);
	/* time bounds the work, not the verdict: if the pauses still came
	   out long, fewer rounds are run, each a race all the same */
	int max = a.ncpu > 1 ? ROUNDS : ROUNDS_1CPU;
	u64 end = now_ns() + RACE_NS;
	for (rounds = 0; rounds < max && !lost && now_ns() < end; rounds++) {
		int n = 1 + rand() % 8, got = 0;
		struct cqe c[8];
		struct sqe *e;
		for (int i = 0; i < n && (e = sq_get()); i++)
			nop(e, i);
		sq_submit();
		for (long spins = 0; got < n; spins++) {
			int m = cq_reap(c + got, n - got);
			for (int i = 0; i < m; i++)
				wrong += c[got + i].res != 0;
			got += m;
			struct wait_event ev;
			/* twenty seconds with nothing: nobody is taking our entries (a
			   woken poller, even on a busy host, is much quicker than that) */
			if (got < n && spins > 100000 && wait(&it, 1, &ev, 1, 20000 * MS) == 0) {
				lost = n - got;
				printf(
				    "polltest: round %d: %d of %d entries lost; sq_head %u sq_tail "
				    "%u flags %x\n",
				    rounds, lost, n, h->sq_head, h->sq_tail, h->sq_flags);
				break;
			}
		}
		/* a pause: 80% to 120% of the idle time, as the iterations go */
		for (volatile long i = idle * (80 + (long)(rand() % 41)) / 100; i > 0; i--)
			;
	}
	struct kstats b = stats();
	stress_sys = b.thread[KS_SYSCALL] - a.thread[KS_SYSCALL];
}

static void race(void)
{
	int tid = thread_create(stress, NULL);
	if (tid < 0 || thread_join(tid, NULL) != tid) {
		fail("poll-race", "thread: %s", show(tid));
		return;
	}
	printf("polltest: %d rounds with pauses around the idle time: %d system calls (wake-ups "
	       "and waits)\n",
	       rounds, stress_sys);
	expect("poll-race-nothing-lost", lost, 0);
	expect("poll-race-results", wrong, 0);
}

/* A poller pinned to the last CPU; the thread then exits with it running. */
static int pinned_bad;

static void pinned(void *arg)
{
	int cpu = (int)(uptr)arg;
	if (ring_poll(IDLE_LONG_US, cpu) < 0) {
		pinned_bad = -1;
		return;
	}
	run(500, nop, &pinned_bad);
	/* thread_exit with the poller awake: it must be stopped and freed */
}

static void pinned_exit(void)
{
	int cpu = stats().ncpu - 1;
	u64 before = 0;
	for (int round = 0; round < 2; round++) { /* the first grows the kernel's heap */
		before = free_pages_settled();
		thread_join(thread_create(pinned, (void *)(uptr)cpu), NULL);
	}
	expect("poll-pinned", pinned_bad, 0);
	expect_no_leak("poll-thread-exit-no-leak", before);
}

/* A polled ring destroyed with a sleep parked and a chain behind it. */
static long destroy_busy(void)
{
	struct ring_hdr *h;
	int id = ring_create(8, 0, RING_POLL, 0, -1, &h);
	if (id < 0)
		return id;
	struct sqe *sq = (struct sqe *)((char *)h + h->sq_off);
	sq[0] = (struct sqe){.opcode = OP_SLEEP, .off = 3600 * 1000 * MS, .flags = SQE_LINK};
	sq[1] = (struct sqe){.opcode = OP_NOP};
	for (int i = 2; i < 8; i++)
		sq[i] = (struct sqe){.opcode = OP_NOP};
	__atomic_store_n(&h->sq_tail, 8, __ATOMIC_RELEASE);
	/* the poller takes them; if it went to sleep first, it must be
	   woken (docs/polling.md: the tail, a full barrier, then the flag) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	while (__atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE) != 8)
		if (__atomic_load_n(&h->sq_flags, __ATOMIC_ACQUIRE) & RING_NEED_WAKEUP)
			ring_enter(id, 0, RING_ENTER_WAKEUP);
	return ring_destroy(id);
}

static void destroy(void)
{
	destroy_busy();
	u64 before = free_pages_settled();
	expect("poll-destroy-in-flight", destroy_busy(), 0);
	expect_no_leak("poll-destroy-no-leak", before);
}

/* `polltest busy`: keep a poller working until we are killed; say so on fd 1 once it works. */
static void __attribute__((noreturn)) busy(void)
{
	int bad = 0;
	ring_poll(IDLE_LONG_US, -1);
	run(64, nop, &bad);
	write(1, "!", 1);
	for (;;)
		run(64, nop, &bad);
}

/* Kill a process while its poller works: not after a while, but once it says it does. */
static void killed(void)
{
	char *argv[] = {"polltest", "busy", NULL};
	u64 before = 0;
	bool bad = false;
	for (int round = 0; round < 2; round++) {
		before = free_pages_settled();
		int fds[2];
		char c = 0;
		pipe_kernel(fds);
		int map[3] = {0, fds[1], 2};
		int pid = spawn(SELF, argv, map, 3, -1, -1);
		close(fds[1]);
		long n = read(fds[0], &c, 1); /* 0 if it died before */
		close(fds[0]);
		if (n != 1) {
			fail("poll-busy-started", "read %s", show(n));
			bad = true;
		}
		int k = kill(pid), st = -1, w = waitpid(pid, &st);
		if (k != 0 || w != pid || st != STATUS_KILLED) {
			fail("poll-kill-busy", "kill %s, waitpid %s, status %d", show(k), show(w),
			     st);
			bad = true;
		}
	}
	if (!bad)
		ok("poll-kill-busy");
	expect_no_leak("poll-kill-no-leak", before);
}

/* ---- polltest cost -------------------------------------------------- */

static volatile int done;

static void timer(void *arg)
{
	sleep_ns((u64)(uptr)arg);
	done = 1;
}

/* Busy-loop iterations while another thread sleeps for ns. */
static u64 spin_for(u64 ns)
{
	u64 n = 0;
	done = 0;
	int tid = thread_create(timer, (void *)(uptr)ns);
	while (!done)
		n++;
	thread_join(tid, NULL);
	return n;
}

/* Make a polled ring whose poller stays awake, idle, for a second. */
static void poller_idle(void *arg)
{
	(void)arg;
	ring_poll(IDLE_SEC_US, -1);
	sleep_ns(IDLE_SEC_US * 1000ull * 2 / 3); /* parked by the poller */
}

static int cost(void)
{
	u64 ns = 500 * MS, base = spin_for(ns);
	int tid = thread_create(poller_idle, NULL);
	nap(10 * MS); /* let it make its ring */
	u64 with = spin_for(ns);
	thread_join(tid, NULL);
	printf("polltest: %d CPUs: busy loop %llu iterations alone, %llu beside an idle awake "
	       "poller: the poller took %llu%% of the loop's CPU time\n",
	       stats().ncpu, base, with, with < base ? (base - with) * 100 / base : 0);
	return 0;
}

/*
 * Each of these checks runs on a thread of its own, with a plain ring
 * for the counters and a polled ring for the calls: a thread switches
 * to a polled ring once, and each wants its own idle time - a minute
 * for the zero count, a second for the sleep.
 */
struct counted {
	void (*check)(void);
	unsigned idle_us;
};

static void on_own_thread(void *arg)
{
	const struct counted *c = arg;
	int p = ring_create(8, 0, 0, 0, -1, &plain);
	expect("poll-plain-ring", p > 0, 1);
	int r = ring_poll(c->idle_us, -1);
	expect("poll-ring", r, 0);
	if (r == 0 && p > 0)
		c->check();
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "busy") == 0)
		busy();
	if (argc == 2 && strcmp(argv[1], "cost") == 0)
		return cost();
	pinned_exit();
	destroy();
	killed();
	race();
	static const struct counted zero = {zero_entries, IDLE_LONG_US},
				    wake = {sleep_wake, IDLE_SEC_US};
	thread_join(thread_create(on_own_thread, (void *)&zero), NULL);
	thread_join(thread_create(on_own_thread, (void *)&wake), NULL);
	expect("poll-plain-stats", plain_bad, 0);
	return summary("polltest");
}
