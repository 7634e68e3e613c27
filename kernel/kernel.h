/*
 * kernel.h - what every kernel file may call: one section per subsystem,
 * each naming the file that implements it.
 */
#pragma once

#include <stdarg.h>

#include "types.h"
#include "lib.h"
#include "arch.h"
#include "abi/errno.h"

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
void release_check(const char *what); /* panics if this CPU holds a spinlock */
void irq_push(void);		      /* disable interrupts, nestable */
void irq_pop(void);

/* cpu.c: per-CPU state */
struct thread;
struct cpu {
	int id;
	bool online;
	int irq_depth;		  /* irq_push() nesting */
	int locks;		  /* spinlocks held (release_check) */
	bool irq_was_on;	  /* interrupts were on before the first irq_push() */
	u64 ticks;		  /* timer ticks taken on this CPU */
	u64 entries[ENTRY_KINDS]; /* kernel entries by kind */
	u64 spurious;		  /* interrupts nobody asked for */
	struct thread *thread;	  /* running now, or NULL in the scheduler */
	struct context sched_ctx; /* the scheduler loop, for arch_switch() */
	bool need_resched;	  /* the time slice is over: yield before user mode */
	bool idle;		  /* waiting in arch_idle(): kick it for new work */
	struct pagetable *pt;	  /* the user address space loaded, or NULL */
	int flush;		  /* another CPU asks us to flush the TLB (ipi.c) */
};
extern struct cpu cpus[NCPU];
struct cpu *mycpu(void);
int ncpu_online(void);

/* page.c: physical page allocator (buddy system) */
#define PAGE_MAX_ORDER 10 /* largest block: 2^10 pages = 4 MiB */
void page_init(void);
u64 page_alloc(int order);		/* physical address of 2^order zeroed pages, or 0 */
u64 page_alloc_for(int uid, int order); /* the same, for uid's memory: root's reserve kept */
void page_free(u64 pa, int order);
u64 page_free_count(void);
u64 page_total_count(void);

/* heap.c: kernel heap */
void *kmalloc(size_t n);
void *kzalloc(size_t n);
void kfree(void *p);

/* vm.c: page tables */
struct pagetable {
	u64 root;	      /* physical address of the top-level table */
	int uid;	      /* whose memory its pages are (page_alloc_for) */
	struct spinlock lock; /* user half: mapping, unmapping, copying */
};
/* A page table's entries (512 per table), through the direct map; the
 * slot of va in a table at `level`; the bytes one entry at `level` maps. */
#define PT_ENTRIES 512
static inline u64 *pt_table(u64 pa)
{
	return P2V(pa);
}
static inline int pt_index(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & (PT_ENTRIES - 1);
}
static inline u64 pt_span(int level)
{
	return PAGE_SIZE << (9 * level);
}
void vm_init(void);
struct pagetable *vm_kernel(void);
int vm_map(struct pagetable *pt, u64 va, u64 pa, u64 size, unsigned prot);
#define VM_UNMAPPED (~0ull)
u64 vm_translate(struct pagetable *pt, u64 va);

/* uvm.c: user address spaces. Every user page table shares the kernel's
 * upper half; the lower half [0, USER_TOP) is the process's own. */
struct pagetable *uvm_create(int uid);
void uvm_destroy(struct pagetable *pt);
int uvm_alloc(struct pagetable *pt, u64 va, u64 size, unsigned prot);
int uvm_share(struct pagetable *pt, u64 va, u64 pa, u64 size, unsigned prot);
int uvm_unmap(struct pagetable *pt, u64 va, u64 size);
int copyin(struct pagetable *pt, void *dst, u64 uva, size_t n);
int copyout(struct pagetable *pt, u64 uva, const void *src, size_t n);
int copyinstr(struct pagetable *pt, char *dst, u64 uva, size_t max);

/* ipi.c: asking other CPUs to act */
void ipi_kick(int cpu);
void ipi_poll(void);
void tlb_shootdown(struct pagetable *pt);

/* elf.c: load a program image into a user address space */
int elf_load(struct pagetable *pt, const void *image, size_t size, u64 *entry);

/* archive.c: the boot archive (cpio "newc"), linked into the kernel */
struct dirent;
int archive_find(const char *path, const void **data, size_t *size);
int archive_entry(int index, struct dirent *d);

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
bool console_has_line(void);
int console_take_line(char *buf, int max);
void op_console_ready(void); /* ops.c: hand typed lines to waiting reads */
void procdump(void);	     /* proc.c: what every thread is doing (Ctrl-P) */

/* main.c */
bool cmdline_get(const char *name, char *buf, size_t n);

/* monitor.c: the kernel's boot-time command line */
void monitor_run(void) __attribute__((noreturn));
