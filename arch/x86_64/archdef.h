/*
 * archdef.h - x86_64 compile-time constants for kernel/arch.h, and the
 * trap frame. Also included by the assembly files (__ASSEMBLY__).
 */
#pragma once

#ifdef __ASSEMBLY__
#define UL(x) x
#else
#define UL(x) x##ul
#endif

#define ARCH_NAME "x86_64"

/*
 * Four levels of 512 entries: PML4 (level 3), PDPT (2), PD (1), PT (0).
 * A PDPT entry could map 1 GiB, but QEMU's default CPU model lacks 1 GiB
 * pages (CPUID 0x80000001 EDX bit 26), so leaves stop at 2 MiB.
 */
#define PT_LEVELS	  4
#define PT_MAX_LEAF_LEVEL 1

/*
 * Virtual layout. The lower half (0 .. 0x00007fffffffffff) is for users.
 *
 *   0xffff800000000000  direct map: physical address 0 and up (PML4 slot 256)
 *   0xffffffff80000000  kernel image: physical 0 and up, top 2 GiB (slot 511),
 *                       so that -mcmodel=kernel can use 32-bit signed
 *                       addresses; the image is loaded at physical 2 MiB
 *                       (kernel.ld says why not 1 MiB)
 */
#define DIRECT_MAP_BASE	  UL(0xffff800000000000)
#define KERNEL_IMAGE_BASE UL(0xffffffff80000000)

/*
 * User space is the lower half of the canonical addresses: bits 63..47
 * all 0. The root table's entries 0..255 are the process's own.
 */
#define USER_TOP    UL(0x800000000000)
#define ELF_MACHINE 62 /* EM_X86_64 */

/* The longest instruction x86 allows: what kernel/uintr.c fetches to emulate one. */
#define UINTR_INSN_MAX 15

/* Exception vectors that trap.c and the user-interrupt emulation (uintr.c) share. */
#define T_ILLOP 6  /* invalid opcode (#UD) */
#define T_GPFLT 13 /* general protection (#GP) */
#define T_PGFLT 14 /* page fault (#PF) */

/*
 * The trap frame, as trap.S builds it on the kernel stack. Lowest
 * address first: the general registers it pushes, the vector number and
 * the error code (0 when the CPU pushes none), then what the CPU itself
 * pushes (syscall_entry pushes the same five words by hand):
 *
 *     offset +----------+  <- TSS.RSP0 (from user mode): the top of
 *        168 |    ss    |     the thread's kernel stack
 *        160 |   rsp    |
 *        152 |  rflags  |     pushed by the CPU
 *        144 |    cs    |
 *        136 |   rip    |
 *        128 |   err    |     pushed by the CPU or the stub
 *        120 |  vector  |     pushed by the stub
 *        112 |   rax    |
 *            |   ...    |     pushed by alltraps / syscall_entry (which
 *            |          |     leaves r15..rbx, the lowest six, stale)
 *          0 |   r15    |  <- struct trapframe *tf
 *            +----------+
 *
 * 22 words: 176 bytes, a multiple of 16, so a frame at the top of a
 * 16-byte aligned stack leaves the stack aligned below it.
 */
/* Where struct percpu (machine.h) keeps its struct cpu pointer, for
 * arch_mycpu() below (checked in start.c). */
#define PERCPU_CPU 0x10

#define TF_R11	  48 /* what syscall_entry's way out compares */
#define TF_RCX	  104
#define TF_RFLAGS 152
#define TF_RIP	  136
#define TF_CS	  144
#define TF_RSP	  160
#define TF_SIZE	  176

/*
 * What arch_switch() (trap.S) saves: the registers the C calling
 * convention says a function must preserve (rbx, rbp, r12-r15), the
 * stack pointer, and where to continue. Everything else the caller of
 * arch_switch() already expects to lose, as across any call.
 */
#define CTX_RBX 0
#define CTX_RBP 8
#define CTX_R12 16
#define CTX_R13 24
#define CTX_R14 32
#define CTX_R15 40
#define CTX_RSP 48
#define CTX_RIP 56

#ifndef __ASSEMBLY__
#include "types.h"

struct trapframe {
	u64 r15, r14, r13, r12, rbp, rbx; /* what a C function preserves: first (trap.S) */
	u64 r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	u64 vector, err;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

struct context {
	u64 rbx, rbp, r12, r13, r14, r15;
	u64 rsp; /* the stack pointer arch_switch() returns with */
	u64 rip; /* where it returns to */
};

/*
 * The helpers of kernel/arch.h that every lock and per-CPU access uses,
 * inline: as calls, with their frame-pointer prologues, they cost a
 * blocking ring call 589 instructions of 2,091. volatile: %gs:0 and
 * RFLAGS change under the compiler's feet (a thread moves to another
 * CPU across arch_switch, an interrupt handler runs).
 */
static inline int arch_cpu_id(void)
{
	int id;
	asm volatile("movl %%gs:0, %0" : "=r"(id)); /* struct percpu's first field */
	return id;
}

struct cpu;
static inline struct cpu *arch_mycpu(void)
{
	struct cpu *c;
	asm volatile("movq %%gs:%c1, %0" : "=r"(c) : "i"(PERCPU_CPU)); /* struct percpu's cpu */
	return c;
}

/* sti holds interrupts off for one more instruction: the nop is that
 * instruction, so an interrupt can come in right after this returns.
 * Without it, "enable, relax, disable" (the poller's way of letting
 * interrupts in) inlines to sti; pause; cli, which never takes one:
 * on one CPU the poller then starved the machine. */
static inline void arch_irq_enable(void)
{
	asm volatile("sti; nop" : : : "memory");
}

static inline void arch_irq_disable(void)
{
	asm volatile("cli" : : : "memory");
}

static inline bool arch_irq_enabled(void)
{
	u64 rflags;
	asm volatile("pushfq; popq %0" : "=r"(rflags));
	return rflags & (1 << 9); /* RFLAGS.IF */
}

static inline void arch_relax(void)
{
	asm volatile("pause");
}

/*
 * The system-call convention (user/lib/x86_64/user.S): number in rax,
 * arguments in rdi, rsi, rdx, r10, r8, r9 - the C calling convention's
 * registers, but r10 for rcx, which syscall overwrites - and the result
 * in rax. Inline: kernel/syscall.c passes a constant i, so each is one
 * load; as calls they cost a ring call 26 instructions.
 */
static inline u64 arch_tf_sysno(struct trapframe *tf)
{
	return tf->rax;
}

static inline u64 arch_tf_arg(struct trapframe *tf, int i)
{
	switch (i) {
	case 0:
		return tf->rdi;
	case 1:
		return tf->rsi;
	case 2:
		return tf->rdx;
	case 3:
		return tf->r10;
	case 4:
		return tf->r8;
	default:
		return tf->r9; /* i is 0..5 (arch.h) */
	}
}

static inline void arch_tf_set_ret(struct trapframe *tf, u64 val)
{
	tf->rax = val;
}

extern bool uintr_native; /* uintr.c: decided once, on the boot CPU */
static inline bool arch_uintr_native(void)
{
	return uintr_native;
}
#endif
