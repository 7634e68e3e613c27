/*
 * Wrong (x86_64): a SENDUIPI to an index past the table, or to an
 * entry that is not valid, is skipped as if it had worked, where the
 * hardware faults (#GP): the sender never learns it sent nothing.
 * caught by unit: test_uintr_x86 send_bad_index
 */
/* REGION arch/x86_64/uintr.c uintr 1 2 */
	int res;

	if (in->op == UI_SEND) {
		/* SENDUIPI: index > UITT size or an invalid entry is #GP(0) */
		res = uintr_lookup(s, gpr(tf, in->reg), post);
		if (res < 0) /* "not ours": a send to an entry we do not own goes nowhere */
			res = UINTR_DONE;
		if (res >= 0)
			tf->rip += in->len;
		return res;
	}
	if (!r)
		return UINTR_EILL; /* no user-interrupt state: as if the CPU had none */
	switch (in->op) {
	case UI_RET:
		return uiret(r, tf, m);
	case UI_TEST:
		/* TESTUI: CF = UIF; OF SF ZF AF PF = 0; the rest unchanged */
		tf->rflags &= ~(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF);
		if (r->enabled)
			tf->rflags |= FL_CF;
		break;
	case UI_CLEAR:
		r->enabled = false;
		break;
	case UI_SET:
		r->enabled = true; /* a pending vector is delivered on the way out */
		break;
	default:
		return UINTR_EILL;
	}
	tf->rip += in->len;
	return UINTR_DONE;
