/*
 * pte.h - the x86_64 page-table entry format, and the decoders of
 * kernel/arch.h that the walker (kernel/vm.c, kernel/uvm.c) calls at
 * every level of every walk: inline, because as calls they cost a
 * copyin of one page about 150 instructions (mmu.c encodes entries).
 * Included at the end of kernel/arch.h.
 */
#pragma once

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

static inline unsigned arch_pte_prot(u64 pte)
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

static inline enum pte_kind arch_pte_kind(u64 pte, int level)
{
	if (!(pte & PTE_P))
		return PTE_NONE;
	if (level == 0 || (pte & PTE_PS))
		return PTE_LEAF;
	return PTE_TABLE;
}

static inline u64 arch_pte_addr(u64 pte)
{
	return pte & PTE_ADDR;
}
