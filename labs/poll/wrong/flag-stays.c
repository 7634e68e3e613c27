/*
 * Wrong: NEED_WAKEUP stays up once the poller is awake again: the
 * program enters the kernel on every submission for nothing.
 * caught by unit: test_poll sleeps_when_idle
 */
/* REGION kernel/ring.c poll 2 1 */
	spin_lock(&sched_lock);
	sq_flags(r, RING_NEED_WAKEUP, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	u32 tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	if (tail == r->sq_head && !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&r->deferred, __ATOMIC_ACQUIRE))
		sched_block();
	spin_unlock(&sched_lock);
