/*
 * timer.c - time on x86_64. arch_time_ns() counts TSC cycles; the tick
 * comes from each CPU's LAPIC timer. Neither runs at a known rate, so
 * both are measured once against the PIT, whose input clock is fixed at
 * 1193182 Hz. QEMU's TSC is the same on all CPUs, like modern hardware's
 * "invariant TSC".
 */
#include "machine.h"

#define PIT_HZ	     1193182
#define CAL_MS	     10 /* length of one measurement */
#define CAL_RUNS     5	/* measurements; the shortest counts */
#define LAPIC_DIV16  0x3
#define LVT_PERIODIC (1 << 17)

static u64 tsc_hz, tsc_boot;
static u64 ns_mult;  /* ns = cycles * ns_mult >> 32 */
static u32 lapic_hz; /* LAPIC timer counts per second, divided by 16 */

/*
 * PIT channel 2 (ports 0x42, 0x43) is the one software can both gate
 * and watch, through port 0x61: bit 0 is its gate, bit 1 connects it to
 * the speaker (off), bit 5 reads its output. In mode 0 the output goes
 * high when the count reaches 0. Meanwhile the TSC runs and the LAPIC
 * timer counts down from its maximum.
 *
 * Both are started before the count is written and read after the
 * output goes high, so what they count spans the PIT's CAL_MS and then
 * some: a measurement can come out long, never short. (Before the count
 * is written, not before the gate opens: a real 8254 in mode 0 counts
 * from the gate's rising edge, but QEMU's from the write of the count,
 * whatever the gate. Started between the two, a measurement came out
 * short whenever the host stopped this CPU there, and a short count
 * makes a fast clock: a loaded host once saw init's minute-long wait
 * for the file server end in seconds.) Long it is when this CPU stops
 * between the two ends - under QEMU, whenever a busy host runs
 * something else instead of its thread - and a long count only makes a
 * slow clock. So: CAL_RUNS measurements, and the shortest is the
 * truest.
 */
static void measure(u64 *tsc, u32 *lapic)
{
	u32 count = PIT_HZ * CAL_MS / 1000;

	outb(0x61, inb(0x61) & ~0x03); /* gate low, speaker off */
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	u64 t0 = rdtsc();
	outb(0x43, 0xb0); /* channel 2, low byte then high byte, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	outb(0x61, inb(0x61) | 0x01); /* gate high: go */
	while (!(inb(0x61) & 0x20))
		;
	u64 t1 = rdtsc();
	u32 left = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	*tsc = t1 - t0;
	*lapic = 0xffffffffu - left;
}

void timer_calibrate(void)
{
	u64 tsc = ~0ull;
	u32 lapic = ~0u;
	lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV16);
	lapic_write(LAPIC_TIMER_LVT, LVT_MASKED);
	for (int i = 0; i < CAL_RUNS; i++) {
		u64 t;
		u32 l;
		measure(&t, &l);
		tsc = MIN(tsc, t);
		lapic = MIN(lapic, l);
	}
	tsc_hz = tsc * 1000 / CAL_MS;
	lapic_hz = lapic * (1000 / CAL_MS);
	ns_mult = (1000000000ull << 32) / tsc_hz;
	tsc_boot = rdtsc();
}

/* 0 until timer_calibrate() has run, on the boot CPU in arch_init(). */
u64 arch_user_clock_hz(void)
{
	return tsc_hz;
}

u64 arch_time_ns(void)
{
	return (unsigned __int128)(rdtsc() - tsc_boot) * ns_mult >> 32;
}

void delay_us(u64 us)
{
	u64 end = rdtsc() + us * tsc_hz / 1000000;
	while (rdtsc() < end)
		arch_relax();
}

/*
 * LAPIC timer LVT: vector in bits 7:0, masked at bit 16, mode in bits
 * 18:17 (00 one-shot, 01 periodic). Periodic reloads the initial count
 * each time it reaches 0.
 */
void arch_timer_init(void)
{
	lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV16);
	lapic_write(LAPIC_TIMER_LVT, T_TIMER | LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, lapic_hz / HZ);
}
