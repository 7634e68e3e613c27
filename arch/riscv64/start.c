/*
 * start.c - the boot hart's way into the portable kernel, and the small
 * per-CPU and interrupt-flag functions of arch.h.
 *
 * boot.S has us running at the link address with a stack, tp pointing
 * at harts[0] and .bss clear. arch_early_init() records who we are,
 * catches traps and reads the device tree; arch_init() starts this
 * hart's interrupt sources once the kernel page table exists.
 */

#include "machine.h"

_Static_assert(__builtin_offsetof(struct hart, id) == 0, "arch_cpu_id (archdef.h) reads 0(tp)");
_Static_assert(__builtin_offsetof(struct hart, stack) == HART_STACK, "boot.S needs HART_STACK");
_Static_assert(__builtin_offsetof(struct hart, tf) == HART_TF, "trap.S needs HART_TF");
_Static_assert(__builtin_offsetof(struct hart, user_sp) == HART_USER_SP, "trap.S layout");
_Static_assert(__builtin_offsetof(struct hart, cpu) == HART_CPU, "arch_mycpu (archdef.h)");

/* The boot hart's cpu pointer is there from the first instruction: its
 * first lock (a printf) comes before any code could set it. */
struct hart harts[NCPU] = {[0] = {.cpu = &cpus[0]}};
u64 boot_hartid;
u64 boot_dtb;

void arch_early_init(void)
{
	extern char boot_stack_top[];

	harts[0].hwid = boot_hartid;
	harts[0].stack = (u64)boot_stack_top;
	trap_init_hart();
	firmware_init();
}

void arch_init(void)
{
	plic_init_hart();
	arch_timer_init();
}

u32 arch_cpu_hwid(int cpu)
{
	return harts[cpu].hwid;
}

/*
 * The caller checked for work with interrupts off and found none. wfi
 * waits until an interrupt is pending and enabled in sie, whatever
 * sstatus.SIE says; if one arrived after the check it is already pending
 * and wfi returns at once, so no wakeup is lost. Opening sstatus.SIE for
 * one instruction then lets the trap happen, here, with a clean frame.
 */
void arch_idle(void)
{
	asm volatile("wfi");
	arch_irq_enable();
	arch_irq_disable();
}
