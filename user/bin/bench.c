/*
 * bench.c - what one operation costs, measured inside duet (issue 8).
 *
 *	bench            every case, full repetitions
 *	bench -q         quick: few repetitions (make bench-quick, make test)
 *	bench -l         list the cases
 *	bench -n N       N operations per repetition in every case (experiments)
 *	bench NAME...    only the cases NAME... (each one exact name)
 *
 * For each case: kernel entries per operation, exact, from the kernel's
 * counters (OP_STATS: system calls, and exceptions and interrupts
 * separately) of the measuring thread, of its peer where it has one (the
 * other end of a pipe, the other thread of a user-interrupt exchange),
 * and of every CPU; and the time per operation on the clock user mode
 * reads without entering the kernel (clock_ticks(): the time CSR on
 * riscv64, the TSC on x86_64, at the rate OP_STATS gives). Under QEMU's
 * -icount that clock counts guest instructions, which makes the figures
 * deterministic; the cpu-loop case, a loop of known length, shows how
 * many ns one instruction is. The method is in docs/benchmarks.md.
 *
 * One line per case, key=value, for tests/bench/ to collect:
 *
 *	BENCH case=null-batch8 ops=4096 reps=21 entries=0.1250 exc=0.0000
 *	      intr=0.0017 all_entries=0.1250 all_exc=0.0000 all_intr=0.0034
 *	      ns=21967.508 min=21967.484 max=21967.508               (one line)
 *
 * with peer_entries= peer_exc= peer_intr= after intr= for a case with a
 * peer, and lat= lat_min= lat_max= (ns, one delivery each) at the end of
 * the user-interrupt cases;
 *
 *	BENCH case=pipe-hw-stream-2cpu skip="measured with 2 CPUs: this run has 1"
 *
 * for a case that cannot run here, saying why, never with a number.
 *
 *	bench --peer pingpong|stream   (internal) the other end of a pipe case
 */
#include "async.h"
#include "blk.h"
#include "uintr.h"

#define SELF	"/bin/bench"
#define MAXWARM 3
#define MAXREPS 32
#define MAXSNAP (2 * (MAXWARM + MAXREPS) + 1)
#define MIB	(1 << 20)
#define CHUNK	(64 << 10) /* bytes per write of a stream, as Linux's side writes */

/* Repetitions: a few unmeasured ones first (the warm-up: caches,
   TLB, QEMU's translation of the code, a pipe end's first attach),
   then the measured ones, of which we report the median, the min and
   the max. A slow case may ask for fewer (struct bcase.reps). */
static int warm = MAXWARM, reps = 21;
static int quick; /* -q: fewer repetitions and smaller ones */
static long nops; /* -n: operations per repetition in every case; 0: each case's own */

/* ---- the clock ------------------------------------------------------ */

/*
 * clock_ticks() (user/lib/clock.c) reads the counter user mode may read
 * itself: riscv64's time CSR, x86_64's TSC. One instruction, no kernel
 * entry. Its rate is the kernel's own (kstats.clock_hz): the device
 * tree's timebase on riscv64, the TSC rate the kernel measured against
 * the PIT at boot on x86_64.
 */
#ifdef __riscv
#define CLOCK_NAME "rdtime"
#else
#define CLOCK_NAME "rdtsc"
#endif

static u64 hz;	      /* clock counts per second */
static unsigned ncpu; /* CPUs the kernel runs on */

/* a * b / c without overflow: a 128-bit product, divided bit by bit
   (there is no libgcc to do a 128-bit division for us). */
static u64 muldiv(u64 a, u64 b, u64 c)
{
	unsigned __int128 n = (unsigned __int128)a * b, q = 0, r = 0;
	for (int i = 127; i >= 0; i--) {
		r = r << 1 | (n >> i & 1);
		if (r >= c) {
			r -= c;
			q |= (unsigned __int128)1 << i;
		}
	}
	return q;
}

/* Shell sort: a few thousand numbers at most (the latencies). */
static void sort(u64 *v, long n)
{
	for (long gap = n / 2; gap > 0; gap /= 2)
		for (long i = gap; i < n; i++)
			for (long j = i; j >= gap && v[j - gap] > v[j]; j -= gap) {
				u64 x = v[j];
				v[j] = v[j - gap];
				v[j - gap] = x;
			}
}

/* ---- counting kernel entries ------------------------------------------ */

/* Kernel entries so far, by kind (KS_*): this thread's since it
   started, and every CPU's since boot (every thread, kernel or user,
   and the idle loops' interrupts). */
struct counts {
	u64 n[3];
	u64 all[3];
};

static int counts(struct counts *c)
{
	struct kstats s;
	int r = kstats(&s);
	for (int k = 0; k < 3; k++) {
		c->n[k] = s.thread[k];
		c->all[k] = 0;
		for (unsigned i = 0; i < MIN(s.ncpu, STATS_NCPU); i++)
			c->all[k] += s.cpu[i][k];
	}
	return r;
}

/*
 * A peer's own counts, taken by the peer itself, never while the clock
 * runs: before every repetition the measuring side sends it two marks,
 * outside the clock (each one exchange like an operation's, which the
 * peer answers after taking a snapshot), and one more when asked at the
 * end. Snapshots 2i, 2i+1 are repetition i's marks; 2i+2 is the next
 * one's first. So s[2i+2] - s[2i+1] is repetition i's operations plus
 * one mark's exchange (our answer, the read that brings the next mark),
 * and s[2i+1] - s[2i] is that exchange alone, with the same shape: the
 * difference of the two is the operations'. Each difference holds one
 * snapshot's own system call, so those cancel too.
 */
struct snaps {
	unsigned n;
	unsigned pad;
	struct counts s[MAXSNAP];
};

static void snap(struct snaps *p)
{
	if (p->n < MAXSNAP)
		counts(&p->s[p->n]);
	p->n++;
}

/* ---- measuring ------------------------------------------------------ */

/* What a case did; why it did not run is in why[]. */
enum { RAN, SKIPPED, FAILED };
static char why[256];

/* A loop that does n operations; 0, or the first -E* an operation gave. */
typedef long (*loop_fn)(long n, long arg);

/* What a case with a peer does before every repetition, outside the
   clock (the peer's snapshots: struct snaps); NULL: nothing. */
static long (*before)(void);

/* One case's figures: sums over the measured repetitions. */
struct result {
	long ops;
	int reps;
	s64 n[3];    /* the measuring thread's entries */
	s64 all[3];  /* every CPU's */
	s64 peer[3]; /* the peer's, if has_peer */
	bool has_peer;
	u64 t[MAXREPS]; /* clock counts per repetition, sorted */
	u64 lat[3];	/* one-way latency: median, min, max (clock counts) */
	bool has_lat;
};

/* Latencies of the measured repetitions (user-interrupt deliveries),
   recorded by the handler while lat_on: every one, in the sizes of the
   table below. */
#define MAXLAT 32768
static u64 lat[MAXLAT];
static unsigned lat_n;
static volatile bool lat_on;

static void lat_add(u64 ticks)
{
	if (!lat_on)
		return;
	unsigned i = __atomic_fetch_add(&lat_n, 1, __ATOMIC_RELAXED);
	if (i < MAXLAT)
		lat[i] = ticks;
}

/*
 * Run f(ops, arg) warm times, then reps times measured, into *res.
 * Per repetition: the counters before and after, the clock in between.
 *
 * Reading the counters is itself an operation: its system call (if it
 * makes one) is counted before the kernel copies the counters out, so
 * it is inside every difference of two readings. `self` is that cost,
 * measured here by reading twice, in the thread and on the ring that
 * will be measured.
 */
static int measure(loop_fn f, long arg, long ops, struct result *res)
{
	struct counts a, b;
	long r;

	memset(res, 0, sizeof(*res));
	res->ops = ops;
	res->reps = reps;
	if ((r = counts(&a)) < 0 || (r = counts(&b)) < 0)
		goto fail;
	s64 self = b.n[KS_SYSCALL] - a.n[KS_SYSCALL];
	for (int i = 0; i < warm; i++)
		if ((before && (r = before()) < 0) || (r = f(ops, arg)) < 0)
			goto fail;
	lat_n = 0;
	for (int i = 0; i < reps; i++) {
		if (before && (r = before()) < 0)
			goto fail;
		counts(&a);
		lat_on = true;
		u64 t0 = clock_ticks();
		r = f(ops, arg);
		u64 t1 = clock_ticks();
		lat_on = false;
		counts(&b);
		if (r < 0)
			goto fail;
		res->t[i] = t1 - t0;
		for (int k = 0; k < 3; k++) {
			res->n[k] += b.n[k] - a.n[k];
			res->all[k] += b.all[k] - a.all[k];
		}
		res->n[KS_SYSCALL] -= self;
		res->all[KS_SYSCALL] -= self;
	}
	sort(res->t, reps);
	if (lat_n) {
		long n = MIN(lat_n, MAXLAT);
		sort(lat, n);
		res->lat[0] = lat[n / 2];
		res->lat[1] = lat[0];
		res->lat[2] = lat[n - 1];
		res->has_lat = true;
	}
	return RAN;
fail:
	lat_on = false;
	snprintf(why, sizeof(why), "%s", errstr(r));
	return FAILED;
}

/* The peer's part of the measured repetitions, from its snapshots
   (two marks per repetition: struct snaps). */
static int peer_sums(const struct snaps *p, struct result *res)
{
	if (p->n != (unsigned)(2 * (warm + reps) + 1)) {
		snprintf(why, sizeof(why), "the peer took %u snapshots, not %d", p->n,
			 2 * (warm + reps) + 1);
		return FAILED;
	}
	const struct counts *s = p->s;
	for (int i = warm; i < warm + reps; i++)
		for (int k = 0; k < 3; k++)
			res->peer[k] += (s[2 * i + 2].n[k] - s[2 * i + 1].n[k]) -
					(s[2 * i + 1].n[k] - s[2 * i].n[k]);
	res->has_peer = true;
	return RAN;
}

/* sum / ops, with four decimals, rounded (a batch of 64 is 0.0156) */
static void per_op(char *buf, size_t len, s64 sum, const struct result *res)
{
	u64 x = muldiv(MAX(sum, 0), 20000, (u64)res->ops * res->reps);
	x = x / 2 + x % 2;
	snprintf(buf, len, "%llu.%04llu", x / 10000, x % 10000);
}

/* clock counts as ns with three decimals, divided by d */
static void ns3(char *buf, size_t len, u64 ticks, u64 d)
{
	u64 ps = muldiv(ticks, 1000000000000ull, hz * d);
	snprintf(buf, len, "%llu.%03llu", ps / 1000, ps % 1000);
}

/* The case's line, in one write. */
static void report(const char *name, const struct result *res)
{
	char e[3][3][24], t[3][24], l[3][24], line[512];
	for (int k = 0; k < 3; k++) {
		per_op(e[0][k], sizeof(e[0][k]), res->n[k], res);
		per_op(e[1][k], sizeof(e[1][k]), res->peer[k], res);
		per_op(e[2][k], sizeof(e[2][k]), res->all[k], res);
	}
	u64 pick[3] = {res->t[res->reps / 2], res->t[0], res->t[res->reps - 1]};
	for (int k = 0; k < 3; k++) {
		ns3(t[k], sizeof(t[k]), pick[k], res->ops);
		ns3(l[k], sizeof(l[k]), res->lat[k], 1);
	}
	size_t n = snprintf(
	    line, sizeof(line), "BENCH case=%s ops=%ld reps=%d entries=%s exc=%s intr=%s", name,
	    res->ops, res->reps, e[0][KS_SYSCALL], e[0][KS_EXCEPTION], e[0][KS_INTERRUPT]);
	if (res->has_peer && n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n,
			      " peer_entries=%s peer_exc=%s peer_intr=%s", e[1][KS_SYSCALL],
			      e[1][KS_EXCEPTION], e[1][KS_INTERRUPT]);
	if (n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n,
			      " all_entries=%s all_exc=%s all_intr=%s ns=%s min=%s max=%s",
			      e[2][KS_SYSCALL], e[2][KS_EXCEPTION], e[2][KS_INTERRUPT], t[0], t[1],
			      t[2]);
	if (res->has_lat && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " lat=%s lat_min=%s lat_max=%s", l[0], l[1],
			 l[2]);
	n = MIN(strlen(line), sizeof(line) - 2);
	line[n] = '\n'; /* one write: printf would write it in 256-byte pieces */
	writeall(1, line, n + 1);
}

/* Measure and print: the cases without a peer. */
static int run(const char *name, loop_fn f, long arg, long ops)
{
	struct result res;
	int r = measure(f, arg, ops, &res);
	if (r == RAN)
		report(name, &res);
	return r;
}

/* ---- the cases ------------------------------------------------------ */

struct bcase;
/* A case sets up what it needs, measures with measure() and prints its
   line with report() (run() does both), and returns RAN; or puts the
   reason in why[] and returns SKIPPED (it cannot run here: printed as a
   skip line) or FAILED. */
typedef int (*case_fn)(const struct bcase *c);

struct bcase {
	const char *name;
	case_fn fn;	  /* NULL: not available in this kernel yet */
	long arg;	  /* the case's parameter (a batch size, flags) */
	unsigned cpus;	  /* 0: any machine; 1 or 2: only one with that many CPUs */
	long ops;	  /* operations per repetition (full mode) */
	int reps;	  /* measured repetitions (full mode); 0: the default */
	const char *what; /* what the case measures, or what it still needs */
};

/* Operations per repetition: -n, or the case's own, smaller in quick mode. */
static long size(const struct bcase *c)
{
	if (nops)
		return nops;
	return quick ? MAX(c->ops / 16, 1) : c->ops;
}

/*
 * cpu-loop: a loop of exactly two instructions per turn, so its time
 * per operation is the time of one instruction: 2^shift ns under
 * -icount shift=N, and the speed of the emulator (or CPU) otherwise.
 * The loop is in assembly so that the compiler cannot change it.
 */
static long spin(long n, long arg)
{
	(void)arg;
	long k = MAX(n / 2, 1);
#ifdef __riscv
	asm volatile("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r"(k));
#else
	asm volatile("1: dec %0\n\tjnz 1b" : "+r"(k));
#endif
	return 0;
}

static int c_loop(const struct bcase *c)
{
	return run(c->name, spin, 0, MAX(size(c) & ~1l, 2));
}

/* null-call: one blocking call per operation (getpid: a ring entry, one
   ring_enter, the completion already there when it returns). */
static long calls(long n, long arg)
{
	(void)arg;
	for (long i = 0; i < n; i++) {
		int r = getpid();
		if (r < 0)
			return r;
	}
	return 0;
}

static int c_call(const struct bcase *c)
{
	return run(c->name, calls, 0, size(c));
}

/*
 * null-batchN: N NOPs prepared with sq_get(), submitted with one
 * sq_submit() (one ring_enter), and their N completions reaped with
 * cq_wait() (NOPs complete inside the ring_enter): the C library's
 * asynchronous API (async.h), as a program that batches uses it. A
 * thread's first ring has 64 entries, so the batches run in a thread
 * of their own that moves its calls to a ring with room for the largest
 * (ring_resize): every batch size runs the same code on the same ring.
 */
#define BATCH_RING 128

static struct cqe done[BATCH_RING];

static long batches(long n, long b)
{
	for (long i = 0; i < n; i += b) {
		for (long j = 0; j < b; j++) {
			struct sqe *e = sq_get();
			if (!e)
				return -EAGAIN; /* the ring is full: not expected */
			e->opcode = OP_NOP;
		}
		long r = sq_submit();
		if (r < 0)
			return r;
		if (r != b)
			return -EAGAIN; /* the kernel took fewer: not expected */
		for (long got = 0; got < b; got += r) {
			if ((r = cq_wait(done, b - got)) < 0)
				return r;
			/* a pointer, not an index: the loop is counted too */
			for (const struct cqe *d = done; d < done + r; d++)
				if (d->res < 0)
					return d->res;
		}
	}
	return 0;
}

static void batcher(void *arg)
{
	const struct bcase *c = arg;
	int r = ring_resize(BATCH_RING, 0);
	if (r < 0) {
		snprintf(why, sizeof(why), "ring_resize: %s", errstr(r));
		thread_exit(FAILED);
	}
	thread_exit(run(c->name, batches, c->arg, MAX(size(c) / c->arg, 1) * c->arg));
}

/* Run a case in a thread of its own, fn(c), which exits with RAN,
   SKIPPED or FAILED. */
static int in_thread(const struct bcase *c, void (*fn)(void *))
{
	int st, tid = thread_create(fn, (void *)c);
	if (tid < 0 || (tid = thread_join(tid, &st)) < 0) {
		snprintf(why, sizeof(why), "thread: %s", errstr(tid));
		return FAILED;
	}
	return st;
}

static int c_batch(const struct bcase *c)
{
	return in_thread(c, batcher);
}

/*
 * null-polled-Ncpu: null-call on a polled ring (ring_poll): publishing
 * the entry is the submission, and while the kernel's poller is awake
 * the completion is reaped without any system call. ring_poll()
 * switches the calling thread's ring for good, so the case runs in a
 * thread of its own, whose entries are the ones counted.
 *
 * The poller is a kernel thread that needs a CPU of its own. With one
 * CPU it gets one only when the program is preempted, at the next timer
 * tick, so every call waits for a tick: the 1-CPU case shows that cost,
 * with few operations.
 */
static void polled(void *arg)
{
	const struct bcase *c = arg;
	int r = ring_poll(0, -1);
	if (r < 0) {
		snprintf(why, sizeof(why), "ring_poll: %s", errstr(r));
		thread_exit(FAILED);
	}
	thread_exit(run(c->name, calls, 0, size(c)));
}

static int c_polled(const struct bcase *c)
{
	return in_thread(c, polled);
}

/*
 * nop-polled-{uintr,wait}-2cpu: NOPs published on a polled ring, up to
 * INFLIGHT in flight, and their completions taken two ways: by the
 * completion interrupt (ring_async: the handler counts them while the
 * program spins on the count, docs/rings.md) or with cq_wait, which
 * reaps and sleeps in wait() when the CQ is empty. Submitting costs
 * nothing either way while the poller is awake: what differs is the
 * completion end. Linux's pair is uring-sqpoll-2cpu (tests/bench/linux.c).
 * Each in a thread of its own: both switch the thread's ring for good.
 */
#define INFLIGHT  32
#define CQ_VECTOR 1

static volatile long cq_got;

static void cq_count(const struct cqe *c)
{
	if (c->res < 0)
		cq_got = c->res; /* a NOP does not fail: the loop stops */
	else
		cq_got++;
}

static long nops_polled(long n, long intr)
{
	long sent = 0, got = 0;
	cq_got = 0;
	while (got < n) {
		struct sqe *e;
		long k = 0;
		while (sent < n && sent - got < INFLIGHT && (e = sq_get())) {
			e->opcode = OP_NOP;
			sent++, k++;
		}
		long r = k ? sq_submit() : 0;
		if (r < 0)
			return r;
		if (intr) {
			if ((got = cq_got) < 0)
				return got;
			continue;
		}
		if ((r = cq_wait(done, MIN(sent - got, BATCH_RING))) < 0)
			return r;
		for (long i = 0; i < r; i++)
			if (done[i].res < 0)
				return done[i].res;
		got += r;
	}
	return 0;
}

static void polled_nops(void *arg)
{
	const struct bcase *c = arg;
	int r = c->arg ? ring_async(RING_POLL, 0, -1, CQ_VECTOR, cq_count) : ring_poll(0, -1);
	if (r < 0) {
		snprintf(why, sizeof(why), "%s: %s", c->arg ? "ring_async" : "ring_poll",
			 errstr(r));
		thread_exit(FAILED);
	}
	thread_exit(run(c->name, nops_polled, c->arg, size(c)));
}

static int c_polled_nops(const struct bcase *c)
{
	return in_thread(c, polled_nops);
}

/*
 * pipe-{kernel,hw}-{pingpong,stream}-Ncpu: two processes, this one and
 * a child (`bench --peer MODE`, the same program) whose descriptors 0
 * and 1 are the far ends of two pipes, both kernel pipes or both
 * hardware pipes:
 *
 *   pingpong  one byte to the child, which answers with one byte: one
 *             operation is one round trip;
 *   stream    1 MiB to the child in writes of 64 KiB, which answers
 *             with one byte once it has read it all: one operation is
 *             one MiB.
 *
 * The child counts its own kernel entries (struct snaps): before each
 * repetition, outside the clock, we send it two marks (a message 'm' of
 * one byte, answered with one byte once it has taken a snapshot of its
 * counters); after the last repetition, a message 'r' asks it for one
 * more snapshot and for all of them, in the answer pipe. Its entries per
 * operation are then exactly what it did for one repetition's
 * operations - every read and write - as this side's are.
 */
#define P_HW	 1 /* hardware pipes (else kernel pipes) */
#define P_STREAM 2 /* 1 MiB streams (else a 1-byte ping-pong) */

static struct {
	int to, from; /* our ends: requests to the child, its answers */
	int pid;
	struct snaps sn; /* the child's, when it has reported */
} pp;

static u8 sbuf[CHUNK];

static long readall(int fd, void *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		long r = read(fd, (u8 *)buf + done, n - done);
		if (r <= 0)
			return r < 0 ? r : -EIO;
		done += r;
	}
	return n;
}

/* The child: answer until the requests' pipe ends. */
static int peer_main(const char *mode)
{
	static struct snaps sn;
	long want = strcmp(mode, "stream") == 0 ? MIB : 1;
	for (;;) {
		for (long got = 0; got < want;) {
			long r = read(0, sbuf, MIN(want - got, CHUNK));
			if (r <= 0)
				return r < 0; /* 0: end of file, the bench is done with us */
			if (got == 0 && (sbuf[0] == 'm' || sbuf[0] == 'r')) {
				snap(&sn);
				if (sbuf[0] == 'm') /* a mark: answer it as an operation */
					break;
				if (writeall(1, &sn, sizeof(sn)) != sizeof(sn)) /* report */
					return 1;
				sn.n = 0;
				goto next;
			}
			got += r;
		}
		if (write(1, sbuf, 1) != 1)
			return 1;
	next:;
	}
}

static int peer_start(const char *mode, bool hw)
{
	int a[2], b[2], r;
	if ((r = hw ? pipe(a) : pipe_kernel(a)) < 0)
		goto fail;
	if ((r = hw ? pipe(b) : pipe_kernel(b)) < 0) {
		close(a[0]);
		close(a[1]);
		goto fail;
	}
	char *argv[] = {"bench", "--peer", (char *)mode, NULL};
	int map[3] = {a[0], b[1], 2};
	r = pp.pid = spawn(SELF, argv, map, 3, -1, -1);
	close(a[0]);
	close(b[1]);
	pp.to = a[1];
	pp.from = b[0];
	if (r >= 0)
		return 0;
	close(pp.to);
	close(pp.from);
fail:
	snprintf(why, sizeof(why), "starting the other end: %s", errstr(r));
	return FAILED;
}

/* Ask the child for its snapshots (after the last repetition). */
static long peer_report(void)
{
	char c = 'r';
	long r = write(pp.to, &c, 1);
	if (r == 1)
		r = readall(pp.from, &pp.sn, sizeof(pp.sn));
	return r < 0 ? r : 0;
}

static void peer_stop(void)
{
	int st;
	close(pp.to);
	close(pp.from);
	waitpid(pp.pid, &st); /* our closing the pipe ends it */
}

static long pingpong(long n, long arg)
{
	(void)arg;
	for (long i = 0; i < n; i++) {
		char c = 'p';
		long r = write(pp.to, &c, 1);
		if (r == 1)
			r = read(pp.from, &c, 1);
		if (r != 1)
			return r < 0 ? r : -EIO;
	}
	return 0;
}

static long stream(long n, long arg)
{
	(void)arg;
	for (long i = 0; i < n; i++) {
		long r;
		for (long done = 0; done < MIB; done += r) {
			long at = done & (CHUNK - 1);
			if ((r = write(pp.to, sbuf + at, CHUNK - at)) <= 0)
				return r < 0 ? r : -EIO;
		}
		char c;
		if ((r = read(pp.from, &c, 1)) != 1)
			return r < 0 ? r : -EIO;
	}
	return 0;
}

/* Before each repetition: the child's two snapshots (struct snaps). */
static long pipe_marks(void)
{
	for (int k = 0; k < 2; k++) {
		char c = 'm';
		long r = write(pp.to, &c, 1);
		if (r == 1)
			r = read(pp.from, &c, 1);
		if (r != 1)
			return r < 0 ? r : -EIO;
	}
	return 0;
}

static int c_pipe(const struct bcase *c)
{
	bool s = c->arg & P_STREAM;
	if (peer_start(s ? "stream" : "pingpong", c->arg & P_HW) != 0)
		return FAILED;
	struct result res;
	before = pipe_marks;
	int r = measure(s ? stream : pingpong, 0, size(c), &res);
	before = NULL;
	long e;
	if (r == RAN && (e = peer_report()) < 0) {
		snprintf(why, sizeof(why), "the other end's counters: %s", errstr(e));
		r = FAILED;
	}
	if (r == RAN && (r = peer_sums(&pp.sn, &res)) == RAN)
		report(c->name, &res);
	peer_stop();
	return r;
}

/*
 * User interrupts. One handler for the process: it notes the delivery
 * (got[vector]) and its latency, the receiver's clock at the handler
 * minus the sender's just before its send instruction (one delivery is
 * in flight at a time in every case). PIPE_VECTOR (hardware pipes'
 * wake-ups, if this thread still receives them) is not ours.
 *
 *   uintr-self: a thread sends to itself. The send instruction traps
 *   and the kernel emulates it; on the way back to user mode the kernel
 *   delivers the interrupt (the handler runs), and the handler's return
 *   instruction (UIRET / URET) traps and is emulated too. One
 *   operation: send, delivery, handler, return.
 */
#define V_SELF	0
#define V_CROSS 1 /* thread k of a cross-thread case receives vector V_CROSS + k */
#define HSTACK	4096

static volatile u64 sent_at;
static volatile unsigned got[V_CROSS + 2];
static char hstack[2][HSTACK] __attribute__((aligned(16)));

static void on_uintr(unsigned long vector)
{
	u64 now = clock_ticks();
	if (vector >= ARRAY_SIZE(got))
		return;
	lat_add(now - sent_at);
	got[vector]++;
}

static int uidx;

static long uintrs(long n, long arg)
{
	(void)arg;
	unsigned before = got[V_SELF];
	for (long i = 0; i < n; i++) {
		sent_at = clock_ticks();
		uintr_send(uidx);
	}
	return got[V_SELF] - before == (unsigned)n ? 0 : -EIO; /* each one delivered */
}

/* uintr-self, and uintr-native on a CPU with UINTR: the same
   measurement, which counts as native only if no send trapped. */
static int self_sends(const struct bcase *c, bool native)
{
	struct result res;
	int fd = -1, r = uintr_register_handler(on_uintr, hstack[0], HSTACK);
	if (r >= 0 && (r = fd = uintr_create_vector(V_SELF)) >= 0 &&
	    (r = uidx = uintr_register_sender(fd)) >= 0) {
		uintr_enable();
		r = measure(uintrs, 0, size(c), &res);
		uintr_disable();
		uintr_unregister_sender(uidx);
		if (r == RAN && native && res.n[KS_EXCEPTION]) {
			snprintf(
			    why, sizeof(why),
			    "this CPU has UINTR (CPUID.(7,0):EDX[5]), but the sends trapped: the "
			    "kernel emulates them (uintr-self)");
			r = SKIPPED;
		} else if (r == RAN) {
			report(c->name, &res);
		}
	} else {
		snprintf(why, sizeof(why), "setting up: %s", errstr(r));
		r = FAILED;
	}
	if (fd >= 0)
		close(fd);
	uintr_unregister_handler();
	return r;
}

static int c_uintr(const struct bcase *c)
{
	return self_sends(c, false);
}

/* uintr-native: only where the CPU has user interrupts. */
static int c_uintr_native(const struct bcase *c)
{
#ifdef __x86_64__
	u32 a = 7, b, cx = 0, d;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(cx), "=d"(d));
	if (d & (1u << 5))
		return self_sends(c, true);
	snprintf(why, sizeof(why),
		 "this CPU has no UINTR (CPUID.(7,0):EDX[5] clear): the kernel emulates it "
		 "(uintr-self, uintr-cross-*)");
#else
	(void)c;
	snprintf(why, sizeof(why),
		 "no RISC-V CPU here has user interrupts: the kernel emulates them "
		 "(uintr-self, uintr-cross-*)");
#endif
	return SKIPPED;
}

/*
 * uintr-cross-{sleep,spin}-Ncpu: two threads of this process, A (the
 * measuring one) and B, bounce a user interrupt: A sends to B, B's
 * handler runs, B sends back to A, A's handler runs. One operation is
 * one delivery (a round trip is two), so A's entries per operation plus
 * B's are what one send and one delivery cost, sender and receiver
 * together. B counts its own entries as the pipes' child does: before
 * each repetition, outside the clock, A bounces two marks (deliveries
 * with `mark` raised), at each of which B takes a snapshot.
 *
 *   sleep: a thread with nothing to do sleeps in wait(WAIT_UINTR), with
 *          user interrupts masked around the check-then-wait as
 *          hardware pipes do (CLUI, look, wait, STUI: the interrupt is
 *          delivered at the STUI). One CPU or two.
 *   spin:  it spins with user interrupts enabled: the send reaches it on
 *          the other CPU by an IPI, and it is delivered on the way back
 *          from that interrupt. Two CPUs only: on one, a spinning
 *          receiver runs only when the sender is preempted.
 */
static struct {
	int fd[2];  /* thread k's vector (V_CROSS + k) */
	int idx[2]; /* thread k's sender index to the other thread */
	bool spin;
	volatile int state; /* B: 0 setting up, 1 ready, < 0 failed (-E*) */
	volatile bool mark, final;
	struct snaps sn; /* B's */
} ux;

/* Wait until thread k's handler has run more than `seen` times. */
static long uwait(int k, unsigned seen)
{
	struct wait_item it = {.type = WAIT_UINTR};
	struct wait_event ev;
	while (got[V_CROSS + k] == seen) {
		if (ux.spin)
			continue;
		uintr_disable();
		/* look again: a delivery just before the CLUI leaves nothing pending */
		long r = got[V_CROSS + k] == seen ? wait(&it, 1, &ev, 1, -1) : 0;
		uintr_enable(); /* what is pending is delivered here */
		if (r < 0 && r != -EINTR)
			return r;
	}
	return 0;
}

static void bouncer(void *arg)
{
	(void)arg;
	int r = uintr_register_handler(on_uintr, hstack[1], HSTACK);
	if (r >= 0 && (r = ux.fd[1] = uintr_create_vector(V_CROSS + 1)) >= 0)
		r = ux.idx[1] = uintr_register_sender(ux.fd[0]);
	if (r < 0) {
		ux.state = r;
		thread_exit(1);
	}
	uintr_enable();
	ux.state = 1;
	for (unsigned seen = 0;;) {
		if (uwait(1, seen) < 0)
			break;
		seen = got[V_CROSS + 1];
		if (ux.final || ux.mark)
			snap(&ux.sn);
		if (ux.final)
			break;
		sent_at = clock_ticks();
		uintr_send(ux.idx[1]);
	}
	uintr_disable();
	uintr_unregister_handler();
	thread_exit(0);
}

static long bounce(long n, long arg)
{
	(void)arg;
	for (long i = 0; i < n; i += 2) {
		unsigned seen = got[V_CROSS];
		sent_at = clock_ticks();
		uintr_send(ux.idx[0]);
		long r = uwait(0, seen);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Before each repetition: B's two snapshots (struct snaps). */
static long cross_marks(void)
{
	ux.mark = true;
	long r = bounce(4, 0);
	ux.mark = false;
	return r;
}

static int c_cross(const struct bcase *c)
{
	int tid = -1, r;
	memset(&ux, 0, sizeof(ux));
	ux.fd[1] = ux.idx[0] = -1;
	ux.spin = c->arg;
	if ((r = uintr_register_handler(on_uintr, hstack[0], HSTACK)) < 0 ||
	    (r = ux.fd[0] = uintr_create_vector(V_CROSS)) < 0 ||
	    (r = tid = thread_create(bouncer, NULL)) < 0)
		goto fail;
	while (ux.state == 0)
		msleep(1);
	if ((r = ux.state) < 0 || (r = ux.idx[0] = uintr_register_sender(ux.fd[1])) < 0)
		goto fail;
	uintr_enable();
	struct result res;
	before = cross_marks;
	r = measure(bounce, 0, ROUND_UP(size(c), 2), &res);
	before = NULL;
	ux.final = true;
	sent_at = clock_ticks();
	uintr_send(ux.idx[0]);
	thread_join(tid, NULL);
	tid = -1;
	if (r == RAN && (r = peer_sums(&ux.sn, &res)) == RAN)
		report(c->name, &res);
	goto out;
fail:
	snprintf(why, sizeof(why), "setting up: %s", errstr(r));
	r = FAILED;
out:
	/* B has failed, or waits for its first interrupt (if we can send one) */
	if (tid >= 0 && (ux.state < 0 || ux.idx[0] >= 0)) {
		ux.final = true;
		if (ux.idx[0] >= 0)
			uintr_send(ux.idx[0]);
		thread_join(tid, NULL);
	}
	uintr_disable();
	if (ux.idx[0] >= 0)
		uintr_unregister_sender(ux.idx[0]);
	for (int k = 0; k < 2; k++)
		if (ux.fd[k] >= 0)
			close(ux.fd[k]);
	uintr_unregister_handler();
	return r;
}

/*
 * file-read-{4k,64k}-Ncpu: read a file through its connection to the
 * file server (fsd): one operation reads the whole size from offset 0
 * with pread, FS_IO_MAX bytes per request and its answer (4 KiB: one;
 * 64 KiB: six), as Linux's case does (tests/bench/linux.c). The file
 * is made here, in /tmp.
 * The server's entries are not its own report: they are every CPU's
 * entries minus this thread's (the server is the only other program
 * running), in the peer_ columns.
 */
#define FILE_PATH "/tmp/bench.dat"
#define FILE_SIZE (64 << 10)

static int ffd = -1;
static u8 fbuf[FILE_SIZE];

static long freads(long n, long len)
{
	for (long i = 0; i < n; i++) {
		long r = 0;
		for (long done = 0; r >= 0 && done < len; done += r)
			if ((r = pread(ffd, fbuf + done, len - done, done)) == 0)
				r = -EIO; /* shorter than we wrote */
		if (r < 0)
			return r;
	}
	return 0;
}

static int c_file(const struct bcase *c)
{
	int r = ffd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (r < 0) {
		snprintf(why, sizeof(why), "open(%s): %s: no file server?", FILE_PATH, errstr(r));
		return SKIPPED;
	}
	for (int i = 0; i < FILE_SIZE; i++)
		fbuf[i] = i * 7;
	long w = writeall(ffd, fbuf, FILE_SIZE);
	struct result res;
	if (w != FILE_SIZE) {
		snprintf(why, sizeof(why), "writing %s: %s", FILE_PATH, errstr(w < 0 ? w : -EIO));
		r = FAILED;
	} else if ((r = measure(freads, c->arg, size(c), &res)) == RAN) {
		for (int k = 0; k < 3; k++)
			res.peer[k] = res.all[k] - res.n[k];
		res.has_peer = true;
		report(c->name, &res);
	}
	close(ffd);
	unlink(FILE_PATH);
	return r;
}

/*
 * disk-*: files on the disk (docs/disk.md), through fsd, its buffer
 * cache and log, and blkd. One operation is one 4 KiB block of the
 * file, so that the entries are per block; a repetition moves 1 MiB
 * (256 operations) or, for the random reads, 256 blocks:
 *
 *   disk-write-1m       write 1 MiB from offset 0 of a file just cut to
 *                       0 bytes, 64 KiB per write(): every block
 *                       allocated, logged and written home, durable when
 *                       write() returns (fsd answers after the commit)
 *   disk-read-1m-cold   read it back, 64 KiB per read(), after reading
 *                       another 1 MiB file (outside the clock), which
 *                       evicts it from fsd's cache (the driver's entries show the reads)
 *   disk-read-1m-warm   read it again at once: from fsd's cache of 512
 *                       blocks (docs/disk.md), which holds the file
 *   disk-read-4k-rand   pread 4 KiB at a random block of the file (the
 *                       same seed each run): some hit the cache
 *
 * The peer_ columns are the driver's kernel entries per block, over the
 * measured repetitions (blkd's own count, BLK_STATS on a connection of
 * ours, before and after each: those requests are in the count); the
 * entries columns the client's.
 * Without a disk (the runs of `make bench`: NODISK) they are skipped.
 */
#define DISK_FILE  "/tmp/bench-disk.dat"
#define DISK_OTHER "/tmp/bench-disk.other"
#define DISK_BLK   256 /* blocks per repetition: 1 MiB */

static int dfd = -1, dblk = -1, dcalls;
static u64 dstart[3], dsum[3]; /* blkd's count at a measured repetition's start; the sum */
static u8 dbuf[CHUNK];

enum { D_WRITE, D_COLD, D_WARM, D_RAND };

/* blkd's kernel entries of each kind since it started (BLK_STATS). */
static long blk_entries(u64 e[3])
{
	for (u32 k = 0; k < 3; k++) {
		struct blk_req q = {.op = BLK_STATS, .tag = k + 1, .block = k};
		struct blk_reply a;
		long r = blk_send(dblk, &q, NULL);
		if (r == 0)
			r = blk_recv(dblk, &a, NULL, NULL);
		if (r == 0 && a.status < 0)
			r = a.status;
		if (r < 0)
			return r;
		e[k] = a.value;
	}
	return 0;
}

/* n blocks of path, sequentially, CHUNK bytes per call. */
static long dseq(const char *path, long n, bool wr)
{
	int fd = open(path, wr ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY, 0644);
	long r = fd;
	for (long done = 0; fd >= 0 && done < n * BLK_SIZE; done += r) {
		long len = MIN(CHUNK, n * BLK_SIZE - done);
		r = wr ? writeall(fd, dbuf, len) : read(fd, dbuf, len);
		if (r <= 0) {
			r = r < 0 ? r : -EIO;
			break;
		}
	}
	if (fd >= 0)
		close(fd);
	return r < 0 ? r : 0;
}

static long disk_ops(long n, long kind)
{
	if (kind == D_WRITE || kind == D_COLD || kind == D_WARM)
		return dseq(DISK_FILE, n, kind == D_WRITE);
	for (long i = 0; i < n; i++) {
		u64 at = rand() % DISK_BLK * BLK_SIZE;
		long r = pread(dfd, dbuf, BLK_SIZE, at);
		if (r != BLK_SIZE)
			return r < 0 ? r : -EIO;
	}
	return 0;
}

/* blkd's entries since dstart, added to dsum. */
static long disk_sum(void)
{
	u64 e[3];
	long r = blk_entries(e);
	for (int k = 0; k < 3 && r == 0; k++)
		dsum[k] += e[k] - dstart[k];
	return r;
}

/* Before each repetition, outside the clock: blkd's count of the
   measured repetition that ended, the cold read's other file read
   through the cache, blkd's count at the start of a measured one. */
static long disk_before(long kind)
{
	long r = ++dcalls > warm + 1 ? disk_sum() : 0;
	if (r == 0 && kind == D_COLD)
		r = dseq(DISK_OTHER, DISK_BLK, false);
	if (r == 0 && dcalls > warm)
		r = blk_entries(dstart);
	return r;
}

static long disk_cold(void)
{
	return disk_before(D_COLD);
}

static long disk_other(void)
{
	return disk_before(D_WRITE);
}

static int c_disk(const struct bcase *c)
{
	struct result res;
	int r;
	if ((dblk = blk_open()) < 0) {
		snprintf(why, sizeof(why), "no disk (%s: %s): fsd's tree is in memory", BLK_PATH,
			 errstr(dblk));
		return SKIPPED;
	}
	for (int i = 0; i < CHUNK; i++)
		dbuf[i] = i * 7;
	long e = dseq(DISK_FILE, DISK_BLK, true);
	if (e == 0 && c->arg == D_COLD)
		e = dseq(DISK_OTHER, DISK_BLK, true);
	if (e == 0 && c->arg == D_RAND && (dfd = e = open(DISK_FILE, O_RDONLY, 0)) >= 0)
		e = 0;
	if (e < 0) {
		snprintf(why, sizeof(why), "making %s: %s", DISK_FILE, errstr(e));
		r = FAILED;
		goto out;
	}
	srand(1);
	dcalls = 0;
	memset(dsum, 0, sizeof(dsum));
	before = c->arg == D_COLD ? disk_cold : disk_other;
	r = measure(disk_ops, c->arg, size(c), &res);
	before = NULL;
	if (r == RAN && (e = disk_sum()) < 0) {
		snprintf(why, sizeof(why), "blkd's counters: %s", errstr(e));
		r = FAILED;
	}
	if (r == RAN) {
		for (int k = 0; k < 3; k++)
			res.peer[k] = dsum[k];
		res.has_peer = true;
		report(c->name, &res);
	}
out:
	if (dfd >= 0)
		close(dfd);
	dfd = -1;
	close(dblk);
	unlink(DISK_FILE);
	unlink(DISK_OTHER);
	return r;
}

/*
 * The cases. Sizes: operations per repetition in full mode (a sixteenth
 * in quick mode). A case that waits for timer ticks on one CPU, or for
 * the host to run both of QEMU's vCPU threads on two, has few, so that
 * `make bench` stays within minutes on a busy machine.
 */
#define RT "1-byte round trip between two processes"
static const struct bcase cases[] = {
    {"cpu-loop", c_loop, 0, 0, 200000, 0, "a loop of known length: ns per guest instruction"},
    {"null-call", c_call, 0, 0, 4096, 0, "one blocking call (getpid) per operation"},
    {"null-batch1", c_batch, 1, 0, 4096, 0, "NOPs, 1 per ring_enter"},
    {"null-batch8", c_batch, 8, 0, 4096, 0, "NOPs, 8 per ring_enter"},
    {"null-batch32", c_batch, 32, 0, 4096, 0, "NOPs, 32 per ring_enter"},
    {"null-batch128", c_batch, 128, 0, 4096, 0, "NOPs, 128 per ring_enter"},
    {"null-polled-1cpu", c_polled, 0, 1, 16, 0,
     "getpid on a polled ring, one CPU: the poller runs at timer ticks"},
    {"null-polled-2cpu", c_polled, 0, 2, 128, 0, "getpid on a polled ring, two CPUs"},
    {"nop-polled-uintr-2cpu", c_polled_nops, 1, 2, 4096, 0,
     "NOPs on a polled ring, 32 in flight, completed by the interrupt, two CPUs"},
    {"nop-polled-wait-2cpu", c_polled_nops, 0, 2, 4096, 0,
     "NOPs on a polled ring, 32 in flight, reaped with cq_wait, two CPUs"},
    {"pipe-kernel-pingpong-1cpu", c_pipe, 0, 1, 1024, 0, "kernel pipes: " RT ", one CPU"},
    {"pipe-kernel-pingpong-2cpu", c_pipe, 0, 2, 256, 0, "kernel pipes: " RT ", two CPUs"},
    {"pipe-hw-pingpong-1cpu", c_pipe, P_HW, 1, 16, 0, "hardware pipes: " RT ", one CPU"},
    {"pipe-hw-pingpong-2cpu", c_pipe, P_HW, 2, 128, 0, "hardware pipes: " RT ", two CPUs"},
    {"pipe-kernel-stream-1cpu", c_pipe, P_STREAM, 1, 2, 0, "kernel pipes: 1 MiB, one CPU"},
    {"pipe-kernel-stream-2cpu", c_pipe, P_STREAM, 2, 1, 0, "kernel pipes: 1 MiB, two CPUs"},
    {"pipe-hw-stream-1cpu", c_pipe, P_HW | P_STREAM, 1, 1, 5, "hardware pipes: 1 MiB, one CPU"},
    {"pipe-hw-stream-2cpu", c_pipe, P_HW | P_STREAM, 2, 1, 0, "hardware pipes: 1 MiB, two CPUs"},
    {"uintr-self", c_uintr, 0, 0, 1024, 0, "user interrupt sent to oneself (emulated here)"},
    {"uintr-cross-sleep-1cpu", c_cross, 0, 1, 1024, 0,
     "user interrupts between two threads that sleep in wait(), one CPU"},
    {"uintr-cross-sleep-2cpu", c_cross, 0, 2, 128, 0,
     "user interrupts between two threads that sleep in wait(), two CPUs"},
    {"uintr-cross-spin-2cpu", c_cross, 1, 2, 128, 0,
     "user interrupts between two spinning threads, two CPUs"},
    {"uintr-native", c_uintr_native, 0, 0, 1024, 0, "uintr-self with the CPU's own UINTR"},
    {"file-read-4k-1cpu", c_file, 4096, 1, 8, 0, "4 KiB read through the file server, one CPU"},
    {"file-read-4k-2cpu", c_file, 4096, 2, 32, 0, "4 KiB read through the file server, two CPUs"},
    {"file-read-64k-1cpu", c_file, 65536, 1, 2, 0, "64 KiB read through the file server, one CPU"},
    {"file-read-64k-2cpu", c_file, 65536, 2, 8, 0, "64 KiB read through the file server, two CPUs"},
    {"disk-write-1m", c_disk, D_WRITE, 0, DISK_BLK, 5,
     "1 MiB written to a file on the disk, per 4 KiB"},
    {"disk-read-1m-cold", c_disk, D_COLD, 0, DISK_BLK, 5,
     "1 MiB read from the disk, cache cold, per 4 KiB"},
    {"disk-read-1m-warm", c_disk, D_WARM, 0, DISK_BLK, 5,
     "1 MiB read from the disk again, per 4 KiB"},
    {"disk-read-4k-rand", c_disk, D_RAND, 0, DISK_BLK, 5,
     "4 KiB read at a random block of a 1 MiB file"},
};

/* Every case if no names are given; else exactly the cases named. */
static bool chosen(const char *name, int argc, char **argv)
{
	if (argc == 0)
		return true;
	for (int i = 0; i < argc; i++)
		if (strcmp(name, argv[i]) == 0)
			return true;
	return false;
}

/* A name that is no case's: say so rather than run nothing for it. */
static const char *unknown(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		size_t k = 0;
		while (k < ARRAY_SIZE(cases) && strcmp(cases[k].name, argv[i]) != 0)
			k++;
		if (k == ARRAY_SIZE(cases))
			return argv[i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int ran = 0, skipped = 0, failed = 0, n = 0;

	if (argc == 3 && strcmp(argv[1], "--peer") == 0)
		return peer_main(argv[2]);
	argc--, argv++;
	for (; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		if (strcmp(argv[0], "-q") == 0) {
			quick = 1;
			warm = 1;
			reps = 3;
		} else if (strcmp(argv[0], "-n") == 0 && argc > 1 && atoi(argv[1]) > 0) {
			nops = atoi(argv[1]);
			argc--, argv++;
		} else if (strcmp(argv[0], "-l") == 0) {
			for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
				printf("%-28s %s%s\n", cases[i].name, cases[i].fn ? "" : "[later] ",
				       cases[i].what);
			return 0;
		} else {
			fprintf(2, "usage: bench [-q] [-l] [-n ops] [case...]\n");
			return 1;
		}
	}

	const char *bad = unknown(argc, argv);
	if (bad) {
		fprintf(2, "bench: no case %s (bench -l lists them)\n", bad);
		return 1;
	}

	struct kstats k;
	int r = kstats(&k);
	if (r < 0 || !k.clock_hz) {
		fprintf(2, "bench: no clock rate from OP_STATS: %s\n", r < 0 ? errstr(r) : "0");
		return 1;
	}
	hz = k.clock_hz;
	ncpu = k.ncpu;
#ifdef __riscv
	const char *arch = "riscv64";
#else
	const char *arch = "x86_64";
#endif
	printf("BENCH start arch=%s cpus=%u mode=%s warm=%d reps=%d\n", arch, k.ncpu,
	       quick ? "quick" : "full", warm, reps);
	printf("BENCH clock src=%s hz=%llu\n", CLOCK_NAME, hz);

	int warm0 = warm, reps0 = reps;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct bcase *c = &cases[i];
		if (!chosen(c->name, argc, argv))
			continue;
		n++;
		int res = SKIPPED;
		if (!c->fn) {
			snprintf(why, sizeof(why), "not available in this kernel yet: %s", c->what);
		} else if (c->cpus && c->cpus != ncpu) {
			snprintf(why, sizeof(why), "measured with %u CPU%s: this run has %u",
				 c->cpus, c->cpus > 1 ? "s" : "", ncpu);
		} else {
			/* a slow case: one warm-up and fewer repetitions */
			if (c->reps && !quick) {
				warm = 1;
				reps = MIN(c->reps, reps0);
			}
			res = c->fn(c);
			warm = warm0;
			reps = reps0;
		}
		if (res == RAN) {
			ran++;
		} else if (res == SKIPPED) {
			printf("BENCH case=%s skip=\"%s\"\n", c->name, why);
			skipped++;
		} else {
			printf("BENCH case=%s error=\"%s\"\n", c->name, why);
			failed++;
		}
	}
	printf("BENCH done cases=%d ran=%d skipped=%d failed=%d\n", n, ran, skipped, failed);
	return failed ? 1 : 0;
}
