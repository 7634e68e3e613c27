/*
 * selftest.c - the grader's own tests: above all, that it can fail.
 *
 * A grader that always says "passed" grades nothing. The first tests
 * drive fake machines (shell one-liners) through vm.c: matches, timeouts,
 * exits and kills. The rest run a whole grading of fake tests - this
 * program again, as `selftest fake [grader options]` - and check that a
 * failing test scores 0, says what it expected, shows the console, and is
 * marked failed in results.json and junit.xml.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/grade.h"

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Whether a live process (not a zombie) is in process group pg. */
static int group_alive(pid_t pg)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int alive = 0;
	while (!alive && (e = readdir(d))) {
		char path[300], buf[512], state;
		int ppid, pgrp;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		/* "pid (comm) state ppid pgrp ...", and comm may hold spaces and parentheses. */
		char *p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		if (p && sscanf(p + 2, "%c %d %d", &state, &ppid, &pgrp) == 3)
			alive = pgrp == pg && state != 'Z';
		fclose(f);
	}
	closedir(d);
	return alive;
}

/* ---- the console driver ---------------------------------------------- */

/* Matches come in order, '\r' is gone, $ waits for the line's end, vm_seen() looks back. */
static void expect_in_order(void **state)
{
	(void)state;
	struct vm *vm = vm_start("printf 'one\\ntwo three\\r\\nfour'; sleep 5");
	assert_non_null(vm);
	assert_string_equal(vm_expect(vm, "^two", 2000), "two three");
	assert_null(vm_expect(vm, "one", 200)); /* before the cursor */
	assert_string_equal(vm_expect(vm, "fou", 2000), "four");
	assert_null(vm_expect(vm, "^r", 200)); /* the cursor is mid-line: not a line start */
	assert_null(vm_expect(vm, "r$", 200)); /* that line has not ended */
	assert_string_equal(vm_seen(vm, "^one$"), "one");
	assert_null(vm_seen(vm, "^five$"));
	vm_free(vm);
}

/* A pattern that never comes fails after its timeout, and says so. */
static void expect_timeout(void **state)
{
	(void)state;
	struct vm *vm = vm_start("echo hello; sleep 10");
	long t0 = now_ms();
	assert_null(vm_expect(vm, "absent", 300));
	long ms = now_ms() - t0;
	assert_in_range(ms, 300, 2000);
	assert_non_null(strstr(vm->why, "did not appear within 0.3 s"));
	assert_string_equal(vm_tail(vm, 5), "hello\n");
	vm_free(vm); /* kills the sleep: quick */
	assert_in_range(now_ms() - t0, 300, 3000);
}

/* A program that exits ends the wait at once, with its status in the reason. */
static void expect_after_exit(void **state)
{
	(void)state;
	struct vm *vm = vm_start("echo hello; exit 3");
	long t0 = now_ms();
	assert_null(vm_expect(vm, "absent", 5000));
	assert_in_range(now_ms() - t0, 0, 2000);
	assert_non_null(strstr(vm->why, "exit status 3"));
	vm_free(vm);
}

/*
 * A shell whose prompt comes back (the program waited on has ended) ends
 * a wait at once while vm->idle is set, but not before the prompt's
 * last byte, nor when the prompt is followed by more, nor once typing
 * has cleared it.
 */
static void expect_prompt_back(void **state)
{
	(void)state;
	struct vm *vm = vm_start("printf '$ '; read a; printf 'prog: failed\\n$'; sleep 1; "
				 "printf ' '; read b; printf 'late\\n$ later\\n'; sleep 10");
	assert_non_null(vm);
	assert_non_null(vm_expect(vm, "^\\$ ", 2000));
	vm_send(vm, "prog\n");
	vm->idle = "$ ";
	assert_null(vm_expect(vm, "^prog: passed$", 60000)); /* its limit never comes */
	assert_non_null(strstr(vm->why, "\"$ \" came back first"));
	assert_string_equal(vm_tail(vm, 1), "$ ");
	vm_send(vm, "more\n"); /* clears idle: the prompt of a new command */
	assert_string_equal(vm_expect(vm, "^\\$ later$", 5000), "$ later");
	vm_free(vm);
}

static void bad_pattern(void **state)
{
	(void)state;
	struct vm *vm = vm_start("echo hello");
	assert_null(vm_expect(vm, "(", 1000));
	assert_non_null(strstr(vm->why, "bad pattern"));
	vm_free(vm);
}

/* What we type reaches the program. */
static void typing(void **state)
{
	(void)state;
	struct vm *vm = vm_start("read a b; echo \"got $b,$a\"");
	assert_int_equal(vm_send(vm, "x y\n"), 0);
	assert_string_equal(vm_expect(vm, "^got", 2000), "got y,x");
	assert_int_equal(vm_wait_exit(vm, 2000), 0);
	vm_free(vm);
}

static void exit_status(void **state)
{
	(void)state;
	const char *cmds[] = {"exit 0", "exit 3", "kill -9 $$"};
	int want[] = {0, 3, 128 + 9};
	for (int i = 0; i < 3; i++) {
		struct vm *vm = vm_start(cmds[i]);
		assert_int_equal(vm_wait_exit(vm, 2000), want[i]);
		vm_free(vm);
	}
}

/* A program that does not exit in time is killed, with everything it started. */
static void exit_timeout(void **state)
{
	(void)state;
	struct vm *vm = vm_start("sleep 30 & sleep 30; wait");
	long t0 = now_ms();
	assert_int_equal(vm_wait_exit(vm, 300), -1);
	assert_in_range(now_ms() - t0, 300, 2000);
	assert_non_null(strstr(vm->why, "still running"));
	usleep(100 * 1000);
	assert_false(group_alive(vm->pid)); /* the whole process group is gone */
	vm_free(vm);
}

/* ---- a whole grading of fake tests ------------------------------------ */

static void fake_pass(struct run *r)
{
	(void)r;
	struct vm *vm = start("fake", "echo hello; exit 0");
	expect(vm, 2000, "^hello$");
	expect_exit(vm, 0, 2000);
}

static void fake_timeout(struct run *r)
{
	(void)r;
	struct vm *vm = start("fake", "echo hello; sleep 10");
	expect(vm, 300, "absent");
}

static void fake_status(struct run *r)
{
	(void)r;
	struct vm *vm = start("fake", "echo bye; exit 3");
	expect_exit(vm, 0, 2000);
}

static void fake_assert(struct run *r)
{
	assert_int_equal(r->cpus, 99);
}

/* Hangs: the grader's time limit must end it, and kill the sleep (its pid goes to a file). */
static void fake_hang(struct run *r)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "echo $$ > %s.pid; exec sleep 100", r->log);
	start("fake", cmd);
	for (;;)
		pause();
}

static const struct test fake_tests[] = {
    {"fake/pass", 1, ALL, fake_pass, 0},     {"fake/timeout", 2, ALL, fake_timeout, 0},
    {"fake/status", 2, ALL, fake_status, 0}, {"fake/assert", 1, ALL, fake_assert, 0},
    {"fake/hang", 1, ALL, fake_hang, 0},     {0},
};

struct grading {
	char dir[64];  /* its results */
	struct vm *vm; /* its console, after it exited */
	int status;
	char *json;
	char *junit;
};

static char *slurp(const char *dir, const char *name)
{
	char path[128], *s = NULL;
	size_t n = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (f) {
		s = calloc(1, 1 << 20);
		n = fread(s, 1, (1 << 20) - 1, f);
		fclose(f);
	}
	return n ? s : NULL;
}

/* Grade the fake tests once, on one arch, with a 2 s limit; the tests below look at the results. */
static int grade_fakes(void **state)
{
	struct grading *g = calloc(1, sizeof(*g));
	char cmd[256];
	strcpy(g->dir, "/tmp/duet-selftest.XXXXXX");
	if (!mkdtemp(g->dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "/proc/%d/exe fake -a riscv64 -t 2 -c 3 -o %s", getpid(),
		 g->dir);
	g->vm = vm_start(cmd);
	g->status = vm_wait_exit(g->vm, 30000);
	g->json = slurp(g->dir, "results.json");
	g->junit = slurp(g->dir, "junit.xml");
	*state = g;
	return 0;
}

static int clean_fakes(void **state)
{
	struct grading *g = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", g->dir);
	vm_free(g->vm);
	free(g->json);
	free(g->junit);
	free(g);
	return system(cmd);
}

/* results.json's line for test name (one test per line). */
static char *json_line(struct grading *g, const char *name)
{
	char key[128];
	snprintf(key, sizeof(key), "{\"name\": \"%s [riscv64]\"", name);
	assert_non_null(g->json);
	char *p = strstr(g->json, key);
	assert_non_null(p);
	return strndup(p, strcspn(p, "\n"));
}

static void has(const char *s, const char *part)
{
	if (!strstr(s, part))
		fail_msg("\"%s\" is not in:\n%s", part, s);
}

/* The exit status says some failed, the score counts only passed points, and the last line counts.
 */
static void grading_summary(void **state)
{
	struct grading *g = *state;
	assert_int_equal(g->status, 1);
	assert_non_null(vm_seen(g->vm, "^riscv64 +fake/pass +ok +1/1 "));
	assert_non_null(vm_seen(g->vm, "^riscv64 +fake/timeout +FAIL +0/2 "));
	assert_non_null(vm_seen(g->vm, "^Score: 1/7$"));
	assert_string_equal(vm_tail(g->vm, 1), "1 passed, 4 failed\n");
	/* and the failures are named again at the end, where a CI log's tail shows them */
	assert_non_null(vm_seen(g->vm, "^the failures again:\n(.*\n)*  riscv64 fake/timeout: "));
}

static void passed_scores(void **state)
{
	char *l = json_line(*state, "fake/pass");
	has(l, "\"score\": 1, \"max_score\": 1, \"status\": \"passed\"");
	has(l, "\"visibility\": \"visible\""); /* Gradescope shows it to the student */
	free(l);
}

/* A failed expect scores 0, names the pattern and the time, and shows the console. */
static void failed_expect(void **state)
{
	struct grading *g = *state;
	char *l = json_line(g, "fake/timeout");
	has(l, "\"score\": 0, \"max_score\": 2, \"status\": \"failed\"");
	has(l, "expected /absent/ from fake, but it did not appear within 0.3 s");
	has(l, "last console lines of fake:\\n  | hello\\n");
	free(l);
	has(g->json, "{\"score\": 1, \"max_score\": 7, \"tests\": [\n");
}

static void failed_status(void **state)
{
	char *l = json_line(*state, "fake/status");
	has(l, "\"status\": \"failed\"");
	has(l, "expected fake to exit with status 0, but it exited with status 3");
	free(l);
}

/* cmocka's own asserts fail a test too, and their message gets through. */
static void failed_assert(void **state)
{
	char *l = json_line(*state, "fake/assert");
	has(l, "\"status\": \"failed\"");
	has(l, "0x3 != 0x63"); /* -c 3 reached the test */
	free(l);
}

/* A hanging test is stopped by its time limit, and what it started is killed. */
static void hang_stopped(void **state)
{
	struct grading *g = *state;
	char *l = json_line(g, "fake/hang");
	has(l, "\"status\": \"failed\"");
	has(l, "the test ran out of time: its limit is 2 s");
	free(l);
	char *pid = slurp(g->dir, "logs/riscv64-fake-hang.console.pid");
	assert_non_null(pid);
	assert_false(group_alive(atoi(pid)));
	free(pid);
}

static void junit(void **state)
{
	struct grading *g = *state;
	assert_non_null(g->junit);
	has(g->junit, "<testsuite name=\"duet\" tests=\"5\" failures=\"4\"");
	has(g->junit, "<testcase classname=\"riscv64\" name=\"fake/pass\"");
	has(g->junit, "<failure message=\"expected /absent/ from fake, but it did not appear");
	/* Exactly the failed ones have a <failure>. */
	int n = 0;
	for (char *p = g->junit; (p = strstr(p, "<failure ")); p++)
		n++;
	assert_int_equal(n, 4);
}

/* Filters select by prefix or glob; a filter that selects nothing is an error. */
static void filters(void **state)
{
	struct grading *g = *state;
	const char *args[] = {"'fake/p*'", "fake/pa", "fake/nothing"};
	int want[] = {0, 0, 2};
	for (int i = 0; i < 3; i++) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "/proc/%d/exe fake -a x86_64 -o %s %s", getpid(), g->dir,
			 args[i]);
		struct vm *vm = vm_start(cmd);
		assert_int_equal(vm_wait_exit(vm, 10000), want[i]);
		if (want[i] == 0)
			assert_string_equal(vm_tail(vm, 2), "Score: 1/1\n1 passed, 0 failed\n");
		vm_free(vm);
	}
}

/* -x: after the first failure (fake/timeout), no later test starts, each
   "SKIP" and 0; one running alongside (-j 1 here: none) would finish. */
static void first_failure(void **state)
{
	struct grading *g = *state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd),
		 "/proc/%d/exe fake -a riscv64 -j 1 -x -o %s fake/pass fake/timeout "
		 "fake/status fake/hang",
		 getpid(), g->dir);
	struct vm *vm = vm_start(cmd);
	assert_int_equal(vm_wait_exit(vm, 30000), 1);
	assert_non_null(vm_seen(vm, "^riscv64 +fake/pass +ok +1/1 "));
	assert_non_null(vm_seen(vm, "^riscv64 +fake/timeout +FAIL +0/2 "));
	assert_non_null(vm_seen(vm, "^riscv64 +fake/status +SKIP +0/2 "));
	assert_non_null(vm_seen(vm, "^riscv64 +fake/hang +SKIP +0/1 "));
	assert_non_null(vm_seen(vm, "not run: an earlier test failed"));
	assert_string_equal(vm_tail(vm, 2), "Score: 1/6\n1 passed, 3 failed\n");
	vm_free(vm);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "fake")) {
		const struct test *const suites[] = {fake_tests, NULL};
		return grade_main(argc - 1, argv + 1, suites);
	}
	const struct CMUnitTest vm_tests[] = {
	    cmocka_unit_test(expect_in_order),	 cmocka_unit_test(expect_timeout),
	    cmocka_unit_test(expect_after_exit), cmocka_unit_test(expect_prompt_back),
	    cmocka_unit_test(bad_pattern),	 cmocka_unit_test(typing),
	    cmocka_unit_test(exit_status),	 cmocka_unit_test(exit_timeout),
	};
	const struct CMUnitTest grading_tests[] = {
	    cmocka_unit_test(grading_summary), cmocka_unit_test(passed_scores),
	    cmocka_unit_test(failed_expect),   cmocka_unit_test(failed_status),
	    cmocka_unit_test(failed_assert),   cmocka_unit_test(hang_stopped),
	    cmocka_unit_test(junit),	       cmocka_unit_test(filters),
	    cmocka_unit_test(first_failure),
	};
	int failed = cmocka_run_group_tests_name("console driver", vm_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("grading", grading_tests, grade_fakes, clean_fakes);
	return failed != 0;
}
