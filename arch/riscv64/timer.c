/*
 * timer.c - time and the periodic tick.
 *
 * Every hart sees the same 64-bit counter in the time CSR (rdtime),
 * counting at the device tree's timebase-frequency (10 MHz on QEMU
 * virt) since the machine started. Supervisor mode cannot program the
 * timer compare register itself; it asks the SBI to raise a supervisor
 * timer interrupt when the counter passes a value, and asks again from
 * that interrupt for the next tick.
 */

#include "machine.h"

static u64 rdtime(void)
{
	u64 t;

	asm volatile("rdtime %0" : "=r"(t));
	return t;
}

/* t * 1e9 / hz, without overflowing 64 bits for centuries of uptime. */
u64 arch_time_ns(void)
{
	u64 t = rdtime();

	return t / timebase_hz * 1000000000 + t % timebase_hz * 1000000000 / timebase_hz;
}

u64 arch_user_clock_hz(void)
{
	return timebase_hz;
}

static void arm(void)
{
	sbi_set_timer(rdtime() + timebase_hz / HZ);
}

void arch_timer_init(void)
{
	arm();
	csr_set(sie, SIE_STIE);
}

/* The supervisor timer interrupt: setting the next deadline also
 * clears the pending interrupt. */
void timer_intr(void)
{
	arm();
	timer_tick();
}
