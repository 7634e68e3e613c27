/*
 * vm.h - drive a program through its console, the way a person at a terminal would.
 *
 * A "vm" is any command whose stdin and stdout are a console: QEMU with the
 * guest's serial port on stdio, gdb, or a fake that the selftest scripts. We
 * keep everything it prints (the transcript, with '\r' dropped) and a cursor.
 * vm_expect() looks for a pattern after the cursor and moves the cursor past
 * the match, so a test reads the console in order, as it was printed, and a
 * line matched once is never matched again.
 *
 * Nothing here fails a test: calls return NULL or -1 and leave the reason in
 * vm->why. The test-facing wrappers in grade.h turn that into a failure.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

struct vm {
	pid_t pid;	/* the command's process, also its process group */
	int in;		/* its stdin: what we type */
	int out;	/* its stdout and stderr; -1 once it closed them */
	int status;	/* exit status once reaped, else -1 */
	char *log;	/* the transcript, always NUL-terminated */
	size_t len;	/* bytes in log */
	size_t cap;	/* bytes allocated for log */
	size_t pos;	/* the cursor: vm_expect() searches log[pos..] */
	size_t scan;	/* where the next search starts (see vm.c) */
	size_t dropped; /* output dropped because the transcript was full */
	char *line;	/* the line vm_expect() or vm_seen() last matched */
	/*
	 * While set (vm_send() clears it): a last line that ends every wait.
	 * vm_expect() fails at once when the console's unfinished last line,
	 * after the cursor, is exactly this - the shell's prompt back, the
	 * program the test waits on has ended - instead of at its time limit.
	 */
	const char *idle;
	char why[512]; /* why the last call failed */
};

/* Run cmd with /bin/sh -c, its console on pipes. Returns NULL if it cannot start. */
struct vm *vm_start(const char *cmd);

/* Type s on the console. Returns 0, or -1 if the program no longer reads it. */
int vm_send(struct vm *vm, const char *s);

/*
 * Wait up to ms milliseconds for the POSIX extended regular expression re
 * to match after the cursor. A pattern matches within one line: ^ and $
 * are the line's ends and . does not match a newline. Returns the whole
 * line the match starts in (valid until the next call), or NULL on a
 * timeout or when the program closed its console first.
 */
const char *vm_expect(struct vm *vm, const char *re, int ms);

/* Like vm_expect(), but anywhere in what was printed so far; does not wait or move the cursor. */
const char *vm_seen(struct vm *vm, const char *re);

/*
 * Wait up to ms milliseconds for the program to exit, and return its exit
 * status (128 + n if signal n killed it). If it is still running, kill it
 * and return -1.
 */
int vm_wait_exit(struct vm *vm, int ms);

/* Where the last n lines of the transcript start (a pointer into vm->log). */
const char *vm_tail(struct vm *vm, int n);

/* Kill the program if it still runs (async-signal-safe, for clean-up on a signal). */
void vm_kill(struct vm *vm);

/*
 * For tools that drive one VM for a whole run (tests/bench/run.c,
 * tests/robust_run.c): vm_run_start() sets a deadline secs from now and
 * kills *vmp's QEMU if the tool is interrupted or its alarm fires;
 * vm_within(ms) is ms, or what is left before the deadline if less.
 */
void vm_run_start(struct vm **vmp, long secs);
int vm_within(int ms);

/* Kill the program if it still runs, reap it, and free everything. */
void vm_free(struct vm *vm);
