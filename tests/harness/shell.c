/*
 * shell.c - driving duet's shell from a test (shell.h).
 */
#include <stdio.h>

#include "harness/shell.h"

struct vm *shell(struct run *r)
{
	struct vm *vm = boot(r, "print-qemu", "");
	expect(vm, BOOT_MS, PROMPT);
	return vm;
}

struct vm *answer(struct run *r, const char *prog, const char *w, int ms)
{
	struct vm *vm = shell(r);
	command(vm, "%s\r", prog);
	expect(vm, ms, "^%s: type a line$", prog);
	command(vm, "%s\r", w);
	return vm;
}

int checks_passed(struct vm *vm, const char *prog, int ms, int min)
{
	vm->idle = "$ "; /* prog runs in the foreground: its end is the prompt */
	const char *l = expect(vm, ms, "^%s: [0-9]+ passed, [0-9]+ failed$", prog);
	char fmt[64];
	int passed = -1, failed = -1;
	snprintf(fmt, sizeof(fmt), "%s: %%d passed, %%d failed", prog);
	sscanf(l, fmt, &passed, &failed);
	const char *f = vm_seen(vm, "^FAIL ");
	check(vm, !f, "%s: %s", prog, f);
	check(vm, failed == 0, "%s counted %d failed checks", prog, failed);
	check(vm, passed >= min, "%s ran %d checks, fewer than %d", prog, passed, min);
	return passed;
}
