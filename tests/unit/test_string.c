/*
 * test_string.c - shared/string.c's memset, memcpy and memmove, which
 * move whole words where they can (the x86_64 string instructions, and
 * the C loops of the other arches): every length 0..80, then every 7th
 * to MAXLEN (through the C loops' 64-word rounds, with every remainder
 * of 8 and of 64 words), at every alignment of both pointers, against
 * a byte-by-byte model, with the bytes around the destination checked
 * untouched.
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

/* ... and the C loops other arches use (this host is x86_64), as loop_* */
#define STRING_C_LOOPS
#define memset	loop_memset
#define memcpy	loop_memcpy
#define memmove loop_memmove
#define memcmp	loop_memcmp
#define strlen	loop_strlen
#define strcmp	loop_strcmp
#define strncmp loop_strncmp
#include "../../shared/string.c"
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp

#define MAXLEN 1200
#define SPAN   (MAXLEN + 48)

/* every length up to 80, then a spread of longer ones */
static int next(int n)
{
	return n < 80 ? n + 1 : n + 7;
}

static u8 src[SPAN], dst[SPAN], want[SPAN];

static void fill(u8 *b, u8 seed)
{
	for (int i = 0; i < SPAN; i++)
		b[i] = (u8)(seed + i * 7);
}

static void check_memset(void *(*memset_)(void *, int, size_t))
{
	for (int at = 0; at < 8; at++)
		for (int n = 0; n <= MAXLEN; n = next(n)) {
			fill(dst, 1);
			fill(want, 1);
			for (int i = 0; i < n; i++)
				want[at + i] = 0xa5;
			assert_ptr_equal(memset_(dst + at, 0xa5, n), dst + at);
			assert_memory_equal(dst, want, SPAN);
		}
}

static void check_memcpy(void *(*memcpy_)(void *, const void *, size_t))
{
	fill(src, 100);
	for (int da = 0; da < 8; da++)
		for (int sa = 0; sa < 8; sa++)
			for (int n = 0; n <= MAXLEN; n = next(n)) {
				fill(dst, 1);
				fill(want, 1);
				for (int i = 0; i < n; i++)
					want[da + i] = src[sa + i];
				assert_ptr_equal(memcpy_(dst + da, src + sa, n), dst + da);
				assert_memory_equal(dst, want, SPAN);
			}
}

/* Overlapping both ways, every distance: the result is as if through a buffer. */
static void check_memmove(void *(*memmove_)(void *, const void *, size_t))
{
	for (int from = 0; from < 24; from++)
		for (int to = 0; to < 24; to++)
			for (int n = 0; n <= MAXLEN; n = next(n)) {
				fill(dst, 3);
				fill(want, 3);
				u8 tmp[SPAN];
				for (int i = 0; i < n; i++)
					tmp[i] = dst[from + i];
				for (int i = 0; i < n; i++)
					want[to + i] = tmp[i];
				assert_ptr_equal(memmove_(dst + to, dst + from, n), dst + to);
				assert_memory_equal(dst, want, SPAN);
			}
}

static void test_memset(void **state)
{
	(void)state;
	check_memset(duet_memset);
	check_memset(loop_memset);
}

static void test_memcpy(void **state)
{
	(void)state;
	check_memcpy(duet_memcpy);
	check_memcpy(loop_memcpy);
}

static void test_memmove(void **state)
{
	(void)state;
	check_memmove(duet_memmove);
	check_memmove(loop_memmove);
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
