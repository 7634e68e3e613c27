/*
 * uintr.c - riscv64 user interrupts, emulated: the N extension's user
 * CSRs and URET, plus our send instruction, for harts without them
 * (every one QEMU offers: they raise an illegal-instruction exception),
 * and delivery of pending user interrupts the way the hardware would:
 * the arch_uintr_* functions of kernel/arch.h. The model: kernel/uintr.h;
 * the caller, which fetches the instruction and knows threads:
 * kernel/uintr.c; the story: docs/uintr.md.
 *
 * Pure functions: registers in a trap frame, user memory through
 * callbacks, nothing else. This file includes only types.h, archdef.h,
 * arch.h and uintr.h (no machine.h, no kernel.h), so that the host unit
 * test tests/unit/test_uintr_riscv.c can include it with the real trap
 * frame.
 */
#include "types.h"
#include "archdef.h"
#include "arch.h"
#include "uintr.h"
#include "abi/errno.h"

/*
 * The user-interrupt CSRs (N extension numbering) and their bits.
 *
 * ustatus    63            5    4    3   1    0
 *           +---------------+------+-----+-----+
 *           |       0       | UPIE |  0  | UIE |     UIE: interrupts on;
 *           +---------------+------+-----+-----+     UPIE: UIE before delivery
 *
 * uie, uip   63      9   8    7  5   4    3  1   0
 *           +---------+------+----+------+----+------+
 *           |    0    | UEIx |  0 | UTIx |  0 | USIx |
 *           +---------+------+----+------+----+------+
 *
 * Our user interrupts are all "user software interrupts": uie.USIE
 * masks all 64 vectors, uip.USIP reads 1 while any vector is pending.
 * There are no user timer or external interrupts: UTIx and UEIx read 0.
 *
 * utvec      63                         2   1    0
 *           +----------------------------+----+------+
 *           |            BASE            |  0 | MODE |  MODE 0: pc = BASE;
 *           +----------------------------+----+------+  1: BASE + 4 * vector
 */
#define CSR_USTATUS  0x000
#define CSR_UIE	     0x004
#define CSR_UTVEC    0x005
#define CSR_USCRATCH 0x040
#define CSR_UEPC     0x041
#define CSR_UCAUSE   0x042
#define CSR_UTVAL    0x043
#define CSR_UIP	     0x044

#define USTATUS_UIE  (1ul << 0)
#define USTATUS_UPIE (1ul << 4)
#define UIE_USIE     (1ul << 0)
#define UIP_USIP     (1ul << 0)
#define UTVEC_MODE   3ul
#define UTVEC_VEC    1ul	 /* vectored mode */
#define UCAUSE_INTR  (1ul << 63) /* an interrupt, not an exception */

/* ---------------------------------------------------------------------
 * Decoding. All our instructions are 32 bits long (low two bits 11).
 *
 * CSR access (SYSTEM opcode):
 *
 *   31           20 19     15 14    12 11      7 6         0
 *  +---------------+---------+--------+---------+-----------+
 *  |      csr      | rs1     | funct3 |   rd    |  1110011  |
 *  |               | or uimm |        |         |   0x73    |
 *  +---------------+---------+--------+---------+-----------+
 *   funct3: 001 csrrw, 010 csrrs, 011 csrrc (source x[rs1]);
 *           101 csrrwi, 110 csrrsi, 111 csrrci (source the 5-bit uimm)
 *
 * URET is the SYSTEM instruction with csr field 0x002 and all else 0:
 * 0x00200073.
 *
 * The send, ours, in the custom-0 opcode space the ISA leaves to
 * extensions like this one, as an R-type instruction:
 *
 *   31       25 24    20 19     15 14    12 11      7 6         0
 *  +-----------+--------+---------+--------+---------+-----------+
 *  |  0000000  | 00000  |   rs1   |  000   |  00000  |  0001011  |
 *  |  funct7   |  rs2   |  index  | funct3 |   rd    |   0x0b    |
 *  +-----------+--------+---------+--------+---------+-----------+
 *
 *   senduipi rs1:   post the interrupt of sender-table entry x[rs1]
 *
 * (assembler: .insn r 0x0b, 0, 0, x0, rs1, x0). Every other value of
 * funct7, rs2, funct3 and rd is reserved: not ours, illegal.
 * ------------------------------------------------------------------- */

#define OPC_SYSTEM  0x73
#define OPC_CUSTOM0 0x0b
#define URET	    0x00200073u

static bool our_csr(int csr)
{
	switch (csr) {
	case CSR_USTATUS:
	case CSR_UIE:
	case CSR_UTVEC:
	case CSR_USCRATCH:
	case CSR_UEPC:
	case CSR_UCAUSE:
	case CSR_UTVAL:
	case CSR_UIP:
		return true;
	}
	return false;
}

int arch_uintr_decode(const u8 *buf, int n, struct uintr_insn *in)
{
	if (n < 4 || (buf[0] & 3) != 3 || (buf[0] & 0x1c) == 0x1c)
		return UINTR_EILL; /* truncated, compressed, or longer than 32 bits */
	u32 w = buf[0] | buf[1] << 8 | buf[2] << 16 | (u32)buf[3] << 24;
	int rd = (w >> 7) & 31, f3 = (w >> 12) & 7, rs1 = (w >> 15) & 31;

	*in = (struct uintr_insn){0};
	in->len = 4;
	if (w == URET) {
		in->op = UI_RET;
	} else if ((w & 0x7f) == OPC_SYSTEM && f3 != 0 && f3 != 4 && our_csr(w >> 20)) {
		in->op = UI_CSR;
		in->csr = w >> 20;
		in->rd = rd;
		in->reg = rs1;
		in->f3 = f3;
	} else if ((w & ~(31u << 15)) == OPC_CUSTOM0) {
		in->op = UI_SEND;
		in->reg = rs1;
	} else {
		return UINTR_EILL;
	}
	return in->op;
}

/*
 * The instruction, as the hart reported it: on an illegal-instruction
 * trap stval is either 0 or the faulting instruction's bits (the
 * privileged spec), the low 16 of a compressed one, the low 32 of ours.
 * OpenSBI, which sees the trap first and hands it on to S-mode, passes
 * them on in stval, reading them itself when the hart gave none. It is
 * the instruction that trapped, which user memory need no longer hold:
 * another thread may have changed the code since.
 */
int arch_uintr_reported(const struct trapframe *tf, u8 *buf)
{
	u64 w = tf->stval;
	if (!w)
		return 0;
	/* all four bytes, without a loop (buf holds UINTR_INSN_MAX = 4;
	   a compressed one's upper two are 0, and not looked at): 14
	   instructions fewer per emulated instruction (the 1-CPU hardware
	   pipe round trip, six of them, 8,712 -> 8,628: measured) */
	buf[0] = w, buf[1] = w >> 8, buf[2] = w >> 16, buf[3] = w >> 24;
	return (w & 3) == 3 ? 4 : 2;
}

/* Register xN of the trap frame (x0 reads 0, writes vanish). */
static u64 xget(const struct trapframe *tf, int n)
{
	return n ? ((const u64 *)tf)[TF_REG(n) / 8] : 0;
}

static void xset(struct trapframe *tf, int n, u64 v)
{
	if (n)
		((u64 *)tf)[TF_REG(n) / 8] = v;
}

static bool user_addr(u64 a)
{
	return a < USER_TOP;
}

/* ---------------------------------------------------------------------
 * The CSRs. Reads give what the thread's state says; writes keep only
 * the bits that exist (WARL: write any value, read back a legal one).
 * ------------------------------------------------------------------- */

static u64 ucsr_read(const struct uintr_recv *r, int csr)
{
	switch (csr) {
	case CSR_USTATUS:
		return (r->enabled ? USTATUS_UIE : 0) | (r->prev_enabled ? USTATUS_UPIE : 0);
	case CSR_UIE:
		return r->ie;
	case CSR_UTVEC:
		return r->handler;
	case CSR_USCRATCH:
		return r->scratch;
	case CSR_UEPC:
		return r->epc;
	case CSR_UCAUSE:
		return r->cause;
	case CSR_UTVAL:
		return r->tval;
	case CSR_UIP:
		return __atomic_load_n(&r->pending, __ATOMIC_ACQUIRE) ? UIP_USIP : 0;
	}
	return 0;
}

static void ucsr_write(struct uintr_recv *r, int csr, u64 v)
{
	switch (csr) {
	case CSR_USTATUS:
		r->enabled = (v & USTATUS_UIE) != 0;
		r->prev_enabled = (v & USTATUS_UPIE) != 0;
		break;
	case CSR_UIE:
		r->ie = v & UIE_USIE;
		break;
	case CSR_UTVEC:
		r->handler = v & ~2ul; /* MODE 2 and 3 are reserved: keep bit 0 only */
		break;
	case CSR_USCRATCH:
		r->scratch = v;
		break;
	case CSR_UEPC:
		r->epc = v & ~1ul; /* instructions are 2-byte aligned (C extension) */
		break;
	case CSR_UCAUSE:
		r->cause = v;
		break;
	case CSR_UTVAL:
		r->tval = v;
		break;
	case CSR_UIP:
		break; /* USIP follows the pending set: post with a send instead */
	}
}

/*
 * csrrw/csrrs/csrrc and the immediate forms, as the ISA defines them:
 * the old value goes to rd; csrrw always writes, csrrs and csrrc write
 * only when rs1 (or uimm) is not x0 (0), so that a plain read never
 * writes. The source is read before rd is written: rd may equal rs1.
 */
static void csr_access(struct uintr_recv *r, struct trapframe *tf, const struct uintr_insn *in)
{
	/* LAB uintr 1: BEGIN the old value to rd; write as csrrw/csrrs/csrrc (and i forms) say */
	/* STUB: (void)r, (void)tf, (void)in, (void)xset, (void)ucsr_read, (void)ucsr_write; */
	u64 src = in->f3 & 4 ? (u64)in->reg : xget(tf, in->reg);
	u64 old = ucsr_read(r, in->csr);

	switch (in->f3 & 3) {
	case 1:
		ucsr_write(r, in->csr, src);
		break;
	case 2:
		if (in->reg)
			ucsr_write(r, in->csr, old | src);
		break;
	case 3:
		if (in->reg)
			ucsr_write(r, in->csr, old & ~src);
		break;
	}
	xset(tf, in->rd, old);
	/* LAB uintr END */
}

int arch_uintr_emulate(struct uintr_recv *r, struct uintr_send *s, struct trapframe *tf,
		       const struct uintr_insn *in, const struct uintr_mem *m,
		       struct uintr_post *post)
{
	/* LAB uintr 1: BEGIN our send, URET and the CSR accesses, as the hardware does them */
	/* STUB: (void)r, (void)s, (void)tf, (void)in, (void)m, (void)post, (void)xget;
	   (void)csr_access;
	   return UINTR_EILL; // emulates nothing: the thread gets its illegal instruction */
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
		r->enabled = r->prev_enabled;
		r->prev_enabled = true;
		return UINTR_DONE;
	case UI_CSR:
		csr_access(r, tf, in);
		tf->sepc += in->len;
		return UINTR_DONE;
	}
	return UINTR_EILL;
	/* LAB uintr END */
}

/* ---------------------------------------------------------------------
 * Delivery, as an N-extension hart takes a user interrupt:
 *
 *   uepc = pc; ucause = 1 << 63 | vector; utval = 0
 *   UPIE = UIE; UIE = 0; pc = utvec's BASE (+ 4 * vector when vectored)
 *
 * Nothing is written to memory: the handler finds its own stack, by
 * swapping sp with uscratch (user/lib/riscv64/uintr.S).
 * ------------------------------------------------------------------- */

bool arch_uintr_unmasked(const struct uintr_recv *r)
{
	return r->enabled && (r->ie & UIE_USIE);
}

int arch_uintr_deliver(struct uintr_recv *r, struct trapframe *tf, const struct uintr_mem *m)
{
	/* LAB uintr 2: BEGIN save pc, cause and UIE in the CSRs and enter the handler */
	/* STUB: (void)r, (void)tf, (void)m; return 0; // delivers nothing */
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
	r->prev_enabled = r->enabled;
	r->enabled = false;
	tf->sepc = pc;
	return 1;
	/* LAB uintr END */
}

/*
 * Register a handler: utvec = handler in direct mode, uscratch = the
 * handler stack's top (0: the entry stub stays on the interrupted
 * stack), and unmask user software interrupts in uie. UIE itself is the
 * thread's to set.
 */
int arch_uintr_register(struct uintr_recv *r, u64 handler, u64 stack)
{
	if (!handler || !user_addr(handler) || (handler & 3) || stack > USER_TOP)
		return -EINVAL;
	r->handler = handler;
	r->scratch = stack;
	r->ie |= UIE_USIE;
	return 0;
}

const char *arch_uintr_fault(int err, u64 *cause)
{
	if (err == UINTR_EFAULT) {
		*cause = EXC_IPAGE;
		return "instruction page fault";
	}
	*cause = EXC_ILLEGAL;
	return "illegal instruction";
}

/*
 * Native user interrupts (kernel/arch.h): no RISC-V hart has them (the
 * N extension was never ratified, and our send instruction is ours), so
 * the kernel always emulates (arch_uintr_native() is false, archdef.h);
 * kernel/uintr.c never calls the others.
 */

void arch_uintr_load(struct uintr_recv *r, struct uintr_send *s)
{
	(void)r, (void)s;
}

void arch_uintr_sync(struct uintr_recv *r)
{
	(void)r;
}

void arch_uintr_unload(struct uintr_recv *r, bool sleeping)
{
	(void)r, (void)sleeping;
}
