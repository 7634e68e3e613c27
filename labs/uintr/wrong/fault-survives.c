/*
 * Wrong: an emulated instruction that faults (a bad frame, a send to an
 * entry not owned) does not kill the thread: it returns to the same
 * instruction, and faults again, forever.
 * caught by unit: test_uintr_kernel emulated_results
 */
/* REGION kernel/uintr.c uintr 3 2 */
	struct thread *t = current();
	struct uintr_mem m = mem(t);
	struct uintr_post p;
	int r = uintr_trap(t->urecv ? &t->urecv->r : NULL, t->usend, tf, &m, &p);
	if (r == UINTR_EILL)
		return false; /* not one of ours: the arch reports its fault */
	if (r == UINTR_POST)
		post(urecv_of(p.recv), p.vector);
	return true;
