/*
 * Host tests for x86_64 user-interrupt emulation (arch/x86_64/uintr.c):
 * decoding SENDUIPI, UIRET, TESTUI, CLUI and STUI; what each does to the
 * registers; the delivery frame byte by byte; every refusal; and the
 * fetch of kernel/uintr.c's uintr_trap() over them.
 */
#include "uintr_host.h"
#include "../../arch/x86_64/uintr.c"
#include "../../kernel/uintr.c" /* uintr_trap(), over the arch's hooks */

/* What uintr_trap() asks of the arch besides its hooks (trap.c in the kernel). */
u64 arch_tf_pc(struct trapframe *tf)
{
	return tf->rip;
}

#define CODE	0x400000ul   /* a read-only code page */
#define STACK	0x7fff0000ul /* a 64 KiB read-write stack region */
#define STACKSZ 0x10000ul
#define HANDLER (CODE + 0x100)
#define KERNEL	0xffff800000001000ul

#define RF_CF	  (1ul << 0)
#define RF_FIXED  (1ul << 1)
#define RF_PF	  (1ul << 2)
#define RF_AF	  (1ul << 4)
#define RF_ZF	  (1ul << 6)
#define RF_SF	  (1ul << 7)
#define RF_TF	  (1ul << 8)
#define RF_IF	  (1ul << 9)
#define RF_DF	  (1ul << 10)
#define RF_OF	  (1ul << 11)
#define RF_RF	  (1ul << 16)
#define RF_OSZAPC (RF_OF | RF_SF | RF_ZF | RF_AF | RF_PF | RF_CF)

static const u8 uiret_b[] = {0xf3, 0x0f, 0x01, 0xec};
static const u8 testui_b[] = {0xf3, 0x0f, 0x01, 0xed};
static const u8 clui_b[] = {0xf3, 0x0f, 0x01, 0xee};
static const u8 stui_b[] = {0xf3, 0x0f, 0x01, 0xef};

/* Every register a distinct value; a user thread's segments and flags. */
static struct trapframe pattern(void)
{
	struct trapframe tf;
	u64 *w = (u64 *)&tf;
	for (size_t i = 0; i < sizeof(tf) / 8; i++)
		w[i] = 0x1111111111111111ull * (i % 15 + 1) + i;
	tf.cs = 0x23;
	tf.ss = 0x1b;
	tf.rflags = RF_FIXED | RF_IF | RF_CF | RF_ZF | RF_TF;
	tf.rip = CODE + 0x40;
	tf.rsp = STACK + 0x8008; /* 8 mod 16, as inside a function */
	return tf;
}

static int decode(const u8 *b, int n, struct uintr_insn *in)
{
	return arch_uintr_decode(b, n, in);
}

/* A receiver with a handler on the interrupted stack, UIF on. */
static struct uintr_recv receiver(void)
{
	struct uintr_recv r = {0};
	assert_int_equal(arch_uintr_register(&r, HANDLER, 0), 0);
	r.enabled = true;
	return r;
}

/* Code and stack mapped; code filled with UIRET at the handler. */
static struct uintr_mem setup_mem(struct fakemem *f)
{
	memset(f, 0, sizeof(*f));
	u8 *code = fake_map(f, CODE, 0x1000, false, 0x90);
	memcpy(code + (HANDLER - CODE), uiret_b, sizeof(uiret_b));
	fake_map(f, STACK, STACKSZ, true, 0xaa);
	return fake_mem(f);
}

/* ---- decoding ---------------------------------------------------------- */

static void test_decode_plain(void **state)
{
	(void)state;
	struct uintr_insn in;
	assert_int_equal(decode(uiret_b, 4, &in), UI_RET);
	assert_int_equal(in.len, 4);
	assert_int_equal(decode(testui_b, 4, &in), UI_TEST);
	assert_int_equal(in.len, 4);
	assert_int_equal(decode(clui_b, 4, &in), UI_CLEAR);
	assert_int_equal(in.len, 4);
	assert_int_equal(decode(stui_b, 4, &in), UI_SET);
	assert_int_equal(in.len, 4);
	/* bytes after the instruction are not looked at */
	const u8 more[] = {0xf3, 0x0f, 0x01, 0xef, 0xff, 0xff};
	assert_int_equal(decode(more, sizeof(more), &in), UI_SET);
	assert_int_equal(in.len, 4);
}

static void test_decode_senduipi_registers(void **state)
{
	(void)state;
	struct uintr_insn in;
	for (int reg = 0; reg < 16; reg++) {
		/* F3 [REX.B] 0F C7 ModRM(mod 11, reg 6, r/m) */
		u8 b[5];
		int n = 0;
		b[n++] = 0xf3;
		if (reg >= 8)
			b[n++] = 0x41;
		b[n++] = 0x0f;
		b[n++] = 0xc7;
		b[n++] = 0xc0 | 6 << 3 | (reg & 7);
		assert_int_equal(decode(b, n, &in), UI_SEND);
		assert_int_equal(in.reg, reg);
		assert_int_equal(in.len, n);

		/* REX.W changes nothing (the operand is 64-bit anyway), nor do R and X */
		u8 w[5] = {0xf3, (u8)(0x48 | 0x6 | (reg >= 8)), 0x0f, 0xc7,
			   (u8)(0xc0 | 6 << 3 | (reg & 7))};
		assert_int_equal(decode(w, 5, &in), UI_SEND);
		assert_int_equal(in.reg, reg);
		assert_int_equal(in.len, 5);
	}
}

static void test_decode_prefixes(void **state)
{
	(void)state;
	struct uintr_insn in;
	/* segment overrides are ignored, before or after F3; REX before 0F is ignored */
	const u8 a[] = {0x2e, 0xf3, 0x40, 0x0f, 0x01, 0xec};
	assert_int_equal(decode(a, sizeof(a), &in), UI_RET);
	assert_int_equal(in.len, 6);
	const u8 b[] = {0xf3, 0x64, 0x65, 0x0f, 0x01, 0xee};
	assert_int_equal(decode(b, sizeof(b), &in), UI_CLEAR);
	assert_int_equal(in.len, 6);
	const u8 c[] = {0x3e, 0xf3, 0x4f, 0x0f, 0xc7, 0xf3};
	assert_int_equal(decode(c, sizeof(c), &in), UI_SEND);
	assert_int_equal(in.reg, 11);
	assert_int_equal(in.len, 6);

	/* 15 bytes is the limit: 11 prefixes + F3 0F 01 EC is fine, 12 are not */
	u8 lim[16];
	memset(lim, 0x26, sizeof(lim));
	memcpy(lim + 11, uiret_b, 4);
	assert_int_equal(decode(lim, 15, &in), UI_RET);
	assert_int_equal(in.len, 15);
	memset(lim, 0x26, sizeof(lim));
	memcpy(lim + 12, uiret_b, 4);
	assert_int_equal(decode(lim, 16, &in), UINTR_EILL);
}

static void test_decode_rejects(void **state)
{
	(void)state;
	static const struct {
		u8 b[8];
		int n;
	} bad[] = {
	    {{0x0f, 0x01, 0xec}, 3},		       /* no F3 */
	    {{0xf2, 0x0f, 0x01, 0xec}, 4},	       /* F2 instead */
	    {{0x66, 0xf3, 0x0f, 0x01, 0xec}, 5},       /* operand size */
	    {{0xf3, 0x66, 0x0f, 0x01, 0xec}, 5},       /* operand size after */
	    {{0x67, 0xf3, 0x0f, 0x01, 0xec}, 5},       /* address size */
	    {{0xf0, 0xf3, 0x0f, 0x01, 0xec}, 5},       /* LOCK */
	    {{0xf3, 0xf3, 0x0f, 0x01, 0xec}, 5},       /* F3 twice */
	    {{0xf3, 0xf2, 0x0f, 0x01, 0xec}, 5},       /* F3 and F2 */
	    {{0x41, 0xf3, 0x0f, 0xc7, 0xf1}, 5},       /* REX not next to 0F */
	    {{0xf3, 0x41, 0x41, 0x0f, 0xc7, 0xf1}, 6}, /* REX twice */
	    {{0xf3, 0x0f, 0x01, 0xeb}, 4},	       /* 0F 01 EB: not ours */
	    {{0xf3, 0x0f, 0x01, 0xf0}, 4},	       /* 0F 01 F0: not ours */
	    {{0xf3, 0x0f, 0x0b}, 3},		       /* ud2 */
	    {{0xf3, 0x0f, 0xc7, 0x30}, 4},	       /* mod 00: VMXON [rax] */
	    {{0xf3, 0x0f, 0xc7, 0x70, 0x00}, 5},       /* mod 01 */
	    {{0xf3, 0x0f, 0xc7, 0xb0, 0, 0, 0, 0}, 8}, /* mod 10 */
	    {{0xf3, 0x0f, 0xc7, 0xf8}, 4},	       /* reg 7: RDPID rax */
	    {{0xf3, 0x0f, 0xc7, 0xc8}, 4},	       /* reg 1 */
	    {{0xc5, 0xf8, 0x77}, 3},		       /* VEX: vzeroupper */
	    {{0xf3, 0xc5, 0xf8, 0x77}, 4},	       /* F3 then VEX */
	    {{0x90, 0xf3, 0x0f, 0x01, 0xec}, 5},       /* not at the start */
	};
	struct uintr_insn in;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		u8 *g = guarded(bad[i].b, bad[i].n);
		if (decode(g, bad[i].n, &in) != UINTR_EILL)
			fail_msg("case %zu decoded as op %d", i, in.op);
		unguard(g, bad[i].n);
	}
	assert_int_equal(decode(uiret_b, 0, &in), UINTR_EILL);
}

/* Every prefix of a valid encoding is refused, without reading past its end. */
static void test_decode_truncated(void **state)
{
	(void)state;
	static const struct {
		u8 b[8];
		int n;
	} good[] = {
	    {{0xf3, 0x0f, 0x01, 0xec}, 4},
	    {{0x2e, 0xf3, 0x48, 0x0f, 0x01, 0xef}, 6},
	    {{0xf3, 0x0f, 0xc7, 0xf0}, 4},
	    {{0xf3, 0x49, 0x0f, 0xc7, 0xf7}, 5},
	};
	struct uintr_insn in;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		for (int n = 0; n <= good[i].n; n++) {
			u8 *g = guarded(good[i].b, n);
			int res = decode(g, n, &in);
			if (n < good[i].n)
				assert_int_equal(res, UINTR_EILL);
			else
				assert_true(res > 0 && in.len == n);
			unguard(g, n);
		}
	}
}

/* ---- TESTUI, CLUI, STUI ------------------------------------------------ */

static int run(struct uintr_recv *r, struct uintr_send *s, struct trapframe *tf, const u8 *b, int n,
	       struct uintr_post *post)
{
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_insn in;
	assert_true(decode(b, n, &in) > 0);
	int res = arch_uintr_emulate(r, s, tf, &in, &m, post);
	fake_unmap_all(&f);
	return res;
}

static void test_testui(void **state)
{
	(void)state;
	struct uintr_recv r = receiver();
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), want;

	tf.rflags = RF_FIXED | RF_IF | RF_DF | RF_TF | RF_OSZAPC;
	r.enabled = false;
	want = tf;
	want.rflags = RF_FIXED | RF_IF | RF_DF | RF_TF; /* CF = UIF = 0, OSZAP cleared */
	want.rip += 4;
	assert_int_equal(run(&r, NULL, &tf, testui_b, 4, &post), UINTR_DONE);
	assert_memory_equal(&tf, &want, sizeof(tf));

	r.enabled = true;
	tf.rflags = RF_FIXED | RF_IF | RF_OSZAPC;
	want = tf;
	want.rflags = RF_FIXED | RF_IF | RF_CF;
	want.rip += 4;
	assert_int_equal(run(&r, NULL, &tf, testui_b, 4, &post), UINTR_DONE);
	assert_memory_equal(&tf, &want, sizeof(tf));
	assert_true(r.enabled); /* TESTUI only looks */
}

static void test_clui_stui(void **state)
{
	(void)state;
	struct uintr_recv r = receiver();
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), want = tf;
	const u8 clui5[] = {0x2e, 0xf3, 0x0f, 0x01, 0xee};

	assert_int_equal(run(&r, NULL, &tf, clui5, 5, &post), UINTR_DONE);
	assert_false(r.enabled);
	want.rip += 5; /* past the prefixes too */
	assert_memory_equal(&tf, &want, sizeof(tf));
	assert_int_equal(run(&r, NULL, &tf, clui_b, 4, &post), UINTR_DONE);
	assert_false(r.enabled);
	assert_int_equal(run(&r, NULL, &tf, stui_b, 4, &post), UINTR_DONE);
	assert_true(r.enabled);
	assert_int_equal(run(&r, NULL, &tf, stui_b, 4, &post), UINTR_DONE);
	assert_true(r.enabled);
	want.rip += 12;
	assert_memory_equal(&tf, &want, sizeof(tf));
}

/* A thread without user-interrupt state: the instructions are just invalid. */
static void test_no_receiver(void **state)
{
	(void)state;
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), want = tf;
	assert_int_equal(run(NULL, NULL, &tf, stui_b, 4, &post), UINTR_EILL);
	assert_int_equal(run(NULL, NULL, &tf, uiret_b, 4, &post), UINTR_EILL);
	assert_int_equal(run(NULL, NULL, &tf, testui_b, 4, &post), UINTR_EILL);
	assert_memory_equal(&tf, &want, sizeof(tf));
}

/* ---- delivery ---------------------------------------------------------- */

static void test_deliver_frame(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = receiver();
	struct trapframe tf = pattern(), old = tf;

	uintr_post(&r, 5);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);

	/* rsp = 0x7fff8008: - 128 = 0x7fff7f88, & ~15 = 0x7fff7f80, - 32 */
	u64 sp = 0x7fff7f60;
	assert_int_equal(tf.rsp, sp);
	const u8 want[32] = {
	    5,	  0,	0,    0,    0,	  0,	0,    0,    /* vector */
	    0x40, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, /* rip */
	    0x43, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* rflags CF|1|ZF|TF|IF */
	    0x08, 0x80, 0xff, 0x7f, 0x00, 0x00, 0x00, 0x00, /* old rsp */
	};
	assert_int_equal(old.rflags, 0x343);
	assert_memory_equal(fake_at(&f, sp), want, 32);
	/* and nothing else was written */
	for (u64 a = STACK; a < STACK + STACKSZ; a++)
		if (a < sp || a >= sp + 32)
			assert_int_equal(*fake_at(&f, a), 0xaa);
	assert_int_equal(f.writes, 1);

	assert_int_equal(tf.rip, HANDLER);
	assert_int_equal(tf.rflags, old.rflags & ~RF_TF); /* TF and RF cleared */
	assert_false(r.enabled);			  /* UIF = 0 */
	assert_int_equal(r.pending, 0);
	/* every other register as it was */
	old.rip = tf.rip;
	old.rsp = tf.rsp;
	old.rflags = tf.rflags;
	assert_memory_equal(&tf, &old, sizeof(tf));
	fake_unmap_all(&f);
}

/* Whatever rsp is, the frame is 16-aligned and below the 128-byte red zone. */
static void test_deliver_alignment(void **state)
{
	(void)state;
	for (u64 off = 0; off < 32; off++) {
		struct fakemem f;
		struct uintr_mem m = setup_mem(&f);
		struct uintr_recv r = receiver();
		struct trapframe tf = pattern();
		u64 rsp = STACK + 0x8000 + off;
		tf.rsp = rsp;
		uintr_post(&r, 1);
		assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
		u64 sp = ((rsp - 128) & ~15ul) - 32;
		assert_int_equal(tf.rsp, sp);
		assert_int_equal(tf.rsp % 16, 0);
		assert_int_equal(fake_u64(&f, sp + 24), rsp);
		for (u64 a = sp + 32; a < rsp + 64; a++)
			assert_int_equal(*fake_at(&f, a), 0xaa); /* red zone untouched */
		fake_unmap_all(&f);
	}
}

/* A handler stack: bit 0 of the adjust says "load rsp", then align. */
static void test_deliver_handler_stack(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = {0};
	struct trapframe tf = pattern();

	assert_int_equal(arch_uintr_register(&r, HANDLER, STACK + 0x1008), 0);
	assert_int_equal(r.stack_adjust, STACK + 0x1009);
	r.enabled = true;
	uintr_post(&r, 2);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
	assert_int_equal(tf.rsp, STACK + 0x1000 - 32);
	assert_int_equal(fake_u64(&f, tf.rsp), 2);
	assert_int_equal(fake_u64(&f, tf.rsp + 24), STACK + 0x8008);
	fake_unmap_all(&f);
}

/* Deliver, pop the vector as the stub does, UIRET: every register is back. */
static void test_uiret_roundtrip(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = receiver();
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), old = tf;

	uintr_post(&r, 33);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
	assert_int_equal(fake_u64(&f, tf.rsp), 33);
	tf.rsp += 8;				      /* the handler pops the vector */
	tf.rflags = RF_FIXED | RF_IF | RF_SF | RF_DF; /* and changes flags */
	assert_int_equal(tf.rip, HANDLER);	      /* UIRET lies at the handler */
	assert_int_equal(uintr_trap(&r, NULL, &tf, &m, &post), UINTR_DONE);
	assert_memory_equal(&tf, &old, sizeof(tf));
	assert_true(r.enabled);
	fake_unmap_all(&f);
}

/* UIRET takes only the user-modifiable flags from the frame. */
static void test_uiret_flags_mask(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = receiver();
	struct uintr_insn in;
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern();
	u64 sp = STACK + 0x100;

	assert_true(decode(uiret_b, 4, &in) > 0);
	/* every bit set in the frame: only CF PF AF ZF SF TF DF OF NT RF AC ID arrive */
	u64 all[3] = {CODE + 0x80, ~0ull, STACK + 0x4000};
	assert_int_equal(fake_write(&f, sp, all, sizeof(all)), 0);
	tf.rsp = sp;
	tf.rflags = RF_FIXED | RF_IF;
	r.enabled = false;
	assert_int_equal(arch_uintr_emulate(&r, NULL, &tf, &in, &m, &post), UINTR_DONE);
	assert_int_equal(tf.rflags, RF_FIXED | RF_IF | 0x254dd5);
	assert_int_equal(tf.rip, CODE + 0x80);
	assert_int_equal(tf.rsp, STACK + 0x4000);
	assert_true(r.enabled);

	/* nothing set in the frame: IF and the fixed bit 1 stay */
	u64 none[3] = {CODE + 0x90, 0, STACK + 0x5000};
	assert_int_equal(fake_write(&f, sp, none, sizeof(none)), 0);
	tf.rsp = sp;
	tf.rflags = RF_FIXED | RF_IF | RF_OSZAPC | RF_DF;
	assert_int_equal(arch_uintr_emulate(&r, NULL, &tf, &in, &m, &post), UINTR_DONE);
	assert_int_equal(tf.rflags, RF_FIXED | RF_IF);
	fake_unmap_all(&f);
}

static void test_uiret_bad(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = receiver();
	struct uintr_insn in;
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), old;
	u64 sp = STACK + 0x100;

	r.enabled = false;
	assert_true(decode(uiret_b, 4, &in) > 0);
	/* a return address in the kernel half, or not canonical */
	u64 bad[][3] = {{KERNEL, 0, sp}, {0x800000000000ul, 0, sp}, {~0ull, 0, sp}};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(fake_write(&f, sp, bad[i], sizeof(bad[i])), 0);
		tf.rsp = sp;
		old = tf;
		assert_int_equal(arch_uintr_emulate(&r, NULL, &tf, &in, &m, &post), UINTR_EGP);
		assert_memory_equal(&tf, &old, sizeof(tf));
		assert_false(r.enabled);
	}
	/* no frame: rsp unmapped, or the frame runs off the stack */
	u64 sps[] = {0x1000, STACK + STACKSZ - 16, KERNEL};
	for (size_t i = 0; i < ARRAY_SIZE(sps); i++) {
		tf.rsp = sps[i];
		old = tf;
		assert_int_equal(arch_uintr_emulate(&r, NULL, &tf, &in, &m, &post), UINTR_EFAULT);
		assert_memory_equal(&tf, &old, sizeof(tf));
	}
	fake_unmap_all(&f);
}

/* UIF = 0 holds a pending interrupt until STUI. */
static void test_uif_masks(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = receiver();
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), old = tf;

	r.enabled = false;
	uintr_post(&r, 7);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 0);
	assert_memory_equal(&tf, &old, sizeof(tf));
	assert_int_equal(r.pending, 1ull << 7);
	assert_int_equal(f.writes, 0);

	assert_int_equal(run(&r, NULL, &tf, stui_b, 4, &post), UINTR_DONE);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
	assert_int_equal(fake_u64(&f, tf.rsp + 8), old.rip + 4); /* returns after STUI */
	/* and delivery masked the next one */
	uintr_post(&r, 8);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 0);
	fake_unmap_all(&f);
}

static void test_coalescing(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = receiver();
	struct trapframe tf = pattern();

	assert_int_equal(uintr_post(&r, 12), 0);	  /* was empty: kick */
	assert_int_equal(uintr_post(&r, 12), 1ull << 12); /* coalesced */
	assert_int_equal(r.pending, 1ull << 12);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
	r.enabled = true;
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 0);
	assert_int_equal(f.writes, 1);
	fake_unmap_all(&f);
}

static void test_highest_first(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = receiver();
	struct trapframe tf = pattern();
	const unsigned order[] = {63, 17, 3, 0};

	uintr_post(&r, 3);
	uintr_post(&r, 63);
	uintr_post(&r, 0);
	uintr_post(&r, 17);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		tf.rsp = STACK + 0x8000;
		r.enabled = true;
		assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
		assert_int_equal(fake_u64(&f, tf.rsp), order[i]);
	}
	assert_int_equal(r.pending, 0);
	fake_unmap_all(&f);
}

static void test_every_vector(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = receiver();
	struct trapframe tf = pattern();

	for (unsigned v = 0; v < UINTR_NVEC; v++) {
		assert_int_equal(uintr_highest(1ull << v), v);
		assert_int_equal(uintr_highest((1ull << v) | 1), v);
		tf.rsp = STACK + 0x8000;
		r.enabled = true;
		uintr_post(&r, v);
		assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
		assert_int_equal(fake_u64(&f, tf.rsp), v);
	}
	fake_unmap_all(&f);
}

static void test_deliver_bad_stack(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = receiver();
	struct trapframe tf = pattern(), old;

	uintr_post(&r, 4);
	/* unmapped; frame straddling the bottom of the stack region; wrapping
	   below 0; a kernel rsp; read-only memory */
	u64 sps[] = {0x10000000, STACK + 128 + 16, 100, KERNEL, CODE + 0x800 + 128};
	for (size_t i = 0; i < ARRAY_SIZE(sps); i++) {
		tf = pattern();
		tf.rsp = sps[i];
		old = tf;
		assert_int_equal(arch_uintr_deliver(&r, &tf, &m), UINTR_EFAULT);
		assert_memory_equal(&tf, &old, sizeof(tf));
		assert_int_equal(r.pending, 1ull << 4);
		assert_true(r.enabled);
	}
	/* a handler stack top outside user space */
	r.stack_adjust = KERNEL | 1;
	tf = pattern();
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), UINTR_EGP);
	/* a huge adjust: the frame would land outside user space */
	r.stack_adjust = 0x7ffffffffffff000ul;
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), UINTR_EFAULT);
	assert_int_equal(f.writes, 0);
	fake_unmap_all(&f);
}

static void test_handler_kernel(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = {0};
	struct trapframe tf = pattern(), old = tf;

	assert_res(arch_uintr_register(&r, KERNEL, 0), -EINVAL);
	assert_res(arch_uintr_register(&r, 0x800000000000ul, 0), -EINVAL);
	assert_res(arch_uintr_register(&r, 0, 0), -EINVAL);
	assert_res(arch_uintr_register(&r, HANDLER, KERNEL), -EINVAL);
	assert_int_equal(r.handler, 0);
	assert_int_equal(arch_uintr_register(&r, HANDLER, 0), 0);
	assert_int_equal(r.stack_adjust, UINTR_REDZONE);

	/* even if one got in, delivery refuses it */
	r.handler = KERNEL;
	r.enabled = true;
	uintr_post(&r, 1);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), UINTR_EGP);
	r.handler = 0;
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), UINTR_EGP);
	assert_memory_equal(&tf, &old, sizeof(tf));
	assert_int_equal(f.writes, 0);
	fake_unmap_all(&f);
}

/* ---- SENDUIPI ---------------------------------------------------------- */

static void test_send(void **state)
{
	(void)state;
	struct uintr_recv target = {0};
	struct uintr_send s = {0};
	struct uintr_post post = {0};
	struct trapframe tf = pattern(), want;

	assert_int_equal(uintr_uitt_add(&s, &target, 9), 0);
	assert_int_equal(uintr_uitt_add(&s, &target, 40), 1);

	const u8 rax[] = {0xf3, 0x0f, 0xc7, 0xf0};
	tf.rax = 1;
	want = tf;
	want.rip += 4;
	assert_int_equal(run(NULL, &s, &tf, rax, 4, &post), UINTR_POST);
	assert_ptr_equal(post.recv, &target);
	assert_int_equal(post.vector, 40);
	assert_memory_equal(&tf, &want, sizeof(tf));

	const u8 r9[] = {0xf3, 0x41, 0x0f, 0xc7, 0xf1};
	tf.r9 = 0;
	want = tf;
	want.rip += 5;
	assert_int_equal(run(NULL, &s, &tf, r9, 5, &post), UINTR_POST);
	assert_int_equal(post.vector, 9);
	assert_memory_equal(&tf, &want, sizeof(tf));

	/* rsp as the operand is just a register too */
	const u8 rsp[] = {0xf3, 0x0f, 0xc7, 0xf4};
	tf.rsp = 1;
	assert_int_equal(run(NULL, &s, &tf, rsp, 4, &post), UINTR_POST);
	assert_int_equal(post.vector, 40);
}

static void test_send_bad_index(void **state)
{
	(void)state;
	struct uintr_recv target = {0};
	struct uintr_send s = {0};
	struct uintr_post post = {0};
	struct trapframe tf = pattern(), old;
	const u8 rdi[] = {0xf3, 0x0f, 0xc7, 0xf7};

	assert_int_equal(uintr_uitt_add(&s, &target, 1), 0);
	const u64 idx[] = {1, 63, 64, 1ull << 32, 1ull << 63, ~0ull};
	for (size_t i = 0; i < ARRAY_SIZE(idx); i++) {
		tf.rdi = idx[i];
		old = tf;
		assert_int_equal(run(NULL, &s, &tf, rdi, 4, &post), UINTR_EGP);
		assert_memory_equal(&tf, &old, sizeof(tf)); /* rip stays on the send */
	}
	/* no sender table at all */
	tf.rdi = 0;
	assert_int_equal(run(NULL, NULL, &tf, rdi, 4, &post), UINTR_EGP);
	/* an unregistered index stops working at once */
	assert_int_equal(run(NULL, &s, &tf, rdi, 4, &post), UINTR_POST);
	uintr_uitt_remove(&s, 0);
	tf.rip -= 4;
	assert_int_equal(run(NULL, &s, &tf, rdi, 4, &post), UINTR_EGP);
}

static void test_uitt_table(void **state)
{
	(void)state;
	struct uintr_recv target = {0};
	struct uintr_send s = {0};
	for (int i = 0; i < UINTR_NSEND; i++)
		assert_int_equal(uintr_uitt_add(&s, &target, i), i);
	assert_int_equal(uintr_uitt_add(&s, &target, 0), -1);
	uintr_uitt_remove(&s, 10);
	uintr_uitt_remove(&s, 1000); /* out of range: nothing */
	assert_int_equal(uintr_uitt_add(&s, &target, 5), 10);
	uintr_uitt_remove(&s, 11);
	assert_int_equal(uintr_uitt_add(&s, &target, 64), -1); /* no such vector */
}

/* ---- the whole trap: fetch, decode, emulate ---------------------------- */

static void test_trap_fetch(void **state)
{
	(void)state;
	struct fakemem f;
	struct uintr_mem m = setup_mem(&f);
	struct uintr_recv r = receiver();
	struct uintr_send s = {0};
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), old;

	/* STUI in the last 4 bytes of the code page: the fetch stops at the page end */
	memcpy(fake_at(&f, CODE + 0xffc), stui_b, 4);
	r.enabled = false;
	tf.rip = CODE + 0xffc;
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_DONE);
	assert_true(r.enabled);
	assert_int_equal(tf.rip, CODE + 0x1000);

	/* SENDUIPI r9 cut by the page end after 3 of its 5 bytes */
	const u8 r9[] = {0xf3, 0x41, 0x0f};
	memcpy(fake_at(&f, CODE + 0xffd), r9, 3);
	tf.rip = CODE + 0xffd;
	old = tf;
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_EILL);
	assert_memory_equal(&tf, &old, sizeof(tf));

	/* ud2 is not ours; an unmapped pc cannot even be fetched */
	const u8 ud2[] = {0x0f, 0x0b};
	memcpy(fake_at(&f, CODE + 0x10), ud2, 2);
	tf.rip = CODE + 0x10;
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_EILL);
	tf.rip = 0x20000000;
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_EFAULT);
	fake_unmap_all(&f);
}

static void test_fault_names(void **state)
{
	(void)state;
	u64 cause;
	assert_string_equal(arch_uintr_fault(UINTR_EILL, &cause), "invalid opcode");
	assert_int_equal(cause, 6);
	assert_string_equal(arch_uintr_fault(UINTR_EGP, &cause), "general protection");
	assert_int_equal(cause, 13);
	assert_string_equal(arch_uintr_fault(UINTR_EFAULT, &cause), "page fault");
	assert_int_equal(cause, 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_plain),
	    cmocka_unit_test(test_decode_senduipi_registers),
	    cmocka_unit_test(test_decode_prefixes),
	    cmocka_unit_test(test_decode_rejects),
	    cmocka_unit_test(test_decode_truncated),
	    cmocka_unit_test(test_testui),
	    cmocka_unit_test(test_clui_stui),
	    cmocka_unit_test(test_no_receiver),
	    cmocka_unit_test(test_deliver_frame),
	    cmocka_unit_test(test_deliver_alignment),
	    cmocka_unit_test(test_deliver_handler_stack),
	    cmocka_unit_test(test_uiret_roundtrip),
	    cmocka_unit_test(test_uiret_flags_mask),
	    cmocka_unit_test(test_uiret_bad),
	    cmocka_unit_test(test_uif_masks),
	    cmocka_unit_test(test_coalescing),
	    cmocka_unit_test(test_highest_first),
	    cmocka_unit_test(test_every_vector),
	    cmocka_unit_test(test_deliver_bad_stack),
	    cmocka_unit_test(test_handler_kernel),
	    cmocka_unit_test(test_send),
	    cmocka_unit_test(test_send_bad_index),
	    cmocka_unit_test(test_uitt_table),
	    cmocka_unit_test(test_trap_fetch),
	    cmocka_unit_test(test_fault_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
