/*
 * sched.c - the scheduler: which thread runs on which CPU.
 *
 * Every CPU runs scheduler(), a loop that takes the first thread from
 * one shared run queue (first in, first out) and switches to it. A
 * thread gives the CPU back by switching to its CPU's scheduler context:
 *
 *      thread A                scheduler (cpu N)             thread B
 *   sched_yield()
 *     lock sched_lock
 *     arch_switch(A, sched) ---> returns in the loop
 *                                 unlock; pick B; lock
 *                                 arch_switch(sched, B) ---> returns in B
 *                                                           unlock sched_lock
 *
 * sched_lock is held across every switch: taken by the side that leaves,
 * released by the side that arrives. That is what makes "mark myself
 * blocked, then switch away" atomic against a waker on another CPU.
 *
 * Threads are preempted: every timer tick ends the running thread's time
 * slice, and it yields on its way back to user mode (trap_return_user).
 * A thread may be pinned to one CPU (a ring's poller, on request): the
 * other CPUs pass over it in the queue. A CPU with nothing to run waits
 * in arch_idle(); making a thread runnable kicks one such CPU (ipi.c)
 * instead of letting the work wait for that CPU's next tick.
 */
#include "proc.h"

struct spinlock sched_lock = {0, "sched", -1};
static struct thread *runq_head, *runq_tail;

/* Put t at the end of the run queue. Caller holds sched_lock. */
void sched_ready(struct thread *t)
{
	t->state = T_RUNNABLE;
	t->next = NULL;
	if (runq_tail)
		runq_tail->next = t;
	else
		runq_head = t;
	runq_tail = t;
	/* an idle CPU that may run t: wake it now (idle is set under sched_lock) */
	for (int i = 0; i < NCPU; i++) {
		if (cpus[i].idle && (t->pin < 0 || t->pin == i)) {
			cpus[i].idle = false;
			ipi_kick(i);
			break;
		}
	}
}

/* If t is blocked, make it runnable. Caller holds sched_lock. */
void sched_wake(struct thread *t)
{
	if (t && t->state == T_BLOCKED) {
		t->wake_at = 0;
		sched_ready(t);
	}
}

/* Wake every thread of p (it was killed, or something they may wait for
 * happened). Caller holds sched_lock. */
void sched_wake_proc(struct proc *p)
{
	for (int i = 0; i < NTHREAD; i++)
		sched_wake(p->threads[i]);
}

/* Take the first thread this CPU may run off the run queue. Holds sched_lock. */
static struct thread *runq_take(int cpu)
{
	struct thread *prev = NULL;
	for (struct thread *t = runq_head; t; prev = t, t = t->next) {
		if (t->pin >= 0 && t->pin != cpu)
			continue;
		if (prev)
			prev->next = t->next;
		else
			runq_head = t->next;
		if (runq_tail == t)
			runq_tail = prev;
		return t;
	}
	return NULL;
}

/*
 * Switch from the current thread to the scheduler. Caller holds
 * sched_lock (exactly once) and has set the thread's new state. The
 * "interrupts were on" flag belongs to the thread, not the CPU: it may
 * come back on another CPU.
 */
static void switch_out(void)
{
	struct cpu *c = mycpu();
	struct thread *t = c->thread;
	if (c->irq_depth != 1)
		panic("switch_out: holding %d locks", c->irq_depth);
	t->irq_was_on = c->irq_was_on;
	uintr_switch_out(t); /* native user interrupts: the CPU's state back into t's */
	arch_switch(&t->ctx, &c->sched_ctx);
	mycpu()->irq_was_on = t->irq_was_on;
}

/* Block the current thread until sched_wake(). Caller holds sched_lock. */
void sched_block(void)
{
	current()->state = T_BLOCKED;
	switch_out();
}

/* Give up the CPU but stay runnable. */
void sched_yield(void)
{
	spin_lock(&sched_lock);
	sched_ready(current());
	switch_out();
	spin_unlock(&sched_lock);
}

/* The current thread is done: the scheduler frees it once off its stack. */
void sched_exit(void)
{
	spin_lock(&sched_lock);
	current()->state = T_DEAD;
	switch_out();
	panic("sched_exit: a dead thread ran again");
}

/* Free a dead thread's kernel stack; it must not be running anywhere. */
void thread_free(struct thread *t)
{
	page_free(t->kstack, KSTACK_ORDER);
	kfree(t);
}

/* Where a kernel thread's first arch_switch() lands. */
static void kthread_start(void)
{
	spin_unlock(&sched_lock); /* taken by the scheduler that switched to us */
	current()->kfn();
	sched_exit();
}

/*
 * A kernel thread that will run fn() on its own stack, in the kernel's
 * address space, on CPU `pin` only (or anywhere: -1), once the caller
 * has made it runnable (sched_ready). It ends when fn returns. NULL when
 * memory is short.
 */
struct thread *kthread_create(void (*fn)(void), int pin)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t || !(t->kstack = page_alloc(KSTACK_ORDER))) {
		kfree(t);
		return NULL;
	}
	t->pin = pin;
	t->kfn = fn;
	arch_context_init(&t->ctx, (uptr)P2V(t->kstack) + (PAGE_SIZE << KSTACK_ORDER),
			  kthread_start);
	return t;
}

void scheduler(void)
{
	struct cpu *c = mycpu();
	for (;;) {
		spin_lock(&sched_lock);
		struct thread *t = runq_take(c->id);
		if (!t) {
			c->idle = true;
			spin_unlock(&sched_lock);
			arch_idle(); /* until an interrupt: a tick, a device, a kick */
			c->idle = false;
			continue;
		}
		t->state = T_RUNNING;
		t->cpu = c->id;
		c->thread = t;
		/* say which address space we load before loading it: a TLB
		   shootdown (ipi.c) reads c->pt after clearing entries */
		struct pagetable *pt = t->proc ? t->proc->pt : NULL;
		__atomic_store_n(&c->pt, pt, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		arch_vm_switch(pt ? pt->root : vm_kernel()->root);
		arch_switch(&c->sched_ctx, &t->ctx);
		/*
		 * t gave the CPU back, holding sched_lock. Leave its address
		 * space before anyone else can run t: when its process ends,
		 * that table is freed (once no CPU's c->pt names it), and this
		 * CPU must not be walking it (even just for the kernel half).
		 */
		arch_vm_switch(vm_kernel()->root);
		__atomic_store_n(&c->pt, NULL, __ATOMIC_RELEASE);
		c->thread = NULL;
		c->need_resched = false;
		if (t->state == T_DEAD)
			thread_free(t);
		spin_unlock(&sched_lock);
	}
}
