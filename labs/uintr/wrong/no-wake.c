/*
 * Wrong: a blocked receiver is not woken (only a running one kicked): a
 * thread asleep in wait() for its user interrupt sleeps on.
 * caught by unit: test_uintr_kernel post_wakes_blocked emulated_send
 */
/* REGION kernel/uintr.c uintr 3 1 */
	if (uintr_post(&u->r, vector))
		return; /* something was pending already: its kick is on the way */
	spin_lock(&sched_lock);
	struct thread *t = u->t;
	if (t && t->state == T_RUNNING)
		ipi_kick(t->cpu);
	spin_unlock(&sched_lock);
