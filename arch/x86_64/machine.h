/*
 * machine.h - what the x86_64 arch files share with each other (never seen
 * by portable code): segment selectors, vectors, MSRs, the per-CPU block,
 * instruction wrappers, and the functions one arch file calls in another.
 */
#pragma once

/*
 * GDT selectors (start.c). The order suits syscall/sysret (trap.c). A
 * selector's low two bits are its requested privilege level (RPL): user
 * mode runs with CS = SEG_UCODE | 3 and SS = SEG_UDATA | 3, so the low
 * bits of a saved CS say which mode a trap came from.
 */
#define SEG_KCODE 0x08
#define SEG_KDATA 0x10
#define SEG_UDATA 0x18
#define SEG_UCODE 0x20
#define SEG_TSS	  0x28
#define USER_CS	  (SEG_UCODE | 3)
#define USER_SS	  (SEG_UDATA | 3)

/* The boot GDT (boot.S) also has a 32-bit code segment for the AP trampoline. */
#define SEG_KCODE32 0x18

/* Control register and EFER bits: long mode (boot.S), protection (start.c). */
#define CR0_PE	       (1 << 0)
#define CR0_EM	       (1 << 2) /* x87 instructions raise #NM */
#define CR0_WP	       (1 << 16)
#define CR0_PG	       0x80000000
#define CR4_PAE	       (1 << 5)
#define CR4_SMEP       (1 << 20) /* the kernel cannot execute user pages */
#define CR4_SMAP       (1 << 21) /* ... nor touch them while RFLAGS.AC is clear */
#define CR4_UINTR      (1 << 25) /* user interrupts (uintr.c) */
#define MSR_EFER       0xc0000080
#define EFER_SCE       (1 << 0)
#define EFER_LME       (1 << 8)
#define EFER_NXE_SHIFT 11
#define EFER_NXE       (1 << EFER_NXE_SHIFT)

/* CPUID feature bits. */
#define CPUID_NX_SHIFT 20 /* leaf 0x80000001, EDX: the NX bit */
#define CPUID_NX       (1 << CPUID_NX_SHIFT)
#define CPUID_7_SMEP   (1 << 7)	 /* leaf 7, subleaf 0, EBX */
#define CPUID_7_SMAP   (1 << 20) /* leaf 7, subleaf 0, EBX */
#define CPUID_7_UINTR  (1 << 5)	 /* leaf 7, subleaf 0, EDX: user interrupts */

/* RFLAGS bits. */
#define RFLAGS_FIXED (1 << 1)  /* reserved, always 1 */
#define RFLAGS_TF    (1 << 8)  /* single-step */
#define RFLAGS_IF    (1 << 9)  /* interrupts enabled */
#define RFLAGS_DF    (1 << 10) /* string instructions go down */
#define RFLAGS_NT    (1 << 14) /* nested task: iretq faults if set */
#define RFLAGS_AC    (1 << 18) /* SMAP off (and alignment check in user mode) */

/* Physical page the AP trampoline is copied to (below 1 MiB: SIPI vector 0x08). */
#define TRAMPOLINE_PA 0x8000

/* Interrupt vectors. 0-31 are the CPU's exceptions. */
#define T_IRQ0	     0x20  /* ISA IRQ n arrives as T_IRQ0 + n (via the IOAPIC) */
#define T_TIMER	     0x30  /* LAPIC timer */
#define T_UINTR	     0xe0  /* a user-interrupt notification for a running receiver (uintr.c) */
#define T_UINTR_WAKE 0xe1  /* ... for a sleeping one: the kernel wakes it (uintr.c) */
#define T_IPI	     0xf0  /* the kernel's IPI (arch_ipi_send) */
#define T_SPURIOUS   0xff  /* LAPIC spurious interrupt */
#define T_SYSCALL    0x100 /* not a vector: marks a frame built by syscall_entry */

/* struct percpu field offsets, for trap.S and this_cpu() (checked in start.c). */
#define PERCPU_USER_RSP 0x08
#define PERCPU_SELF	0x18
#define PERCPU_RSP0	0x74 /* tss.rsp[0] */

#ifndef __ASSEMBLY__
#include "kernel.h"

#define MSR_STAR	   0xc0000081
#define MSR_LSTAR	   0xc0000082
#define MSR_FMASK	   0xc0000084
#define MSR_GS_BASE	   0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102 /* swapgs exchanges it with MSR_GS_BASE */
#define MSR_APIC_BASE	   0x1b	      /* bit 10: the LAPIC is in x2APIC mode */
/* User interrupts (uintr.c has the layouts) */
#define MSR_UINTR_RR	      0x985 /* UIRR: requests the CPU will deliver */
#define MSR_UINTR_HANDLER     0x986 /* UIHANDLER: where delivery enters */
#define MSR_UINTR_STACKADJUST 0x987 /* how delivery finds a stack */
#define MSR_UINTR_MISC	      0x988 /* UITTSZ, UINV */
#define MSR_UINTR_PD	      0x989 /* the receiver's UPID */
#define MSR_UINTR_TT	      0x98a /* the sender's UITT, bit 0: valid */

/* The 64-bit task state segment: only stack pointers matter in long mode. */
struct tss {
	u32 reserved0;
	u64 rsp[3]; /* stack for a trap from ring 0/1/2 into ring 0: rsp[0] */
	u64 reserved1;
	u64 ist[7]; /* interrupt stack table: gates with IST n use ist[n-1] */
	u64 reserved2;
	u16 reserved3;
	u16 iomap; /* offset of the I/O permission bitmap: none */
} __attribute__((packed));

#define NGDT 7 /* null, kernel code/data, user data/code, TSS (2 slots) */

/*
 * Per-CPU block. While the kernel runs, the GS base register points at
 * this CPU's block, so %gs:0 is this CPU's index. User mode has GS base
 * 0: on every entry from user mode trap.S swaps the two (swapgs, with
 * MSR_KERNEL_GS_BASE), and back on the way out.
 */
struct percpu {
	int id;		     /* must stay first: arch_cpu_id() reads %gs:0 */
	u64 user_rsp;	     /* syscall_entry parks the user's rsp here (PERCPU_USER_RSP) */
	struct cpu *cpu;     /* &cpus[id], for arch_mycpu() (PERCPU_CPU, archdef.h) */
	struct percpu *self; /* this block, for this_cpu() (PERCPU_SELF) */
	/* native user interrupts (uintr.c): whose state the CPU holds, if anyone's */
	struct uintr_recv *ui_recv;
	struct uintr_send *ui_send;
	u64 ui_misc; /* what MSR_UINTR_MISC holds */
	u64 gdt[NGDT];
	struct tss tss;
	u8 ist_stack[PAGE_SIZE] __attribute__((aligned(16))); /* double fault, NMI */
};

static inline u8 inb(u16 port)
{
	u8 v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline u32 inl(u16 port)
{
	u32 v;
	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static inline u64 rcr2(void)
{
	u64 v;
	asm volatile("movq %%cr2, %0" : "=r"(v));
	return v;
}

/* Physical address of a symbol in the kernel image. */
#define IMAGE_PA(sym) ((u64)(uptr)(sym)-KERNEL_IMAGE_BASE)

/* boot.S */
extern char boot_stack_top[];
extern char trampoline[], trampoline_end[];
extern char kernel_start[], etext[], erodata[], kernel_end[]; /* kernel.ld */

/* start.c */
void cpu_setup(int id, void *stack_top);
extern struct percpu percpu[NCPU];

/* This CPU's arch state. Inline: every system call's way out sets this
 * CPU's kernel stack through it (user_leave), and the call cost a ring
 * call 5 more instructions. One load of the block's pointer to itself:
 * &percpu[arch_cpu_id()] took three (load, sign-extend, multiply). */
static inline struct percpu *this_cpu(void)
{
	struct percpu *c;
	asm volatile("movq %%gs:%c1, %0" : "=r"(c) : "i"(PERCPU_SELF));
	return c;
}

/* firmware.c: what the firmware tables said */
extern u32 mb_magic, mb_info; /* set by boot.S */
void firmware_init(void);
extern int ncpu;
extern u32 cpu_apic_id[NCPU];
extern u64 lapic_pa, ioapic_pa;
extern u32 ioapic_gsi_base;
struct irq_route {
	u32 gsi;
	bool level;	 /* level triggered, else edge */
	bool active_low; /* else active high */
};
struct irq_route isa_irq_route(int irq);
extern u64 ram_end_low;	 /* end of RAM below 4 GiB */
extern u64 ram_end_high; /* end of RAM above 4 GiB, or 0 */

/* trap.c */
void trap(struct trapframe *tf);
void syscall_bad_rip(struct trapframe *tf);
void idt_init(void);
void idt_load(void);
void syscall_setup(void);

/* trap.S */
void trapret_user(struct trapframe *tf) __attribute__((noreturn));

/* mmu.c */
void mmu_init(void);

/* uintr.c: native user interrupts */
void uintr_cpu_init(void);

/* intc.c */
void lapic_init(void);
void lapic_eoi(void);
u32 lapic_read(u32 reg);
void lapic_write(u32 reg, u32 v);
void lapic_ipi(u32 apic_id, u32 icr_low);
void ioapic_init(void);

/* Local APIC registers (byte offsets) that several files use. */
#define LAPIC_TIMER_LVT	 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	 0x390
#define LAPIC_TIMER_DIV	 0x3e0
#define LVT_MASKED	 (1 << 16)

/* timer.c */
void timer_calibrate(void);
void delay_us(u64 us);

/* smp.c */
extern void *ap_stack; /* read by boot.S: stack top for the AP being started */
extern u64 ap_root;    /* and the page table it switches to */
void ap_main(void) __attribute__((noreturn));
#endif
