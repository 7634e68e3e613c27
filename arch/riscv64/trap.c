/*
 * trap.c - what a trap was, and who handles it.
 *
 * scause holds the reason: the top bit says interrupt (asynchronous) or
 * exception (caused by the instruction at sepc); the rest is a code.
 *
 *   interrupt (bit 63 = 1)        exception (bit 63 = 0)
 *    1 supervisor software         0 instruction address misaligned
 *    5 supervisor timer            1 instruction access fault
 *    9 supervisor external         2 illegal instruction
 *                                  3 breakpoint
 *                                  4 load address misaligned
 *                                  5 load access fault
 *                                  6 store/AMO address misaligned
 *                                  7 store/AMO access fault
 *                                  8 environment call from U-mode
 *                                  9 environment call from S-mode
 *                                 12 instruction page fault
 *                                 13 load page fault
 *                                 15 store/AMO page fault
 *
 * Interrupts go to the timer, the PLIC or the IPI code, wherever they
 * arrive. An exception in the kernel is a kernel bug and stops the
 * machine. From user mode, an ecall is a system call and any other
 * exception ends the process, not the kernel.
 */

#include "machine.h"
#include "proc.h" /* trap_enter() */

#define SCAUSE_INTR (1ul << 63)
#define IRQ_SSOFT   1
#define IRQ_STIMER  5
#define IRQ_SEXT    9

_Static_assert(__builtin_offsetof(struct trapframe, t6) == TF_REG(31), "trap.S layout");
_Static_assert(__builtin_offsetof(struct trapframe, stval) == TF_STVAL, "trap.S layout");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trap.S layout");
_Static_assert(__builtin_offsetof(struct context, s[11]) == CTX_S(11), "trap.S layout");

static const char *const exception_names[] = {
    [0] = "instruction address misaligned",
    [1] = "instruction access fault",
    [2] = "illegal instruction",
    [3] = "breakpoint",
    [4] = "load address misaligned",
    [5] = "load access fault",
    [6] = "store address misaligned",
    [7] = "store access fault",
    [8] = "environment call from user mode",
    [9] = "environment call from supervisor mode",
    [12] = "instruction page fault",
    [13] = "load page fault",
    [15] = "store page fault",
};

/*
 * This hart catches its traps in trap_entry, with sscratch = 0 (trap.S).
 * OpenSBI leaves the floating-point unit on; nothing here saves its
 * registers, so turn it off: a floating-point instruction in a program
 * then traps as illegal instead of sharing state with other programs.
 */
void trap_init_hart(void)
{
	extern char trap_entry[];

	csr_write(stvec, trap_entry);
	csr_write(sscratch, 0);
	csr_clear(sstatus, SSTATUS_FS);
	/* the state every sret leaves, which trap.S's way into user mode
	   relies on (it does not write SPP or SPIE itself) */
	csr_clear(sstatus, SSTATUS_SPP);
	csr_set(sstatus, SSTATUS_SPIE);
	csr_set(sie, SIE_SSIE);
	csr_write(scounteren, 1 << 1); /* TM: programs may read time (rdtime) */
}

static const char *exception_name(u64 cause)
{
	if (cause < ARRAY_SIZE(exception_names) && exception_names[cause])
		return exception_names[cause];
	return "unknown exception";
}

static void interrupt(u64 cause)
{
	trap_enter(ENTRY_INTERRUPT);
	switch (cause & ~SCAUSE_INTR) {
	case IRQ_STIMER:
		timer_intr();
		break;
	case IRQ_SEXT:
		plic_intr();
		break;
	case IRQ_SSOFT:
		/* another hart's IPI (arch_ipi_send): acknowledge it first, so
		   one sent while we handle this one is not lost */
		csr_clear(sip, SIE_SSIE);
		ipi_handle();
		break;
	default:
		trap_spurious(cause);
	}
}

/* A trap from supervisor mode, on the stack the kernel was using. */
void trap_kernel(struct trapframe *tf)
{
	u64 cause = tf->scause;

	if (cause & SCAUSE_INTR) {
		interrupt(cause);
		return;
	}
	trap_enter(ENTRY_EXCEPTION);
	trap_fatal(exception_name(cause), cause, tf->sepc, tf->stval, tf);
}

/*
 * A trap from user mode but a system call (trap.S calls syscall() for
 * an ecall, kernel/syscall.c); tf is at the top of the thread's kernel
 * stack. Interrupts stay off throughout, as everywhere in the kernel but the
 * idle loop. trap.S returns to user mode with tf afterwards - perhaps
 * much later, on another hart, if trap_return_user() switches threads.
 */
void trap_user(struct trapframe *tf)
{
	u64 cause = tf->scause;

	if (cause & SCAUSE_INTR) {
		interrupt(cause);
	} else {
		trap_enter(ENTRY_EXCEPTION);
		if (cause != EXC_ILLEGAL || !uintr_emulated(tf))
			trap_user_fault(exception_name(cause), cause, tf->sepc, tf->stval, tf);
	}
	trap_return_user(tf);
}

/*
 * A new context "returns" from arch_switch() into context_start
 * (trap.S), which calls entry on the given stack.
 */
void arch_context_init(struct context *c, u64 sp, void (*entry)(void))
{
	extern char context_start[];

	memset(c, 0, sizeof(*c));
	c->ra = (u64)context_start;
	c->sp = sp;
	c->s[1] = (u64)entry;
}

/* A new thread's way into user mode (kernel/proc.c), interrupts off. */
void arch_return_to_user(struct trapframe *tf)
{
	trapret_user(tf);
}

/*
 * A thread's first trip to user mode: at pc, on stack sp, with the
 * arguments of _start (user/lib/riscv64/user.S) in a0..a2 and every other register 0.
 * The sstatus recorded here is what trapret_user (trap.S) gives any
 * return to user mode: user privilege (SPP = 0), interrupts on (SPIE).
 */
void arch_tf_init_user(struct trapframe *tf, u64 pc, u64 sp, u64 a0, u64 a1, u64 a2)
{
	memset(tf, 0, sizeof(*tf));
	tf->sepc = pc;
	tf->sp = sp;
	tf->a0 = a0;
	tf->a1 = a1;
	tf->a2 = a2;
	tf->sstatus = SSTATUS_SPIE;
}

u64 arch_tf_pc(struct trapframe *tf)
{
	return tf->sepc;
}

void arch_dump_trapframe(struct trapframe *tf)
{
	static const char *const names[31] = {"ra", "sp",  "gp",  "tp", "t0", "t1", "t2", "s0",
					      "s1", "a0",  "a1",  "a2", "a3", "a4", "a5", "a6",
					      "a7", "s2",  "s3",  "s4", "s5", "s6", "s7", "s8",
					      "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
	u64 *x = (u64 *)tf;

	for (int i = 0; i < 31; i++)
		printf("%3s %016llx%s", names[i], x[i], i % 4 == 3 || i == 30 ? "\n" : "  ");
	printf("sepc %016llx sstatus %016llx scause %016llx stval %016llx\n", tf->sepc, tf->sstatus,
	       tf->scause, tf->stval);
}
