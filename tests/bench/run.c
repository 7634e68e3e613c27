/*
 * run.c - boot one guest under QEMU, run the benchmark in it, and keep
 * its BENCH lines (tests/bench/bench.mk runs this once per configuration).
 *
 *	bench-run [-q] [-l] [-a ARGS] [-t secs] OUT 'qemu-system-... options'
 *
 * duet (the default): wait for the shell's prompt "$ ", type `bench`
 * (`bench -q` with -q; `bench ARGS` with -a ARGS: some cases only),
 * collect lines up to "BENCH done", then type
 * `poweroff`. With -l the guest is Linux whose /init is the benchmark
 * (tests/bench/linux.c): it prints the same lines and powers off by
 * itself. The console is driven with the grader's own vm.c, so a boot
 * that fails here fails the way a grader test would, with the last
 * console lines to show why.
 *
 * OUT gets the BENCH lines, after a "# qemu: ..." line saying how the
 * guest ran, and "# load: ..." lines with the host's load average when
 * the guest started and when it was done (the host is shared: a loaded
 * one makes times under plain TCG noisy); OUT.console the whole
 * transcript. Exit status 0 only if every case printed a result or a
 * skip line (timings are not asserted).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/vm.h"

static struct vm *vm;

/* "# load: 1.23 0.98 0.75": the host's load average over 1, 5 and 15 minutes */
static void load(FILE *f, const char *when)
{
	char buf[128] = "";
	FILE *l = fopen("/proc/loadavg", "r");
	if (l) {
		if (!fgets(buf, sizeof(buf), l))
			buf[0] = 0;
		fclose(l);
	}
	double a = 0, b = 0, c = 0;
	if (sscanf(buf, "%lf %lf %lf", &a, &b, &c) == 3)
		fprintf(f, "# load %s: %.2f %.2f %.2f\n", when, a, b, c);
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
	/* a panic: let the rest of its line (and the power-off) arrive, and say it */
	if (vm_seen(vm, "^panic: ")) {
		vm_expect(vm, "powering off", vm_within(3000));
		snprintf(vm->why, sizeof(vm->why), "%s", vm_seen(vm, "^panic: "));
	}
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
	const char *l, *args = "";
	int limit = 1800; /* seconds for the whole benchmark */
	while ((opt = getopt(argc, argv, "qla:t:")) != -1) {
		if (opt == 'q')
			quick = 1;
		else if (opt == 'l')
			is_linux = 1;
		else if (opt == 'a')
			args = optarg;
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
	vm_run_start(&vm, limit);
	alarm(limit + 60);

	fprintf(f, "# qemu: %s\n", cmd);
	load(f, "start");
	if (!(vm = vm_start(cmd))) {
		perror("bench-run: cannot start QEMU");
		return 1;
	}
	/* Boot: seconds under TCG (Linux: about 7), more on a loaded machine. */
	if (!is_linux) {
		l = vm_expect(vm, "^\\$ |^panic: ", vm_within(120000));
		if (!l || strncmp(l, "$ ", 2) != 0)
			return fail(out, "no shell prompt");
		char line[256];
		snprintf(line, sizeof(line), "bench%s%s%s\r", quick ? " -q" : "", *args ? " " : "",
			 args);
		vm_send(vm, line);
	}

	/* One line per case; a case takes seconds, a slow one under icount
	   on a busy machine a few minutes. */
	int cases = 0, want = -1, bad = 0;
	/* The shell's prompt before "BENCH done": the bench died (or the
	   shell could not start it). */
	while ((l = vm_expect(vm, "^BENCH .*$|^panic: |Kernel panic|^\\$ ", vm_within(600000)))) {
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
	load(f, "end");
	fclose(f);
	if (want < 0)
		return fail(out, "the benchmark did not finish");

	if (!is_linux) {
		vm_send(vm, "poweroff\r");
		if (!vm_expect(vm, "duet: powering off$", vm_within(15000)))
			return fail(out, "no power-off");
	}
	if (vm_wait_exit(vm, vm_within(30000)) != 0)
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
	fprintf(stderr, "usage: bench-run [-q] [-l] [-a args] [-t secs] OUT 'qemu command'\n");
	return 2;
}
