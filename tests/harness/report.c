/*
 * report.c - the results, in the formats course staff import.
 *
 * results.json is what Gradescope's autograder reads:
 *	{"score": 38, "max_score": 40, "tests": [
 *	 {"name": "boot/echo [riscv64]", "score": 2, "max_score": 2, "status": "passed",
 *	  "visibility": "visible", "output": "..."}, ...]}
 * with one test per line, so that a person (or the selftest) can grep it;
 * a host unit test (grader -u) is "unit/ring/layout [host]".
 * junit.xml is what CI systems show: a testsuite, one testcase per test,
 * a <failure> in each failed one, and the output in <system-out>; the
 * class is the arch ("host" for unit tests).
 */
#include <stdio.h>
#include <string.h>

#include "harness/harness.h"

/* A JSON string. Console output is ASCII; other bytes become '?' so the file stays UTF-8. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c < 0x80 ? c : '?', f);
	}
	fputc('"', f);
}

/* XML text or attribute value. XML 1.0 forbids most control characters: '?' for them. */
static void xml_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if ((c < 0x20 && c != '\n' && c != '\t') || c >= 0x80)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

static int score(const struct result *r)
{
	return r->passed ? r->run.test->points : 0;
}

static void json(FILE *f, const struct result *res, int n)
{
	int total = 0, max = 0;
	for (int i = 0; i < n; i++) {
		total += score(&res[i]);
		max += res[i].run.test->points;
	}
	fprintf(f, "{\"score\": %d, \"max_score\": %d, \"tests\": [\n", total, max);
	for (int i = 0; i < n; i++) {
		fputs("{\"name\": ", f);
		json_str(f, res[i].label);
		fprintf(f,
			", \"score\": %d, \"max_score\": %d, \"status\": \"%s\", "
			"\"visibility\": \"visible\", \"output\": ",
			score(&res[i]), res[i].run.test->points,
			res[i].passed ? "passed" : "failed");
		json_str(f, res[i].output);
		fputs(i + 1 < n ? "},\n" : "}\n", f);
	}
	fputs("]}\n", f);
}

static void junit(FILE *f, const struct result *res, int n)
{
	int failed = 0;
	double secs = 0;
	for (int i = 0; i < n; i++) {
		failed += !res[i].passed;
		secs += res[i].secs;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	fprintf(f, "<testsuite name=\"duet\" tests=\"%d\" failures=\"%d\" time=\"%.1f\">\n", n,
		failed, secs);
	for (int i = 0; i < n; i++) {
		const struct result *r = &res[i];
		/* The arch is the class, so CI tools group the tests per arch. */
		fprintf(f, "<testcase classname=\"%s\" name=\"", r->run.arch);
		xml_str(f, r->run.test->name);
		fprintf(f, "\" time=\"%.1f\">\n", r->secs);
		if (!r->passed) {
			/* The message attribute is the first line, the one that says what was
			 * expected. */
			char first[300];
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(r->output, "\n"),
				 r->output);
			fputs("<failure message=\"", f);
			xml_str(f, first);
			fputs("\"/>\n", f);
		}
		fputs("<system-out>", f);
		xml_str(f, r->output);
		fputs("</system-out>\n</testcase>\n", f);
	}
	fputs("</testsuite>\n</testsuites>\n", f);
}

int write_reports(const char *dir, const struct result *res, int n)
{
	char path[2][300];
	void (*writer[2])(FILE *, const struct result *, int) = {json, junit};
	snprintf(path[0], sizeof(path[0]), "%s/results.json", dir);
	snprintf(path[1], sizeof(path[1]), "%s/junit.xml", dir);
	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(path[i], "w");
		if (!f) {
			perror(path[i]);
			return -1;
		}
		writer[i](f, res, n);
		if (fclose(f) != 0) {
			perror(path[i]);
			return -1;
		}
	}
	return 0;
}
