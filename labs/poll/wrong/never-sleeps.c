/*
 * Wrong: the poller never sleeps: with nothing to do it spins (and
 * yields) forever, a CPU's worth of rounds for an idle ring.
 * caught by unit: test_poller sleeps_once_idle
 */
/* REGION kernel/ring.c poll 1 1 */
	struct ring *r = current()->poll;
	u64 idle_since = arch_time_ns();
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		op_continue(r);
		long n = consume(r, ENTER_MAX);
		u64 now = arch_time_ns();
		if (n > 0) {
			idle_since = now;
		} else {
			(void)poll_sleep; /* idle: just go round again */
			(void)idle_since;
		}
		arch_irq_enable();
		arch_relax(); /* x86 takes interrupts only after the instruction after sti */
		arch_irq_disable();
		sched_yield();
	}
	__atomic_store_n(&r->poller, NULL, __ATOMIC_RELEASE); /* ring_teardown may go on */
