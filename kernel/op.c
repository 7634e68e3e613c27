/*
 * op.c - the life of an operation, from its ring entry to its completion.
 *
 *   ring_enter / poller (ring.c) takes a chain of entries
 *     -> op_chain: run each entry (op_run, ops.c), post each result (ring_post)
 *          an entry that must wait for an event is parked (op_park): a heap
 *          copy goes on the pending list, carrying the rest of its chain
 *     -> the event happens (a typed line, a tick, a child's exit...):
 *          op_unpark takes the op off the list, op_complete posts its result
 *          and hands the rest of the chain to the ring's owner
 *     -> the owner continues it on its next way through the kernel (op_continue)
 *
 * Every parked op belongs to a live process and a live ring; a ring that
 * goes away cancels what it left in flight (op_cancel_ring).
 */
#include "proc.h"

static struct op *pending; /* protected by sched_lock */

struct op *op_dup(const struct op *op)
{
	struct op *o = kmalloc(sizeof(*o));
	if (o)
		memcpy(o, op, sizeof(*o));
	return o;
}

/* Free op and the entries chained after it (none of them ran). */
void op_free_chain(struct op *op)
{
	while (op) {
		struct op *next = op->chain;
		kfree(op);
		op = next;
	}
}

/*
 * Run a chain of entries: each one runs only if the one before it
 * succeeded (SQE_LINK); after a failure the rest complete with
 * -ECANCELED. An entry that goes pending is parked by its opcode as a
 * heap copy that carries the rest of the chain along (op->chain); when
 * it completes, its owner continues the chain (op_complete). `op` is
 * heap memory if `heap`; later entries of a chain always are.
 */
void op_chain(struct op *op, bool heap, bool cancel)
{
	while (op) {
		struct op *rest = op->chain;
		struct op copy;
		if (heap && !cancel &&
		    (op->sqe.opcode == OP_EXIT || op->sqe.opcode == OP_THREAD_EXIT)) {
			copy = *op; /* they may never return to free a heap op */
			kfree(op);
			op = &copy;
			heap = false;
		}
		int res = cancel ? -ECANCELED : op_run(op);
		if (res == OP_PENDING) {
			if (heap)
				kfree(op);
			return;
		}
		op->chain = NULL;
		op->res = res;
		if (res < 0)
			cancel = true;
		if (!ring_post(op, heap))
			proc_die(op->proc, STATUS_KILLED); /* no memory even for the backlog */
		op = rest;
		heap = true;
	}
}

/*
 * Park a copy of op; caller holds sched_lock. Returns OP_PENDING, or
 * -EAGAIN when the process already has MAX_PARKED ops waiting (each one
 * is kernel memory, and every event walks the list), or -ENOMEM. An op
 * waiting on a file (op->file: a read or write that cannot go on yet)
 * holds a reference to it while parked.
 */
int op_park(struct op *op)
{
	if (op->proc->parked >= MAX_PARKED)
		return -EAGAIN;
	struct op *o = op_dup(op);
	if (!o)
		return -ENOMEM;
	if (o->file)
		file_ref(o->file);
	o->next = pending;
	pending = o;
	op->proc->parked++;
	return OP_PENDING;
}

/*
 * Take the oldest pending op that `match` accepts off the list, for the
 * caller to complete (op_complete). op_park() pushes at the head, so the
 * oldest match is the last one found; keep the link that points at it,
 * to unlink it without a second walk. Holds sched_lock.
 *
 * Taking it makes its ring's `completing` count go up until op_complete()
 * has posted it: the ring cannot be destroyed (and the memory the
 * completion writes to freed) while another CPU is still completing one
 * of its ops.
 */
struct op *op_unpark(bool (*match)(struct op *op, void *arg), void *arg)
{
	struct op **link = NULL;
	for (struct op **pp = &pending; *pp; pp = &(*pp)->next)
		if (match(*pp, arg))
			link = pp;
	if (!link)
		return NULL;
	struct op *found = *link;
	*link = found->next;
	found->next = NULL;
	found->proc->parked--;
	__atomic_add_fetch(&found->ring->completing, 1, __ATOMIC_RELAXED);
	return found;
}

/*
 * An unparked op's event happened: post its result, then drop what it
 * held. The rest of its chain does not run here - this may be an
 * interrupt, or another process's system call - but is handed to the
 * ring's owner, which runs it on its next way through the kernel
 * (op_continue): an operation always runs as the process that submitted
 * it. Not with sched_lock held: posting takes the ring's lock, then
 * sched_lock.
 */
void op_complete(struct op *op, int res, u32 cflags)
{
	struct ring *r = op->ring; /* op is freed once posted */
	struct file *f = op->file;
	struct op *rest = op->chain;
	op->chain = NULL;
	op->res = res;
	op->cflags = cflags;
	ring_post(op, true); /* never fails for heap memory: op itself can wait in the backlog */
	if (rest) {
		rest->cancel = res < 0;
		rest->next = NULL;
		spin_lock_irqoff(&r->lock);
		*r->deferred_end = rest;
		r->deferred_end = &rest->next;
		spin_unlock_irqoff(&r->lock);
		spin_lock(&sched_lock);
		/* blocked in wait() or asleep: come and run it (a poller that has
		   stopped cannot be freed while we hold sched_lock) */
		struct thread *poller = __atomic_load_n(&r->poller, __ATOMIC_ACQUIRE);
		if (!poller) /* after the append: see op_continue_thread */
			__atomic_store_n(&r->owner->deferred, 1, __ATOMIC_RELEASE);
		sched_wake(poller ? poller : r->owner);
		spin_unlock(&sched_lock);
	}
	__atomic_sub_fetch(&r->completing, 1, __ATOMIC_RELEASE);
	if (f)
		file_put(f);
}

/* Continue the chains of r whose first op completed elsewhere. */
void op_continue(struct ring *r)
{
	while (__atomic_load_n(&r->deferred, __ATOMIC_ACQUIRE)) {
		spin_lock_irqoff(&r->lock);
		struct op *c = r->deferred;
		if (c && !(r->deferred = c->next))
			r->deferred_end = &r->deferred;
		spin_unlock_irqoff(&r->lock);
		if (c)
			op_chain(c, true, c->cancel);
	}
}

/*
 * ... for each of t's rings (a polled ring's poller does its own). Every
 * system call and every return to user mode comes here; scanning all
 * NRING rings each time cost 100 instructions of a ring call, for a
 * list that is nearly always empty. So op_complete raises t->deferred
 * (release) after it appends a chain, and we take it down (acquire: we
 * then see every chain appended before it went up) before we scan. A
 * chain appended after our scan has passed its ring leaves the flag up
 * for next time: none is missed. A flag up with nothing left costs one
 * scan.
 */
void op_continue_thread(struct thread *t)
{
	if (!__atomic_load_n(&t->deferred, __ATOMIC_RELAXED) ||
	    !__atomic_exchange_n(&t->deferred, 0, __ATOMIC_ACQ_REL))
		return;
	for (int i = 0; i < NRING; i++)
		if (t->rings[i] && !t->rings[i]->poller)
			op_continue(t->rings[i]);
}

/*
 * A ring is going away (its poller has stopped): drop everything in
 * flight on it - its parked ops, then, once the completions under way
 * on other CPUs are done, the chains they deferred to it.
 */
void op_cancel_ring(struct ring *r)
{
	struct op *mine = NULL;
	spin_lock(&sched_lock);
	for (struct op **pp = &pending; *pp;) {
		struct op *o = *pp;
		if (o->ring == r) {
			*pp = o->next;
			o->next = mine;
			mine = o;
			o->proc->parked--;
		} else {
			pp = &o->next;
		}
	}
	spin_unlock(&sched_lock);
	while (mine) { /* unlocked: dropping a file may close it, which locks */
		struct op *next = mine->next;
		if (mine->file)
			file_put(mine->file);
		op_free_chain(mine);
		mine = next;
	}
	while (__atomic_load_n(&r->completing, __ATOMIC_ACQUIRE)) {
		ipi_poll();
		arch_relax();
	}
	while (r->deferred) {
		struct op *op = r->deferred;
		r->deferred = op->next;
		op_free_chain(op);
	}
}
