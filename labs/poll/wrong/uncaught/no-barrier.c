/*
 * Wrong: no full barrier between raising NEED_WAKEUP and the second look
 * at the tail: the flag's store may pass the tail's load (store-load
 * reordering, on both arches); the program, on its side, reads the old
 * flags after publishing its tail, and each misses the other.
 * Not caught: one host thread sees its own stores in order, and
 * ThreadSanitizer does not model fences. Graded in the questions.
 */
/* REGION kernel/ring.c poll 2 1 */
	spin_lock(&sched_lock);
	sq_flags(r, RING_NEED_WAKEUP, 0);
	u32 tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	if (tail == r->sq_head && !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&r->deferred, __ATOMIC_ACQUIRE))
		sched_block();
	sq_flags(r, 0, RING_NEED_WAKEUP);
	spin_unlock(&sched_lock);
