/*
 * perf_test.c - instruction budgets (lab perf): the blocking call and a
 * batch of NOPs must cost at most so many guest instructions per
 * operation, on each arch.
 *
 * A count, not a time: QEMU runs the guest under -icount shift=4 (every
 * guest instruction advances the clock 16 ns; sleep=off: idling costs
 * nothing) on one CPU, without the disk, as `make test-budget` does, so
 * bench's time per operation divided by the time of one instruction
 * (its cpu-loop case, two instructions a turn) is instructions per
 * operation, the same from run to run to under 1% whatever the host's
 * load (docs/benchmarks.md). The budgets sit between the lab's handout
 * (byte copies, the lock round out of line) and the reference, with
 * room on both sides: a count over budget is a solution that is not
 * fast enough, never a slow machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/shell.h"

#define SHIFT	 4	/* -icount shift: 2^SHIFT ns per instruction */
#define BENCH_MS 600000 /* a case under -icount, under TCG, on a busy host */

/*
 * Instructions per operation, at most. Measured by these tests (each
 * notes its count, pass or fail) on the reference and the handout of
 * the same tree:
 *
 *	                  reference   handout   budget
 *	x86_64  null-call     321.7     366.7      345
 *	x86_64  null-batch32   98.0     178.6      140
 *	riscv64 null-call     387.2     430.2      410
 *	riscv64 null-batch32  107.7     184.9      150
 *
 * The lock round (task 2) is nearly all of null-call's difference,
 * the byte copies (task 1) nearly all of null-batch32's: each task
 * alone leaves the other test over its budget. null-call's budget is
 * halfway, 6-7% from each side; null-batch32's leaves a word loop
 * simpler than the reference's (a word a turn) well under it.
 */
static const struct budget {
	const char *arch, *name;
	double most;
} budgets[] = {
    {"x86_64", "null-call", 345},
    {"x86_64", "null-batch32", 140},
    {"riscv64", "null-call", 410},
    {"riscv64", "null-batch32", 150},
};

/* The number after " key=" in a BENCH line, or -1. */
static double field(const char *line, const char *key)
{
	char k[32];
	snprintf(k, sizeof(k), " %s=", key);
	const char *p = strstr(line, k);
	return p ? strtod(p + strlen(k), NULL) : -1;
}

static void budget(struct run *r, const char *name)
{
	const struct budget *b = NULL;
	for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++)
		if (!strcmp(budgets[i].arch, r->arch) && !strcmp(budgets[i].name, name))
			b = &budgets[i];
	check(NULL, b, "no budget for %s on %s", name, r->arch);

	char extra[64];
	snprintf(extra, sizeof(extra), " -icount shift=%d,sleep=off", SHIFT);
	struct vm *vm = boot(r, "print-qemu NODISK=1", extra);
	expect(vm, BOOT_MS, PROMPT);
	command(vm, "bench cpu-loop %s\r", name);
	const char *l = expect(vm, BENCH_MS, "^BENCH case=cpu-loop .* min=[0-9.]+( |$)");
	double loop = field(l, "min"), want = 1 << SHIFT;
	/* not under -icount, or a broken loop: no count can be trusted */
	check(vm, loop > want * 0.99 && loop < want * 1.01,
	      "cpu-loop took %.3f ns per instruction, not %.0f: not a run under -icount", loop,
	      want);
	l = expect(vm, BENCH_MS, "^BENCH case=%s .* ns=[0-9.]+( |$)", name);
	double n = field(l, "ns") / loop;
	note("%s on %s: %.1f instructions per operation, budget %.0f", name, r->arch, n, b->most);
	check(vm, n <= b->most,
	      "%s: %.1f instructions per operation, over the budget of %.0f (%.1f%%)", name, n,
	      b->most, 100 * (n / b->most - 1));
	expect(vm, CMD_MS, "^BENCH done");
	expect(vm, CMD_MS, PROMPT);
}

static void call(struct run *r)
{
	budget(r, "null-call");
}

static void batch(struct run *r)
{
	budget(r, "null-batch32");
}

const struct test perf_tests[] = {
    {"perf/null-call", 5, ALL, call, 1},
    {"perf/null-batch32", 5, ALL, batch, 1},
    {0},
};
