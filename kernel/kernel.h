/*
 * kernel.h - what every kernel file may call: one section per subsystem,
 * each naming the file that implements it.
 */
#pragma once

#include <stdarg.h>

#include "types.h"
#include "arch.h"

#define NCPU	   8   /* most CPUs we support */
#define HZ	   100 /* timer ticks per second */
#define PAGE_SIZE  4096ul
#define PAGE_SHIFT 12

/*
 * Physical <-> kernel virtual (see arch.h). P2V goes through the direct
 * map. V2P also accepts addresses inside the kernel image, which x86-64
 * links apart from the direct map.
 */
#define P2V(pa) ((void *)((uptr)(pa) + DIRECT_MAP_BASE))
static inline u64 V2P(const void *va)
{
	uptr v = (uptr)va;
	return v >= KERNEL_IMAGE_BASE ? v - KERNEL_IMAGE_BASE : v - DIRECT_MAP_BASE;
}

/* string.c */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* format.c: the printf engine, shared with the host tests */
typedef void (*putc_fn)(void *arg, char c);
int vformat(putc_fn out, void *arg, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* printf.c */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void panic_begin(void);
#define assert(c) ((c) ? (void)0 : panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__))

/* spinlock.c */
struct spinlock {
	volatile u32 locked;
	const char *name;
	int cpu; /* holder, for debugging and holding() */
};
void spin_init(struct spinlock *l, const char *name);
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
bool spin_holding(struct spinlock *l);
void irq_push(void); /* disable interrupts, nestable */
void irq_pop(void);

/* cpu.c: per-CPU state */
struct cpu {
	int id;
	bool online;
	int irq_depth;		  /* irq_push() nesting */
	bool irq_was_on;	  /* interrupts were on before the first irq_push() */
	u64 ticks;		  /* timer ticks taken on this CPU */
	u64 entries[ENTRY_KINDS]; /* kernel entries by kind */
	u64 spurious;		  /* interrupts nobody asked for */
};
extern struct cpu cpus[NCPU];
struct cpu *mycpu(void);
int ncpu_online(void);

/* page.c: physical page allocator (buddy system) */
#define PAGE_MAX_ORDER 10 /* largest block: 2^10 pages = 4 MiB */
void page_init(void);
u64 page_alloc(int order); /* physical address of 2^order zeroed pages, or 0 */
void page_free(u64 pa, int order);
u64 page_free_count(void);
u64 page_total_count(void);

/* heap.c: kernel heap */
void *kmalloc(size_t n);
void *kzalloc(size_t n);
void kfree(void *p);

/* vm.c: page tables */
struct pagetable {
	u64 root; /* physical address of the top-level table */
};
void vm_init(void);
struct pagetable *vm_kernel(void);
int vm_map(struct pagetable *pt, u64 va, u64 pa, u64 size, unsigned prot);
#define VM_UNMAPPED (~0ull)
u64 vm_translate(struct pagetable *pt, u64 va);

/* trap.c */
typedef void (*irq_fn)(void);
void irq_register(int irq, irq_fn fn);

/* timer.c */
u64 ticks(void);

/* uart.c: 16550 */
void uart_init(void);
void uart_putc(char c);
void uart_intr(void);

/* console.c */
void console_putc(char c);
void console_write(const char *s, size_t n);
void console_input(char c);
int console_getline(char *buf, int max);

/* monitor.c: the kernel's boot-time command line */
void monitor_run(void) __attribute__((noreturn));
