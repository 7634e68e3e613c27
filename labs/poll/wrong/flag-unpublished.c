/*
 * Wrong: raises NEED_WAKEUP in the kernel's copy of the flags only, not
 * in the shared header the program reads: it never wakes the poller.
 * caught by unit: test_poll sleeps_when_idle
 */
/* REGION kernel/ring.c poll 2 1 */
	spin_lock(&sched_lock);
	r->sq_flags |= RING_NEED_WAKEUP;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	u32 tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	if (tail == r->sq_head && !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&r->deferred, __ATOMIC_ACQUIRE))
		sched_block();
	r->sq_flags &= ~RING_NEED_WAKEUP;
	(void)sq_flags;
	spin_unlock(&sched_lock);
