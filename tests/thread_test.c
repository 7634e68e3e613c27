/*
 * thread_test.c - threads, rings on demand and submission polling
 * (issue 4): threadtest and polltest (user/bin/), on one CPU and two.
 *
 * Both print a line per check and a total (harness/shell.h). On top of
 * the totals, these tests read the lines that carry the claims: the
 * console line a thread read while another slept (random per run), the
 * system calls of 10,000 polled operations (zero), and of waking a
 * sleeping poller (one).
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness/shell.h"

#define PROG_MS	   400000 /* a checks program, with children and sleeps, under TCG, on a busy host */
#define MIN_THREAD 38	  /* threadtest has more checks than this */
#define MIN_POLL   15	  /* and polltest more than this */

/* Two threads block at once - one on the console, one on timers - and
 * every other check of threadtest passes. */
static void threadtest(struct run *r)
{
	char w[12];
	randword(w, sizeof(w));
	struct vm *vm = answer(r, "threadtest", w, PROG_MS);
	expect(vm, PROG_MS, "^threadtest: read \"%s\"$", w);
	checks_passed(vm, "threadtest", PROG_MS, MIN_THREAD);
	expect(vm, CMD_MS, PROMPT);
}

/* 10,000 operations through a polled ring with no system call; one
 * system call wakes the poller; no submission lost in the race. */
static void polltest(struct run *r)
{
	struct vm *vm = shell(r);
	command(vm, "polltest\r");
	const char *l = expect(vm, PROG_MS,
			       "^polltest: 10000 operations through a polled ring: [0-9]+ system "
			       "calls, [0-9]+ exceptions, [0-9]+ interrupts$");
	unsigned long long sys = ~0ull, exc = ~0ull;
	sscanf(l, "polltest: 10000 operations through a polled ring: %llu system calls, %llu", &sys,
	       &exc);
	check(vm, sys == 0 && exc == 0, "%llu system calls and %llu exceptions, not 0", sys, exc);
	l = expect(vm, PROG_MS, "^polltest: waking the poller took [0-9]+ system calls?$");
	check(vm, atoi(l + sizeof("polltest: waking the poller took") - 1) == 1, "%s", l);
	checks_passed(vm, "polltest", PROG_MS, MIN_POLL);
	expect(vm, CMD_MS, PROMPT);
}

const struct test thread_tests[] = {
    {"thread/threadtest", 5, ALL, threadtest, 2},
    {"thread/threadtest-1cpu", 3, ALL, threadtest, 1},
    {"thread/polltest", 5, ALL, polltest, 2},
    {"thread/polltest-1cpu", 3, ALL, polltest, 1},
    {0},
};
