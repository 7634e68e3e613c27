/*
 * user_test.c - user space on two system calls (issue 3): the shell and
 * its programs, the ring test program, and what a blocking read costs.
 *
 * Without "monitor" on its command line the kernel starts /bin/init,
 * which starts the shell (user/bin/sh.c): its prompt is "$ ". Programs
 * print what these tests match (user/bin/): ps a header and a line
 * per process, ls /bin a line per program, ringtest a line
 * per check ("ok <name>" or "FAIL <name>: <why>") and a total.
 * Whatever a kernel could print without doing the work - echoed words,
 * exit statuses, batch sizes - is random per run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/shell.h"

#define RINGTEST_MS                                                                                \
	400000	      /* ringtest's checks, some with children and sleeps, under TCG, busy host */
#define MIN_CHECKS 70 /* ringtest has more checks than this: a stub that prints a total fails */

/* echo prints random words; the shell is back; poweroff ends QEMU with status 0. */
static void smoke(struct run *r)
{
	char a[10], b[10];
	randword(a, sizeof(a));
	randword(b, sizeof(b));
	struct vm *vm = shell(r);
	type(vm, "echo %s   %s\r", a, b);
	/* anchored: the echo of the typed line ("$ echo ...") does not match */
	expect(vm, CMD_MS, "^%s %s$", a, b);
	expect(vm, CMD_MS, PROMPT);
	clean_poweroff(vm);
}

/* ps: init is pid 1 (parent 0), the shell its child, ps the shell's child and running. */
static void ps(struct run *r)
{
	struct vm *vm = shell(r);
	type(vm, "ps\r");
	expect(vm, CMD_MS, "^PID +PPID +STATE +CPU +UID +NAME$");
	expect(vm, CMD_MS, "^1 +0 +[a-z]+ +[0-9]+ +0 +init$");
	const char *l = expect(vm, CMD_MS, "^[0-9]+ +1 +[a-z]+ +[0-9]+ +0 +sh$");
	int sh = atoi(l);
	l = expect(vm, CMD_MS, "^[0-9]+ +%d +running +[0-9]+ +0 +ps$", sh);
	int pid, ppid, cpu;
	sscanf(l, "%d %d running %d", &pid, &ppid, &cpu);
	check(vm, cpu >= 0 && cpu < r->cpus, "ps runs on cpu %d, but there are %d CPUs", cpu,
	      r->cpus);
	expect(vm, CMD_MS, PROMPT);
}

/* ls /bin: the programs of the boot archive, each with its size (from the
   file server; without one, ls lists the archive itself the same way). */
static void ls(struct run *r)
{
	const char *progs[] = {"echo", "init", "ls", "ps", "readcost", "ringtest", "sh"};
	struct vm *vm = shell(r);
	type(vm, "ls /bin\r");
	expect(vm, CMD_MS, PROMPT);
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		seen(vm, "^%s +[1-9][0-9]*$", progs[i]);
}

/* cmd & runs in the background: [pid] at once, the prompt, and a report when it ends. */
static void background(struct run *r)
{
	char w[10];
	randword(w, sizeof(w));
	struct vm *vm = shell(r);
	type(vm, "sleep 60 &\r");
	const char *l = expect(vm, CMD_MS, "^\\[[0-9]+\\]$");
	int pid = atoi(l + 1);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "ps\r");
	expect(vm, CMD_MS, "^%d +[0-9]+ +[a-z]+ +[0-9]+ +0 +sleep$", pid); /* ready or blocked */
	expect(vm, CMD_MS, PROMPT);
	type(vm, "kill %d\r", pid);
	expect(vm, CMD_MS, "^\\[%d\\] done, status 137$", pid); /* STATUS_KILLED */
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo %s&\r", w);
	/* not anchored: the shell may print its prompt first; the typed line ends in '&' */
	expect(vm, CMD_MS, "%s$", w);
	expect(vm, CMD_MS, "^\\[[0-9]+\\] done, status 0$");
}

/* A program that does not exist is reported by name, and the shell goes on. */
static void notfound(struct run *r)
{
	char w[10], a[10];
	randword(w, sizeof(w));
	randword(a, sizeof(a));
	struct vm *vm = shell(r);
	type(vm, "%s %s\r", w, a);
	expect(vm, CMD_MS, "^sh: %s: not found$", w);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo %s\r", a);
	expect(vm, CMD_MS, "^%s$", a);
}

/* exit ends the shell with a status; init reports it and starts another shell. */
static void respawn(struct run *r)
{
	int status = 1 + random() % 100;
	struct vm *vm = shell(r);
	type(vm, "exit %d\r", status);
	expect(vm, CMD_MS, "^init: sh exited with status %d, starting another$", status);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "ps\r");
	expect(vm, CMD_MS, "^[0-9]+ +1 +[a-z]+ +[0-9]+ +0 +sh$");
}

/* Every check of ringtest passes, the kernel survives them, and so does the shell. */
static void ringtest(struct run *r)
{
	char w[10];
	randword(w, sizeof(w));
	struct vm *vm = answer(r, "ringtest", w, RINGTEST_MS);
	checks_passed(vm, "ringtest", RINGTEST_MS, MIN_CHECKS);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo %s\r", w);
	expect(vm, CMD_MS, "^%s$", w);
}

/* A blocking read of a line already typed enters the kernel once (docs/rings.md). */
static void readcost(struct run *r)
{
	char w[12];
	randword(w, sizeof(w));
	struct vm *vm = answer(r, "readcost", w, CMD_MS);
	expect(vm, CMD_MS, "^readcost: read \"%s\" \\(%zu bytes\\)$", w, strlen(w) + 1);
	const char *l = expect(vm, CMD_MS, "^readcost: the read cost [0-9]+ system calls?$");
	int n = -1;
	sscanf(l, "readcost: the read cost %d", &n);
	check(vm, n == 1, "the read cost %d system calls, not 1", n);
}

/* N NOPs submitted together cost one system call; one by one, N. */
static void batch(struct run *r)
{
	int n = 2 + random() % 63; /* the ring has 64 entries */
	struct vm *vm = shell(r);
	command(vm, "batch %d\r", n);
	expect(vm, CMD_MS, "^batch: +%d NOPs: one by one %d system calls, batched 1 ", n, n);
}

const struct test user_tests[] = {
    {"user/shell", 3, ALL, smoke, 0},
    {"user/ps", 2, ALL, ps, 0},
    {"user/ls", 2, ALL, ls, 0},
    {"user/background", 2, ALL, background, 0},
    {"user/not-found", 1, ALL, notfound, 0},
    {"user/respawn", 1, ALL, respawn, 0},
    {"user/ringtest", 5, ALL, ringtest, 0},
    {"user/ringtest-4cpu", 3, ALL, ringtest, 4},
    {"user/readcost", 3, ALL, readcost, 0},
    {"user/batch", 2, ALL, batch, 0},
    {0},
};
