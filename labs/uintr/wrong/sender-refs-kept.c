/*
 * Wrong: the sender table is freed without dropping the reference each
 * valid entry holds on its receiver: those receivers never go.
 * caught by unit: test_uintr_kernel exit_drops
 */
/* REGION kernel/uintr.c uintr 5 2 */
	if (t->urecv)
		unregister(t);
	if (t->usend) {
		kfree(t->usend);
		t->usend = NULL;
	}
