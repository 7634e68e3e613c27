/*
 * Wrong: an emulated send (UINTR_POST) moves past the instruction but
 * posts nothing: the receiver never hears of it.
 * caught by unit: test_uintr_kernel emulated_send
 */
/* REGION kernel/uintr.c uintr 3 2 */
	struct thread *t = current();
	struct uintr_mem m = mem(t);
	struct uintr_post p;
	int r = uintr_trap(t->urecv ? &t->urecv->r : NULL, t->usend, tf, &m, &p);
	if (r == UINTR_EILL)
		return false; /* not one of ours: the arch reports its fault */
	if (r < 0) {
		u64 cause;
		const char *name = arch_uintr_fault(r, &cause);
		trap_user_fault(name, cause, arch_tf_pc(tf), 0, tf);
	}
	(void)post;
	return true;
