/*
 * main.c - where the kernel starts, after the arch's boot code.
 *
 * The boot CPU runs kmain(): it brings up the console, memory and
 * interrupts in an order where each step only needs the ones before it,
 * starts the other CPUs, waits until they have all checked in, starts
 * init and becomes a scheduler. The others run kmain_secondary().
 */
#include "proc.h"

/* Does the space-separated list s contain word? */
static bool has_word(const char *s, const char *word)
{
	size_t n = strlen(word);
	while (*s) {
		while (*s == ' ')
			s++;
		size_t len = 0;
		while (s[len] && s[len] != ' ')
			len++;
		if (len == n && !strncmp(s, word, n))
			return true;
		s += len;
	}
	return false;
}

/*
 * The value of the word "name=value" on the kernel command line, into
 * buf (NUL-terminated, cut to n - 1 bytes); false if there is none.
 */
bool cmdline_get(const char *name, char *buf, size_t n)
{
	size_t len = strlen(name);
	for (const char *s = arch_cmdline(); *s;) {
		while (*s == ' ')
			s++;
		size_t w = 0;
		while (s[w] && s[w] != ' ')
			w++;
		if (w > len && s[len] == '=' && !strncmp(s, name, len)) {
			size_t k = 0;
			for (const char *v = s + len + 1; v < s + w && k + 1 < n; v++)
				buf[k++] = *v;
			buf[k] = 0;
			return true;
		}
		s += w;
	}
	return false;
}

/*
 * "input=a,b" on the command line: the console's input starts with the
 * lines a and b, as if typed (a comma ends a line) - for a machine with
 * nobody at its console: tests/bochs runs uintrtest so in Bochs, whose
 * serial port only writes to a file.
 */
static void preload_input(void)
{
	char line[128];
	if (!cmdline_get("input", line, sizeof(line)))
		return;
	for (const char *c = line; *c; c++)
		console_input(*c == ',' ? '\r' : *c);
	console_input('\r');
}

static void cpu_online(void)
{
	struct cpu *c = mycpu();
	printf("cpu%d: online (hwid %u)\n", c->id, arch_cpu_hwid(c->id));
	/* release: our set-up is visible to whoever sees online == true */
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
}

void kmain(void)
{
	for (int i = 0; i < NCPU; i++)
		cpus[i].id = i;
	uart_init();	   /* first, so that even an early panic is readable */
	arch_early_init(); /* traps, per-CPU register, firmware tables */
	int n = arch_cpu_count();
	printf("\nduet: booting on %s with %d CPUs\n", ARCH_NAME, n);

	page_init(); /* physical pages */
	vm_init();   /* the kernel page table */
	arch_init(); /* interrupt controller, timer */
	irq_register(arch_uart_irq(), uart_intr);
	cpu_online();

	arch_start_cpus();
	u64 deadline = arch_time_ns() + CPU_WAIT_NS;
	while (ncpu_online() < n && arch_time_ns() < deadline)
		arch_relax();
	if (ncpu_online() < n)
		panic("only %d of %d CPUs came online", ncpu_online(), n);
	printf("duet: %d/%d CPUs online, %llu MiB free\n", ncpu_online(), n,
	       page_free_count() * PAGE_SIZE >> 20);

	/* "monitor" on the kernel command line: the kernel's own prompt, no user space */
	if (has_word(arch_cmdline(), "monitor"))
		monitor_run();
	preload_input();
	proc_init_start(console_file());
	scheduler();
}

void kmain_secondary(void)
{
	cpu_online();
	scheduler();
}
