/*
 * grind.c - random valid system activity for a given time, like xv6's
 * grind: not a test of any one feature but of all of them at once, for
 * stress runs outside CI (`make grind ARCH=.. SECS=..`).
 *
 *	grind [-t SECS] [-s SEED] [-w WORKERS]
 *
 * Starts WORKERS (4) worker processes. Each runs four threads that, until
 * the time is up, pick at random: spawn a child and wait for it (or kill
 * it), make and join threads, make rings (polled or not) and run batches
 * through them - NOPs, sleeps, LINK chains - then destroy them, sometimes
 * with work still parked; sleep; wait() with timeouts; ps, stats, list;
 * send user interrupts to a receiver thread. Every result is checked;
 * a worker's exit status is the number of wrong ones. Meanwhile the
 * driver kills a random worker now and then and starts a new one, and
 * prints a line every 10 seconds (system calls, interrupts, processes,
 * free pages).
 *
 * At the end every worker must have ended with 0 (or been killed by the
 * driver), nothing may be left running, and the kernel's free-page count
 * must be back where it was after a warm-up second, give or take the few
 * pages its heap may have grown by. Lines: "ok workers", "ok leak", and
 * "grind: N passed, M failed" (check.h). The seed is printed first.
 */
#include "async.h"
#include "check.h"
#include "uintr.h"

#define SELF	   "/bin/grind"
#define MS	   1000000ull
#define SECOND	   1000000000ull
#define MAXW	   16
#define LEAK_SLACK 16 /* pages the kernel's heap may grow by at new peaks */

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s * 0x2545f4914f6cdd1dull;
}

static void nap(u64 ns)
{
	struct wait_event ev;
	wait(NULL, 0, &ev, 1, ns);
}

static u64 parse(const char *s)
{
	u64 v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v;
}

/* ===========================================================================
 * A worker: grind -w SEED UNTIL (UNTIL in now_ns()).
 * ======================================================================== */

struct gthread {
	u64 rng;
	int bad, ops;
};

static u64 until;
static int me;
static volatile int uintrs, recv_fd = -1, recv_stop;
static char recv_stack[8192] __attribute__((aligned(16)));

static void complain(struct gthread *g, const char *what, long got)
{
	if (g->bad++ < 3)
		fprintf(2, "grind: worker %d: %s gave %s\n", me, what, show(got));
}

static void handler(unsigned long v)
{
	(void)v;
	uintrs++;
}

/* Receives user interrupts until told to stop. */
static void receiver(void *arg)
{
	(void)arg;
	uintr_register_handler(handler, recv_stack, sizeof(recv_stack));
	recv_fd = uintr_create_vector(4);
	uintr_enable();
	struct wait_item it = {.type = WAIT_UINTR};
	struct wait_event ev;
	while (!recv_stop)
		wait(&it, 1, &ev, 1, 50 * MS);
	uintr_disable();
}

static void quick(void *arg)
{
	nap((u64)(uptr)arg);
}

/* Run n random harmless entries through ring h (made by us), LINK chains
   among them; every one must complete with its own result. */
static void ring_batch(struct gthread *g, struct ring_hdr *h, bool polled, int n)
{
	struct sqe *sq = (struct sqe *)((char *)h + h->sq_off);
	struct cqe *cq = (struct cqe *)((char *)h + h->cq_off);
	unsigned t = h->sq_tail;
	n = MIN(n, (int)h->sq_mask + 1);
	for (int i = 0; i < n; i++) {
		u64 x = rnd(&g->rng);
		struct sqe e = {.user_data = 1000 + i};
		e.opcode = x % 3 == 0 ? OP_SLEEP : x % 3 == 1 ? OP_GETPID : OP_NOP;
		e.off = e.opcode == OP_SLEEP ? x / 4 % (2 * MS) : 0;
		e.flags = i + 1 < n && x % 4 == 0 ? SQE_LINK : 0;
		sq[(t + i) & h->sq_mask] = e;
	}
	__atomic_store_n(&h->sq_tail, t + n, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	long r =
	    polled ? (h->sq_flags & RING_NEED_WAKEUP ? ring_enter(h->id, 0, RING_ENTER_WAKEUP) : 0)
		   : ring_enter(h->id, n, 0);
	if (r < 0 || (!polled && r != n)) {
		complain(g, "ring_enter", r);
		return;
	}
	struct wait_item it = {.type = WAIT_RING, .id = h->id};
	struct wait_event ev;
	unsigned head = h->cq_head;
	for (int got = 0, idle = 0; got < n && idle < 300;) {
		if (__atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) == head) {
			if (h->sq_flags & RING_CQ_OVERFLOW)
				ring_enter(h->id, 0, 0);
			wait(&it, 1, &ev, 1, 10 * MS);
			idle++;
			continue;
		}
		struct cqe c = cq[head & h->cq_mask];
		__atomic_store_n(&h->cq_head, ++head, __ATOMIC_RELEASE);
		got++;
		int i = (int)c.user_data - 1000;
		if (i < 0 || i >= n)
			complain(g, "a completion's user_data", (long)c.user_data);
		else if (c.res < 0 || (sq[(t + i) & h->sq_mask].opcode == OP_GETPID && c.res != me))
			complain(g, "an entry of a batch", c.res);
		if (got == n)
			g->ops += n;
	}
}

static void step(struct gthread *g)
{
	u64 x = rnd(&g->rng);
	long r;
	char num[16];
	struct ring_hdr *h;
	int st, pid, id;
	switch (x % 12) {
	case 0: /* a child with a status of our choosing */
		snprintf(num, sizeof(num), "%d", (int)(x / 16 % 100));
		pid = spawn(SELF, (char *[]){"grind", "-e", num, NULL}, NULL, 0, -1, -1);
		if (pid == -EAGAIN || pid == -ENFILE || pid == -ENOMEM)
			break;
		if (pid < 0 || waitpid(pid, &st) != pid || st != (int)(x / 16 % 100))
			complain(g, "spawn, waitpid", pid < 0 ? pid : st);
		break;
	case 1: { /* a child killed while it sleeps, or while it starts */
		pid = spawn(SELF, (char *[]){"grind", "-z", NULL}, NULL, 0, -1, -1);
		if (pid == -EAGAIN || pid == -ENFILE || pid == -ENOMEM)
			break;
		if (pid < 0) {
			complain(g, "spawn", pid);
			break;
		}
		if (x & 16)
			nap(x / 32 % (5 * MS));
		long k = kill(pid), w = waitpid(pid, &st);
		/* on a busy host the child's 100 ms may be over first: then it
		   ended by itself, and the kill found a zombie or nothing */
		if (w != pid || !((k == 0 && st == STATUS_KILLED) || st == 0)) {
			if (g->bad++ < 3)
				fprintf(2,
					"grind: worker %d: kill gave %s, waitpid %s, status %d\n",
					me, show(k), show(w), st);
		}
		break;
	}
	case 2: /* a thread, joined */
		pid = thread_create(quick, (void *)(uptr)(x / 16 % (2 * MS)));
		if (pid == -EAGAIN)
			break;
		if (pid < 0 || thread_join(pid, &st) != pid || st != 0)
			complain(g,
				 pid == -ENOEXEC ? "thread_create (the slot race, see "
						   "usertests threads/create-race)"
						 : "thread",
				 pid);
		break;
	case 3: /* a ring for a batch, then gone */
	case 4: {
		bool polled = x & 16;
		id = ring_create(1u << (x / 32 % 6), 0, polled ? RING_POLL : 0, x / 256 % 500, -1,
				 &h);
		if (id == -EMFILE || id == -ENOMEM)
			break;
		if (id < 0) {
			complain(g, "ring_create", id);
			break;
		}
		ring_batch(g, h, polled, 1 + x / 4096 % 16);
		if (x / 65536 % 4 == 0) { /* destroyed with a sleep parked on it */
			struct sqe *sq = (struct sqe *)((char *)h + h->sq_off);
			sq[h->sq_tail & h->sq_mask] =
			    (struct sqe){.opcode = OP_SLEEP, .off = SECOND};
			__atomic_store_n(&h->sq_tail, h->sq_tail + 1, __ATOMIC_RELEASE);
			if (!polled)
				ring_enter(id, 1, 0);
		}
		if ((r = ring_destroy(id)) != 0)
			complain(g, "ring_destroy", r);
		break;
	}
	case 5:
		if ((r = sleep_ns(x / 16 % (3 * MS))) != 0)
			complain(g, "sleep", r);
		break;
	case 6: {
		struct wait_event ev;
		struct wait_item it = {.type = WAIT_CHILD, .id = -1};
		r = wait(&it, 1, &ev, 1, x / 16 % MS);
		if (r < 0 && r != -EINTR)
			complain(g, "wait", r);
		break;
	}
	case 7: {
		static struct procinfo p[64];
		if ((r = ps(p, 64)) <= 0)
			complain(g, "ps", r);
		break;
	}
	case 8: {
		struct kstats s;
		struct dirent d;
		if ((r = kstats(&s)) != 0 || (r = list(0, &d)) != 0)
			complain(g, "stats, list", r);
		break;
	}
	case 9: { /* user interrupts to the receiver thread */
		if (recv_fd < 0)
			break;
		int i = uintr_register_sender(recv_fd);
		if (i < 0) {
			complain(g, "register sender", i);
			break;
		}
		for (int k = 0; k < (int)(x / 16 % 8); k++)
			uintr_send(i);
		uintr_unregister_sender(i);
		break;
	}
	default: { /* a batch on our own ring */
		int n = 1 + x / 16 % 16, got = 0;
		for (int i = 0; i < n; i++) {
			struct sqe *e = sq_get();
			if (!e) {
				n = i;
				break;
			}
			e->opcode = OP_NOP;
			e->flags = i + 1 < n && (x >> (8 + i)) & 1 ? SQE_LINK : 0;
			e->user_data = i;
		}
		sq_submit();
		while (got < n) {
			struct cqe c[16];
			int m = cq_wait(c, 16);
			if (m <= 0) {
				complain(g, "cq_wait", m);
				break;
			}
			for (int i = 0; i < m; i++)
				if (c[i].res != 0)
					complain(g, "a NOP", c[i].res);
			got += m;
		}
		break;
	}
	}
	g->ops++;
}

static void grind_thread(void *arg)
{
	struct gthread *g = arg;
	while (now_ns() < until)
		step(g);
}

static int worker(u64 seed)
{
	struct gthread g[4];
	int tid[4];
	me = getpid();
	int rt = thread_create(receiver, NULL);
	for (int i = 0; i < 4; i++) {
		g[i] = (struct gthread){.rng = seed * 4 + i + 1};
		tid[i] = i ? thread_create(grind_thread, &g[i]) : 0;
	}
	grind_thread(&g[0]);
	int bad = g[0].bad;
	for (int i = 1; i < 4; i++) {
		if (tid[i] > 0 && thread_join(tid[i], NULL) != tid[i])
			bad++;
		bad += g[i].bad;
	}
	recv_stop = 1;
	if (rt > 0)
		thread_join(rt, NULL);
	return MIN(bad, 100);
}

/* ===========================================================================
 * The driver.
 * ======================================================================== */

static int start_worker(u64 seed, u64 end)
{
	char s[24], u[24];
	snprintf(s, sizeof(s), "%llu", seed);
	snprintf(u, sizeof(u), "%llu", end);
	return spawn(SELF, (char *[]){"grind", "-w", s, u, NULL}, NULL, 0, -1, -1);
}

/* Processes named grind other than us. */
static int others(void)
{
	static struct procinfo p[64];
	int n = ps(p, 64), k = 0, self = getpid();
	for (int i = 0; i < n; i++)
		k += p[i].pid != self && strcmp(p[i].name, "grind") == 0;
	return k;
}

/* Run nw workers for secs seconds (killing and replacing some if `kills`);
   the number whose end was wrong. */
static int run(u64 *rng, int nw, u64 secs, bool kills, bool verbose)
{
	int pids[MAXW], bad = 0;
	u64 t0 = now_ns(), end = t0 + secs * SECOND, next_line = t0 + 10 * SECOND;
	for (int i = 0; i < nw; i++)
		pids[i] = start_worker(rnd(rng), end);
	while (now_ns() < end) {
		nap(100 * MS);
		u64 x = rnd(rng);
		if (kills && x % 20 == 0 && end - now_ns() > SECOND) { /* about every 2 s */
			int i = x / 32 % nw, st = -1;
			kill(pids[i]);
			if (waitpid(pids[i], &st) != pids[i] || (st != STATUS_KILLED && st != 0)) {
				fail("worker", "pid %d: status %d", pids[i], st);
				bad++;
			}
			pids[i] = start_worker(rnd(rng), end);
		}
		if (verbose && now_ns() >= next_line) {
			struct kstats s;
			kstats(&s);
			u64 sys = 0, irq = 0;
			for (unsigned c = 0; c < s.ncpu && c < STATS_NCPU; c++) {
				sys += s.cpu[c][KS_SYSCALL];
				irq += s.cpu[c][KS_INTERRUPT];
			}
			printf("grind: %llu s: %llu system calls, %llu interrupts so far, %d "
			       "processes, %llu pages free\n",
			       (now_ns() - t0) / SECOND, sys, irq, others(), s.free_pages);
			next_line += 10 * SECOND;
		}
	}
	for (int i = 0; i < nw; i++) {
		int st = -1;
		if (pids[i] < 0) {
			fail("worker", "spawn: %s", show(pids[i]));
			bad++;
			continue;
		}
		struct wait_item it = {.type = WAIT_CHILD, .id = pids[i]};
		struct wait_event ev;
		if (wait(&it, 1, &ev, 1, 60 * SECOND) != 1) {
			fail("worker", "pid %d still runs a minute after its time was up", pids[i]);
			kill(pids[i]);
			bad++;
		}
		waitpid(pids[i], &st);
		if (st != 0) {
			fail("worker", "pid %d: status %d (wrong results; see its lines above)",
			     pids[i], st);
			bad++;
		}
	}
	/* orphans of killed workers end by themselves (they sleep briefly) */
	for (int i = 0; i < 300 && others(); i++)
		nap(100 * MS);
	if (others()) {
		fail("orphans", "%d grind processes still there after 30 s", others());
		bad++;
	}
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "-w") == 0) {
		until = parse(argv[3]);
		return worker(parse(argv[2]));
	}
	if (argc == 3 && strcmp(argv[1], "-e") == 0)
		return atoi(argv[2]);
	if (argc == 2 && strcmp(argv[1], "-z") == 0) {
		nap(100 * MS); /* an orphan if its parent is killed: short-lived */
		return 0;
	}
	u64 secs = 60, seed = clock_ticks() ^ (u64)getpid() << 32;
	int nw = 4;
	for (int a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "-t"))
			secs = parse(argv[a + 1]);
		else if (!strcmp(argv[a], "-s"))
			seed = parse(argv[a + 1]);
		else if (!strcmp(argv[a], "-w"))
			nw = MIN(MAX((int)parse(argv[a + 1]), 1), MAXW);
	}
	if (argc % 2 == 0) {
		fprintf(2, "usage: grind [-t seconds] [-s seed] [-w workers]\n");
		return 2;
	}
	printf("grind: seed %llu, %d workers, %llu s (replay the choices: grind -s %llu -t %llu "
	       "-w %d)\n",
	       seed, nw, secs, seed, secs, nw);
	u64 rng = seed | 1;
	/* a warm-up second: the kernel's heap grows to what grinding needs */
	run(&rng, nw, 1, false, false);
	u64 before = free_pages_settled();
	int bad = run(&rng, nw, secs, true, true);
	if (!bad)
		ok("workers");
	/* within the slack, or a minute (a leak): the last workers' pages
	   come back as their teardown runs, however long a busy host takes */
	u64 after = free_pages_back(before - LEAK_SLACK);
	if (after + LEAK_SLACK >= before)
		ok("leak");
	else
		fail("leak", "%llu pages free before, %llu after: %llu lost", before, after,
		     before - after);
	printf("grind: %llu s done, %llu pages free before, %llu after\n", secs, before, after);
	return summary("grind");
}
