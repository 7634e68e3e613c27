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
#include <sys/mman.h>

#include "kernel.h"
#include "res.h"

/* The host's printf is the C library's; vformat is tested on its own. */
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

struct cpu cpus[NCPU];
struct cpu *const host_cpu0 = &cpus[0];

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

/*
 * A copy of src[0..n) that ends exactly where an inaccessible page
 * begins, so that code reading past the end of its input crashes the
 * test instead of reading whatever follows. Free with host_unguard().
 */
static inline void *host_guarded(const void *src, size_t n)
{
	size_t len = ROUND_UP(n, 4096) + 4096;
	u8 *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + len - 4096, 4096, PROT_NONE), 0);
	u8 *p = m + len - 4096 - n;
	memcpy(p, src, n);
	return p;
}
static inline void host_unguard(void *p, size_t n)
{
	u8 *m = (u8 *)p + n - ROUND_UP(n, 4096);
	assert_int_equal(munmap(m, ROUND_UP(n, 4096) + 4096), 0);
}

/* A teardown for tests whose setup made RAM with host_ram(). */
static inline int free_ram(void **state)
{
	free(*state);
	return 0;
}

/*
 * HOST_PTE: a made-up page-table entry format for tests that run the
 * walkers (vm.c, uvm.c) - bit 0 valid, bit 1 leaf, bits 2..7 the VM_*
 * protection, bits 12.. the address - whose reads are counted, and a
 * TLB whose flushes are counted. Define HOST_PTE before including
 * host.h to get them.
 */
#ifdef HOST_PTE
/* the decoders, inline as on the real arches: tests/unit/pte.h */

u64 arch_pte_leaf(u64 pa, unsigned prot, int level)
{
	(void)level;
	return pa | HOST_PTE_V | HOST_PTE_LEAF | ((u64)prot << 2);
}
u64 arch_pte_table(u64 pa, int level)
{
	(void)level;
	return pa | HOST_PTE_V;
}

static u64 host_tlb_flushes, host_tlb_last; /* arch_tlb_flush_page() calls, last address */
void arch_tlb_flush_page(u64 va)
{
	host_tlb_flushes++;
	host_tlb_last = va;
}

/*
 * One host CPU: a shootdown has nobody to ask. It records the free-page
 * count at the time, so tests can check that unmapped pages are freed
 * only after every CPU has forgotten them.
 */
static u64 host_shootdowns, host_free_at_shootdown;
u64 page_free_count(void);
void tlb_shootdown(struct pagetable *pt)
{
	(void)pt;
	host_shootdowns++;
	host_free_at_shootdown = page_free_count();
}

/* The heap is the host's: page counts then see only page-table work. */
void *kmalloc(size_t n)
{
	return malloc(n);
}
void kfree(void *p)
{
	free(p);
}
#endif
