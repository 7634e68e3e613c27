/*
 * host.h - run portable kernel files inside a cmocka test program.
 *
 * A test includes this header and then the kernel .c file it tests, so
 * it can reach the file's static functions too. Here are host versions
 * of what those files call: one CPU, interrupts that are only a flag,
 * and a panic() that fails the test through cmocka (a test that expects
 * a panic wraps the call in expect_assert_failure()).
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>

#include "kernel.h"

/* The host's printf is the C library's; vformat is tested on its own. */
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

static bool host_irq_on;
struct cpu cpus[NCPU];

int arch_cpu_id(void)
{
	return 0;
}
bool arch_irq_enabled(void)
{
	return host_irq_on;
}
void arch_irq_enable(void)
{
	host_irq_on = true;
}
void arch_irq_disable(void)
{
	host_irq_on = false;
}
void arch_relax(void) {}
struct cpu *mycpu(void)
{
	return &cpus[0];
}

/*
 * Spinlocks on one host thread: nothing to wait for, but the discipline
 * is checked. A panic longjmps out of the code that held a lock, which
 * the real kernel never survives; here panic() lets go of it.
 */
static struct spinlock *host_held;

void spin_init(struct spinlock *l, const char *name)
{
	l->locked = 0;
	l->name = name;
}
void spin_lock(struct spinlock *l)
{
	assert_int_equal(l->locked, 0);
	l->locked = 1;
	host_held = l;
}
void spin_unlock(struct spinlock *l)
{
	assert_int_equal(l->locked, 1);
	l->locked = 0;
	host_held = NULL;
}

void panic(const char *fmt, ...)
{
	static char msg[256]; /* cmocka prints it after we have jumped away */
	if (host_held)
		spin_unlock(host_held);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mock_assert(0, msg, __FILE__, __LINE__);
	abort(); /* not reached: mock_assert jumps back into cmocka */
}

/*
 * Host "RAM" for the page allocator: ranges carved out of one aligned
 * buffer. Tests set host_ranges/host_nranges before calling page_init().
 */
static struct mem_range host_ranges[4];
static int host_nranges;

int arch_memory(struct mem_range *r, int max)
{
	int n = host_nranges < max ? host_nranges : max;
	for (int i = 0; i < n; i++)
		r[i] = host_ranges[i];
	return n;
}

/* Give the allocator `pages` pages of 4 MiB-aligned memory in one range. */
static inline void *host_ram(u64 pages)
{
	u64 align = PAGE_SIZE << PAGE_MAX_ORDER;
	void *p = aligned_alloc(align, ROUND_UP(pages * PAGE_SIZE, align));
	assert_non_null(p);
	host_ranges[0] = (struct mem_range){(u64)(uptr)p, pages * PAGE_SIZE};
	host_nranges = 1;
	return p;
}

/* A teardown for tests whose setup made RAM with host_ram(). */
static inline int free_ram(void **state)
{
	free(*state);
	return 0;
}
