/*
 * timer.c - timer ticks.
 *
 * Every CPU's timer interrupts it HZ times a second. Each CPU counts its
 * own ticks; CPU 0's count is the system's notion of elapsed ticks. A
 * tick ends the running thread's time slice (10 ms), and CPU 0 also
 * completes the sleeps that are due (OP_SLEEP parks until its deadline),
 * wakes the waits that timed out and fails the file-server requests that
 * took too long.
 */
#include "proc.h"

static bool is_expired(struct op *op, void *now)
{
	return op->sqe.opcode == OP_SLEEP && op->deadline <= *(u64 *)now;
}

/* Every tick (on CPU 0): complete expired sleeps, wake timed-out waits,
 * fail what a file server did not answer in time. */
static void timers(void)
{
	fs_timers();
	u64 now = arch_time_ns();
	for (;;) {
		spin_lock(&sched_lock);
		struct op *op = op_unpark(is_expired, &now);
		spin_unlock(&sched_lock);
		if (!op)
			break;
		op_complete(op, 0, 0);
	}
	spin_lock(&sched_lock);
	struct proc *pt = proc_table();
	for (int i = 0; i < NPROC; i++) {
		for (int j = 0; j < NTHREAD && pt[i].state == P_ALIVE; j++) {
			struct thread *t = pt[i].threads[j];
			if (t && t->state == T_BLOCKED && t->wake_at && t->wake_at <= now)
				sched_wake(t);
		}
	}
	spin_unlock(&sched_lock);
}

int op_sleep(struct op *op)
{
	if (op->sqe.off == 0)
		return 0;
	u64 now = arch_time_ns();
	op->deadline = op->sqe.off > ~0ull - now ? ~0ull : now + op->sqe.off; /* no wrap */
	spin_lock(&sched_lock);
	int r = op_park(op);
	spin_unlock(&sched_lock);
	return r;
}

void timer_tick(void)
{
	struct cpu *c = mycpu();
	c->ticks++;
	if (c->thread)
		c->need_resched = true; /* its time slice is over */
	if (c->id == 0)
		timers(); /* sleeps that are due, waits that timed out */
}

u64 ticks(void)
{
	return __atomic_load_n(&cpus[0].ticks, __ATOMIC_RELAXED);
}
