/*
 * mmu.c - x86_64 page tables for the portable walker (kernel/vm.c): how
 * an entry is encoded, what the kernel maps, and loading CR3.
 */
#include "machine.h"

/*
 * A page-table entry, at every level (8 bytes):
 *
 *  63  62    52 51                      12 11  9 8 7  6 5 4   3   2 1 0
 * +--+--------+--------------------------+-----+-+--+-+-+---+---+-+-+-+
 * |NX| avail  | physical address         |avail|G|PS|D|A|PCD|PWT|U|W|P|
 * +--+--------+--------------------------+-----+-+--+-+-+---+---+-+-+-+
 *
 * P: present. W: writable (else read-only; CR0.WP makes this bind the
 * kernel too). U: user accessible. PWT/PCD: write-through / cache
 * disable; both set selects PAT entry 3, uncached, for devices.
 * PS: in a level 1 (PD) entry, a 2 MiB leaf instead of a table pointer;
 * its bit 12 is then the PAT bit, which we never set. NX: no execute
 * (needs EFER.NXE, which boot.S sets if the CPU has NX; without it the
 * bit is reserved, and every page is executable). There is no "readable"
 * bit: present means readable. The CPU sets A and D. The CPU ignores the
 * avail bits; bit 9 is our VM_SHARED, "this page is someone else's, do
 * not free it with the table", which arch_pte_prot() gives back to
 * kernel/uvm.c.
 *
 * Access is the AND of all levels, so table entries grant everything
 * (W and U) and the leaf decides.
 */
#define PTE_P	   (1ull << 0)
#define PTE_W	   (1ull << 1)
#define PTE_U	   (1ull << 2)
#define PTE_PWT	   (1ull << 3)
#define PTE_PCD	   (1ull << 4)
#define PTE_PS	   (1ull << 7)
#define PTE_SHARED (1ull << 9) /* avail: VM_SHARED */
#define PTE_NX	   (1ull << 63)
#define PTE_ADDR   0x000ffffffffff000ull

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

unsigned arch_pte_prot(u64 pte)
{
	unsigned prot = VM_R; /* present means readable */

	if (pte & PTE_W)
		prot |= VM_W;
	if (pte & PTE_U)
		prot |= VM_U;
	if (!(pte & PTE_NX))
		prot |= VM_X;
	if (pte & PTE_PCD)
		prot |= VM_DEV;
	if (pte & PTE_SHARED)
		prot |= VM_SHARED;
	return prot;
}

u64 arch_pte_table(u64 pa, int level)
{
	(void)level;
	return pa | PTE_P | PTE_W | PTE_U;
}

enum pte_kind arch_pte_kind(u64 pte, int level)
{
	if (!(pte & PTE_P))
		return PTE_NONE;
	if (level == 0 || (pte & PTE_PS))
		return PTE_LEAF;
	return PTE_TABLE;
}

u64 arch_pte_addr(u64 pte)
{
	return pte & PTE_ADDR;
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
