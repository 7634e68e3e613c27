/*
 * grade.c - the grader: select tests, run them, print a line each and the score.
 *
 * Each test runs in a child process of its own, as a cmocka group of one
 * test, so that its result is known on its own, a crash or a hang costs
 * only that test, and a few can run at once (-j; two suit a 2-core
 * machine). The child's output goes to a file; the parent prints the
 * results in table order and writes the reports when all are done.
 * Host unit test programs (-u, unit.c) run first, each test of them a
 * result of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/harness.h"

static const char *arch_names[] = {"riscv64", "x86_64"}; /* bit i of ALL */
#define NARCH 2

struct opts {
	int arches;	 /* RISCV64, X86_64 or ALL */
	int cpus;	 /* for tests that do not fix their own */
	int jobs;	 /* tests at once */
	int limit;	 /* seconds a test may take, in all */
	const char *dir; /* results go here */
	unsigned seed;	 /* of the random inputs: -s repeats a run */
	int verbose;	 /* show every test's output, not only failures' */
	int first;	 /* -x: start no QEMU test once one test has failed */
	char **filters;	 /* select tests by name */
	int nfilters;
	char **units; /* -u: host unit test programs, "bin[:points]" */
	int nunits;
	int namew; /* the name column's width */
};

/* mkdir -p */
static void mkdirs(const char *path)
{
	char *p = strdup(path);
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			perror(p);
		if (!s)
			break;
		*s = '/';
	}
	free(p);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: grader [-a riscv64|x86_64|all] [-c cpus] [-j jobs] [-t secs] [-o dir]\n"
		"              [-s seed] [-l] [-v] [-x] [-u bin[:points]]... [filter...]\n"
		"  a filter selects the tests whose name starts with it or matches it as a glob\n"
		"  -l lists the selected tests; -v shows the output of passed tests too\n"
		"  -x starts no QEMU test once a test has failed (each scores 0, \"not run\"):\n"
		"     enough to show that a tree fails, in a moment (labs/test-labs.sh)\n"
		"  -u grades each test of the host unit test program bin (source\n"
		"     tests/unit/<bin's name>.c) as unit/<suite>/<test>, worth points (1);\n"
		"     with -u and no filter, no QEMU test runs\n");
	exit(2);
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int selected(const char *name, const struct opts *o)
{
	for (int i = 0; i < o->nfilters; i++) {
		const char *f = o->filters[i];
		if (!strncmp(name, f, strlen(f)) || !fnmatch(f, name, 0))
			return 1;
	}
	return o->nfilters == 0;
}

/* Fill in r for test t on arch a. */
static void add(struct result *r, const struct test *t, int a, const struct opts *o)
{
	memset(r, 0, sizeof(*r));
	r->run.test = t;
	r->run.arch = arch_names[a];
	r->run.cpus = t->cpus ? t->cpus : o->cpus;
	/* The seed depends on the test, not on what else runs: -s repeats any one test. */
	r->run.seed = o->seed;
	for (const char *p = t->name; *p; p++)
		r->run.seed = r->run.seed * 31 + *p;
	r->run.seed += a;
	snprintf(r->label, sizeof(r->label), "%s [%s]", t->name, r->run.arch);
	/* Files: logs/riscv64-boot-echo.out; a '/' would make a directory. */
	char base[128];
	snprintf(base, sizeof(base), "%s-%s", r->run.arch, t->name);
	for (char *p = base; *p; p++)
		*p = *p == '/' ? '-' : *p;
	snprintf(r->out, sizeof(r->out), "%s/logs/%s.out", o->dir, base);
	snprintf(r->log, sizeof(r->log), "%s/logs/%s.console", o->dir, base);
}

/* Append to *res (*n of them) every (test, arch) pair the options select, in table order. */
static void select_tests(const struct test *const *suites, const struct opts *o,
			 struct result **res, int *n)
{
	for (int s = 0; suites[s]; s++) {
		for (const struct test *t = suites[s]; t->name; t++) {
			for (int a = 0; a < NARCH; a++) {
				if ((t->arches & o->arches & (1 << a)) && selected(t->name, o)) {
					*res = realloc(*res, (*n + 1) * sizeof(**res));
					add(&(*res)[*n], t, a, o);
					(*n)++;
				}
			}
		}
	}
}

static void call(void **state)
{
	struct run *r = *state;
	r->test->fn(r);
}

/* In the child: run one test as a cmocka group of one, and exit 0 if it passed. */
static void child(struct result *r, const struct opts *o)
{
	/* If the grader dies (killed by CI, say), the test cleans up as if interrupted. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	int fd = open(r->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(r->out);
		_exit(1);
	}
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	/* Unbuffered, so cmocka's lines and ours reach the file in the order they were written. */
	setvbuf(stdout, NULL, _IONBF, 0);
	srandom(r->run.seed);
	r->run.log = r->log;
	run_begin(&r->run, o->limit);
	/* Subunit is cmocka's output that keeps messages together, framed in lines we strip. */
	cmocka_set_message_output(CM_OUTPUT_SUBUNIT);
	const struct CMUnitTest t[] = {
	    {.name = r->label, .test_func = call, .initial_state = &r->run}};
	int failed = cmocka_run_group_tests_name(r->label, t, NULL, NULL);
	run_end();
	_exit(failed ? 1 : 0);
}

/*
 * Read what the child wrote, without cmocka's subunit framing: the lines
 * "test: L", "success: L", and "failure: L [" ... "]" around the details.
 */
static char *read_output(struct result *r)
{
	char test[128], success[128], failure[128];
	snprintf(test, sizeof(test), "test: %s\n", r->label);
	snprintf(success, sizeof(success), "success: %s\n", r->label);
	snprintf(failure, sizeof(failure), "failure: %s [\n", r->label);
	FILE *f = fopen(r->out, "r");
	char *out = NULL, *line = NULL;
	size_t size = 0, cap = 0;
	FILE *m = open_memstream(&out, &size);
	int framed = 0;
	while (f && getline(&line, &cap, f) > 0) {
		if (!strcmp(line, test) || !strcmp(line, success))
			continue;
		if (!strcmp(line, failure) || (framed && !strcmp(line, "]\n"))) {
			framed = !framed;
			continue;
		}
		fputs(line, m);
	}
	free(line);
	if (f)
		fclose(f);
	fclose(m);
	return out;
}

static void launch(struct result *r, const struct opts *o)
{
	fflush(stdout); /* else the child would inherit what is still buffered */
	fflush(stderr);
	r->start = now_ms();
	r->pid = fork();
	if (r->pid == 0)
		child(r, o);
	if (r->pid < 0) {
		r->output = strdup("cannot fork a process for the test\n");
		r->pid = 0;
	}
}

static void finish(struct result *r, int st)
{
	r->secs = (now_ms() - r->start) / 1000.0;
	r->passed = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	r->output = read_output(r);
	if (WIFSIGNALED(st)) {
		char *s;
		if (asprintf(&s, "%sthe test process died of signal %d\n", r->output,
			     WTERMSIG(st)) >= 0) {
			free(r->output);
			r->output = s;
		}
	}
	r->pid = 0;
}

static void print(const struct result *r, const struct opts *o)
{
	const struct test *t = r->run.test;
	printf("%-8s %-*s %-4s %3d/%-3d %6.1fs\n", r->run.arch, o->namew, t->name,
	       r->passed    ? "ok"
	       : r->skipped ? "SKIP"
			    : "FAIL",
	       r->passed ? t->points : 0, t->points, r->secs);
	if (!r->passed || o->verbose) {
		/* Indented, so the eye finds the next result line. */
		for (const char *p = r->output; *p;) {
			int n = strcspn(p, "\n");
			printf("    %.*s\n", n, p);
			p += n + (p[n] == '\n');
		}
	}
}

static void list(const struct result *res, int n, const struct opts *o)
{
	for (int i = 0; i < n; i++) {
		printf("%-8s %-*s %3d points, ", res[i].run.arch, o->namew, res[i].run.test->name,
		       res[i].run.test->points);
		if (res[i].unit)
			printf("host unit test %s\n", res[i].cmocka);
		else
			printf("%d CPUs\n", res[i].run.cpus);
	}
}

/* -x: a test not started because an earlier one failed. It fails (scores 0). */
static void not_run(struct result *r)
{
	r->skipped = 1;
	r->output = strdup("not run: an earlier test failed (grader -x)\n");
}

/*
 * Run them all, at most o->jobs at once, printing each result in table
 * order. With -x, once a test has failed (failed: a unit test already
 * had) the tests not yet started are skipped; those running finish.
 */
static void run_all(struct result *res, int n, const struct opts *o, int failed)
{
	int next = 0, shown = 0, running = 0;
	while (shown < n) {
		for (; running < o->jobs && next < n; next++) {
			for (int i = 0; i < next; i++)
				failed |= res[i].output && !res[i].passed;
			if (o->first && failed) {
				not_run(&res[next]);
				continue;
			}
			launch(&res[next], o);
			running += res[next].pid > 0;
		}
		if (running > 0) {
			int st;
			pid_t pid = wait(&st);
			for (int i = 0; pid > 0 && i < next; i++) {
				if (res[i].pid == pid) {
					finish(&res[i], st);
					running--;
				}
			}
		}
		while (shown < next && res[shown].pid == 0 && res[shown].output)
			print(&res[shown++], o);
	}
}

int grade_main(int argc, char **argv, const struct test *const *suites)
{
	struct opts o = {.arches = ALL, .cpus = 2, .jobs = 2, .limit = 900, .dir = "build/results"};
	o.seed = time(NULL) ^ getpid();
	int c, listing = 0;
	while ((c = getopt(argc, argv, "a:c:j:t:o:s:lvxu:")) != -1) {
		switch (c) {
		case 'a':
			o.arches = 0;
			for (int a = 0; a < NARCH; a++)
				if (!strcmp(optarg, "all") || !strcmp(optarg, arch_names[a]))
					o.arches |= 1 << a;
			if (!o.arches)
				usage();
			break;
		case 'c':
			o.cpus = atoi(optarg);
			break;
		case 'j':
			o.jobs = atoi(optarg);
			break;
		case 't':
			o.limit = atoi(optarg);
			break;
		case 'o':
			o.dir = optarg;
			break;
		case 's':
			o.seed = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			listing = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'x':
			o.first = 1;
			break;
		case 'u':
			o.units = realloc(o.units, (o.nunits + 1) * sizeof(*o.units));
			o.units[o.nunits++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (o.cpus < 1 || o.jobs < 1 || o.limit < 1)
		usage();
	o.filters = argv + optind;
	o.nfilters = argc - optind;
	/*
	 * Tests run make for the QEMU command lines. Under `make grade`, make's
	 * flags (-j and its jobserver, -n) would reach those makes too: the
	 * grader asks the build the same way however it was started.
	 */
	unsetenv("MAKEFLAGS");
	unsetenv("MFLAGS");

	char logs[300];
	snprintf(logs, sizeof(logs), "%s/logs", o.dir);
	if (!listing)
		mkdirs(logs);
	long t0 = now_ms();

	/* The unit tests first, run (unless listing) right here: they take a moment. */
	struct result *res = NULL;
	int n = 0;
	for (int i = 0; i < o.nunits; i++)
		if (unit_tests(o.units[i], o.dir, o.limit, !listing, &res, &n) < 0)
			return 2;
	int nunit = n;
	if (o.nfilters > 0 || o.nunits == 0)
		select_tests(suites, &o, &res, &n);
	if (n == 0) {
		fprintf(stderr, "grader: no test matches\n");
		return 2;
	}
	o.namew = 28;
	for (int i = 0; i < n; i++)
		if ((int)strlen(res[i].run.test->name) > o.namew)
			o.namew = strlen(res[i].run.test->name);
	if (listing) {
		list(res, n, &o);
		return 0;
	}

	setvbuf(stdout, NULL, _IOLBF, 0); /* a line as soon as a test ends, even into a pipe */
	printf("grading %d test%s, %d at a time (seed %u: -s %u repeats the random inputs)\n", n,
	       n == 1 ? "" : "s", o.jobs, o.seed, o.seed);
	int failed = 0;
	for (int i = 0; i < nunit; i++) {
		print(&res[i], &o);
		failed |= !res[i].passed;
	}
	run_all(res + nunit, n - nunit, &o, failed);

	int score = 0, max = 0, passed = 0;
	for (int i = 0; i < n; i++) {
		max += res[i].run.test->points;
		score += res[i].passed ? res[i].run.test->points : 0;
		passed += res[i].passed;
	}
	if (passed < n) {
		/* A CI log may keep only its end: name the failures there too,
		   each with its first line (indented: scripts that count the
		   result lines above count each test once) */
		printf("the failures again:\n");
		for (int i = 0; i < n; i++)
			if (!res[i].passed && !res[i].skipped)
				printf("  %s %s: %.*s\n", res[i].run.arch, res[i].run.test->name,
				       (int)strcspn(res[i].output, "\n"), res[i].output);
	}
	if (write_reports(o.dir, res, n) == 0)
		printf("took %.1f s; results in %s/results.json and %s/junit.xml, consoles in %s\n",
		       (now_ms() - t0) / 1000.0, o.dir, o.dir, logs);
	printf("Score: %d/%d\n", score, max);
	printf("%d passed, %d failed\n", passed, n - passed);
	for (int i = 0; i < n; i++) {
		free(res[i].output);
		if (res[i].unit) {
			free((char *)res[i].run.test->name);
			free((struct test *)res[i].run.test);
		}
	}
	free(res);
	free(o.units);
	return passed == n ? 0 : 1;
}
