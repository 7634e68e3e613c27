/*
 * mmu.c - x86_64 page tables for the portable walker (kernel/vm.c): how
 * an entry is encoded, what the kernel maps, and loading CR3.
 */
#include "machine.h"

/* The entry format (PTE_* bits) and its decoders are in pte.h. */

static u64 pte_nx; /* PTE_NX if EFER.NXE is on, else 0 */

/* Called on the boot CPU before any page table is built. */
void mmu_init(void)
{
	if (rdmsr(MSR_EFER) & EFER_NXE)
		pte_nx = PTE_NX;
}

u64 arch_pte_leaf(u64 pa, unsigned prot, int level)
{
	u64 pte = pa | PTE_P;
	if (prot & VM_W)
		pte |= PTE_W;
	if (prot & VM_U)
		pte |= PTE_U;
	if (!(prot & VM_X))
		pte |= pte_nx;
	if (prot & VM_DEV)
		pte |= PTE_PWT | PTE_PCD;
	if (prot & VM_SHARED)
		pte |= PTE_SHARED;
	if (level > 0)
		pte |= PTE_PS;
	return pte;
}

u64 arch_pte_table(u64 pa, int level)
{
	(void)level;
	return pa | PTE_P | PTE_W | PTE_U;
}

static void map(struct pagetable *pt, u64 va, u64 pa, u64 size, unsigned prot)
{
	if (vm_map(pt, va, pa, size, prot) < 0)
		panic("arch_kernel_map: cannot map %llx", va);
}

static void map_image(struct pagetable *pt, char *start, char *end, unsigned prot)
{
	map(pt, (u64)start, IMAGE_PA(start), end - start, prot);
}

/*
 * The direct map covers RAM below 4 GiB from address 0 (so also the
 * BIOS area, the AP trampoline and the firmware tables), RAM above 4 GiB,
 * and the two interrupt controllers as devices. The kernel image is
 * mapped where it is linked, each part with only the rights it needs.
 */
void arch_kernel_map(struct pagetable *pt)
{
	map(pt, DIRECT_MAP_BASE, 0, ram_end_low, VM_R | VM_W);
	if (ram_end_high)
		map(pt, DIRECT_MAP_BASE + (4ull << 30), 4ull << 30, ram_end_high - (4ull << 30),
		    VM_R | VM_W);
	map(pt, (u64)P2V(lapic_pa), lapic_pa, PAGE_SIZE, VM_R | VM_W | VM_DEV);
	map(pt, (u64)P2V(ioapic_pa), ioapic_pa, PAGE_SIZE, VM_R | VM_W | VM_DEV);

	map_image(pt, kernel_start, etext, VM_R | VM_X);
	map_image(pt, etext, erodata, VM_R);
	map_image(pt, erodata, kernel_end, VM_R | VM_W);
}

void arch_vm_switch(u64 root)
{
	asm volatile("movq %0, %%cr3" : : "r"(root) : "memory");
}

/* Reloading CR3 flushes every translation (we use no global pages). */
void arch_tlb_flush(void)
{
	u64 cr3;
	asm volatile("movq %%cr3, %0; movq %0, %%cr3" : "=r"(cr3) : : "memory");
}

void arch_tlb_flush_page(u64 va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}
