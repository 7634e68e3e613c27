/*
 * Wrong: raises NEED_WAKEUP and sleeps without looking at the tail
 * again: an entry published after the poller's last round, by a program
 * that read sq_flags before the flag went up, waits forever.
 * caught by unit: test_poll no_sleep_after_late_tail
 */
/* REGION kernel/ring.c poll 2 1 */
	spin_lock(&sched_lock);
	sq_flags(r, RING_NEED_WAKEUP, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&r->deferred, __ATOMIC_ACQUIRE))
		sched_block();
	sq_flags(r, 0, RING_NEED_WAKEUP);
	spin_unlock(&sched_lock);
