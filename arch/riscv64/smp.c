/*
 * smp.c - starting the other harts.
 *
 * OpenSBI keeps every hart but the boot hart stopped. The SBI hart state
 * management (HSM) call hart_start(hartid, pa, opaque) starts one at
 * physical address pa in supervisor mode, MMU off, with a0 = hartid and
 * a1 = opaque. We point it at boot_entry_secondary (boot.S) and pass the
 * address of its struct hart, which holds its stack; boot.S turns the
 * MMU on with the boot page table and calls secondary_main().
 */

#include "machine.h"

#define STACK_ORDER 2 /* 16 KiB kernel stack per hart */

void arch_start_cpus(void)
{
	for (int i = 1; i < nharts; i++) {
		u64 stack = page_alloc(STACK_ORDER);
		if (!stack)
			panic("arch_start_cpus: no memory for a stack");
		harts[i].stack = (u64)P2V(stack) + (PAGE_SIZE << STACK_ORDER);
		/* if the hart turns up at _start instead, boot.S sends it on from here */
		if (harts[i].hwid < MAX_HARTID)
			boot_release[harts[i].hwid] = (u64)&harts[i];
		__sync_synchronize(); /* the new hart must see its stack */
		long err = sbi_hart_start(harts[i].hwid, V2P(boot_entry_secondary), (u64)&harts[i]);
		if (err)
			printf("cpu%d: hart %llu did not start (SBI error %ld)\n", i, harts[i].hwid,
			       err);
	}
}

/* A secondary hart, on its own stack with tp = &harts[i], interrupts off. */
void secondary_main(void)
{
	arch_vm_switch(vm_kernel()->root);
	trap_init_hart();
	plic_init_hart();
	arch_timer_init();
	kmain_secondary();
}
