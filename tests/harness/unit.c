/*
 * unit.c - host unit tests as graded tests: grader -u bin[:points].
 *
 * A lab's host unit tests (tests/unit/test_<suite>.c, built as
 * build/host/test_<suite>) count in its score test by test, like the
 * QEMU tests: each cmocka test of the program becomes a result named
 * unit/<suite>/<test> (without the "test_" prefixes) on the arch "host",
 * worth points (1 unless -u says otherwise), once however many arches
 * are graded.
 *
 * The program runs once, in a process of its own with the grader's time
 * limit, with cmocka's XML output (CMOCKA_MESSAGE_OUTPUT=xml), which
 * gives each test's result, time and failure message. Which tests there
 * are comes from the program's source, not from its output: a program
 * that did not build, crashed or hung fails each of its tests with a
 * message saying so, and the maximum score does not depend on what the
 * student's code does.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/harness.h"

#define OUT_MAX (16 << 20) /* what a program may print that we read */
#define TAIL	10	   /* its last lines a message shows */

/* One unit test program, while its tests are added and run. */
struct unit {
	char bin[256];	/* build/host/test_ring */
	char src[300];	/* tests/unit/test_ring.c */
	char suite[64]; /* ring */
	char out[256];	/* everything it printed: <dir>/logs/host-unit-ring.out */
	int points;	/* per test */
	int first;	/* its first result in *res */
	char why[1024]; /* why every test failed (the program did not build, crashed...) */
	char *printed;	/* what it printed */
};

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A file's contents, at most max bytes of them, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *s = malloc(max + 1);
	size_t n = fread(s, 1, max, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

static const char *unprefixed(const char *name)
{
	return strncmp(name, "test_", 5) || !name[5] ? name : name + 5;
}

/* Blank s[i..j) out, keeping its newlines. */
static void blank(char *s, size_t i, size_t j)
{
	for (; i < j; i++)
		if (s[i] != '\n')
			s[i] = ' ';
}

/* Blank out the comments and the string and character literals of C source s. */
static void strip(char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		if (s[i] == '/' && s[i + 1] == '*') {
			char *e = strstr(s + i + 2, "*/");
			j = e ? (size_t)(e - s) + 2 : n;
		} else if (s[i] == '/' && s[i + 1] == '/') {
			j = i + strcspn(s + i, "\n");
		} else if (s[i] == '"' || s[i] == '\'') {
			for (j = i + 1; j < n && s[j] != s[i] && s[j] != '\n'; j++)
				j += s[j] == '\\' && j + 1 < n;
			j += j < n;
		}
		if (j > i) {
			blank(s, i, j);
			i = j - 1;
		}
	}
}

static int ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A new result for test name (as cmocka calls it) of u, appended to *res, not run yet. */
static struct result *add(struct unit *u, const char *name, struct result **res, int *n)
{
	*res = realloc(*res, (*n + 1) * sizeof(**res));
	struct result *r = &(*res)[(*n)++];
	memset(r, 0, sizeof(*r));
	struct test *t = calloc(1, sizeof(*t));
	if (asprintf((char **)&t->name, "unit/%s/%s", u->suite, unprefixed(name)) < 0)
		abort();
	t->points = u->points;
	r->run.test = t;
	r->run.arch = "host";
	r->unit = 1;
	snprintf(r->label, sizeof(r->label), "%s [host]", t->name);
	snprintf(r->out, sizeof(r->out), "%s", u->out);
	snprintf(r->cmocka, sizeof(r->cmocka), "%s", name);
	return r;
}

/*
 * Add a result for each test u's source runs: the first argument of
 * each cmocka_unit_test*() (cmocka_unit_test_setup_teardown(f, ...) and
 * the like), which is also the name cmocka gives the test.
 */
static int list(struct unit *u, struct result **res, int *n)
{
	char *s = slurp(u->src, OUT_MAX);
	if (!s) {
		fprintf(stderr, "grader: -u %s: cannot read its source %s: %s\n", u->bin, u->src,
			strerror(errno));
		return -1;
	}
	strip(s);
	const char *macro = "cmocka_unit_test";
	for (char *p = s; (p = strstr(p, macro)); p++) {
		if (p > s && ident(p[-1]))
			continue;
		char *q = p + strlen(macro);
		while (ident(*q))
			q++;
		while (isspace((unsigned char)*q))
			q++;
		if (*q++ != '(')
			continue;
		while (isspace((unsigned char)*q))
			q++;
		size_t len = 0;
		while (ident(q[len]))
			len++;
		if (len == 0 || len >= sizeof((*res)->cmocka))
			continue;
		char name[sizeof((*res)->cmocka)];
		snprintf(name, sizeof(name), "%.*s", (int)len, q);
		int dup = 0;
		for (int i = u->first; i < *n; i++)
			dup |= !strcmp((*res)[i].cmocka, name);
		if (!dup)
			add(u, name, res, n);
	}
	free(s);
	if (*n == u->first) {
		fprintf(stderr, "grader: -u %s: its source %s has no cmocka_unit_test*()\n", u->bin,
			u->src);
		return -1;
	}
	return 0;
}

/* Write the last TAIL lines of s into f, each behind "  | ", control characters as '?'. */
static void tail(FILE *f, const char *s)
{
	const char *p = s + strlen(s);
	if (p > s && p[-1] == '\n')
		p--;
	for (int lines = 0; p > s && !(p[-1] == '\n' && ++lines == TAIL); p--)
		;
	if (!*p) {
		fputs("  (it printed nothing)\n", f);
		return;
	}
	int bol = 1;
	for (; *p; p++) {
		if (bol)
			fputs("  | ", f);
		char c = (*p < ' ' && *p != '\n' && *p != '\t') || *p == 0x7f ? '?' : *p;
		fputc(c, f);
		bol = *p == '\n';
	}
	if (!bol)
		fputc('\n', f);
}

/*
 * Run u's program with cmocka's XML output into u->out; its stdin is
 * /dev/null. Leaves in u->why why each test fails if it did not exit
 * normally in time; returns how long it took, in seconds.
 */
static double run(struct unit *u, int limit)
{
	long t0 = now_ms();
	if (access(u->bin, X_OK) < 0) {
		snprintf(u->why, sizeof(u->why),
			 "there is no program %s: it did not build (`make %s` shows why), so each "
			 "of its tests fails\n",
			 u->bin, u->bin);
		return 0;
	}
	fflush(stdout); /* else the child would inherit what is still buffered */
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int fd = open(u->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int null = open("/dev/null", O_RDONLY);
		if (fd < 0 || null < 0)
			_exit(126);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("CMOCKA_MESSAGE_OUTPUT", "xml", 1);
		unsetenv("CMOCKA_XML_FILE"); /* the XML to stdout, every group's */
		unsetenv("CMOCKA_TEST_ABORT");
		execl(u->bin, u->bin, (char *)NULL);
		dprintf(2, "cannot run %s: %s\n", u->bin, strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		snprintf(u->why, sizeof(u->why), "cannot fork a process for %s\n", u->bin);
		return 0;
	}
	int st = 0, done = 0;
	while (!done && now_ms() - t0 < limit * 1000L) {
		done = waitpid(pid, &st, WNOHANG) == pid;
		if (!done)
			usleep(10000);
	}
	if (!done) {
		kill(-pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	double secs = (now_ms() - t0) / 1000.0;
	u->printed = slurp(u->out, OUT_MAX);
	if (!u->printed)
		u->printed = strdup("");
	if (!done)
		snprintf(
		    u->why, sizeof(u->why),
		    "%s ran out of time: its limit is %d s, so each of its tests fails (run it "
		    "by hand to see which one hangs)\n",
		    u->bin, limit);
	else if (WIFSIGNALED(st))
		snprintf(u->why, sizeof(u->why),
			 "%s died of signal %d (%s) before it reported its results, so each of its "
			 "tests fails (run it by hand to see which one crashes)\n",
			 u->bin, WTERMSIG(st), strsignal(WTERMSIG(st)));
	return secs;
}

/* The result of test name in u's, or a new one if the source did not list it. */
static struct result *find(struct unit *u, const char *name, struct result **res, int *n)
{
	for (int i = u->first; i < *n; i++)
		if (!strcmp((*res)[i].cmocka, name))
			return &(*res)[i];
	return add(u, name, res, n);
}

/*
 * Fill in u's results from the XML that cmocka printed at the end of
 * each group:
 *
 *	<testcase name="test_layout" time="0.000" >
 *	  <failure><![CDATA[0x3 != 0x2
 *	tests/unit/test_ring.c:154: error: Failure!]]></failure>
 *	</testcase>
 *
 * or <failure message="..." /> (an error, such as a failed setup), or
 * <skipped/>. A later report of a test replaces an earlier one, so that
 * what the tested code printed before cmocka's own report counts for
 * nothing.
 */
static void parse(struct unit *u, struct result **res, int *n)
{
	const char *open = "<testcase name=\"", *cdata = "<failure><![CDATA[";
	const char *attr = "<failure message=\"";
	for (char *p = u->printed; (p = strstr(p, open));) {
		p += strlen(open);
		size_t len = strcspn(p, "\"\n");
		if (len == 0 || len >= sizeof((*res)->cmocka) || p[len] != '"')
			continue;
		char name[sizeof((*res)->cmocka)];
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		p += len;
		char *end = strstr(p, "</testcase>"), *c = strstr(p, cdata), *a = strstr(p, attr);
		char *skip = strstr(p, "<skipped/>"), *t = strstr(p, "time=\"");
		if (!end)
			break;
		struct result *r = find(u, name, res, n);
		r->secs = t && t < end ? strtod(t + 6, NULL) : 0;
		r->passed = 1;
		free(r->output);
		r->output = NULL;
		size_t size = 0;
		FILE *f = open_memstream(&r->output, &size);
		if (c && c < end) {
			c += strlen(cdata);
			char *e = strstr(c, "]]></failure>");
			fprintf(f, "%.*s\n", (int)((e && e < end ? e : end) - c), c);
			r->passed = 0;
		} else if (a && a < end) {
			a += strlen(attr);
			fprintf(f, "cmocka reports an error: %.*s\n", (int)strcspn(a, "\"\n"), a);
			r->passed = 0;
		} else if (skip && skip < end) {
			fputs("the test skipped itself: a skipped test earns nothing\n", f);
			r->passed = 0;
		}
		if (!r->passed)
			fprintf(f, "(a test in %s; all it printed: %s)\n", u->bin, u->out);
		fclose(f);
		p = end;
	}
}

int unit_tests(const char *arg, const char *dir, int limit, int running, struct result **res,
	       int *n)
{
	struct unit u = {.points = 1, .first = *n};
	snprintf(u.bin, sizeof(u.bin), "%s", arg);
	char *colon = strrchr(u.bin, ':');
	if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
		u.points = atoi(colon + 1);
		*colon = '\0';
	}
	const char *base = strrchr(u.bin, '/') ? strrchr(u.bin, '/') + 1 : u.bin;
	snprintf(u.src, sizeof(u.src), "tests/unit/%s.c", base);
	snprintf(u.suite, sizeof(u.suite), "%s", unprefixed(base));
	snprintf(u.out, sizeof(u.out), "%s/logs/host-unit-%s.out", dir, u.suite);
	if (list(&u, res, n) < 0)
		return -1;
	if (!running)
		return 0;

	double secs = run(&u, limit);
	if (!u.why[0])
		parse(&u, res, n);
	/* What gave no result failed, with the reason; the first also shows what the program
	 * printed. */
	for (int i = u.first; i < *n; i++) {
		struct result *r = &(*res)[i];
		if (r->output && !u.why[0])
			continue;
		r->passed = 0;
		r->secs = i == u.first ? secs : 0;
		free(r->output);
		size_t size = 0;
		FILE *f = open_memstream(&r->output, &size);
		if (u.why[0])
			fputs(u.why, f);
		else
			fprintf(f, "%s exited without reporting this test's result\n", u.bin);
		if (u.printed && i == u.first) {
			fprintf(f, "last lines %s printed (all of them: %s):\n", u.bin, u.out);
			tail(f, u.printed);
		} else if (u.printed) {
			fprintf(f, "(what it printed: %s)\n", u.out);
		}
		fclose(f);
	}
	free(u.printed);
	return 0;
}
