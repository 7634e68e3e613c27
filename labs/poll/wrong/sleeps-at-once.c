/*
 * Wrong: sleeps as soon as one round finds nothing, not after the
 * ring's idle time: every pause of the program costs it a ring_enter to
 * wake the poller, the system call polling is there to save.
 * caught by unit: test_poller busy_until_idle
 */
/* REGION kernel/ring.c poll 1 1 */
	struct ring *r = current()->poll;
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		op_continue(r);
		long n = consume(r, ENTER_MAX);
		if (n == 0) { /* idle: sleep */
			poll_sleep(r);
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
	__atomic_store_n(&r->poller, NULL, __ATOMIC_RELEASE); /* ring_teardown may go on */
