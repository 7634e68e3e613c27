/*
 * usertests.c - the kernel's robustness suite, from user space (xv6's
 * usertests is the model). Where ringtest, threadtest, polltest and
 * uintrtest check that each feature works, this tries hard to break the
 * kernel with what they leave out:
 *
 *   - every opcode family with bad pointers, lengths, descriptors and
 *     flags: threads, ring create/destroy, polled rings, user-interrupt
 *     opcodes, spawn's arguments and descriptor map, wait();
 *   - exhaustion: processes, threads, descriptors, pipes, rings and
 *     memory until the kernel says -EAGAIN, -EMFILE or -ENOMEM; then
 *     everything is freed and the same work must succeed again;
 *   - the per-user limits: uid 1000 fills its share of processes,
 *     threads, rings and pipes (-EAGAIN), users fill the process table
 *     but for root's slots (-ENFILE), and root can still work;
 *   - a process killed at every place it can block (wait, a console
 *     read, a sleep, a join, a waitpid, user interrupts, a pipe either
 *     way), while spinning on every CPU, with a busy poller, with chains
 *     and a backlog parked;
 *   - many processes and threads on all CPUs at once, and two threads
 *     doing the same thing at the same moment (thread create, pipe
 *     attach, a pipe made while its descriptors are closed), and one
 *     waiting on descriptors that the other keeps closing.
 *
 * After each test the kernel's free-page count must be back where it was.
 *
 *   usertests            quick mode (make test): every test, small numbers
 *   usertests -f         full mode: more rounds, bigger numbers
 *   usertests NAME...    only the tests whose names start with NAME
 *
 * Each test runs in a child process of its own (usertests -r NAME), twice:
 * first with its output thrown away, as a warm-up (the kernel's heap keeps
 * the pages it grew by, so only a second run can be held to the page
 * count), then for real between free_pages_settled() and free_pages_back(). A test that
 * hangs is killed after a time limit, and whatever processes it left
 * behind are killed and reported. Its checks print "ok <test>/<check>" or
 * "FAIL <test>/<check>: why"; the driver adds "ok <test>" (the test's
 * process ended well) and "ok <test>/leak", one line with the number of
 * checks made inside the tests, and the usual last line (check.h):
 * "usertests: N passed, M failed", N and M counting the driver's checks.
 *
 * Checks marked KERNEL BUG in their message are real failures found by
 * this suite and reported; they stay until the kernel is fixed. The
 * tests that take the kernel down with them (a panic, a deadlock) while
 * it has the bug run last.
 *
 * The helper processes the tests start are this program too:
 * usertests -c MODE [ARG...] (see helper()).
 */
#include "async.h"
#include "check.h"
#include "uintr.h"

#define SELF	 "/bin/usertests"
#define MS	 1000000ull
#define SECOND	 1000000000ull
#define HOUR	 (3600 * SECOND)
#define USER	 1000	      /* an ordinary user's uid and gid */
#define KADDR	 ((u64)-4096) /* kernel memory: never the user's */
#define NONCANON (1ull << 47) /* above every user address space of ours */
#define UNMAPPED 0x10000ul    /* below the program (user.ld puts it at 0x400000) */
#define PS_MAX	 64	      /* room for every process (the kernel has 64) */
#define LIMIT_NS (full ? 600 * SECOND : 180 * SECOND) /* one test's run: a hang, on a busy host */
/* A child that does a test's work (thousands of rounds): only a hang takes
   this long, even on a host whose cores are busy many times over; under
   LIMIT_NS, so that the check that hung is the one reported. */
#define WORK_NS (LIMIT_NS * 3 / 4)

extern char _end[]; /* user.ld: the end of .bss */
void _thread_start(void);

static bool full;  /* -f */
static bool quiet; /* -q: a warm-up run; count the checks, print nothing */

/* ---- checks, counted here so that a test's exit status can carry them ---- */

static const char *tname = "usertests"; /* the test this process runs */
static int nchecks, nfailed;

static void vcheck(const char *what, bool good, const char *fmt, va_list ap)
{
	char name[80], why[160];
	snprintf(name, sizeof(name), "%s/%s", tname, what);
	__atomic_add_fetch(&nchecks, 1, __ATOMIC_RELAXED);
	if (good) {
		if (!quiet)
			ok(name);
		return;
	}
	__atomic_add_fetch(&nfailed, 1, __ATOMIC_RELAXED);
	vsnprintf(why, sizeof(why), fmt, ap);
	if (!quiet)
		fail(name, "%s", why);
}

static void check(const char *what, bool good, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check(const char *what, bool good, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vcheck(what, good, fmt, ap);
	va_end(ap);
}

static void check_eq(const char *what, long got, long want)
{
	check(what, got == want, "got %s, want %s", show(got), show(want));
}

/* A test's exit status: 1..127 all of that many checks passed; 200 + n: n failed. */
static int test_status(void)
{
	if (nfailed)
		return 200 + MIN(nfailed, 50);
	return nchecks ? MIN(nchecks, 127) : 255;
}

/* ---- small helpers -------------------------------------------------------- */

static long op(struct sqe e)
{
	return ring_call(&e, NULL);
}

/* Sleep in wait(): unlike OP_SLEEP it needs no kernel memory, so it works
   even when the kernel has none left. */
static void nap(u64 ns)
{
	struct wait_event ev;
	wait(NULL, 0, &ev, 1, ns);
}

static u64 xorshift(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned ncpus(void)
{
	struct kstats s;
	return kstats(&s) == 0 ? s.ncpu : 1;
}

static u64 free_pages_now(void)
{
	struct kstats s;
	return kstats(&s) == 0 ? s.free_pages : 0;
}

/* The first unmapped address after the program. */
static char *edge(void)
{
	return (char *)ROUND_UP((uptr)_end, 4096);
}

/* Start this program as helper MODE [ARG] (see helper()); its pid or -E*. */
static int start(const char *mode, const char *arg)
{
	char *argv[] = {"usertests", "-c", (char *)mode, (char *)arg, NULL};
	return spawn(SELF, argv, NULL, 0, -1, -1);
}

static int start_as(const char *mode, const char *arg, const int *fds, int nfds, int uid)
{
	char *argv[] = {"usertests", "-c", (char *)mode, (char *)arg, NULL};
	return spawn(SELF, argv, fds, nfds, uid, uid);
}

/*
 * Wait up to timeout for child pid to exit and reap it. Returns its exit
 * status; -ETIMEDOUT if it had to be killed; another -E* if waitpid fails.
 * wait() first, then waitpid() on a zombie: neither parks an operation,
 * so this works when the kernel is out of memory too.
 */
static int finish(int pid, u64 timeout)
{
	struct wait_item it = {.type = WAIT_CHILD, .id = pid};
	struct wait_event ev;
	u64 end = now_ns() + timeout;
	long r;
	if (pid < 0)
		return pid;
	do
		r = wait(&it, 1, &ev, 1, timeout);
	while (r < 0 && r != -EINVAL && r != -EFAULT && now_ns() < end);
	if (r <= 0) {
		kill(pid);
		wait(&it, 1, &ev, 1, 10 * SECOND);
	}
	int st = -1, w = waitpid(pid, &st);
	if (w != pid)
		return w < 0 ? w : -EIO;
	return r <= 0 ? -ETIMEDOUT : st;
}

/* ---- ps ------------------------------------------------------------------- */

static struct procinfo pbuf[PS_MAX];

static bool proc_info(int pid, struct procinfo *out)
{
	int n = ps(pbuf, PS_MAX);
	for (int i = 0; i < n; i++) {
		if (pbuf[i].pid == pid) {
			*out = pbuf[i];
			return true;
		}
	}
	return false;
}

/*
 * Wait until process pid is in state (PROC_*; -1 any) with nthreads
 * threads (0: any). PROC_BLOCKED means every thread is blocked: a helper
 * that blocks after its set-up is then done with it.
 */
static bool await_proc(int pid, int state, int nthreads, u64 timeout)
{
	u64 end = now_ns() + timeout;
	struct procinfo p;
	do {
		if (!proc_info(pid, &p))
			return false;
		if ((state < 0 || p.state == state) && (nthreads <= 0 || p.nthreads == nthreads))
			return true;
		nap(2 * MS);
	} while (now_ns() < end);
	return false;
}

/* The pids of pid's children (of those running this program if `ours`). */
static int children_of(int pid, int *out, int max)
{
	int n = ps(pbuf, PS_MAX), k = 0;
	for (int i = 0; i < n && k < max; i++)
		if (pbuf[i].ppid == pid)
			out[k++] = pbuf[i].pid;
	return k;
}

/* Kill pid and everything below it (we are root), deepest first; reap what is ours. */
static void kill_tree(int pid)
{
	int kids[PS_MAX];
	int n = children_of(pid, kids, PS_MAX);
	for (int i = 0; i < n; i++)
		kill_tree(kids[i]);
	kill(pid);
}

/* ---- one entry through a ring of our own, by hand -------------------------- */

static struct sqe *sq_of(struct ring_hdr *h)
{
	return (struct sqe *)((char *)h + h->sq_off);
}

static struct cqe *cq_of(struct ring_hdr *h)
{
	return (struct cqe *)((char *)h + h->cq_off);
}

/* Publish e on h (made by this thread) and have the kernel take it: ring_enter, or
   on a polled ring a wake-up if the poller sleeps. Returns what ring_enter said. */
static long ring_push(struct ring_hdr *h, const struct sqe *e, bool polled)
{
	unsigned t = h->sq_tail;
	sq_of(h)[t & h->sq_mask] = *e;
	__atomic_store_n(&h->sq_tail, t + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!polled)
		return ring_enter(h->id, 1, 0);
	if (__atomic_load_n(&h->sq_flags, __ATOMIC_RELAXED) & RING_NEED_WAKEUP)
		return ring_enter(h->id, 0, RING_ENTER_WAKEUP);
	return 1;
}

/* The next completion on h, waiting up to timeout; false if none came. */
static bool ring_pop(struct ring_hdr *h, struct cqe *c, u64 timeout)
{
	struct wait_item it = {.type = WAIT_RING, .id = h->id};
	struct wait_event ev;
	u64 end = now_ns() + timeout;
	for (;;) {
		unsigned head = h->cq_head;
		if (__atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) != head) {
			*c = cq_of(h)[head & h->cq_mask];
			__atomic_store_n(&h->cq_head, head + 1, __ATOMIC_RELEASE);
			return true;
		}
		if (__atomic_load_n(&h->sq_flags, __ATOMIC_ACQUIRE) & RING_CQ_OVERFLOW)
			ring_enter(h->id, 0, 0); /* moves the backlog in */
		if (now_ns() >= end)
			return false;
		wait(&it, 1, &ev, 1, 10 * MS);
	}
}

/* Run e on ring h and return its result (-ETIMEDOUT: no completion within 5 s). */
static long ring_op(struct ring_hdr *h, struct sqe e, bool polled)
{
	static unsigned long long seq;
	e.user_data = 0x7500000000ull + __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
	long r = ring_push(h, &e, polled);
	if (r < 0)
		return r;
	if (!polled && r != 1)
		return -EIO;
	struct cqe c;
	while (ring_pop(h, &c, 5 * SECOND))
		if (c.user_data == e.user_data)
			return c.res;
	return -ETIMEDOUT;
}

/* ===========================================================================
 * The helpers: usertests -c MODE [ARG...], in processes the tests start.
 * ======================================================================== */

static void sleep_forever(void)
{
	for (;;)
		sleep_ns(HOUR);
}

static void spin_forever(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("" ::: "memory");
}

static void sleeper(void *arg)
{
	(void)arg;
	sleep_forever();
}

static void napper(void *arg)
{
	nap((u64)(uptr)arg);
}

static volatile int go;

/* `exitrace`: every thread ends the process at once, each with its own status. */
static void exit_racer(void *arg)
{
	while (!go)
		;
	exit((int)(uptr)arg);
}

/* `threadexits`: every thread ends itself at once; the last one's status is the process's. */
static void thread_exiter(void *arg)
{
	while (!go)
		;
	thread_exit((int)(uptr)arg);
}

static volatile int second_join[2];
static int victim_tid;

static void joiner(void *arg)
{
	second_join[(uptr)arg] = thread_join(victim_tid, NULL);
}

static int mainexit_tid0;

/* `mainexit`: joins the first thread, which has ended; ends the process with its status + 1. */
static void main_joiner(void *arg)
{
	(void)arg;
	int st = -1;
	nap(20 * MS);
	int r = thread_join(mainexit_tid0, &st);
	thread_exit(r == mainexit_tid0 ? st + 1 : 1);
}

/* `hog`: NTHREAD-1 threads make rings, big ones then one-page ones, until the kernel says no. */
static volatile int hog_done;

static void hog_thread(void *arg)
{
	(void)arg;
	while (ring_create(RING_MAX, RING_MAX, 0, 0, -1, NULL) >= 0)
		;
	while (ring_create(1, 1, 0, 0, -1, NULL) >= 0)
		;
	__atomic_add_fetch(&hog_done, 1, __ATOMIC_RELEASE);
	for (;;)
		nap(HOUR); /* OP_SLEEP would need kernel memory: there is none */
}

static void __attribute__((noreturn)) hog(bool pipes)
{
	int made = 0, fds[2];
	/* pipes too, as many as the user may make: hardware and kernel */
	for (int i = 0; pipes && (i % 2 ? pipe_kernel(fds) : pipe(fds)) == 0; i++)
		;
	/* as a user: one more thread, so that USER_PROCS processes get USER_THREADS */
	for (int i = 0; i < (pipes ? USER_THREADS / USER_PROCS - 1 : NTHREAD - 1); i++)
		if (thread_create(hog_thread, NULL) >= 0)
			made++;
	while (__atomic_load_n(&hog_done, __ATOMIC_ACQUIRE) < made)
		nap(MS);
	for (;;)
		nap(HOUR);
}

/* `uintr-send N`: fd 3 is a vector; register as its sender and send N times, a
   tick apart (wait() times out on timer ticks). */
static int uintr_sender(int n)
{
	int i = uintr_register_sender(3);
	if (i < 0)
		return 2;
	for (int k = 0; k < n; k++) {
		uintr_send(i);
		nap(MS);
	}
	return 0;
}

static volatile int storm_count;

static void storm_handler(unsigned long v)
{
	(void)v;
	storm_count++;
}

static volatile int storm_fd = -1;
static char storm_stack[8192] __attribute__((aligned(16)));

static void storm_receiver(void *arg)
{
	(void)arg;
	uintr_register_handler(storm_handler, storm_stack, sizeof(storm_stack));
	storm_fd = uintr_create_vector(5);
	uintr_enable();
	spin_forever(NULL);
}

static void storm_sender(void *arg)
{
	(void)arg;
	while (storm_fd < 0)
		;
	int i = uintr_register_sender(storm_fd);
	for (;;)
		if (i >= 0)
			uintr_send(i);
}

/* `worker SEED ITER`: random valid operations on 4 threads, each result checked. */
struct worker {
	u64 rng;
	int iters, bad, pid;
};

static void worker_complain(struct worker *w, const char *what, long got)
{
	if (w->bad++ < 3)
		fprintf(2, "usertests: worker %d: %s gave %s\n", w->pid, what, show(got));
}

static void worker_thread(void *arg)
{
	struct worker *w = arg;
	for (int it = 0; it < w->iters; it++) {
		u64 x = xorshift(&w->rng);
		long r;
		struct ring_hdr *h;
		switch (x % 8) {
		case 0: { /* a batch of NOPs */
			int n = 1 + x / 8 % 16, got = 0;
			for (int i = 0; i < n; i++) {
				struct sqe *e = sq_get();
				if (!e) {
					n = i;
					break;
				}
				e->opcode = OP_NOP;
				e->user_data = 1000 + i;
			}
			if ((r = sq_submit()) != n)
				worker_complain(w, "sq_submit", r);
			while (got < n) {
				struct cqe c[16];
				int m = cq_wait(c, 16);
				if (m < 0) {
					worker_complain(w, "cq_wait", m);
					break;
				}
				for (int i = 0; i < m; i++)
					if (c[i].res != 0 || c[i].user_data < 1000 ||
					    c[i].user_data >= 1000 + (u64)n)
						worker_complain(w, "nop completion", c[i].res);
				got += m;
			}
			break;
		}
		case 1:
			if ((r = getpid()) != w->pid)
				worker_complain(w, "getpid", r);
			break;
		case 2:
			if ((r = sleep_ns(x / 8 % (2 * MS))) != 0)
				worker_complain(w, "sleep", r);
			break;
		case 3: { /* a ring of our own, polled or not, for one NOP */
			bool polled = x & 8;
			int id = ring_create(8, 0, polled ? RING_POLL : 0, 200, -1, &h);
			if (id < 0) {
				worker_complain(w, "ring_create", id);
				break;
			}
			if ((r = ring_op(h, (struct sqe){.opcode = OP_NOP}, polled)) != 0)
				worker_complain(w, "nop on a new ring", r);
			if ((r = ring_destroy(id)) != 0)
				worker_complain(w, "ring_destroy", r);
			break;
		}
		case 4: { /* a child that exits with a status we pick */
			char num[8];
			int want = x / 8 % 100, st = -1;
			snprintf(num, sizeof(num), "%d", want);
			int pid = start("exit", num);
			if (pid == -ENFILE)
				break; /* the process table is full: fine */
			if (pid < 0 || (r = waitpid(pid, &st)) != pid || st != want)
				worker_complain(w, "spawn and waitpid", pid < 0 ? pid : st);
			break;
		}
		case 5: { /* a thread, joined */
			int st = -1, tid = thread_create(napper, (void *)(uptr)(x / 8 % MS));
			if (tid == -EAGAIN)
				break; /* all thread slots in use: fine */
			if (tid < 0 || (r = thread_join(tid, &st)) != tid || st != 0)
				worker_complain(w,
						tid == -ENOEXEC ? "thread_create (the slot race of "
								  "threads/create-race)"
								: "thread_create and join",
						tid < 0 ? tid : st);
			break;
		}
		case 6: {
			struct kstats s;
			if ((r = kstats(&s)) != 0 || s.free_pages == 0)
				worker_complain(w, "stats", r);
			break;
		}
		default: {
			struct wait_event ev;
			if ((r = wait(NULL, 0, &ev, 1, x / 8 % (MS / 2))) != 0)
				worker_complain(w, "wait timeout", r);
			break;
		}
		}
	}
}

static int worker(u64 seed, int iters)
{
	struct worker w[4];
	int tid[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){.rng = seed * 4 + i + 1, .iters = iters, .pid = getpid()};
		tid[i] = i ? thread_create(worker_thread, &w[i]) : 0;
	}
	worker_thread(&w[0]);
	int bad = w[0].bad;
	for (int i = 1; i < 4; i++) {
		if (tid[i] < 0 || thread_join(tid[i], NULL) != tid[i])
			bad++;
		bad += w[i].bad;
	}
	return MIN(bad, 100);
}

/* `args LEN ARG...`: each ARG must be LEN 'x's; exits with argc, or 255. */
static int args(int argc, char **argv)
{
	int len = atoi(argv[3]);
	for (int i = 4; i < argc; i++) {
		if ((int)strlen(argv[i]) != len)
			return 255;
		for (int k = 0; k < len; k++)
			if (argv[i][k] != 'x')
				return 255;
	}
	return argc;
}

/* `countfds`: how many descriptors are open (a 0-byte write is not -EBADF). */
static int countfds(void)
{
	int n = 0;
	for (int fd = 0; fd < 64; fd++)
		n += write(fd, "", 0) != -EBADF;
	return n;
}

/* `chain`: work parked every way on two rings, then block in wait(). */
static void chain(void)
{
	struct ring_hdr *h;
	start("sleep", NULL); /* for the WAITPID */
	int id = ring_create(8, 0, 0, 0, -1, &h);
	if (id < 0)
		exit(1);
	struct sqe *sq = sq_of(h);
	static char buf[64];
	sq[0] = (struct sqe){.opcode = OP_SLEEP, .off = HOUR, .flags = SQE_LINK};
	sq[1] = (struct sqe){.opcode = OP_NOP};
	sq[2] = (struct sqe){.opcode = OP_SLEEP, .off = MS, .flags = SQE_LINK};
	sq[3] = (struct sqe){.opcode = OP_SLEEP, .off = HOUR, .flags = SQE_LINK};
	sq[4] = (struct sqe){.opcode = OP_NOP};
	sq[5] = (struct sqe){.opcode = OP_READ, .fd = 0, .addr = (uptr)buf, .len = sizeof(buf)};
	sq[6] = (struct sqe){.opcode = OP_WAITPID, .off = (u64)-1};
	__atomic_store_n(&h->sq_tail, 7, __ATOMIC_RELEASE);
	ring_enter(id, 7, 0);
	struct wait_item it = {.type = WAIT_RING, .id = 0};
	struct wait_event ev;
	for (;;)
		wait(&it, 1, &ev, 1, -1);
}

/* `backlog`: a CQ of one entry, more completions than fit, nobody reaping. */
static void backlog(void)
{
	struct ring_hdr *h;
	int id = ring_create(64, 1, 0, 0, -1, &h);
	for (int round = 0; id >= 0 && round < 8; round++) {
		unsigned t = h->sq_tail;
		for (int i = 0; i < 8; i++)
			sq_of(h)[(t + i) & h->sq_mask] = (struct sqe){.opcode = OP_NOP};
		__atomic_store_n(&h->sq_tail, t + 8, __ATOMIC_RELEASE);
		ring_enter(id, 8, 0);
	}
	sleep_forever();
}

/* `pollers`: every ring slot a polled ring with a long idle time, each with a sleep parked. */
static void pollers(void)
{
	struct ring_hdr *h;
	unsigned n = ncpus();
	for (int i = 0; i < NRING - 1; i++) {
		unsigned flags = RING_POLL | (i % 2 ? RING_POLL_PIN : 0);
		if (ring_create(8, 0, flags, RING_IDLE_MAX_US, i % n, &h) < 0)
			break;
		sq_of(h)[0] = (struct sqe){.opcode = OP_SLEEP, .off = HOUR};
		__atomic_store_n(&h->sq_tail, 1, __ATOMIC_RELEASE);
	}
	struct wait_item it = {.type = WAIT_RING, .id = 0};
	struct wait_event ev;
	for (;;)
		wait(&it, 1, &ev, 1, -1);
}

/* `pollbusy`: keep a poller busy with NOPs. */
static void pollbusy(void)
{
	ring_poll(RING_IDLE_MAX_US, -1);
	for (;;) {
		struct sqe *e;
		struct cqe c[32];
		while ((e = sq_get()))
			e->opcode = OP_NOP;
		sq_submit();
		cq_reap(c, 32);
	}
}

/* `churn`: threads made and ended as fast as they go. */
static void churn(void)
{
	for (;;) {
		int tid[NTHREAD];
		for (int i = 0; i < NTHREAD - 1; i++)
			tid[i] = thread_create(napper, (void *)0);
		for (int i = 0; i < NTHREAD - 1; i++)
			if (tid[i] >= 0)
				thread_join(tid[i], NULL);
	}
}

/* `ringchurn`: polled and plain rings made and destroyed as fast as they go, on 3 threads. */
static void ringchurn_thread(void *arg)
{
	u64 rng = (uptr)arg + 1;
	for (;;) {
		struct ring_hdr *h;
		bool polled = xorshift(&rng) & 1;
		int id = ring_create(16, 0, polled ? RING_POLL : 0, 100, -1, &h);
		if (id >= 0) {
			ring_push(h, &(struct sqe){.opcode = OP_NOP}, polled);
			ring_destroy(id);
		}
	}
}

static void ringchurn(void)
{
	thread_create(ringchurn_thread, (void *)1);
	thread_create(ringchurn_thread, (void *)2);
	ringchurn_thread((void *)3);
}

/* `spawner`: children made without being reaped, then made and reaped, forever. */
static void spawner(void)
{
	for (int i = 0; i < 8; i++)
		start("exit", "3");
	for (;;) {
		int st, pid = start("exit", "4");
		if (pid > 0)
			waitpid(pid, &st);
	}
}

/* `storm`: one thread interrupts another, which spins with interrupts enabled, nonstop. */
static void storm(void)
{
	thread_create(storm_receiver, NULL);
	thread_create(storm_sender, NULL);
	sleep_forever();
}

/* `orphaner`: children that outlive us, some already exited (zombies), some not yet. */
static int orphaner(void)
{
	for (int i = 0; i < 4; i++)
		start("exit", "0");
	for (int i = 0; i < 4; i++)
		start("nap", "30");
	nap(10 * MS);
	return 0;
}

/* `badthread WHERE`: a thread that starts at a bad user address. */
static char not_code[64];

static void badthread(const char *where)
{
	struct sqe e = {.opcode = OP_THREAD, .addr = UNMAPPED};
	if (strcmp(where, "data") == 0)
		e.addr = (uptr)not_code;
	op(e);
	sleep_forever();
}

/* `pollexit N`: OP_EXIT through a polled ring: the poller ends the process. */
static void pollexit(int status)
{
	struct ring_hdr *h;
	if (ring_create(8, 0, RING_POLL, 0, -1, &h) < 0)
		exit(1);
	ring_push(h, &(struct sqe){.opcode = OP_EXIT, .off = status}, true);
	for (;;)
		nap(10 * MS);
}

/* `user`: as an ordinary user, what is refused (bits of the status say what was not). */
static int user(void)
{
	char *argv[] = {"usertests", "-c", "exit", "0", NULL};
	int bits = 0, st;
	if (spawn(SELF, argv, NULL, 0, -1, 0) != -EPERM)
		bits |= 1;
	if (spawn(SELF, argv, NULL, 0, 0, -1) != -EPERM)
		bits |= 2;
	int pid = spawn(SELF, argv, NULL, 0, -1, -1);
	if (pid < 0 || waitpid(pid, &st) != pid || st != 0)
		bits |= 4;
	if (kill(1) != -EPERM)
		bits |= 8;
	return bits;
}

/* `linkexit`: OP_EXIT as the second entry of a LINK chain. */
static void __attribute__((noreturn)) link_exit(bool later)
{
	struct sqe *e = sq_get();
	e->opcode = later ? OP_SLEEP : OP_NOP;
	e->off = MS;
	e->flags = SQE_LINK;
	e = sq_get();
	e->opcode = OP_EXIT;
	e->off = 7;
	sq_submit();
	for (;;)
		nap(10 * MS);
}

/* A thread whose last act is OP_THREAD_EXIT as the second entry of a LINK chain. */
static void link_thread_exit(void *arg)
{
	struct sqe *e = sq_get();
	e->opcode = arg ? OP_SLEEP : OP_NOP;
	e->off = MS;
	e->flags = SQE_LINK;
	e = sq_get();
	e->opcode = OP_THREAD_EXIT;
	e->off = 5;
	sq_submit();
	for (;;)
		nap(10 * MS);
}

/*
 * `chaindestroy wait|enter`: a LINK chain whose first entry completes
 * later (a sleep) destroys another ring of ours when the chain goes on -
 * which happens inside our next system call: wait() on that very ring,
 * or ring_enter() on it. Both must see that the ring is gone.
 */
static int chain_destroy(bool in_wait)
{
	struct ring_hdr *a, *b;
	int ida = ring_create(8, 0, 0, 0, -1, &a), idb = ring_create(8, 0, 0, 0, -1, &b);
	if (ida < 0 || idb < 0)
		return 100;
	for (int round = 0; round < (in_wait ? 1 : 50); round++) {
		if (round) { /* ring a again, for another try */
			ida = ring_create(8, 0, 0, 0, -1, &a);
			if (ida < 0)
				return 101;
		}
		unsigned t = b->sq_tail;
		sq_of(b)[t & b->sq_mask] =
		    (struct sqe){.opcode = OP_SLEEP, .off = MS, .flags = SQE_LINK};
		sq_of(b)[(t + 1) & b->sq_mask] = (struct sqe){.opcode = OP_RING_DESTROY, .fd = ida};
		__atomic_store_n(&b->sq_tail, t + 2, __ATOMIC_RELEASE);
		if (ring_enter(idb, 2, 0) != 2)
			return 102;
		if (in_wait) {
			struct wait_item it = {.type = WAIT_RING, .id = ida};
			struct wait_event ev;
			wait(&it, 1, &ev, 1, 500 * MS);
		} else {
			while (ring_enter(ida, 0, 0) >= 0)
				;
		}
		/* reap b's two completions */
		struct cqe c;
		for (int k = 0; k < 2; k++)
			if (!ring_pop(b, &c, 30 * SECOND)) /* hang-only, on a busy host */
				return 103;
	}
	return 0;
}

/*
 * `pinshoot N`: one thread destroys polled rings whose poller is pinned
 * to a CPU while another thread keeps unmapping memory of the same
 * process (ring create and destroy: TLB shootdowns), N rounds.
 */
static volatile int shoot_stop;

static void shooter(void *arg)
{
	(void)arg;
	while (!shoot_stop) {
		int id = ring_create(64, 0, 0, 0, -1, NULL);
		if (id > 0)
			ring_destroy(id);
	}
}

static int pin_shoot(int rounds)
{
	unsigned n = ncpus();
	int tid = thread_create(shooter, NULL);
	for (int i = 0; i < rounds; i++) {
		struct ring_hdr *h;
		int id = ring_create(8, 0, RING_POLL | RING_POLL_PIN, 0, i % n, &h);
		if (id < 0)
			return 100;
		ring_op(h, (struct sqe){.opcode = OP_NOP}, true);
		ring_destroy(id);
	}
	shoot_stop = 1;
	thread_join(tid, NULL);
	return 0;
}

/*
 * `pipeundo N`: OP_PIPE with a bad address N times (the kernel makes both
 * descriptors, fails to copy their numbers out, and takes them back)
 * while another thread keeps closing the descriptors it would get.
 */
static volatile int undo_stop;

static void undo_closer(void *arg)
{
	(void)arg;
	while (!undo_stop)
		for (int fd = 3; fd < 7; fd++)
			op((struct sqe){.opcode = OP_CLOSE, .fd = fd});
}

static int pipe_undo(int n)
{
	int tid = thread_create(undo_closer, NULL), bad = 0;
	for (int i = 0; i < n; i++) {
		long r = op((struct sqe){
		    .opcode = OP_PIPE, .off = i % 2 ? PIPE_KERNEL : 0, .addr = (uptr)check});
		bad += r != -EFAULT;
	}
	undo_stop = 1;
	thread_join(tid, NULL);
	return bad ? 1 : 0;
}

/*
 * `waitclose N`: a second thread makes and closes N kernel pipes, which
 * get descriptors 3 and 4, while the first thread calls wait() for
 * WAIT_READ on 3 and 4 (all WAIT_MAX_ITEMS items, in turn) over and over
 * with a short timeout, until the second is done. A kernel pipe's close
 * takes sched_lock, which wait() holds while it looks at the items.
 * wait() may only say how many are ready, 0, or -EBADF (a descriptor
 * closed before it looked). Returns 0, 1 if it said anything else, 2 if
 * it never found both descriptors open (the race was never run).
 */
static volatile int waitclose_done, waitclose_seen;

static void waitclose_maker(void *arg)
{
	int fds[2];
	u64 seed = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < (int)(uptr)arg; i++) {
		if (op((struct sqe){.opcode = OP_PIPE, .off = PIPE_KERNEL, .addr = (uptr)fds}) != 0)
			continue;
		/* a while open, for a while of any length: the close then lands
		   anywhere in the other thread's wait(), not always just after
		   this thread's last trip through the kernel */
		for (volatile unsigned k = xorshift(&seed) % 2048; k; k--)
			;
		/* the first pipe stays open until the waiter has seen it: on
		   one CPU the spin above may never overlap its time slices, and
		   a run that never found the descriptors open proves nothing
		   (1 ms sleeps, for a minute at most: only a hang waits that long) */
		for (int w = 0; i == 0 && !waitclose_seen && w < 60000; w++)
			op((struct sqe){.opcode = OP_SLEEP, .off = 1000000});
		op((struct sqe){.opcode = OP_CLOSE, .fd = fds[0]});
		op((struct sqe){.opcode = OP_CLOSE, .fd = fds[1]});
	}
	waitclose_done = 1;
}

static int wait_close(int n)
{
	static struct wait_item it[WAIT_MAX_ITEMS];
	static struct wait_event ev[WAIT_MAX_ITEMS];
	for (int i = 0; i < WAIT_MAX_ITEMS; i++) /* each looked at in turn: a wider window */
		it[i] = (struct wait_item){.type = WAIT_READ, .id = 3 + i % 2};
	int tid = thread_create(waitclose_maker, (void *)(uptr)n), bad = 0, looked = 0;
	while (!waitclose_done) {
		long r = wait(it, WAIT_MAX_ITEMS, ev, WAIT_MAX_ITEMS, MS);
		bad += r != -EBADF && (r < 0 || r > WAIT_MAX_ITEMS);
		looked += r > 0;
		waitclose_seen = looked > 0;
	}
	thread_join(tid, NULL);
	return bad ? 1 : looked ? 0 : 2; /* 2: it never found the descriptors open */
}

/*
 * Two threads in lock-step each make a hardware pipe and attach its read
 * end (OP_PIPE_ATTACH maps the pipe's region into the process), then
 * close both ends. Counts the attaches that failed.
 */
static int attach_fail, attach_arrived;

static void attach_racer(void *arg)
{
	for (int i = 1; i <= (int)(uptr)arg; i++) {
		__atomic_add_fetch(&attach_arrived, 1, __ATOMIC_ACQ_REL);
		while (__atomic_load_n(&attach_arrived, __ATOMIC_ACQUIRE) < 2 * i)
			;
		int fds[2];
		struct pipe_attach pa;
		if (op((struct sqe){.opcode = OP_PIPE, .addr = (uptr)fds}) != 0) {
			__atomic_add_fetch(&attach_fail, 1, __ATOMIC_RELAXED);
			continue;
		}
		struct sqe e = {.opcode = OP_PIPE_ATTACH, .fd = fds[0], .addr = (uptr)&pa};
		e.arg[0] = (uptr)uintr_entry;
		if (op(e) != 0)
			__atomic_add_fetch(&attach_fail, 1, __ATOMIC_RELAXED);
		op((struct sqe){.opcode = OP_CLOSE, .fd = fds[0]});
		op((struct sqe){.opcode = OP_CLOSE, .fd = fds[1]});
	}
}

/*
 * `usertests -c fill rings|pipes`: make rings (besides the first) or
 * pipes (kernel and hardware in turn) until the kernel refuses; write
 * {how many, the error} to descriptor 1 and sleep, holding them.
 */
static void fill(const char *what)
{
	int rec[2] = {0, 0}, fds[2];
	struct ring_hdr *h;
	for (;;) {
		long r = what[0] == 'r' ? ring_create(4, 0, 0, 0, -1, &h)
			 : rec[0] % 2	? pipe_kernel(fds)
					: pipe(fds);
		if (r < 0) {
			rec[1] = (int)r;
			break;
		}
		rec[0]++;
	}
	write(1, rec, sizeof(rec));
	sleep_forever();
}

static int uintr_parent(void);

static int helper(int argc, char **argv)
{
	const char *m = argv[2], *a = argc > 3 ? argv[3] : "0";
	if (!strcmp(m, "exit"))
		return atoi(a);
	if (!strcmp(m, "nap")) {
		nap(atoi(a) * MS);
		return 0;
	}
	if (!strcmp(m, "sleep"))
		sleep_forever();
	if (!strcmp(m, "spin"))
		spin_forever(NULL);
	if (!strcmp(m, "spinall")) {
		for (int i = 0; i < NTHREAD - 1; i++)
			thread_create(spin_forever, NULL);
		spin_forever(NULL);
	}
	if (!strcmp(m, "read")) {
		char buf[64];
		for (;;)
			read(0, buf, sizeof(buf));
	}
	if (!strcmp(m, "join")) {
		thread_join(thread_create(sleeper, NULL), NULL);
		return 1;
	}
	if (!strcmp(m, "waitpid")) {
		waitpid(start("sleep", NULL), NULL);
		return 1;
	}
	if (!strcmp(m, "wait")) {
		struct wait_item it = {.type = WAIT_RING, .id = 0};
		struct wait_event ev;
		for (;;)
			wait(&it, 1, &ev, 1, -1);
	}
	if (!strcmp(m, "fdwait")) { /* in wait() on descriptor 0, no timeout: 1 once readable */
		struct wait_item it = {.type = WAIT_READ, .id = 0};
		struct wait_event ev;
		return (int)wait(&it, 1, &ev, 1, -1);
	}
	if (!strcmp(m, "uwait")) {
		static char stack[4096] __attribute__((aligned(16)));
		uintr_register_handler(storm_handler, stack, sizeof(stack));
		uintr_enable();
		struct wait_item it = {.type = WAIT_UINTR};
		struct wait_event ev;
		for (;;)
			wait(&it, 1, &ev, 1, -1);
	}
	if (!strcmp(m, "chain"))
		chain();
	if (!strcmp(m, "backlog"))
		backlog();
	if (!strcmp(m, "pollers"))
		pollers();
	if (!strcmp(m, "pollbusy"))
		pollbusy();
	if (!strcmp(m, "churn"))
		churn();
	if (!strcmp(m, "ringchurn"))
		ringchurn();
	if (!strcmp(m, "spawner"))
		spawner();
	if (!strcmp(m, "storm"))
		storm();
	if (!strcmp(m, "hog") || !strcmp(m, "userhog"))
		hog(m[0] == 'u');
	if (!strcmp(m, "threads")) { /* as many threads as fit, all asleep */
		while (thread_create(sleeper, NULL) >= 0)
			;
		sleep_forever();
	}
	if (!strcmp(m, "fill"))
		fill(a);
	if (!strcmp(m, "orphaner"))
		return orphaner();
	if (!strcmp(m, "badthread"))
		badthread(a);
	if (!strcmp(m, "mainexit")) {
		mainexit_tid0 = getpid(); /* the first thread's tid is the pid */
		thread_create(main_joiner, NULL);
		thread_exit(41);
	}
	if (!strcmp(m, "exitrace") || !strcmp(m, "threadexits")) {
		bool whole = m[0] == 'e';
		for (int i = 1; i < 6; i++)
			thread_create(whole ? exit_racer : thread_exiter, (void *)(uptr)(10 + i));
		nap(5 * MS);
		go = 1;
		if (whole)
			exit(10);
		thread_exit(10);
	}
	if (!strcmp(m, "killself")) {
		kill(getpid());
		spin_forever(NULL);
	}
	if (!strcmp(m, "pollexit"))
		pollexit(atoi(a));
	if (!strcmp(m, "linkexit"))
		link_exit(a[0] == '1');
	if (!strcmp(m, "linkthreadexit")) {
		int st = -1, tid = thread_create(link_thread_exit, (void *)(uptr)(a[0] == '1'));
		return thread_join(tid, &st) == tid ? st : 1;
	}
	if (!strcmp(m, "kpread") || !strcmp(m, "hpread")) { /* blocked reading an empty pipe */
		int fds[2];
		static char buf[64];
		if ((m[0] == 'k' ? pipe_kernel(fds) : pipe(fds)) < 0)
			return 1;
		for (;;)
			read(fds[0], buf, sizeof(buf));
	}
	if (!strcmp(m, "kpwrite") || !strcmp(m, "hpwrite")) { /* blocked writing a full one */
		int fds[2];
		static char buf[4096];
		if ((m[0] == 'k' ? pipe_kernel(fds) : pipe(fds)) < 0)
			return 1;
		for (;;)
			write(fds[1], buf, sizeof(buf));
	}
	if (!strcmp(m, "attachrace")) {
		int rounds = atoi(a), tid = thread_create(attach_racer, (void *)(uptr)rounds);
		attach_racer((void *)(uptr)rounds);
		thread_join(tid, NULL);
		return MIN(attach_fail, 100);
	}
	if (!strcmp(m, "pipeundo"))
		return pipe_undo(atoi(a));
	if (!strcmp(m, "waitclose"))
		return wait_close(atoi(a));
	if (!strcmp(m, "pinshoot"))
		return pin_shoot(atoi(a));
	if (!strcmp(m, "chaindestroy"))
		return chain_destroy(a[0] == 'w');
	if (!strcmp(m, "uintr-parent"))
		return uintr_parent();
	if (!strcmp(m, "uintr-send"))
		return uintr_sender(atoi(a));
	if (!strcmp(m, "worker"))
		return worker(atoi(a), atoi(argv[4]));
	if (!strcmp(m, "args"))
		return args(argc, argv);
	if (!strcmp(m, "countfds"))
		return countfds();
	if (!strcmp(m, "user"))
		return user();
	fprintf(2, "usertests: no helper mode %s\n", m);
	return 254;
}

/* ===========================================================================
 * The tests. Each runs in a process of its own (run_test) and checks with
 * check()/check_eq(); the driver then checks that nothing leaked.
 * ======================================================================== */

static void quick_thread(void *arg)
{
	(void)arg;
}

/* ---- threads: bad program counters and tids, odd ways to end --------------- */

static int race_enoexec, race_other, race_made, race_arrived;

/* Make and join threads in lock-step with another thread doing the same. */
static void race_maker(void *arg)
{
	for (int i = 1; i <= (int)(uptr)arg; i++) {
		__atomic_add_fetch(&race_arrived, 1, __ATOMIC_ACQ_REL);
		while (__atomic_load_n(&race_arrived, __ATOMIC_ACQUIRE) < 2 * i)
			;
		int tid = thread_create(quick_thread, NULL);
		if (tid > 0 && thread_join(tid, NULL) == tid)
			__atomic_add_fetch(&race_made, 1, __ATOMIC_RELAXED);
		else if (tid == -ENOEXEC)
			__atomic_add_fetch(&race_enoexec, 1, __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(&race_other, 1, __ATOMIC_RELAXED);
	}
}

static void t_threads(void)
{
	check_eq("pc-kernel", op((struct sqe){.opcode = OP_THREAD, .addr = KADDR}), -EFAULT);
	check_eq("pc-noncanonical", op((struct sqe){.opcode = OP_THREAD, .addr = NONCANON}),
		 -EFAULT);
	check_eq("pc-all-ones", op((struct sqe){.opcode = OP_THREAD, .addr = ~0ull}), -EFAULT);

	const s64 tids[] = {-1, 0, 1 /* init: not one of ours */, 1ll << 40, -(1ll << 40)};
	for (unsigned i = 0; i < ARRAY_SIZE(tids); i++) {
		char name[32];
		snprintf(name, sizeof(name), "join-tid-%s%llu", tids[i] < 0 ? "minus-" : "",
			 (unsigned long long)(tids[i] < 0 ? -tids[i] : tids[i]));
		check_eq(name, op((struct sqe){.opcode = OP_THREAD_JOIN, .off = (u64)tids[i]}),
			 -ESRCH);
	}

	/* a thread started at an address that is no code: its process dies, no one else */
	check_eq("thread-at-unmapped", finish(start("badthread", "unmapped"), 10 * SECOND),
		 STATUS_FAULT);
	check_eq("thread-at-data", finish(start("badthread", "data"), 10 * SECOND), STATUS_FAULT);

	/* the first thread ends before the other: the process goes on, and the
	   other can join it (its tid is the pid) */
	check_eq("first-thread-ends-first", finish(start("mainexit", NULL), 10 * SECOND), 42);

	/* every thread ends the process at once, or ends itself at once */
	for (int i = 0; i < (full ? 20 : 5); i++) {
		int st = finish(start("exitrace", NULL), 10 * SECOND);
		if (st < 10 || st > 15) {
			check("exit-race", false, "round %d: status %s, want 10..15", i, show(st));
			break;
		}
		st = finish(start("threadexits", NULL), 10 * SECOND);
		if (st < 10 || st > 15) {
			check("thread-exit-race", false, "round %d: status %s, want 10..15", i,
			      show(st));
			break;
		}
		if (i == (full ? 19 : 4)) {
			check("exit-race", true, "-");
			check("thread-exit-race", true, "-");
		}
	}

	/* two threads join one: exactly one of them gets it */
	victim_tid = thread_create(napper, (void *)(uptr)(30 * MS));
	second_join[0] = second_join[1] = 0;
	int a = thread_create(joiner, (void *)0), b = thread_create(joiner, (void *)1);
	int got = 0;
	for (u64 end = now_ns() + 10 * SECOND; !got && now_ns() < end;) {
		nap(10 * MS);
		got = (second_join[0] == victim_tid) + (second_join[1] == victim_tid);
	}
	nap(100 * MS); /* time for a second one, which must not come */
	got = (second_join[0] == victim_tid) + (second_join[1] == victim_tid);
	check("join-twice", got == 1, "%d of the two joins got tid %d (results %d, %d)", got,
	      victim_tid, second_join[0], second_join[1]);
	/* the other join never ends (the kernel completes only the oldest join on a
	   thread); the process's exit ends it. The joiner that got it can be joined. */
	int st = -1;
	if (second_join[0] == victim_tid)
		check_eq("join-the-joiner", thread_join(a, &st), a);
	else if (second_join[1] == victim_tid)
		check_eq("join-the-joiner", thread_join(b, &st), b);

	/*
	 * Two threads make threads at the same moment, again and again.
	 * KERNEL BUG (reported): thread_new() in kernel/proc.c picks a free
	 * slot under sched_lock but claims it only in thread_go(), so two
	 * OP_THREADs at once can pick the same slot; the second then finds
	 * the first's stack mapped (-EEXIST) and fails with -ENOEXEC although
	 * other slots are free.
	 */
	int rounds = full ? 400 : 40;
	race_enoexec = race_other = race_made = race_arrived = 0;
	int maker = thread_create(race_maker, (void *)(uptr)rounds);
	if (maker > 0) {
		race_maker((void *)(uptr)rounds);
		thread_join(maker, NULL);
	}
	check("create-race", maker > 0 && race_enoexec == 0 && race_other == 0,
	      "KERNEL BUG: %d of %d thread_create from 2 threads at once gave -ENOEXEC (%d "
	      "other errors): both took one slot (proc.c thread_new)",
	      race_enoexec, 2 * rounds, race_other);

	/* threads made and joined through a polled ring: the poller runs OP_THREAD */
	struct ring_hdr *h;
	int id = ring_create(8, 0, RING_POLL, 0, -1, &h);
	check("poll-ring", id > 0, "ring_create: %s", show(id));
	if (id > 0) {
		struct sqe e = {.opcode = OP_THREAD, .addr = (uptr)_thread_start};
		e.arg[0] = (uptr)quick_thread;
		long tid = ring_op(h, e, true);
		check("thread-from-poller", tid > 0, "OP_THREAD through a polled ring: %s",
		      show(tid));
		if (tid > 0)
			check_eq(
			    "join-from-poller",
			    ring_op(h, (struct sqe){.opcode = OP_THREAD_JOIN, .off = tid}, true),
			    tid);
		check_eq("thread-exit-from-poller",
			 ring_op(h, (struct sqe){.opcode = OP_THREAD_EXIT}, true), -EINVAL);
		check_eq("poll-ring-destroy", ring_destroy(id), 0);
	}
}

static volatile int other_id = -1, other_done;

static void other_ring(void *arg)
{
	(void)arg;
	int id = ring_create(4, 0, 0, 0, -1, NULL);
	other_id = id < 0 ? 0 : id;
	while (!other_done)
		nap(MS);
	if (id > 0)
		ring_destroy(id);
}

/* ---- rings: sizes at the limits, addresses, destroy from the wrong place ---- */

static void t_rings(void)
{
	struct ring_hdr *h;
	check_eq("addr-readonly",
		 op((struct sqe){.opcode = OP_RING_CREATE, .off = 8, .addr = (uptr)check}),
		 -EFAULT);
	int id = ring_create(4, 0, 0, 0, -1, &h);
	check_eq("addr-readonly-left-nothing", id, 1); /* the failed ring's slot is free */
	if (id > 0)
		ring_destroy(id);
	check_eq("size-2^32+8", op((struct sqe){.opcode = OP_RING_CREATE, .off = (1ull << 32) | 8}),
		 -EINVAL);
	check_eq("size-max-cq-default", ring_create(RING_MAX, 0, 0, 0, -1, &h), -EINVAL);

	/* the biggest ring there is, and the smallest */
	id = ring_create(RING_MAX, RING_MAX, 0, 0, -1, &h);
	check("size-max", id > 0, "ring_create(RING_MAX, RING_MAX): %s", show(id));
	if (id > 0) {
		check_eq("size-max-nop", ring_op(h, (struct sqe){.opcode = OP_NOP}, false), 0);
		check_eq("size-max-destroy", ring_destroy(id), 0);
	}
	id = ring_create(1, 1, 0, 0, -1, &h);
	check("size-1", id > 0, "ring_create(1, 1): %s", show(id));
	if (id > 0) {
		check_eq("size-1-nop", ring_op(h, (struct sqe){.opcode = OP_NOP}, false), 0);
		/* three NOPs into a CQ of one: one fits, the next waits in the
		   backlog, and the kernel takes no more until we reap */
		long r[3];
		for (int i = 0; i < 3; i++) {
			unsigned t = h->sq_tail;
			sq_of(h)[0] = (struct sqe){.opcode = OP_NOP, .user_data = 50 + i};
			__atomic_store_n(&h->sq_tail, t + 1, __ATOMIC_RELEASE);
			r[i] = ring_enter(id, 1, 0);
		}
		check("size-1-backlog",
		      r[0] == 1 && r[1] == 1 && r[2] == -EBUSY &&
			  (h->sq_flags & RING_CQ_OVERFLOW) && h->cq_overflow == 1,
		      "ring_enter gave %ld %ld %ld, sq_flags %x, cq_overflow %u", r[0], r[1], r[2],
		      h->sq_flags, h->cq_overflow);
		struct cqe c[3];
		bool all = ring_pop(h, &c[0], SECOND) && ring_pop(h, &c[1], SECOND) &&
			   (ring_enter(id, 1, 0) == 1) && ring_pop(h, &c[2], SECOND);
		check("size-1-drained",
		      all && c[0].user_data == 50 && c[1].user_data == 51 && c[2].user_data == 52,
		      "completions %s: user_data %llu %llu %llu", all ? "all there" : "missing",
		      c[0].user_data, c[1].user_data, c[2].user_data);
		check_eq("size-1-destroy", ring_destroy(id), 0);
	}

	/* destroy from the wrong place */
	id = ring_create(8, 2, 0, 0, -1, &h);
	if (id > 0) {
		check_eq("destroy-self",
			 ring_op(h, (struct sqe){.opcode = OP_RING_DESTROY, .fd = id}, false),
			 -EBUSY);
		check_eq("destroy-first-from-other",
			 ring_op(h, (struct sqe){.opcode = OP_RING_DESTROY, .fd = 0}, false),
			 -EBUSY);
		check_eq("enter-wakeup-unpolled", ring_enter(id, 0, RING_ENTER_WAKEUP), 0);
		/* with parked sleeps with chains behind them, a full CQ, a backlog,
		   and an entry left in the SQ */
		for (int i = 0; i < 8; i++)
			sq_of(h)[i] = (struct sqe){.opcode = OP_NOP};
		sq_of(h)[0] = (struct sqe){.opcode = OP_SLEEP, .off = HOUR, .flags = SQE_LINK};
		sq_of(h)[2] = (struct sqe){.opcode = OP_SLEEP, .off = HOUR, .flags = SQE_LINK};
		unsigned t = h->sq_tail;
		__atomic_store_n(&h->sq_tail, t + 8, __ATOMIC_RELEASE);
		long r = ring_enter(id, 8, 0);
		check("busy-enter", r > 0, "ring_enter: %s", show(r));
		check_eq("destroy-busy", ring_destroy(id), 0);
		check_eq("destroy-twice", ring_destroy(id), -EBADF);
	}

	/* a ring id that exists, but in another thread: not ours to use */
	other_id = -1;
	other_done = 0;
	int tid = thread_create(other_ring, NULL);
	while (tid > 0 && other_id < 0)
		nap(MS);
	if (tid > 0 && other_id > 0) {
		struct wait_item it = {.type = WAIT_RING, .id = other_id};
		struct wait_event ev;
		check_eq("wait-other-threads-ring", wait(&it, 1, &ev, 1, 0), -EBADF);
		check_eq("enter-other-threads-ring", ring_enter(other_id, 0, 0), -EBADF);
		check_eq("destroy-other-threads-ring", ring_destroy(other_id), -EBADF);
	}
	other_done = 1;
	if (tid > 0)
		thread_join(tid, NULL);
}

/* ---- polled rings: from the poller, refusals; pinned; backlog; sleep ---- */

static void t_poll(void)
{
	struct ring_hdr *h;
	int id = ring_create(8, 1, RING_POLL, 0, -1, &h);
	check("create", id > 0, "%s", show(id));
	if (id <= 0)
		return;
	check_eq("ring-create-from-poller",
		 ring_op(h, (struct sqe){.opcode = OP_RING_CREATE, .off = 8}, true), -EINVAL);
	check_eq("ring-destroy-from-poller",
		 ring_op(h, (struct sqe){.opcode = OP_RING_DESTROY, .fd = id}, true), -EINVAL);
	static const u8 uops[] = {OP_UINTR_REGISTER_HANDLER, OP_UINTR_UNREGISTER_HANDLER,
				  OP_UINTR_CREATE_VECTOR, OP_UINTR_REGISTER_SENDER,
				  OP_UINTR_UNREGISTER_SENDER};
	int bad = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(uops); i++) {
		struct sqe e = {.opcode = uops[i], .addr = (uptr)uintr_entry};
		long r = ring_op(h, e, true);
		if (r != -EINVAL && bad++ == 0)
			check("uintr-from-poller", false, "opcode %d gave %s, want -EINVAL",
			      uops[i], show(r));
	}
	if (!bad)
		check("uintr-from-poller", true, "-");
	check_eq("getpid-from-poller", ring_op(h, (struct sqe){.opcode = OP_GETPID}, true),
		 getpid());

	/* a CQ of one: the poller stops taking entries while its backlog is not empty */
	struct sqe *sq = sq_of(h);
	unsigned t = h->sq_tail;
	for (int i = 0; i < 8; i++)
		sq[(t + i) & h->sq_mask] = (struct sqe){.opcode = OP_NOP, .user_data = 100 + i};
	__atomic_store_n(&h->sq_tail, t + 8, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (h->sq_flags & RING_NEED_WAKEUP)
		ring_enter(id, 0, RING_ENTER_WAKEUP);
	u64 end = now_ns() + 30 * SECOND; /* hang-only, on a busy host */
	while (!(__atomic_load_n(&h->sq_flags, __ATOMIC_ACQUIRE) & RING_CQ_OVERFLOW) &&
	       now_ns() < end)
		nap(MS);
	unsigned taken = __atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE) - t;
	check("backlog-stops-poller", (h->sq_flags & RING_CQ_OVERFLOW) && taken >= 2 && taken < 8,
	      "sq_flags %x, %u of 8 taken", h->sq_flags, taken);
	unsigned seen = 0, n = 0;
	struct cqe c;
	while (n < 8 && ring_pop(h, &c, 30 * SECOND)) {
		if (c.user_data >= 100 && c.user_data < 108 && c.res == 0)
			seen |= 1u << (c.user_data - 100);
		n++;
	}
	check("backlog-all-once", n == 8 && seen == 0xff, "%u completions, mask %x", n, seen);
	check_eq("destroy", ring_destroy(id), 0);

	/* a poller on each CPU, pinned */
	unsigned cpus = ncpus();
	int ids[NRING];
	bad = 0;
	for (unsigned cpu = 0; cpu < cpus && cpu < NRING - 1; cpu++) {
		ids[cpu] = ring_create(8, 0, RING_POLL | RING_POLL_PIN, 0, cpu, &h);
		long r = ids[cpu] < 0 ? ids[cpu] : ring_op(h, (struct sqe){.opcode = OP_NOP}, true);
		if (r != 0 && bad++ == 0)
			check("pinned", false, "cpu %u: %s", cpu, show(r));
	}
	for (unsigned cpu = 0; cpu < cpus && cpu < NRING - 1; cpu++)
		if (ids[cpu] > 0)
			ring_destroy(ids[cpu]);
	if (!bad)
		check("pinned", true, "-");
	check_eq("pin-bad-cpu", ring_create(8, 0, RING_POLL | RING_POLL_PIN, 0, cpus, &h), -EINVAL);

	/* every slot a polled ring, all destroyed while asleep (NEED_WAKEUP) */
	int made = 0;
	for (int i = 0; i < NRING - 1; i++)
		if ((ids[made] = ring_create(4, 0, RING_POLL, 100, -1, &h)) > 0)
			made++;
	check_eq("all-slots-polled", made, NRING - 1);
	check_eq("slots-full", ring_create(4, 0, RING_POLL, 100, -1, NULL), -EMFILE);
	end = now_ns() + 2 * SECOND;
	while (!(__atomic_load_n(&h->sq_flags, __ATOMIC_ACQUIRE) & RING_NEED_WAKEUP) &&
	       now_ns() < end)
		nap(MS);
	bad = 0;
	for (int i = 0; i < made; i++)
		bad += ring_destroy(ids[i]) != 0;
	check_eq("destroy-asleep", bad, 0);
}

/* ---- user interrupts: bad handlers, vectors, descriptors, indexes ---------- */

static volatile int recv_fd = -1;

/* Receive on vector 6 until the first interrupt arrives, then end. */
static void short_receiver(void *arg)
{
	(void)arg;
	uintr_register_handler(storm_handler, NULL, 0);
	recv_fd = uintr_create_vector(6);
	uintr_enable();
	struct wait_item it = {.type = WAIT_UINTR};
	struct wait_event ev;
	u64 end = now_ns() + 10 * SECOND;
	while (!storm_count && now_ns() < end)
		wait(&it, 1, &ev, 1, 100 * MS);
}

/* `uintr-parent`: a receiver process that ends right after starting its sender. */
static int uintr_parent(void)
{
	static char stack[4096] __attribute__((aligned(16)));
	if (uintr_register_handler(storm_handler, stack, sizeof(stack)) < 0)
		return 1;
	int fd = uintr_create_vector(9);
	int fds[] = {-1, -1, 2, fd};
	return start_as("uintr-send", "30", fds, 4, -1) > 0 ? 0 : 2;
}

/* Wait until no process of ours is left under init (orphans), killing them. */
static bool end_orphans(u64 timeout, bool kill_them)
{
	u64 end = now_ns() + timeout;
	for (;;) {
		int n = ps(pbuf, PS_MAX), left = 0;
		for (int i = 0; i < n; i++) {
			if (pbuf[i].ppid == 1 && strcmp(pbuf[i].name, "usertests") == 0) {
				left++;
				if (kill_them)
					kill(pbuf[i].pid);
			}
		}
		if (!left)
			return true;
		if (now_ns() >= end)
			return false;
		nap(5 * MS);
	}
}

static void t_uintr(void)
{
	static char stack[4096] __attribute__((aligned(16)));
	struct sqe e = {.opcode = OP_UINTR_REGISTER_HANDLER};
	check_eq("handler-null", op(e), -EINVAL);
	e.addr = KADDR;
	check_eq("handler-kernel", op(e), -EINVAL);
	e.addr = NONCANON;
	check_eq("handler-noncanonical", op(e), -EINVAL);
	e.addr = (uptr)uintr_entry;
	e.arg[0] = KADDR;
	check_eq("stack-kernel", op(e), -EINVAL);
	check_eq("unregister-none", uintr_unregister_handler(), -EINVAL);
	check_eq("vector-without-handler", uintr_create_vector(1), -EINVAL);
	check_eq("register", uintr_register_handler(storm_handler, stack, sizeof(stack)), 0);
	check_eq("register-again", uintr_register_handler(storm_handler, stack, sizeof(stack)), 0);
	check_eq("vector-64", uintr_create_vector(UINTR_NVEC), -EINVAL);
	check_eq("vector-huge",
		 op((struct sqe){.opcode = OP_UINTR_CREATE_VECTOR, .off = 1ull << 40}), -EINVAL);
	check_eq("sender-fd-minus-1", uintr_register_sender(-1), -EBADF);
	check_eq("sender-fd-closed", uintr_register_sender(30), -EBADF);
	check_eq("sender-fd-huge", uintr_register_sender(1 << 20), -EBADF);
	check_eq("unregister-sender-minus-1", uintr_unregister_sender(-1), -EINVAL);
	check_eq("unregister-sender-64", uintr_unregister_sender(UINTR_NSEND), -EINVAL);
	check_eq("unregister-sender-never", uintr_unregister_sender(5), -EINVAL);

	int fd = uintr_create_vector(2);
	char buf[8];
	check("vector-fd", fd >= 3, "%s", show(fd));
	check_eq("vector-read", read(fd, buf, sizeof(buf)), -EINVAL);
	check_eq("vector-write", write(fd, buf, sizeof(buf)), -EINVAL);
	struct wait_item it = {.type = WAIT_READ, .id = fd};
	struct wait_event ev;
	check_eq("vector-wait-read", wait(&it, 1, &ev, 1, 0), 0);
	it = (struct wait_item){.type = WAIT_UINTR, .id = 1};
	check_eq("wait-uintr-id-1", wait(&it, 1, &ev, 1, 0), -EINVAL);

	/* the sender entry keeps the receiver after its descriptor is closed */
	int i = uintr_register_sender(fd);
	check("sender", i >= 0, "%s", show(i));
	check_eq("close-vector", close(fd), 0);
	check_eq("close-vector-again", close(fd), -EBADF);
	check_eq("sender-closed-fd", uintr_register_sender(fd), -EBADF);
	storm_count = 0;
	uintr_enable();
	if (i >= 0)
		uintr_send(i);
	check_eq("send-after-close", storm_count, 1);

	/* after unregistering, sends go nowhere and new senders are refused */
	int fd2 = uintr_create_vector(3);
	check_eq("unregister", uintr_unregister_handler(), 0);
	if (i >= 0)
		uintr_send(i);
	check_eq("send-after-unregister", storm_count, 1);
	check_eq("sender-after-unregister", uintr_register_sender(fd2), -ESRCH);
	check_eq("unregister-again", uintr_unregister_handler(), -EINVAL);
	close(fd2);
	if (i >= 0)
		check_eq("unregister-sender", uintr_unregister_sender(i), 0);

	/* a receiver thread ends while another process sends to it */
	storm_count = 0;
	recv_fd = -1;
	int tid = thread_create(short_receiver, NULL);
	while (recv_fd == -1)
		nap(MS);
	int fds[] = {0, 1, 2, recv_fd};
	int pid = start_as("uintr-send", "30", fds, 4, -1);
	check_eq("receiver-thread-gone", thread_join(tid, NULL), tid);
	check_eq("sender-outlives-receiver", finish(pid, 20 * SECOND), 0);
	close(recv_fd);

	/* a receiver process ends right after starting its sender (an orphan then) */
	check_eq("receiver-process-gone", finish(start("uintr-parent", NULL), 10 * SECOND), 0);
	check("orphan-sender-ends", end_orphans(20 * SECOND, false),
	      "the orphaned sender is still there after 20 s");
}

/* ---- spawn: paths, argv, the descriptor map, credentials ------------------- */

/* Spawn with argc args of len 'x's each (after "usertests -c args LEN"). */
static int spawn_args(int nargs, int len)
{
	static char *argv[MAXARGV + 8];
	static char str[ARGBYTES + 1], lenstr[16];
	snprintf(lenstr, sizeof(lenstr), "%d", len);
	memset(str, 'x', len);
	str[len] = '\0';
	argv[0] = "usertests";
	argv[1] = "-c";
	argv[2] = "args";
	argv[3] = lenstr;
	for (int i = 0; i < nargs && i < MAXARGV + 3; i++)
		argv[4 + i] = str;
	argv[4 + MIN(nargs, MAXARGV + 3)] = NULL;
	return spawn(SELF, argv, NULL, 0, -1, -1);
}

static void t_spawn(void)
{
	char *argv[] = {"usertests", "-c", "exit", "7", NULL};
	struct spawn_args a = {.path = (uptr)SELF, .argv = (uptr)argv, .uid = -1, .gid = -1};
	struct sqe e = {.opcode = OP_SPAWN, .addr = (uptr)&a, .len = sizeof(a)};
	check_eq("raw", finish(op(e), 10 * SECOND), 7);
	a.flags = 1;
	check_eq("flags", op(e), -EINVAL);
	a.flags = 0;
	a.nfds = 1000;
	check_eq("nfds-huge", op(e), -EINVAL);
	a.nfds = 0;
	e.len = sizeof(a) + 1;
	check_eq("len-long", op(e), -EINVAL);
	e.len = sizeof(a);

	check_eq("path-empty", spawn("", argv, NULL, 0, -1, -1), -ENOENT);
	/* a directory is no program: the file server's mode says so, as on Unix */
	check_eq("path-dir", spawn("/bin/", argv, NULL, 0, -1, -1), -EACCES);
	static char path[100];
	memset(path, 'a', sizeof(path) - 1);
	for (int i = 0; i < 63; i += 8)
		path[i] = '/'; /* names the file server takes, none there */
	path[63] = '\0';
	check_eq("path-63", spawn(path, argv, NULL, 0, -1, -1), -ENOENT);
	path[63] = 'a';
	check_eq("path-too-long", spawn(path, argv, NULL, 0, -1, -1), -ENAMETOOLONG);
	check_eq("path-kernel", spawn((char *)KADDR, argv, NULL, 0, -1, -1), -EFAULT);

	/* strings and structures that run into the unmapped page after the program */
	char *end = edge();
	if (end - _end >= 64) {
		memcpy(end - 4, "/bin", 4); /* no NUL before the edge */
		check_eq("path-edge", spawn(end - 4, argv, NULL, 0, -1, -1), -EFAULT);
		char *edgeargv[] = {"usertests", "-c", "exit", end - 3, NULL};
		memcpy(end - 3, "123", 3);
		check_eq("argstr-edge", spawn(SELF, edgeargv, NULL, 0, -1, -1), -EFAULT);
		memcpy(end - 3, "12", 3); /* now it ends in time */
		check_eq("argstr-edge-fits",
			 finish(spawn(SELF, edgeargv, NULL, 0, -1, -1), 10 * SECOND), 12);
		struct spawn_args *ea = (struct spawn_args *)(end - sizeof(a) + 8);
		e.addr = (uptr)ea;
		check_eq("args-edge", op(e), -EFAULT);
		e.addr = (uptr)&a;
		int *efds = (int *)(end - 8);
		efds[0] = 0;
		efds[1] = 1;
		check_eq("fds-edge", spawn(SELF, argv, efds, 3, -1, -1), -EFAULT);
	}

	/* argv at its limits: MAXARGV - 1 arguments fit, one more does not;
	   ARGBYTES bytes of strings (NULs included) fit, one more does not */
	check_eq("argv-max", finish(spawn_args(MAXARGV - 5, 3), 10 * SECOND), MAXARGV - 1);
	check_eq("argv-too-many", spawn_args(MAXARGV - 4, 3), -E2BIG);
	/* "usertests" "-c" "args" "4072" with their NULs: 23 bytes; then one of 4072 'x's */
	int len = ARGBYTES - (10 + 3 + 5 + 5) - 1;
	check_eq("argbytes-max", finish(spawn_args(1, len), 10 * SECOND), 5);
	check_eq("argbytes-too-many", spawn_args(1, len + 1), -E2BIG);
	check_eq("argv-null-is-path",
		 finish(spawn("/bin/echo", NULL, (int[]){0, -1, 2}, 3, -1, -1), 10 * SECOND) >= 0,
		 1);

	/* the descriptor map */
	int none[32], all[32];
	for (int i = 0; i < 32; i++) {
		none[i] = -1;
		all[i] = i % 3;
	}
	char *cargv[] = {"usertests", "-c", "countfds", NULL};
	check_eq("fds-none", finish(spawn(SELF, cargv, none, 32, -1, -1), 10 * SECOND), 0);
	check_eq("fds-zero", finish(spawn(SELF, cargv, none, 0, -1, -1), 10 * SECOND), 0);
	check_eq("fds-32", finish(spawn(SELF, cargv, all, 32, -1, -1), 10 * SECOND), 32);
	check_eq("fds-inherit", finish(spawn(SELF, cargv, NULL, 0, -1, -1), 10 * SECOND), 3);
	check_eq("fds-minus-2", spawn(SELF, cargv, (int[]){0, -2}, 2, -1, -1), -EBADF);
	check_eq("fds-kernel", spawn(SELF, cargv, (int *)KADDR, 2, -1, -1), -EFAULT);
	check_eq("fds-33", spawn(SELF, cargv, all, 33, -1, -1) < 0, 1);

	/* credentials: an ordinary user keeps its own */
	check_eq("user", finish(start_as("user", NULL, NULL, 0, USER), 10 * SECOND), 0);
}

/* ---- wait(): every field wrong ----------------------------------------------- */

static void t_wait(void)
{
	static struct wait_item it[WAIT_MAX_ITEMS];
	static struct wait_event ev[WAIT_MAX_ITEMS];
	for (int i = 0; i < WAIT_MAX_ITEMS; i++)
		it[i] = (struct wait_item){.type = WAIT_WRITE, .id = 1, .user_data = i};
	check_eq("max-items", wait(it, WAIT_MAX_ITEMS, ev, WAIT_MAX_ITEMS, 0), WAIT_MAX_ITEMS);
	check_eq("max-above-n", wait(it, 1, ev, 1000, 0), 1);
	check_eq("n-huge", wait(it, ~0u, ev, 1, 0), -EINVAL);
	check_eq("events-readonly", wait(it, 1, (struct wait_event *)(uptr)check, 1, 0), -EFAULT);
	check_eq("timeout-negative", wait(it, 1, ev, 1, -5), 1);
	check_eq("timeout-huge", wait(it, 1, ev, 1, 0x7fffffffffffffffll), 1);

	struct wait_item one = {.type = WAIT_CHILD, .id = 1ll << 40};
	check_eq("events-unused", wait(&one, 1, NULL, 1, 0), 0);
	one.id = -2;
	check_eq("child-minus-2", wait(&one, 1, ev, 1, 0), -EINVAL);
	one = (struct wait_item){.type = WAIT_UINTR, .id = 1};
	check_eq("uintr-id-1", wait(&one, 1, ev, 1, 0), -EINVAL);
	one = (struct wait_item){.type = WAIT_READ, .id = 1 << 20};
	check_eq("read-fd-huge", wait(&one, 1, ev, 1, 0), -EBADF);
	one.id = -1;
	check_eq("read-fd-minus-1", wait(&one, 1, ev, 1, 0), -EBADF);
	one = (struct wait_item){.type = WAIT_WRITE, .id = 25};
	check_eq("write-fd-closed", wait(&one, 1, ev, 1, 0), -EBADF);
	one = (struct wait_item){.type = WAIT_RING, .id = -1};
	check_eq("ring-minus-1", wait(&one, 1, ev, 1, 0), -EBADF);
	one.id = NRING;
	check_eq("ring-nring", wait(&one, 1, ev, 1, 0), -EBADF);
	one = (struct wait_item){.type = 5};
	check_eq("type-5", wait(&one, 1, ev, 1, 0), -EINVAL);
	one.type = ~0u;
	check_eq("type-all-ones", wait(&one, 1, ev, 1, 0), -EINVAL);

	char *end = edge();
	if (end - _end >= (long)sizeof(struct wait_item)) {
		struct wait_item *e = (struct wait_item *)(end - sizeof(*e));
		*e = (struct wait_item){.type = WAIT_WRITE, .id = 1};
		check_eq("items-edge-fits", wait(e, 1, ev, 1, 0), 1);
		check_eq("items-edge", wait(e, 2, ev, 1, 0), -EFAULT);
		check_eq("events-edge", wait(it, 2, (struct wait_event *)(end - 16), 2, 0),
			 -EFAULT);
	}
}

/*
 * wait() on a kernel pipe's read end, with no timeout, wakes when a byte
 * or the writer's close arrives: a helper blocks there, and only then do
 * we write or close. A kernel that never wakes it leaves it there until
 * finish() gives up (only a hang takes that long).
 */
static void t_kpipe_wait(void)
{
	for (int eof = 0; eof < 2; eof++) {
		const char *name = eof ? "kpipe-wait-eof" : "kpipe-wait-byte";
		int fds[2];
		if (pipe_kernel(fds) < 0) {
			check_eq(name, -1, 1);
			continue;
		}
		int pid = start_as("fdwait", NULL, fds, 1, -1);
		close(fds[0]);
		check_eq("kpipe-waiter-blocked",
			 pid > 0 && await_proc(pid, PROC_BLOCKED, 1, 20 * SECOND), 1);
		if (eof)
			close(fds[1]);
		else
			check_eq("kpipe-write", write(fds[1], "x", 1), 1);
		check_eq(name, finish(pid, 20 * SECOND), 1);
		if (!eof)
			close(fds[1]);
	}
}

/* ---- pipes: beyond pipetest - a full table, attaching from two threads ------ */

static void t_pipes(void)
{
	for (int kind = 0; kind < 2; kind++) {
		int count[2] = {0, 0}, fds[64];
		for (int round = 0; round < 2; round++) {
			int n = 0;
			long r = 0;
			while (n + 2 <= 64 && (r = op((struct sqe){.opcode = OP_PIPE,
								   .off = kind ? PIPE_KERNEL : 0,
								   .addr = (uptr)&fds[n]})) == 0)
				n += 2;
			if (round == 0)
				check_eq(kind ? "kernel-table-full" : "hw-table-full", r, -EMFILE);
			count[round] = n;
			int bad = 0;
			for (int i = 0; i < n; i++)
				bad += close(fds[i]) != 0;
			check_eq(kind ? "kernel-close-all" : "hw-close-all", bad, 0);
		}
		check_eq(kind ? "kernel-same-count-again" : "hw-same-count-again", count[1],
			 count[0]);
	}
	/*
	 * Two threads attaching pipes at once: map_in() in kernel/pipe.c once
	 * picked a free slot for a pipe's region under the process's lock but
	 * recorded it only after mapping, so both picked the same slot, the
	 * second mapping found the first (-EEXIST) and OP_PIPE_ATTACH failed
	 * with -ENOMEM. It now picks, maps and records under the lock.
	 */
	char rounds[8];
	snprintf(rounds, sizeof(rounds), "%d", full ? 3000 : 400);
	int st = finish(start("attachrace", rounds), WORK_NS);
	if (st < 0)
		check("attach-race", false, "the racing child did not finish: %s", show(st));
	else
		check("attach-race", st == 0,
		      "KERNEL BUG: %d%s OP_PIPE_ATTACHs from 2 threads at once failed (-ENOMEM): "
		      "both took one slot (pipe.c map_in)",
		      st, st >= 100 ? "+" : "");
}

/* ---- descriptors: fill the table, empty it, fill it again ------------------- */

static void t_fds(void)
{
	static char stack[4096] __attribute__((aligned(16)));
	int fds[64], count[2] = {0, 0}, err = 0;
	check_eq("handler", uintr_register_handler(storm_handler, stack, sizeof(stack)), 0);
	for (int round = 0; round < 2; round++) {
		int n = 0, fd;
		while (n < 64 && (fd = uintr_create_vector(n % UINTR_NVEC)) >= 0)
			fds[n++] = fd;
		err = n < 64 ? fd : 0;
		count[round] = n;
		if (round == 0) {
			check_eq("table-full", err, -EMFILE);
			check("table-size", n >= 16, "only %d descriptors", n);
			/* a child gets the whole table */
			int map[64];
			for (int i = 0; i < n + 3; i++)
				map[i] = i;
			char *argv[] = {"usertests", "-c", "countfds", NULL};
			check_eq("spawn-full-table",
				 finish(spawn(SELF, argv, map, n + 3, -1, -1), 10 * SECOND), n + 3);
			check_eq("spawn-map-too-big", spawn(SELF, argv, map, n + 4, -1, -1) < 0, 1);
		}
		int bad = 0;
		for (int i = 0; i < n; i++)
			bad += close(fds[i]) != 0;
		check_eq(round ? "close-all-again" : "close-all", bad, 0);
	}
	check_eq("same-count-again", count[1], count[0]);
	check_eq("close-minus-1", close(-1), -EBADF);
	check_eq("close-huge", close(1 << 20), -EBADF);
	check_eq("close-closed", close(40), -EBADF);
}

/* ---- exhaustion: processes, threads, memory ---------------------------------- */

static int pids[PS_MAX];

/* Kill n processes and reap them; how many did not end with STATUS_KILLED. */
static int kill_all(int n)
{
	int bad = 0;
	for (int i = 0; i < n; i++)
		kill(pids[i]);
	for (int i = 0; i < n; i++)
		bad += finish(pids[i], 20 * SECOND) != STATUS_KILLED;
	return bad;
}

static void t_procs(void)
{
	int count[2];
	for (int round = 0; round < 2; round++) {
		int n = 0, err = 0;
		while (n < PS_MAX && (err = start("sleep", NULL)) > 0)
			pids[n++] = err;
		count[round] = n;
		if (round == 0) {
			check_eq("table-full", err, -ENFILE);
			check("table-size", n >= 16, "only %d processes", n);
			/* a full table: those that are there go on */
			check_eq("nop-while-full", op((struct sqe){.opcode = OP_NOP}), 0);
			int tid = thread_create(quick_thread, NULL);
			check_eq("thread-while-full", thread_join(tid, NULL), tid);
		}
		check_eq(round ? "kill-all-again" : "kill-all", kill_all(n), 0);
	}
	check_eq("same-count-again", count[1], count[0]);
}

/*
 * Per-user limits (docs/threads.md): uid USER fills its share of each
 * table, and gets -EAGAIN; the process table filled by users says
 * -ENFILE; root can still spawn, make a thread, a ring and a pipe.
 */
static void root_still_can(const char *when)
{
	char what[64];
	struct ring_hdr *h;
	int fds[2], id = ring_create(4, 0, 0, 0, -1, &h), tid = thread_create(quick_thread, NULL);
	snprintf(what, sizeof(what), "root-spawns-%s", when);
	check_eq(what, finish(start("exit", "7"), 20 * SECOND), 7);
	snprintf(what, sizeof(what), "root-thread-%s", when);
	check_eq(what, thread_join(tid, NULL), tid);
	snprintf(what, sizeof(what), "root-ring-%s", when);
	check(what, id > 0, "ring_create: %s", show(id));
	if (id > 0)
		ring_destroy(id);
	snprintf(what, sizeof(what), "root-pipe-%s", when);
	check_eq(what, pipe(fds), 0);
	close(fds[0]);
	close(fds[1]);
}

/* Start uid USER's fill helpers until one is refused: rings or pipes held, in all. */
static int fill_as_user(const char *what, int *n, int *last_err)
{
	int p[2], total = 0;
	*n = 0;
	*last_err = 0;
	if (pipe_kernel(p) < 0)
		return -1;
	while (*n < PS_MAX && !*last_err) {
		int map[3] = {0, p[1], 2}, rec[2] = {0, 0};
		int pid = start_as("fill", what, map, 3, USER);
		if (pid < 0) {
			*last_err = pid;
			break;
		}
		pids[(*n)++] = pid;
		if (read(p[0], rec, sizeof(rec)) != sizeof(rec))
			return -1;
		total += rec[0] + (what[0] == 'r'); /* its first ring counts */
		if (rec[1] != -EMFILE)
			*last_err = rec[1]; /* not its own table: the user's limit */
	}
	close(p[0]);
	close(p[1]);
	return total;
}

static void t_limits(void)
{
	/* processes: USER_PROCS of uid USER, then -EAGAIN */
	int n = 0, m = 0, err = 0;
	while (n < PS_MAX && (err = start_as("sleep", NULL, NULL, 0, USER)) > 0)
		pids[n++] = err;
	check_eq("procs-user-limit", err, -EAGAIN);
	check_eq("procs-user-count", n, USER_PROCS);
	root_still_can("user-at-limit");
	/* another user takes the rest, but for root's */
	while (n + m < PS_MAX && (err = start_as("sleep", NULL, NULL, 0, USER + 1)) > 0)
		pids[n + m++] = err;
	check_eq("procs-table-full", err, -ENFILE);
	check("procs-other-user", m > 0 && m < USER_PROCS, "uid %d got %d", USER + 1, m);
	root_still_can("table-full");
	check_eq("procs-kill-all", kill_all(n + m), 0);

	/* threads: USER_THREADS in all of USER's processes; a spawn needs one too */
	n = 0;
	while (n < USER_THREADS / NTHREAD && (err = start_as("threads", NULL, NULL, 0, USER)) > 0)
		pids[n++] = err;
	int late = 0;
	for (int i = 0; i < n; i++)
		late += !await_proc(pids[i], PROC_BLOCKED, NTHREAD, 20 * SECOND);
	check("threads-made", n == USER_THREADS / NTHREAD && late == 0,
	      "%d processes, %d without %d threads", n, late, NTHREAD);
	check_eq("threads-user-limit", start_as("exit", "0", NULL, 0, USER), -EAGAIN);
	root_still_can("user-threads-at-limit");
	check_eq("threads-kill-all", kill_all(n), 0);

	/* rings and pipes: USER's helpers make them until the user's limit */
	int total = fill_as_user("rings", &n, &err);
	check_eq("rings-user-limit", err, -EAGAIN);
	check_eq("rings-user-count", total, USER_RINGS);
	root_still_can("user-rings-at-limit");
	check_eq("rings-kill-all", kill_all(n), 0);
	total = fill_as_user("pipes", &n, &err);
	check_eq("pipes-user-limit", err, -EAGAIN);
	check_eq("pipes-user-count", total, USER_PIPES);
	root_still_can("user-pipes-at-limit");
	check_eq("pipes-kill-all", kill_all(n), 0);
}

static void t_many_threads(void)
{
	int count[2], limit = full ? PS_MAX : 12;
	for (int round = 0; round < 2; round++) {
		int n = 0, threads = 0, late = 0, pid = 0;
		while (n < limit && (pid = start("threads", NULL)) > 0)
			pids[n++] = pid;
		for (int i = 0; i < n; i++) {
			struct procinfo p;
			if (await_proc(pids[i], PROC_BLOCKED, NTHREAD, 20 * SECOND) &&
			    proc_info(pids[i], &p))
				threads += p.nthreads;
			else
				late++;
		}
		count[round] = threads;
		if (round == 0) {
			check("all-threads", late == 0, "%d of %d processes did not get %d threads",
			      late, n, NTHREAD);
			if (full)
				check_eq("table-full", pid, -EAGAIN);
		}
		check_eq(round ? "kill-all-again" : "kill-all", kill_all(n), 0);
	}
	check_eq("same-count-again", count[1], count[0]);
}

/* A result the kernel may give when it is out of memory: a clean refusal or success. */
static void check_clean(const char *what, long r, long ok2)
{
	check(what, r == -ENOMEM || r == -EAGAIN || r == ok2 || (ok2 == 1 && r > 0),
	      "got %s, want -ENOMEM, -EAGAIN or success", show(r));
}

/*
 * A program anyone may write: this one with `extra` more bytes of .bss
 * (the highest PT_LOAD's memsz grown), so that each copy of it takes
 * that much more memory at spawn. Written to path; 0 or -E*.
 */
static const char *const bigbss[2] = {"/tmp/usertests-big", "/tmp/usertests-small"};
static int write_bigbss(const char *path, u64 extra)
{
	static unsigned char buf[4096];
	int in = open(SELF, O_RDONLY, 0);
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	int err = in < 0 ? in : out < 0 ? out : 0;
	bool patched = false;
	long n;
	while (!err && (n = read(in, buf, sizeof(buf))) > 0) {
		u64 phoff = *(u64 *)(buf + 32);
		unsigned phnum = *(unsigned short *)(buf + 56),
			 size = *(unsigned short *)(buf + 54);
		unsigned char *top = NULL;
		for (unsigned i = 0; !patched && i < phnum && phoff + (i + 1) * size <= (u64)n;
		     i++) {
			unsigned char *ph =
			    buf + phoff + i * size; /* type, vaddr at 16, memsz at 40 */
			if (*(unsigned *)ph == 1 &&
			    (!top || *(u64 *)(ph + 16) > *(u64 *)(top + 16)))
				top = ph;
		}
		if (!patched && top)
			*(u64 *)(top + 40) += extra;
		patched |= top != NULL;
		if (writeall(out, buf, n) != n)
			err = -EIO;
	}
	close(in);
	close(out);
	return err ? err : patched ? 0 : -ENOEXEC;
}

/*
 * One user (uid USER, up to every limit of its own) takes all the memory
 * it can: processes of a program with a large .bss (16 MiB) until memory
 * runs out, then with a smaller one (1 MiB), then this program, each of
 * the last two kinds making threads with their stacks, rings of the
 * largest size (then of the smallest) and pipes, up to the user's limits
 * or until memory runs out. Root must still spawn, make a
 * thread, a ring and a pipe: the last memory is root's (docs/threads.md,
 * "Limits").
 */
static void t_user_memory(void)
{
	check_eq("write-big", write_bigbss(bigbss[0], 16 << 20), 0);
	check_eq("write-small", write_bigbss(bigbss[1], 1 << 20), 0);
	u64 total = free_pages_now();
	int n = 0, err = 0, stuck = 0;
	const char *progs[3] = {bigbss[0], bigbss[1], SELF};
	for (int k = 0; k < 3; k++) {
		char *argv[] = {"usertests", "-c", k ? "userhog" : "sleep", NULL};
		while (n < PS_MAX && (err = spawn(progs[k], argv, NULL, 0, USER, USER)) > 0) {
			pids[n++] = err;
			stuck += !await_proc(err, PROC_BLOCKED, 0, 30 * SECOND);
		}
	}
	u64 low = free_pages_now();
	check("user-refused", err == -EAGAIN || err == -ENOMEM, "%d hogs, then spawn gave %s", n,
	      show(err));
	check_eq("user-hogs-settled", stuck, 0);
	check("reserve-kept", low > total / 10, "the user left %llu of %llu pages", low, total);
	root_still_can("user-took-memory");
	check_eq("user-kill-all", kill_all(n), 0);
	unlink(bigbss[0]);
	unlink(bigbss[1]);
	if (!quiet)
		printf("usertests: user-memory: %d hogs of uid %d took %llu of %llu pages\n", n,
		       USER, total - low, total);
}

static void t_memory(void)
{
	u64 total = free_pages_now();
	int hogs[2] = {0, 0};
	u64 low[2] = {0, 0};
	int rounds = full ? 2 : 1; /* quick: the warm-up run was the first time */
	for (int round = 0; round < rounds; round++) {
		int n = 0, err = 0, stuck = 0;
		while (n < PS_MAX) {
			if ((err = start("hog", NULL)) < 0)
				break;
			pids[n++] = err;
			if (!await_proc(err, PROC_BLOCKED, 0, 30 * SECOND))
				stuck++;
		}
		hogs[round] = n;
		low[round] = free_pages_now();
		const char *tag = round ? "-again" : "";
		char name[48];
		snprintf(name, sizeof(name), "spawn-refused%s", tag);
		check(name, err == -ENOMEM || err == -EAGAIN,
		      "%d hogs, then spawn gave %s (%llu pages free)", n, show(err), low[round]);
		snprintf(name, sizeof(name), "hogs-settled%s", tag);
		check_eq(name, stuck, 0);
		snprintf(name, sizeof(name), "exhausted%s", tag);
		check(name, low[round] < total / 50, "%llu of %llu pages still free", low[round],
		      total);
		/* out of memory: clean refusals; what needs none still works */
		int tid = thread_create(quick_thread, NULL);
		snprintf(name, sizeof(name), "thread%s", tag);
		check_clean(name, tid, 1);
		if (tid > 0)
			thread_join(tid, NULL);
		struct ring_hdr *h;
		int id = ring_create(1, 1, 0, 0, -1, &h);
		snprintf(name, sizeof(name), "ring%s", tag);
		check_clean(name, id, 1);
		if (id > 0)
			ring_destroy(id);
		id = ring_create(8, 0, RING_POLL, 0, -1, &h);
		snprintf(name, sizeof(name), "polled-ring%s", tag);
		check_clean(name, id, 1);
		if (id > 0)
			ring_destroy(id);
		snprintf(name, sizeof(name), "sleep%s", tag);
		check_clean(name, op((struct sqe){.opcode = OP_SLEEP, .off = MS}), 0);
		snprintf(name, sizeof(name), "nop%s", tag);
		check_eq(name, op((struct sqe){.opcode = OP_NOP}), 0);
		snprintf(name, sizeof(name), "kill-all%s", tag);
		check_eq(name, kill_all(n), 0);
		nap(20 * MS);
	}
	if (rounds == 2)
		check("same-work-again", hogs[1] >= hogs[0] - 1 && hogs[1] <= hogs[0] + 1,
		      "%d hogs the first time, %d the second", hogs[0], hogs[1]);
	/* and everything works again */
	check_eq("spawn-after", finish(start("exit", "5"), 10 * SECOND), 5);
	int tid = thread_create(quick_thread, NULL);
	check_eq("thread-after", thread_join(tid, NULL), tid);
	struct ring_hdr *h;
	int id = ring_create(RING_MAX, RING_MAX, 0, 0, -1, &h);
	check("ring-after", id > 0, "%s", show(id));
	if (id > 0)
		ring_destroy(id);
	if (!quiet)
		printf("usertests: exhaust-memory: %d hogs, %llu of %llu pages left%s\n", hogs[0],
		       low[0], total, rounds == 2 ? " (the first time)" : "");
}

/* ---- kill at every place a process can be ----------------------------------- */

struct killcase {
	const char *mode;
	int state;    /* PROC_* once it got there; -1 any */
	int nthreads; /* 0: any */
	u64 settle;   /* then let it run this long */
};

static const struct killcase killcases[] = {
    {"sleep", PROC_BLOCKED, 1, 0},	   /* in OP_SLEEP */
    {"read", PROC_BLOCKED, 1, 0},	   /* in a console read */
    {"join", PROC_BLOCKED, 2, 0},	   /* in OP_THREAD_JOIN */
    {"waitpid", PROC_BLOCKED, 1, 0},	   /* in OP_WAITPID, with a child */
    {"wait", PROC_BLOCKED, 1, 0},	   /* in wait(), forever */
    {"uwait", PROC_BLOCKED, 1, 0},	   /* in wait(WAIT_UINTR) */
    {"chain", PROC_BLOCKED, 1, 0},	   /* chains, a read, a waitpid parked */
    {"backlog", PROC_BLOCKED, 1, 0},	   /* a completion backlog */
    {"pollers", PROC_BLOCKED, 1, 20 * MS}, /* seven awake pollers, sleeps parked */
    {"spin", -1, 1, 20 * MS},		   /* spinning in user mode */
    {"spinall", -1, NTHREAD, 20 * MS},	   /* every thread spinning, on every CPU */
    {"pollbusy", -1, 1, 50 * MS},	   /* with a busy poller */
    {"churn", -1, 0, 50 * MS},		   /* making and joining threads */
    {"ringchurn", -1, 3, 50 * MS},	   /* making and destroying (polled) rings */
    {"spawner", -1, 0, 50 * MS},	   /* spawning, with zombies */
    {"storm", -1, 3, 50 * MS},		   /* interrupted by its own thread nonstop */
    {"kpread", PROC_BLOCKED, 1, 0},	   /* reading an empty kernel pipe */
    {"kpwrite", PROC_BLOCKED, 1, 0},	   /* writing a full kernel pipe */
    {"hpread", PROC_BLOCKED, 1, 0},	   /* reading an empty hardware pipe (asleep in wait) */
    {"hpwrite", PROC_BLOCKED, 1, 0},	   /* writing a full hardware pipe */
};

/* Kill a helper once it is where kc says; it must end with STATUS_KILLED. */
static void t_kill(void)
{
	const struct killcase *kc = NULL;
	for (unsigned i = 0; i < ARRAY_SIZE(killcases); i++)
		if (strcmp(tname + 5, killcases[i].mode) == 0)
			kc = &killcases[i];
	if (!kc) {
		check("case", false, "no kill case %s", tname + 5);
		return;
	}
	int pid = start(kc->mode, NULL);
	check("started", pid > 0, "spawn: %s", show(pid));
	if (pid <= 0)
		return;
	bool there = await_proc(pid, kc->state, kc->nthreads, 20 * SECOND);
	struct procinfo p = {0};
	proc_info(pid, &p);
	check("in-place", there, "state %d with %d threads after 20 s, want %d with %d", p.state,
	      p.nthreads, kc->state, kc->nthreads);
	nap(kc->settle);
	int kids[PS_MAX], nkids = children_of(pid, kids, PS_MAX);
	check_eq("alive-nohang", waitpid_nohang(pid, NULL), 0); /* alive: 0 at once */
	check_eq("kill", kill(pid), 0);
	check_eq("status", finish(pid, 20 * SECOND), STATUS_KILLED);
	check_eq("reaped-nohang", waitpid_nohang(pid, NULL), -ECHILD);
	check_eq("kill-again", kill(pid), -ESRCH);
	/* what it started lives on under init, or is a zombie init reaps */
	for (int i = 0; i < nkids; i++)
		kill_tree(kids[i]);
	check("children-gone", end_orphans(20 * SECOND, true),
	      "processes it started are still there after 20 s");
}

/* Kill helpers of every kind after random short delays: whatever they are doing. */
static void t_kill_race(void)
{
	static const u64 delays[] = {0, 100000, MS, 3 * MS, 10 * MS, 30 * MS};
	u64 rng = now_ns() | 1;
	int rounds = full ? 6 : 2, bad = 0, n = 0;
	for (int r = 0; r < rounds; r++) {
		for (unsigned i = 0; i < ARRAY_SIZE(killcases); i++) {
			const char *mode = killcases[i].mode;
			if (!strcmp(mode, "read"))
				continue; /* a child reading the console at random times:
					     harmless, but not where a person types */
			u64 d = full ? delays[r % ARRAY_SIZE(delays)]
				     : delays[xorshift(&rng) % ARRAY_SIZE(delays)];
			int pid = start(mode, NULL);
			if (pid <= 0) {
				bad++;
				continue;
			}
			nap(d);
			kill(pid);
			int st = finish(pid, 20 * SECOND);
			n++;
			if (st != STATUS_KILLED && bad++ < 3)
				check("killed", false, "%s after %llu us: status %s", mode,
				      d / 1000, show(st));
			if (!end_orphans(20 * SECOND, true) && bad++ < 3)
				check("children-gone", false, "%s after %llu us: orphans left",
				      mode, d / 1000);
		}
	}
	check("all", bad == 0, "%d of %d went wrong", bad, n);
}

/* ---- orphans, zombies, many at once -------------------------------------------- */

static void t_orphans(void)
{
	for (int i = 0; i < (full ? 10 : 3); i++) {
		check_eq("parent-exits", finish(start("orphaner", NULL), 10 * SECOND), 0);
		check("reaped-by-init", end_orphans(10 * SECOND, false),
		      "orphans still there after 10 s");
	}
	/* killed as root by itself */
	check_eq("kill-self", finish(start("killself", NULL), 10 * SECOND), STATUS_KILLED);
	/* OP_EXIT through a polled ring: the poller ends the process */
	check_eq("exit-from-poller", finish(start("pollexit", "33"), 10 * SECOND), 33);
}

static void t_stress(void)
{
	int n = full ? 8 : 4, iters = full ? 400 : 60, bad = 0;
	for (int i = 0; i < n; i++) {
		char seed[16], it[16];
		snprintf(seed, sizeof(seed), "%d", i + 1);
		snprintf(it, sizeof(it), "%d", iters);
		char *argv[] = {"usertests", "-c", "worker", seed, it, NULL};
		pids[i] = spawn(SELF, argv, NULL, 0, -1, -1);
	}
	for (int i = 0; i < n; i++) {
		int st = finish(pids[i], WORK_NS);
		if (st != 0 && bad++ < 3)
			check("worker", false, "worker %d: status %s", i, show(st));
	}
	check("workers", bad == 0, "%d of %d workers went wrong", bad, n);
}

/*
 * OP_EXIT and OP_THREAD_EXIT inside a LINK chain, many times: the driver's
 * leak check sees an op left behind each time. KERNEL BUG (reported):
 * op_exit() and op_thread_exit() in kernel/ops.c free the rest of the
 * chain but never return, so the entry itself - heap memory when it is
 * not a chain's first - is never freed (run_chain would have).
 */
static void t_exit_chain(void)
{
	int n = full ? 200 : 40, bad = 0; /* 80 ops of 136 bytes: 5 pages of the heap */
	for (int i = 0; i < n; i++) {
		bad += finish(start("linkexit", i % 2 ? "1" : "0"), 10 * SECOND) != 7;
		bad += finish(start("linkthreadexit", i % 2 ? "1" : "0"), 10 * SECOND) != 5;
	}
	check("statuses", bad == 0, "%d of %d ended with the wrong status", bad, 2 * n);
}

/*
 * KERNEL BUG (reported): a chain that goes on inside wait() or
 * ring_enter() (ring_run_deferred) may destroy the ring that call is
 * about to use: sys_wait() then calls ring_ready() on t->rings[id], now
 * NULL; ring_enter() consumes from the ring it looked up before running
 * the chain, now freed. These run last: the kernel may not survive them.
 */
static void t_chain_destroy(void)
{
	const char *how = tname + strlen("chain-destroy-");
	check_eq("survived", finish(start("chaindestroy", how), 20 * SECOND), 0);
}

/*
 * KERNEL BUG (reported): a thread destroying a polled ring waits for the
 * poller to stop by yielding in a loop (ring_destroy), never enabling
 * interrupts; if the poller is pinned to the other CPU and that CPU is in
 * tlb_shootdown() waiting for this one to take its IPI, neither moves:
 * the machine hangs. This runs last with the other kernel killers.
 */
static void t_pin_shoot(void)
{
	check_eq("survived", finish(start("pinshoot", full ? "1000" : "60"), WORK_NS), 0);
}

/*
 * KERNEL BUG (reported): op_pipe() in kernel/pipe.c, when it cannot copy
 * the two descriptor numbers out, takes the descriptors back by clearing
 * their slots and dropping the files' references - even if another
 * thread closed one of them meanwhile: a file freed twice (the kernel
 * panics in file_put or op_close, or its heap is corrupted). Runs last.
 */
static void t_pipe_undo(void)
{
	check_eq("survived", finish(start("pipeundo", full ? "50000" : "3000"), WORK_NS), 0);
}

/*
 * Issue 13: wait() looked at a WAIT_READ descriptor through a reference
 * it took and dropped holding sched_lock. When another thread's close had
 * left that reference the last one, the pipe's close ran right there and
 * took sched_lock again: a kernel panic any user could cause on 2 CPUs.
 * No last reference may be dropped under a spinlock (docs/threads.md);
 * the kernel checks that on every release, so on one CPU this fails too.
 */
static void t_wait_close(void)
{
	check_eq("survived", finish(start("waitclose", full ? "20000" : "500"), WORK_NS), 0);
}

/* ===========================================================================
 * The driver.
 * ======================================================================== */

struct test {
	const char *name;
	void (*fn)(void);
	const char *leak; /* what a leak means here, if a known bug makes one */
};

static const struct test tests[] = {
    {"threads", t_threads, NULL},
    {"exit-in-chain", t_exit_chain,
     /* early: a leak of heap objects shows as pages only while the heap has few free ones */
     "KERNEL BUG: op_exit()/op_thread_exit() in ops.c never free a chained entry"},
    {"rings", t_rings, NULL},
    {"poll", t_poll, NULL},
    {"uintr", t_uintr, NULL},
    {"spawn", t_spawn, NULL},
    {"wait", t_wait, NULL},
    {"kpipe-wait", t_kpipe_wait, NULL},
    {"pipes", t_pipes, NULL},
    {"fds", t_fds, NULL},
    {"exhaust-procs", t_procs, NULL},
    {"exhaust-threads", t_many_threads, NULL},
    {"exhaust-memory", t_memory, NULL},
    {"user-memory", t_user_memory, NULL},
    {"limits", t_limits, NULL},
    {"kill-sleep", t_kill, NULL},
    {"kill-read", t_kill, NULL},
    {"kill-join", t_kill, NULL},
    {"kill-waitpid", t_kill, NULL},
    {"kill-wait", t_kill, NULL},
    {"kill-uwait", t_kill, NULL},
    {"kill-chain", t_kill, NULL},
    {"kill-backlog", t_kill, NULL},
    {"kill-pollers", t_kill, NULL},
    {"kill-spin", t_kill, NULL},
    {"kill-spinall", t_kill, NULL},
    {"kill-pollbusy", t_kill, NULL},
    {"kill-churn", t_kill, NULL},
    {"kill-ringchurn", t_kill, NULL},
    {"kill-spawner", t_kill, NULL},
    {"kill-storm", t_kill, NULL},
    {"kill-kpread", t_kill, NULL},
    {"kill-kpwrite", t_kill, NULL},
    {"kill-hpread", t_kill, NULL},
    {"kill-hpwrite", t_kill, NULL},
    {"kill-race", t_kill_race, NULL},
    {"orphans", t_orphans, NULL},
    {"stress", t_stress, NULL},
    /* last: these take the kernel down while it has the bugs they show */
    {"chain-destroy-enter", t_chain_destroy, NULL},
    {"chain-destroy-wait", t_chain_destroy, NULL},
    {"destroy-pinned-shootdown", t_pin_shoot, NULL},
    {"pipe-undo-race", t_pipe_undo, NULL},
    {"wait-close-race", t_wait_close, NULL},
};

/* Run test t in a child; its exit status (-ETIMEDOUT if it had to be killed). */
static int run_test(const struct test *t, bool warmup)
{
	char *argv[] = {"usertests",	    "-r", (char *)t->name, warmup ? "-q" : "-",
			full ? "-f" : NULL, NULL};
	return finish(spawn(SELF, argv, NULL, 0, -1, -1), LIMIT_NS);
}

/* What a test's status says, for a FAIL line. */
static const char *why(int st)
{
	static char buf[64];
	if (st == -ETIMEDOUT)
		snprintf(buf, sizeof(buf), "hung: killed after %llu s", LIMIT_NS / SECOND);
	else if (st == STATUS_KILLED)
		snprintf(buf, sizeof(buf), "its process was killed");
	else if (st == STATUS_FAULT)
		snprintf(buf, sizeof(buf), "its process died of a fault");
	else if (st >= 200 && st <= 250)
		snprintf(buf, sizeof(buf), "%d check%s failed", st - 200, st == 201 ? "" : "s");
	else
		snprintf(buf, sizeof(buf), "its process ended with %s", show(st));
	return buf;
}

/* Kill what a test left behind (children of ours, orphans); how many there were. */
static int sweep(void)
{
	int me = getpid(), found = 0;
	u64 end = now_ns() + 20 * SECOND;
	for (bool first = true;; first = false) {
		int n = ps(pbuf, PS_MAX), left = 0;
		for (int i = 0; i < n; i++) {
			struct procinfo *p = &pbuf[i];
			bool ours = p->pid != me && (p->ppid == me || p->ppid == 1) &&
				    (!strcmp(p->name, "usertests") || !strcmp(p->name, "echo"));
			if (!ours)
				continue;
			left++;
			if (p->state != PROC_ZOMBIE)
				kill(p->pid);
			if (p->ppid == me)
				waitpid(p->pid, NULL);
		}
		if (first)
			found = left;
		if (!left || now_ns() >= end)
			return found;
		nap(5 * MS);
	}
}

static bool passed(int st)
{
	return st >= 1 && st <= 127;
}

static int driver(int argc, char **argv)
{
	int ran = 0, inner = 0;
	u64 t0 = now_ns();
	printf("usertests: %s mode\n", full ? "full" : "quick");
	for (unsigned i = 0; i < ARRAY_SIZE(tests); i++) {
		const struct test *t = &tests[i];
		bool want = true;
		for (int a = 1; a < argc; a++)
			if (argv[a][0] != '-')
				want = false; /* names given: only those */
		for (int a = 1; a < argc; a++)
			if (argv[a][0] != '-' && !strncmp(t->name, argv[a], strlen(argv[a])))
				want = true;
		if (!want)
			continue;
		char name[64];
		u64 t1 = now_ns();
		printf("usertests: %s...\n", t->name); /* if the kernel hangs: where */
		int warm = run_test(t, true);	       /* the warm-up: the kernel's heap grows */
		sweep();
		u64 before = free_pages_settled();
		int st = run_test(t, false);
		int strays = sweep();
		u64 after = free_pages_back(before);
		ran++;
		if (passed(st) && passed(warm)) {
			inner += st;
			ok(t->name);
		} else if (!passed(st)) {
			fail(t->name, "%s", why(st));
		} else {
			fail(t->name, "the warm-up run failed (%s); the second passed", why(warm));
		}
		snprintf(name, sizeof(name), "%s/strays", t->name);
		if (strays)
			fail(name, "%d processes left behind, killed", strays);
		snprintf(name, sizeof(name), "%s/leak", t->name);
		if (after >= before)
			ok(name);
		else
			fail(name, "%llu free pages before, %llu after: %lld lost%s%s", before,
			     after, (long long)(before - after), t->leak ? "; " : "",
			     t->leak ? t->leak : "");
		printf("usertests: %s: %d checks, %llu ms\n", t->name, passed(st) ? st : 0,
		       (now_ns() - t1) / MS);
	}
	printf("usertests: %d tests, %d checks inside them, %llu s\n", ran, inner,
	       (now_ns() - t0) / SECOND);
	return summary("usertests");
}

int main(int argc, char **argv)
{
	for (int a = 1; a < argc; a++) {
		full |= strcmp(argv[a], "-f") == 0;
		quiet |= strcmp(argv[a], "-q") == 0;
	}
	if (argc >= 3 && strcmp(argv[1], "-c") == 0)
		return helper(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "-r") == 0) {
		for (unsigned i = 0; i < ARRAY_SIZE(tests); i++) {
			if (strcmp(tests[i].name, argv[2]) == 0) {
				tname = tests[i].name;
				tests[i].fn();
				return test_status();
			}
		}
		return 254;
	}
	return driver(argc, argv);
}
