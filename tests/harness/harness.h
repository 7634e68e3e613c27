/*
 * harness.h - what the harness's own files share with each other (tests include grade.h).
 *
 * grade.c runs the tests and check.c gives them their checks; report.c
 * writes the results in the formats course staff import.
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
	char *output; /* what it wrote: notes and failure messages */
};

/* check.c: set up the test process for run r (limit in seconds), and clean up after it. */
void run_begin(struct run *r, int limit);
void run_end(void);

/* report.c: write results.json and junit.xml into dir; -1 if a file cannot be written. */
int write_reports(const char *dir, const struct result *res, int n);
