/*
 * mmu.c - Sv39 page-table entries, loading satp, and what the kernel's
 * own page table maps. kernel/vm.c walks the tables; we only know the
 * bits.
 *
 * A virtual address (bits 63..39 must copy bit 38):
 *
 *   38      30 29      21 20      12 11          0
 *  +----------+----------+----------+-------------+
 *  | VPN[2]   | VPN[1]   | VPN[0]   | page offset |
 *  +----------+----------+----------+-------------+
 *    level 2    level 1    level 0     (index 512 entries per level)
 *
 * The entry format (PTE_* bits) and its decoders are in pte.h.
 *
 * Sv39 has no memory-type bits (that is the Svpbmt extension): device
 * registers are uncached because the platform says so for their
 * physical addresses, so VM_DEV needs nothing here.
 */

#include "machine.h"

static u64 pte_ppn(u64 pa)
{
	return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT;
}

u64 arch_pte_leaf(u64 pa, unsigned prot, int level)
{
	u64 pte = pte_ppn(pa) | PTE_V | PTE_A | PTE_D;

	(void)level; /* the same format at every level */
	if (!(prot & (VM_R | VM_W | VM_X)))
		panic("arch_pte_leaf: no access bits would make a table pointer");
	if (prot & VM_R)
		pte |= PTE_R;
	if (prot & VM_W)
		pte |= PTE_W;
	if (prot & VM_X)
		pte |= PTE_X;
	if (prot & VM_SHARED)
		pte |= PTE_SHARED;
	pte |= (prot & VM_U) ? PTE_U : PTE_G;
	return pte;
}

u64 arch_pte_table(u64 pa, int level)
{
	(void)level;
	return pte_ppn(pa) | PTE_V;
}

/* satp's layout is in machine.h. sfence.vma after the write drops the
 * translations the TLB cached from the old table. */
void arch_vm_switch(u64 root)
{
	csr_write(satp, MAKE_SATP(root));
	arch_tlb_flush();
}

void arch_tlb_flush(void)
{
	asm volatile("sfence.vma zero, zero" ::: "memory");
}

void arch_tlb_flush_page(u64 va)
{
	asm volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
}

/*
 * The direct map: all RAM read-write, except the kernel image, whose
 * text is read-execute and read-only data read-only; and the devices.
 */
void arch_kernel_map(struct pagetable *pt)
{
	extern char _start[], _etext[], _erodata[], _end[]; /* kernel.ld */
	u64 ktext = V2P(_start), krodata = V2P(_etext), kdata = V2P(_erodata), kend = V2P(_end);
	static const u64 dev[][2] = {
	    {TEST_BASE, PAGE_SIZE}, {PLIC_BASE, PLIC_SIZE}, {UART_BASE, PAGE_SIZE}};
	unsigned rw = VM_R | VM_W;
	int err = 0;

	for (int i = 0; i < nram; i++) {
		u64 b = ram[i].base, e = b + ram[i].size;
		if (b <= ktext && ktext < e) {
			err |= vm_map(pt, (u64)P2V(b), b, ktext - b, rw);
			err |= vm_map(pt, (u64)P2V(kend), kend, e - kend, rw);
		} else {
			err |= vm_map(pt, (u64)P2V(b), b, e - b, rw);
		}
	}
	err |= vm_map(pt, (u64)_start, ktext, krodata - ktext, VM_R | VM_X);
	err |= vm_map(pt, (u64)_etext, krodata, kdata - krodata, VM_R);
	err |= vm_map(pt, (u64)_erodata, kdata, kend - kdata, rw);
	for (u64 i = 0; i < ARRAY_SIZE(dev); i++)
		err |= vm_map(pt, (u64)P2V(dev[i][0]), dev[i][0], dev[i][1], rw | VM_DEV);
	/* virtio transports: dev.c reads their ids and resets them */
	for (int i = 0; i < nvirtio; i++)
		err |= vm_map(pt, (u64)P2V(virtio_slots[i].base), virtio_slots[i].base,
			      ROUND_UP(virtio_slots[i].size, PAGE_SIZE), rw | VM_DEV);
	if (err)
		panic("arch_kernel_map: out of memory");
}
