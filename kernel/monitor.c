/*
 * monitor.c - the kernel monitor: a tiny command line inside the kernel.
 *
 * Until user space exists, this is how a person (or the grader) talks to
 * a booted kernel: look at the CPUs and counters, trigger a fault on
 * purpose to see the panic report, power off. Lab 0 asks students to add
 * a command here; each command is one function in the table below.
 */
#include "kernel.h"

#define MAXARGS 8

struct command {
	const char *name;
	const char *help;
	void (*run)(int argc, char **argv);
};

static const struct command commands[];

static void cmd_help(int argc, char **argv);

static void cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	printf("\n");
}

static void cmd_cpus(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (int i = 0; i < NCPU; i++)
		if (cpus[i].online)
			printf("cpu%d hwid %u ticks %llu\n", i, arch_cpu_hwid(i), cpus[i].ticks);
}

static void cmd_ticks(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("%llu ticks, %llu ms since boot\n", ticks(), arch_time_ns() / 1000000);
}

static void cmd_mem(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("%llu of %llu pages free (%llu KiB)\n", page_free_count(), page_total_count(),
	       page_free_count() * PAGE_SIZE / 1024);
}

static void cmd_stats(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("cpu  syscalls  exceptions  interrupts  spurious\n");
	for (int i = 0; i < NCPU; i++) {
		struct cpu *c = &cpus[i];
		if (c->online)
			printf("%-4d %8llu  %10llu  %10llu  %8llu\n", i, c->entries[ENTRY_SYSCALL],
			       c->entries[ENTRY_EXCEPTION], c->entries[ENTRY_INTERRUPT],
			       c->spurious);
	}
}

/* An address nothing maps; volatile so the compiler cannot see through it. */
static volatile uptr unmapped_addr = 0x1000;

static void cmd_fault(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("reading %p on purpose...\n", (void *)unmapped_addr);
	(void)*(volatile u64 *)unmapped_addr;
	printf("...and nothing happened: %p is mapped?\n", (void *)unmapped_addr);
}

/*
 * uptime: how long this kernel has run and on how many CPUs, e.g.
 * "up 1234 ms, 123 ticks, 2 CPUs online, on cpu1". Lab 0 writes it.
 */
static void cmd_uptime(int argc, char **argv)
{
	/* LAB boot 1: BEGIN print time since boot, ticks, CPUs online and this CPU */
	/* STUB: (void)argc, (void)argv; printf("lab boot task 1: not written yet\n"); */
	(void)argc, (void)argv;
	printf("up %llu ms, %llu ticks, %d CPUs online, on cpu%d\n", arch_time_ns() / 1000000,
	       ticks(), ncpu_online(), mycpu()->id);
	/* LAB boot END */
}

static void cmd_poweroff(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("duet: powering off\n");
	arch_poweroff(0);
}

static const struct command commands[] = {
    {"help", "list commands", cmd_help},
    {"echo", "print the arguments", cmd_echo},
    {"cpus", "list CPUs with their ticks", cmd_cpus},
    {"ticks", "time since boot", cmd_ticks},
    {"uptime", "time since boot, ticks, CPUs (lab 0)", cmd_uptime},
    {"mem", "free physical memory", cmd_mem},
    {"stats", "kernel entries per CPU", cmd_stats},
    {"fault", "make a kernel page fault (to see a panic)", cmd_fault},
    {"poweroff", "turn the machine off", cmd_poweroff},
};

static void cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].help);
}

/* Split line into words in place; returns how many. */
static int split(char *line, char **argv)
{
	int argc = 0;
	while (*line && argc < MAXARGS) {
		while (*line == ' ')
			*line++ = '\0';
		if (!*line)
			break;
		argv[argc++] = line;
		while (*line && *line != ' ')
			line++;
	}
	return argc;
}

void monitor_run(void)
{
	char line[128];
	char *argv[MAXARGS];
	for (;;) {
		printf("K> ");
		console_getline(line, sizeof(line));
		int argc = split(line, argv);
		if (argc == 0)
			continue;
		size_t i = 0;
		while (i < ARRAY_SIZE(commands) && strcmp(argv[0], commands[i].name))
			i++;
		if (i < ARRAY_SIZE(commands))
			commands[i].run(argc, argv);
		else
			printf("unknown command: %s\n", argv[0]);
	}
}
