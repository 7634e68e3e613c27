/*
 * Wrong: takes every published entry, not at most to_submit.
 * caught by unit: test_ring to_submit_bounds
 */
/* REGION kernel/ring.c ring 1 2 */
	/* acquire: the entries are written before the tail that covers them */
	u32 tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	u32 avail = tail - r->sq_head;
	if (avail > r->sq_entries) {
		post_batch(r, NULL, 0); /* empty: it republishes cq_tail and the flags */
		return -EINVAL;
	}
	u32 n = MIN(avail, ENTER_MAX);
	(void)max;
	if (n == 1 && !r->proc->killed && !__atomic_load_n(&r->nbacklog, __ATOMIC_RELAXED))
		return consume_one(r);
	return consume_batch(r, n);
