/*
 * Wrong: a receiver running on another CPU is not kicked: it sees the
 * vector only when it next enters the kernel for its own reasons (a
 * thread in a loop: at the next tick, or never without one).
 * caught by unit: test_uintr_kernel post_kicks_running
 */
/* REGION kernel/uintr.c uintr 3 1 */
	if (uintr_post(&u->r, vector))
		return; /* something was pending already: its kick is on the way */
	spin_lock(&sched_lock);
	struct thread *t = u->t;
	if (t && t->state == T_BLOCKED)
		sched_wake(t);
	spin_unlock(&sched_lock);
