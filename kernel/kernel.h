/*
 * kernel.h - what every kernel file needs: the machine's constants, the
 * structures of the lowest layer (locks, CPUs, page tables), the shared
 * library (lib.h), the arch contract (arch.h) and, through defs.h, every
 * kernel function's prototype.
 */
#pragma once

#include <stdarg.h>

#include "types.h"
#include "lib.h"
#include "arch.h"
#include "abi/errno.h"
#include "defs.h"

#define NCPU	   8   /* most CPUs we support */
#define HZ	   100 /* timer ticks per second */
#define PAGE_SIZE  4096ul
#define PAGE_SHIFT 12

/* How long the boot CPU waits for another to start and check in. Long:
   on a busy host a vCPU is a host thread that may wait seconds for a
   core (3 s was once too short for a fourth riscv64 hart), so only a CPU
   that never comes up reaches it. */
#define CPU_WAIT_NS 60000000000ull

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

#define assert(c) ((c) ? (void)0 : panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__))

/* spinlock.c */
struct spinlock {
	volatile u32 locked;
	const char *name;
	int cpu; /* holder, for debugging and holding() */
};

/* cpu.c: per-CPU state. Aligned to 256 bytes: no two CPUs share a
 * cache line. mycpu() finds it through the arch (arch_mycpu). */
struct thread;
struct __attribute__((aligned(256))) cpu {
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

/* This CPU's struct cpu: one load (arch_mycpu). */
static inline struct cpu *mycpu(void)
{
	return arch_mycpu();
}

/*
 * irq_push()/irq_pop() count nested "interrupts off" requests per CPU
 * so that releasing an inner lock does not turn interrupts back on while
 * an outer one is still held (the xv6 push_off/pop_off idea).
 */
/* LAB perf 2: BEGIN the lock round on the ring's path, without calls */
/* STUB: // out of line, in spinlock.c; the ring's lock is an ordinary spinlock
   struct cpu *irq_push(void);
   void irq_pop_cpu(struct cpu *c);
   void irq_pop(void);
   #define spin_lock_irqoff spin_lock
   #define spin_unlock_irqoff spin_unlock */
/* Inline: every spinlock round uses them, and as calls they were a
 * quarter of a blocking ring call. */

/* Returns this CPU, which stays ours while interrupts are off: a caller
 * that needs it again (spin_lock) saves looking it up twice. */
static inline struct cpu *irq_push(void)
{
	bool on = arch_irq_enabled();
	arch_irq_disable();
	struct cpu *c = mycpu();
	if (c->irq_depth++ == 0)
		c->irq_was_on = on;
	return c;
}

/* irq_pop() when the caller has this CPU's struct cpu at hand. */
static inline void irq_pop_cpu(struct cpu *c)
{
	if (arch_irq_enabled())
		panic("irq_pop: interrupts are on");
	if (c->irq_depth < 1)
		panic("irq_pop: not pushed");
	if (--c->irq_depth == 0 && c->irq_was_on)
		arch_irq_enable();
}

static inline void irq_pop(void)
{
	irq_pop_cpu(mycpu());
}

/*
 * spin_lock()/spin_unlock() for a caller that knows interrupts are off
 * - all kernel code is, but the idle loop's and a poller's windows
 * (docs/boot.md) - so no irq_push()/irq_pop(): nothing on
 * this CPU can come in and take the lock we hold. Inline, for the
 * ring's lock on the way of every ring call: a lock round cost 59
 * instructions on x86_64 as calls, about 20 this way. The holder and
 * the count of locks held stay right, for spin_holding() and
 * release_check(); what is left out is only the check that this CPU
 * does not hold the lock already (the ring's lock is taken in a few
 * short places in ring.c and op.c that call nothing that takes it).
 */
#ifdef HOST_SPINLOCKS /* the unit tests' spin_lock checks the discipline (tests/unit/host.h) */
#define spin_lock_irqoff   spin_lock
#define spin_unlock_irqoff spin_unlock
#else
static inline void spin_lock_irqoff(struct spinlock *l)
{
	struct cpu *c = mycpu();
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			arch_relax();
	l->cpu = c->id;
	c->locks++;
}

static inline void spin_unlock_irqoff(struct spinlock *l)
{
	mycpu()->locks--;
	l->cpu = -1;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
#endif
/* LAB perf END */

/* page.c */
#define PAGE_MAX_ORDER 10 /* largest block: 2^10 pages = 4 MiB */

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
#define VM_UNMAPPED (~0ull) /* vm_translate(): nothing mapped there */
