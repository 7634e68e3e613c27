/*
 * ringfuzz.c - a ring fuzzer in user space: random and mutated
 * submission entries, lying indexes, and a thread that rewrites the
 * ring under the kernel while another submits. The kernel must survive
 * all of it and leak nothing.
 *
 *	ringfuzz [-s SEED] [-n OPS] [-c CHILDREN]
 *
 * prints its seed first ("ringfuzz -s SEED -n OPS" replays the same
 * inputs; the interleaving of threads differs from run to run), then
 * runs CHILDREN (4) fuzzing processes one after another, OPS/CHILDREN
 * entries each, child i with seed SEED + i. Each runs as an ordinary
 * user (uid 1000) with no console: OP_KILL can then reach only its own
 * children and OP_POWEROFF is refused, and garbage written to a
 * descriptor goes nowhere. Inside one, on threads of their own:
 *
 *   fuzzers    each with a ring of its own, polled or not, of random size:
 *              batches of random entries (every opcode but OP_EXIT and
 *              OP_THREAD_EXIT, plus unknown ones; random flags, LINK
 *              chains, descriptors, offsets, lengths and addresses) or
 *              mutations of valid ones; now and then a tail that lies, a
 *              ring_enter with odd arguments, a wait() with odd items, the
 *              ring replaced by a new one with work still parked on it.
 *              Pipes, files (paths from a small set: the fuzzer may make
 *              only FUZZ_DIR and what is in it, and removes them at the
 *              end), the boot archive, spawns of /bin/echo, kills and
 *              waits of our own children: all of it, with odd fields
 *   scribbler  rewrites the first two fuzzers' rings - entries, indexes,
 *              flags, completions - while the kernel reads them
 *   sender     sends user interrupts to the main thread, which receives
 *              them while it reaps the children the fuzzers spawn
 *
 * The third fuzzer's ring is never scribbled: its completions are checked
 * (each entry completes at most once, with its own user_data) and it
 * alone starts threads (at _thread_start, or at kernel addresses) and
 * reads the boot archive (whose answer may be a whole program). The
 * addresses entries get are chosen so that nothing the kernel does can
 * end the fuzzer itself: buffers with room for any answer, our own
 * completion queue, read-only memory, unmapped and kernel addresses -
 * never a submission queue, a stack, or our own state.
 *
 * At the end the kernel's free-page count must be back where it was after
 * a warm-up child, give or take the few pages its heap may still grow by
 * (see main). Lines: "ok child-N", "ok leak", and the usual
 * "ringfuzz: N passed, M failed" (check.h). A child that dies, hangs
 * or breaks an invariant is a FAIL with its seed.
 *
 * New opcodes are not fuzzed until gen() knows which of their fields
 * would end the fuzzer itself (an address it jumps to, say): see FUZZ_OPS.
 */
#include "async.h"
#include "check.h"
#include "file.h"
#include "uintr.h"

#define SELF	 "/bin/ringfuzz"
#define MS	 1000000ull
#define SECOND	 1000000000ull
#define USER	 1000
#define KADDR	 ((u64)-4096)
#define NONCANON (1ull << 47)
#define HOUR	 (3600 * SECOND)
#define NFUZZ	 3 /* fuzzing threads */
#define NSCRIB	 2 /* ... whose rings the scribbler rewrites */
#define SINK	 (32 * 1024)
#define SINK_OFF                                                                                   \
	(8 * 1024) /* an answer starts below this: the biggest (a kernel pipe's                    \
		      read, PIPE_SIZE) then still ends in the sink */
#define FUZZ_OPS   (OP_ARCHIVE_READ + 1) /* the opcodes gen() knows */
#define FUZZ_DIR   "/tmp/ringfuzz"	 /* the only names the fuzzer may make files under */
#define MAXSEQ	   (1 << 20)
#define LEAK_SLACK 8 /* pages the kernel's heap may still grow by (see main) */
#define LATE_SLACK 2

extern char _end[];
void _thread_start(void);

/* Exit statuses of a fuzzing child. */
enum {
	FZ_OK = 0,
	FZ_SETUP = 20,	 /* it could not start (or it runs as root) */
	FZ_FOREIGN = 21, /* a completion on the clean ring with a user_data never submitted */
	FZ_TWICE = 22,	 /* an entry of the clean ring completed twice */
	FZ_LIE = 23,	 /* a lying tail was not refused with -EINVAL */
	FZ_INDEX = 24,	 /* the kernel took more entries than were published */
	FZ_HANG = 25,	 /* a thread never ended */
};

static const char *fz_why(int st)
{
	switch (st) {
	case FZ_SETUP:
		return "could not set up";
	case FZ_FOREIGN:
		return "a completion with a user_data never submitted (clean ring)";
	case FZ_TWICE:
		return "an entry completed twice (clean ring)";
	case FZ_LIE:
		return "a lying tail was taken";
	case FZ_INDEX:
		return "the kernel took more entries than were published";
	case FZ_HANG:
		return "a thread of it never ended";
	case STATUS_FAULT:
		return "died of a fault (see the kernel's line above)";
	case STATUS_KILLED:
		return "killed";
	case -ETIMEDOUT:
		return "hung: killed after the time limit";
	default:
		return "ended with an unexpected status";
	}
}

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

/* ===========================================================================
 * The fuzzing child.
 * ======================================================================== */

struct fuzzer {
	int idx;
	u64 rng;
	bool clean; /* never scribbled: completions are checked, OP_THREAD allowed */
	/* the ring: our own copies of where things are, since its header lies */
	struct ring_hdr *volatile h;
	struct sqe *sq;
	struct cqe *cq;
	unsigned sqmask, cqmask;
	int id;
	bool polled;
	unsigned tail;	   /* our producer index */
	unsigned chead;	   /* our consumer index */
	unsigned lastgood; /* the kernel's sq_head we last saw (polled counting) */
	int lock;	   /* held by the scribbler while it writes, by us to replace the ring */
	u64 seq;	   /* user_data sequence */
	u64 taken, done;   /* entries the kernel took, completions we reaped (clean ring) */
	int bad;	   /* FZ_* */
	char *argv[4][4];  /* for OP_SPAWN */
	int fds[4][6];
	struct spawn_args sa[4];
	struct fs_args fa[2]; /* for OP_FSOP */
	u8 sink[SINK] __attribute__((aligned(64)));
};

static struct fuzzer fz[NFUZZ];
static u8 seen[MAXSEQ / 8]; /* clean ring: which seqs completed */
static volatile int stop;
static u64 ops_total, ops_limit, wait_calls;
static int child_pids[16], nchild_pids; /* recent children, for WAITPID and KILL */
static int fuzz_tids[NFUZZ + 2];
static int scribbled, uintrs;

static void lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		;
}

static void unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static struct sqe *sq_of(struct ring_hdr *h)
{
	return (struct sqe *)((char *)h + h->sq_off);
}

static struct cqe *cq_of(struct ring_hdr *h)
{
	return (struct cqe *)((char *)h + h->cq_off);
}

/* An address for an entry: none of them lets the kernel hurt the fuzzer. */
static u64 pick_addr(struct fuzzer *f, u64 *r)
{
	u64 x = rnd(r);
	switch (x % 14) {
	case 0:
		return 0;
	case 1:
		return KADDR;
	case 2:
		return NONCANON;
	case 3:
		return x >> 8; /* anything at all: almost always unmapped */
	case 4:
		return (uptr)pick_addr; /* text: read-only */
	case 5:
		return (uptr) "read-only data";
	case 6:
		return (uptr)&f->sa[x / 16 % 4]; /* a spawn_args */
	case 7: /* our own CQ (not the clean one's, which is checked): answers land there */
		return f->clean ? 0 : (uptr)f->cq;
	case 8:
		return ROUND_UP((uptr)_end, 4096) - 8; /* 8 bytes before the unmapped page */
	default:
		return (uptr)f->sink + x / 16 % SINK_OFF;
	}
}

static u32 pick_len(u64 *r)
{
	static const u32 lens[] = {0,
				   1,
				   8,
				   16,
				   47,
				   48,
				   49,
				   63,
				   64,
				   65,
				   255,
				   256,
				   4095,
				   4096,
				   4097,
				   RW_MAX,
				   RW_MAX + 1,
				   ~0u,
				   sizeof(struct kstats),
				   sizeof(struct spawn_args)};
	u64 x = rnd(r);
	return x % 3 ? lens[x / 4 % ARRAY_SIZE(lens)] : (u32)(x >> 32);
}

static u64 pick_off(u64 *r)
{
	static const u64 offs[] = {0,	  1,	   2,	    3,		4,	   7,  8,
				   63,	  64,	   65,	    4096,	8192,	   MS, HOUR,
				   ~0ull, (u64)-1, (u64)-2, 1ull << 31, 1ull << 32};
	u64 x = rnd(r);
	if (x % 4 == 0 && nchild_pids)
		return child_pids[x / 4 % nchild_pids];
	if (x % 4 == 1)
		return x >> (x / 4 % 60);
	return offs[x / 4 % ARRAY_SIZE(offs)];
}

static int pick_fd(u64 *r)
{
	u64 x = rnd(r);
	return x % 4 ? (int)(x / 4 % 40) - 2 : (int)(x >> 32);
}

/* Paths for OP_OPEN and OP_FSOP: the fuzzer may make only FUZZ_DIR and what is in it. */
static const char *const paths[] = {
    "/",
    "/bin",
    "/bin/echo",
    "/tmp",
    FUZZ_DIR,
    FUZZ_DIR "/f",
    FUZZ_DIR "/d",
    FUZZ_DIR "/f/x",
    "/no/such",
    "",
    "tmp/../tmp",
    "//tmp//ringfuzz//",
    "/bin/echo/x",
    "/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};

static u64 pick_path(struct fuzzer *f, u64 *r)
{
	u64 x = rnd(r);
	return x % 8 ? (uptr)paths[x / 8 % ARRAY_SIZE(paths)] : pick_addr(f, r);
}

/* A spawn_args with random but harmless fields: at worst it starts /bin/echo. */
static void fill_spawn(struct fuzzer *f, u64 *r, struct spawn_args *a, int k)
{
	static char *const paths[] = {"/bin/echo", "/bin/echo", "/bin/no-such", "", "bin/echo"};
	u64 x = rnd(r);
	char **argv = f->argv[k];
	argv[0] = "echo";
	argv[1] = x & 1 ? "fuzz" : NULL;
	argv[2] = NULL;
	for (int i = 0; i < 6; i++)
		f->fds[k][i] = (int)(rnd(r) % 8) - 2;
	a->path = x % 8 == 7 ? pick_addr(f, r) : (uptr)paths[x / 8 % ARRAY_SIZE(paths)];
	a->argv = x % 16 == 15 ? pick_addr(f, r) : x % 5 == 0 ? 0 : (uptr)argv;
	a->fds = x % 3 == 0 ? 0 : x % 17 == 1 ? pick_addr(f, r) : (uptr)f->fds[k];
	a->nfds = x % 13 == 0 ? (u32)rnd(r) : (u32)(x / 64 % 7);
	a->uid = x % 11 == 0 ? 0 : x % 11 == 1 ? USER : -1;
	a->gid = x % 7 == 0 ? 0 : -1;
	a->flags = x % 29 == 0 ? (u32)rnd(r) : 0;
}

static void quick_thread(void *arg)
{
	(void)arg;
}

/* An opcode the fuzzer may send: not one that ends the process or the thread. */
static u8 pick_opcode(struct fuzzer *f, u64 *r)
{
	for (;;) {
		u64 x = rnd(r);
		u8 opc = x % 16 == 0 ? (u8)(FUZZ_OPS + x / 16 % (256 - FUZZ_OPS))
				     : (u8)(x / 16 % FUZZ_OPS);
		if (opc >= FUZZ_OPS && opc < OP_COUNT)
			continue; /* an opcode gen() does not know yet */
		if (opc == OP_EXIT || opc == OP_THREAD_EXIT)
			continue;
		/* a torn entry could have OP_THREAD jump anywhere, or OP_ARCHIVE_READ
		   write a whole program's bytes past the sink: the clean ring only */
		if ((opc == OP_THREAD || opc == OP_ARCHIVE_READ) && !f->clean)
			continue;
		return opc;
	}
}

/* A random entry for fuzzer f: every field from a range that keeps f alive. */
static void gen(struct fuzzer *f, u64 *r, struct sqe *e)
{
	u64 x = rnd(r);
	memset(e, 0, sizeof(*e));
	e->opcode = pick_opcode(f, r);
	e->flags = x % 6 == 0 ? SQE_LINK : x % 61 == 1 ? (u8)(x >> 40) : 0;
	e->pad = x % 67 == 2 ? (u16)(x >> 20) : 0;
	e->fd = pick_fd(r);
	e->off = pick_off(r);
	e->addr = pick_addr(f, r);
	e->len = pick_len(r);
	e->op_flags = x % 53 == 3 ? (u32)(x >> 8) : 0;
	e->arg[0] = x % 3 ? x / 32 % 3000 : rnd(r);
	e->arg[1] = x % 5 ? x / 64 % 4 : rnd(r);
	e->arg[2] = rnd(r);
	switch (e->opcode) {
	case OP_SPAWN: {
		int k = x / 128 % 4;
		if (r == &f->rng) /* not the scribbler: the fuzzer owns its spawn_args */
			fill_spawn(f, r, &f->sa[k], k);
		if (x % 4)
			e->addr = (uptr)&f->sa[k];
		if (x % 5)
			e->len = sizeof(struct spawn_args);
		break;
	}
	case OP_SLEEP:
		if (x % 8 < 6)
			e->off = x / 8 % (2 * MS);
		break;
	case OP_STATS:
		if (x % 2)
			e->len = sizeof(struct kstats);
		break;
	case OP_THREAD: /* only on the clean ring: the entry is never torn */
		e->addr = x % 3 ? (uptr)_thread_start : x % 3 == 1 ? KADDR : NONCANON;
		e->arg[0] = (uptr)quick_thread;
		break;
	case OP_THREAD_JOIN:
		if (x % 2)
			e->off = fuzz_tids[x / 2 % (NFUZZ + 2)];
		break;
	case OP_RING_CREATE:
		e->off = x % 4 ? 1u << (x / 4 % 14) : e->off;
		e->len = x % 3 ? (x % 5 ? 0 : 1u << (x / 8 % 14)) : e->len;
		e->op_flags = x % 3 == 0 ? (u32)(x / 16 % 4) : x % 23 == 1 ? (u32)x : 0;
		e->arg[0] = x % 7 ? x / 8 % 500 : e->arg[0]; /* idle time: short, mostly */
		break;
	case OP_RING_DESTROY:
		e->fd = (int)(x / 4 % (NRING + 3)) - 1;
		break;
	case OP_UINTR_REGISTER_HANDLER:
		if (x % 2)
			e->addr = (uptr)uintr_entry;
		break;
	case OP_PIPE:
		e->off = x % 3 == 0 ? PIPE_KERNEL : x % 3 == 1 ? 0 : e->off;
		break;
	case OP_PIPE_ATTACH: /* a handler it registers is never called: our threads keep
				user interrupts disabled, but the main thread */
		if (x % 2)
			e->arg[0] = (uptr)uintr_entry;
		break;
	case OP_OPEN:
		e->addr = pick_path(f, r);
		e->op_flags = x % 4 ? (u32)(x / 4 % 4) | (x / 16 % 2 ? O_CREAT : 0) |
					  (x / 32 % 4 == 0 ? O_TRUNC : 0) |
					  (x / 128 % 4 == 0 ? O_EXCL : 0)
				    : (u32)(x >> 32);
		e->len = x % 5 ? (u32)(x / 512 % 01000) : e->len;
		break;
	case OP_FSOP: {
		struct fs_args *a = &f->fa[x / 8 % 2];
		if (r == &f->rng) { /* not the scribbler: the fuzzer owns its fs_args */
			u64 y = rnd(r);
			a->op = y % 8 ? FS_STAT + (u32)(y / 8 % 6) : (u32)(y >> 32);
			a->mode = (u32)(y / 64 % 01000);
			a->uid2 = y % 5 == 0 ? 0 : -1;
			a->gid2 = y % 7 == 0 ? 0 : -1;
			a->path = pick_path(f, r);
			a->path2 = pick_path(f, r);
			a->st = y % 3 ? (uptr)f->sink + y / 512 % SINK_OFF : pick_addr(f, r);
		}
		if (x % 4)
			e->addr = (uptr)a;
		if (x % 5)
			e->len = sizeof(*a);
		break;
	}
	case OP_ARCHIVE_READ: /* clean ring only: a whole entry, its length bounded */
		e->off = x % 4 ? x / 4 % 40 : e->off;
		e->arg[0] = x % 3 ? x / 64 % 8192 : e->arg[0];
		e->len = (u32)(x / 8192 % 4097);
		if (e->addr < (uptr)f->sink || e->addr >= (uptr)f->sink + SINK_OFF)
			e->addr = x % 2 ? (uptr)f->sink : KADDR;
		break;
	case OP_UINTR_CREATE_VECTOR:
	case OP_UINTR_UNREGISTER_SENDER:
		if (x % 3)
			e->off = x / 4 % (UINTR_NVEC + 4);
		break;
	default:
		break;
	}
}

/* A mutation of a valid entry: one or two fields changed. */
static void mutate(struct fuzzer *f, u64 *r, struct sqe *e)
{
	static const struct sqe valid[] = {
	    {.opcode = OP_NOP},
	    {.opcode = OP_GETPID},
	    {.opcode = OP_SLEEP, .off = 100000},
	    {.opcode = OP_WAITPID, .off = (u64)-1},
	    {.opcode = OP_LIST, .off = 1},
	    {.opcode = OP_UINTR_CREATE_VECTOR, .off = 3},
	    {.opcode = OP_RING_CREATE, .off = 4},
	    {.opcode = OP_CLOSE, .fd = 7},
	};
	u64 x = rnd(r);
	*e = valid[x % ARRAY_SIZE(valid)];
	switch (x / 16 % 6) {
	case 0: /* an answer into the sink: STATS, PS, LIST with the right sizes */
		e->opcode = x % 3 == 0 ? OP_STATS : x % 3 == 1 ? OP_PS : OP_LIST;
		e->addr = (uptr)f->sink + x / 64 % SINK_OFF;
		e->len = e->opcode == OP_STATS ? sizeof(struct kstats)
			 : e->opcode == OP_PS  ? (u32)(x / 4096 % 80) * sizeof(struct procinfo)
					       : sizeof(struct dirent);
		break;
	case 1:
		e->addr = pick_addr(f, r);
		break;
	case 2:
		e->len = pick_len(r);
		break;
	case 3:
		e->off = pick_off(r);
		break;
	case 4:
		e->fd = pick_fd(r);
		break;
	default:
		e->flags = SQE_LINK;
		break;
	}
	if (x % 7 == 0)
		e->opcode = pick_opcode(f, r);
	if (e->opcode == OP_THREAD || e->opcode == OP_SPAWN || e->opcode == OP_ARCHIVE_READ)
		gen(f, r, e); /* their safe fields come from gen() */
}

/* ---- one fuzzer's ring ---------------------------------------------------- */

static bool new_ring(struct fuzzer *f)
{
	u64 x = rnd(&f->rng);
	unsigned sq = 1u << (x % 9), cq = x / 16 % 3 ? 0 : 1u << (x / 64 % 10);
	bool polled = x / 1024 % 3 == 0;
	unsigned flags = polled ? RING_POLL : 0;
	struct ring_hdr *h;
	int id = ring_create(sq, cq, flags, (unsigned)(x / 4096 % 3000), -1, &h);
	if (id == -EMFILE) { /* fuzzed RING_CREATEs took the slots: free them */
		for (int r = 1; r < NRING; r++)
			ring_destroy(r);
		id = ring_create(sq, cq, flags, 1000, -1, &h);
	}
	if (id < 0)
		return false;
	/* every slot a harmless entry before anything can publish it */
	for (unsigned i = 0; i <= h->sq_mask; i++)
		sq_of(h)[i] = (struct sqe){.opcode = OP_NOP};
	f->sq = sq_of(h);
	f->cq = cq_of(h);
	f->sqmask = h->sq_mask;
	f->cqmask = h->cq_mask;
	f->id = id;
	f->polled = polled;
	f->tail = f->lastgood = h->sq_tail;
	f->chead = h->cq_head;
	__atomic_store_n(&f->h, h, __ATOMIC_RELEASE);
	return true;
}

/* Replace the ring with work still on it: the scribbler must not be writing. */
static bool replace_ring(struct fuzzer *f)
{
	lock(&f->lock);
	struct ring_hdr *old = f->h;
	f->h = NULL;
	unlock(&f->lock);
	if (old)
		ring_destroy(f->id);
	return new_ring(f);
}

static void mark_seen(struct fuzzer *f, u64 ud)
{
	u64 seq = ud & 0xffffffffffull;
	if ((ud >> 48) != (u64)(0xf00 + f->idx) || seq == 0 || seq > f->seq || seq >= MAXSEQ) {
		f->bad = f->bad ? f->bad : FZ_FOREIGN;
		return;
	}
	if (seen[seq / 8] & (1 << (seq % 8)))
		f->bad = f->bad ? f->bad : FZ_TWICE;
	seen[seq / 8] |= 1 << (seq % 8);
	f->done++;
}

/* Reap what the CQ holds (a scribbled one may hold anything). */
static void reap(struct fuzzer *f, struct ring_hdr *h)
{
	unsigned tail = __atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE);
	if (tail - f->chead > f->cqmask + 1 || !f->clean) {
		if (f->clean && tail - f->chead > f->cqmask + 1)
			f->bad = f->bad ? f->bad : FZ_INDEX;
		f->chead = tail; /* scribbled: drop it all */
	} else {
		while (f->chead != tail) {
			struct cqe c = f->cq[f->chead & f->cqmask];
			mark_seen(f, c.user_data);
			f->chead++;
		}
	}
	__atomic_store_n(&h->cq_head, f->chead, __ATOMIC_RELEASE);
	if (__atomic_load_n(&h->sq_flags, __ATOMIC_ACQUIRE) & RING_CQ_OVERFLOW)
		ring_enter(f->id, 0, 0); /* the backlog moves in */
}

/* wait() with random items, a short timeout and the sink for its events. */
static void fuzz_wait(struct fuzzer *f)
{
	struct wait_item it[8];
	u64 x = rnd(&f->rng);
	unsigned n = x % 9;
	for (unsigned i = 0; i < n; i++) {
		u64 y = rnd(&f->rng);
		it[i].type = y % 7;
		it[i].pad = y % 11 == 0 ? (u32)y : 0;
		it[i].id = y % 3 ? (s64)(y / 8 % 12) - 2 : (s64)y;
		it[i].user_data = y;
	}
	u64 events = x % 5 ? (uptr)f->sink : pick_addr(f, &f->rng);
	if (events == (uptr)f->sink + 0 && x % 7 == 0)
		events += 3; /* misaligned */
	unsigned max = x % 4 ? 8 : (u32)(x >> 32);
	if (max > 8 && events >= (uptr)f->sink && events < (uptr)f->sink + SINK)
		max = 8;
	s64 timeout = x % 3 ? 0 : (s64)(x / 8 % (2 * MS));
	wait(it, x % 31 == 0 ? (u32)(x >> 16) : n, (struct wait_event *)(uptr)events, max, timeout);
	__atomic_add_fetch(&wait_calls, 1, __ATOMIC_RELAXED);
}

static void fuzz_round(struct fuzzer *f)
{
	struct ring_hdr *h = f->h;
	unsigned entries = f->sqmask + 1;
	u64 x = rnd(&f->rng);
	/* our tail must be where the kernel is, or just ahead: a scribbled
	   sq_tail may have had it take entries we never published */
	unsigned khead = __atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE);
	if (f->tail - khead > entries)
		f->tail = khead;
	unsigned k = 1 + x % MIN(entries, 16u);
	if (f->clean) /* a well-behaved producer: only free slots (the checks rely on it) */
		k = MIN(k, entries - (f->tail - khead));
	for (unsigned i = 0; i < k; i++) {
		struct sqe e;
		if (rnd(&f->rng) % 3)
			gen(f, &f->rng, &e);
		else
			mutate(f, &f->rng, &e);
		e.user_data = (u64)(0xf00 + f->idx) << 48 | ++f->seq;
		f->sq[(f->tail + i) & f->sqmask] = e;
	}
	if (x % 64 == 1 && !f->polled) { /* a tail that lies: refused, nothing taken */
		unsigned head = __atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE);
		unsigned lie =
		    x % 128 < 64 ? head - 1 - x / 128 % 4 : head + entries + 1 + x / 128 % 4;
		__atomic_store_n(&h->sq_tail, lie, __ATOMIC_RELEASE);
		long r = ring_enter(f->id, entries, 0);
		if (f->clean && r != -EINVAL && r != -EBUSY)
			f->bad = f->bad ? f->bad : FZ_LIE;
	}
	f->tail += k;
	__atomic_store_n(&h->sq_tail, f->tail, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	long taken = 0;
	unsigned published = f->tail - __atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE);
	if (!f->polled) {
		unsigned to_submit = x % 16 == 3 ? (u32)(x >> 20) : x % 16 == 4 ? 0 : k;
		unsigned flags = x % 32 == 5 ? RING_ENTER_WAKEUP : x % 64 == 6 ? (u32)(x >> 8) : 0;
		unsigned id = x % 128 == 7 ? (u32)(x >> 40) % 12 : (u32)f->id;
		long r = ring_enter(id, to_submit, flags);
		if (r == -EBUSY) {
			reap(f, h);
			r = ring_enter(f->id, k, 0);
		}
		if (r > 0 && id == (u32)f->id) {
			taken = r;
			if (f->clean && (unsigned long)r > published)
				f->bad = f->bad ? f->bad : FZ_INDEX;
		}
	} else {
		if (__atomic_load_n(&h->sq_flags, __ATOMIC_RELAXED) & RING_NEED_WAKEUP)
			ring_enter(f->id, 0, RING_ENTER_WAKEUP);
		/* the poller takes them soon: count what it took since last time */
		for (int spin = 0; spin < 20000; spin++)
			if (__atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE) == f->tail)
				break;
		unsigned now = __atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE);
		if (now - f->lastgood <= entries + 16u)
			taken = now - f->lastgood;
		f->lastgood = now;
	}
	f->taken += taken;
	__atomic_add_fetch(&ops_total, taken, __ATOMIC_RELAXED);
	reap(f, h);
	if (f->clean && f->done > f->taken + 1000000)
		f->bad = f->bad ? f->bad : FZ_TWICE;
}

static void fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;
	if (!new_ring(f)) {
		f->bad = FZ_SETUP;
		return;
	}
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		u64 x = rnd(&f->rng);
		if (x % 400 == 0 && !replace_ring(f)) {
			f->bad = FZ_SETUP;
			break;
		}
		if (x % 50 == 1)
			fuzz_wait(f);
		if (f->h)
			fuzz_round(f);
		if (__atomic_load_n(&ops_total, __ATOMIC_RELAXED) >= ops_limit)
			__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	}
	lock(&f->lock);
	f->h = NULL;
	unlock(&f->lock);
	ring_destroy(f->id);
}

/* ---- the scribbler ----------------------------------------------------------- */

static void scribble_one(struct fuzzer *f, struct ring_hdr *h, u64 *rng)
{
	u64 x = rnd(rng);
	unsigned n = f->sqmask + 1;
	struct sqe *sq = f->sq;
	switch (x % 12) {
	case 0:
	case 1:
	case 2:
	case 3: { /* an entry near the tail, or anywhere: whole, or one field */
		unsigned i = (x % 4 < 3 ? h->sq_tail + x / 16 % 8 : x / 16) & f->sqmask;
		struct sqe e;
		gen(f, rng, &e);
		switch (x / 4096 % 6) {
		case 0:
			sq[i] = e;
			break;
		case 1:
			*(u64 *)&sq[i] = *(u64 *)&e; /* opcode, flags, pad, fd */
			break;
		case 2:
			sq[i].addr = e.addr;
			break;
		case 3:
			sq[i].len = e.len;
			sq[i].op_flags = e.op_flags;
			break;
		case 4:
			sq[i].off = e.off;
			break;
		default:
			sq[i].arg[x / 8 % 3] = e.arg[x / 8 % 3];
			break;
		}
		break;
	}
	case 4:
		h->sq_tail = x % 4 ? h->sq_head + (u32)(x / 8 % (n + 4)) : (u32)(x >> 32);
		break;
	case 5:
		h->cq_head = x % 4 ? h->cq_tail - (u32)(x / 8 % 8) : (u32)(x >> 32);
		break;
	case 6:
		h->sq_head = (u32)(x >> 32);
		break;
	case 7:
		h->sq_flags = (u32)(x >> 32);
		break;
	case 8: /* any header word: masks, offsets, the id (we keep our own copies) */
		((u32 *)h)[x / 16 % (sizeof(*h) / 4)] = (u32)(x >> 32);
		break;
	default: { /* a completion */
		struct cqe *c = &f->cq[(x / 16) & f->cqmask];
		c->user_data = rnd(rng);
		c->res = (int)(x >> 32);
		c->flags = (u32)x;
		break;
	}
	}
}

static void scribbler(void *arg)
{
	u64 rng = (uptr)arg * 0x9e3779b97f4a7c15ull + 1;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		struct fuzzer *f = &fz[rnd(&rng) % NSCRIB];
		lock(&f->lock);
		struct ring_hdr *h = f->h;
		if (h)
			for (int i = 0; i < 32; i++)
				scribble_one(f, h, &rng);
		unlock(&f->lock);
		__atomic_add_fetch(&scribbled, h != NULL, __ATOMIC_RELAXED);
	}
}

/* ---- the rest of the child: interrupts, reaping, the end ------------------- */

static char hstack[8192] __attribute__((aligned(16)));
static volatile int vec_fd = -1, sender_ready;

static void handler(unsigned long v)
{
	(void)v;
	uintrs++;
}

/* Interrupt the main thread now and then, for as long as the fuzzing goes on. */
static void sender(void *arg)
{
	(void)arg;
	int i = uintr_register_sender(vec_fd);
	sender_ready = 1;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		if (i >= 0)
			uintr_send(i);
		nap(MS);
	}
}

/* Our children (the fuzzers spawn /bin/echo): remember some, reap the dead. */
static void children(bool kill_them)
{
	static struct procinfo p[64];
	int me = getpid(), n = ps(p, 64), k = 0;
	for (int i = 0; i < n; i++) {
		if (p[i].ppid != me)
			continue;
		if (kill_them && p[i].state != PROC_ZOMBIE)
			kill(p[i].pid);
		if (k < (int)ARRAY_SIZE(child_pids))
			child_pids[k++] = p[i].pid;
	}
	nchild_pids = k;
	struct wait_item it = {.type = WAIT_CHILD, .id = -1};
	struct wait_event ev;
	while (wait(&it, 1, &ev, 1, 0) == 1 && waitpid(-1, NULL) > 0)
		;
}

/* `ringfuzz -x SEED OPS`: one fuzzing process (as an ordinary user). */
static int fuzz_child(u64 seed, u64 ops)
{
	static struct procinfo p[64];
	int n = ps(p, 64), me = getpid(), uid = 0;
	for (int i = 0; i < n; i++)
		if (p[i].pid == me)
			uid = p[i].uid;
	if (uid == 0)
		return FZ_SETUP; /* as root, OP_KILL could reach anyone: refuse */
	ops_limit = ops;
	if (uintr_register_handler(handler, hstack, sizeof(hstack)) < 0 ||
	    (vec_fd = uintr_create_vector(1)) < 0)
		return FZ_SETUP;
	fuzz_tids[NFUZZ + 1] = thread_create(sender, NULL);
	while (fuzz_tids[NFUZZ + 1] > 0 && !sender_ready)
		nap(MS);
	for (int i = 0; i < NFUZZ; i++) {
		fz[i].idx = i;
		fz[i].rng = seed * 0x9e3779b97f4a7c15ull + 7 * i + 1;
		fz[i].clean = i >= NSCRIB;
	}
	for (int i = 0; i < NFUZZ; i++)
		fuzz_tids[i] = thread_create(fuzz_thread, &fz[i]);
	fuzz_tids[NFUZZ] = thread_create(scribbler, (void *)(uptr)(seed + 1));
	uintr_enable();
	for (int round = 0; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); round++) {
		nap(5 * MS);
		if (round % 4 == 0)
			children(false);
	}
	/* Wait for the others to end. Not with joins: a fuzzed OP_THREAD_JOIN
	   may have got there first, and a second join on a thread waits for
	   ever (the kernel completes only the oldest). */
	bool ended = false;
	for (int i = 0; i < 3000 && !ended; i++) {
		int n = ps(p, 64);
		for (int k = 0; k < n; k++)
			if (p[k].pid == me)
				ended = p[k].nthreads == 1;
		if (!ended)
			nap(10 * MS);
	}
	if (!ended)
		return FZ_HANG;
	uintr_disable();
	for (int i = 0; i < 100 && (children(true), nchild_pids); i++)
		nap(5 * MS);
	/* what the fuzzers may have made in the file server, deepest first */
	static const char *const made[] = {FUZZ_DIR "/f/x", FUZZ_DIR "/d/x", FUZZ_DIR "/f",
					   FUZZ_DIR "/d", FUZZ_DIR};
	for (int round = 0; round < 2; round++)
		for (unsigned i = 0; i < ARRAY_SIZE(made); i++)
			unlink(made[i]);
	for (int i = 0; i < NFUZZ; i++)
		if (fz[i].bad)
			return fz[i].bad;
	return FZ_OK;
}

/* ===========================================================================
 * The driver.
 * ======================================================================== */

/* Run one fuzzing child; its exit status, or -ETIMEDOUT. */
static int run_child(u64 seed, u64 ops)
{
	char s[24], n[24];
	snprintf(s, sizeof(s), "%llu", seed);
	snprintf(n, sizeof(n), "%llu", ops);
	char *argv[] = {"ringfuzz", "-x", s, n, NULL};
	int none[] = {-1, -1, -1};
	int pid = spawn(SELF, argv, none, 3, USER, USER);
	if (pid < 0)
		return pid;
	struct wait_item it = {.type = WAIT_CHILD, .id = pid};
	struct wait_event ev;
	long r = wait(&it, 1, &ev, 1, (10 + ops / 100) * SECOND);
	if (r != 1)
		kill(pid);
	int st = -1;
	waitpid(pid, &st);
	return r == 1 ? st : -ETIMEDOUT;
}

static u64 parse(const char *s)
{
	u64 v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "-x") == 0)
		return fuzz_child(parse(argv[2]), parse(argv[3]));
	u64 seed = clock_ticks() ^ (u64)getpid() << 32, ops = 20000;
	int nchildren = 4;
	for (int a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "-s"))
			seed = parse(argv[a + 1]);
		else if (!strcmp(argv[a], "-n"))
			ops = parse(argv[a + 1]);
		else if (!strcmp(argv[a], "-c"))
			nchildren = MAX(1, (int)parse(argv[a + 1]));
	}
	if (argc % 2 == 0) {
		fprintf(2, "usage: ringfuzz [-s seed] [-n operations] [-c children]\n");
		return 2;
	}
	u64 per = (ops + nchildren - 1) / nchildren;
	printf("ringfuzz: seed %llu, %llu operations in %d children (replay: ringfuzz -s %llu -n "
	       "%llu -c %d)\n",
	       seed, per * nchildren, nchildren, seed, ops, nchildren);

	/* a warm-up child: the kernel's heap grows to what fuzzing needs */
	int st = run_child(seed ^ 0x5eed, per);
	if (st != 0)
		fail("warm-up", "the child %s (status %d)", fz_why(st), st);
	u64 base = free_pages_settled(), half = base, t0 = now_ns();
	for (int i = 0; i < nchildren; i++) {
		char name[32];
		snprintf(name, sizeof(name), "child-%d", i);
		st = run_child(seed + i, per);
		if (st == 0)
			ok(name);
		else
			fail(name,
			     "seed %llu: the child %s (status %d); alone: ringfuzz -s %llu -n %llu "
			     "-c 1",
			     seed + i, fz_why(st), st, seed + i, per);
		if (i == nchildren / 2 - 1)
			half = free_pages_settled();
	}
	/*
	 * The kernel's heap keeps the pages it grows by, and a child may reach
	 * a new peak of some kind of object after the warm-up: a few pages,
	 * fewer and fewer as peaks get harder to beat. A leak grows with the
	 * work instead: over a long run (8 children or more) the second half
	 * must lose almost nothing. The last child's pages come back as its
	 * teardown runs: wait for the count to be within what is allowed (a
	 * minute at most: only a leak takes that long), not for two looks
	 * 20 ms apart to agree - on a busy host the CPU tearing it down can
	 * be stopped for longer than that (a loaded make test-grade saw 92
	 * pages "lost" that way).
	 */
	u64 want = base - LEAK_SLACK;
	if (nchildren >= 8)
		want = MAX(want, half - LATE_SLACK);
	u64 end = free_pages_back(want);
	long lost = (long)(base - end), late = (long)(half - end);
	printf("ringfuzz: free pages: %llu after the warm-up, %llu half-way, %llu at the end\n",
	       base, half, end);
	if (lost <= LEAK_SLACK && (nchildren < 8 || late <= LATE_SLACK))
		ok("leak");
	else
		fail("leak", "%ld pages lost (%ld in the second half); allowed: %d (%d)", lost,
		     late, LEAK_SLACK, LATE_SLACK);
	printf("ringfuzz: %llu operations fuzzed in %llu ms, seed %llu\n", per * nchildren,
	       (now_ns() - t0) / MS, seed);
	return summary("ringfuzz");
}
