/*
 * machine.h - what the riscv64 files share among themselves and nobody
 * else sees: control-register (CSR) access and bits, the physical
 * addresses of QEMU virt's devices, the per-hart record and the
 * functions one arch file calls in another.
 */
#pragma once

/* Where OpenSBI (and U-Boot's bootm) put our first instruction. */
#define KERNEL_PHYS 0x80200000 /* also in kernel.ld and arch.mk */

/* QEMU virt's devices (physical addresses, reached through P2V). */
#define TEST_BASE 0x00100000 /* sifive_test: write here to exit QEMU */
#define PLIC_BASE 0x0c000000 /* platform-level interrupt controller */
#define PLIC_SIZE 0x04000000
#define UART_BASE 0x10000000 /* 16550, one byte per register */
#define UART_IRQ  10

/*
 * satp: which page table translates supervisor and user addresses.
 *
 *   63    60 59         44 43                            0
 *  +--------+-------------+-------------------------------+
 *  |  MODE  |    ASID     |  PPN of the root page table   |
 *  +--------+-------------+-------------------------------+
 *   0 = bare (no translation), 8 = Sv39. We leave the ASID 0.
 */
#define SATP_SV39	(8ul << 60)
#define MAKE_SATP(root) (SATP_SV39 | ((root) >> 12))

/* sstatus bits we use (SSTATUS_SIE is in archdef.h, for arch_irq_enable). */
#define SSTATUS_SPIE (1ul << 5)	 /* SIE before the trap; sret copies it back */
#define SSTATUS_SPP  (1ul << 8)	 /* trapped from: 0 = user, 1 = supervisor */
#define SSTATUS_FS   (3ul << 13) /* floating-point unit: 0 = off, FP instructions trap */

/* sie / sip: one bit per supervisor interrupt cause (see trap.c). */
#define SIE_SSIE (1ul << 1) /* software (inter-processor) */
#define SIE_STIE (1ul << 5) /* timer */
#define SIE_SEIE (1ul << 9) /* external, from the PLIC */

/* struct hart field offsets, for boot.S and trap.S (checked in start.c). */
#define HART_STACK   16
#define HART_TF	     24
#define HART_USER_SP 32

/* Hart ids boot.S's lottery can hand on (boot_release[]). */
#define MAX_HARTID 64

#ifndef __ASSEMBLY__

#include "kernel.h"

/* CSR access: csr_read(sepc), csr_write(stvec, x), csr_set(sie, bits). */
#define csr_read(csr)                                                                              \
	({                                                                                         \
		u64 v_;                                                                            \
		asm volatile("csrr %0, " #csr : "=r"(v_));                                         \
		v_;                                                                                \
	})
#define csr_write(csr, val)  asm volatile("csrw " #csr ", %0" ::"r"((u64)(val)) : "memory")
#define csr_set(csr, bits)   asm volatile("csrs " #csr ", %0" ::"r"((u64)(bits)) : "memory")
#define csr_clear(csr, bits) asm volatile("csrc " #csr ", %0" ::"r"((u64)(bits)) : "memory")

/*
 * One per CPU, indexed by CPU number. While a hart runs kernel code its
 * tp register points at its own entry, so arch_cpu_id() is one load;
 * while it runs user code, sscratch does (trap.S).
 */
struct hart {
	u64 id;		 /* dense CPU index, 0 = boot hart */
	u64 hwid;	 /* hart id, as the firmware and the PLIC know it */
	u64 stack;	 /* top of this hart's boot/scheduler stack (HART_STACK) */
	u64 tf;		 /* where a trap from user mode puts its trapframe: at the
			    top of the running thread's kernel stack (HART_TF) */
	u64 user_sp;	 /* the user's sp, parked here by trap entry (HART_USER_SP) */
	struct cpu *cpu; /* &cpus[id], for arch_mycpu() (HART_CPU, archdef.h) */
};
extern struct hart harts[NCPU];
extern int nharts; /* harts found in the device tree, at most NCPU */

/* Set by boot.S from what the firmware passed in a0 and a1. */
extern u64 boot_hartid;
extern u64 boot_dtb; /* physical address of the flattened device tree */

/* boot.S */
extern char boot_entry_secondary[];
/* Harts that lost boot.S's lottery wait for their struct hart here. */
extern u64 boot_release[MAX_HARTID];

/* firmware.c */
void firmware_init(void);
/* virtio-mmio transports, from the device tree's virtio_mmio nodes
 * (firmware.c), in address order; dev.c offers what sits in them. */
#define NVIRTIO 8
struct virtio_slot {
	u64 base, size;
	int irq; /* its PLIC source */
};
extern struct virtio_slot virtio_slots[NVIRTIO];
extern int nvirtio;

extern struct mem_range ram[]; /* RAM banks, from /memory */
extern int nram;
extern u64 timebase_hz;
long sbi_set_timer(u64 when);
long sbi_hart_start(u64 hartid, u64 start_pa, u64 opaque);
long sbi_send_ipi(u64 hartid);

/* trap.c */
void trap_init_hart(void);
void trap_kernel(struct trapframe *tf); /* called by trap.S */
void trap_user(struct trapframe *tf);	/* called by trap.S */

/* trap.S */
void trapret_user(struct trapframe *tf) __attribute__((noreturn));

/* timer.c */
void timer_intr(void);

/* intc.c */
void plic_init_hart(void);
void plic_intr(void);

/* smp.c */
void secondary_main(void) __attribute__((noreturn));

#endif
