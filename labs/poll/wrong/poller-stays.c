/*
 * Wrong: the poller ends without saying so (r->poller stays set):
 * ring_teardown waits for it forever.
 * caught by unit: test_poller ends_on_stop sleeps_once_idle
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
		} else if (now - idle_since >= r->idle_ns) {
			poll_sleep(r);
			idle_since = arch_time_ns();
			/* woken because the program published work: take it now.
			   Yielding first sent the CPU straight back to the
			   program, which on one CPU must then enter the kernel
			   again to let us run. */
			continue;
		}
		arch_irq_enable();
		arch_relax(); /* x86 takes interrupts only after the instruction after sti */
		arch_irq_disable();
		sched_yield();
	}
