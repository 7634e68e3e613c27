/*
 * threadtest.c - threads, each with its own ring, and rings made and
 * destroyed on demand (issue 4), checked from user space.
 *
 * Each check prints "ok <name>" or "FAIL <name>: <why>"; the last line
 * is "threadtest: N passed, M failed". One check reads a line from the
 * console while another thread sleeps: type anything when asked.
 *
 * Leak checks compare the kernel's free-page count before and after a
 * piece of work, done once beforehand so that the kernel's heap has
 * already grown to what the work needs (the heap keeps its pages).
 *
 * Modes used by the checks themselves:
 *   threadtest scribble   one thread rewrites the other's ring with
 *                         garbage while that one submits; killed by us
 */
#include "async.h"
#include "check.h"

#define SELF "/bin/threadtest"
#define MS   1000000ull

/* ---- two threads blocking at once --------------------------------- */

static char line[64];
static long line_len;

static void reader(void *arg)
{
	(void)arg;
	line_len = read(0, line, sizeof(line) - 1);
}

static int slept;

static void sleeper(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5; i++)
		if (sleep_ns(20 * MS) == 0)
			slept++;
}

/* Each thread blocks on its own ring: one on the console, one on timers. */
static void blocking(void)
{
	int a = thread_create(reader, NULL);
	int b = thread_create(sleeper, NULL);
	if (a < 0 || b < 0) {
		fail("blocking", "thread_create: %s %s", show(a), show(b));
		return;
	}
	int st;
	expect("blocking-sleeper-join", thread_join(b, &st), b);
	expect("blocking-sleeper-slept", slept, 5);
	puts("threadtest: type a line");
	expect("blocking-reader-join", thread_join(a, &st), a);
	if (line_len > 0 && line[line_len - 1] == '\n')
		line_len--;
	line[line_len > 0 ? line_len : 0] = '\0';
	printf("threadtest: read \"%s\"\n", line);
}

/* ---- each thread's completions are its own -------------------------- */

#define NOPS 200

static int strays[4];

/* Batches of NOPs tagged with the thread's number: only ours may come back. */
static void nops(void *arg)
{
	int me = (int)(uptr)arg, got = 0;
	struct cqe c[16];
	for (int sent = 0; sent < NOPS;) {
		int n = 0;
		struct sqe *e;
		while (sent + n < NOPS && n < 16 && (e = sq_get())) {
			e->opcode = OP_NOP;
			e->user_data = (u64)me << 32 | (sent + n);
			n++;
		}
		sq_submit();
		sent += n;
		for (int k = 0; k < n;) {
			int m = cq_wait(c, 16);
			for (int i = 0; i < m; i++)
				if (c[i].user_data >> 32 != (u64)me || c[i].res != 0)
					strays[me]++;
			k += m > 0 ? m : 1;
			got += m > 0 ? m : 0;
		}
	}
	thread_exit(got == NOPS ? 0 : 1);
}

static void separate(void)
{
	int tid[4], st, bad = 0;
	for (int i = 0; i < 4; i++)
		tid[i] = thread_create(nops, (void *)(uptr)i);
	for (int i = 0; i < 4; i++) {
		if (tid[i] < 0 || thread_join(tid[i], &st) != tid[i] || st != 0 || strays[i])
			bad++;
	}
	expect("separate-completions", bad, 0);
}

/* ---- joins and limits ------------------------------------------------ */

static void idle(void *arg)
{
	thread_exit((int)(uptr)arg);
}

static void joins(void)
{
	int tid[NTHREAD], n = 0, st = -1;
	/* the main thread is one: NTHREAD - 1 more fit, the next does not */
	for (int i = 0; i < NTHREAD; i++)
		if ((tid[n] = thread_create(idle, (void *)(uptr)(40 + i))) >= 0)
			n++;
	expect("threads-limit", n, NTHREAD - 1);
	expect("threads-over-limit", thread_create(idle, NULL), -EAGAIN);
	int bad = 0;
	for (int i = 0; i < n; i++)
		if (thread_join(tid[i], &st) != tid[i] || st != 40 + i)
			bad++;
	expect("join-status", bad, 0);
	expect("join-again", thread_join(tid[0], &st), -ESRCH);
	expect("join-unknown", thread_join(999999, &st), -ESRCH);
	struct sqe e = {.opcode = OP_THREAD_JOIN, .off = (u64)getpid()};
	expect("join-self", ring_call(&e, NULL), -EINVAL); /* the first thread's tid is the pid */
	struct sqe k = {.opcode = OP_THREAD, .addr = (u64)-4096};
	expect("thread-kernel-pc", ring_call(&k, NULL), -EFAULT);
}

/* ---- rings: sizes, limits, destroy ----------------------------------- */

static int other_ring_result;

static void destroy_other(void *arg)
{
	other_ring_result = ring_destroy((int)(uptr)arg); /* not this thread's ring */
}

/* One NOP through ring hdr by hand; its result, or -ETIMEDOUT. */
static long nop_on(struct ring_hdr *h)
{
	struct sqe *sq = (struct sqe *)((char *)h + h->sq_off);
	struct cqe *cq = (struct cqe *)((char *)h + h->cq_off);
	unsigned t = h->sq_tail;
	memset(&sq[t & h->sq_mask], 0, sizeof(struct sqe));
	sq[t & h->sq_mask].user_data = 77;
	__atomic_store_n(&h->sq_tail, t + 1, __ATOMIC_RELEASE);
	long r = ring_enter(h->id, 1, 0);
	if (r != 1)
		return r < 0 ? r : -EIO;
	unsigned head = h->cq_head;
	if (__atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) == head)
		return -ETIMEDOUT;
	struct cqe c = cq[head & h->cq_mask];
	__atomic_store_n(&h->cq_head, head + 1, __ATOMIC_RELEASE);
	return c.user_data == 77 ? c.res : -EIO;
}

static void rings(void)
{
	struct ring_hdr *h;
	expect("ring-size-0", ring_create(0, 0, 0, 0, -1, &h), -EINVAL);
	expect("ring-size-3", ring_create(3, 8, 0, 0, -1, &h), -EINVAL);
	expect("ring-cq-size-12", ring_create(8, 12, 0, 0, -1, &h), -EINVAL);
	expect("ring-size-huge", ring_create(1u << 31, 0, 0, 0, -1, &h), -EINVAL);
	expect("ring-size-max+1", ring_create(2 * RING_MAX, 0, 0, 0, -1, &h), -EINVAL);
	expect("ring-bad-flag", ring_create(8, 0, 1u << 7, 0, -1, &h), -EINVAL);
	expect("ring-pin-without-poll", ring_create(8, 0, RING_POLL_PIN, 0, 0, &h), -EINVAL);
	expect("ring-pin-bad-cpu", ring_create(8, 0, RING_POLL | RING_POLL_PIN, 0, 64, &h),
	       -EINVAL);
	expect("ring-idle-too-long", ring_create(8, 0, RING_POLL, RING_IDLE_MAX_US + 1, -1, &h),
	       -EINVAL);
	struct sqe e = {.opcode = OP_RING_CREATE, .off = 8, .addr = (u64)-4096};
	long id = ring_call(&e, NULL);
	expect("ring-bad-addr", id, -EFAULT);

	int id1 = ring_create(16, 0, 0, 0, -1, &h);
	if (id1 < 0) {
		fail("ring-create", "%s", show(id1));
		return;
	}
	expect("ring-sizes", (h->sq_mask + 1) * 1000 + h->cq_mask + 1, 16 * 1000 + 32);
	expect("ring-id", h->id, id1);
	expect("ring-works", nop_on(h), 0);
	expect("ring-destroy-other-thread",
	       (thread_join(thread_create(destroy_other, (void *)(uptr)id1), NULL) > 0)
		   ? other_ring_result
		   : -1,
	       -EBADF);
	expect("ring-still-works", nop_on(h), 0);

	/* fill the table: NRING rings per thread, the first included */
	int ids[NRING], n = 0, r;
	while ((r = ring_create(4, 0, 0, 0, -1, NULL)) >= 0)
		ids[n++] = r;
	expect("ring-table-full", r, -EMFILE);
	expect("ring-table-size", n, NRING - 2);
	for (int i = 0; i < n; i++)
		ring_destroy(ids[i]);

	expect("ring-destroy-first", ring_destroy(0), -EBUSY);
	expect("ring-destroy-bad", ring_destroy(NRING + 3), -EBADF);
	expect("ring-destroy-negative", ring_destroy(-1), -EBADF);
	expect("ring-destroy", ring_destroy(id1), 0);
	expect("ring-destroy-twice", ring_destroy(id1), -EBADF);
	expect("ring-enter-destroyed", ring_enter(id1, 1, 0), -EBADF);
}

/* Work parked on a ring (a long sleep, a console read), then the ring goes. */
static int destroy_busy(void)
{
	struct ring_hdr *h;
	int id = ring_create(8, 0, 0, 0, -1, &h);
	if (id < 0)
		return id;
	struct sqe *sq = (struct sqe *)((char *)h + h->sq_off);
	memset(sq, 0, 2 * sizeof(*sq));
	sq[0].opcode = OP_SLEEP;
	sq[0].off = 3600 * 1000 * MS;
	sq[0].flags = SQE_LINK; /* and a chain waiting behind it */
	sq[1].opcode = OP_NOP;
	static char buf[16];
	sq[2] = (struct sqe){.opcode = OP_READ, .fd = 0, .addr = (uptr)buf, .len = sizeof(buf)};
	__atomic_store_n(&h->sq_tail, 3, __ATOMIC_RELEASE);
	long r = ring_enter(id, 3, 0);
	if (r != 3)
		return r < 0 ? r : -EIO;
	return ring_destroy(id);
}

static void leaks(void)
{
	destroy_busy(); /* warm-up: the heap grows to what this needs */
	u64 before = free_pages_settled();
	expect("destroy-in-flight", destroy_busy(), 0);
	expect_no_leak("destroy-in-flight-no-leak", before);

	int st;
	thread_join(thread_create(idle, (void *)1), &st);
	before = free_pages_settled();
	int tid = thread_create(idle, (void *)5);
	expect("thread-exit-join", thread_join(tid, &st), tid);
	expect_no_leak("thread-exit-no-leak", before);
}

/* ---- a thread that scribbles over another's ring ----------------------- */

static struct ring_hdr *victim;
static volatile int scribble_go; /* thread_create's own call on the victim ring is done */

static void scribbler(void *arg)
{
	(void)arg;
	u64 x = 88172645463325252ull;
	u32 *w = (u32 *)victim;
	unsigned words = (victim->cq_off + (victim->cq_mask + 1) * sizeof(struct cqe)) / 4;
	while (!scribble_go)
		;
	for (long n = 0;; n++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		w[x % words] = (u32)(x >> 32);
		if (n == 100000) /* well under way: the parent may kill us now */
			write(1, "!", 1);
	}
}

/* The main thread keeps submitting while the other rewrites its ring. */
static void __attribute__((noreturn)) scribble(void)
{
	victim = ring_hdr();
	unsigned id = victim->id;
	thread_create(scribbler, NULL);
	scribble_go = 1;
	for (;;)
		ring_enter(id, 64, 0);
}

/* Twice: the first round also grows the kernel's heap to what it needs. */
static void scribbled(void)
{
	char *argv[] = {"threadtest", "scribble", NULL};
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
		/* kill it once the scribbling is under way, not after some time */
		long n = read(fds[0], &c, 1);
		close(fds[0]);
		if (n != 1) {
			fail("scribble-started", "read %s", show(n));
			bad = true;
		}
		int k = kill(pid), st = -1, w = waitpid(pid, &st);
		if (k != 0 || w != pid || st != STATUS_KILLED) {
			fail("scribble", "kill %s, waitpid %s, status %d", show(k), show(w), st);
			bad = true;
		}
	}
	if (!bad)
		ok("scribble");
	expect_no_leak("scribble-no-leak", before);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "scribble") == 0)
		scribble();
	separate();
	joins();
	rings();
	leaks();
	scribbled();
	blocking();
	return summary("threadtest");
}
