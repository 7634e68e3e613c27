/*
 * uintr.c - x86_64 user interrupts, both ways.
 *
 * Emulated: decode and carry out SENDUIPI, UIRET, TESTUI, CLUI and STUI
 * for CPUs without UINTR (they raise #UD there), and deliver pending
 * user interrupts the way the hardware does.
 *
 * Native: on a CPU with UINTR, program the CPU to do all that itself,
 * from the same structures (kernel/uintr.h lays them out as the UPID
 * and the UITT), and move the running thread's state in and out of it.
 *
 * Both are the arch_uintr_* functions of kernel/arch.h. The model:
 * kernel/uintr.h; the caller, which fetches the instruction and knows
 * threads: kernel/uintr.c; the story: docs/uintr.md.
 *
 * The emulation and the native encodings are pure functions: registers
 * in a trap frame, user memory through callbacks, nothing else. That
 * part includes only archdef.h, arch.h and uintr.h (no machine.h, no
 * kernel.h), so that the host unit tests (tests/unit/test_uintr_x86.c,
 * test_upid.c) can include this file with the real trap frame; they
 * define UINTR_HOST_TEST to leave out the last part, which drives the
 * CPU.
 */
#include "archdef.h"
#include "arch.h"
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

/* #UD reports no instruction bytes: kernel/uintr.c reads them. */
int arch_uintr_reported(const struct trapframe *tf, u8 *buf)
{
	(void)tf, (void)buf;
	return 0;
}

int arch_uintr_decode(const u8 *buf, int n, struct uintr_insn *in)
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
	/* LAB uintr 1: BEGIN pop rip, rflags (only UIRET_FLAGS) and rsp; UIF = 1 */
	/* STUB: (void)r, (void)tf, (void)m; return UINTR_EILL; */
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
	/* LAB uintr END */
}

int arch_uintr_emulate(struct uintr_recv *r, struct uintr_send *s, struct trapframe *tf,
		       const struct uintr_insn *in, const struct uintr_mem *m,
		       struct uintr_post *post)
{
	/* LAB uintr 1: BEGIN SENDUIPI, UIRET, TESTUI, CLUI, STUI as the hardware does them */
	/* STUB: (void)r, (void)s, (void)tf, (void)in, (void)m, (void)post, (void)gpr, (void)uiret;
	   return UINTR_EILL; // emulates nothing: the thread gets its #UD */
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
	/* LAB uintr END */
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

bool arch_uintr_unmasked(const struct uintr_recv *r)
{
	return r->enabled;
}

int arch_uintr_deliver(struct uintr_recv *r, struct trapframe *tf, const struct uintr_mem *m)
{
	/* LAB uintr 2: BEGIN push the frame (old rsp, rflags, rip, vector) and enter the handler */
	/* STUB: (void)r, (void)tf, (void)m; return 0; // delivers nothing */
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
	u64 frame[4] = {v, tf->rip, tf->rflags, tf->rsp};
	if (m->write(m->arg, sp, frame, sizeof(frame)) < 0)
		return UINTR_EFAULT;

	uintr_claim(r, v);
	r->enabled = false;
	tf->rflags &= ~(FL_TF | FL_RF);
	tf->rsp = sp;
	tf->rip = r->handler;
	return 1;
	/* LAB uintr END */
}

/*
 * Register a handler: the kernel's side of what WRMSR to UIHANDLER and
 * UINTR_STACKADJUST does natively. stack 0 keeps the handler on the
 * interrupted stack, below the 128-byte red zone the ABI gives leaf
 * functions; otherwise stack is a handler stack's top, loaded into rsp
 * (bit 0 of the adjust says "load", which the alignment clears again).
 */
int arch_uintr_register(struct uintr_recv *r, u64 handler, u64 stack)
{
	if (!handler || !user_addr(handler) || stack > USER_TOP)
		return -EINVAL;
	r->handler = handler;
	r->stack_adjust = stack ? stack | 1 : UINTR_REDZONE;
	return 0;
}

const char *arch_uintr_fault(int err, u64 *cause)
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

/* ---------------------------------------------------------------------
 * Native UIPI: the encodings. Pure, like the emulation above.
 *
 * The UPID (the first 16 bytes of struct uintr_recv, drawn in
 * kernel/uintr.h) says where a sender's notification goes: NV is its
 * vector, NDST the destination CPU's APIC id - the whole 32 bits in
 * x2APIC mode; in xAPIC mode the 8-bit id sits in NDST's bits 15:8
 * (bits 47:40 of the word), where an xAPIC's ICR keeps it too.
 *
 * IA32_UINTR_MISC
 *   63          40 39      32 31                               0
 *  +--------------+----------+----------------------------------+
 *  |      0       |   UINV   |              UITTSZ              |
 *  +--------------+----------+----------------------------------+
 *
 * UITTSZ: the highest valid index of the sender table (SENDUIPI with a
 * larger one: #GP). UINV: the vector the CPU takes as "a notification
 * for the receiver I hold" instead of delivering it through the IDT.
 *
 * IA32_UINTR_TT
 *   63                                                 4 3   1  0
 *  +----------------------------------------------------+-----+---+
 *  |               UITTADDR (16-byte aligned)           |  0  | V |
 *  +----------------------------------------------------+-----+---+
 *
 * V = 0: this thread has no sender table, and SENDUIPI faults (#UD
 * in Bochs) instead of reading one.
 * ------------------------------------------------------------------- */

#define UPID_ON (1ull << 0) /* a notification is on its way */
#define UPID_SN (1ull << 1) /* senders post without notifying */

static inline u32 upid_ndst(u32 apic_id, bool x2apic)
{
	return x2apic ? apic_id : (apic_id & 0xff) << 8;
}

/* A notify word with ON = SN = 0: notifications with vector nv go to ndst. */
static inline u64 upid_notify(unsigned nv, u32 ndst)
{
	return (u64)ndst << 32 | (u64)(nv & 0xff) << 16;
}

static inline u64 uintr_misc(u32 uittsz, unsigned uinv)
{
	return (u64)(uinv & 0xff) << 32 | uittsz;
}

static inline u64 uintr_tt(const struct uintr_send *s)
{
	return s ? (u64)(uptr)s->uitt | 1 : 0;
}

#ifndef UINTR_HOST_TEST
/* ---------------------------------------------------------------------
 * Native UIPI: driving the CPU (kernel only).
 *
 * While a thread runs in user mode, its CPU holds its state: UIHANDLER,
 * STACKADJUST and UPIDADDR (PD) from its receiver, UITTADDR (TT) and
 * UITTSZ from its sender table, UINV = T_UINTR, its pending requests in
 * UIRR and its flag UIF. The receiver's UPID points notifications at
 * this CPU with vector T_UINTR:
 *
 *   sender, any CPU                         receiver's CPU, user mode
 *   SENDUIPI i                              (UINV = T_UINTR)
 *     UITT[i] -> UPID: PIR |= 1 << v
 *     ON was 0, SN 0: ON = 1, IPI --------> vector T_UINTR == UINV: not
 *                   NV to NDST              through the IDT but:
 *                                             ON = 0, UIRR |= PIR, PIR = 0
 *                                           UIF = 1: deliver the highest
 *
 * No kernel entry on either side. The kernel steps in when a thread
 * leaves its CPU (arch_uintr_unload): UIRR and UIF go back into memory
 * and the CPU drops the state (UINV 0, TT invalid), so that the next
 * thread neither gets nor sends the last one's interrupts. A receiver
 * that was preempted gets SN = 1: its senders post and notify nobody;
 * when it runs again, arch_uintr_load() points NDST at its new CPU,
 * clears ON and SN, and moves PIR into UIRR itself. A receiver that
 * blocks gets NV = T_UINTR_WAKE instead: that vector is never a UINV,
 * so the notification enters the kernel (trap.c), which wakes it.
 *
 * The state moves with RDMSR/WRMSR and TESTUI/STUI/CLUI (which work in
 * ring 0 too), not with XSAVES and its user-interrupt component (14 in
 * IA32_XSS): the kernel keeps no XSAVE area for threads (no FPU state
 * either), and five MSRs written only when the thread changes, plus
 * UIRR read once per switch, cost little. The kernel runs with
 * interrupts off, so nothing here races with a notification on this
 * CPU; senders on other CPUs update the UPID with locked operations,
 * and so do we.
 * ------------------------------------------------------------------- */
#include "machine.h"

bool uintr_native;	 /* decided once, on the boot CPU (archdef.h) */
static bool x2apic_mode; /* the LAPIC's mode, for NDST */

static void stui(void)
{
	asm volatile("stui" : : : "memory");
}

static void clui(void)
{
	asm volatile("clui" : : : "memory");
}

static bool testui(void)
{
	bool uif;
	asm volatile("testui" : "=@ccc"(uif));
	return uif;
}

/* This CPU as a notification destination. */
static u32 my_ndst(void)
{
	return upid_ndst(arch_cpu_hwid(arch_cpu_id()), x2apic_mode);
}

/*
 * Each CPU, once its LAPIC is up (boot CPU: arch_init(); others:
 * ap_main()). The boot CPU decides for all: native if CPUID.(7,0):EDX
 * bit 5 says the CPU has user interrupts, unless the command line says
 * uintr=emulate - so that both paths run on one machine. Then each CPU
 * turns the feature on (CR4.UINTR: without it the instructions #UD)
 * and starts holding nobody's state.
 */
void uintr_cpu_init(void)
{
	if (arch_cpu_id() == 0) {
		u32 a, b, c, d;
		char mode[16];
		bool has = false;
		cpuid(0, &a, &b, &c, &d);
		if (a >= 7) {
			cpuid(7, &a, &b, &c, &d);
			has = d & CPUID_7_UINTR;
		}
		bool forced = cmdline_get("uintr", mode, sizeof(mode)) && !strcmp(mode, "emulate");
		uintr_native = has && !forced;
		x2apic_mode = rdmsr(MSR_APIC_BASE) >> 10 & 1;
		printf("uintr: %s\n", uintr_native ? "native (UIPI)"
				      : has	   ? "emulated (uintr=emulate)"
						   : "emulated (the CPU has no UINTR)");
	}
	if (!uintr_native)
		return;
	u64 cr4;
	asm volatile("movq %%cr4, %0" : "=r"(cr4));
	asm volatile("movq %0, %%cr4" : : "r"(cr4 | CR4_UINTR));
	wrmsr(MSR_UINTR_MISC, 0);
	wrmsr(MSR_UINTR_TT, 0);
	wrmsr(MSR_UINTR_PD, 0);
	wrmsr(MSR_UINTR_RR, 0);
	clui();
}

void arch_uintr_load(struct uintr_recv *r, struct uintr_send *s)
{
	struct percpu *c = this_cpu();
	/* every way off a CPU unloads (uintr_switch_out() and friends) */
	if ((c->ui_recv && c->ui_recv != r) || (c->ui_send && c->ui_send != s))
		panic("uintr: cpu%d still holds another thread's user-interrupt state", c->id);
	if (c->ui_send != s) {
		wrmsr(MSR_UINTR_TT, uintr_tt(s));
		c->ui_send = s;
	}
	u64 misc = uintr_misc(s ? UINTR_NSEND - 1 : 0, r ? T_UINTR : 0);
	if (c->ui_misc != misc) {
		wrmsr(MSR_UINTR_MISC, misc);
		c->ui_misc = misc;
	}
	if (!r)
		return;
	if (c->ui_recv != r) {
		wrmsr(MSR_UINTR_HANDLER, r->handler);
		wrmsr(MSR_UINTR_STACKADJUST, r->stack_adjust);
		wrmsr(MSR_UINTR_PD, (u64)(uptr)r);
		if (r->enabled)
			stui(); /* delivery waits for user mode (CPL 3) anyway */
		else
			clui();
		c->ui_recv = r;
		/*
		 * Notify this CPU from now on; ON and SN 0. A notification
		 * still on its way to the CPU it last ran on finds PIR taken
		 * below, or nothing, and does no harm there. Clearing ON
		 * matters: a stale ON would stop every later notification.
		 */
		__atomic_store_n(&r->notify, upid_notify(T_UINTR, my_ndst()), __ATOMIC_SEQ_CST);
	} else if (!__atomic_load_n(&r->pending, __ATOMIC_ACQUIRE)) {
		return; /* the common case: running, nothing posted behind the CPU's back */
	} else {
		__atomic_and_fetch(&r->notify, ~UPID_ON, __ATOMIC_SEQ_CST);
	}
	/*
	 * What was posted while nobody looked (suppressed, or by the
	 * kernel): into UIRR, as notification processing would - ON
	 * cleared first, then PIR taken whole, so that a send in between
	 * either lands in what we take or notifies us afresh.
	 */
	u64 pir = __atomic_exchange_n(&r->pending, 0, __ATOMIC_SEQ_CST);
	if (pir)
		wrmsr(MSR_UINTR_RR, rdmsr(MSR_UINTR_RR) | pir);
}

/* The CPU's requests and UIF back into r (loaded here). */
static void save(struct uintr_recv *r)
{
	r->enabled = testui();
	u64 rr = rdmsr(MSR_UINTR_RR);
	if (rr) {
		wrmsr(MSR_UINTR_RR, 0);
		__atomic_or_fetch(&r->pending, rr, __ATOMIC_SEQ_CST);
	}
}

void arch_uintr_sync(struct uintr_recv *r)
{
	if (r && this_cpu()->ui_recv == r)
		save(r);
}

void arch_uintr_unload(struct uintr_recv *r, bool sleeping)
{
	struct percpu *c = this_cpu();
	if (c->ui_misc) { /* UINV 0: a late notification now goes through the IDT */
		wrmsr(MSR_UINTR_MISC, 0);
		c->ui_misc = 0;
	}
	if (c->ui_send) {
		wrmsr(MSR_UINTR_TT, 0);
		c->ui_send = NULL;
	}
	if (c->ui_recv) {
		save(c->ui_recv);
		clui();
		c->ui_recv = NULL;
	}
	if (!r)
		return;
	if (sleeping) /* ON cleared too: the next send must notify */
		__atomic_store_n(&r->notify, upid_notify(T_UINTR_WAKE, my_ndst()),
				 __ATOMIC_SEQ_CST);
	else
		__atomic_or_fetch(&r->notify, UPID_SN, __ATOMIC_SEQ_CST);
}
#endif /* UINTR_HOST_TEST */
