/*
 * cpu.c - per-CPU state.
 *
 * Each CPU owns one struct cpu, found through the arch's per-CPU
 * register (mycpu(), inline in kernel.h; arch_mycpu). Only that CPU writes its own fields, so most
 * of them need no lock; other CPUs may read them for reports (monitor "cpus", "stats").
 */
#include "kernel.h"

struct cpu cpus[NCPU];

int ncpu_online(void)
{
	int n = 0;
	for (int i = 0; i < NCPU; i++)
		if (__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			n++;
	return n;
}
