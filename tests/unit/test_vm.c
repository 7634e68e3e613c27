/*
 * test_vm.c - the portable page-table walker (kernel/vm.c), with a made-up
 * entry format: bit 0 valid, bit 1 leaf, bits 2..6 the VM_* protection,
 * bits 12.. the address. The walker must not care what the bits mean.
 */
#define HOST_PTE
#include "host.h"
#include "../../kernel/page.c"
#include "../../kernel/vm.c"

/* vm_init() asks the arch to fill the kernel table, then switches to it. */
static u64 switched_to;
void arch_kernel_map(struct pagetable *kpt)
{
	assert_int_equal(vm_map(kpt, 0xffffffff80000000ull, 0x200000, PAGE_SIZE, VM_R | VM_X), 0);
}
void arch_vm_switch(u64 root)
{
	switched_to = root;
}

static int leaf_level; /* what the last lookup found */
static u64 lookup(struct pagetable *pt, u64 va)
{
	for (int l = 0; l <= PT_MAX_LEAF_LEVEL; l++) {
		u64 *e = walk(pt, va, l, false);
		if (e && arch_pte_kind(*e, l) == PTE_LEAF) {
			leaf_level = l;
			return *e;
		}
	}
	return 0;
}

static struct pagetable pt;

static int setup(void **state)
{
	*state = host_ram(1024);
	memset(&pm, 0, sizeof(pm));
	page_init();
	pt.root = page_alloc(0);
	return 0;
}

static void test_small_pages(void **state)
{
	(void)state;
	u64 va = 0xffff800000123000ull, pa = 0x5000;
	assert_int_equal(vm_map(&pt, va, pa, 3 * PAGE_SIZE, VM_R | VM_W), 0);
	assert_int_equal(vm_translate(&pt, va), pa);
	assert_int_equal(vm_translate(&pt, va + 0x1234), pa + 0x1234);
	assert_int_equal(vm_translate(&pt, va + 2 * PAGE_SIZE + 5), pa + 2 * PAGE_SIZE + 5);
	assert_int_equal(vm_translate(&pt, va + 3 * PAGE_SIZE), VM_UNMAPPED);
	assert_int_equal(vm_translate(&pt, va - 1), VM_UNMAPPED);
	u64 e = lookup(&pt, va);
	assert_int_equal(leaf_level, 0);
	assert_int_equal((e >> 2) & 0x1f, VM_R | VM_W);
}

static void test_huge_pages_when_aligned(void **state)
{
	(void)state;
	u64 g = PAGE_SIZE << 18, m = PAGE_SIZE << 9; /* 1 GiB, 2 MiB */
	/* 1 GiB + 2 MiB + 4 KiB, all aligned: one of each size */
	assert_int_equal(vm_map(&pt, 4 * g, 2 * g, g + m + PAGE_SIZE, VM_R), 0);
	lookup(&pt, 4 * g + 12345);
	assert_int_equal(leaf_level, 2);
	lookup(&pt, 5 * g + 100);
	assert_int_equal(leaf_level, 1);
	lookup(&pt, 5 * g + m);
	assert_int_equal(leaf_level, 0);
	assert_int_equal(vm_translate(&pt, 5 * g + m + 7), 3 * g + m + 7);
	/* misaligned physical address: no huge page possible */
	assert_int_equal(vm_map(&pt, 8 * g, 0x1000, m, VM_R), 0);
	lookup(&pt, 8 * g);
	assert_int_equal(leaf_level, 0);
}

static void test_refusals(void **state)
{
	(void)state;
	assert_int_equal(vm_map(&pt, 0x1000, 0x2000, PAGE_SIZE, VM_R), 0);
	assert_int_equal(vm_map(&pt, 0x1000, 0x3000, PAGE_SIZE, VM_R), -1); /* already mapped */
	assert_int_equal(vm_map(&pt, 0x1001, 0x2000, PAGE_SIZE, VM_R), -1); /* unaligned */
	assert_int_equal(vm_map(&pt, 0x1000, 0x2000, 100, VM_R), -1);	    /* unaligned size */
	/* a huge page in the way of a small mapping */
	u64 m = PAGE_SIZE << 9;
	assert_int_equal(vm_map(&pt, 16 * m, 0, m, VM_R), 0);
	assert_int_equal(vm_map(&pt, 16 * m + PAGE_SIZE, 0, PAGE_SIZE, VM_R), -1);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	while (page_alloc(0))
		;
	assert_int_equal(vm_map(&pt, 0x40000000000ull, 0, PAGE_SIZE, VM_R), -1);
}

static void test_init_builds_and_switches(void **state)
{
	(void)state;
	vm_init();
	assert_true(vm_kernel()->root != 0);
	assert_int_equal(switched_to, vm_kernel()->root);
	assert_int_equal(vm_translate(vm_kernel(), 0xffffffff80000010ull), 0x200010);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_small_pages, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_huge_pages_when_aligned, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_out_of_memory, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_init_builds_and_switches, setup, free_ram),
	};
	return cmocka_run_group_tests_name("vm", tests, NULL, NULL);
}
