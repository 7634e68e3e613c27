/*
 * bench.c - what one operation costs, measured inside duet (issue 8).
 *
 *	bench            every case, full repetitions
 *	bench -q         quick: few repetitions (make bench-quick, make test)
 *	bench -l         list the cases
 *	bench NAME...    only the cases whose names start with NAME
 *
 * For each case: kernel entries per operation, exact, from the kernel's
 * counters for the measuring thread (OP_STATS: system calls, and
 * exceptions and interrupts separately), and the time per operation on
 * the clock user mode reads without entering the kernel (clock_ticks():
 * the time CSR on riscv64, the TSC on x86_64, at the rate OP_STATS
 * gives). Under QEMU's -icount that clock counts guest instructions,
 * which makes the figures deterministic; the cpu-loop case, a loop of
 * known length, shows how many ns one instruction is. The method is in
 * docs/benchmarks.md.
 *
 * One line per case, key=value, for tests/bench/ to collect:
 *
 *	BENCH case=null-batch8 ops=4096 reps=21 entries=0.1250 exc=0.0000
 *	      intr=0.0017 ns=21967.508 min=21967.484 max=21967.508   (one line)
 *	BENCH case=pipe-hw-pingpong-1cpu skip="not available in this kernel yet: ..."
 *
 * A case is one function in the table at the end. Cases for mechanisms
 * this kernel lacks are rows without a function: they print a skip line
 * saying what they need, never a number.
 */
#include "async.h"
#include "uintr.h"

#define MAXREPS 32

/* Repetitions: a few unmeasured ones first (the warm-up: caches,
   TLB, QEMU's translation of the code), then the measured ones, of
   which we report the median, the min and the max. */
static int warm = 3, reps = 21;
static int quick; /* -q: fewer repetitions and smaller ones */

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

/* ---- measuring ------------------------------------------------------ */

/* This thread's kernel entries so far, by kind (KS_*). */
struct counts {
	u64 n[3];
};

static int counts(struct counts *c)
{
	struct kstats s;
	int r = kstats(&s);
	for (int i = 0; i < 3; i++)
		c->n[i] = s.thread[i];
	return r;
}

/* "1234.567": x / 1000 with three decimals */
static void fix3(char *buf, size_t len, u64 x)
{
	snprintf(buf, len, "%llu.%03llu", x / 1000, x % 1000);
}

/* What a case did; why it did not run is in why[]. */
enum { RAN, SKIPPED, FAILED };
static char why[256];

/* A loop that does n operations; 0, or the first -E* an operation gave. */
typedef long (*loop_fn)(long n, long arg);

/*
 * Run f(ops, arg) warm times, then reps times measured, and print the
 * case's line. Per operation: entries (system calls), exceptions and
 * interrupts of the calling thread, summed over the measured
 * repetitions; time as the median, min and max of the repetitions.
 *
 * Reading the counters is itself an operation: its system call (if it
 * makes one) is counted before the kernel copies the counters out, so
 * it is inside every difference of two readings. `self` is that cost,
 * measured here by reading twice, in the thread and on the ring that
 * will be measured.
 */
static int measure(const char *name, loop_fn f, long arg, long ops)
{
	u64 t[MAXREPS];
	struct counts a, b;
	s64 sum[3] = {0, 0, 0};
	long r;

	if ((r = counts(&a)) < 0 || (r = counts(&b)) < 0)
		goto fail;
	s64 self = b.n[KS_SYSCALL] - a.n[KS_SYSCALL];
	for (int i = 0; i < warm; i++)
		if ((r = f(ops, arg)) < 0)
			goto fail;
	for (int i = 0; i < reps; i++) {
		counts(&a);
		u64 t0 = clock_ticks();
		r = f(ops, arg);
		u64 t1 = clock_ticks();
		counts(&b);
		if (r < 0)
			goto fail;
		t[i] = t1 - t0;
		for (int k = 0; k < 3; k++)
			sum[k] += b.n[k] - a.n[k];
		sum[KS_SYSCALL] -= self;
	}
	/* insertion sort: a few dozen numbers */
	for (int i = 1; i < reps; i++)
		for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
			u64 x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}

	/* Per operation: entries over every measured operation, in
	   ten-thousandths, rounded (a batch of 64 is 0.0156); time in
	   picoseconds, from counts over one repetition. */
	u64 all = (u64)ops * reps;
	char e[3][24], ns[3][24];
	for (int k = 0; k < 3; k++) {
		u64 x = muldiv(MAX(sum[k], 0), 20000, all);
		x = x / 2 + x % 2;
		snprintf(e[k], sizeof(e[k]), "%llu.%04llu", x / 10000, x % 10000);
	}
	u64 pick[3] = {t[reps / 2], t[0], t[reps - 1]};
	for (int k = 0; k < 3; k++)
		fix3(ns[k], sizeof(ns[k]), muldiv(pick[k], 1000000000000ull, hz * ops));
	printf("BENCH case=%s ops=%ld reps=%d entries=%s exc=%s intr=%s ns=%s min=%s max=%s\n",
	       name, ops, reps, e[KS_SYSCALL], e[KS_EXCEPTION], e[KS_INTERRUPT], ns[0], ns[1],
	       ns[2]);
	return RAN;
fail:
	snprintf(why, sizeof(why), "%s", errstr(r));
	return FAILED;
}

/* Operations per repetition: smaller in quick mode. */
static long size(long full)
{
	return quick ? MAX(full / 16, 1) : full;
}

/* ---- the cases ------------------------------------------------------ */

struct bcase;
/* A case sets up what it needs, measures with measure() (which prints
   its line) and returns RAN; or puts the reason in why[] and returns
   SKIPPED (it cannot run here: printed as a skip line) or FAILED. */
typedef int (*case_fn)(const struct bcase *c);

struct bcase {
	const char *name;
	case_fn fn;	  /* NULL: not available in this kernel yet */
	long arg;	  /* the case's parameter (a batch size, a byte count) */
	const char *what; /* what the case measures, or what it still needs */
};

/*
 * cpu-loop: a loop of exactly two instructions per turn, so its time
 * per operation is the time of one instruction: 2^shift ns under
 * -icount shift=N, and the speed of the emulator (or CPU) otherwise.
 * The loop is in assembly so that the compiler cannot change it.
 */
static long spin(long n, long arg)
{
	(void)arg;
	long k = n / 2;
#ifdef __riscv
	asm volatile("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r"(k));
#else
	asm volatile("1: dec %0\n\tjnz 1b" : "+r"(k));
#endif
	return 0;
}

static int c_loop(const struct bcase *c)
{
	return measure(c->name, spin, 0, size(200000));
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
	return measure(c->name, calls, 0, size(4096));
}

/*
 * null-batchN: N NOPs in the ring, one ring_enter for all of them, then
 * their N completions reaped (NOPs complete inside the ring_enter). A
 * thread's first ring has 64 entries, so the batches go to a ring of
 * their own (OP_RING_CREATE) with room for the largest, driven here
 * directly, with the ordering rules of docs/rings.md: every batch size
 * runs the same code on the same ring.
 */
#define BATCH_RING 128

static struct {
	struct ring_hdr *h;
	struct sqe *sq;
	struct cqe *cq;
	int id;
	unsigned tail; /* our sq_tail */
	unsigned head; /* our cq_head */
} br;

static long batches(long n, long b)
{
	struct wait_item it = {.type = WAIT_RING, .id = br.id};
	struct wait_event ev;
	for (long i = 0; i < n; i += b) {
		for (long j = 0; j < b; j++)
			br.sq[br.tail++ & br.h->sq_mask] = (struct sqe){.opcode = OP_NOP};
		/* release: the entries before the tail that covers them */
		__atomic_store_n(&br.h->sq_tail, br.tail, __ATOMIC_RELEASE);
		long r = ring_enter(br.id, b, 0);
		if (r < 0)
			return r;
		if (r != b)
			return -EAGAIN; /* the kernel took fewer: not expected */
		for (long got = 0; got < b;) {
			/* acquire: the completions before the tail that covers them */
			unsigned t = __atomic_load_n(&br.h->cq_tail, __ATOMIC_ACQUIRE);
			if (t == br.head) {
				if ((r = wait(&it, 1, &ev, 1, -1)) < 0)
					return r;
				continue;
			}
			for (; br.head != t; br.head++, got++)
				if (br.cq[br.head & br.h->cq_mask].res < 0)
					return br.cq[br.head & br.h->cq_mask].res;
			__atomic_store_n(&br.h->cq_head, br.head, __ATOMIC_RELEASE);
		}
	}
	return 0;
}

static int c_batch(const struct bcase *c)
{
	int id = ring_create(BATCH_RING, 2 * BATCH_RING, 0, 0, -1, &br.h);
	if (id < 0) {
		snprintf(why, sizeof(why), "ring_create: %s", errstr(id));
		return FAILED;
	}
	br.id = id;
	br.sq = (struct sqe *)((char *)br.h + br.h->sq_off);
	br.cq = (struct cqe *)((char *)br.h + br.h->cq_off);
	br.tail = br.h->sq_tail;
	br.head = br.h->cq_head;
	int r = measure(c->name, batches, c->arg, MAX(size(4096) / c->arg, 1) * c->arg);
	ring_destroy(id);
	return r;
}

/*
 * null-polled: null-call on a polled ring (ring_poll): publishing the
 * entry is the submission, and while the kernel's poller is awake the
 * completion is reaped without any system call. ring_poll() switches
 * the calling thread's ring for good, so the case runs in a thread of
 * its own, whose entries are the ones counted.
 *
 * The poller is a kernel thread that needs a CPU. With one CPU it gets
 * it when the program is preempted, at the next timer tick, so every
 * call waits for a tick: few operations then, or the case would take
 * minutes.
 */
static void polled(void *arg)
{
	const struct bcase *c = arg;
	int r = ring_poll(0, -1);
	if (r < 0) {
		snprintf(why, sizeof(why), "ring_poll: %s", errstr(r));
		thread_exit(FAILED);
	}
	thread_exit(measure(c->name, calls, 0, ncpu > 1 ? size(1024) : size(16)));
}

static int c_polled(const struct bcase *c)
{
	int st, tid = thread_create(polled, (void *)c);
	if (tid < 0 || (tid = thread_join(tid, &st)) < 0) {
		snprintf(why, sizeof(why), "thread: %s", errstr(tid));
		return FAILED;
	}
	return st;
}

/*
 * uintr-emulated: a thread sends a user interrupt to itself. The send
 * instruction traps and the kernel emulates it; on the way back to user
 * mode the kernel delivers the interrupt (the handler runs), and the
 * handler's return instruction (UIRET / URET) traps and is emulated
 * too. One operation: send, delivery, handler, return.
 */
static volatile u64 delivered;
static int uidx;
static char ustack[4096] __attribute__((aligned(16)));

static void on_uintr(unsigned long vector)
{
	(void)vector;
	delivered++;
}

static long uintrs(long n, long arg)
{
	(void)arg;
	u64 before = delivered;
	for (long i = 0; i < n; i++)
		uintr_send(uidx);
	return delivered - before == (u64)n ? 0 : -EIO; /* each one delivered */
}

static int c_uintr(const struct bcase *c)
{
	int fd = -1, r = uintr_register_handler(on_uintr, ustack, sizeof(ustack));
	if (r >= 0 && (r = fd = uintr_create_vector(0)) >= 0 &&
	    (r = uidx = uintr_register_sender(fd)) >= 0) {
		uintr_enable();
		r = measure(c->name, uintrs, 0, size(1024));
		uintr_disable();
		uintr_unregister_sender(uidx);
	} else {
		snprintf(why, sizeof(why), "setting up: %s", errstr(r));
		r = FAILED;
	}
	if (fd >= 0)
		close(fd);
	uintr_unregister_handler();
	return r;
}

/* uintr-native: only where the CPU has user interrupts. */
static int c_uintr_native(const struct bcase *c)
{
	(void)c;
#ifdef __x86_64__
	u32 a = 7, b, cx = 0, d;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(cx), "=d"(d));
	if (d & (1u << 5))
		snprintf(why, sizeof(why),
			 "this CPU has UINTR (CPUID.(7,0):EDX[5]), but the kernel has no native "
			 "path yet");
	else
		snprintf(why, sizeof(why),
			 "this CPU has no UINTR (CPUID.(7,0):EDX[5] clear): the kernel emulates "
			 "it (uintr-emulated)");
#else
	snprintf(why, sizeof(why),
		 "no RISC-V CPU here has user interrupts: the kernel emulates them "
		 "(uintr-emulated)");
#endif
	return SKIPPED;
}

static const struct bcase cases[] = {
    {"cpu-loop", c_loop, 0, "a loop of known length: ns per guest instruction"},
    {"null-call", c_call, 0, "one blocking call (getpid) per operation"},
    {"null-batch1", c_batch, 1, "NOPs, 1 per ring_enter"},
    {"null-batch8", c_batch, 8, "NOPs, 8 per ring_enter"},
    {"null-batch32", c_batch, 32, "NOPs, 32 per ring_enter"},
    {"null-batch128", c_batch, 128, "NOPs, 128 per ring_enter"},
    {"null-polled", c_polled, 0, "one blocking call (getpid) per operation, polled ring"},
    /* Rows to fill in as the mechanisms land: a function each. */
    {"pipe-kernel-pingpong-1cpu", NULL, 0, "kernel pipes: 1-byte round trip, one CPU"},
    {"pipe-kernel-pingpong-2cpu", NULL, 0, "kernel pipes: 1-byte round trip, two CPUs"},
    {"pipe-hw-pingpong-1cpu", NULL, 0, "hardware pipes: 1-byte round trip, one CPU"},
    {"pipe-hw-pingpong-2cpu", NULL, 0, "hardware pipes: 1-byte round trip, two CPUs"},
    {"pipe-kernel-stream-1cpu", NULL, 1 << 20, "kernel pipes: 1 MiB stream, one CPU"},
    {"pipe-kernel-stream-2cpu", NULL, 1 << 20, "kernel pipes: 1 MiB stream, two CPUs"},
    {"pipe-hw-stream-1cpu", NULL, 1 << 20, "hardware pipes: 1 MiB stream, one CPU"},
    {"pipe-hw-stream-2cpu", NULL, 1 << 20, "hardware pipes: 1 MiB stream, two CPUs"},
    {"uintr-emulated", c_uintr, 0, "user interrupt sent to oneself, emulated by the kernel"},
    {"uintr-native", c_uintr_native, 0, "user interrupt sent to oneself, native UINTR"},
    {"file-read-4k", NULL, 4096, "4 KiB file read through the file server"},
    {"file-read-64k", NULL, 65536, "64 KiB file read through the file server"},
};

static bool chosen(const char *name, int argc, char **argv)
{
	if (argc == 0)
		return true;
	for (int i = 0; i < argc; i++)
		if (strncmp(name, argv[i], strlen(argv[i])) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int ran = 0, skipped = 0, failed = 0, n = 0;

	argc--, argv++;
	for (; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		if (strcmp(argv[0], "-q") == 0) {
			quick = 1;
			warm = 1;
			reps = 3;
		} else if (strcmp(argv[0], "-l") == 0) {
			for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
				printf("%-28s %s%s\n", cases[i].name, cases[i].fn ? "" : "[later] ",
				       cases[i].what);
			return 0;
		} else {
			fprintf(2, "usage: bench [-q] [-l] [case...]\n");
			return 1;
		}
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

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct bcase *c = &cases[i];
		if (!chosen(c->name, argc, argv))
			continue;
		n++;
		if (!c->fn) {
			printf("BENCH case=%s skip=\"not available in this kernel yet: %s\"\n",
			       c->name, c->what);
			skipped++;
			continue;
		}
		int res = c->fn(c);
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
