/*
 * pipe_test.c - hardware pipes (issue 6): pipelines in the shell, and
 * pipetest (user/bin/), on one CPU and two.
 *
 * gen writes N bytes of a pattern chosen by a seed and reports their
 * checksum on its error output; sum at the other end of the pipeline
 * reports what it read: both are random per run, and must agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/shell.h"

#define PIPE_MS	 400000 /* a MiB through several processes, under TCG, on a busy host */
#define MIN_PIPE 30	/* pipetest has more checks than this */

/* Run `gen N SEED | <middle> sum` and check that sum saw gen's bytes. */
static void pipeline(struct run *r, const char *middle)
{
	int seed = 1 + random() % 250;
	struct vm *vm = shell(r);
	command(vm, "gen 1048576 %d | %ssum\r", seed, middle);
	const char *l = expect(vm, PIPE_MS, "^gen: 1048576 bytes, checksum [0-9a-f]{8}$");
	char want[16] = "";
	sscanf(l, "gen: 1048576 bytes, checksum %15s", want);
	expect(vm, PIPE_MS, "^sum: 1048576 bytes, checksum %s$", want);
	expect(vm, CMD_MS, PROMPT);
}

static void two(struct run *r)
{
	pipeline(r, "");
}

static void four(struct run *r)
{
	pipeline(r, "cat | cat | ");
}

/* pipetest's checks, and the kernel entries per message it measured. */
static void pipetest(struct run *r)
{
	struct vm *vm = shell(r);
	command(vm, "pipetest\r");
	const char *l =
	    expect(vm, PIPE_MS,
		   "^pipetest: hardware pipe, [0-9]+ CPUs: [0-9]+ messages of [0-9]+ bytes: "
		   "writer [0-9]+ kernel entries, reader [0-9]+ .*$");
	note("%s", l);
	l = expect(vm, PIPE_MS, "^pipetest: kernel pipe, [0-9]+ CPUs: .*$");
	note("%s", l);
	checks_passed(vm, "pipetest", PIPE_MS, MIN_PIPE);
	expect(vm, CMD_MS, PROMPT);
}

const struct test pipe_tests[] = {
    {"pipe/pipetest", 5, ALL, pipetest, 2}, {"pipe/pipetest-1cpu", 3, ALL, pipetest, 1},
    {"pipe/mib", 3, ALL, two, 2},	    {"pipe/mib-1cpu", 2, ALL, two, 1},
    {"pipe/four-stages", 3, ALL, four, 2},  {0},
};
