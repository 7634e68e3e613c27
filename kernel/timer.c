/*
 * timer.c - timer ticks.
 *
 * Every CPU's timer interrupts it HZ times a second. Each CPU counts its
 * own ticks; CPU 0's count is the system's notion of elapsed ticks. A
 * tick ends the running thread's time slice (10 ms), and CPU 0 also
 * completes the sleeps that are due.
 */
#include "proc.h"

void timer_tick(void)
{
	struct cpu *c = mycpu();
	c->ticks++;
	if (c->thread)
		c->need_resched = true; /* its time slice is over */
	if (c->id == 0)
		op_timers(); /* sleeps that are due, waits that timed out */
}

u64 ticks(void)
{
	return __atomic_load_n(&cpus[0].ticks, __ATOMIC_RELAXED);
}
