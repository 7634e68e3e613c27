/*
 * uspace.h - a fresh user address space on host memory, for the tests
 * of kernel/uvm.c and of what builds on it (kernel/elf.c). Include it
 * after uvm.c; the test provides arch_kernel_map() and arch_vm_switch().
 */
#pragma once

static u64 free0; /* free pages before the test made its address space */
static struct pagetable *pt;

static inline int uspace_setup(void **state)
{
	*state = host_ram(1024);
	memset(&pm, 0, sizeof(pm));
	page_init();
	vm_init();
	free0 = page_free_count();
	pt = uvm_create(0);
	assert_non_null(pt);
	return 0;
}

/* The protection a user page is mapped with, 0 if it is not. */
static inline unsigned prot_at(u64 va)
{
	u64 *e = lookup(pt, va, false, NULL);
	return e && arch_pte_kind(*e, 0) == PTE_LEAF ? arch_pte_prot(*e) : 0;
}
