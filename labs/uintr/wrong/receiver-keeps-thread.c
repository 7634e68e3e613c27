/*
 * Wrong: the receiver still names its thread after the thread stopped
 * receiving: a later send wakes or kicks a thread that has gone (its
 * memory reused).
 * caught by unit: test_uintr_kernel exit_drops
 */
/* REGION kernel/uintr.c uintr 5 1 */
	spin_lock(&sched_lock);
	t->urecv = NULL;
	spin_unlock(&sched_lock);
	__atomic_store_n(&u->r.pending, 0, __ATOMIC_RELEASE);
	urecv_put(u);
