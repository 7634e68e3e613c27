/*
 * Wrong: a delivery that faults (no handler, the stack unmapped) is
 * ignored: the thread returns to user mode with the vector still
 * pending, and the delivery fails again on every way out.
 * caught by unit: test_uintr_kernel return_delivers
 */
/* REGION kernel/uintr.c uintr 4 1 */
	if (!t->urecv || !__atomic_load_n(&t->urecv->r.pending, __ATOMIC_ACQUIRE))
		return;
	struct uintr_mem m = mem(t);
	arch_uintr_deliver(&t->urecv->r, tf, &m);
