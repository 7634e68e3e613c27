/*
 * Wrong: looks at the thread's state and wakes it without sched_lock:
 * the thread may block just after the look (its wait() checked under
 * the lock, before this post), and the wake-up is lost.
 * caught by unit: test_uintr_kernel post_wakes_blocked
 */
/* REGION kernel/uintr.c uintr 3 1 */
	if (uintr_post(&u->r, vector))
		return; /* something was pending already: its kick is on the way */
	struct thread *t = u->t;
	if (t && t->state == T_BLOCKED)
		sched_wake(t);
	else if (t && t->state == T_RUNNING)
		ipi_kick(t->cpu);
