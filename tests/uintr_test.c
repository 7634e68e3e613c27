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

/*
 * Completions that interrupt (issue 20): cqtest (user/bin/). 10,000
 * operations through a polled ring, completed by the interrupt: with
 * two CPUs the program makes no system call at all; with one, only
 * waits for the interrupt. The line is checked here too, so that a
 * cqtest that stopped counting cannot pass.
 */
#define MIN_CQ 30 /* cqtest has more checks than this */

static void cqtest(struct run *r)
{
	struct vm *vm = shell(r);
	type(vm, "cqtest\r");
	const char *l =
	    expect(vm, PROG_MS,
		   "^cqtest: 10000 operations, polled submission, interrupt completion, "
		   "[0-9]+ CPUs?: [0-9]+ system calls \\([0-9]+ waits\\), .*completion "
		   "interrupts, [0-9]+ per 1000 completions$");
	int cpus = -1;
	unsigned long long sys = ~0ull, waits = ~0ull;
	sscanf(l,
	       "cqtest: 10000 operations, polled submission, interrupt completion, %d CPU%*[s:] "
	       "%llu system calls (%llu waits)",
	       &cpus, &sys, &waits);
	check(vm, cpus == r->cpus, "cqtest saw %d CPUs, not %d", cpus, r->cpus);
	if (r->cpus > 1)
		check(vm, sys == 0, "the program made %llu system calls, not 0", sys);
	else
		check(vm, sys == waits, "%llu system calls, %llu of them waits", sys, waits);
	checks_passed(vm, "cqtest", PROG_MS, MIN_CQ);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo alive\r");
	expect(vm, CMD_MS, "^alive$");
}

const struct test uintr_tests[] = {
    {"uintr/uintrtest", 6, ALL, uintrtest, 2},	    {"uintr/uintrtest-1cpu", 4, ALL, uintrtest, 1},
    {"uintr/cq-interrupt", 5, ALL, cqtest, 2},	    {"uintr/cq-interrupt-1cpu", 3, ALL, cqtest, 1},
    {"uintr/cq-interrupt-4cpu", 2, ALL, cqtest, 4}, {0},
};
