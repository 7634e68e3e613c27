/*
 * uintr.c - x86_64 user interrupts, emulated: decode and carry out
 * SENDUIPI, UIRET, TESTUI, CLUI and STUI for CPUs without UINTR (they
 * raise #UD there), and deliver pending user interrupts the way the
 * hardware does. The model and the callers' side: kernel/uintr.h; the
 * story: docs/uintr.md.
 *
 * Pure functions: registers in a trap frame, user memory through
 * callbacks, nothing else. This file includes only archdef.h and
 * uintr.h (no machine.h, no kernel.h), so that the host unit test
 * tests/unit/test_uintr_x86.c can include it with the real trap frame.
 */
#include "archdef.h"
#include "uintr.h"
#include "abi/errno.h"

/* RFLAGS bits */
#define FL_CF (1ul << 0)
#define FL_PF (1ul << 2)
#define FL_AF (1ul << 4)
#define FL_ZF (1ul << 6)
#define FL_SF (1ul << 7)
#define FL_TF (1ul << 8)
#define FL_OF (1ul << 11)
#define FL_RF (1ul << 16)

/*
 * The RFLAGS bits UIRET takes from the frame: CF PF AF ZF SF TF DF OF
 * NT RF AC ID - what a user program may change anyway. IF, IOPL, VM,
 * VIF, VIP and the reserved bits stay as they are, so a frame cannot
 * turn interrupts off or raise the program's I/O privilege.
 */
#define UIRET_FLAGS 0x254dd5ul

/* Exception vectors the errors stand for. */

/* ---------------------------------------------------------------------
 * Decoding.
 *
 * Every instruction we emulate starts with the mandatory prefix F3 and
 * the escape byte 0F:
 *
 *   F3 [REX] 0F 01 EC        UIRET
 *   F3 [REX] 0F 01 ED        TESTUI
 *   F3 [REX] 0F 01 EE        CLUI
 *   F3 [REX] 0F 01 EF        STUI
 *   F3 [REX] 0F C7 ModRM     SENDUIPI r64, if ModRM.mod = 11 and reg = 6
 *
 * ModRM:  7   6 5     3 2     0      REX:  7     4  3   2   1   0
 *        +-----+-------+-------+          +--------+---+---+---+---+
 *        | mod |  reg  |  r/m  |          |  0100  | W | R | X | B |
 *        +-----+-------+-------+          +--------+---+---+---+---+
 *
 * SENDUIPI's operand is register r/m, plus 8 with REX.B (r8-r15); the
 * operand is 64 bits wide whatever REX.W says. With mod != 11 the same
 * bytes are VMXON, and another reg field is another instruction
 * (reg = 7 is RDPID): not ours.
 *
 * Prefixes: F3 exactly once, segment overrides (26 2E 36 3E 64 65) in
 * any number, ignored, as the CPU ignores them for instructions without
 * a memory operand; a REX byte only right before 0F (elsewhere the CPU
 * ignores it; we refuse that form rather than guess). Anything else -
 * 66, 67, F2, F0 (LOCK), VEX - makes the bytes another instruction or
 * an invalid one: not ours, and the thread gets its #UD. So does an
 * instruction longer than 15 bytes (#GP on hardware).
 * ------------------------------------------------------------------- */

static bool segment_prefix(u8 b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

int uintr_decode(const u8 *buf, int n, struct uintr_insn *in)
{
	int i = 0;
	bool rep = false;
	u8 rex = 0;

	if (n > UINTR_INSN_MAX)
		n = UINTR_INSN_MAX;
	for (; i < n; i++) {
		if (buf[i] == 0xf3 && !rep)
			rep = true;
		else if (!segment_prefix(buf[i]))
			break;
	}
	if (!rep)
		return UINTR_EILL;
	if (i < n && (buf[i] & 0xf0) == 0x40)
		rex = buf[i++];
	if (i + 2 >= n || buf[i] != 0x0f)
		return UINTR_EILL; /* we need 0F and two more bytes */

	*in = (struct uintr_insn){0};
	in->len = i + 3;
	u8 op = buf[i + 1], b = buf[i + 2];
	if (op == 0x01) {
		switch (b) {
		case 0xec:
			in->op = UI_RET;
			return in->op;
		case 0xed:
			in->op = UI_TEST;
			return in->op;
		case 0xee:
			in->op = UI_CLEAR;
			return in->op;
		case 0xef:
			in->op = UI_SET;
			return in->op;
		}
	} else if (op == 0xc7 && (b >> 6) == 3 && ((b >> 3) & 7) == 6) {
		in->op = UI_SEND;
		in->reg = (b & 7) | (rex & 1) << 3;
		return in->op;
	}
	return UINTR_EILL;
}

/* General register n in encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15. */
static u64 gpr(const struct trapframe *tf, int n)
{
	const u64 regs[16] = {tf->rax, tf->rcx, tf->rdx, tf->rbx, tf->rsp, tf->rbp,
			      tf->rsi, tf->rdi, tf->r8,	 tf->r9,  tf->r10, tf->r11,
			      tf->r12, tf->r13, tf->r14, tf->r15};
	return regs[n & 15];
}

static bool user_addr(u64 a)
{
	return a < USER_TOP;
}

/* ---------------------------------------------------------------------
 * Emulation: one instruction, as the SDM's Operation sections describe.
 * ------------------------------------------------------------------- */

/*
 * UIRET pops what delivery pushed, once the handler has popped the
 * vector:
 *
 *   rsp -> rip, rflags, rsp      (three 64-bit words, lowest first)
 *
 * and sets UIF. A return address outside user space is refused here
 * (hardware: #GP for a non-canonical one, a page fault on fetching a
 * kernel one): either way the thread dies, and the kernel never returns
 * to user mode with a kernel rip.
 */
static int uiret(struct uintr_recv *r, struct trapframe *tf, const struct uintr_mem *m)
{
	u64 w[3];

	if (m->read(m->arg, w, tf->rsp, sizeof(w)) < 0)
		return UINTR_EFAULT;
	if (!user_addr(w[0]))
		return UINTR_EGP;
	tf->rip = w[0];
	tf->rflags = (tf->rflags & ~UIRET_FLAGS) | (w[1] & UIRET_FLAGS);
	tf->rsp = w[2];
	r->enabled = true;
	return UINTR_DONE;
}

int uintr_emulate(struct uintr_recv *r, struct uintr_send *s, struct trapframe *tf,
		  const struct uintr_insn *in, const struct uintr_mem *m, struct uintr_post *post)
{
	int res;

	if (in->op == UI_SEND) {
		/* SENDUIPI: index > UITT size or an invalid entry is #GP(0) */
		res = uintr_lookup(s, gpr(tf, in->reg), post);
		if (res == UINTR_POST)
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
}

int uintr_trap(struct uintr_recv *r, struct uintr_send *s, struct trapframe *tf,
	       const struct uintr_mem *m, struct uintr_post *post)
{
	u8 buf[UINTR_INSN_MAX];
	struct uintr_insn in;

	int n = uintr_fetch(m, tf->rip, buf, sizeof(buf));
	if (n == 0)
		return UINTR_EFAULT;
	if (uintr_decode(buf, n, &in) < 0)
		return UINTR_EILL;
	return uintr_emulate(r, s, tf, &in, m, post);
}

/* ---------------------------------------------------------------------
 * Delivery, as the SDM's user-interrupt delivery does it:
 *
 *   old = rsp
 *   if (adjust & 1) rsp = adjust     switch to a handler stack, or
 *   else rsp -= adjust               skip the red zone
 *   rsp &= ~15
 *   push old; push rflags; push rip; push vector
 *   clear the vector's pending bit; UIF = 0; TF = RF = 0; rip = handler
 *
 * The four words are written with one callback; if that fails (stack
 * unmapped, or running off the bottom of user space) nothing changes
 * and the caller kills the thread, as the hardware's #PF or #SS would.
 * ------------------------------------------------------------------- */

bool uintr_unmasked(const struct uintr_recv *r)
{
	return r->enabled;
}

int uintr_deliver(struct uintr_recv *r, struct trapframe *tf, const struct uintr_mem *m)
{
	u64 set = __atomic_load_n(&r->pending, __ATOMIC_ACQUIRE);
	if (!set || !uintr_unmasked(r))
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
	u64 frame[4] = {v, tf->rip, tf->rflags, tf->rsp};
	if (m->write(m->arg, sp, frame, sizeof(frame)) < 0)
		return UINTR_EFAULT;

	uintr_claim(r, v);
	r->enabled = false;
	tf->rflags &= ~(FL_TF | FL_RF);
	tf->rsp = sp;
	tf->rip = r->handler;
	return 1;
}

/*
 * Register a handler: the kernel's side of what WRMSR to UIHANDLER and
 * UINTR_STACKADJUST does natively. stack 0 keeps the handler on the
 * interrupted stack, below the 128-byte red zone the ABI gives leaf
 * functions; otherwise stack is a handler stack's top, loaded into rsp
 * (bit 0 of the adjust says "load", which the alignment clears again).
 */
int uintr_register(struct uintr_recv *r, u64 handler, u64 stack)
{
	if (!handler || !user_addr(handler) || stack > USER_TOP)
		return -EINVAL;
	r->handler = handler;
	r->stack_adjust = stack ? stack | 1 : UINTR_REDZONE;
	return 0;
}

const char *uintr_fault(int err, u64 *cause)
{
	switch (err) {
	case UINTR_EGP:
		*cause = T_GPFLT;
		return "general protection";
	case UINTR_EFAULT:
		*cause = T_PGFLT;
		return "page fault";
	default:
		*cause = T_ILLOP;
		return "invalid opcode";
	}
}
