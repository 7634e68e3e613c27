/*
 * timer.c - timer ticks.
 *
 * Every CPU's timer interrupts it HZ times a second. Each CPU counts its
 * own ticks; CPU 0's count is the system's notion of elapsed ticks. The
 * scheduler will hang off this in the next step.
 */
#include "kernel.h"

void timer_tick(void)
{
	mycpu()->ticks++;
}

u64 ticks(void)
{
	return __atomic_load_n(&cpus[0].ticks, __ATOMIC_RELAXED);
}
