/*
 * test_uptime.c - lab boot's monitor command (kernel/monitor.c's
 * cmd_uptime) on the host: the line it prints, with the clock, the tick
 * count and the CPUs online set to values the test knows, and every one
 * of them different, so that a number in the wrong unit, or the wrong
 * number in a field, shows. (The grader's lab/boot-uptime checks the
 * same line against a running kernel, on 3 CPUs.)
 */
#include <stdio.h>

#include "host.h"

/* of <unistd.h>, whose syscall() is not the kernel's */
int dup(int fd);
int dup2(int fd, int to);
int close(int fd);

/* What the monitor reads, set by each test. */
static u64 now_ns, nticks;
static int nonline;
u64 arch_time_ns(void)
{
	return now_ns;
}
u64 ticks(void)
{
	return nticks;
}
int ncpu_online(void)
{
	return nonline;
}
u32 arch_cpu_hwid(int cpu)
{
	return 0x10 + cpu; /* not the logical number */
}
u64 page_free_count(void)
{
	return 0;
}
u64 page_total_count(void)
{
	return 0;
}
int console_getline(char *buf, int max)
{
	(void)buf, (void)max;
	return 0;
}
void arch_poweroff(int failed)
{
	(void)failed;
	abort();
}

#include "../../kernel/monitor.c"

/* What cmd_uptime prints (host printf: stdout, caught in a file). */
static char out[256];
static const char *uptime(void)
{
	char *argv[] = {"uptime", NULL};
	FILE *f = tmpfile();
	assert_non_null(f);
	fflush(stdout);
	int saved = dup(1);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(f), 1) >= 0);
	cmd_uptime(1, argv);
	fflush(stdout);
	assert_true(dup2(saved, 1) >= 0);
	close(saved);
	rewind(f);
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void setup_cpus(int online)
{
	memset(cpus, 0, sizeof(cpus));
	for (int i = 0; i < online; i++) {
		cpus[i].id = i;
		cpus[i].online = true;
	}
	nonline = online;
}

/* 2.345678 s, 1234 ticks, 3 CPUs, on cpu0: each number where it belongs. */
static void test_line(void **state)
{
	(void)state;
	setup_cpus(3);
	now_ns = 2345678901ull;
	nticks = 1234;
	assert_string_equal(uptime(), "up 2345 ms, 1234 ticks, 3 CPUs online, on cpu0\n");
}

/* Milliseconds, not microseconds or seconds: an hour up. */
static void test_ms(void **state)
{
	(void)state;
	setup_cpus(1);
	now_ns = 3600ull * 1000000000ull + 7000000;
	nticks = 36000;
	assert_string_equal(uptime(), "up 3600007 ms, 36000 ticks, 1 CPUs online, on cpu0\n");
}

/* The CPUs online, not the most the kernel could have (NCPU). */
static void test_cpus_online(void **state)
{
	(void)state;
	setup_cpus(2);
	now_ns = 5000000;
	nticks = 5;
	assert_string_equal(uptime(), "up 5 ms, 5 ticks, 2 CPUs online, on cpu0\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line),
	    cmocka_unit_test(test_ms),
	    cmocka_unit_test(test_cpus_online),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
