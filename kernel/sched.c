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
 */
#include "proc.h"

struct spinlock sched_lock = {0, "sched", -1};
static struct thread *runq_head, *runq_tail;

struct thread *current(void)
{
	irq_push();
	struct thread *t = mycpu()->thread;
	irq_pop();
	return t;
}

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
}

/* If t is blocked, make it runnable. Caller holds sched_lock. */
void sched_wake(struct thread *t)
{
	if (t && t->state == T_BLOCKED) {
		t->wake_at = 0;
		sched_ready(t);
	}
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

/* Free a dead thread's kernel stack; it must not be running anywhere. */
void thread_free(struct thread *t)
{
	page_free(t->kstack, KSTACK_ORDER);
	kfree(t);
}

void scheduler(void)
{
	struct cpu *c = mycpu();
	for (;;) {
		spin_lock(&sched_lock);
		struct thread *t = runq_head;
		if (!t) {
			spin_unlock(&sched_lock);
			arch_idle(); /* until an interrupt: a tick or a device */
			continue;
		}
		runq_head = t->next;
		if (!runq_head)
			runq_tail = NULL;
		t->state = T_RUNNING;
		t->cpu = c->id;
		c->thread = t;
		arch_vm_switch(t->proc->pt->root);
		arch_switch(&c->sched_ctx, &t->ctx);
		/*
		 * t gave the CPU back, holding sched_lock. Leave its address
		 * space before anyone else can run t: if its process exits on
		 * another CPU, that table is freed, and this CPU must not be
		 * walking it (even just for the kernel half) when that happens.
		 */
		arch_vm_switch(vm_kernel()->root);
		c->thread = NULL;
		c->need_resched = false;
		if (t->state == T_DEAD)
			thread_free(t);
		spin_unlock(&sched_lock);
	}
}
