/*
 * Wrong (x86_64): UIRET does not set UIF: after the first handler
 * returns, no user interrupt is delivered again until STUI.
 * caught by unit: test_uintr_x86 uiret_roundtrip
 */
/* REGION arch/x86_64/uintr.c uintr 1 1 */
	u64 w[3];

	if (m->read(m->arg, w, tf->rsp, sizeof(w)) < 0)
		return UINTR_EFAULT;
	if (!user_addr(w[0]))
		return UINTR_EGP;
	tf->rip = w[0];
	tf->rflags = (tf->rflags & ~UIRET_FLAGS) | (w[1] & UIRET_FLAGS);
	tf->rsp = w[2];
	(void)r; /* UIF left as the handler has it: clear */
	return UINTR_DONE;
