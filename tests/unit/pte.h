/*
 * pte.h for the host unit tests (kernel/arch.h includes it): the inline
 * page-table entry decoders of the made-up format host.h describes
 * (HOST_PTE), with arch_pte_kind()'s reads counted.
 */
#pragma once

#define HOST_PTE_V    1ull
#define HOST_PTE_LEAF 2ull

static unsigned long long host_pte_reads; /* arch_pte_kind() calls: how much walking was done */
static inline enum pte_kind arch_pte_kind(u64 pte, int level)
{
	(void)level;
	host_pte_reads++;
	return !(pte & HOST_PTE_V) ? PTE_NONE : (pte & HOST_PTE_LEAF) ? PTE_LEAF : PTE_TABLE;
}
static inline u64 arch_pte_addr(u64 pte)
{
	return pte & ~0xfffull;
}
static inline unsigned arch_pte_prot(u64 pte)
{
	return (pte >> 2) & 0x3f;
}
