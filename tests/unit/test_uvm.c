/*
 * test_uvm.c - user address spaces (kernel/uvm.c) on the host: mapping
 * and its refusals, shared pages, unmapping, copying across page and
 * permission boundaries, and that destroying gives back every page.
 */
#define HOST_PTE
#include "host.h"
#include "../../kernel/page.c"
#include "../../kernel/vm.c"
#include "../../kernel/uvm.c"
#include "uspace.h"

#define KVA 0xffffffff80000000ull /* something the kernel half maps */
#define P   PAGE_SIZE
#define RW  (VM_U | VM_R | VM_W)

void arch_kernel_map(struct pagetable *kpt)
{
	assert_int_equal(vm_map(kpt, KVA, 0x200000, P, VM_R | VM_X), 0);
	/* a page the user could reach if only the table decided: copies must
	 * still stop at USER_TOP (its "physical" address would crash a test) */
	assert_int_equal(vm_map(kpt, USER_TOP, 0x300000, P, VM_U | VM_R | VM_W), 0);
}
void arch_vm_switch(u64 root)
{
	(void)root;
}

static void test_create_shares_kernel_half(void **state)
{
	(void)state;
	u64 *u = pt_table(pt->root), *k = pt_table(vm_kernel()->root);
	for (int i = 0; i < USER_ENTRIES; i++)
		assert_int_equal(u[i], 0);
	for (int i = USER_ENTRIES; i < PT_ENTRIES; i++)
		assert_int_equal(u[i], k[i]);
	assert_int_equal(vm_translate(pt, KVA + 5), 0x200005);
	assert_int_equal(page_free_count(), free0 - 1); /* just the root */
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

static void test_alloc_maps_zeroed_pages(void **state)
{
	(void)state;
	u64 va = 0x400000;
	host_tlb_flushes = 0;
	assert_int_equal(uvm_alloc(pt, va, 3 * P, RW | VM_X), 0);
	assert_int_equal(host_tlb_flushes, 3); /* for RISC-V: see map() */
	for (u64 a = va; a < va + 3 * P; a += P) {
		u64 pa = vm_translate(pt, a);
		assert_int_not_equal(pa, VM_UNMAPPED);
		u8 *p = P2V(pa);
		for (u64 i = 0; i < P; i++)
			assert_int_equal(p[i], 0);
		assert_int_equal(prot_at(a), RW | VM_X);
	}
	assert_int_equal(vm_translate(pt, va + 3 * P), VM_UNMAPPED);
	assert_int_equal(vm_translate(pt, va - 1), VM_UNMAPPED);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

static void test_alloc_refusals(void **state)
{
	(void)state;
	u64 before = page_free_count();
	assert_int_equal(uvm_alloc(pt, 0x1001, P, RW), -EINVAL);	     /* unaligned */
	assert_int_equal(uvm_alloc(pt, 0x1000, 100, RW), -EINVAL);	     /* unaligned size */
	assert_int_equal(uvm_alloc(pt, 0x1000, 0, RW), -EINVAL);	     /* empty */
	assert_int_equal(uvm_alloc(pt, USER_TOP, P, RW), -EINVAL);	     /* kernel half */
	assert_int_equal(uvm_alloc(pt, USER_TOP - P, 2 * P, RW), -EINVAL);   /* crosses */
	assert_int_equal(uvm_alloc(pt, -2 * P, 4 * P, RW), -EINVAL);	     /* wraps */
	assert_int_equal(uvm_alloc(pt, 0x1000, P, VM_R | VM_W), -EINVAL);    /* no VM_U */
	assert_int_equal(uvm_alloc(pt, 0x1000, P, VM_U | VM_W), -EINVAL);    /* no VM_R */
	assert_int_equal(uvm_alloc(pt, 0x1000, P, RW | VM_DEV), -EINVAL);    /* device */
	assert_int_equal(uvm_alloc(pt, 0x1000, P, RW | VM_SHARED), -EINVAL); /* not ours */
	assert_int_equal(page_free_count(), before);

	/* the last page of user space is fine */
	assert_int_equal(uvm_alloc(pt, USER_TOP - P, P, RW), 0);
	/* overlap, even by one page: nothing changes */
	assert_int_equal(uvm_alloc(pt, 0x10000, 2 * P, RW), 0);
	before = page_free_count();
	assert_int_equal(uvm_alloc(pt, 0x8000, 9 * P, RW), -EEXIST);
	assert_int_equal(page_free_count(), before);
	assert_int_equal(vm_translate(pt, 0x8000), VM_UNMAPPED);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

static void test_alloc_out_of_memory_undoes(void **state)
{
	(void)state;
	/* make the tables first, so that what is left is exactly 5 pages */
	assert_int_equal(uvm_alloc(pt, 0x100000, P, RW), 0);
	u64 hoard[1024], n = 0;
	while (page_free_count() > 5)
		hoard[n++] = page_alloc(0);
	/* far more than there is: refused before anything is taken, and
	 * quickly: the check for existing mappings skips missing tables */
	host_pte_reads = 0;
	assert_int_equal(uvm_alloc(pt, 0x1000000, 1ull << 40, RW), -ENOMEM);
	assert_true(host_pte_reads < 100000);
	assert_int_equal(page_free_count(), 5);
	/* 5 pages, but crossing into a new table: runs out on the last page and
	 * gives the four it mapped back (the new table stays, empty) */
	assert_int_equal(uvm_alloc(pt, 0x1fe000, 5 * P, RW), -ENOMEM);
	assert_int_equal(page_free_count(), 4);
	for (u64 a = 0x1fe000; a < 0x203000; a += P)
		assert_int_equal(vm_translate(pt, a), VM_UNMAPPED);
	assert_int_equal(uvm_alloc(pt, 0x101000, 3 * P, RW), 0);
	assert_int_equal(page_free_count(), 1);
	/* one page would do, but two tables are needed first */
	assert_int_equal(uvm_alloc(pt, 0x40000000, P, RW), -ENOMEM);
	assert_int_equal(vm_translate(pt, 0x40000000), VM_UNMAPPED);
	while (n)
		page_free(hoard[--n], 0);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

static void test_share_is_not_freed(void **state)
{
	(void)state;
	u64 ring = page_alloc(1);
	assert_int_equal(uvm_share(pt, 0x200000, ring, 2 * P, RW), 0);
	assert_int_equal(vm_translate(pt, 0x201008), ring + P + 8);
	assert_int_equal(prot_at(0x200000), RW | VM_SHARED);
	assert_int_equal(uvm_share(pt, 0x200000, ring, P, RW), -EEXIST);
	assert_int_equal(uvm_share(pt, 0x300000, ring + 1, P, RW), -EINVAL);
	assert_int_equal(uvm_share(pt, 0x300000, 0, P, RW), -EINVAL);
	assert_int_equal(uvm_share(pt, 0x300000, ring, P, VM_R), -EINVAL);
	/* the kernel and the user see the same bytes */
	*(u32 *)P2V(ring + P) = 0xfeedf00d;
	u32 v = 0;
	assert_int_equal(copyin(pt, &v, 0x201000, 4), 0);
	assert_int_equal(v, 0xfeedf00d);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0 - 2); /* the ring's are still allocated */
	page_free(ring, 1);
	assert_int_equal(page_free_count(), free0);
}

static void test_unmap(void **state)
{
	(void)state;
	u64 ring = page_alloc(0);
	assert_int_equal(uvm_alloc(pt, 0x400000, 3 * P, RW), 0);
	assert_int_equal(uvm_share(pt, 0x500000, ring, P, RW), 0);
	u64 before = page_free_count();
	host_shootdowns = 0;
	assert_int_equal(uvm_unmap(pt, 0x401000, P), 0);
	/* every CPU forgot the page before it went back to the allocator */
	assert_int_equal(host_shootdowns, 1);
	assert_int_equal(host_free_at_shootdown, before);
	assert_int_equal(page_free_count(), before + 1);
	assert_int_equal(vm_translate(pt, 0x401000), VM_UNMAPPED);
	assert_int_not_equal(vm_translate(pt, 0x400000), VM_UNMAPPED);
	assert_int_not_equal(vm_translate(pt, 0x402000), VM_UNMAPPED);
	/* a shared page is unmapped but not freed */
	assert_int_equal(uvm_unmap(pt, 0x500000, P), 0);
	assert_int_equal(vm_translate(pt, 0x500000), VM_UNMAPPED);
	assert_int_equal(page_free_count(), before + 1);
	/* holes are fine, even all of user space: missing tables are skipped
	 * whole, not page by page (2^35 pages would take minutes) */
	host_pte_reads = 0;
	assert_int_equal(uvm_unmap(pt, 0, USER_TOP), 0);
	assert_true(host_pte_reads < 100000);
	assert_int_equal(vm_translate(pt, 0x400000), VM_UNMAPPED);
	assert_int_equal(host_shootdowns, 3);
	assert_int_equal(page_free_count(), before + 3);
	/* the range can be mapped again */
	assert_int_equal(uvm_alloc(pt, 0x400000, 3 * P, RW), 0);
	assert_int_equal(uvm_unmap(pt, 0x400001, P), -EINVAL);
	assert_int_equal(uvm_unmap(pt, 0x400000, 0), -EINVAL);
	assert_int_equal(uvm_unmap(pt, USER_TOP - P, 2 * P), -EINVAL);
	uvm_destroy(pt);
	page_free(ring, 0);
	assert_int_equal(page_free_count(), free0);
}

/* Maps [B, B+2P) read-write and [B+2P, B+3P) read-only; B+3P is a hole. */
#define B 0x700000ull
static void map_three(void)
{
	assert_int_equal(uvm_alloc(pt, B, 2 * P, RW), 0);
	assert_int_equal(uvm_alloc(pt, B + 2 * P, P, VM_U | VM_R), 0);
}

static void test_copy_across_pages(void **state)
{
	(void)state;
	map_three();
	char out[300], in[300];
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + 1);
	assert_int_equal(copyout(pt, B + P - 100, out, sizeof(out)), 0);
	memset(in, 0, sizeof(in));
	assert_int_equal(copyin(pt, in, B + P - 100, sizeof(in)), 0);
	assert_memory_equal(in, out, sizeof(out));
	/* the bytes landed in two different physical pages */
	assert_int_equal(*(char *)P2V(vm_translate(pt, B + P - 100)), out[0]);
	assert_int_equal(*(char *)P2V(vm_translate(pt, B + P)), out[100]);
	/* a whole page, and to its last byte */
	assert_int_equal(copyin(pt, in, B + 3 * P - 300, 300), 0);
	assert_int_equal(copyin(pt, in, B, 0), 0);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

static void test_copy_boundaries(void **state)
{
	(void)state;
	map_three();
	char buf[64];
	/* one byte into the hole, or one byte before the first page */
	assert_int_equal(copyin(pt, buf, B + 3 * P - 8, 9), -EFAULT);
	assert_int_equal(copyin(pt, buf, B + 3 * P - 8, 8), 0);
	assert_int_equal(copyin(pt, buf, B - 1, 2), -EFAULT);
	assert_int_equal(copyout(pt, B - 1, buf, 2), -EFAULT);
	/* nothing mapped at all, or not user space */
	assert_int_equal(copyin(pt, buf, 0, 1), -EFAULT);
	assert_int_equal(copyin(pt, buf, KVA, 1), -EFAULT);
	assert_int_equal(copyout(pt, KVA, buf, 1), -EFAULT);
	assert_int_equal(copyin(pt, buf, USER_TOP, 1), -EFAULT);
	assert_int_equal(copyout(pt, USER_TOP, buf, 1), -EFAULT);
	assert_int_equal(copyin(pt, buf, USER_TOP, 0), 0);
	assert_int_equal(copyin(pt, buf, USER_TOP + 1, 0), -EFAULT);
	/* the last page of user space, and past its end */
	assert_int_equal(uvm_alloc(pt, USER_TOP - P, P, RW), 0);
	assert_int_equal(copyout(pt, USER_TOP - 4, buf, 4), 0);
	assert_int_equal(copyout(pt, USER_TOP - 4, buf, 5), -EFAULT);
	assert_int_equal(copyin(pt, buf, USER_TOP - 4, 5), -EFAULT);
	/* lengths that wrap around */
	assert_int_equal(copyin(pt, buf, B, ~0ul), -EFAULT);
	assert_int_equal(copyin(pt, buf, B, -B), -EFAULT);
	assert_int_equal(copyout(pt, ~0ull, buf, 2), -EFAULT);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

static void test_copy_permissions(void **state)
{
	(void)state;
	map_three();
	char buf[16] = "hello";
	/* read-only: in yes, out no; also when only the last byte is read-only */
	assert_int_equal(copyin(pt, buf, B + 2 * P, 16), 0);
	assert_int_equal(copyout(pt, B + 2 * P, buf, 1), -EFAULT);
	assert_int_equal(copyout(pt, B + 2 * P - 15, buf, 16), -EFAULT);
	assert_int_equal(copyout(pt, B + 2 * P - 16, buf, 16), 0);
	/* a page the user may not touch (a kernel mapping below USER_TOP) */
	u64 kpage = page_alloc(0);
	assert_int_equal(vm_map(pt, 0x900000, kpage, P, VM_R | VM_W), 0);
	assert_int_equal(copyin(pt, buf, 0x900000, 1), -EFAULT);
	assert_int_equal(copyout(pt, 0x900000, buf, 1), -EFAULT);
	assert_int_equal(copyinstr(pt, buf, 0x900000, 16), -EFAULT);
	uvm_destroy(pt); /* frees kpage too: it is in the user half, not shared */
	assert_int_equal(page_free_count(), free0);
}

static void test_copyinstr(void **state)
{
	(void)state;
	map_three();
	char s[64];
	/* a string across the page boundary */
	assert_int_equal(copyout(pt, B + P - 3, "abcdef", 7), 0);
	assert_int_equal(copyinstr(pt, s, B + P - 3, sizeof(s)), 6);
	assert_string_equal(s, "abcdef");
	/* max counts the NUL */
	assert_int_equal(copyinstr(pt, s, B + P - 3, 7), 6);
	assert_int_equal(copyinstr(pt, s, B + P - 3, 6), -ENAMETOOLONG);
	assert_int_equal(copyinstr(pt, s, B + P - 3, 0), -ENAMETOOLONG);
	/* empty string */
	assert_int_equal(copyinstr(pt, s, B + 2 * P, sizeof(s)), 0);
	assert_string_equal(s, "");
	/* a string that runs into the hole: fault; ends right before it: fine */
	/* (the page is read-only to the user: the test writes it directly) */
	char *end = (char *)P2V(vm_translate(pt, B + 3 * P - 4));
	memcpy(end, "xyzw", 4);
	assert_int_equal(copyinstr(pt, s, B + 3 * P - 4, sizeof(s)), -EFAULT);
	end[3] = 0;
	assert_int_equal(copyinstr(pt, s, B + 3 * P - 4, sizeof(s)), 3);
	assert_string_equal(s, "xyz");
	/* ...but too long if max is reached first */
	assert_int_equal(copyinstr(pt, s, B + 3 * P - 4, 3), -ENAMETOOLONG);
	/* at the top of user space: the next byte is the kernel's */
	assert_int_equal(uvm_alloc(pt, USER_TOP - P, P, RW), 0);
	assert_int_equal(copyout(pt, USER_TOP - 2, "zz", 2), 0);
	assert_int_equal(copyinstr(pt, s, USER_TOP - 2, sizeof(s)), -EFAULT);
	assert_int_equal(copyinstr(pt, s, USER_TOP, sizeof(s)), -EFAULT);
	assert_int_equal(copyinstr(pt, s, ~0ull, sizeof(s)), -EFAULT);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

static void test_destroy_returns_everything(void **state)
{
	(void)state;
	/* pages under many different tables, at every level */
	u64 where[] = {0x1000, 0x200000, 0x40000000, 0x8000000000, USER_TOP / 2, USER_TOP - 4 * P};
	for (size_t i = 0; i < ARRAY_SIZE(where); i++)
		assert_int_equal(uvm_alloc(pt, where[i], 4 * P, RW), 0);
	u64 ring = page_alloc(2);
	assert_int_equal(uvm_share(pt, 0x600000, ring, 4 * P, RW), 0);
	assert_true(page_free_count() < free0 - ARRAY_SIZE(where) * 4 - 4);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0 - 4);
	page_free(ring, 2);
	assert_int_equal(page_free_count(), free0);
	/* and many address spaces, one after another */
	for (int i = 0; i < 50; i++) {
		pt = uvm_create(0);
		assert_int_equal(uvm_alloc(pt, 0x10000 * (i + 1), 3 * P, RW), 0);
		uvm_destroy(pt);
	}
	assert_int_equal(page_free_count(), free0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_shares_kernel_half, uspace_setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_alloc_maps_zeroed_pages, uspace_setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_alloc_refusals, uspace_setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_alloc_out_of_memory_undoes, uspace_setup,
					    free_ram),
	    cmocka_unit_test_setup_teardown(test_share_is_not_freed, uspace_setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_unmap, uspace_setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_copy_across_pages, uspace_setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_copy_boundaries, uspace_setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_copy_permissions, uspace_setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_copyinstr, uspace_setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_destroy_returns_everything, uspace_setup,
					    free_ram),
	};
	return cmocka_run_group_tests_name("uvm", tests, NULL, NULL);
}
