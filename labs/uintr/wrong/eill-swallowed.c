/*
 * Wrong: an instruction the emulation does not know (UINTR_EILL) is
 * reported as emulated: the thread returns to the same instruction,
 * traps again, forever, where it should get its illegal instruction.
 * caught by unit: test_uintr_kernel emulated_results
 */
/* REGION kernel/uintr.c uintr 3 2 */
	struct thread *t = current();
	struct uintr_mem m = mem(t);
	struct uintr_post p;
	int r = uintr_trap(t->urecv ? &t->urecv->r : NULL, t->usend, tf, &m, &p);
	if (r < 0) {
		u64 cause;
		const char *name = arch_uintr_fault(r, &cause);
		trap_user_fault(name, cause, arch_tf_pc(tf), 0, tf);
	}
	if (r == UINTR_POST)
		post(urecv_of(p.recv), p.vector);
	return true;
