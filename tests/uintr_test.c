/*
 * uintr_test.c - user interrupts (issue 5): uintrtest (user/bin/) on
 * one CPU and two, where the kernel emulates them (QEMU has neither
 * UIPI nor the N extension).
 *
 * uintrtest prints a line per check and a total (harness/shell.h); the
 * test also reads what a receiver spinning in user mode paid for the
 * interrupt it got: it made no system call to get it.
 */
#include <stdio.h>

#include "harness/shell.h"

#define PROG_MS	  400000 /* children that fault, sleeps, under TCG, on a busy host */
#define MIN_UINTR 30	 /* uintrtest has more checks than this */

static void uintrtest(struct run *r)
{
	struct vm *vm = shell(r);
	command(vm, "uintrtest\r");
	const char *l = expect(vm, PROG_MS,
			       "^uintrtest: receiver spinning on [0-9]+ CPUs: [0-9]+ system calls, "
			       "[0-9]+ exceptions, [0-9]+ interrupts$");
	int cpus = -1;
	unsigned long long sys = ~0ull;
	sscanf(l, "uintrtest: receiver spinning on %d CPUs: %llu system calls", &cpus, &sys);
	check(vm, cpus == r->cpus, "uintrtest saw %d CPUs, not %d", cpus, r->cpus);
	/* the second kstats (which counts itself): 1 system call, none for the interrupt */
	check(vm, sys == 1, "the spinning receiver made %llu system calls, not 1", sys);
	checks_passed(vm, "uintrtest", PROG_MS, MIN_UINTR);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo alive\r");
	expect(vm, CMD_MS, "^alive$");
}

const struct test uintr_tests[] = {
    {"uintr/uintrtest", 6, ALL, uintrtest, 2},
    {"uintr/uintrtest-1cpu", 4, ALL, uintrtest, 1},
    {0},
};
