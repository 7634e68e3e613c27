/*
 * arch.h - the contract between the portable kernel and an architecture.
 *
 * Everything in kernel/ is portable C. Everything that differs between
 * CPUs lives in arch/<name>/ and is reached only through the functions
 * declared here: this file is the whole contract. To port duet to a
 * third architecture, create arch/<new>/ with the same file set as
 * arch/riscv64/ and implement every function below (docs/porting.md
 * walks through it).
 *
 * Each section names the one file, arch/<arch>/X.c, that holds its
 * arch_* functions on every arch, so a function's file is found from
 * its section (seL4's arch tree mirrors its generic tree the same way).
 * Each function says who calls it ("called by", a kernel file, or the
 * arch itself) and, if it is not needed everywhere, where it is needed
 * ("only where ..."); every other one is required. The kernel functions
 * that arch code calls back are listed in the section that calls them.
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
 *   UINTR_INSN_MAX      the longest user-interrupt instruction the arch
 *                       emulates: how many bytes kernel/uintr.c fetches
 *
 * A few functions below are "static inline": every lock, per-CPU access
 * or page-table walk calls them, and a call with its prologue would cost
 * more than the instructions it wraps. The arch defines them in the
 * header its section names: archdef.h (which CPU, the interrupt flag,
 * arch_relax) and pte.h (the page-table entry decoders, included at the
 * end of this file: they need VM_* and enum pte_kind).
 *
 * Conventions: "boot CPU" is whichever CPU the firmware started us on;
 * CPU indexes are dense, 0 is the boot CPU. Page-table levels count from
 * the leaves: level 0 maps 4 KiB pages, level 1 2 MiB, level 2 1 GiB.
 */
#pragma once

#include "types.h"
#include "archdef.h"
#include "abi/dev.h"

/* ---------------------------------------------------------------------
 * Entry: arch/<arch>/boot.S. The arch's entry code runs first, with
 * whatever the firmware gave it. It must set up a stack, enough paging
 * to run at the kernel's link address, clear .bss, and call the
 * portable kmain(). Secondary CPUs are started later by
 * arch_start_cpus() and call kmain_secondary().
 * ------------------------------------------------------------------- */

/* Portable (kernel/main.c); called by boot.S and smp.c. */
void kmain(void) __attribute__((noreturn));
void kmain_secondary(void) __attribute__((noreturn));

/* ---------------------------------------------------------------------
 * This CPU: arch/<arch>/start.c, and archdef.h for the inline ones. The
 * two boot stages, which CPU we are, the interrupt flag, idling.
 * ------------------------------------------------------------------- */

/*
 * Called by kmain() (kernel/main.c) on the boot CPU, interrupts off,
 * right after uart_init(): arch_uart_read/write must work from the first
 * instruction of kmain, so that even an early panic is readable.
 * Afterwards: arch_cpu_id() returns 0, traps are caught (a fault
 * reaches trap_fatal()), and the firmware tables (device tree,
 * Multiboot/ACPI) have been read so that arch_memory() and
 * arch_cpu_count() can answer.
 */
void arch_early_init(void);

/*
 * Second stage, called by kmain() (kernel/main.c) on the boot CPU after
 * the page allocator, heap and kernel page table exist: interrupt
 * controller and this CPU's timer (arch_timer_init()). Interrupts are
 * still off when it returns; kmain() then registers the UART's handler
 * with irq_register().
 */
void arch_init(void);

/* Index of the CPU we are running on (0 .. arch_cpu_count()-1). Called
 * by kernel/cpu.c, spinlock.c, ipi.c, printf.c, trap.c. */
static inline int arch_cpu_id(void);

/* This CPU's struct cpu, &cpus[arch_cpu_id()], in one load: the arch
 * keeps the pointer next to the id, in the block its per-CPU register
 * names (x86 GS, RISC-V tp), and sets it before the CPU runs kernel C
 * code that takes a lock. Called by mycpu() (kernel.h), the kernel's
 * most frequent lookup: a shift and an add fewer on x86_64, five
 * instructions fewer on riscv64 (sign-extend, shift, the address of
 * cpus[] in two, add), each time. */
static inline struct cpu *arch_mycpu(void);

/* The firmware's/hardware's name for a CPU (hart id, APIC id). Called
 * by kernel/main.c and monitor.c, to print it. */
u32 arch_cpu_hwid(int cpu);

/* The interrupt flag of this CPU. Called by kernel/spinlock.c (which
 * nests disabling), wait.c, ring.c, proc.c and printf.c. */
static inline void arch_irq_enable(void);
static inline void arch_irq_disable(void);
static inline bool arch_irq_enabled(void);

/*
 * Enable interrupts and wait for one, atomically: an interrupt that
 * arrives between the caller's last check and the wait must still wake
 * us (x86: sti; hlt. RISC-V: wfi wakes on a pending interrupt even while
 * it is masked). Returns with interrupts disabled again. Called by
 * kernel/sched.c (an idle CPU), ipi.c and console.c.
 */
void arch_idle(void);

/* Spin-wait hint (x86 pause; nothing on RISC-V). Called by every spin
 * loop: kernel/spinlock.c, ipi.c, uart.c, main.c and others. */
static inline void arch_relax(void);

/* ---------------------------------------------------------------------
 * Firmware: arch/<arch>/firmware.c. What the firmware tells us (read
 * by arch_early_init()) and what it does for us.
 * ------------------------------------------------------------------- */

/* One range of physical memory. */
struct mem_range {
	u64 base;
	u64 size;
};

/*
 * Fill `r` with up to `max` ranges of free RAM (physical addresses, page
 * aligned) that the page allocator may hand out: all RAM minus firmware,
 * the kernel image and anything the boot code still uses. Returns the
 * number of ranges. Called once, by page_init() (kernel/page.c).
 */
int arch_memory(struct mem_range *r, int max);

/* Number of CPUs the firmware reports, capped at NCPU. Boot CPU
 * included. Called by kmain() (kernel/main.c). */
int arch_cpu_count(void);

/* The kernel command line (QEMU -append; empty string if none). Called
 * by kernel/main.c (cmdline_get()). */
const char *arch_cmdline(void);

/*
 * Turn the machine off. failed == 0: a clean shutdown (QEMU exits with
 * status 0). failed != 0: after a panic (QEMU exits non-zero). Never
 * returns; other CPUs simply stop. Called by kernel/printf.c (panic),
 * trap.c (trap_fatal), monitor.c and ops.c (op_poweroff).
 */
void arch_poweroff(int failed) __attribute__((noreturn));

/* ---------------------------------------------------------------------
 * Other CPUs: arch/<arch>/smp.c.
 * ------------------------------------------------------------------- */

/*
 * Start every other CPU. Each one enters arch code, switches to the
 * kernel page table (vm_kernel()->root), sets up its own traps, per-CPU
 * register, local interrupt controller and timer, then calls
 * kmain_secondary() with interrupts off. May return before they arrive;
 * kmain() (kernel/main.c), its caller, waits for them to check in.
 */
void arch_start_cpus(void);

/* ---------------------------------------------------------------------
 * Interrupt controller: arch/<arch>/intc.c. Device interrupts and the
 * kernel's inter-processor interrupt. The arch's trap code hands what
 * arrives to the portable kernel below.
 * ------------------------------------------------------------------- */

/* Route device interrupt `irq` (the arch's own numbering) to this CPU.
 * Called by irq_register() (kernel/trap.c), and by kernel/dev.c when a
 * driver re-arms its device's interrupt. */
void arch_irq_unmask(int irq);

/* Stop `irq` from reaching any CPU until arch_irq_unmask(). Called by
 * irq_unregister() (kernel/trap.c) and by kernel/dev.c's handler, which
 * masks a driver's interrupt until the driver has seen it; so it must
 * work from the handler, before the arch ends the interrupt (a level-
 * triggered line is still asserted then). */
void arch_irq_mask(int irq);

/*
 * Interrupt CPU `cpu` (an index, not the hardware id) with the kernel's
 * inter-processor interrupt. Its handler calls ipi_handle(); whatever the
 * sender wants done is in the target's struct cpu before the send.
 * RISC-V: the SBI IPI extension raises the supervisor software
 * interrupt; x86: a fixed-vector IPI through the local APIC. Called by
 * kernel/ipi.c.
 */
void arch_ipi_send(int cpu);

/* Portable, called by the arch's interrupt handling: a device interrupt
 * (arch numbering) was claimed, run its handler (kernel/trap.c); the
 * kernel's IPI arrived (kernel/ipi.c). */
void irq_handle(int irq);
void ipi_handle(void);

/* ---------------------------------------------------------------------
 * Devices for drivers: arch/<arch>/dev.c. The devices a driver process
 * may claim (kernel/dev.c, docs/drivers.md), found the arch's way - the
 * device tree's virtio-mmio nodes (riscv64), PCI enumeration (x86_64) -
 * and described the same way. Both functions are called by kernel/dev.c
 * only, under its lock. An arch with no such devices answers -ENODEV.
 * ------------------------------------------------------------------- */

struct dev_desc {
	u32 type;	       /* the virtio device id */
	u32 bus;	       /* DEV_BUS_* (abi/dev.h) */
	int irq;	       /* its interrupt (arch numbering, below 64), or -1 */
	u64 base[DEV_REGIONS]; /* register region i, physical */
	u64 size[DEV_REGIONS]; /* ... its bytes; 0: none, or not memory */
	u8 config[256];	       /* PCI configuration space; zeros elsewhere */
};

/* Describe the index-th device (0, 1, ... in a fixed order): 0, or
 * -ENODEV past the last one. Never disturbs a device in use. */
int arch_dev_get(int index, struct dev_desc *d);

/* on: device `index` was claimed; let it reach memory (PCI: bus
 * mastering). off: its driver let go; stop it reaching memory before
 * returning (PCI: bus mastering off; virtio-mmio: a device reset), so
 * that its DMA pages can be freed. */
void arch_dev_dma(int index, bool on);

/* ---------------------------------------------------------------------
 * UART: arch/<arch>/uart.c. The 16550 driver is portable
 * (kernel/uart.c); the arch only says how to reach register `reg`
 * (0..7) - MMIO on RISC-V, port I/O on x86 - and which interrupt the
 * UART raises.
 * ------------------------------------------------------------------- */

/* Called by kernel/uart.c, from kmain's first instruction on. */
u8 arch_uart_read(int reg);
void arch_uart_write(int reg, u8 val);

/* The UART's interrupt number, for arch_irq_unmask() and irq_register().
 * Called by kmain() (kernel/main.c). */
int arch_uart_irq(void);

/* ---------------------------------------------------------------------
 * Time: arch/<arch>/timer.c.
 * ------------------------------------------------------------------- */

/* Nanoseconds since some point at boot; monotonic, same on all CPUs.
 * Called by kernel/wait.c, ring.c, timer.c, fs.c, monitor.c, main.c. */
u64 arch_time_ns(void);

/*
 * The rate (Hz) of the counter user programs read themselves to time
 * things without a system call: RISC-V's time CSR (rdtime; the arch
 * lets user mode read it, scounteren.TM), x86's TSC (rdtsc). Called by
 * kernel/sysproc.c (op_stats).
 */
u64 arch_user_clock_hz(void);

/* Start this CPU's periodic timer: timer_tick() HZ times per second.
 * Called by the arch itself: arch_init() and each secondary CPU's
 * start in smp.c. */
void arch_timer_init(void);

/* Portable (kernel/timer.c), called by the arch's timer interrupt: this
 * CPU's periodic timer fired (the arch re-arms it). */
void timer_tick(void);

/* ---------------------------------------------------------------------
 * Page tables: arch/<arch>/mmu.c, and pte.h for the inline decoders.
 * The walker (kernel/vm.c) is portable: a tree of 4 KiB tables of 512
 * 8-byte entries, 9 virtual-address bits per level. The arch encodes
 * and decodes entries, maps the kernel, loads the root and flushes the
 * TLB.
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

/* The entry codecs, called by kernel/vm.c and uvm.c. */

/* A leaf entry mapping physical `pa` at `level` with protection `prot`. */
u64 arch_pte_leaf(u64 pa, unsigned prot, int level);

/* An entry at `level` (>0) pointing to the next-level table at `pa`. */
u64 arch_pte_table(u64 pa, int level);

enum pte_kind { PTE_NONE, PTE_TABLE, PTE_LEAF };
static inline enum pte_kind arch_pte_kind(u64 pte, int level);

/* Physical address in a table or leaf entry. */
static inline u64 arch_pte_addr(u64 pte);

/* The portable protection (VM_* bits) of a leaf entry (kernel/uvm.c). */
static inline unsigned arch_pte_prot(u64 pte);

/*
 * Called by vm_init() (kernel/vm.c) on a fresh, empty root page table:
 * map everything the kernel needs with vm_map() - the direct map of RAM
 * and devices at DIRECT_MAP_BASE and the kernel image where it is
 * linked.
 */
struct pagetable;
void arch_kernel_map(struct pagetable *pt);

/* Make the table at physical address `root` this CPU's address space.
 * Called by kernel/vm.c, sched.c and proc.c. */
void arch_vm_switch(u64 root);

/* Forget this CPU's cached translations: all (kernel/ipi.c, a shootdown
 * from another CPU), or one page (kernel/uvm.c). */
void arch_tlb_flush(void);
void arch_tlb_flush_page(u64 va);

/* ---------------------------------------------------------------------
 * Traps, threads and user mode: arch/<arch>/trap.c, and trap.S for
 * what only assembly can do (arch_switch(), and the register saving and
 * restoring on either side of a trap); archdef.h for the system call's
 * inline register accessors.
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

/*
 * Prepare a context so that the first arch_switch() to it runs entry()
 * on the stack whose top is `sp` (16-byte aligned). entry never returns.
 * Called by kernel/proc.c (a new thread) and sched.c (a CPU's scheduler).
 */
void arch_context_init(struct context *c, u64 sp, void (*entry)(void));

/*
 * trap.S. Save the callee-saved registers and stack pointer in *from,
 * load them from *to: execution continues wherever `to` last called
 * arch_switch() (or in its entry function). Returns when someone
 * switches back. Called by kernel/sched.c and proc.c.
 */
void arch_switch(struct context *from, struct context *to);

/* Fill tf so that returning to user mode starts at pc with stack sp and
 * a0, a1, a2 in the first three argument registers, interrupts on.
 * Called by kernel/proc.c (a new process or thread). */
void arch_tf_init_user(struct trapframe *tf, u64 pc, u64 sp, u64 a0, u64 a1, u64 a2);

/* Return to user mode with the registers in tf, which lies at the top of
 * the current thread's kernel stack. Interrupts off. Never returns.
 * Called by kernel/proc.c, a new thread's first way out. */
void arch_return_to_user(struct trapframe *tf) __attribute__((noreturn));

/* A system call's number, its i-th argument (0..5), its result: inline
 * in archdef.h (one load or store each). Called by kernel/syscall.c. */
static inline u64 arch_tf_sysno(struct trapframe *tf);
static inline u64 arch_tf_arg(struct trapframe *tf, int i);
static inline void arch_tf_set_ret(struct trapframe *tf, u64 val);

/* Where the user thread will resume (its pc). Called by kernel/proc.c
 * and uintr.c. */
u64 arch_tf_pc(struct trapframe *tf);

/* Print an arch trap frame's registers. Called by trap_fatal()
 * (kernel/trap.c). */
void arch_dump_trapframe(struct trapframe *tf);

/*
 * Portable, what the arch's trap code calls. Every trap entry first
 * calls trap_enter() with its kind, so that kernel entries can be
 * counted exactly (inline, in proc.h).
 */
enum entry_kind { ENTRY_SYSCALL, ENTRY_EXCEPTION, ENTRY_INTERRUPT, ENTRY_KINDS };

/* An interrupt nobody asked for (spurious or unknown vector): counted
 * and reported the first time on each CPU, never silently dropped
 * (kernel/trap.c). */
void trap_spurious(u64 cause);

/*
 * A fault the kernel cannot handle (kernel/trap.c). Prints the CPU, the
 * trap's name and number, the program counter and the faulting address,
 * then powers off with failed = 1. `tf` may be NULL.
 */
void trap_fatal(const char *name, u64 cause, u64 pc, u64 addr, struct trapframe *tf)
    __attribute__((noreturn));

/*
 * For traps from user mode. A system call is all syscall()'s
 * (kernel/syscall.c), after the arch has stepped the saved pc past the
 * instruction: it counts the entry (trap_enter), runs the call, and
 * ends with trap_return_user() if there is work on the way out. Any
 * other trap: trap_enter() first; trap_user_fault() (kernel/trap.c) for
 * an exception the arch does not handle itself (the process is killed,
 * the kernel stays up); and before restoring user registers
 * trap_return_user() (kernel/trap.c), which may switch to another
 * thread or end this one.
 */
void syscall(struct trapframe *tf);
void trap_user_fault(const char *name, u64 cause, u64 pc, u64 addr, struct trapframe *tf);
void trap_return_user(struct trapframe *tf);

/*
 * An illegal instruction from user mode (x86 #UD, RISC-V illegal
 * instruction): if it is a user-interrupt instruction the CPU lacks,
 * the kernel emulates it (kernel/uintr.c, with the hooks of the next
 * section) and returns true; false: the arch reports the fault as usual.
 */
bool uintr_emulated(struct trapframe *tf);

/* ---------------------------------------------------------------------
 * User interrupts: arch/<arch>/uintr.c, and archdef.h for the inline
 * arch_uintr_native(). The model and its structures are kernel/uintr.h;
 * the kernel's side, kernel/uintr.c, calls all of these.
 *
 * Emulation (required: kernel/uintr.c emulates wherever
 * arch_uintr_native() is false). The arch knows its instructions and
 * its delivery; kernel/uintr.c fetches the instruction (uintr_trap())
 * and knows threads. These functions are pure: registers in tf, r's
 * state, user memory through m, no locks, no scheduling, so that the
 * host unit tests (tests/unit/test_uintr_*.c) run them. Results:
 * UINTR_* of kernel/uintr.h.
 * ------------------------------------------------------------------- */

struct uintr_recv;
struct uintr_send;
struct uintr_insn;
struct uintr_mem;
struct uintr_post;

/*
 * Decode the n bytes at the faulting pc (n may be short when the code
 * ends at an unmapped page). Returns the UI_* op and fills *in, or
 * UINTR_EILL when the bytes are not (all of) an emulated instruction.
 * Never reads buf past n.
 */
int arch_uintr_decode(const u8 *buf, int n, struct uintr_insn *in);

/*
 * The trapping instruction's bytes as the CPU reported them with the
 * trap, into buf (UINTR_INSN_MAX bytes): how many, or 0 when it reported
 * none - then kernel/uintr.c reads them from user memory instead.
 */
int arch_uintr_reported(const struct trapframe *tf, u8 *buf);

/*
 * Do what the hardware does for a decoded instruction: registers in tf,
 * r's state, user memory through m. r may be NULL (the thread has no
 * user-interrupt state: only a send is emulated); s may be NULL (no
 * sender table: every send faults). Returns UINTR_DONE, UINTR_POST
 * (*post filled in; the pc has moved past the send), or an error, in
 * which case tf and r are unchanged.
 */
int arch_uintr_emulate(struct uintr_recv *r, struct uintr_send *s, struct trapframe *tf,
		       const struct uintr_insn *in, const struct uintr_mem *m,
		       struct uintr_post *post);

/*
 * Deliver the highest pending vector if the thread has user interrupts
 * enabled: build the frame, clear the vector, enter the handler. Returns
 * 1 if it delivered, 0 if there was nothing to deliver (none pending, or
 * masked), or an error (tf, r and the pending set unchanged).
 */
int arch_uintr_deliver(struct uintr_recv *r, struct trapframe *tf, const struct uintr_mem *m);

/* Whether r takes user interrupts now (x86 UIF; RISC-V ustatus.UIE and uie.USIE). */
bool arch_uintr_unmasked(const struct uintr_recv *r);

/*
 * The register-handler operation: handler is the entry stub's user
 * address; stack is the top of a handler stack, or 0 to run the handler
 * on the interrupted stack (x86: below the red zone; RISC-V: uscratch).
 * Returns 0 or -EINVAL (an address outside user space). UIF/UIE are
 * left as they are: the thread enables with STUI / csrs ustatus.
 * Natively too: it sets what arch_uintr_load() gives the CPU.
 */
int arch_uintr_register(struct uintr_recv *r, u64 handler, u64 stack);

/* Name and cause number of the fault an error stands for, for trap_user_fault(). */
const char *arch_uintr_fault(int err, u64 *cause);

/*
 * Native user interrupts (x86 UIPI, CPUID.(7,0):EDX[5]). Where the CPU
 * has them, the kernel's struct uintr_recv and struct uintr_send
 * (kernel/uintr.h) ARE the hardware's UPID and UITT: senders post and
 * notify with no kernel entry, and the CPU delivers. What stays with
 * the kernel is the state the CPU holds for the running thread - its
 * MSRs, its requests (UIRR) and its flag (UIF) - and the notification
 * of a receiver that is not running. Interrupts off throughout.
 */

/* Does this machine deliver user interrupts itself? Decided at boot:
 * the CPU's feature bit, unless the command line says uintr=emulate.
 * Required: an arch without the feature answers false. Inline
 * (archdef.h): every way back to user mode asks, and as a call it cost
 * a ring call 3 instructions on x86_64, 5 on riscv64. */
static inline bool arch_uintr_native(void);

/*
 * The three below: only where arch_uintr_native() can be true.
 * kernel/uintr.c calls them only while it holds; an arch without the
 * feature defines them empty.
 *
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
 * Portable (kernel/uintr.c), called by the arch's interrupt handling
 * only where user interrupts are native: a user-interrupt notification
 * reached the kernel instead of a running receiver. Wakes every thread
 * that sleeps with user interrupts pending.
 */
void uintr_notified(void);

/* The inline page-table entry decoders (arch_pte_kind, _addr, _prot). */
#include "pte.h"
