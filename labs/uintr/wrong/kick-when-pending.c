/*
 * Wrong: uintr_post's answer read the wrong way round: the thread is
 * woken or kicked only when something was pending already (a kick is on
 * its way then), and a first vector, to an empty set, wakes nobody.
 * caught by unit: test_uintr_kernel post_wakes_blocked post_kicks_running
 */
/* REGION kernel/uintr.c uintr 3 1 */
	if (!uintr_post(&u->r, vector))
		return; /* something was pending already: its kick is on the way */
	spin_lock(&sched_lock);
	struct thread *t = u->t;
	if (t && t->state == T_BLOCKED)
		sched_wake(t);
	else if (t && t->state == T_RUNNING)
		ipi_kick(t->cpu);
	spin_unlock(&sched_lock);
