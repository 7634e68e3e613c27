/*
 * archdef.h - riscv64 compile-time constants for kernel/arch.h, and the
 * trap frame layout shared by trap.S (offsets) and C (the struct).
 *
 * Virtual memory is Sv39: 39-bit virtual addresses, three levels of 512
 * entries, leaves allowed at every level (4 KiB, 2 MiB, 1 GiB pages).
 * Addresses must be sign-extended from bit 38, so the upper half starts
 * at 0xffffffc000000000. The kernel puts physical address 0 there:
 *
 *   0xffffffffffffffff +----------------------+
 *                      | direct map of all    |  256 GiB
 *                      | RAM and devices      |
 *   0xffffffc080200000 |   <- kernel image    |  (= physical 0x80200000)
 *   0xffffffc000000000 +----------------------+  DIRECT_MAP_BASE
 *                      |  not canonical       |
 *   0x0000004000000000 +----------------------+  USER_TOP
 *                      |  user space: each    |  256 GiB
 *                      |  process's own       |
 *   0x0000000000000000 +----------------------+
 *
 * The image is linked inside the direct map, so both bases are equal.
 * User space is the lower half: root-table entries 0..255 belong to the
 * process, 256..511 are the kernel's, the same in every page table.
 */
#pragma once

#define ARCH_NAME	  "riscv64"
#define PT_LEVELS	  3
#define PT_MAX_LEAF_LEVEL 2
#define DIRECT_MAP_BASE	  0xffffffc000000000 /* no suffix: boot.S uses it too */
#define KERNEL_IMAGE_BASE DIRECT_MAP_BASE
#define USER_TOP	  0x4000000000
#define ELF_MACHINE	  243 /* EM_RISCV */

/* sstatus.SIE, supervisor interrupts enabled: arch_irq_enable() below, trap.S */
#define SSTATUS_SIE (1ul << 1)

/* The longest user-interrupt instruction (all are 32 bits): what kernel/uintr.c fetches. */
#define UINTR_INSN_MAX 4

/* Exception causes (scause) that trap.c, trap.S and the user-interrupt emulation share. */
#define EXC_ILLEGAL 2  /* illegal instruction */
#define EXC_ECALL_U 8  /* ecall from user mode: a system call */
#define EXC_IPAGE   12 /* instruction page fault */

/*
 * The trap frame: every general register x1..x31 in register-number
 * order (x0 is always zero and not saved), then the CSRs that describe
 * the trap. Register xN lives at offset 8*(N-1), which keeps trap.S a
 * plain list. The size is a multiple of 16, as the calling convention
 * requires of the stack pointer.
 */
#define TF_REG(n)  (8 * ((n)-1))
#define TF_SEPC	   (8 * 31)
#define TF_SSTATUS (8 * 32)
#define TF_SCAUSE  (8 * 33)
#define TF_STVAL   (8 * 34)
#define TF_SIZE	   (8 * 36)

#ifndef __ASSEMBLY__
struct trapframe {
	/* x1..x31, in register-number order */
	u64 ra, sp, gp, tp, t0, t1, t2, s0, s1;
	u64 a0, a1, a2, a3, a4, a5, a6, a7;
	u64 s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
	u64 t3, t4, t5, t6;
	/* the trap */
	u64 sepc;    /* pc of the trapped instruction */
	u64 sstatus; /* privilege and interrupt state before the trap */
	u64 scause;  /* why: interrupt bit + code */
	u64 stval;   /* faulting address or instruction */
	u64 pad;     /* to TF_SIZE */
};
#endif

/*
 * What arch_switch() (trap.S) saves: only what the calling convention
 * says a function must preserve - the return address, the stack pointer
 * and s0..s11. Everything else the caller of arch_switch() already
 * expects to lose, as across any call.
 */
#define CTX_RA	 0
#define CTX_SP	 8
#define CTX_S(n) (16 + 8 * (n))

#ifndef __ASSEMBLY__
struct context {
	u64 ra; /* where arch_switch() returns to */
	u64 sp;
	u64 s[12]; /* s0..s11 */
};

/*
 * The helpers of kernel/arch.h that every lock and per-CPU access uses,
 * inline: as calls, each with its frame-pointer prologue, they cost a
 * blocking ring call 925 instructions of 2,490. volatile: tp's record
 * and sstatus change under the compiler's feet (a thread moves to
 * another hart across arch_switch, an interrupt handler runs).
 */
static inline int arch_cpu_id(void)
{
	u64 id;
	asm volatile("ld %0, 0(tp)" : "=r"(id)); /* struct hart's first field (machine.h) */
	return (int)id;
}

/* struct hart's cpu field (machine.h; checked in start.c) */
#define HART_CPU 40

struct cpu;
static inline struct cpu *arch_mycpu(void)
{
	struct cpu *c;
	asm volatile("ld %0, %1(tp)" : "=r"(c) : "i"(HART_CPU));
	return c;
}

static inline void arch_irq_enable(void)
{
	asm volatile("csrs sstatus, %0" : : "r"(SSTATUS_SIE) : "memory");
}

static inline void arch_irq_disable(void)
{
	asm volatile("csrc sstatus, %0" : : "r"(SSTATUS_SIE) : "memory");
}

static inline bool arch_irq_enabled(void)
{
	u64 s;
	asm volatile("csrr %0, sstatus" : "=r"(s));
	return (s & SSTATUS_SIE) != 0;
}

/* Zihintpause's pause hint is not part of rv64imac: nothing to do. */
static inline void arch_relax(void) {}

/*
 * The system-call convention: number in a7, arguments in a0..a5
 * (x10..x15), result in a0. Inline: kernel/syscall.c passes a constant
 * i, so each is one load; as calls they cost a ring call 35
 * instructions.
 */
static inline u64 arch_tf_sysno(struct trapframe *tf)
{
	return tf->a7;
}

static inline u64 arch_tf_arg(struct trapframe *tf, int i)
{
	return (&tf->a0)[i]; /* i is 0..5 (arch.h): a0..a5 follow each other */
}

static inline void arch_tf_set_ret(struct trapframe *tf, u64 val)
{
	tf->a0 = val;
}

/* No RISC-V hart delivers user interrupts itself: uintr.c emulates. */
static inline bool arch_uintr_native(void)
{
	return false;
}
#endif
