/* test_heap.c - kmalloc/kfree (kernel/heap.c) over the real page allocator. */
#include "host.h"
#include "../../kernel/page.c"
#include "../../kernel/heap.c"

#define RAM_PAGES 2048

static int setup(void **state)
{
	*state = host_ram(RAM_PAGES);
	memset(&pm, 0, sizeof(pm));
	memset(free_slots, 0, sizeof(free_slots));
	page_init();
	return 0;
}

static void test_sizes_alignment_and_separation(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 15, 16, 17, 100, 1000, 2032, 2033, 4096, 10000, 100000};
	void *p[ARRAY_SIZE(sizes)];
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = kmalloc(sizes[i]);
		assert_non_null(p[i]);
		assert_int_equal((uptr)p[i] % 16, 0);
		memset(p[i], (int)i + 1, sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *b = p[i];
		for (size_t j = 0; j < sizes[i]; j++)
			assert_int_equal(b[j], i + 1);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		kfree(p[i]);
}

static void test_big_allocations_return_their_pages(void **state)
{
	(void)state;
	u64 before = page_free_count();
	void *p = kmalloc(64 * 1024);
	assert_non_null(p);
	assert_true(page_free_count() < before);
	kfree(p);
	assert_int_equal(page_free_count(), before);
}

static void test_slots_are_reused(void **state)
{
	(void)state;
	void *a = kmalloc(40);
	kfree(a);
	void *b = kmalloc(40);
	assert_ptr_equal(a, b);
	kfree(b);
}

static void test_zalloc_zeroes(void **state)
{
	(void)state;
	u8 *a = kmalloc(500);
	memset(a, 0xff, 500);
	kfree(a);
	u8 *b = kzalloc(500);
	for (int i = 0; i < 500; i++)
		assert_int_equal(b[i], 0);
	kfree(b);
}

static void test_refusals(void **state)
{
	(void)state;
	assert_null(kmalloc(0));
	assert_null(kmalloc((size_t)-8));			 /* overflows with the header */
	assert_null(kmalloc((PAGE_SIZE << PAGE_MAX_ORDER) + 1)); /* larger than any block */
	kfree(NULL);
}

static void test_bad_frees_panic(void **state)
{
	(void)state;
	char *p = kmalloc(64);
	expect_assert_failure(kfree(p + 16)); /* not the start of an object */
	kfree(p);
	expect_assert_failure(kfree(p)); /* double free */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sizes_alignment_and_separation, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_big_allocations_return_their_pages, setup,
					    free_ram),
	    cmocka_unit_test_setup_teardown(test_slots_are_reused, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_zalloc_zeroes, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_bad_frees_panic, setup, free_ram),
	};
	return cmocka_run_group_tests_name("heap", tests, NULL, NULL);
}
