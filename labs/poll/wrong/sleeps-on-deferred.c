/*
 * Wrong: sleeps with chains to continue: a linked entry whose
 * predecessor completed (deferred) waits until the program submits
 * something else.
 * caught by unit: test_poller no_sleep_on_deferred
 */
/* REGION kernel/ring.c poll 2 1 */
	spin_lock(&sched_lock);
	sq_flags(r, RING_NEED_WAKEUP, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	u32 tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	if (tail == r->sq_head && !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		sched_block();
	sq_flags(r, 0, RING_NEED_WAKEUP);
	spin_unlock(&sched_lock);
