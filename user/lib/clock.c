/*
 * clock.c - time without a system call: the counter user mode may read
 * itself (RISC-V rdtime, the time CSR the kernel lets programs read;
 * x86 rdtsc), turned into nanoseconds with the rate OP_STATS reports.
 */
#include "user.h"

static u64 hz;

u64 clock_ticks(void)
{
#if defined(__x86_64__)
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
#else
	u64 t;
	asm volatile("rdtime %0" : "=r"(t));
	return t;
#endif
}

u64 ticks_to_ns(u64 t)
{
	if (!hz) {
		struct kstats s;
		hz = kstats(&s) == 0 && s.clock_hz ? s.clock_hz : 1000000000;
	}
	/* split so that nothing overflows 64 bits (no 128-bit division here) */
	return t / hz * 1000000000 + t % hz * 1000000000 / hz;
}

u64 now_ns(void)
{
	return ticks_to_ns(clock_ticks());
}
