/*
 * smp.c - starting the other CPUs (APs). Each one waits, halted, for an
 * INIT IPI and then a startup IPI (SIPI) whose vector v makes it run
 * real-mode code at physical v << 12. That code is boot.S's trampoline,
 * copied below 1 MiB; it brings the AP to ap_start64 and then ap_main().
 * APs start one at a time: the trampoline and the variables it reads
 * (ap_stack, ap_root, ap_cpu) serve one AP at a time.
 */
#include "machine.h"

#define KSTACK_ORDER 2 /* 16 KiB per CPU, like the boot stack */

void *ap_stack;
u64 ap_root;
static int ap_cpu;
static volatile bool ap_started;

/*
 * Interrupt command register, low half (the high half holds the
 * destination APIC id in bits 31:24):
 *
 *  31      20 19 18 17 16 15 14 13 12 11 10   8 7          0
 * +----------+-----+-----+--+--+--+--+--+------+------------+
 * | reserved |short|     |TM|L |  |DS|DM| mode |   vector   |
 * +----------+-----+-----+--+--+--+--+--+------+------------+
 *
 * short: destination shorthand (00: use the APIC id). TM: trigger (0
 * edge). L: level, 1 = assert. DS: delivery status (1 = still sending).
 * DM: 0 physical. mode: 101 INIT, 110 startup (vector = page number).
 */
#define ICR_INIT    (5 << 8)
#define ICR_STARTUP (6 << 8)
#define ICR_ASSERT  (1 << 14)

/*
 * Intel's recipe (SDM vol. 3, "MP initialization"): INIT, wait 10 ms,
 * SIPI, wait 200 us, SIPI again if the AP has not started. The second
 * SIPI is ignored by an AP that is already running.
 */
void arch_start_cpus(void)
{
	memmove(P2V(TRAMPOLINE_PA), trampoline, trampoline_end - trampoline);
	ap_root = vm_kernel()->root;

	for (int i = 1; i < ncpu; i++) {
		u32 apic_id = cpu_apic_id[i];
		u64 stack = page_alloc(KSTACK_ORDER);
		if (!stack)
			panic("arch_start_cpus: out of memory");
		ap_stack = (u8 *)P2V(stack) + (PAGE_SIZE << KSTACK_ORDER);
		ap_cpu = i;
		ap_started = false;

		lapic_ipi(apic_id, ICR_INIT | ICR_ASSERT);
		delay_us(10000);
		for (int sipi = 0; sipi < 2 && !ap_started; sipi++) {
			lapic_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | TRAMPOLINE_PA >> 12);
			delay_us(200);
		}
		/* Wait until it has taken its stack and index (kmain() waits
		   for the rest): the next CPU's start reuses both, so moving
		   on without it would hand a late one another's stack. */
		u64 deadline = arch_time_ns() + CPU_WAIT_NS;
		while (!ap_started && arch_time_ns() < deadline)
			arch_relax();
		if (!ap_started)
			panic("smp: cpu%d (APIC id %u) did not start", i, apic_id);
	}
}

/* An AP, on its own stack and the kernel page table, interrupts off. */
void ap_main(void)
{
	cpu_setup(ap_cpu, ap_stack);
	ap_started = true;
	lapic_init();
	arch_timer_init();
	uintr_cpu_init();
	kmain_secondary();
}
