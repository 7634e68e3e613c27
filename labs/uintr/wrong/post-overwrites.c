/*
 * Wrong: posting stores the vector's bit as the whole pending set: a
 * vector pending already, not yet delivered, is lost.
 * caught by unit: test_uintr_kernel post_keeps_pending
 */
/* REGION kernel/uintr.c uintr 3 1 */
	if (__atomic_exchange_n(&u->r.pending, 1ull << vector, __ATOMIC_ACQ_REL))
		return; /* something was pending already: its kick is on the way */
	spin_lock(&sched_lock);
	struct thread *t = u->t;
	if (t && t->state == T_BLOCKED)
		sched_wake(t);
	else if (t && t->state == T_RUNNING)
		ipi_kick(t->cpu);
	spin_unlock(&sched_lock);
