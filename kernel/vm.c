/*
 * vm.c - page tables, the portable part.
 *
 * Both architectures translate addresses through a tree of 4 KiB tables
 * of 512 8-byte entries. Each level consumes 9 bits of the virtual
 * address; the low 12 bits are the offset in the page:
 *
 *   x86-64 (4 levels):  | 47..39 | 38..30 | 29..21 | 20..12 | 11..0  |
 *   Sv39   (3 levels):           | 38..30 | 29..21 | 20..12 | 11..0  |
 *                         level 3  level 2  level 1  level 0  offset
 *
 * An entry at level > 0 either points to the next table or is itself a
 * leaf mapping a huge page (2 MiB at level 1, 1 GiB at level 2). How an
 * entry is encoded - which bits mean valid, writable, user - is the
 * arch's business (arch_pte_*); walking the tree is the same everywhere.
 */
#include "kernel.h"

static struct pagetable kernel_pt;

/*
 * The entry that maps `va` at `level`. With `alloc`, missing tables on
 * the way are created. NULL if a table is missing (and !alloc), memory
 * ran out, or a huge page already covers the address.
 */
static u64 *walk(struct pagetable *pt, u64 va, int level, bool alloc)
{
	u64 pa = pt->root;
	for (int l = PT_LEVELS - 1; l > level; l--) {
		u64 *e = &pt_table(pa)[pt_index(va, l)];
		switch (arch_pte_kind(*e, l)) {
		case PTE_TABLE:
			pa = arch_pte_addr(*e);
			break;
		case PTE_LEAF:
			return NULL;
		case PTE_NONE:
			if (!alloc || !(pa = page_alloc(0)))
				return NULL;
			*e = arch_pte_table(pa, l);
			break;
		}
	}
	return &pt_table(pa)[pt_index(va, level)];
}

/*
 * Map [va, va+size) to [pa, pa+size) with protection `prot` (VM_* from
 * arch.h), using huge pages where both addresses are aligned for them.
 * Returns 0, or -1 if the range is not page aligned, memory ran out, or
 * part of it is already mapped.
 */
int vm_map(struct pagetable *pt, u64 va, u64 pa, u64 size, unsigned prot)
{
	if ((va | pa | size) & (PAGE_SIZE - 1))
		return -1;
	while (size) {
		int level = PT_MAX_LEAF_LEVEL;
		while (level > 0 && (((va | pa) & (pt_span(level) - 1)) || size < pt_span(level)))
			level--;
		u64 *e = walk(pt, va, level, true);
		if (!e || arch_pte_kind(*e, level) != PTE_NONE)
			return -1;
		*e = arch_pte_leaf(pa, prot, level);
		va += pt_span(level);
		pa += pt_span(level);
		size -= pt_span(level);
	}
	return 0;
}

/* The physical address `va` maps to, or VM_UNMAPPED. */
u64 vm_translate(struct pagetable *pt, u64 va)
{
	u64 pa = pt->root;
	for (int l = PT_LEVELS - 1; l >= 0; l--) {
		u64 e = pt_table(pa)[pt_index(va, l)];
		switch (arch_pte_kind(e, l)) {
		case PTE_TABLE:
			pa = arch_pte_addr(e);
			break;
		case PTE_LEAF:
			return arch_pte_addr(e) + (va & (pt_span(l) - 1));
		case PTE_NONE:
			return VM_UNMAPPED;
		}
	}
	return VM_UNMAPPED; /* a level-0 entry that claims to be a table */
}

struct pagetable *vm_kernel(void)
{
	return &kernel_pt;
}

/* Build the kernel's own page table and switch the boot CPU to it. */
void vm_init(void)
{
	kernel_pt.root = page_alloc(0);
	if (!kernel_pt.root)
		panic("vm_init: out of memory");
	arch_kernel_map(&kernel_pt);
	arch_vm_switch(kernel_pt.root);
}
