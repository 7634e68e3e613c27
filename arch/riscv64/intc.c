/*
 * intc.c - the PLIC, which routes device interrupts to harts, and the
 * kernel's inter-processor interrupt (through the SBI, at the end).
 *
 * Each device interrupt source (1..1023; UART0 is 10 on QEMU virt) has a
 * priority; each "context" (one hart in one privilege mode) has an
 * enable bit per source, a threshold, and a claim/complete register.
 * A source interrupts a context if it is pending, enabled there, and of
 * priority > threshold. QEMU virt gives each hart two contexts, machine
 * mode first:
 *
 *   context  0    1    2    3    4    5  ...  2h   2h+1
 *   hart     0    0    1    1    2    2  ...  h    h
 *   mode     M    S    M    S    M    S  ...  M    S
 *
 * so the supervisor context of hart h is 2h + 1. Registers, as offsets
 * from PLIC_BASE:
 *
 *   0x000000 + 4*irq         priority of source irq (0 = off)
 *   0x002000 + 0x80*ctx      enable bits of ctx: bit irq%32 of word irq/32
 *   0x200000 + 0x1000*ctx    threshold of ctx
 *   0x200004 + 0x1000*ctx    claim (read: which irq, 0 if none) /
 *                            complete (write the irq back when handled)
 */

#include "machine.h"

static volatile u32 *plic(u64 offset)
{
	return P2V(PLIC_BASE + offset);
}

static u64 context(void)
{
	return 2 * arch_cpu_hwid(arch_cpu_id()) + 1;
}

/* Let this hart's supervisor context hear every enabled source. */
void plic_init_hart(void)
{
	*plic(0x200000 + 0x1000 * context()) = 0;
	csr_set(sie, SIE_SEIE);
}

void arch_irq_unmask(int irq)
{
	*plic(4 * irq) = 1;
	*plic(0x2000 + 0x80 * context() + 4 * (irq / 32)) |= 1u << (irq % 32);
}

/*
 * Priority 0 means "never interrupts", on every hart at once. The enable
 * bits are not the way: a hart's completion of a source that is not
 * enabled for it is ignored (the PLIC spec), and dev.c's handler masks
 * before plic_intr() completes; the gateway would then never forward
 * the source again. A level-triggered request stays pending meanwhile.
 */
void arch_irq_mask(int irq)
{
	*plic(4 * irq) = 0;
}

/*
 * The kernel's IPI is the supervisor software interrupt, which only
 * machine mode can raise on another hart: ask the SBI.
 */
void arch_ipi_send(int cpu)
{
	sbi_send_ipi(arch_cpu_hwid(cpu));
}

/* A supervisor external interrupt: ask the PLIC which source, run its
 * handler, and say we are done so the source may interrupt again. */
void plic_intr(void)
{
	volatile u32 *claim = plic(0x200004 + 0x1000 * context());
	u32 irq = *claim;

	if (irq == 0)
		return; /* another hart claimed it first: normal, not spurious */
	irq_handle(irq);
	*claim = irq;
}
