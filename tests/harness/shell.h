/*
 * shell.h - driving duet's shell from a test: boot to its prompt, run a
 * program that asks for a line, run a checks program (user/include/
 * check.h: "ok"/"FAIL" lines and a "<prog>: N passed, M failed" total).
 */
#pragma once

#include "harness/grade.h"

#define PROMPT "^\\$ "

/* Boot into the shell and wait for its first prompt. */
struct vm *shell(struct run *r);

/*
 * Type a command line whose program runs in the foreground: until the
 * next typing, an expect fails as soon as the prompt is back (the
 * program ended, or never started) rather than at its time limit.
 */
#define command(vm, ...)                                                                           \
	do {                                                                                       \
		type(vm, __VA_ARGS__);                                                             \
		(vm)->idle = "$ ";                                                                 \
	} while (0)

/* Run prog, which asks for a line of input ("<prog>: type a line"), and type w. */
struct vm *answer(struct run *r, const char *prog, const char *w, int ms);

/*
 * Wait up to ms for prog's total line and check it: no FAIL line, no
 * failed count, at least min checks passed. Returns how many passed.
 */
int checks_passed(struct vm *vm, const char *prog, int ms, int min);
