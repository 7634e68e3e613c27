/*
 * Wrong: sleeps on a ring that is being torn down: ring_teardown raised
 * stop and waits for the poller, which then sleeps until a wake-up.
 * caught by unit: test_poller no_sleep_on_stop
 */
/* REGION kernel/ring.c poll 2 1 */
	spin_lock(&sched_lock);
	sq_flags(r, RING_NEED_WAKEUP, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	u32 tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	if (tail == r->sq_head && !__atomic_load_n(&r->deferred, __ATOMIC_ACQUIRE))
		sched_block();
	sq_flags(r, 0, RING_NEED_WAKEUP);
	spin_unlock(&sched_lock);
