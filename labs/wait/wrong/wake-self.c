/*
 * Wrong: the test is the wrong way round: a completion wakes the owner
 * only when the owner posts it itself (never blocked then), and never
 * when another thread or an interrupt does.
 * caught by unit: test_wake completion_wakes_owner
 */
/* REGION kernel/ring.c wait 2 1 */
	if (r->owner == current()) {
		spin_lock(&sched_lock);
		sched_wake(r->owner);
		spin_unlock(&sched_lock);
	}
