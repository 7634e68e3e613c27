/*
 * Wrong (riscv64): csrrs and csrrc write the CSR even when rs1 (or
 * uimm) is x0 (0): a plain read (csrr) writes, and a read of a CSR
 * with side effects on write is no longer harmless.
 * caught by unit: test_uintr_riscv csr_access
 */
/* REGION arch/riscv64/uintr.c uintr 1 1 */
	u64 src = in->f3 & 4 ? (u64)in->reg : xget(tf, in->reg);
	u64 old = ucsr_read(r, in->csr);

	switch (in->f3 & 3) {
	case 1:
		ucsr_write(r, in->csr, src);
		break;
	case 2:
		if (1) /* rs1 = x0 too */
			ucsr_write(r, in->csr, old | src);
		break;
	case 3:
		if (1) /* rs1 = x0 too */
			ucsr_write(r, in->csr, old & ~src);
		break;
	}
	xset(tf, in->rd, old);
