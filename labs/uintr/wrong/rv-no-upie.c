/*
 * Wrong (riscv64): delivery does not save UIE in UPIE: the handler's
 * URET restores whatever UPIE held before.
 * caught by unit: test_uintr_riscv deliver roundtrip
 */
/* REGION arch/riscv64/uintr.c uintr 2 1 */
	(void)m;
	u64 set = __atomic_load_n(&r->pending, __ATOMIC_ACQUIRE);
	if (!set || !arch_uintr_unmasked(r))
		return 0;

	unsigned v = uintr_highest(set);
	u64 pc = r->handler & ~UTVEC_MODE;
	if (r->handler & UTVEC_VEC)
		pc += 4 * v;
	if (!pc || !user_addr(pc))
		return UINTR_EGP;

	uintr_claim(r, v);
	r->epc = tf->sepc;
	r->cause = UCAUSE_INTR | v;
	r->tval = 0;
	r->enabled = false;
	tf->sepc = pc;
	return 1;
