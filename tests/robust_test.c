/*
 * robust_test.c - robustness (issue 9): usertests' quick mode and the ring
 * fuzzer's quick mode (user/bin/), on both arches with two CPUs; usertests
 * with one CPU too (issue 13: what races on two must hold on one, where
 * the threads of a test interleave only at the timer's preemptions).
 *
 * usertests prints a line per check and a total (harness/shell.h), and a
 * line with how many checks ran inside its tests: a stub that prints a
 * total without the work fails. ringfuzz runs 20,000 fuzzed entries with
 * the run's seed (make grade SEED=.. replays them) and must end with its
 * children and its leak check passed. After each, the shell still works.
 * The longer runs are `make fuzz` and `make grind` (tests/robust.mk).
 */
#include <stdio.h>
#include <string.h>

#include "harness/shell.h"

#define PROG_MS 600000 /* ringfuzz: under a minute alone, minutes on a busy host */
#define TEST_MS                                                                                    \
	300000		  /* one of usertests' tests: seconds alone (the longest, pipes,           \
			     two minutes on a host with both cores busy many times over) */
#define MIN_USERTESTS 60  /* its own checks: two per test (the run and the leak check) */
#define MIN_INNER     250 /* the checks inside its tests */
#define FUZZ_OPS      20000
#define MIN_FUZZ      5 /* four children and the leak check */

static void usertests(struct run *r)
{
	struct vm *vm = shell(r);
	command(vm, "usertests\r");
	/*
	 * Wait test by test, not for the whole run at once: each of its
	 * tests ends with "usertests: NAME: N checks, T ms", and only a test
	 * that hangs goes TEST_MS without one. The whole run may take as long
	 * as a busy host makes it (a single deadline for it failed a loaded
	 * make test-grade that was only slow).
	 */
	const char *l;
	do
		l = expect(vm, TEST_MS,
			   "^usertests: [0-9]+ tests, [0-9]+ checks inside them|"
			   "^usertests: [a-z0-9-]+: [0-9]+ checks, [0-9]+ ms$|^panic: .*$");
	while (strncmp(l, "panic: ", 7) != 0 && !strstr(l, "checks inside them"));
	if (strncmp(l, "panic: ", 7) == 0) { /* say what failed before, not only the panic */
		char panic[160];
		snprintf(panic, sizeof(panic), "%s", l);
		const char *f = vm_seen(vm, "^FAIL ");
		check(vm, 0, "the kernel panicked in usertests (%s); the first failed check: %s",
		      panic, f ? f : "none");
	}
	int tests = 0, inner = 0;
	sscanf(l, "usertests: %d tests, %d checks", &tests, &inner);
	check(vm, inner >= MIN_INNER, "only %d checks ran inside %d tests, fewer than %d", inner,
	      tests, MIN_INNER);
	checks_passed(vm, "usertests", CMD_MS, MIN_USERTESTS);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo alive\r");
	expect(vm, CMD_MS, "^alive$");
}

static void ringfuzz(struct run *r)
{
	struct vm *vm = shell(r);
	command(vm, "ringfuzz -s %u -n %d\r", r->seed, FUZZ_OPS);
	expect(vm, CMD_MS, "^ringfuzz: seed %u, %d operations in [0-9]+ children", r->seed,
	       FUZZ_OPS);
	expect(vm, PROG_MS, "^ringfuzz: %d operations fuzzed in [0-9]+ ms, seed %u$", FUZZ_OPS,
	       r->seed);
	checks_passed(vm, "ringfuzz", CMD_MS, MIN_FUZZ);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo alive\r");
	expect(vm, CMD_MS, "^alive$");
}

const struct test robust_tests[] = {
    {"robust/usertests", 5, ALL, usertests, 2},
    {"robust/usertests-1cpu", 3, ALL, usertests, 1},
    {"robust/ringfuzz", 5, ALL, ringfuzz, 2},
    {0},
};
