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
 *
 * Natively (x86 UIPI, arch_uintr_native()) the same structures are the
 * hardware's: a send is the CPU's own SENDUIPI into the receiver's UPID
 * and delivery is the CPU's, with no trap. This file then only moves
 * the running thread's state between memory and the CPU (arch_uintr_*:
 * on the way to user mode, when the thread leaves its CPU, and when the
 * kernel needs to look at it), and wakes receivers that sleep
 * (uintr_notified()). docs/uintr.md draws the flow.
 *
 * The first part, the emulation's trap, needs nothing of the kernel but
 * the arch's hooks: the host unit tests (tests/unit/test_uintr_*.c)
 * compile it with an arch's uintr.c, and define UINTR_HOST_TEST to
 * leave out the rest, which is about threads.
 */
#include "uintr.h"
#include "arch.h"

/*
 * The bytes of code at pc that are readable, one at a time: fetch()'s
 * way when not all max of them are. Not inline: in uintr_trap() its
 * loop's registers cost every emulated instruction saves and restores
 * (riscv64: 7 instructions each, measured), though it hardly ever runs.
 */
static __attribute__((noinline)) int fetch_bytes(const struct uintr_mem *m, u64 pc, u8 *buf,
						 int max)
{
	int n = 0;
	while (n < max && m->read(m->arg, buf + n, pc + n, 1) == 0)
		n++;
	return n;
}

/*
 * Read up to max bytes of code at pc: as many as are readable, so that
 * an instruction that ends just before an unmapped page still decodes.
 * Returns how many bytes it read.
 */
static int fetch(const struct uintr_mem *m, u64 pc, u8 *buf, int max)
{
	if (m->read(m->arg, buf, pc, max) == 0)
		return max;
	return fetch_bytes(m, pc, buf, max);
}

/*
 * Fetch, decode, emulate: the same on every arch. Where the CPU reports
 * the instruction with the trap (RISC-V's stval), that is what trapped,
 * and the fetch is skipped: reading it from user memory again costs a
 * page-table walk under the page table's lock: about 330 instructions
 * per emulated instruction on riscv64 (the 1-CPU hardware-pipe round
 * trip, six of them, went from 12,675 to 10,695: measured).
 * Where the CPU does not (x86, or a hart that leaves stval 0), the
 * bytes are read from user memory.
 */
int uintr_trap(struct uintr_recv *r, struct uintr_send *s, struct trapframe *tf,
	       const struct uintr_mem *m, struct uintr_post *post)
{
	u8 buf[UINTR_INSN_MAX];
	struct uintr_insn in;

	int n = arch_uintr_reported(tf, buf);
	if (n == 0)
		n = fetch(m, arch_tf_pc(tf), buf, sizeof(buf));
	if (n == 0)
		return UINTR_EFAULT;
	if (arch_uintr_decode(buf, n, &in) < 0)
		return UINTR_EILL;
	return arch_uintr_emulate(r, s, tf, &in, m, post);
}

#ifndef UINTR_HOST_TEST
#include "proc.h"

static struct urecv *urecv_of(struct uintr_recv *r)
{
	return (struct urecv *)r;
}

/*
 * A new receiver, all zero, one reference. The hardware wants its UPID
 * (the start of struct uintr_recv) 64-byte aligned and kzalloc() gives
 * 16: take a little more and align inside. Natively, the new UPID is
 * set up as a thread's that is not running (notifications suppressed)
 * until its thread next returns to user mode and loads it.
 */
static struct urecv *urecv_new(void)
{
	void *p = kzalloc(sizeof(struct urecv) + UINTR_UPID_ALIGN - 16);
	if (!p)
		return NULL;
	struct urecv *u =
	    (void *)(((uptr)p + UINTR_UPID_ALIGN - 1) & ~(uptr)(UINTR_UPID_ALIGN - 1));
	u->alloc = p;
	u->ref = 1;
	if (arch_uintr_native())
		arch_uintr_unload(&u->r, false);
	return u;
}

static void urecv_put(struct urecv *u)
{
	release_check("urecv_put");
	if (__atomic_sub_fetch(&u->ref, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(u->alloc);
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
	/* LAB uintr 3: BEGIN post the vector; if the set was empty, wake or IPI its thread */
	/* STUB: (void)u, (void)vector;
	   printf("lab uintr task 3: post is not written yet\n"); // the vector is lost */
	if (uintr_post(&u->r, vector))
		return; /* something was pending already: its kick is on the way */
	spin_lock(&sched_lock);
	struct thread *t = u->t;
	if (t && t->state == T_BLOCKED)
		sched_wake(t);
	else if (t && t->state == T_RUNNING)
		ipi_kick(t->cpu);
	spin_unlock(&sched_lock);
	/* LAB uintr END */
}

/* Called by the arch for an illegal instruction from user mode. */
bool uintr_emulated(struct trapframe *tf)
{
	if (arch_uintr_native())
		return false; /* the CPU has them: a #UD is a real one (SENDUIPI without a table) */
	/* LAB uintr 3: BEGIN emulate it (uintr_trap); post a send; a fault kills; EILL: not ours */
	/* STUB: (void)tf, (void)mem;
	   printf("lab uintr task 3: uintr_emulated is not written yet\n");
	   return false; // the thread gets its illegal instruction */
	struct thread *t = current();
	struct uintr_mem m = mem(t);
	struct uintr_post p;
	int r = uintr_trap(t->urecv ? &t->urecv->r : NULL, t->usend, tf, &m, &p);
	if (r == UINTR_EILL)
		return false; /* not one of ours: the arch reports its fault */
	if (r < 0) {
		u64 cause;
		const char *name = arch_uintr_fault(r, &cause);
		trap_user_fault(name, cause, arch_tf_pc(tf), 0, tf);
	}
	if (r == UINTR_POST)
		post(urecv_of(p.recv), p.vector);
	return true;
	/* LAB uintr END */
}

/* On every way back to user mode: enter the handler if one is due. */
void uintr_return(struct trapframe *tf)
{
	struct thread *t = current();
	if (arch_uintr_native()) { /* the CPU delivers, once it has the state */
		arch_uintr_load(t->urecv ? &t->urecv->r : NULL, t->usend);
		return;
	}
	/* LAB uintr 4: BEGIN something pending? deliver it (arch_uintr_deliver); a fault kills */
	/* STUB: (void)tf;
	   if (uintr_pending(t))
	   panic("lab uintr task 4: uintr_return is not written yet"); */
	if (!t->urecv || !__atomic_load_n(&t->urecv->r.pending, __ATOMIC_ACQUIRE))
		return;
	struct uintr_mem m = mem(t);
	int r = arch_uintr_deliver(&t->urecv->r, tf, &m);
	if (r < 0) {
		u64 cause;
		const char *name = arch_uintr_fault(r, &cause);
		trap_user_fault(name, cause, arch_tf_pc(tf), 0, tf);
	}
	/* LAB uintr END */
}

bool uintr_pending(struct thread *t)
{
	if (!t->urecv)
		return false;
	if (arch_uintr_native())
		arch_uintr_sync(&t->urecv->r); /* what the CPU holds, if t runs here */
	return __atomic_load_n(&t->urecv->r.pending, __ATOMIC_ACQUIRE);
}

/*
 * wait()'s WAIT_UINTR_TAKE item: vector v is pending? Then it is taken
 * - cleared, so it will not be delivered - and wait() reports it
 * instead. A hardware pipe's sleeper waits so (masked), and its wake-up
 * then costs no delivery: no handler, and on riscv64 none of the four
 * emulated instructions of the entry stub. A send of v after this is a
 * new one, delivered as usual.
 */
bool uintr_take(struct thread *t, unsigned v)
{
	if (!uintr_pending(t)) /* natively, it has moved what the CPU holds into memory */
		return false;
	u64 bit = 1ull << v;
	return __atomic_fetch_and(&t->urecv->r.pending, ~bit, __ATOMIC_SEQ_CST) & bit;
}

/* A handler will run on the way out: pending and not masked. */
bool uintr_deliverable(struct thread *t)
{
	return uintr_pending(t) && arch_uintr_unmasked(&t->urecv->r);
}

/* The thread stops receiving; the receiver lives on for its senders. */
static void unregister(struct thread *t)
{
	struct urecv *u = t->urecv;
	if (arch_uintr_native())
		arch_uintr_unload(&u->r, false); /* the CPU must not use a UPID that may go */
	/* LAB uintr 5: BEGIN unlink thread and receiver (sched_lock); drop the thread's ref */
	/* STUB: (void)u;
	   printf("lab uintr task 5: unregister is not written yet\n"); // it leaks */
	spin_lock(&sched_lock);
	u->t = NULL;
	t->urecv = NULL;
	spin_unlock(&sched_lock);
	__atomic_store_n(&u->r.pending, 0, __ATOMIC_RELEASE);
	urecv_put(u);
	/* LAB uintr END */
}

void uintr_thread_exit(struct thread *t)
{
	if (arch_uintr_native()) /* ... nor a sender table that goes */
		arch_uintr_unload(t->urecv ? &t->urecv->r : NULL, false);
	/* LAB uintr 5: BEGIN stop receiving; drop the references the sender table holds */
	/* STUB: if (t->urecv || t->usend) // they leak
	   printf("lab uintr task 5: uintr_thread_exit is not written yet\n"); */
	if (t->urecv)
		unregister(t);
	if (t->usend) {
		for (int i = 0; i < UINTR_NSEND; i++)
			if (t->usend->uitt[i].valid)
				urecv_put(urecv_of(t->usend->uitt[i].recv));
		kfree(t->usend);
		t->usend = NULL;
	}
	/* LAB uintr END */
}

/*
 * The current thread t leaves its CPU: sched.c's switch_out(), with
 * sched_lock held and t->state already what it is switched out as.
 * Natively, the CPU's user-interrupt state goes back into t's
 * structures, and t's receiver is told how to be notified while t is
 * away: blocked, a send must wake it (the notification then interrupts
 * the kernel: uintr_notified()); runnable, a send just posts, for the
 * next load. A send that came in after wait() last looked, and before
 * the notification was redirected, is pending now: wake t right away
 * rather than sleep on it. (Nothing to do for the emulation: all its
 * state is in memory already, and post() wakes a blocked receiver.)
 */
void uintr_switch_out(struct thread *t)
{
	if (!arch_uintr_native())
		return;
	struct uintr_recv *r = t->urecv ? &t->urecv->r : NULL;
	bool sleeping = t->state == T_BLOCKED;
	arch_uintr_unload(r, sleeping);
	if (r && sleeping && __atomic_load_n(&r->pending, __ATOMIC_ACQUIRE))
		sched_wake(t); /* we hold sched_lock: it runs once we are off its stack */
}

/*
 * A notification reached the kernel (the arch's interrupt handler):
 * some receiver that sleeps has something pending. The interrupt does
 * not say whose UPID it came from, so look at every sleeping thread;
 * there are few, and this happens at most once per sleep (a second
 * send finds ON set and notifies nobody).
 */
void uintr_notified(void)
{
	struct proc *pt = proc_table();
	spin_lock(&sched_lock);
	for (int i = 0; i < NPROC; i++) {
		for (int k = 0; k < NTHREAD; k++) {
			struct thread *t = pt[i].threads[k];
			if (t && t->state == T_BLOCKED && t->urecv &&
			    __atomic_load_n(&t->urecv->r.pending, __ATOMIC_ACQUIRE))
				sched_wake(t);
		}
	}
	spin_unlock(&sched_lock);
}

/* ---- the opcodes (by the ring's owner: the table in ops.c checks) ---- */

int op_uintr_register_handler(struct op *op)
{
	struct thread *t = current();
	struct urecv *u = t->urecv;
	if (!u && !(u = urecv_new()))
		return -ENOMEM;
	if (t->urecv && arch_uintr_native())
		arch_uintr_unload(&u->r, false); /* the CPU reloads the new handler */
	int r = arch_uintr_register(&u->r, op->sqe.addr, op->sqe.arg[0]);
	if (r < 0) {
		if (!t->urecv)
			urecv_put(u);
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
	(void)op;
	struct thread *t = current();
	if (!t->urecv)
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
	struct thread *t = current();
	if (!t->urecv || op->sqe.off >= UINTR_NVEC)
		return -EINVAL;
	struct file *f = file_new(&vec_fileops, t->urecv, op->sqe.off);
	if (!f)
		return -ENOMEM;
	__atomic_add_fetch(&t->urecv->ref, 1, __ATOMIC_RELAXED);
	int fd = fd_alloc(op->proc, f);
	if (fd < 0)
		file_put(f);
	return fd;
}

int op_uintr_register_sender(struct op *op)
{
	struct thread *t = current();
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
	struct thread *t = current();
	u64 i = op->sqe.off;
	if (!t->usend || i >= UINTR_NSEND || !t->usend->uitt[i].valid)
		return -EINVAL;
	struct urecv *u = urecv_of(t->usend->uitt[i].recv);
	uintr_uitt_remove(t->usend, i);
	urecv_put(u);
	return 0;
}

/*
 * If f is a vector's descriptor: its receiver, with a reference for the
 * caller, and its vector in *vector (a device's interrupt posts it,
 * dev.c); else NULL.
 */
struct urecv *uintr_vector_recv(struct file *f, unsigned *vector)
{
	if (f->ops != &vec_fileops)
		return NULL;
	*vector = f->arg;
	uintr_get(f->priv);
	return f->priv;
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
		struct urecv *u = urecv_new();
		if (!u)
			return NULL;
		if (arch_uintr_register(&u->r, entry, 0) < 0) {
			urecv_put(u);
			return NULL;
		}
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

/* ---- for rings (ring.c): completion interrupts ------------------------ */

/*
 * The receiver and vector behind descriptor fd, with a reference for
 * the caller, if they are thread t's own: a ring's completion vector
 * (OP_RING_CREATE with RING_CQ_UINTR) may only interrupt the thread
 * that owns the ring. -EBADF: fd is no vector descriptor; -EPERM: it
 * stands for another thread, or for a receiver t has since given up.
 */
int uintr_vector_own(struct thread *t, int fd, struct urecv **u, unsigned *vector)
{
	struct file *f = fd_get(t->proc, fd);
	if (!f)
		return -EBADF;
	int r = -EBADF;
	if (f->ops == &vec_fileops) {
		r = -EPERM;
		if (f->priv == t->urecv) {
			*u = f->priv;
			*vector = f->arg;
			uintr_get(*u);
			r = 0;
		}
	}
	file_put(f);
	return r;
}
#endif /* UINTR_HOST_TEST */
