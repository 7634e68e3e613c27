/*
 * test_string.c - shared/string.c's memset, memcpy and memmove, which
 * move whole words where they can: every length 0..80 at every
 * alignment of both pointers, against a byte-by-byte model, with the
 * bytes around the destination checked untouched.
 */
#include "host.h"

/* the host C library has these names: test duet's under others */
#define memset	duet_memset
#define memcpy	duet_memcpy
#define memmove duet_memmove
#define memcmp	duet_memcmp
#define strlen	duet_strlen
#define strcmp	duet_strcmp
#define strncmp duet_strncmp
#include "../../shared/string.c"
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp

#define SPAN 128

static u8 src[SPAN], dst[SPAN], want[SPAN];

static void fill(u8 *b, u8 seed)
{
	for (int i = 0; i < SPAN; i++)
		b[i] = (u8)(seed + i * 7);
}

static void test_memset(void **state)
{
	(void)state;
	for (int at = 0; at < 8; at++)
		for (int n = 0; n <= 80; n++) {
			fill(dst, 1);
			fill(want, 1);
			for (int i = 0; i < n; i++)
				want[at + i] = 0xa5;
			assert_ptr_equal(duet_memset(dst + at, 0xa5, n), dst + at);
			assert_memory_equal(dst, want, SPAN);
		}
}

static void test_memcpy(void **state)
{
	(void)state;
	fill(src, 100);
	for (int da = 0; da < 8; da++)
		for (int sa = 0; sa < 8; sa++)
			for (int n = 0; n <= 80; n++) {
				fill(dst, 1);
				fill(want, 1);
				for (int i = 0; i < n; i++)
					want[da + i] = src[sa + i];
				assert_ptr_equal(duet_memcpy(dst + da, src + sa, n), dst + da);
				assert_memory_equal(dst, want, SPAN);
			}
}

/* Overlapping both ways, every distance: the result is as if through a buffer. */
static void test_memmove(void **state)
{
	(void)state;
	for (int from = 0; from < 24; from++)
		for (int to = 0; to < 24; to++)
			for (int n = 0; n <= 80; n++) {
				fill(dst, 3);
				fill(want, 3);
				u8 tmp[SPAN];
				for (int i = 0; i < n; i++)
					tmp[i] = dst[from + i];
				for (int i = 0; i < n; i++)
					want[to + i] = tmp[i];
				assert_ptr_equal(duet_memmove(dst + to, dst + from, n), dst + to);
				assert_memory_equal(dst, want, SPAN);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memset),
	    cmocka_unit_test(test_memcpy),
	    cmocka_unit_test(test_memmove),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
