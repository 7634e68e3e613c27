/*
 * Wrong (x86_64): pushes rflags where rip belongs and rip where rflags
 * does: the handler's UIRET returns to the flags word.
 * caught by unit: test_uintr_x86 deliver_frame uiret_roundtrip
 */
/* REGION arch/x86_64/uintr.c uintr 2 1 */
	u64 set = __atomic_load_n(&r->pending, __ATOMIC_ACQUIRE);
	if (!set || !arch_uintr_unmasked(r))
		return 0;
	if (!r->handler || !user_addr(r->handler))
		return UINTR_EGP;

	u64 sp = tf->rsp;
	if (r->stack_adjust & 1) {
		sp = r->stack_adjust & ~1ul; /* a handler stack's top */
		if (sp > USER_TOP)
			return UINTR_EGP;
	} else {
		sp -= r->stack_adjust; /* as hardware: modulo 2^64 */
	}
	sp &= ~15ul;
	/* the frame must lie in user space; below 128 the subtraction wrapped */
	if (sp < 32 || sp > USER_TOP)
		return UINTR_EFAULT;
	sp -= 32;

	unsigned v = uintr_highest(set);
	u64 frame[4] = {v, tf->rflags, tf->rip, tf->rsp}; /* rip and rflags swapped */
	if (m->write(m->arg, sp, frame, sizeof(frame)) < 0)
		return UINTR_EFAULT;

	uintr_claim(r, v);
	r->enabled = false;
	tf->rflags &= ~(FL_TF | FL_RF);
	tf->rsp = sp;
	tf->rip = r->handler;
	return 1;
