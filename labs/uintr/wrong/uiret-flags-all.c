/*
 * Wrong (x86_64): UIRET takes every bit of rflags from the frame, not
 * only UIRET_FLAGS: a handler can clear IF (or raise IOPL) for its
 * thread by writing its frame.
 * caught by unit: test_uintr_x86 uiret_flags_mask
 */
/* REGION arch/x86_64/uintr.c uintr 1 1 */
	u64 w[3];

	if (m->read(m->arg, w, tf->rsp, sizeof(w)) < 0)
		return UINTR_EFAULT;
	if (!user_addr(w[0]))
		return UINTR_EGP;
	tf->rip = w[0];
	tf->rflags = w[1]; /* every bit, IF and IOPL among them */
	tf->rsp = w[2];
	r->enabled = true;
	return UINTR_DONE;
