/*
 * grade.h - everything a test file needs: the test table, and checks that
 * fail a test saying what was expected and what the console showed.
 *
 * A test is a function that boots QEMU (or starts gdb, or any command),
 * types on its console and checks what comes back. A test file ends with
 * its table, which tests/grader.c lists:
 *
 *	const struct test boot_tests[] = {
 *		{"boot/echo", 2, ALL, echo, 0},
 *		{"boot/banner-3cpu", 2, ALL, banner, 3},
 *		{0},
 *	};
 *
 * The grader runs each selected test once per arch it names, each in a
 * process of its own with a time limit, and kills whatever the test
 * started when it ends: a test never cleans up and never hangs the run.
 * Tests may also use cmocka's assert_*() macros.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness/vm.h"

/* Which arches a test runs on. */
enum { RISCV64 = 1 << 0, X86_64 = 1 << 1, ALL = RISCV64 | X86_64 };

struct run;

struct test {
	const char *name;	   /* "suite/what"; the grader's filters select on it */
	int points;		   /* earned only if the test passes, on that arch */
	int arches;		   /* RISCV64, X86_64 or ALL */
	void (*fn)(struct run *r); /* the test; it fails by a failed check */
	int cpus;		   /* CPUs to boot with; 0: the grader's -c */
};

/* One test on one arch: what the test's function is given. */
struct run {
	const struct test *test;
	const char *arch; /* "riscv64" or "x86_64" */
	int cpus;	  /* CPUs it boots with */
	const char *log;  /* where the transcripts of its consoles are saved */
	unsigned seed;	  /* seeds randword() */
};

/*
 * Time limits, for hangs only: the tests run under TCG (no KVM), two at
 * a time, on a 2-core machine that may be busy with other work too (a
 * program that takes 10 s alone took 80 s beside six busy loops). A
 * test that passes never waits for them, so they cost nothing but the
 * time it takes to report a hang.
 */
#define BOOT_MS	 90000	/* power-on to the monitor prompt */
#define UBOOT_MS 240000 /* the same through U-Boot */
#define CMD_MS	 30000	/* a monitor command's answer */
#define EXIT_MS	 30000	/* QEMU's exit after poweroff or a panic */

/* expect_exit()'s status for "anything but 0", as a kernel panic gives. */
#define NONZERO (-2)

/* Start cmd (run by /bin/sh -c) to drive through its console; what names it in messages. */
struct vm *start(const char *what, const char *cmd);

/*
 * Boot this run's kernel (its arch and CPUs) in QEMU. how is the make
 * target that prints the command: "print-qemu" boots the kernel directly,
 * "print-qemu-uboot" through U-Boot. extra is appended to the command.
 */
struct vm *boot(struct run *r, const char *how, const char *extra);

/*
 * Start gdb-multiarch in the repository, the way a student does: its
 * .gdbinit loads this run's kernel and connects to localhost:port. args
 * are more gdb arguments (-ex '...'). Runs in batch mode: gdb exits after
 * the last command.
 */
struct vm *gdb(struct run *r, int port, const char *args);

/* A TCP port nobody listens on now, for QEMU's gdb server. */
int free_port(void);

/*
 * The checks. They take printf-style formats; a pattern is a POSIX
 * extended regular expression matched within one line (vm.h), so
 * escape ( ) [ ] . * + ? | { } ^ $ \ where they mean themselves.
 *
 * expect(vm, ms, re...): wait for re after the cursor; returns the line.
 * seen(vm, re...): re anywhere in the output so far (any order); returns the line.
 * type(vm, fmt...): type on the console ("\r" is the Enter key).
 * expect_exit(vm, status, ms): wait for the exit, with status (or NONZERO).
 * check(vm, cond, fmt...): fail with the message unless cond.
 * Each failure shows vm's last console lines (vm may be NULL).
 */
#define expect(vm, ms, ...)	    expect_at(__FILE__, __LINE__, vm, ms, __VA_ARGS__)
#define seen(vm, ...)		    seen_at(__FILE__, __LINE__, vm, __VA_ARGS__)
#define type(vm, ...)		    type_at(__FILE__, __LINE__, vm, __VA_ARGS__)
#define expect_exit(vm, status, ms) expect_exit_at(__FILE__, __LINE__, vm, status, ms)
#define check(vm, cond, ...)                                                                       \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail_at(__FILE__, __LINE__, vm, __VA_ARGS__);                              \
	} while (0)

/*
 * Type `poweroff` at the prompt and expect a clean power-off: the
 * kernel's own line (an exit status of 0 alone could also be a triple
 * fault under -no-reboot), then QEMU's exit with status 0.
 */
#define clean_poweroff(vm)                                                                         \
	do {                                                                                       \
		type(vm, "poweroff\r");                                                            \
		expect(vm, CMD_MS, "^duet: powering off$");                                        \
		expect_exit(vm, 0, EXIT_MS);                                                       \
	} while (0)

/* Write a line into the test's output (shown for failed tests, and in results.json). */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fill buf with a random lowercase word of size-1 letters and digits (starts with a letter). */
void randword(char *buf, size_t size);

/* Behind the macros. */
const char *expect_at(const char *file, int line, struct vm *vm, int ms, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
const char *seen_at(const char *file, int line, struct vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void type_at(const char *file, int line, struct vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int expect_exit_at(const char *file, int line, struct vm *vm, int status, int ms);
void fail_at(const char *file, int line, struct vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));

/* The grader's main(): options, then every selected test of suites (each ends with {0}). */
int grade_main(int argc, char **argv, const struct test *const *suites);
