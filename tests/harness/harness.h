/*
 * harness.h - what the harness's own files share with each other (tests include grade.h).
 *
 * grade.c runs the tests and check.c gives them their checks; unit.c
 * runs host unit test programs as graded tests; report.c writes the
 * results in the formats course staff import.
 */
#pragma once

#include "harness/grade.h"

/* One test on one arch, from selection to its line in the reports. */
struct result {
	struct run run;
	char label[96]; /* "boot/echo [riscv64]" */
	char out[256];	/* file that collects the test process's output */
	char log[256];	/* file for the transcripts of its consoles */
	pid_t pid;	/* the test process while it runs */
	long start;	/* when it started, in ms */
	double secs;	/* how long it took */
	int passed;
	int skipped;	 /* not run (grader -x): it fails */
	char *output;	 /* what it wrote: notes and failure messages */
	int unit;	 /* a host unit test (unit.c): its struct test is malloc'ed */
	char cmocka[80]; /* a unit test's name in cmocka: "test_layout" */
};

/* check.c: set up the test process for run r (limit in seconds), and clean up after it. */
void run_begin(struct run *r, int limit);
void run_end(void);

/*
 * unit.c: for grader -u bin[:points], append to *res (*n of them) one
 * result per test of the host unit test program bin, as its source
 * tests/unit/<bin's name>.c lists them, and if running is set run the
 * program (time limit in seconds, its output into dir/logs) and fill
 * them in. Returns -1, having said why, if the source lists no test.
 */
int unit_tests(const char *arg, const char *dir, int limit, int running, struct result **res,
	       int *n);

/* report.c: write results.json and junit.xml into dir; -1 if a file cannot be written. */
int write_reports(const char *dir, const struct result *res, int n);
