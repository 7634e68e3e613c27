/*
 * fuzz_ring.c - the ring logic (kernel/ring.c) driven by a hostile
 * program. The input is that program: a script of steps - write a
 * submission entry, publish the tail, scribble on any word of the shared
 * header, ring_enter, reap completions, complete a pending operation,
 * make the kernel's next allocations fail - run against one ring.
 *
 * Like tests/unit/test_ring.c, op_run() is scripted here (each entry's
 * user_data says what it does), so the target sees ring.c alone. Then
 * it checks what docs/rings.md promises whatever the program does:
 *
 *   - a published tail that lies (tail - head > entries) is -EINVAL, and
 *     no entry is taken; the kernel's indexes stay as they were;
 *   - ring_enter takes exactly the entries published, at most to_submit
 *     and ENTER_MAX, each copied whole from its slot, and republishes
 *     sq_head and cq_tail over whatever the program wrote there;
 *   - every entry taken completes exactly once (none lost, none twice),
 *     with its own user_data and a result it could have had; when the
 *     CQ is full, completions wait in the backlog (CQ_OVERFLOW set,
 *     cq_overflow counting them), bounded;
 *   - the kernel never writes the submission queue;
 *   - when the ring is destroyed, nothing is left (LeakSanitizer).
 *
 * Only a lie about cq_head while the kernel posts can make the kernel
 * overwrite unreaped completions - that program asked for it - and only
 * a failed allocation may kill the process; after either, the exact
 * accounting stops and the rest is still checked.
 *
 * Run: make fuzz-host (see docs/testing.md, "Host fuzzing").
 */
#include "fuzz.h"
#include "proc.h"
#include "ringscript.h"

/* ---- the rest of the kernel, as ring.c sees it ---------------------- */

static struct proc proc;
static struct thread thread;
struct spinlock sched_lock;
void sched_wake(struct thread *t)
{
	(void)t;
}
void sched_ready(struct thread *t)
{
	(void)t;
}
void ipi_poll(void) {}
void sched_block(void)
{
	abort(); /* only a poller sleeps; this target makes no polled ring */
}
void sched_yield(void) {}
struct thread *kthread_create(void (*fn)(void), int pin)
{
	(void)fn, (void)pin;
	return NULL;
}
int ncpu_online(void)
{
	return 1;
}
u64 arch_time_ns(void)
{
	return 0;
}
void proc_die(struct proc *p, int status)
{
	p->killed = true;
	p->kill_status = status;
}

/* Memory: the host's. FAILALLOC steps make the next kmallocs fail. */
static int fail_allocs;

void *kmalloc(size_t n)
{
	if (fail_allocs > 0) {
		fail_allocs--;
		return NULL;
	}
	return malloc(n);
}
void *kzalloc(size_t n)
{
	void *p = kmalloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}
void kfree(void *p)
{
	free(p);
}
u64 page_alloc(int order)
{
	return (u64)(uptr)aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
}
u64 page_alloc_for(int uid, int order)
{
	(void)uid; /* no reserve here */
	return page_alloc(order);
}
void page_free(u64 pa, int order)
{
	(void)order;
	free((void *)(uptr)pa);
}
int uvm_share(struct pagetable *pt, u64 va, u64 pa, u64 size, unsigned prot)
{
	(void)pt, (void)va, (void)pa, (void)size, (void)prot;
	return 0;
}
int uvm_unmap(struct pagetable *pt, u64 va, u64 size)
{
	(void)pt, (void)va, (void)size;
	return 0;
}
int copyout(struct pagetable *pt, u64 uva, const void *src, size_t n) /* OP_RING_CREATE's */
{
	(void)pt, (void)uva, (void)src, (void)n;
	return -EFAULT;
}
void file_ref(struct file *f) /* no parked op holds a file here */
{
	(void)f;
}
void file_put(struct file *f)
{
	(void)f;
}
/* Completion interrupts: this target's rings never ask for one
   (op_ring_create copies out nothing here), so none is ever bound. */
int uintr_vector_own(struct thread *t, int fd, struct urecv **u, unsigned *vector)
{
	(void)t, (void)fd, (void)u, (void)vector;
	return -EBADF;
}
void uintr_kick(struct urecv *u, unsigned vector)
{
	(void)u, (void)vector;
	abort(); /* no ring here has a completion interrupt */
}
void uintr_put(struct urecv *u)
{
	(void)u;
	abort();
}
/* The process table ring.c counts a user's rings in: no other process. */
static struct proc others[NPROC];
struct proc *proc_table(void)
{
	return others;
}

/* ---- operations, scripted ------------------------------------------- */

/*
 * user_data: bits 0..31 a serial number this target stamps on each entry
 * it writes (0: a slot never written), so that every completion can be
 * traced to its entry; bits 32..33 what op_run() does with it (R_NOW,
 * R_FAIL, R_LATER, R_ZERO: ringscript.h).
 */
#define KIND(ud) ((int)((ud) >> 32) & 3)
#define RES(ud)	 ((int)((ud) >> 40) & 0xffff) /* NOW's result */
#define SEQ(ud)	 ((u32)(ud))
#define LATER_OK 7777 /* a LATER op that succeeds completes with this */

static struct sqe *sent; /* sent[seq]: the entry as it was written */
static u32 nsent, maxsent;
static int *owed;	       /* owed[seq]: taken, not yet reaped */
static int *ran;	       /* ran[seq]: ran to a result, not yet reaped */
static u64 parked[MAX_PARKED]; /* LATER ops waiting for COMPLETE: user_data */
static int nparked;
static u64 nrun;

int op_run(struct op *op)
{
	u64 ud = op->sqe.user_data; /* none is NORETURN: each runs where it is */
	nrun++;
	/* the kernel's copy is the entry, whole, as the program wrote it */
	CHECK(SEQ(ud) < nsent && !memcmp(&op->sqe, &sent[SEQ(ud)], sizeof(op->sqe)));
	CHECK(op->ring && op->ring->owner == &thread && op->proc == &proc);
	switch (KIND(ud)) {
	case R_NOW:
		ran[SEQ(ud)]++;
		return RES(ud);
	case R_ZERO:
		ran[SEQ(ud)]++;
		return 0;
	case R_FAIL:
		ran[SEQ(ud)]++;
		return -EINVAL;
	}
	/* LATER: park it (op.c), with its limit */
	spin_lock(&sched_lock);
	int res = op_park(op);
	spin_unlock(&sched_lock);
	if (res != OP_PENDING) {
		ran[SEQ(ud)]++;
		return res;
	}
	parked[nparked++] = ud;
	return OP_PENDING;
}

/* A completion result that entry `seq` may have. */
static bool plausible(u32 seq, int res)
{
	u64 ud = sent[seq].user_data;
	if (res == -ECANCELED)
		return true; /* a chain it was in failed */
	switch (KIND(ud)) {
	case R_NOW:
		return res == RES(ud);
	case R_ZERO:
		return res == 0;
	case R_FAIL:
		return res == -EINVAL;
	default:
		return res == LATER_OK || res == -ENOENT || res == -EAGAIN || res == -ENOMEM;
	}
}

#include "../../kernel/ring.c"
#include "../../kernel/op.c"

/* Its event happened: take the parked op of entry ud off the list. */
static bool is_entry(struct op *op, void *ud)
{
	return op->sqe.user_data == *(u64 *)ud;
}
static struct op *unpark(u64 ud)
{
	spin_lock(&sched_lock);
	struct op *op = op_unpark(is_entry, &ud);
	spin_unlock(&sched_lock);
	CHECK(op != NULL);
	return op;
}

/* ---- the program ---------------------------------------------------- */

static const u8 *in;
static size_t inlen;

/* The next n bytes of the input as a little-endian number; 0s past its end. */
static u64 next(int n)
{
	u64 v = 0;
	for (int i = 0; i < n; i++, inlen -= !!inlen)
		v |= (u64)(inlen ? *in++ : 0) << (8 * i);
	return v;
}

static struct ring *r;
static struct ring_hdr *hdr;
static struct sqe *sq;	   /* where the program sees its queues: the offsets */
static struct cqe *cq;	   /* the kernel published when it made the ring */
static struct sqe *shadow; /* what the program last wrote into each SQ slot */
static u32 sq_entries, cq_entries, ptail, chead;
static bool exact; /* the accounting still holds (see the top of the file) */

static void check_sq_untouched(void)
{
	CHECK(!memcmp(sq, shadow, sq_entries * sizeof(*sq))); /* the kernel only reads it */
}

/* What ring_enter must leave: the truth published, overflow consistent. */
static void check_published(void)
{
	CHECK(hdr->sq_head == r->sq_head && hdr->cq_tail == r->cq_tail);
	CHECK(hdr->cq_overflow == r->nbacklog);
	CHECK(!!(hdr->sq_flags & RING_CQ_OVERFLOW) == (r->nbacklog > 0));
	CHECK((r->nbacklog > 0) == (r->backlog != NULL));
	/* kernel memory stays bounded: a batch's chain, and what was parked */
	CHECK(r->nbacklog <= (MAX_PARKED + 1) * LINK_MAX);
}

/*
 * Run one kernel call. A cq_head the program moved ahead of what it has
 * reaped (but not past the tail) frees slots that still hold unreaped
 * completions: if the kernel posts meanwhile, it may rightly overwrite
 * them, and `exact` ends. Any other lie - behind, or far ahead - must
 * read as "full" (cq_used), and the accounting goes on.
 */
static bool cq_lie(void)
{
	u32 ahead = hdr->cq_head - chead;
	return ahead >= 1 && ahead <= cq_entries;
}
#define KERNEL(call)                                                                               \
	do {                                                                                       \
		bool lie = cq_lie();                                                               \
		u32 t0 = r->cq_tail;                                                               \
		call;                                                                              \
		if ((lie && r->cq_tail != t0) || proc.killed)                                      \
			exact = false;                                                             \
		check_sq_untouched();                                                              \
	} while (0)

static void step_sqe(void)
{
	struct sqe e;
	for (size_t i = 0; i < sizeof(e); i++)
		((u8 *)&e)[i] = (u8)next(1);
	CHECK(nsent < maxsent); /* each R_SQE but the last takes 65 bytes */
	e.user_data = (e.user_data & ~0xffffffffull) | nsent;
	sent[nsent++] = e;
	shadow[ptail & (sq_entries - 1)] = e;
	sq[ptail & (sq_entries - 1)] = e;
	ptail++;
}

/* Scribble on a word of the header: absolute, or near its value. */
static void step_poke(void)
{
	u32 how = (u32)next(1);
	u32 *w = (u32 *)hdr + how % (sizeof(*hdr) / 4);
	u32 v = (u32)next(4);
	*w = how & 0x80 ? *w + (s8)v : v;
}

static void step_enter(void)
{
	u32 b = (u32)next(1), f = (u32)next(1), ts = (u32)next(2);
	unsigned id = b < 0xf0 ? 0 : b & 0xf;		       /* mostly our ring (id 0) */
	unsigned flags = f < 0xf0 ? f & RING_ENTER_WAKEUP : f; /* mostly valid */
	unsigned to_submit = ts == 0xffff ? ~0u : ts;
	u32 head = r->sq_head, tail = hdr->sq_tail, cqt = r->cq_tail;
	u64 runs = nrun;
	long ret;
	KERNEL(ret = ring_enter(id, to_submit, flags));
	if (flags & ~RING_ENTER_WAKEUP) {
		CHECK(ret == -EINVAL);
	} else if (id >= NRING || id != (unsigned)r->id) {
		CHECK(ret == -EBADF);
	} else {
		check_published();
		CHECK(ret == -EBUSY || ret == -EINVAL || ret >= 0);
		if (ret == -EBUSY)
			CHECK(r->backlog != NULL);
		else /* a lying tail is refused, and only that */
			CHECK((ret == -EINVAL) == (tail - head > sq_entries));
		if (ret < 0) {
			CHECK(r->sq_head == head); /* nothing taken */
			return;
		}
		u32 want = MIN(MIN(to_submit, tail - head), ENTER_MAX);
		CHECK((u32)ret <= want && r->sq_head == head + (u32)ret);
		CHECK((u32)ret == want || proc.killed || r->nbacklog); /* or why it stopped */
		for (u32 i = 0; i < (u32)ret; i++)
			owed[SEQ(shadow[(head + i) & (sq_entries - 1)].user_data)]++;
		return;
	}
	/* refused before looking at the ring: nothing moved */
	CHECK(r->sq_head == head && r->cq_tail == cqt && nrun == runs);
}

/* Reap up to max completions, honestly: from our cq_head to the kernel's tail. */
static int reap(u32 max)
{
	int n = 0;
	if (exact)
		CHECK(r->cq_tail - chead <= cq_entries); /* no unreaped one overwritten */
	while (chead != r->cq_tail && (u32)n < max && r->cq_tail - chead <= cq_entries) {
		struct cqe c = cq[chead & (cq_entries - 1)];
		chead++, n++;
		if (!exact)
			continue;
		u32 s = SEQ(c.user_data);
		CHECK(s < nsent && c.user_data == sent[s].user_data); /* its own user_data */
		CHECK(plausible(s, c.res));
		CHECK(owed[s] > 0); /* taken, and not completed before */
		owed[s]--;
		if (c.res != -ECANCELED) {
			CHECK(ran[s] > 0); /* a result comes from running it */
			ran[s]--;
		}
	}
	if (r->cq_tail - chead > cq_entries)
		chead = r->cq_tail; /* after a lie: start afresh */
	hdr->cq_head = chead;
	return n;
}

static void step_complete(void)
{
	u32 which = (u32)next(1), how = (u32)next(1);
	if (!nparked)
		return;
	int i = (int)(which % nparked);
	struct op *op = unpark(parked[i]);
	parked[i] = parked[--nparked];
	int res = how & 1 ? -ENOENT : LATER_OK;
	ran[SEQ(op->sqe.user_data)]++;
	KERNEL(op_complete(op, res, 0));
	CHECK(hdr->cq_overflow == r->nbacklog);
	CHECK(!!(hdr->sq_flags & RING_CQ_OVERFLOW) == (r->nbacklog > 0));
}

/*
 * The end: complete whatever is parked, let the owner continue the
 * chains, flush the backlog and reap, until everything is quiet. Then
 * every entry taken must have completed exactly once.
 */
static void settle(void)
{
	fail_allocs = 0;
	hdr->cq_head = chead;
	int rounds = 0;
	for (;;) {
		CHECK(++rounds < 10000); /* it ends */
		while (nparked) {
			struct op *op = unpark(parked[--nparked]);
			ran[SEQ(op->sqe.user_data)]++;
			KERNEL(op_complete(op, LATER_OK, 0));
		}
		KERNEL(op_continue_thread(&thread));
		long ret;
		KERNEL(ret = ring_enter(r->id, 0, 0)); /* moves the backlog into the CQ */
		CHECK(ret == 0 || ret == -EBUSY || ret == -EINVAL);
		reap(~0u);
		if (proc.killed)
			return;
		if (!nparked && !r->deferred && !r->backlog && r->cq_tail == chead)
			break;
	}
	if (!exact)
		return;
	for (u32 s = 0; s < nsent; s++)
		CHECK(owed[s] == 0 && ran[s] == 0); /* none lost */
}

static void fuzz_init(void) {}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	in = data;
	inlen = size;
	memset(&proc, 0, sizeof(proc));
	memset(&thread, 0, sizeof(thread));
	thread.proc = &proc;
	proc.threads[0] = &thread;
	cpus[0].thread = &thread; /* current() */
	proc.nthreads = 1;
	nparked = 0;
	nrun = 0;
	fail_allocs = 0;
	exact = true;

	sq_entries = 1u << next(1) % 7; /* 1 to 64 */
	cq_entries = 1u << next(1) % 7;
	CHECK(ring_setup(&thread, sq_entries, cq_entries, 0, 0, 0, &r) == 0);
	hdr = r->hdr;
	sq = (struct sqe *)((u8 *)hdr + hdr->sq_off);
	cq = (struct cqe *)((u8 *)hdr + hdr->cq_off);
	CHECK(hdr->sq_mask == sq_entries - 1 && hdr->cq_mask == cq_entries - 1);
	ptail = chead = 0;

	maxsent = size / sizeof(struct sqe) + 2; /* sent[0]: the zeros of an unwritten slot */
	sent = calloc(maxsent, sizeof(*sent));
	owed = calloc(maxsent, sizeof(*owed));
	ran = calloc(maxsent, sizeof(*ran));
	shadow = calloc(sq_entries, sizeof(*shadow));
	nsent = 1;

	while (inlen && !proc.killed) {
		switch (next(1) % R_NSTEPS) {
		case R_SQE:
			step_sqe();
			break;
		case R_PUBLISH: /* what we wrote */
			__atomic_store_n(&hdr->sq_tail, ptail, __ATOMIC_RELEASE);
			break;
		case R_POKE:
			step_poke();
			break;
		case R_ENTER:
			step_enter();
			break;
		case R_REAP:
			reap((u32)next(1));
			break;
		case R_COMPLETE:
			step_complete();
			break;
		case R_DEFERRED: /* the owner's way through the kernel */
			KERNEL(op_continue_thread(&thread));
			break;
		case R_FAILALLOC:
			fail_allocs = (int)next(1) % 4;
			break;
		}
	}
	if (!proc.killed)
		settle();

	ring_teardown(r); /* drops what is parked, frees the backlog: nothing leaks */
	CHECK(thread.rings[0] == NULL);
	free(sent);
	free(owed);
	free(ran);
	free(shadow);
	return 0;
}
