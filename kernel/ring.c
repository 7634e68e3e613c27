/*
 * ring.c - submission and completion rings (the ABI is in abi/ring.h).
 *
 * ring_enter() consumes submission entries and runs them (op.c); an
 * operation either completes at once or goes pending and completes later,
 * from whatever context sees its event happen. Completions go into the
 * completion queue (CQ); one that does not fit waits in the ring's
 * backlog, CQ_OVERFLOW is raised, and ring_enter() refuses new work with
 * -EBUSY until the program has reaped enough for the backlog to drain.
 * So a completion is never dropped. Kernel memory stays bounded: at most
 * ENTER_MAX entries run per ring_enter, at most MAX_PARKED per process
 * wait for events, and a LINK chain is at most LINK_MAX entries long (a
 * chain also ends where a ring_enter batch ends).
 *
 * The ring's memory is shared with a program that may be hostile. The
 * kernel never reads back what it wrote there (it keeps its own sq_head
 * and cq_tail), reads each index the program owns exactly once per use,
 * checks that tail - head fits the ring, and copies each entry into
 * kernel memory once before looking at it.
 *
 * Each thread has its own rings (its first one is made with the thread),
 * so two threads never see each other's completions. A ring made with
 * RING_POLL has a poller, a kernel thread that consumes its entries as
 * they are published, with no system call at all:
 *
 *   program                               poller (kernel thread)
 *   fill sqe; store-release sq_tail  ...  sees the tail move, runs entries
 *   reap cq                         <---  posts completions
 *                                         idle_ns without work: set
 *   full barrier; sees NEED_WAKEUP        NEED_WAKEUP; full barrier;
 *   ring_enter(RING_ENTER_WAKEUP)  --->   tail unchanged: sleep ... woken
 *
 * A ring made with RING_CQ_UINTR also tells its owner about completions
 * with a user interrupt (cq_notify), so that neither end needs a system
 * call; RING_CQ_INTR in the header holds back all but one.
 */
#include "proc.h"

#define ENTER_MAX 256 /* most entries one ring_enter() consumes */

static void poller(void);

static bool pow2(u32 n)
{
	return n && !(n & (n - 1));
}

/*
 * Count one more ring for p, if its user may have one: -EAGAIN when the
 * user (not root) has USER_RINGS already. p->nrings counts the rings
 * being made too, so two threads making their last ones at once cannot
 * both get it; every ring made or failed goes through uncharge().
 */
static int charge(struct proc *p)
{
	int n = 0, r = 0;
	struct proc *pt = proc_table();
	spin_lock(&sched_lock);
	for (int i = 0; i < NPROC && p->uid != 0; i++)
		if (pt[i].state != P_UNUSED && pt[i].uid == p->uid)
			n += pt[i].nrings;
	if (p->uid != 0 && n >= USER_RINGS)
		r = -EAGAIN;
	else
		p->nrings++;
	spin_unlock(&sched_lock);
	return r;
}

static void uncharge(struct proc *p)
{
	spin_lock(&sched_lock);
	p->nrings--;
	spin_unlock(&sched_lock);
}

/*
 * Make a ring for thread `owner` (RING_* flags, abi/ring.h): its memory,
 * mapped into the process at the address its slot and id fix, and for
 * RING_POLL its poller thread. 0 and *out, or -E*: -EINVAL a bad size,
 * flag, idle time or CPU; -EMFILE the thread has NRING rings; -EAGAIN
 * its user has USER_RINGS; -ENOMEM.
 */
int ring_setup(struct thread *owner, u32 sq_entries, u32 cq_entries, u32 flags, u64 idle_us,
	       int pin, struct ring **out)
{
	struct proc *p = owner->proc;
	if (!pow2(sq_entries) || !pow2(cq_entries) || sq_entries > RING_MAX ||
	    cq_entries > RING_MAX || (flags & ~(RING_POLL | RING_POLL_PIN)) ||
	    ((flags & RING_POLL_PIN) && !(flags & RING_POLL)) || idle_us > RING_IDLE_MAX_US ||
	    ((flags & RING_POLL_PIN) && (pin < 0 || pin >= ncpu_online())))
		return -EINVAL;
	int id = 0;
	while (id < NRING && owner->rings[id])
		id++;
	if (id == NRING)
		return -EMFILE;
	int err = charge(p);
	if (err < 0)
		return err;
	u64 bytes = sizeof(struct ring_hdr) + sq_entries * sizeof(struct sqe) +
		    cq_entries * sizeof(struct cqe);
	int order = 0;
	while ((PAGE_SIZE << order) < bytes)
		order++;
	struct ring *r = kzalloc(sizeof(*r));
	if (!r || !(r->pa = page_alloc_for(p->uid, order))) {
		kfree(r);
		uncharge(p);
		return -ENOMEM;
	}
	memset(P2V(r->pa), 0, PAGE_SIZE << order);
	r->order = order;
	r->uaddr = RING_BASE + (owner->slot * NRING + id) * RING_SPAN;
	err = uvm_share(p->pt, r->uaddr, r->pa, PAGE_SIZE << order, VM_R | VM_W | VM_U);
	if (err < 0) {
		page_free(r->pa, order);
		kfree(r);
		uncharge(p);
		return err == -EEXIST ? -ENOMEM : err;
	}
	r->id = id;
	r->proc = p;
	r->owner = owner;
	r->uid = p->uid;
	r->gid = p->gid;
	r->sq_entries = sq_entries;
	r->sq_mask = sq_entries - 1;
	r->cq_entries = cq_entries;
	r->cq_open = cq_entries;
	r->hdr = P2V(r->pa);
	r->sq = (struct sqe *)(r->hdr + 1);
	r->cq = (struct cqe *)(r->sq + sq_entries);
	r->hdr->sq_mask = sq_entries - 1;
	r->hdr->cq_mask = cq_entries - 1;
	r->hdr->sq_off = sizeof(struct ring_hdr);
	r->hdr->cq_off = sizeof(struct ring_hdr) + sq_entries * sizeof(struct sqe);
	r->hdr->id = id;
	spin_init(&r->lock, "ring");
	r->backlog_end = &r->backlog;
	r->deferred_end = &r->deferred;
	if (flags & RING_POLL) {
		r->idle_ns = (idle_us ? idle_us : RING_IDLE_DEFAULT_US) * 1000;
		if (!(r->poller = kthread_create(poller, flags & RING_POLL_PIN ? pin : -1))) {
			uvm_unmap(p->pt, r->uaddr, PAGE_SIZE << order);
			page_free(r->pa, order);
			kfree(r);
			uncharge(p);
			return -ENOMEM;
		}
		r->poller->poll = r;
		spin_lock(&sched_lock);
		sched_ready(r->poller);
		spin_unlock(&sched_lock);
	}
	owner->rings[id] = r;
	*out = r;
	return 0;
}

/*
 * Tear a ring down: stop its poller, drop its operations in flight
 * (nothing completes into a ring that is going away), wait for
 * completions already under way on other CPUs, then unmap and free it.
 * Called by its owner thread, holding no lock.
 */
void ring_teardown(struct ring *r)
{
	if (r->poller) {
		__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
		spin_lock(&sched_lock);
		sched_wake(r->poller);
		spin_unlock(&sched_lock);
		while (__atomic_load_n(&r->poller, __ATOMIC_ACQUIRE)) {
			sched_yield(); /* on one CPU, the poller needs ours to stop */
			ipi_poll();    /* its CPU may be shooting down, waiting for us */
		}
	}
	op_cancel_ring(r); /* and waits for completions under way elsewhere */
	if (r->cq_recv)	   /* nothing posts to it any more; a posted vector stays for the handler */
		uintr_put(r->cq_recv);
	while (r->backlog) {
		struct op *op = r->backlog;
		r->backlog = op->next;
		kfree(op);
	}
	r->owner->rings[r->id] = NULL;
	uncharge(r->proc);
	uvm_unmap(r->proc->pt, r->uaddr, PAGE_SIZE << r->order);
	page_free(r->pa, r->order);
	kfree(r);
}

/* CQ slots in use as the kernel sees them; a lying cq_head reads as "full". */
static u32 cq_used(struct ring *r)
{
	u32 head = __atomic_load_n(&r->hdr->cq_head, __ATOMIC_ACQUIRE);
	u32 used = r->cq_tail - head;
	return used > r->cq_entries ? r->cq_entries : used;
}

/* cq_used(r) < r->cq_entries, without clamping first (2 instructions
 * of every post): a lying cq_head still reads as "full". While the
 * ring's consumer has a window open (window_open), the CQ is its alone:
 * "full" for everyone else, whose completions wait in the backlog. So
 * the test is against cq_open, which is then 0, else cq_entries: a test
 * of its own cost a blocking call 3 instructions on x86_64. */
static inline bool cq_room(struct ring *r)
{
	u32 head = __atomic_load_n(&r->hdr->cq_head, __ATOMIC_ACQUIRE);
	return r->cq_tail - head < r->cq_open;
}

static void cq_put(struct ring *r, u64 user_data, int res, u32 flags)
{
	/* LAB ring 2: BEGIN write the completion into the CQ and publish the new tail */
	/* STUB: (void)r, (void)user_data, (void)res, (void)flags;
	   panic("lab ring task 2: cq_put is not written yet"); */
	struct cqe *c = &r->cq[r->cq_tail & (r->cq_entries - 1)];
	c->user_data = user_data;
	c->res = res;
	c->flags = flags;
	r->cq_tail++;
	/* release: the entry is written before the program can see the tail */
	__atomic_store_n(&r->hdr->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
	/* LAB ring END */
}

/* Publish CQ_OVERFLOW and the backlog's size, as they are now (the
 * program may have scribbled over them). Holds r->lock. */
static inline __attribute__((always_inline)) void publish_flags(struct ring *r)
{
	/* locals: after the first atomic store the compiler would load
	   each field again (a blocking call 2 instructions fewer on
	   x86_64) */
	struct ring_hdr *h = r->hdr;
	u32 n = r->nbacklog;
	u32 flags = n ? r->sq_flags | RING_CQ_OVERFLOW : r->sq_flags & ~RING_CQ_OVERFLOW;
	r->sq_flags = flags;
	/* release, once for both stores: a release fence and two relaxed
	   stores (on riscv64 one fence where two release stores took a
	   fence and an amoswap each) */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&h->sq_flags, flags, __ATOMIC_RELAXED);
	__atomic_store_n(&h->cq_overflow, n, __ATOMIC_RELAXED);
}

/* publish_flags() where the caller has just seen the backlog empty
 * (r->backlog NULL, so nbacklog is 0): CQ_OVERFLOW down and a count of
 * 0, without loading and testing the count (4 instructions of every
 * post on x86_64: a blocking call's, each batch's window). Holds
 * r->lock. */
static inline __attribute__((always_inline)) void publish_flags_empty(struct ring *r)
{
	struct ring_hdr *h = r->hdr;
	u32 flags = r->sq_flags & ~RING_CQ_OVERFLOW;
	r->sq_flags = flags;
	__atomic_thread_fence(__ATOMIC_RELEASE); /* as publish_flags() */
	__atomic_store_n(&h->sq_flags, flags, __ATOMIC_RELAXED);
	__atomic_store_n(&h->cq_overflow, 0, __ATOMIC_RELAXED);
}

/* Move backlogged completions into the CQ while there is room. Holds r->lock. */
static void backlog_flush(struct ring *r)
{
	while (r->backlog && cq_room(r)) {
		struct op *op = r->backlog;
		r->backlog = op->next;
		if (!r->backlog)
			r->backlog_end = &r->backlog;
		r->nbacklog--;
		cq_put(r, op->sqe.user_data, op->res, op->cflags);
		kfree(op);
	}
	publish_flags(r);
}

/* Wake r's owner after posting a completion: it may be blocked in wait() on r. */
static void wake_owner(struct ring *r)
{
	/* LAB wait 2: BEGIN wake the ring's owner: it may be blocked in wait() on this ring */
	/* STUB: (void)r; // wait() does not sleep yet: nobody to wake */
	/* the owner may be blocked in wait() on this ring - unless it is
	   the thread posting (a completion inside its own ring_enter: 70
	   instructions of a ring call saved). Safe: a running thread is
	   not blocked, and its own wait() checks the ring before blocking,
	   check and block under sched_lock, on this same thread. */
	if (r->owner != current()) {
		spin_lock(&sched_lock);
		sched_wake(r->owner);
		spin_unlock(&sched_lock);
	}
	/* LAB wait END */
}

/*
 * Completion interrupts (RING_CQ_UINTR; docs/rings.md, "Completions
 * that interrupt"): completions were just published into r's CQ. Post
 * the owner's vector unless RING_CQ_INTR says one is posted and not yet
 * handled; the owner clears the flag and then looks at the CQ again.
 * It is NEED_WAKEUP turned round - write mine (cq_tail), full barrier,
 * read theirs (the flag) - so either we see the flag down and post, or
 * the owner's second look sees our completions. The flag is the
 * program's to scribble on: a lie costs it interrupts, not the kernel.
 */
static __attribute__((noinline)) void cq_kick(struct ring *r, struct urecv *u)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->hdr->cq_flags, __ATOMIC_RELAXED) & RING_CQ_INTR ||
	    __atomic_fetch_or(&r->hdr->cq_flags, RING_CQ_INTR, __ATOMIC_SEQ_CST) & RING_CQ_INTR)
		return; /* the owner has not handled the last one yet */
	uintr_kick(u, r->cq_vec);
}

/* Most rings have no completion vector: that test inline, the rest in
 * cq_kick() (a call less per post: 3 instructions of a ring call). */
static inline void cq_notify(struct ring *r)
{
	/* relaxed, and the acquire fence (pairing with op_ring_create's
	   release: cq_vec is set before cq_recv) only when there is a
	   receiver: riscv64 has no fence to pay on every post */
	struct urecv *u = __atomic_load_n(&r->cq_recv, __ATOMIC_RELAXED);
	if (u) {
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		cq_kick(r, u);
	}
}

/* ring_post() when the backlog is not empty or the CQ is full: the
 * completion joins the backlog. Holds r->lock, and lets go of it. Rare:
 * a function of its own, so that the common case stays short. */
static __attribute__((noinline)) bool post_backlog(struct ring *r, struct op *op, bool heap)
{
	struct op *b = heap ? op : op_dup(op);
	if (!b) {
		spin_unlock_irqoff(&r->lock);
		return false;
	}
	b->next = NULL;
	*r->backlog_end = b;
	r->backlog_end = &b->next;
	r->nbacklog++;
	backlog_flush(r); /* raises CQ_OVERFLOW */
	/* republished, as cq_put() does: consume() counts on it */
	__atomic_store_n(&r->hdr->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
	spin_unlock_irqoff(&r->lock);
	return true;
}

/* ring_post(), inline in consume()'s one-entry path: the call and its
 * saved registers cost a ring call 10 instructions on x86_64. `owner`:
 * the caller knows it is r's owner, running, so there is nobody to
 * wake (wake_owner() would find that out with current()). */
static inline __attribute__((always_inline)) bool post(struct op *op, bool heap, bool owner)
{
	struct ring *r = op->ring;
	spin_lock_irqoff(&r->lock);
	if (r->backlog)
		backlog_flush(r);
	if (!r->backlog && cq_room(r)) {
		cq_put(r, op->sqe.user_data, op->res, op->cflags);
		publish_flags_empty(r); /* as backlog_flush() would, without its loop */
		spin_unlock_irqoff(&r->lock);
		if (heap)
			kfree(op);
	} else if (!post_backlog(r, op, heap)) {
		return false;
	}
	cq_notify(r);
	if (!owner)
		wake_owner(r);
	return true;
}

/*
 * Post op's completion (op.c calls this for every op). If the CQ is full it goes to the backlog,
 * which keeps op itself when op is already heap memory (a pending op) and a copy otherwise. Returns
 * false only if that copy could not be made.
 */
bool ring_post(struct op *op, bool heap)
{
	return post(op, heap, false);
}

/*
 * The completions b[0..n), which found the CQ full: into the backlog,
 * as ring_post() does. Holds r->lock. Returns false if there was no
 * memory for one. A function of its own (noinline): it is rare, and
 * inside post_batch's loop it cost a batch 4 instructions an entry (a
 * room test each, and registers kept for it).
 */
static __attribute__((noinline)) bool backlog_batch(struct ring *r, const struct cqe *b, u32 n)
{
	bool ok = true;
	for (u32 i = 0; i < n; i++) {
		struct op *o = kmalloc(sizeof(*o));
		if (!o) {
			ok = false;
			continue;
		}
		o->sqe.user_data = b[i].user_data;
		o->res = b[i].res;
		o->cflags = b[i].flags;
		o->next = NULL;
		*r->backlog_end = o;
		r->backlog_end = &o->next;
		r->nbacklog++;
	}
	return ok;
}

/*
 * Post the n gathered completions b[0..n) - the CQ's free slots are
 * ours while we hold r->lock - and republish cq_tail (once) and the
 * flags. Returns how many more the CQ has room for, as far as we know
 * (0 if completions wait in the backlog). The gathered array has the
 * CQ's layout, so what fits goes in as at most two copies (the CQ
 * wraps): with memcpy's word moves a batch of 32 NOPs cost 19
 * instructions an entry here on x86_64 (cq_put() each, its tail
 * published each time) and now about 2. post_locked() is its work once
 * r->lock is held (it lets go of it): window_close() goes on there for
 * a window of one. consume_batch() itself writes its completions into
 * the CQ in place (window_open): this is for the empty republish, for
 * what found no room, and for a batch gathered elsewhere.
 */
static __attribute__((noinline)) u32 post_locked(struct ring *r, const struct cqe *b, u32 n)
{
	if (r->backlog)
		backlog_flush(r);
	u32 room = r->backlog || !r->cq_open ? 0 : r->cq_entries - cq_used(r);
	u32 k = MIN(room, n);
	if (k) { /* b may be NULL when n is 0 (a republish) */
		u32 at = r->cq_tail & (r->cq_entries - 1);
		u32 end = MIN(k, r->cq_entries - at); /* up to the CQ's end... */
		memcpy(&r->cq[at], b, end * sizeof(*b));
		if (k > end) /* ...and the rest from its start */
			memcpy(r->cq, b + end, (k - end) * sizeof(*b));
		r->cq_tail += k;
	}
	room -= k;
	bool lost = k < n && !backlog_batch(r, b + k, n - k); /* no room for the rest */
	/* release: the entries are written before the tail that covers
	   them. Republished even for an empty batch (consume counts on
	   it), then the flags, raising CQ_OVERFLOW; with the backlog
	   empty, as it nearly always is, only the flags (calling
	   backlog_flush cost a ring call 10 instructions on x86_64, 14 on
	   riscv64) */
	__atomic_store_n(&r->hdr->sq_head, r->sq_head, __ATOMIC_RELEASE); /* see consume() */
	__atomic_store_n(&r->hdr->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
	if (r->backlog)
		backlog_flush(r);
	else
		publish_flags_empty(r);
	spin_unlock_irqoff(&r->lock);
	if (lost)
		proc_die(r->proc, STATUS_KILLED); /* no memory even for the backlog */
	if (n) {
		cq_notify(r);
		/* Only consume() posts batches: on a ring with no poller it
		   runs as the ring's owner, so there is nobody to wake (as
		   in consume_one) */
		if (r->poller)
			wake_owner(r);
	}
	return room;
}

static u32 post_batch(struct ring *r, const struct cqe *b, u32 n)
{
	spin_lock_irqoff(&r->lock);
	return post_locked(r, b, n);
}

/*
 * The completions of entries that ran alone and finished at once, in
 * one ring_enter (consume_batch), go straight into the CQ's slots: a
 * window of them, from cq_tail on, that the consumer reserves under
 * r->lock (window_open) and fills with no lock held, one completion
 * after the other, then publishes all at once with one cq_tail store
 * and one lock round (window_close). While it is open, other CPUs (an
 * op completing on another CPU or in an interrupt) and the entries'
 * own handlers post nothing into the CQ (cq_room, post_locked: no
 * room), so nobody else writes those slots or publishes a tail that
 * covers them half written; their completions wait in the backlog,
 * which window_close() moves into the CQ behind ours. Gathered in an
 * array on the stack and copied into the CQ (memcpy) when posted,
 * batches of 8 NOPs cost x86_64 2.7 instructions an entry more (137.2
 * -> 134.5), riscv64 8.3 (158.8 -> 150.5: riscv64 has no `rep movs`,
 * its copy is loads and stores).
 *
 * The window is as large as the CQ's room, and no larger than the
 * `left` entries still to take; *wrap of its slots are at the CQ's
 * start, after those up to its end (a window split in two instead cost
 * 4% of x86_64's batches of 8 a second lock round pair, 0.4
 * instructions an entry, where other calls left cq_tail unaligned).
 * With no room
 * (or completions in the backlog) it is `one`, the caller's single slot
 * on the stack, posted the general way (post_batch: into the backlog,
 * raising CQ_OVERFLOW, and the batch loop stops), as one completion
 * more than the CQ's room always was: so a program that filled its CQ
 * gets -EBUSY, reaps, and goes on, and never waits for an entry the
 * kernel would not take. Returns the first slot; *end is one past the
 * last.
 */
static inline __attribute__((always_inline)) struct cqe *
window_open(struct ring *r, struct cqe *one, u32 left, struct cqe **end, u32 *wrap)
{
	spin_lock_irqoff(&r->lock);
	u32 at = r->cq_tail & (r->cq_entries - 1);
	/* the room looked at once: MIN() would load the program's cq_head
	   twice, and a head that moved in between gave a window larger than
	   `left` - entries taken past the tail (test_ring_race caught it) */
	u32 room = r->cq_entries - cq_used(r);
	u32 k = r->backlog ? 0 : MIN(room, left);
	r->cq_open = 0; /* even for `one`: no test (window_close opens it again) */
	spin_unlock_irqoff(&r->lock);
	u32 part = MIN(k, r->cq_entries - at);
	*wrap = k - part;
	struct cqe *w = k ? &r->cq[at] : one;
	*end = w + (k ? part : 1);
	return w;
}

/*
 * Publish the window's completions - `before` of them up to the CQ's
 * end if it wrapped, then w up to c - and let the CQ go: one
 * cq_tail store (release: the completions are written before the tail
 * that covers them), the flags, the backlog moved in if others posted
 * meanwhile, then the completion interrupt or wake-up, as any post.
 * The window of one goes the general way.
 */
static inline __attribute__((always_inline)) void
window_close(struct ring *r, struct cqe *one, u32 before, struct cqe *w, struct cqe *c)
{
	spin_lock_irqoff(&r->lock);
	r->cq_open = r->cq_entries;
	if (w == one) {
		post_locked(r, one, (u32)(c - one));
		return;
	}
	r->cq_tail += before + (u32)(c - w);
	__atomic_store_n(&r->hdr->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
	if (r->backlog)
		backlog_flush(r); /* raised CQ_OVERFLOW meanwhile */
	else
		publish_flags_empty(r);
	spin_unlock_irqoff(&r->lock);
	cq_notify(r);
	if (r->poller) /* as in post_locked */
		wake_owner(r);
}

bool ring_ready(struct ring *r)
{
	spin_lock_irqoff(&r->lock);
	bool ready = r->backlog || cq_used(r) > 0;
	spin_unlock_irqoff(&r->lock);
	return ready;
}

/* Copy the next submission entry into op: once, and only into kernel
 * memory, and reset what a handler may set in op. Inline: called once
 * an entry, and the call cost 5 more. */
static inline __attribute__((always_inline)) void take_entry(struct ring *r, struct op *op)
{
	/* LAB ring 1: BEGIN copy the next entry into op, once, and advance the head */
	/* STUB: (void)r, (void)op; panic("lab ring task 1: take_entry is not written yet"); */
	/* a struct copy: inline word moves, where a memcpy call cost 28 more;
	   the kernel's own mask, not sq_entries - 1 each time */
	op->sqe = r->sq[r->sq_head & r->sq_mask];
	r->sq_head++;
	__atomic_store_n(&r->hdr->sq_head, r->sq_head, __ATOMIC_RELEASE);
	op->file = NULL;
	op->deadline = 0; /* and op->wait: the same word */
	op->cflags = 0;
	/* LAB ring END */
}

/* What stays the same from entry to entry of one call: the ring and
 * process an op runs for, no chain, no next. A handler only ever clears
 * chain, and parking links a heap copy, not op: an op that ran an entry
 * alone can take the next one with take_entry() alone (a batch of NOPs:
 * 5 instructions an entry fewer on x86_64). */
static inline __attribute__((always_inline)) void op_start(struct ring *r, struct op *op)
{
	op->ring = r;
	op->proc = r->proc;
	op->chain = NULL;
	op->next = NULL;
}

/* The next entry into a fresh op (not zeroed: on a stack, or kmalloc'd). */
static inline __attribute__((always_inline)) void take(struct ring *r, struct op *op)
{
	op_start(r, op);
	take_entry(r, op);
}

/*
 * consume() of one entry with nothing in the backlog: a blocking call
 * (the C library's ring_call). Run and posted as ring_post() posts,
 * which republishes cq_tail and the flags: no batch to gather and post.
 * The same rules as consume's loop: taken once, not while killed or
 * while completions wait in the backlog (the caller checks). An entry
 * that went pending posted nothing, and one whose completion found no
 * memory for the backlog republished nothing: an empty post_batch()
 * does (fuzz_ring found the second). With the ring lock inline
 * (kernel.h), taking, running and posting a NOP went from 273
 * instructions to 169 on x86_64. A function of its own (noinline), so
 * that a call saves only the registers it needs, not the batch loop's.
 */
static __attribute__((noinline)) long consume_one(struct ring *r)
{
	struct op one;
	take(r, &one);
	/* alone, so a LINK links nothing; OP_EXIT may not return:
	   nothing waits to be posted before it */
	one.res = op_run(&one);
	/* A ring without a poller is consumed by its owner (ring_enter
	   on the thread's own ring): no wake-up to look for (a
	   blocking call 1 instruction fewer on x86_64; 5 on riscv64
	   with publish_flags' locals). */
	if (one.res != OP_PENDING && post(&one, false, !r->poller))
		return 1;
	if (one.res != OP_PENDING)
		proc_die(r->proc, STATUS_KILLED); /* no memory even for the backlog */
	post_batch(r, NULL, 0);			  /* empty: it republishes cq_tail and the flags */
	return 1;
}

static long consume_batch(struct ring *r, u32 n);

/*
 * consume()'s decision: how many published entries to take (at most
 * max and ENTER_MAX), and who takes them: consume_one() for one (a
 * blocking call), consume_batch() for more, both tail calls. With the
 * batch loop in consume() itself, every blocking call paid for the
 * loop's saved registers (x86_64: six pushes and pops; riscv64: twelve
 * saves and loads); as it is, consume() saves none. Inline in its two
 * callers.
 */
static inline __attribute__((always_inline)) long take_some(struct ring *r, u32 max)
{
	/* LAB ring 1: BEGIN read the tail once, check it, decide how many to take */
	/* STUB: (void)r, (void)max, (void)consume_one, (void)consume_batch;
	   // no program can make a call, or even exit: say so and stop
	   panic("lab ring task 1: consume is not written yet"); */
	/* acquire: the entries are written before the tail that covers them */
	u32 tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	u32 avail = tail - r->sq_head;
	if (avail > r->sq_entries) {
		post_batch(r, NULL, 0); /* empty: it republishes cq_tail and the flags */
		return -EINVAL;
	}
	u32 n = MIN(MIN(max, avail), ENTER_MAX);
	if (n == 1 && !r->proc->killed && !__atomic_load_n(&r->nbacklog, __ATOMIC_RELAXED))
		return consume_one(r);
	return consume_batch(r, n);
	/* LAB ring END */
}

/* consume() with completions in the backlog: move what fits into the
 * CQ (republishing cq_tail first); -EBUSY if some still wait there.
 * Rare: a function of its own (noinline), so that consume() keeps no
 * register for it. */
static __attribute__((noinline)) long drain(struct ring *r, u32 max)
{
	spin_lock_irqoff(&r->lock);
	__atomic_store_n(&r->hdr->sq_head, r->sq_head, __ATOMIC_RELEASE);
	__atomic_store_n(&r->hdr->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
	backlog_flush(r);
	bool busy = r->backlog != NULL;
	spin_unlock_irqoff(&r->lock);
	return busy ? -EBUSY : take_some(r, max);
}

/*
 * Take up to `max` published entries (at most ENTER_MAX) and run them,
 * unless completions wait in the backlog. Returns how many were taken,
 * or -E*: -EINVAL a corrupt tail, -EBUSY the backlog is not empty (reap
 * the CQ first). The caller is the only one taking from r: its owner in
 * ring_enter(), or its poller.
 */
static long consume(struct ring *r, u32 max)
{
	/* Every way out republishes the indexes the kernel owns: a program
	   that scribbled over them gets the truth back instead of a ring
	   stuck forever. sq_head: take_entry() publishes it for each entry, and
	   post_batch() (or drain()'s -EBUSY) once more for a call that took
	   none; here too it cost a blocking call 4 instructions on x86_64
	   (the store, and r's fields loaded again after it). cq_tail and
	   the flags need r->lock, which post_batch() takes anyway: only
	   with completions in the backlog is there a lock round here (one
	   round less per ring_enter: about 90 instructions). */
	/* relaxed: only a hint, drain() looks again under r->lock */
	if (__atomic_load_n(&r->backlog, __ATOMIC_RELAXED))
		return drain(r, max);
	return take_some(r, max);
}

/* consume_batch() opens another window: entries are left to take (up to
 * sq_head `last`), the process is not killed, and no completion waits
 * in the backlog. */
static inline bool go_on(struct ring *r, struct proc *p, u32 last)
{
	return r->sq_head != last && !p->killed && !__atomic_load_n(&r->nbacklog, __ATOMIC_RELAXED);
}

/*
 * consume()'s work: take n entries, published and checked, and run
 * them. Returns how many were taken. The completions of entries alone
 * that finish at once go straight into a window of the CQ's slots (w up
 * to c; window_open), published when c reaches end - the window is
 * full, or there is nothing more to take: the one test an entry of the
 * fast path pays (a count of the entries taken and its test as well
 * cost a batch 5 instructions an entry on x86_64; safe because end
 * never lies beyond the entries left, so reaching it takes no entry
 * too many) - or before a chain, or when an entry goes pending with
 * nothing left to take.
 */
static long consume_batch(struct ring *r, u32 n)
{
	/* LAB ring 1: BEGIN take n entries, run them, gather chains, post completions */
	/* STUB: (void)r, (void)n, (void)take, (void)post_batch, (void)window_open,
	   (void)window_close; panic("lab ring task 1: consume_batch is not written yet"); */
	struct proc *p = r->proc;
	u32 last = r->sq_head + n; /* sq_head once all n are taken */
	struct cqe one;		   /* the window when the CQ has no room */
	struct op first;	   /* each entry alone runs in it (take_entry) */
	/* Killed, or completions in the backlog: stop. Looked at between
	   windows (at the start, after each window and each chain), not
	   before every entry (3 instructions an entry): a window holds at
	   most the CQ's room, each entry bounded, and window_close() keeps
	   the backlog's order. */
	if (!go_on(r, p, last)) {
		/* Every way out republishes cq_tail and the flags: each
		   window's close does, and a call that opens none posts an
		   empty batch (a flag saying which cost a batch of 8 NOPs 6
		   instructions a call on riscv64, 1 on x86_64) */
		post_batch(r, NULL, 0);
		return n - (last - r->sq_head);
	}
	op_start(r, &first);
	do {
		u32 wrap, before = 0; /* slots after the CQ's end; filled before it */
		struct cqe *end, *w = window_open(r, &one, last - r->sq_head, &end, &wrap), *c = w;
		for (;;) {
			take_entry(r, &first);
			/* Fast path: an entry alone (no LINK) that finishes at
			   once needs no chain: its completion goes into the
			   window. Not OP_EXIT/OP_THREAD_EXIT: they may not
			   return, and the window must be published first;
			   op_run() hands them back unrun (OP_ALONE), for the
			   chain's way. */
			if (!(first.sqe.flags & SQE_LINK)) {
				int res = op_run(&first);
				if (res < OP_ALONE) { /* a result: not OP_ALONE, not OP_PENDING */
					c->user_data = first.sqe.user_data;
					c->res = res;
					c->flags = first.cflags;
					if (++c != end)
						continue;
					if (!wrap)
						break;
					/* the window goes on at the CQ's start */
					before = (u32)(c - w);
					w = c = r->cq;
					end = c + wrap;
					wrap = 0;
					continue;
				}
				if (res == OP_PENDING) {
					/* one entry fewer left, no slot taken: the
					   window may not stay larger than what is
					   left to take. Without its part after the
					   wrap it is not; else end comes one nearer
					   if it must (as pointers: as a count, end
					   - c, riscv64 worked it out before every
					   entry's test of res, 3 instructions an
					   entry) */
					if (wrap)
						wrap = 0;
					else if (c + (last - r->sq_head) < end)
						end--;
					if (c != end)
						continue;
					break;
				}
			}
			/* what ran before a chain completes before it */
			window_close(r, &one, before, w, c);
			/* gather the entries linked after it */
			struct op *prev = &first;
			for (int len = 1;
			     (prev->sqe.flags & SQE_LINK) && r->sq_head != last && len < LINK_MAX;
			     len++) {
				struct op *o = kmalloc(sizeof(*o));
				if (!o)
					break; /* the chain ends here; the rest stays queued */
				take(r, o);
				prev->chain = o;
				prev = o;
			}
			op_chain(&first, false, false);
			op_start(r, &first); /* it headed a chain */
			w = NULL;
			break;
		}
		if (w)
			window_close(r, &one, before, w, c);
	} while (go_on(r, p, last));
	return n - (last - r->sq_head);
	/* LAB ring END */
}

/*
 * The ring_enter system call: consume up to to_submit entries of one of
 * the calling thread's rings and run them. Returns how many were
 * consumed, or -E*: -EBADF no such ring, -EINVAL bad flags or a corrupt
 * tail, -EBUSY completions wait in the backlog. On a polled ring the
 * poller consumes: ring_enter only wakes it (RING_ENTER_WAKEUP), moves
 * the backlog into the CQ, and returns 0.
 */
/* ring_enter on a polled ring: the poller consumes, we only drain the
 * backlog and wake it if asked. */
static __attribute__((noinline)) long enter_polled(struct ring *r, unsigned flags)
{
	spin_lock_irqoff(&r->lock);
	backlog_flush(r);
	spin_unlock_irqoff(&r->lock);
	if (flags & RING_ENTER_WAKEUP) {
		spin_lock(&sched_lock);
		sched_wake(r->poller);
		spin_unlock(&sched_lock);
		/* the caller waits for the poller now: on one CPU, let it run */
		mycpu()->need_resched = true;
	}
	return 0;
}

/* ring_enter when the thread has deferred chains to continue first. */
static __attribute__((noinline)) long enter_deferred(struct thread *t, unsigned id,
						     unsigned to_submit, unsigned flags)
{
	op_continue_thread(t);
	struct ring *r = t->rings[id]; /* after: a chain may have destroyed it */
	if (!r)
		return -EBADF;
	return r->poller ? enter_polled(r, flags) : consume(r, to_submit);
}

long ring_enter(unsigned id, unsigned to_submit, unsigned flags)
{
	/* The common case (no deferred chain, no poller) goes straight to
	   consume() with no register kept across a call: the other two
	   are functions of their own (noinline). Inline, they made this
	   function save four registers: a ring call cost 14 more
	   instructions on x86_64, 18 on riscv64. Safe: the same tests,
	   in the same order. */
	struct thread *t = current();
	if (flags & ~RING_ENTER_WAKEUP)
		return -EINVAL;
	if (id >= NRING || !t->rings[id])
		return -EBADF;
	if (__atomic_load_n(&t->deferred, __ATOMIC_RELAXED)) /* the call's own first test */
		return enter_deferred(t, id, to_submit, flags);
	struct ring *r = t->rings[id];
	return r->poller ? enter_polled(r, flags) : consume(r, to_submit);
}

/* Set or clear bits of r's sq_flags, the copy and the published word. */
static void sq_flags(struct ring *r, u32 set, u32 clear)
{
	spin_lock_irqoff(&r->lock);
	r->sq_flags = (r->sq_flags | set) & ~clear;
	__atomic_store_n(&r->hdr->sq_flags, r->sq_flags, __ATOMIC_RELEASE);
	spin_unlock_irqoff(&r->lock);
}

/*
 * The poller has been idle for r->idle_ns: sleep until ring_enter wakes
 * it. The other half of the barrier rule (docs/polling.md, NEED_WAKEUP;
 * see the C library's sq_submit): raise NEED_WAKEUP, full barrier, look at the
 * tail once more. Either the program sees the flag and wakes us, or we
 * see its new tail and do not sleep. The check and sched_block happen
 * under sched_lock, which ring_enter's wake-up takes too.
 */
static void poll_sleep(struct ring *r)
{
	/* LAB poll 2: BEGIN raise NEED_WAKEUP, full barrier, look at the tail again, then sleep */
	/* STUB: (void)r, (void)sq_flags; panic("lab poll task 2: poll_sleep is not written"); */
	spin_lock(&sched_lock);
	sq_flags(r, RING_NEED_WAKEUP, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	u32 tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	if (tail == r->sq_head && !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&r->deferred, __ATOMIC_ACQUIRE))
		sched_block();
	sq_flags(r, 0, RING_NEED_WAKEUP);
	spin_unlock(&sched_lock);
	/* LAB poll END */
}

/*
 * A polled ring's kernel thread. It takes new entries as the program
 * publishes them, with no system call, and runs them as the owner would
 * (with the owner's credentials, captured in the ring). Between rounds
 * it lets interrupts in and yields, so that on one CPU the program (and
 * everyone else) still runs; after idle_ns without work it sleeps.
 */
static void poller(void)
{
	/* LAB poll 1: BEGIN take the ring's entries as they come; sleep when idle; end on stop */
	/* STUB: (void)poll_sleep; panic("lab poll task 1: the poller is not written yet"); */
	struct ring *r = current()->poll;
	u64 idle_since = arch_time_ns();
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		op_continue(r);
		long n = consume(r, ENTER_MAX);
		u64 now = arch_time_ns();
		if (n > 0) {
			idle_since = now;
		} else if (now - idle_since >= r->idle_ns) {
			poll_sleep(r);
			idle_since = arch_time_ns();
			/* woken because the program published work: take it now.
			   Yielding first sent the CPU straight back to the
			   program, which on one CPU must then enter the kernel
			   again to let us run. */
			continue;
		}
		arch_irq_enable();
		arch_relax(); /* x86 takes interrupts only after the instruction after sti */
		arch_irq_disable();
		sched_yield();
	}
	__atomic_store_n(&r->poller, NULL, __ATOMIC_RELEASE); /* ring_teardown may go on */
							      /* LAB poll END */
}

/* ---- the opcodes (by the ring's owner: the table in ops.c checks) ---- */

int op_ring_create(struct op *op)
{
	struct sqe *e = &op->sqe;
	if (e->off > RING_MAX || e->len > RING_MAX || e->arg[0] > RING_IDLE_MAX_US ||
	    e->arg[1] >= NCPU)
		return -EINVAL;
	struct ring *r;
	struct urecv *u = NULL;
	unsigned vec = 0;
	u32 cq = e->len ? e->len : 2 * (u32)e->off;
	int err = 0;
	/* a completion vector: the caller's own, checked before the ring exists */
	if (e->op_flags & RING_CQ_UINTR)
		err = uintr_vector_own(op->ring->owner, (int)e->arg[2], &u, &vec);
	if (err == 0)
		err = ring_setup(op->ring->owner, (u32)e->off, cq, e->op_flags & ~RING_CQ_UINTR,
				 e->arg[0], (int)e->arg[1], &r);
	if (err < 0) {
		if (u)
			uintr_put(u);
		return err;
	}
	if (u) { /* a poller may run already: the vector before the receiver */
		r->cq_vec = vec;
		__atomic_store_n(&r->cq_recv, u, __ATOMIC_RELEASE);
	}
	if (e->addr && copyout(op->proc->pt, e->addr, &r->uaddr, sizeof(r->uaddr)) < 0) {
		ring_teardown(r);
		return -EFAULT;
	}
	return r->id;
}

int op_ring_destroy(struct op *op)
{
	struct thread *t = op->ring->owner;
	int id = op->sqe.fd;
	if (id < 0 || id >= NRING || !t->rings[id])
		return -EBADF;
	if (id == 0 || t->rings[id] == op->ring)
		return -EBUSY; /* its first ring, or the one this entry runs from */
	ring_teardown(t->rings[id]);
	return 0;
}
