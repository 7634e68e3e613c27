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
 * Interrupts go to the timer, the PLIC or the IPI code; every exception
 * is a kernel bug for now (user mode comes later) and stops the machine.
 */

#include "machine.h"

#define SCAUSE_INTR (1ul << 63)
#define IRQ_SSOFT   1
#define IRQ_STIMER  5
#define IRQ_SEXT    9

_Static_assert(__builtin_offsetof(struct trapframe, t6) == TF_REG(31), "trap.S layout");
_Static_assert(__builtin_offsetof(struct trapframe, stval) == TF_STVAL, "trap.S layout");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trap.S layout");

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

/* This hart catches its traps in trap_entry, with sscratch = 0 (trap.S). */
void trap_init_hart(void)
{
	extern char trap_entry[];

	csr_write(stvec, trap_entry);
	csr_write(sscratch, 0);
	csr_set(sie, SIE_SSIE);
}

void trap_kernel(struct trapframe *tf)
{
	u64 cause = tf->scause;

	if (cause & SCAUSE_INTR) {
		trap_enter(ENTRY_INTERRUPT);
		switch (cause & ~SCAUSE_INTR) {
		case IRQ_STIMER:
			timer_intr();
			break;
		case IRQ_SEXT:
			plic_intr(cause);
			break;
		case IRQ_SSOFT:
			/* Nobody sends IPIs yet: acknowledge, and report. */
			csr_clear(sip, SIE_SSIE);
			trap_spurious(cause);
			break;
		default:
			trap_spurious(cause);
		}
		return;
	}

	trap_enter(ENTRY_EXCEPTION);
	const char *name = cause < ARRAY_SIZE(exception_names) && exception_names[cause]
			       ? exception_names[cause]
			       : "unknown exception";
	trap_fatal(name, cause, tf->sepc, tf->stval, tf);
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
