/*
 * robust_run.c - boot duet under QEMU, run one command at its shell and
 * show what it prints: the stress runs that are not in CI (`make fuzz`,
 * `make grind`; tests/robust.mk), and a handy way to run usertests by hand.
 *
 *	robust-run [-t secs] [-o log] 'command' 'regex' 'qemu-system-... options'
 *
 * Waits for the shell's prompt "$ ", types the command, and copies every
 * console line to stdout as it arrives until a line matches regex (the
 * command's last line, which says it passed), then types `poweroff`. The
 * run fails - exit status 1, with the reason and the last console lines -
 * if the kernel panics, QEMU exits, the prompt comes back first (the
 * command ended without saying it passed), or secs (default 3600) run
 * out; and if any line started with "FAIL", even when the verdict came. The console is driven with
 *the grader's own vm.c; the whole transcript goes to log (-o) if given.
 */
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/vm.h"

static struct vm *vm;

static void save(const char *log)
{
	FILE *f = log ? fopen(log, "w") : NULL;
	if (f) {
		fputs(vm->log, f);
		fclose(f);
	}
}

static int fail(const char *log, const char *what)
{
	fflush(stdout);
	fprintf(stderr, "robust-run: %s%s%s\n", what, vm->why[0] ? ": " : "", vm->why);
	fprintf(stderr, "last console lines:\n%s\n", vm_tail(vm, 20));
	if (log)
		fprintf(stderr, "(whole transcript: %s)\n", log);
	save(log);
	vm_free(vm);
	return 1;
}

int main(int argc, char **argv)
{
	const char *log = NULL;
	int limit = 3600, opt;
	while ((opt = getopt(argc, argv, "t:o:")) != -1) {
		if (opt == 't')
			limit = atoi(optarg);
		else if (opt == 'o')
			log = optarg;
		else
			goto usage;
	}
	if (argc - optind != 3)
		goto usage;
	const char *cmd = argv[optind], *done = argv[optind + 1], *qemu = argv[optind + 2];
	regex_t re;
	if (regcomp(&re, done, REG_EXTENDED | REG_NOSUB) != 0) {
		fprintf(stderr, "robust-run: bad regex %s\n", done);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	vm_run_start(&vm, limit);
	alarm(limit + 60);

	if (!(vm = vm_start(qemu))) {
		perror("robust-run: cannot start QEMU");
		return 1;
	}
	const char *l = vm_expect(vm, "^\\$ |^panic: ", vm_within(120000));
	if (!l || strncmp(l, "$ ", 2) != 0)
		return fail(log, "no shell prompt");
	vm_send(vm, cmd);
	vm_send(vm, "\r");

	/* Every line until the verdict. The prompt's own line ends with the
	   echo of what we typed; a prompt after that is the shell's next one. */
	bool passed = false;
	char first_fail[256] = "";
	while ((l = vm_expect(vm, "^.*$|^\\$ ", vm_within(3600 * 1000)))) {
		if (!strcmp(l, "$ ")) {
			snprintf(vm->why, sizeof(vm->why), "the shell's prompt came back first");
			return fail(log, "the command ended without passing");
		}
		printf("%s\n", l);
		if (strncmp(l, "panic: ", 7) == 0)
			return fail(log, "the kernel panicked");
		if (strncmp(l, "FAIL", 4) == 0 && !first_fail[0])
			snprintf(first_fail, sizeof(first_fail), "%s", l);
		if (regexec(&re, l, 0, NULL, 0) == 0) {
			passed = true;
			break;
		}
	}
	if (!passed)
		return fail(log, "no verdict");
	if (first_fail[0]) {
		snprintf(vm->why, sizeof(vm->why), "%s", first_fail);
		return fail(log, "a check failed");
	}
	vm_send(vm, "poweroff\r");
	if (!vm_expect(vm, "duet: powering off$", vm_within(30000)))
		return fail(log, "no power-off");
	if (vm_wait_exit(vm, vm_within(30000)) != 0)
		return fail(log, "QEMU did not exit cleanly");
	save(log);
	vm_free(vm);
	return 0;
usage:
	fprintf(stderr, "usage: robust-run [-t secs] [-o log] 'command' 'regex' 'qemu command'\n");
	return 2;
}
