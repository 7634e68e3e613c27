/*
 * uintr.c - user interrupts: the kernel's side of the model in uintr.h.
 *
 * The arch code (arch/<arch>/uintr.c) knows instructions and frames;
 * this file knows threads. It keeps each receiver alive as long as
 * anyone can still post to it, turns the opcodes into receiver and
 * sender-table changes, and makes a posted interrupt arrive soon:
 *
 *   sender's send instruction          receiver thread is ...
 *   traps (#UD / illegal insn)  ---->  running on another CPU: IPI it; it
 *   uintr_emulated(): post              enters the kernel and leaves through
 *   the vector, then kick:              delivery (trap_return_user)
 *                                      blocked in wait(): wake it; wait()
 *                                       returns and delivery follows
 *                                      runnable: delivered when it runs
 *
 * A receiver (struct urecv) is counted: one reference for its thread,
 * one per vector descriptor, one per sender-table entry. When the thread
 * ends or unregisters, the receiver stays for those that still point to
 * it, with no thread: posts to it go nowhere, and registering a new
 * sender for it fails with -ESRCH.
 *
 * Everything a thread's user-interrupt state holds is changed only by
 * that thread (the opcodes refuse to run from a polled ring's poller),
 * except `pending`, which senders set atomically.
 */
#include "proc.h"
#include "uintr.h"

struct urecv {
	struct uintr_recv r; /* first: sender tables point here */
	int ref;
	struct thread *t; /* NULL once it stopped receiving; under sched_lock */
};

static struct urecv *urecv_of(struct uintr_recv *r)
{
	return (struct urecv *)r;
}

static void urecv_put(struct urecv *u)
{
	if (__atomic_sub_fetch(&u->ref, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(u);
}

static int mem_read(void *pt, void *dst, u64 uva, size_t n)
{
	return copyin(pt, dst, uva, n);
}

static int mem_write(void *pt, u64 uva, const void *src, size_t n)
{
	return copyout(pt, uva, src, n);
}

/* The thread's user memory, for the arch's frame building. */
static struct uintr_mem mem(struct thread *t)
{
	return (struct uintr_mem){t->proc->pt, mem_read, mem_write};
}

/* Post vector to u, and see that its thread notices soon. */
static void post(struct urecv *u, unsigned vector)
{
	if (uintr_post(&u->r, vector))
		return; /* something was pending already: its kick is on the way */
	spin_lock(&sched_lock);
	struct thread *t = u->t;
	if (t && t->state == T_BLOCKED)
		sched_wake(t);
	else if (t && t->state == T_RUNNING)
		ipi_kick(t->cpu);
	spin_unlock(&sched_lock);
}

/* Called by the arch for an illegal instruction from user mode. */
bool uintr_emulated(struct trapframe *tf)
{
	struct thread *t = current();
	struct uintr_mem m = mem(t);
	struct uintr_post p;
	int r = uintr_trap(t->urecv ? &t->urecv->r : NULL, t->usend, tf, &m, &p);
	if (r == UINTR_EILL)
		return false; /* not one of ours: the arch reports its fault */
	if (r < 0) {
		u64 cause;
		const char *name = uintr_fault(r, &cause);
		trap_user_fault(name, cause, arch_tf_pc(tf), 0, tf);
	}
	if (r == UINTR_POST)
		post(urecv_of(p.recv), p.vector);
	return true;
}

/* On every way back to user mode: enter the handler if one is due. */
void uintr_return(struct trapframe *tf)
{
	struct thread *t = current();
	if (!t->urecv || !__atomic_load_n(&t->urecv->r.pending, __ATOMIC_ACQUIRE))
		return;
	struct uintr_mem m = mem(t);
	int r = uintr_deliver(&t->urecv->r, tf, &m);
	if (r < 0) {
		u64 cause;
		const char *name = uintr_fault(r, &cause);
		trap_user_fault(name, cause, arch_tf_pc(tf), 0, tf);
	}
}

bool uintr_pending(struct thread *t)
{
	return t->urecv && __atomic_load_n(&t->urecv->r.pending, __ATOMIC_ACQUIRE);
}

/* A handler will run on the way out: pending and not masked. */
bool uintr_deliverable(struct thread *t)
{
	return uintr_pending(t) && uintr_unmasked(&t->urecv->r);
}

/* The thread stops receiving; the receiver lives on for its senders. */
static void unregister(struct thread *t)
{
	struct urecv *u = t->urecv;
	spin_lock(&sched_lock);
	u->t = NULL;
	t->urecv = NULL;
	spin_unlock(&sched_lock);
	__atomic_store_n(&u->r.pending, 0, __ATOMIC_RELEASE);
	urecv_put(u);
}

void uintr_thread_exit(struct thread *t)
{
	if (t->urecv)
		unregister(t);
	if (t->usend) {
		for (int i = 0; i < UINTR_NSEND; i++)
			if (t->usend->uitt[i].valid)
				urecv_put(urecv_of(t->usend->uitt[i].recv));
		kfree(t->usend);
		t->usend = NULL;
	}
}

/* ---- the opcodes (by the thread itself: not from a polled ring) ---- */

static struct thread *self(struct op *op)
{
	return current() == op->ring->owner ? current() : NULL;
}

int op_uintr_register_handler(struct op *op)
{
	struct thread *t = self(op);
	if (!t)
		return -EINVAL;
	struct urecv *u = t->urecv;
	if (!u) {
		if (!(u = kzalloc(sizeof(*u))))
			return -ENOMEM;
		u->ref = 1;
	}
	int r = uintr_register(&u->r, op->sqe.addr, op->sqe.arg[0]);
	if (r < 0) {
		if (!t->urecv)
			kfree(u);
		return r;
	}
	if (!t->urecv) {
		spin_lock(&sched_lock);
		u->t = t;
		t->urecv = u;
		spin_unlock(&sched_lock);
	}
	return 0;
}

int op_uintr_unregister_handler(struct op *op)
{
	struct thread *t = self(op);
	if (!t || !t->urecv)
		return -EINVAL;
	unregister(t);
	return 0;
}

/* A vector descriptor: (receiver, vector); it cannot be read or written. */
static int vec_rw(struct file *f, struct op *op)
{
	(void)f, (void)op;
	return -EINVAL;
}

static bool vec_readable(struct file *f)
{
	(void)f;
	return false;
}

static void vec_close(struct file *f)
{
	urecv_put(f->priv);
}

static const struct fileops vec_fileops = {
    .read = vec_rw, .write = vec_rw, .readable = vec_readable, .close = vec_close};

int op_uintr_create_vector(struct op *op)
{
	struct thread *t = self(op);
	if (!t || !t->urecv || op->sqe.off >= UINTR_NVEC)
		return -EINVAL;
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->ref = 1;
	f->ops = &vec_fileops;
	f->priv = t->urecv;
	f->arg = op->sqe.off;
	__atomic_add_fetch(&t->urecv->ref, 1, __ATOMIC_RELAXED);
	int fd = fd_alloc(op->proc, f);
	if (fd < 0)
		file_put(f);
	return fd;
}

int op_uintr_register_sender(struct op *op)
{
	struct thread *t = self(op);
	if (!t)
		return -EINVAL;
	struct file *f = fd_get(op->proc, op->sqe.fd);
	if (!f)
		return -EBADF;
	int r = -EBADF;
	struct urecv *u = f->priv;
	if (f->ops != &vec_fileops)
		goto out;
	r = -ESRCH;
	if (__atomic_load_n(&u->t, __ATOMIC_ACQUIRE)) /* its thread still receives */
		r = uintr_sender_add(t, u, f->arg);
out:
	file_put(f);
	return r;
}

int op_uintr_unregister_sender(struct op *op)
{
	struct thread *t = self(op);
	u64 i = op->sqe.off;
	if (!t || !t->usend || i >= UINTR_NSEND || !t->usend->uitt[i].valid)
		return -EINVAL;
	struct urecv *u = urecv_of(t->usend->uitt[i].recv);
	uintr_uitt_remove(t->usend, i);
	urecv_put(u);
	return 0;
}

/* ---- for hardware pipes (pipe.c): wake-ups between pipe ends ---------- */

/*
 * The calling thread's receiver, with a reference for the caller; if
 * the thread has none yet, it becomes one with `entry` (the C library's
 * stub) as its handler. NULL when memory is short or entry is bad.
 */
struct urecv *uintr_receiver(struct thread *t, u64 entry)
{
	if (!t->urecv) {
		struct urecv *u = kzalloc(sizeof(*u));
		if (!u)
			return NULL;
		if (uintr_register(&u->r, entry, 0) < 0) {
			kfree(u);
			return NULL;
		}
		u->ref = 1;
		spin_lock(&sched_lock);
		u->t = t;
		t->urecv = u;
		spin_unlock(&sched_lock);
	}
	__atomic_add_fetch(&t->urecv->ref, 1, __ATOMIC_RELAXED);
	return t->urecv;
}

/* A sender-table entry of t for (u, vector): its index, or -E*. */
int uintr_sender_add(struct thread *t, struct urecv *u, unsigned vector)
{
	if (!t->usend && !(t->usend = kzalloc(sizeof(*t->usend))))
		return -ENOMEM;
	int i = uintr_uitt_add(t->usend, &u->r, vector);
	if (i < 0)
		return -ENOSPC;
	__atomic_add_fetch(&u->ref, 1, __ATOMIC_RELAXED);
	return i;
}

/*
 * Free t's sender-table entry idx if it still targets u (a pipe end was
 * dropped). The entry may be gone already: t unregistered it, or the
 * index was reused for another receiver.
 */
void uintr_sender_drop(struct thread *t, int idx, struct urecv *u)
{
	if (!t->usend || idx < 0 || idx >= UINTR_NSEND || !t->usend->uitt[idx].valid ||
	    t->usend->uitt[idx].recv != &u->r)
		return;
	uintr_uitt_remove(t->usend, idx);
	urecv_put(u);
}

/* The kernel sends, as a sender's instruction would (a pipe end closed). */
void uintr_kick(struct urecv *u, unsigned vector)
{
	post(u, vector);
}

void uintr_get(struct urecv *u)
{
	__atomic_add_fetch(&u->ref, 1, __ATOMIC_RELAXED);
}

void uintr_put(struct urecv *u)
{
	urecv_put(u);
}
