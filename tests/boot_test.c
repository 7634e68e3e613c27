/*
 * boot_test.c - the first milestone: the kernel boots on every CPU, talks
 * on its console, powers off, reports a fault, boots through U-Boot, and
 * stops where gdb asks.
 *
 * What the kernel prints (kernel/main.c, kernel/monitor.c): a banner
 * "duet: booting on <arch> with <N> CPUs", a line "cpu<K>: online (hwid
 * <H>)" per CPU, "duet: <N>/<N> CPUs online". With "monitor" on the
 * kernel command line (QEMU -append) it then gives the kernel monitor's
 * "K> " prompt, which echoes what is typed and runs a command per line;
 * without, it starts init and the shell (tests/user_test.c).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/grade.h"

#define MAXCPU 16 /* most CPUs a test here boots with */

#define MONITOR " -append monitor"

/* Boot directly (no U-Boot) into the kernel monitor and wait for its prompt. */
static struct vm *boot_prompt(struct run *r)
{
	struct vm *vm = boot(r, "print-qemu", MONITOR);
	expect(vm, BOOT_MS, "K> ");
	return vm;
}

/* The banner names the arch and the CPU count; every CPU checks in, each with its own hwid. */
static void banner(struct run *r)
{
	char hwid[MAXCPU][32];
	check(NULL, r->cpus <= MAXCPU, "this test boots at most %d CPUs, not %d", MAXCPU, r->cpus);
	struct vm *vm = boot(r, "print-qemu", MONITOR);
	expect(vm, BOOT_MS, "^duet: booting on %s with %d CPUs$", r->arch, r->cpus);
	expect(vm, BOOT_MS, "^duet: %d/%d CPUs online", r->cpus, r->cpus);
	for (int k = 0; k < r->cpus; k++) {
		/* seen(), not expect(): CPUs come online at the same time, in any order. */
		const char *l = seen(vm, "^cpu%d: online \\(hwid (0x)?[0-9a-f]+\\)$", k);
		sscanf(strchr(l, '('), "(hwid %31[^)]", hwid[k]);
		for (int j = 0; j < k; j++)
			check(vm, strcmp(hwid[j], hwid[k]) != 0,
			      "cpu%d and cpu%d have the same hwid %s", j, k, hwid[k]);
	}
	expect(vm, CMD_MS, "K> ");
}

/*
 * What we type comes back: the UART's receive interrupt works. The words
 * are new each run, so no kernel can print them without reading them.
 */
static void echo(struct run *r)
{
	char w[10], a[10], b[10];
	randword(w, sizeof(w));
	randword(a, sizeof(a));
	randword(b, sizeof(b));
	struct vm *vm = boot_prompt(r);
	type(vm, "%s", w);
	expect(vm, CMD_MS, "%s", w); /* echoed before Enter is pressed */
	type(vm, "\r");
	expect(vm, CMD_MS, "^unknown command: %s$", w);
	expect(vm, CMD_MS, "K> ");
	type(vm, "echo %s %s\r", a, b);
	/* Anchored: the echo of the typed line ("K> echo ...") does not match. */
	expect(vm, CMD_MS, "^%s %s$", a, b);
}

/*
 * Every CPU's timer interrupts arrive: each CPU's tick count grows
 * between two `cpus`. Asked again every half second until it has: a busy
 * host may not run a CPU's thread for a while; a CPU whose timer never
 * fires fails after a minute.
 */
static void ticks(struct run *r)
{
	unsigned long long t0[MAXCPU], t[MAXCPU];
	check(NULL, r->cpus <= MAXCPU, "this test boots at most %d CPUs, not %d", MAXCPU, r->cpus);
	struct vm *vm = boot_prompt(r);
	int stuck = -1;
	for (int i = 0; i < 120 && (i < 2 || stuck >= 0); i++) {
		if (i > 0)
			usleep(500 * 1000);
		type(vm, "cpus\r");
		for (int k = 0; k < r->cpus; k++) {
			const char *l =
			    expect(vm, CMD_MS, "^cpu%d hwid (0x)?[0-9a-f]+ ticks [0-9]+$", k);
			sscanf(strstr(l, " ticks "), " ticks %llu", &t[k]);
			if (i == 0)
				t0[k] = t[k];
		}
		expect(vm, CMD_MS, "K> ");
		stuck = -1;
		for (int k = 0; k < r->cpus && stuck < 0; k++)
			if (t[k] <= t0[k])
				stuck = k;
	}
	check(vm, stuck < 0, "cpu%d's ticks did not grow in a minute: %llu, then %llu", stuck,
	      stuck < 0 ? 0 : t0[stuck], stuck < 0 ? 0 : t[stuck]);
}

/* `poweroff` stops QEMU cleanly: exit status 0. */
static void poweroff(struct run *r)
{
	struct vm *vm = boot_prompt(r);
	clean_poweroff(vm);
}

/* A kernel page fault is reported - which CPU, which trap, where - and stops QEMU with an error. */
static void fault(struct run *r)
{
	struct vm *vm = boot_prompt(r);
	type(vm, "fault\r");
	const char *l = expect(vm, CMD_MS,
			       "^panic: cpu[0-9]+: [^ (][^(]* \\(cause (0x)?[0-9a-f]+\\) "
			       "pc (0x)?[0-9a-f]+ addr (0x)?[0-9a-f]+");
	int cpu = -1;
	sscanf(l, "panic: cpu%d", &cpu);
	check(vm, cpu < r->cpus, "the panic names cpu%d, but there are %d CPUs", cpu, r->cpus);
	expect_exit(vm, NONZERO, EXIT_MS);
}

/*
 * The boot a real board does: firmware, U-Boot, the kernel, user space
 * (U-Boot passes no "monitor"); then a clean power-off from the shell. A
 * U-Boot that cannot start the kernel ends at its "=> " prompt: fail
 * then, rather than after the whole timeout.
 */
static void uboot(struct run *r)
{
	struct vm *vm = boot(r, "print-qemu-uboot", "");
	expect(vm, UBOOT_MS, "^U-Boot ");
	const char *l =
	    expect(vm, UBOOT_MS, "^duet: booting on %s with %d CPUs$|^=> ", r->arch, r->cpus);
	check(vm, strncmp(l, "=> ", 3) != 0,
	      "U-Boot did not start the kernel: it is at its prompt");
	expect(vm, BOOT_MS, "\\$ ");
	clean_poweroff(vm);
}

/* gdb, started as the handout says (reading .gdbinit), stops the kernel in kmain(). */
static void gdb_kmain(struct run *r)
{
	char extra[64];
	int port = free_port();
	snprintf(extra, sizeof(extra), " -S -gdb tcp::%d", port);
	boot(r, "print-qemu", extra);
	struct vm *g = gdb(r, port, "-ex 'break kmain' -ex continue -ex bt");
	expect(g, BOOT_MS, "^#0 +(0x[0-9a-f]+ in )?kmain ");
	expect_exit(g, 0, EXIT_MS);
}

/*
 * gdb also stops in a user program: init's main(), which every boot
 * reaches. A hardware breakpoint, as docs/debugging.md explains: a
 * software one would be written into whatever is mapped at that address
 * when gdb inserts it.
 */
static void gdb_user(struct run *r)
{
	char extra[64], args[256];
	int port = free_port();
	snprintf(extra, sizeof(extra), " -S -gdb tcp::%d", port);
	boot(r, "print-qemu", extra);
	snprintf(args, sizeof(args),
		 "-ex 'add-symbol-file build/%s/user/bin/init' -ex 'hbreak main' -ex continue "
		 "-ex bt",
		 r->arch);
	struct vm *g = gdb(r, port, args);
	expect(g, BOOT_MS, "^#0 +(0x[0-9a-f]+ in )?main \\(\\) at user/bin/init\\.c:[0-9]+$");
	expect_exit(g, 0, EXIT_MS);
}

/*
 * Lab 0 (labs/boot): the monitor's `uptime` prints "up <ms> ms, <ticks>
 * ticks, <N> CPUs online, on cpu<K>". The times vary per run
 * and must lie between two `ticks` readings taken around it,
 * so no fixed string can pass.
 */
static void lab_uptime(struct run *r)
{
	unsigned long long t0, m0, t1, m1, ut, um;
	int n = -1, k = -1;
	struct vm *vm = boot_prompt(r);
	type(vm, "ticks\r");
	const char *l = expect(vm, CMD_MS, "^[0-9]+ ticks, [0-9]+ ms since boot$");
	sscanf(l, "%llu ticks, %llu ms", &t0, &m0);
	usleep(200 * 1000);
	type(vm, "uptime\r");
	l = expect(vm, CMD_MS,
		   "^up [0-9]+ ms, [0-9]+ ticks, [0-9]+ CPUs online, on cpu[0-9]+$|"
		   "^lab boot task 1");
	check(vm, strncmp(l, "lab ", 4) != 0, "uptime is not written yet: \"%s\"", l);
	sscanf(l, "up %llu ms, %llu ticks, %d CPUs online, on cpu%d", &um, &ut, &n, &k);
	usleep(200 * 1000);
	type(vm, "ticks\r");
	l = expect(vm, CMD_MS, "^[0-9]+ ticks, [0-9]+ ms since boot$");
	sscanf(l, "%llu ticks, %llu ms", &t1, &m1);
	check(vm, n == r->cpus, "uptime says %d CPUs online, the machine has %d", n, r->cpus);
	check(vm, k >= 0 && k < r->cpus, "uptime runs on cpu%d, there are %d CPUs", k, r->cpus);
	check(vm, m0 <= um && um <= m1, "uptime says %llu ms, not between %llu and %llu", um, m0,
	      m1);
	check(vm, t0 <= ut && ut <= t1, "uptime says %llu ticks, not between %llu and %llu", ut, t0,
	      t1);
	check(vm, m1 > m0, "400 ms passed, but ticks says %llu ms, then %llu ms", m0, m1);
}

const struct test boot_tests[] = {
    {"boot/banner-1cpu", 2, ALL, banner, 1},
    {"boot/banner-2cpu", 2, ALL, banner, 2},
    {"boot/banner-3cpu", 2, ALL, banner, 3},
    {"boot/banner-4cpu", 2, ALL, banner, 4},
    {"boot/echo", 2, ALL, echo, 0},
    {"boot/ticks", 2, ALL, ticks, 0},
    {"boot/poweroff", 2, ALL, poweroff, 0},
    {"boot/fault", 2, ALL, fault, 0},
    {"boot/uboot", 2, ALL, uboot, 0},
    {"boot/gdb", 2, ALL, gdb_kmain, 0},
    {"boot/gdb-user", 2, ALL, gdb_user, 0},
    {"lab/boot-uptime", 4, ALL, lab_uptime, 3},
    {0},
};
