/*
 * Wrong (riscv64): URET sets UIE instead of restoring it from UPIE: a
 * handler entered with interrupts off returns to code that had them off
 * with them on.
 * caught by unit: test_uintr_riscv uret
 */
/* REGION arch/riscv64/uintr.c uintr 1 2 */
	(void)m; /* emulation here touches registers only */
	int res;

	if (in->op == UI_SEND) {
		/* like SENDUIPI: an index past the table or an invalid entry faults */
		res = uintr_lookup(s, xget(tf, in->reg), post);
		if (res == UINTR_POST)
			tf->sepc += in->len;
		return res;
	}
	if (!r)
		return UINTR_EILL; /* no user-interrupt state: as if the hart had none */
	switch (in->op) {
	case UI_RET:
		/* URET: pc = uepc; UIE = UPIE; UPIE = 1 */
		if (!user_addr(r->epc))
			return UINTR_EGP;
		tf->sepc = r->epc;
		r->enabled = true; /* not UPIE */
		r->prev_enabled = true;
		return UINTR_DONE;
	case UI_CSR:
		csr_access(r, tf, in);
		tf->sepc += in->len;
		return UINTR_DONE;
	}
	return UINTR_EILL;
