/*
 * pte.h - the Sv39 page-table entry format, and the decoders of
 * kernel/arch.h that the walker (kernel/vm.c, kernel/uvm.c) calls at
 * every level of every walk: inline, because as calls they cost a
 * copyin of one page about 150 instructions (mmu.c encodes entries).
 * Included at the end of kernel/arch.h.
 *
 * A page-table entry:
 *
 *   63    54 53                     10 9 8 7 6 5 4 3 2 1 0
 *  +--------+-------------------------+---+-+-+-+-+-+-+-+-+
 *  |  zero  |  PPN (physical addr>>12) |RSW|D|A|G|U|X|W|R|V|
 *  +--------+-------------------------+---+-+-+-+-+-+-+-+-+
 *
 *   V valid. R W X all zero: a pointer to the next-level table;
 *   otherwise a leaf (at level 1 or 2, a 2 MiB or 1 GiB "superpage").
 *   U user may access. G global: in every address space (kernel half).
 *   A D accessed, dirty: we set both, so the hardware never needs to
 *   fault or write them back.
 *   RSW reserved for software: the hardware ignores it. Bit 8 is our
 *   VM_SHARED, "this page is someone else's, do not free it with the
 *   table"; arch_pte_prot() gives it back to kernel/uvm.c.
 *
 * Sv39 has no memory-type bits (that is the Svpbmt extension), so
 * VM_DEV leaves no trace in an entry (mmu.c).
 */
#pragma once

#define PTE_V	      (1ul << 0)
#define PTE_R	      (1ul << 1)
#define PTE_W	      (1ul << 2)
#define PTE_X	      (1ul << 3)
#define PTE_U	      (1ul << 4)
#define PTE_G	      (1ul << 5)
#define PTE_A	      (1ul << 6)
#define PTE_D	      (1ul << 7)
#define PTE_SHARED    (1ul << 8) /* RSW: VM_SHARED */
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK  ((1ul << 44) - 1)

/* VM_DEV leaves no trace in an Sv39 entry (the comment above), so it never comes back. */
static inline unsigned arch_pte_prot(u64 pte)
{
	unsigned prot = 0;

	if (pte & PTE_R)
		prot |= VM_R;
	if (pte & PTE_W)
		prot |= VM_W;
	if (pte & PTE_X)
		prot |= VM_X;
	if (pte & PTE_U)
		prot |= VM_U;
	if (pte & PTE_SHARED)
		prot |= VM_SHARED;
	return prot;
}

static inline enum pte_kind arch_pte_kind(u64 pte, int level)
{
	if (!(pte & PTE_V))
		return PTE_NONE;
	if (pte & (PTE_R | PTE_W | PTE_X))
		return PTE_LEAF;
	/* A pointer below level 0 would be malformed: the hardware faults. */
	return level > 0 ? PTE_TABLE : PTE_NONE;
}

static inline u64 arch_pte_addr(u64 pte)
{
	return ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << 12; /* PAGE_SHIFT */
}
