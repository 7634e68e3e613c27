/*
 * arch.h - the contract between the portable kernel and an architecture.
 *
 * Everything in kernel/ is portable C. Everything that differs between
 * CPUs lives in arch/<name>/ and is reached only through the functions
 * declared here. To port duet to a third architecture, create
 * arch/<new>/ with the same file set as arch/riscv64/ and implement
 * every function below (docs/porting.md walks through it).
 *
 * Each arch also provides arch/<name>/archdef.h, included here, with the
 * compile-time constants listed at the end of this comment:
 *
 *   ARCH_NAME           "riscv64" or "x86_64", printed in the banner
 *   PT_LEVELS           page-table levels (Sv39: 3, x86-64: 4)
 *   PT_MAX_LEAF_LEVEL   highest level that may hold a leaf (huge page)
 *   DIRECT_MAP_BASE     virtual address of physical address 0: every
 *                       byte of RAM and device memory is mapped at
 *                       DIRECT_MAP_BASE + pa in every address space
 *   KERNEL_IMAGE_BASE   virtual address of physical address 0 as seen
 *                       through the kernel image's own mapping (equal to
 *                       DIRECT_MAP_BASE when the image lives in the
 *                       direct map; x86-64 links it in the top 2 GiB)
 *   struct trapframe    the registers saved on a trap (layout is the
 *                       arch's; portable code treats it as opaque;
 *                       its size is a multiple of 16)
 *   struct context      the callee-saved registers arch_switch() keeps
 *   USER_TOP            first address above user space; user space is
 *                       [0, USER_TOP), the lower half of every table
 *   ELF_MACHINE         e_machine of this arch's ELF files
 *
 * archdef.h also defines, static inline, the few functions below marked
 * "static inline": every lock and per-CPU access uses them, and a call
 * with its prologue would cost more than the instruction it wraps. So
 * does arch/<name>/pte.h, included at the end of this file, for the
 * page-table entry decoders that every level of every walk calls.
 *
 * Conventions: "boot CPU" is whichever CPU the firmware started us on;
 * CPU indexes are dense, 0 is the boot CPU. Page-table levels count from
 * the leaves: level 0 maps 4 KiB pages, level 1 2 MiB, level 2 1 GiB.
 */
#pragma once

#include "types.h"
#include "archdef.h"

/* ---------------------------------------------------------------------
 * Boot. The arch's entry code runs first, with whatever the firmware
 * gave it. It must set up a stack, enough paging to run at the kernel's
 * link address, clear .bss, and call the portable kmain(). Secondary
 * CPUs are started later by arch_start_cpus() and call kmain_secondary().
 * ------------------------------------------------------------------- */

/* Portable, called by arch code (defined in kernel/main.c). */
void kmain(void) __attribute__((noreturn));
void kmain_secondary(void) __attribute__((noreturn));

/*
 * Called by kmain() on the boot CPU, interrupts off, right after
 * uart_init(): arch_uart_read/write must work from the first instruction
 * of kmain, so that even an early panic is readable. Afterwards:
 * arch_cpu_id() returns 0, traps are caught (a fault reaches
 * trap_fatal()), and the firmware tables (device tree, Multiboot/ACPI)
 * have been read so that arch_memory() and arch_cpu_count() can answer.
 */
void arch_early_init(void);

/* One range of physical memory. */
struct mem_range {
	u64 base;
	u64 size;
};

/*
 * Fill `r` with up to `max` ranges of free RAM (physical addresses, page
 * aligned) that the page allocator may hand out: all RAM minus firmware,
 * the kernel image and anything the boot code still uses. Returns the
 * number of ranges. Called once, by page_init().
 */
int arch_memory(struct mem_range *r, int max);

/* Number of CPUs the firmware reports, capped at NCPU. Boot CPU included. */
int arch_cpu_count(void);

/*
 * Called by vm_init() on a fresh, empty root page table: map everything
 * the kernel needs with vm_map() - the direct map of RAM and devices at
 * DIRECT_MAP_BASE and the kernel image where it is linked.
 */
struct pagetable;
void arch_kernel_map(struct pagetable *pt);

/*
 * Second stage, on the boot CPU after the page allocator, heap and kernel
 * page table exist: interrupt controller and this CPU's timer (ticking
 * at HZ). Interrupts are still off when it returns; kmain() then
 * registers the UART's handler with irq_register().
 */
void arch_init(void);

/*
 * Start every other CPU. Each one enters arch code, switches to the
 * kernel page table (vm_kernel()->root), sets up its own traps, per-CPU
 * register, local interrupt controller and timer, then calls
 * kmain_secondary() with interrupts off. May return before they arrive;
 * kmain() waits for them to check in.
 */
void arch_start_cpus(void);

/* Index of the CPU we are running on (0 .. arch_cpu_count()-1). */
static inline int arch_cpu_id(void);

/* The firmware's/hardware's name for a CPU (hart id, APIC id). */
u32 arch_cpu_hwid(int cpu);

/* ---------------------------------------------------------------------
 * Interrupts and idling.
 * ------------------------------------------------------------------- */

static inline void arch_irq_enable(void);
static inline void arch_irq_disable(void);
static inline bool arch_irq_enabled(void);

/*
 * Enable interrupts and wait for one, atomically: an interrupt that
 * arrives between the caller's last check and the wait must still wake
 * us (x86: sti; hlt. RISC-V: wfi wakes on a pending interrupt even while
 * it is masked). Returns with interrupts disabled again.
 */
void arch_idle(void);

/* Spin-wait hint (x86 pause; nothing on RISC-V). */
static inline void arch_relax(void);

/*
 * Interrupt CPU `cpu` (an index, not the hardware id) with the kernel's
 * inter-processor interrupt. Its handler calls ipi_handle(); whatever the
 * sender wants done is in the target's struct cpu before the send.
 * RISC-V: the SBI IPI extension raises the supervisor software
 * interrupt; x86: a fixed-vector IPI through the local APIC.
 */
void arch_ipi_send(int cpu);

/* Route device interrupt `irq` (the arch's own numbering) to this CPU. */
void arch_irq_unmask(int irq);

/* The UART's interrupt number, for arch_irq_unmask() and irq_register(). */
int arch_uart_irq(void);

/* ---------------------------------------------------------------------
 * UART. The 16550 driver is portable (kernel/uart.c); the arch only says
 * how to reach register `reg` (0..7): MMIO on RISC-V, port I/O on x86.
 * ------------------------------------------------------------------- */

u8 arch_uart_read(int reg);
void arch_uart_write(int reg, u8 val);

/* ---------------------------------------------------------------------
 * Time.
 * ------------------------------------------------------------------- */

/* Nanoseconds since some point at boot; monotonic, same on all CPUs. */
u64 arch_time_ns(void);

/*
 * The rate (Hz) of the counter user programs read themselves to time
 * things without a system call: RISC-V's time CSR (rdtime; the arch
 * lets user mode read it, scounteren.TM), x86's TSC (rdtsc).
 */
u64 arch_user_clock_hz(void);

/* Start this CPU's periodic timer: timer_tick() HZ times per second. */
void arch_timer_init(void);

/* ---------------------------------------------------------------------
 * Page tables. The walker (kernel/vm.c) is portable: a tree of 4 KiB
 * tables of 512 8-byte entries, 9 virtual-address bits per level. The
 * arch encodes and decodes entries and loads the root.
 * ------------------------------------------------------------------- */

/* Portable protection bits for arch_pte_leaf(). */
#define VM_R   (1u << 0) /* readable */
#define VM_W   (1u << 1) /* writable */
#define VM_X   (1u << 2) /* executable */
#define VM_U   (1u << 3) /* user accessible */
#define VM_DEV (1u << 4) /* device memory: uncached */
#define VM_SHARED                                                                                  \
	(1u << 5) /* the page belongs to someone else (a ring, a pipe):                            \
		     tearing down the table must not free it; the arch                             \
		     keeps this in a bit the hardware ignores */

/* A leaf entry mapping physical `pa` at `level` with protection `prot`. */
u64 arch_pte_leaf(u64 pa, unsigned prot, int level);

/* An entry at `level` (>0) pointing to the next-level table at `pa`. */
u64 arch_pte_table(u64 pa, int level);

enum pte_kind { PTE_NONE, PTE_TABLE, PTE_LEAF };
static inline enum pte_kind arch_pte_kind(u64 pte, int level);

/* Physical address in a table or leaf entry. */
static inline u64 arch_pte_addr(u64 pte);

/* Make the table at physical address `root` this CPU's address space. */
void arch_vm_switch(u64 root);

/* Forget this CPU's cached translations (all, or one page). */
void arch_tlb_flush(void);
void arch_tlb_flush_page(u64 va);

/* ---------------------------------------------------------------------
 * Power.
 * ------------------------------------------------------------------- */

/*
 * Turn the machine off. failed == 0: a clean shutdown (QEMU exits with
 * status 0). failed != 0: after a panic (QEMU exits non-zero). Never
 * returns; other CPUs simply stop.
 */
void arch_poweroff(int failed) __attribute__((noreturn));

/* ---------------------------------------------------------------------
 * What arch trap code calls in the portable kernel (kernel/trap.c,
 * kernel/timer.c). Every trap entry first calls trap_enter() with its
 * kind, so that kernel entries can be counted exactly.
 * ------------------------------------------------------------------- */

enum entry_kind { ENTRY_SYSCALL, ENTRY_EXCEPTION, ENTRY_INTERRUPT, ENTRY_KINDS };
void trap_enter(enum entry_kind kind);

/* A device interrupt (arch numbering) was claimed: run its handler. */
void irq_handle(int irq);

/* The kernel's inter-processor interrupt arrived (see arch_ipi_send). */
void ipi_handle(void);

/* This CPU's periodic timer fired (the arch re-arms it). */
void timer_tick(void);

/* An interrupt nobody asked for (spurious or unknown vector): counted
 * and reported the first time on each CPU, never silently dropped. */
void trap_spurious(u64 cause);

/*
 * A fault the kernel cannot handle. Prints the CPU, the trap's name and
 * number, the program counter and the faulting address, then powers off
 * with failed = 1. `tf` may be NULL.
 */
void trap_fatal(const char *name, u64 cause, u64 pc, u64 addr, struct trapframe *tf)
    __attribute__((noreturn));

/* Print an arch trap frame's registers (used by trap_fatal). */
void arch_dump_trapframe(struct trapframe *tf);

/* The kernel command line (QEMU -append; empty string if none). */
const char *arch_cmdline(void);

/* ---------------------------------------------------------------------
 * Threads and user mode.
 *
 * Every thread has a kernel stack. A thread that runs user code keeps
 * its user registers in a struct trapframe at the very top of that
 * stack: a trap from user mode saves them there, and the return to user
 * mode restores them from there. So the arch, on every return to user
 * mode, records (uptr)tf + sizeof(*tf) as the stack the next trap from
 * user mode will use on this CPU (x86: TSS.RSP0; RISC-V: the per-hart
 * kernel stack pointer).
 * ------------------------------------------------------------------- */

struct context;
struct uintr_recv;
struct uintr_send;

/*
 * Prepare a context so that the first arch_switch() to it runs entry()
 * on the stack whose top is `sp` (16-byte aligned). entry never returns.
 */
void arch_context_init(struct context *c, u64 sp, void (*entry)(void));

/*
 * Save the callee-saved registers and stack pointer in *from, load them
 * from *to: execution continues wherever `to` last called arch_switch()
 * (or in its entry function). Returns when someone switches back.
 */
void arch_switch(struct context *from, struct context *to);

/* Fill tf so that returning to user mode starts at pc with stack sp and
 * a0, a1, a2 in the first three argument registers, interrupts on. */
void arch_tf_init_user(struct trapframe *tf, u64 pc, u64 sp, u64 a0, u64 a1, u64 a2);

/* Return to user mode with the registers in tf, which lies at the top of
 * the current thread's kernel stack. Interrupts off. Never returns. */
void arch_return_to_user(struct trapframe *tf) __attribute__((noreturn));

/* A system call's number, its i-th argument (0..5), its result. */
u64 arch_tf_sysno(struct trapframe *tf);
u64 arch_tf_arg(struct trapframe *tf, int i);
void arch_tf_set_ret(struct trapframe *tf, u64 val);

/* Where the user thread will resume (its pc). */
u64 arch_tf_pc(struct trapframe *tf);

/* The portable protection (VM_* bits) of a leaf entry. */
static inline unsigned arch_pte_prot(u64 pte);

/*
 * What arch trap code calls for traps from user mode, after
 * trap_enter(): syscall() for a system call (the arch has already
 * stepped the saved pc past the instruction); trap_user_fault() for an
 * exception the arch does not handle itself (the process is killed,
 * the kernel stays up). Before restoring user registers, every trap
 * from user mode ends with trap_return_user(), which may switch to
 * another thread or end this one.
 */
void syscall(struct trapframe *tf);
void trap_user_fault(const char *name, u64 cause, u64 pc, u64 addr, struct trapframe *tf);
void trap_return_user(struct trapframe *tf);
/*
 * An illegal instruction from user mode (x86 #UD, RISC-V illegal
 * instruction): if it is a user-interrupt instruction the CPU lacks,
 * the kernel emulates it (kernel/uintr.c) and returns true; false: the
 * arch reports the fault as usual.
 */
bool uintr_emulated(struct trapframe *tf);

/*
 * Native user interrupts (x86 UIPI, CPUID.(7,0):EDX[5]). Where the CPU
 * has them, the kernel's struct uintr_recv and struct uintr_send
 * (kernel/uintr.h) ARE the hardware's UPID and UITT: senders post and
 * notify with no kernel entry, and the CPU delivers. What stays with
 * the kernel is the state the CPU holds for the running thread - its
 * MSRs, its requests (UIRR) and its flag (UIF) - and the notification
 * of a receiver that is not running. kernel/uintr.c calls these only
 * while arch_uintr_native() holds; an arch without the feature answers
 * false and never sees the others. Interrupts off throughout.
 */

/* Does this machine deliver user interrupts itself? Decided at boot:
 * the CPU's feature bit, unless the command line says uintr=emulate. */
bool arch_uintr_native(void);

/*
 * On the way back to user mode: make r (receiver, or NULL) and s
 * (sender table, or NULL) this CPU's user-interrupt state, if they are
 * not yet, and hand the CPU the vectors posted into r->pending while it
 * did not look (by the kernel, or while the thread was away).
 */
void arch_uintr_load(struct uintr_recv *r, struct uintr_send *s);

/*
 * The running thread's CPU state back into memory, leaving it loaded:
 * the CPU's requests into r->pending, UIF into r->enabled. For a kernel
 * that wants to look at them (wait() on user interrupts). No-op unless
 * r is loaded on this CPU.
 */
void arch_uintr_sync(struct uintr_recv *r);

/*
 * The running thread stops using this CPU's user-interrupt state (it
 * is switched out, ends, or changes its handler): everything goes back
 * into memory and the CPU is left with none. Then r (the thread's
 * receiver, or NULL) is set up for the time its thread is away:
 * sleeping - a send interrupts the kernel, which wakes the thread
 * (uintr_notified()); otherwise senders only post (notification
 * suppressed) and the next arch_uintr_load() delivers.
 */
void arch_uintr_unload(struct uintr_recv *r, bool sleeping);

/*
 * Called by the arch (an interrupt handler) when a user-interrupt
 * notification reached the kernel instead of a running receiver: wake
 * every thread that sleeps with user interrupts pending. Portable
 * (kernel/uintr.c).
 */
void uintr_notified(void);

/* The inline page-table entry decoders (arch_pte_kind, _addr, _prot). */
#include "pte.h"
