/*
 * printf.c - kernel printf and panic.
 *
 * printf formats into a small buffer first and writes it to the console
 * under one lock, so lines printed by different CPUs at the same time do
 * not interleave character by character.
 */
#include "kernel.h"

static struct spinlock print_lock = {0, "printf", -1};
static volatile int panicking; /* a CPU is in panic: others stay quiet */

struct linebuf {
	char buf[128];
	int len;
};

static void flush(struct linebuf *b)
{
	console_write(b->buf, b->len);
	b->len = 0;
}

static void linebuf_putc(void *arg, char c)
{
	struct linebuf *b = arg;
	if (b->len == (int)sizeof(b->buf))
		flush(b);
	b->buf[b->len++] = c;
}

static int vprintf(const char *fmt, va_list ap)
{
	struct linebuf b;
	b.len = 0;
	bool locked = !panicking;
	if (locked)
		spin_lock(&print_lock);
	int n = vformat(linebuf_putc, &b, fmt, ap);
	flush(&b);
	if (locked)
		spin_unlock(&print_lock);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/*
 * The first CPU to fail wins and reports; any other CPU that fails at
 * the same moment stops here quietly. From then on printing no longer
 * takes the lock: its holder may be the very code that failed.
 */
void panic_begin(void)
{
	arch_irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		for (;;)
			arch_relax();
}

/* Print "panic: cpuN: message" and power off, reporting failure. */
void panic(const char *fmt, ...)
{
	va_list ap;
	panic_begin();
	printf("panic: cpu%d: ", arch_cpu_id());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nduet: powering off after panic\n");
	arch_poweroff(1);
}
