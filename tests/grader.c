/*
 * grader.c - the grader's main(): the list of test tables.
 *
 * Each milestone's tests live in a tests/<name>_test.c of their own that
 * ends with a table; add the table here. `make grade` and `make test`
 * build every tests/<name>_test.c into the grader.
 */
#include "harness/grade.h"

extern const struct test boot_tests[];
extern const struct test user_tests[];
extern const struct test thread_tests[];
extern const struct test uintr_tests[];
extern const struct test robust_tests[];
extern const struct test pipe_tests[];
extern const struct test fs_tests[];
extern const struct test shell_tests[];
extern const struct test dev_tests[];
extern const struct test net_tests[];
extern const struct test disk_tests[];
extern const struct test perf_tests[];

static const struct test *const suites[] = {
    boot_tests,	  user_tests, thread_tests, uintr_tests, pipe_tests, fs_tests, shell_tests,
    robust_tests, dev_tests,  net_tests,    disk_tests,	 perf_tests, NULL,
};

int main(int argc, char **argv)
{
	return grade_main(argc, argv, suites);
}
