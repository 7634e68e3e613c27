/* test_page.c - the buddy page allocator (kernel/page.c) on host memory. */
#include "host.h"
#include "../../kernel/page.c"

#define RAM_PAGES 4096 /* 16 MiB */

static int setup(void **state)
{
	*state = host_ram(RAM_PAGES);
	memset(&pm, 0, sizeof(pm));
	page_init();
	return 0;
}

/* The metadata (one byte a page) takes the first page; the rest is free. */
static void test_counts_after_init(void **state)
{
	(void)state;
	assert_int_equal(page_total_count(), RAM_PAGES - 1);
	assert_int_equal(page_free_count(), RAM_PAGES - 1);
}

static void test_alloc_is_aligned_zeroed_and_counted(void **state)
{
	(void)state;
	for (int order = 0; order <= PAGE_MAX_ORDER; order++) {
		u64 pa = page_alloc(order);
		assert_true(pa != 0);
		assert_int_equal(pa % (PAGE_SIZE << order), 0);
		u8 *p = P2V(pa);
		for (u64 i = 0; i < (PAGE_SIZE << order); i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xaa, PAGE_SIZE << order); /* dirty it for the next user */
		assert_int_equal(page_free_count(), RAM_PAGES - 1 - (1u << order));
		page_free(pa, order);
		assert_int_equal(page_free_count(), RAM_PAGES - 1);
	}
}

static void test_blocks_do_not_overlap(void **state)
{
	(void)state;
	enum { N = 200 };
	u64 pa[N];
	int order[N];
	for (int i = 0; i < N; i++) {
		order[i] = i % 4;
		pa[i] = page_alloc(order[i]);
		assert_true(pa[i] != 0);
		/* stamp every page of the block with its owner */
		for (int j = 0; j < (1 << order[i]); j++)
			*(int *)P2V(pa[i] + j * PAGE_SIZE) = i;
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < (1 << order[i]); j++)
			assert_int_equal(*(int *)P2V(pa[i] + j * PAGE_SIZE), i);
	for (int i = 0; i < N; i += 2) /* free in an interleaved order */
		page_free(pa[i], order[i]);
	for (int i = 1; i < N; i += 2)
		page_free(pa[i], order[i]);
	assert_int_equal(page_free_count(), RAM_PAGES - 1);
}

/* After everything is freed, buddies merge back: a max-order block fits again. */
static void test_merge_restores_big_blocks(void **state)
{
	(void)state;
	u64 big[16];
	int nbig = 0;
	while (nbig < 16 && (big[nbig] = page_alloc(PAGE_MAX_ORDER)))
		nbig++;
	assert_true(nbig >= 2);
	for (int i = 0; i < nbig; i++)
		page_free(big[i], PAGE_MAX_ORDER);

	u64 small[64];
	for (int i = 0; i < 64; i++)
		assert_true((small[i] = page_alloc(0)) != 0);
	for (int i = 0; i < 64; i++)
		page_free(small[i], 0);
	int again = 0;
	while (again < 16 && (big[again] = page_alloc(PAGE_MAX_ORDER)))
		again++;
	assert_int_equal(again, nbig);
	for (int i = 0; i < again; i++)
		page_free(big[i], PAGE_MAX_ORDER);
}

static void test_exhaustion_returns_zero(void **state)
{
	(void)state;
	u64 n = 0;
	while (page_alloc(0))
		n++;
	assert_int_equal(n, RAM_PAGES - 1);
	assert_int_equal(page_free_count(), 0);
	assert_int_equal(page_alloc(0), 0);
	assert_int_equal(page_alloc(-1), 0);
	assert_int_equal(page_alloc(PAGE_MAX_ORDER + 1), 0);
}

static void test_bad_frees_panic(void **state)
{
	(void)state;
	u64 pa = page_alloc(1);
	expect_assert_failure(page_free(pa, 0));	     /* wrong order */
	expect_assert_failure(page_free(pa + 1, 1));	     /* unaligned */
	expect_assert_failure(page_free(pa + PAGE_SIZE, 0)); /* inside a block */
	page_free(pa, 1);
	expect_assert_failure(page_free(pa, 1));	/* double free */
	expect_assert_failure(page_free(PAGE_SIZE, 0)); /* not our memory */
}

/* A user's allocations stop at root's reserve (an eighth); root's and the kernel's do not. */
static void test_root_reserve(void **state)
{
	(void)state;
	u64 total = page_total_count(), n = 0;
	while (page_alloc_for(1000, 0))
		n++;
	assert_true(page_free_count() < total / 8 + 1);
	assert_true(page_free_count() >= total / 8);
	assert_int_equal(n, total - page_free_count());
	assert_true(page_alloc_for(0, 0) != 0);
	assert_true(page_alloc(0) != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_counts_after_init, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_alloc_is_aligned_zeroed_and_counted, setup,
					    free_ram),
	    cmocka_unit_test_setup_teardown(test_blocks_do_not_overlap, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_merge_restores_big_blocks, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_exhaustion_returns_zero, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_bad_frees_panic, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_root_reserve, setup, free_ram),
	};
	return cmocka_run_group_tests_name("page", tests, NULL, NULL);
}
