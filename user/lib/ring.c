/*
 * ring.c - the thread's ring, from the program's start to its exit:
 * submitting entries, reaping completions, and ring_call(), the blocking
 * call that every wrapper of sys.c is built on (DESIGN §1 point 2).
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
 * The barrier rule (DESIGN §3). Both sides run at once on different
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
 * for the program's cq_reap(). duet threads have one ring each and a
 * program has one thread for now, so the state is one static struct.
 */
#include "async.h"

static struct {
	struct ring_hdr *hdr;
	struct sqe *sq;
	struct cqe *cq;
	unsigned id;	 /* for ring_enter and wait */
	unsigned sqmask; /* entries - 1 */
	unsigned cqmask;
	/* Our own copies of the indexes we produce: the shared ones are only
	   ever written by us, so we never need to read them back. */
	unsigned sq_tail; /* one past the last prepared entry */
	unsigned cq_head; /* the next completion to reap */
	u64 seq;	  /* ring_call's last tag */
	struct cqe *kept; /* completions reaped for the program, oldest first */
	int nkept, maxkept;
} ring;

static void ring_init(struct ring_hdr *hdr)
{
	ring.hdr = hdr;
	ring.sq = (struct sqe *)((char *)hdr + hdr->sq_off);
	ring.cq = (struct cqe *)((char *)hdr + hdr->cq_off);
	ring.id = hdr->id;
	ring.sqmask = hdr->sq_mask;
	ring.cqmask = hdr->cq_mask;
	ring.sq_tail = hdr->sq_tail;
	ring.cq_head = hdr->cq_head;
}

int main(int argc, char **argv); /* the program's; it returns the exit status */

/* Where _start (arch/<arch>/user.S) goes. */
void __libc_start(int argc, char **argv, struct ring_hdr *hdr)
{
	ring_init(hdr);
	exit(main(argc, argv));
}

struct ring_hdr *ring_hdr(void)
{
	return ring.hdr;
}

struct sqe *sq_get(void)
{
	/* acquire: the kernel finished copying an entry before it moved
	   sq_head past it, so that slot is free to fill again */
	unsigned head = __atomic_load_n(&ring.hdr->sq_head, __ATOMIC_ACQUIRE);
	if (ring.sq_tail - head > ring.sqmask)
		return NULL;
	struct sqe *e = &ring.sq[ring.sq_tail++ & ring.sqmask];
	memset(e, 0, sizeof(*e));
	return e;
}

long sq_submit(void)
{
	/* release: the entries are written before the tail that covers them */
	__atomic_store_n(&ring.hdr->sq_tail, ring.sq_tail, __ATOMIC_RELEASE);
	/* full barrier: the tail is visible before we read the flags */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	unsigned flags = __atomic_load_n(&ring.hdr->sq_flags, __ATOMIC_RELAXED);
	unsigned head = __atomic_load_n(&ring.hdr->sq_head, __ATOMIC_ACQUIRE);
	return ring_enter(ring.id, ring.sq_tail - head,
			  flags & RING_NEED_WAKEUP ? RING_ENTER_WAKEUP : 0);
}

/*
 * Copy the next completion into *c; false if there is none. A CQ that
 * is empty while RING_CQ_OVERFLOW is up means completions wait in the
 * kernel's backlog: an empty ring_enter moves them into the CQ.
 */
static bool cq_next(struct cqe *c)
{
	for (;;) {
		/* acquire: the kernel wrote the entry before it published cq_tail */
		unsigned tail = __atomic_load_n(&ring.hdr->cq_tail, __ATOMIC_ACQUIRE);
		if (tail != ring.cq_head)
			break;
		if (!(__atomic_load_n(&ring.hdr->sq_flags, __ATOMIC_ACQUIRE) & RING_CQ_OVERFLOW))
			return false;
		ring_enter(ring.id, 0, 0);
	}
	*c = ring.cq[ring.cq_head++ & ring.cqmask];
	/* release: we are done reading the slot before the kernel may reuse it */
	__atomic_store_n(&ring.hdr->cq_head, ring.cq_head, __ATOMIC_RELEASE);
	return true;
}

/*
 * Sleep in the kernel until the CQ has something. Returns 0, or the
 * error of a wait() that will fail again if asked again (a corrupted
 * ring id, a bad address): the caller must give up rather than spin.
 * -EINTR (we are being killed) and -EAGAIN are worth another try.
 */
static long cq_block(void)
{
	struct wait_item it = {.type = WAIT_RING, .id = ring.id};
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
static void keep(const struct cqe *c)
{
	if (c->user_data & UD_LIB)
		return;
	if (ring.nkept == ring.maxkept) {
		int max = ring.maxkept ? 2 * ring.maxkept : 16;
		struct cqe *k = malloc(max * sizeof(*k));
		if (!k)
			lost();
		memcpy(k, ring.kept, ring.nkept * sizeof(*k));
		free(ring.kept);
		ring.kept = k;
		ring.maxkept = max;
	}
	ring.kept[ring.nkept++] = *c;
}

int cq_reap(struct cqe *c, int max)
{
	if (max <= 0)
		return 0;
	int n = MIN(max, ring.nkept);
	memcpy(c, ring.kept, n * sizeof(*c));
	ring.nkept -= n;
	memmove(ring.kept, ring.kept + n, ring.nkept * sizeof(*c));
	while (n < max && cq_next(&c[n]))
		if (!(c[n].user_data & UD_LIB))
			n++;
	return n;
}

int cq_wait(struct cqe *c, int max)
{
	int n;
	long r;
	if (max <= 0)
		return 0;
	while (!(n = cq_reap(c, max)))
		if ((r = cq_block()) < 0)
			return r;
	return n;
}

/*
 * Submit what is prepared. If the kernel refuses (-EBUSY) because
 * completions wait in its backlog, move the CQ's entries into `kept` so
 * that the backlog can drain, and let the caller try again.
 */
static long submit(void)
{
	long r = sq_submit();
	struct cqe c;
	if (r == -EBUSY)
		while (cq_next(&c))
			keep(&c);
	return r;
}

/*
 * Hand the kernel every entry the program has prepared, in ring_enter
 * calls of their own. The kernel ends a LINK chain where a batch ends,
 * so a LINK on the program's last entry cannot capture the entry the
 * library is about to add.
 */
static long flush(void)
{
	long r;
	unsigned prepared = ring.sq_tail;
	while ((int)(__atomic_load_n(&ring.hdr->sq_head, __ATOMIC_ACQUIRE) - prepared) < 0)
		if ((r = submit()) < 0 && r != -EBUSY)
			return r;
	return 0;
}

long ring_call(const struct sqe *e, unsigned *cflags)
{
	struct sqe *s;
	long r;
	if ((r = flush()) < 0)
		return r;
	while (!(s = sq_get()))
		if ((r = submit()) < 0 && r != -EBUSY)
			return r;
	*s = *e;
	u64 tag = s->user_data = UD_LIB | ++ring.seq;
	unsigned next = ring.sq_tail; /* one past our entry */

	/* 1. push: ring_enter until the kernel has taken our entry */
	do {
		if ((r = submit()) < 0 && r != -EBUSY)
			return r;
	} while ((int)(__atomic_load_n(&ring.hdr->sq_head, __ATOMIC_ACQUIRE) - next) < 0);

	/* 2. wait only if the completion is not already there: an
	   operation that finished inside ring_enter costs no more */
	struct cqe c;
	for (;;) {
		while (cq_next(&c)) {
			if (c.user_data == tag) {
				if (cflags)
					*cflags = c.flags;
				return c.res;
			}
			keep(&c);
		}
		if ((r = cq_block()) < 0)
			return r;
	}
}

/* Drop every completion, then submit: what exit() does until it is gone. */
static void drop_and_submit(void)
{
	ring.cq_head = __atomic_load_n(&ring.hdr->cq_tail, __ATOMIC_ACQUIRE);
	__atomic_store_n(&ring.hdr->cq_head, ring.cq_head, __ATOMIC_RELEASE);
	sq_submit();
}

/*
 * OP_EXIT never completes: submit it until the kernel takes it. Other
 * completions no longer matter; dropping them lets a kernel that says
 * -EBUSY drain its backlog and take the entry.
 */
void exit(int status)
{
	struct sqe *e;
	flush(); /* so that OP_EXIT joins no chain of the program's */
	while (!(e = sq_get()))
		drop_and_submit();
	e->opcode = OP_EXIT;
	e->off = (unsigned)status;
	for (;;)
		drop_and_submit();
}
