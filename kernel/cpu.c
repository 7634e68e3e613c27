/*
 * cpu.c - per-CPU state.
 *
 * Each CPU owns one struct cpu, found by its index (mycpu(), inline in
 * kernel.h). Only that CPU writes its own fields, so most of them need
 * no lock; other CPUs may read them for reports (monitor "cpus",
 * "stats").
 */
#include "kernel.h"

struct cpu cpus[NCPU];
_Static_assert((sizeof(struct cpu) & (sizeof(struct cpu) - 1)) == 0,
	       "struct cpu: a power of two in size, for mycpu() (kernel.h)");

int ncpu_online(void)
{
	int n = 0;
	for (int i = 0; i < NCPU; i++)
		if (__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			n++;
	return n;
}
