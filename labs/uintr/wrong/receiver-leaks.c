/*
 * Wrong: the thread's reference to its receiver is not dropped: the
 * receiver outlives its last sender (a leak per thread that received).
 * caught by unit: test_uintr_kernel exit_drops
 */
/* REGION kernel/uintr.c uintr 5 1 */
	spin_lock(&sched_lock);
	u->t = NULL;
	t->urecv = NULL;
	spin_unlock(&sched_lock);
	__atomic_store_n(&u->r.pending, 0, __ATOMIC_RELEASE);
	(void)urecv_put;
