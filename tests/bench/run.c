/*
 * run.c - boot one guest under QEMU, run the benchmark in it, and keep
 * its BENCH lines (tests/bench/bench.mk runs this once per configuration).
 *
 *	bench-run [-q] [-l] [-t secs] OUT 'qemu-system-... options'
 *
 * duet (the default): wait for the shell's prompt "$ ", type `bench`
 * (`bench -q` with -q), collect lines up to "BENCH done", then type
 * `poweroff`. With -l the guest is Linux whose /init is the benchmark
 * (tests/bench/linux.c): it prints the same lines and powers off by
 * itself. The console is driven with the grader's own vm.c, so a boot
 * that fails here fails the way a grader test would, with the last
 * console lines to show why.
 *
 * OUT gets the BENCH lines, after a "# qemu: ..." line saying how the
 * guest ran; OUT.console the whole transcript. Exit status 0 only if
 * every case printed a result or a skip line (that is all `make
 * bench-quick` checks: timings are not asserted).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/vm.h"

static struct vm *vm;
static long deadline; /* ms: when the whole run must be over */

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait at most ms for a step, and never past the deadline. */
static int within(int ms)
{
	long left = deadline - now_ms();
	return left < ms ? (left > 0 ? (int)left : 1) : ms;
}

/* ^C, or the backstop alarm: QEMU must not outlive us. */
static void on_signal(int sig)
{
	if (vm)
		vm_kill(vm);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void save(const char *out)
{
	char path[512];
	snprintf(path, sizeof(path), "%s.console", out);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(vm->log, f);
		fclose(f);
	}
}

static int fail(const char *out, const char *what)
{
	fprintf(stderr, "bench-run: %s: %s\n", what, vm->why);
	fprintf(stderr, "last console lines:\n%s\n", vm_tail(vm, 15));
	fprintf(stderr, "(whole transcript: %s.console)\n", out);
	save(out);
	vm_free(vm);
	return 1;
}

int main(int argc, char **argv)
{
	int quick = 0, is_linux = 0, opt;
	const char *l;
	int limit = 1800; /* seconds for the whole benchmark */
	while ((opt = getopt(argc, argv, "qlt:")) != -1) {
		if (opt == 'q')
			quick = 1;
		else if (opt == 'l')
			is_linux = 1;
		else if (opt == 't')
			limit = atoi(optarg);
		else
			goto usage;
	}
	if (argc - optind != 2)
		goto usage;
	const char *out = argv[optind], *cmd = argv[optind + 1];
	FILE *f = fopen(out, "w");
	if (!f) {
		perror(out);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGALRM, on_signal);
	deadline = now_ms() + limit * 1000L;
	alarm(limit + 60);

	fprintf(f, "# qemu: %s\n", cmd);
	if (!(vm = vm_start(cmd))) {
		perror("bench-run: cannot start QEMU");
		return 1;
	}
	/* Boot: seconds under TCG (Linux: about 7), more on a loaded machine. */
	if (!is_linux) {
		l = vm_expect(vm, "^\\$ |^panic: ", within(120000));
		if (!l || strncmp(l, "$ ", 2) != 0)
			return fail(out, "no shell prompt");
		vm_send(vm, quick ? "bench -q\r" : "bench\r");
	}

	/* One line per case; a case takes seconds, a slow one under icount
	   on a busy machine a few minutes. */
	int cases = 0, want = -1, bad = 0;
	/* The shell's prompt before "BENCH done": the bench died (or the
	   shell could not start it). */
	while ((l = vm_expect(vm, "^BENCH .*$|^panic: |Kernel panic|^\\$ ", within(600000)))) {
		if (strncmp(l, "BENCH ", 6) != 0) {
			snprintf(vm->why, sizeof(vm->why), "%s",
				 l[0] == '$' ? "the bench ended early" : "the kernel panicked");
			break;
		}
		fprintf(f, "%s\n", l);
		fflush(f);
		if (strncmp(l, "BENCH case=", 11) == 0) {
			cases++;
			if (strstr(l, " error=") || !(strstr(l, " ns=") || strstr(l, " skip=")))
				bad++;
		}
		if (sscanf(l, "BENCH done cases=%d", &want) == 1)
			break;
	}
	fclose(f);
	if (want < 0)
		return fail(out, "the benchmark did not finish");

	if (!is_linux) {
		vm_send(vm, "poweroff\r");
		if (!vm_expect(vm, "duet: powering off$", within(15000)))
			return fail(out, "no power-off");
	}
	if (vm_wait_exit(vm, within(30000)) != 0)
		return fail(out, "QEMU did not exit cleanly");
	save(out);
	vm_free(vm);

	if (cases != want || bad) {
		fprintf(stderr, "bench-run: %d case lines of %d, %d without a result or a skip\n",
			cases, want, bad);
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: bench-run [-q] [-l] [-t secs] OUT 'qemu command'\n");
	return 2;
}
