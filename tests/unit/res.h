/*
 * res.h - assert_res(): compare a result that may be minus an error
 * number, and on a mismatch name the errors as the QEMU tests do
 * ("is 1, expected -22 (EINVAL)") instead of cmocka's hex
 * (0x1 != 0xffffffffffffffea). Include it after cmocka.h.
 *
 * kernel/abi/errno.h keeps Linux's numbers, so the host C library's
 * strerrorname_np() names ours.
 */
#pragma once

const char *strerrorname_np(int errnum); /* glibc >= 2.32, under _GNU_SOURCE */

/* "EINVAL" for -22; "" for a result (>= 0) or a number with no name. */
static inline const char *res_name(long r)
{
	const char *s = r < 0 && r > -4096 ? strerrorname_np((int)-r) : 0;
	return s ? s : "";
}

#define assert_res(got, want)                                                                      \
	do {                                                                                       \
		long got_ = (long)(got), want_ = (long)(want);                                     \
		if (got_ != want_)                                                                 \
			fail_msg("%s is %ld %s, expected %ld %s", #got, got_, res_name(got_),      \
				 want_, res_name(want_));                                          \
	} while (0)
