/*
 * archdef.h for the host unit tests: an imaginary architecture whose
 * "physical" addresses are plain host addresses (the direct map starts
 * at 0), so portable kernel code can run inside a test program.
 */
#pragma once

#define ARCH_NAME	  "host"
#define PT_LEVELS	  4
#define PT_MAX_LEAF_LEVEL 2
/* variables, not constants: the compiler must not fold V2P's range test */
static const unsigned long host_zero = 0;
#define DIRECT_MAP_BASE	  host_zero
#define KERNEL_IMAGE_BASE host_zero

struct trapframe {
	unsigned long pc;
	unsigned long long sysno, arg[6], ret; /* a system call's registers */
};

struct context {
	unsigned long sp;
};

#define USER_TOP    0x800000000000ull
#define ELF_MACHINE 62

/* Every lock goes through host.h's spin_lock, which checks the
 * discipline: a lock taken twice fails the test instead of hanging it,
 * and a panic lets go of the lock it held (kernel.h's
 * spin_lock_irqoff would do neither). */
#define HOST_SPINLOCKS 1

/* The inline helpers of kernel/arch.h: one CPU, whose interrupt flag is a variable. */
static _Bool host_irq_on;
static inline int arch_cpu_id(void)
{
	return 0;
}
struct cpu;
extern struct cpu *const host_cpu0; /* host.h: &cpus[0] */
static inline struct cpu *arch_mycpu(void)
{
	return host_cpu0;
}
static inline _Bool arch_irq_enabled(void)
{
	return host_irq_on;
}
static inline void arch_irq_enable(void)
{
	host_irq_on = 1;
}
static inline void arch_irq_disable(void)
{
	host_irq_on = 0;
}
static inline void arch_relax(void) {}
static inline _Bool arch_uintr_native(void)
{
	return 0;
}
static inline unsigned long long arch_tf_sysno(struct trapframe *tf)
{
	return tf->sysno;
}
static inline unsigned long long arch_tf_arg(struct trapframe *tf, int i)
{
	return tf->arg[i];
}
static inline void arch_tf_set_ret(struct trapframe *tf, unsigned long long val)
{
	tf->ret = val;
}
