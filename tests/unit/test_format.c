/* test_format.c - the printf engine (shared/format.c) against expected strings. */
#include "host.h"
#include "../../shared/format.c"

/* Some checks feed vformat formats that are wrong on purpose. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define CHECK(want, ...)                                                                           \
	do {                                                                                       \
		char buf[64];                                                                      \
		int n = snprintf(buf, sizeof(buf), __VA_ARGS__);                                   \
		assert_string_equal(buf, want);                                                    \
		assert_int_equal(n, strlen(want));                                                 \
	} while (0)

static void test_integers(void **state)
{
	(void)state;
	CHECK("42", "%d", 42);
	CHECK("-42", "%d", -42);
	CHECK("0", "%d", 0);
	CHECK("-2147483648", "%d", (int)0x80000000);
	CHECK("-9223372036854775808", "%lld", (long long)0x8000000000000000ull);
	CHECK("18446744073709551615", "%llu", ~0ull);
	CHECK("4294967295", "%u", 0xffffffffu);
	CHECK("ff", "%x", 255);
	CHECK("FF", "%X", 255);
	CHECK("777", "%o", 511);
	CHECK("deadbeefcafe", "%lx", 0xdeadbeefcafeul);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	CHECK("   42", "%5d", 42);
	CHECK("42   |", "%-5d|", 42);
	CHECK("00042", "%05d", 42);
	CHECK("-0042", "%05d", -42);
	CHECK("0000ff", "%06x", 255);
	CHECK("  ab", "%*s", 4, "ab");
	CHECK("x  |", "%-3c|", 'x');
	CHECK("12345", "%2d", 12345); /* a width never truncates */
}

static void test_strings_pointers_percent(void **state)
{
	(void)state;
	CHECK("hello world", "%s %s", "hello", "world");
	CHECK("(null)", "%s", (char *)NULL);
	CHECK("0x1000", "%p", (void *)0x1000);
	CHECK("100%", "%d%%", 100);
	CHECK("%y", "%y");    /* unknown conversions are shown, not eaten */
	CHECK("end", "end%"); /* a trailing lone % ends the string */
}

static void test_truncation(void **state)
{
	(void)state;
	char buf[6];
	int n = snprintf(buf, sizeof(buf), "%s", "truncated");
	assert_string_equal(buf, "trunc");
	assert_int_equal(n, 9); /* the length it would have had */
	assert_int_equal(snprintf(buf, 0, "abc"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_integers),
	    cmocka_unit_test(test_width_and_flags),
	    cmocka_unit_test(test_strings_pointers_percent),
	    cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
