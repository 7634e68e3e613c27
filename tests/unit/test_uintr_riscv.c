/*
 * Host tests for riscv64 user-interrupt emulation (arch/riscv64/uintr.c):
 * decoding the user-interrupt CSR accesses, URET and our send; the CSRs'
 * read and write rules; delivery and URET; every refusal; and the
 * fetch of kernel/uintr.c's uintr_trap() over them.
 */
#include "uintr_host.h"
#include "../../arch/riscv64/uintr.c"
#include "../../kernel/uintr.c" /* uintr_trap(), over the arch's hooks */

/* What uintr_trap() asks of the arch besides its hooks (trap.c in the kernel). */
u64 arch_tf_pc(struct trapframe *tf)
{
	return tf->sepc;
}

#define CODE	0x10000ul /* a read-only code page */
#define STACK	0x3fff0000ul
#define STACKSZ 0x10000ul
#define HANDLER (CODE + 0x100)
#define KERNEL	0xffffffc080200000ul

/* Registers by number. */
#define X0 0
#define SP 2
#define T0 5
#define A0 10
#define A1 11

/* Encodings (see the pictures in uintr.c). */
#define CSRI(csr, rs1, f3, rd)                                                                     \
	((u32)(csr) << 20 | (u32)(rs1) << 15 | (u32)(f3) << 12 | (u32)(rd) << 7 | 0x73)
#define SEND(rs1) ((u32)(rs1) << 15 | 0x0b)
#define URET_W	  0x00200073u
enum { RW = 1, RS, RC, RWI = 5, RSI, RCI };

static const int csrs[] = {0x000, 0x004, 0x005, 0x040, 0x041, 0x042, 0x043, 0x044};

static u64 *x(struct trapframe *tf, int n)
{
	return &((u64 *)tf)[n - 1];
}

/* Every register a distinct value, a user thread's pc and stack. */
static struct trapframe pattern(void)
{
	struct trapframe tf;
	u64 *w = (u64 *)&tf;
	for (size_t i = 0; i < sizeof(tf) / 8; i++)
		w[i] = 0x0101010101010101ull * (i + 1);
	tf.sepc = CODE + 0x40;
	tf.sp = STACK + 0x8000;
	tf.sstatus = 1ul << 5; /* SPIE */
	tf.stval = 0;	       /* no instruction reported: uintr_trap() reads memory */
	return tf;
}

static void put(u8 *b, u32 w)
{
	for (int i = 0; i < 4; i++)
		b[i] = w >> (8 * i);
}

static int decode_w(u32 w, struct uintr_insn *in)
{
	u8 b[4];
	put(b, w);
	return arch_uintr_decode(b, 4, in);
}

/* Emulate one instruction word. */
static int run(struct uintr_recv *r, struct uintr_send *s, struct trapframe *tf, u32 w,
	       struct uintr_post *post)
{
	struct uintr_insn in;
	struct uintr_mem none = {0};
	assert_true(decode_w(w, &in) > 0);
	return arch_uintr_emulate(r, s, tf, &in, &none, post);
}

/* A receiver with a handler, unmasked and enabled. */
static struct uintr_recv receiver(void)
{
	struct uintr_recv r = {0};
	assert_int_equal(arch_uintr_register(&r, HANDLER, STACK + 0x1000), 0);
	r.enabled = true;
	return r;
}

/* Read a CSR through an emulated csrrs a0, csr, x0. */
static u64 csr(struct uintr_recv *r, int n)
{
	struct trapframe tf = pattern();
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	assert_int_equal(run(r, NULL, &tf, CSRI(n, X0, RS, A0), &post), UINTR_DONE);
	return tf.a0;
}

/* ---- decoding ---------------------------------------------------------- */

static void test_decode_csr(void **state)
{
	(void)state;
	const int f3s[] = {RW, RS, RC, RWI, RSI, RCI};
	const int regs[][2] = {{0, 0}, {1, 31}, {10, 11}, {31, 0}, {5, 5}};
	struct uintr_insn in;
	for (size_t c = 0; c < ARRAY_SIZE(csrs); c++)
		for (size_t f = 0; f < ARRAY_SIZE(f3s); f++)
			for (size_t k = 0; k < ARRAY_SIZE(regs); k++) {
				int rd = regs[k][0], rs1 = regs[k][1];
				assert_int_equal(decode_w(CSRI(csrs[c], rs1, f3s[f], rd), &in),
						 UI_CSR);
				assert_int_equal(in.csr, csrs[c]);
				assert_int_equal(in.f3, f3s[f]);
				assert_int_equal(in.rd, rd);
				assert_int_equal(in.reg, rs1);
				assert_int_equal(in.len, 4);
			}
}

static void test_decode_uret_send(void **state)
{
	(void)state;
	struct uintr_insn in;
	assert_int_equal(decode_w(URET_W, &in), UI_RET);
	assert_int_equal(in.len, 4);
	for (int r = 0; r < 32; r++) {
		assert_int_equal(decode_w(SEND(r), &in), UI_SEND);
		assert_int_equal(in.reg, r);
		assert_int_equal(in.len, 4);
	}
	/* what the assembler makes of .insn r 0x0b, 0, 0, x0, a0, x0 */
	assert_int_equal(SEND(A0), 0x0005000b);
}

static void test_decode_rejects(void **state)
{
	(void)state;
	const u32 bad[] = {
	    CSRI(0x001, 1, RS, 2), /* fflags */
	    CSRI(0x003, 1, RW, 2), /* fcsr */
	    CSRI(0x100, 0, RS, 1), /* sstatus */
	    CSRI(0x300, 0, RS, 1), /* mstatus */
	    CSRI(0xc00, 0, RS, 1), /* cycle */
	    CSRI(0x045, 0, RS, 1), /* next to uip */
	    CSRI(0x040, 1, 4, 1),  /* funct3 4 is not a CSR access */
	    0x00000073,		   /* ecall */
	    0x00100073,		   /* ebreak */
	    0x10200073,		   /* sret */
	    0x10500073,		   /* wfi */
	    0x30200073,		   /* mret */
	    0x00200073 | 1 << 7,   /* "uret" with rd != 0 */
	    SEND(5) | 1 << 7,	   /* send with rd */
	    SEND(5) | 1 << 12,	   /* ... with funct3 */
	    SEND(5) | 1 << 20,	   /* ... with rs2 */
	    SEND(5) | 1u << 25,	   /* ... with funct7 */
	    SEND(5) | 1u << 31,
	    0x0000002b, /* custom-1 */
	    0x0000005b, /* custom-2 */
	    0x0000001f, /* a 48-bit instruction */
	    0x0000003f, /* a 64-bit instruction */
	    0x00000001, /* c.nop, then zeros */
	    0x00000000, /* the defined illegal instruction */
	};
	struct uintr_insn in;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		u8 b[4];
		put(b, bad[i]);
		u8 *g = guarded(b, 4);
		if (arch_uintr_decode(g, 4, &in) != UINTR_EILL)
			fail_msg("%08x decoded as op %d", bad[i], in.op);
		unguard(g, 4);
	}
}

/* Short input is refused, without reading past it. */
static void test_decode_truncated(void **state)
{
	(void)state;
	const u32 good[] = {URET_W, SEND(31), CSRI(0x040, 2, RW, 2)};
	struct uintr_insn in;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		u8 b[4];
		put(b, good[i]);
		for (int n = 0; n <= 4; n++) {
			u8 *g = guarded(b, n);
			int res = arch_uintr_decode(g, n, &in);
			if (n < 4)
				assert_int_equal(res, UINTR_EILL);
			else
				assert_true(res > 0);
			unguard(g, n);
		}
	}
}

/* ---- the CSRs ---------------------------------------------------------- */

static void test_csr_access(void **state)
{
	(void)state;
	struct uintr_recv r = receiver();
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), want;

	/* csrrw a0, uscratch, a1: old value out, new in */
	tf.a1 = 0x1234;
	want = tf;
	want.a0 = STACK + 0x1000;
	want.sepc += 4;
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x040, A1, RW, A0), &post), UINTR_DONE);
	assert_memory_equal(&tf, &want, sizeof(tf));
	assert_int_equal(r.scratch, 0x1234);

	/* rd = rs1: the source is read first - a swap */
	tf.sp = 0x5550;
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x040, SP, RW, SP), &post), UINTR_DONE);
	assert_int_equal(tf.sp, 0x1234);
	assert_int_equal(r.scratch, 0x5550);

	/* csrrs / csrrc with a register */
	r.enabled = false;
	tf.a1 = 1;
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x000, A1, RS, A0), &post), UINTR_DONE);
	assert_int_equal(tf.a0, 0);
	assert_true(r.enabled);
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x000, A1, RC, A0), &post), UINTR_DONE);
	assert_int_equal(tf.a0, 1);
	assert_false(r.enabled);

	/* the immediate forms: the rs1 field is the value */
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x040, 31, RWI, A0), &post), UINTR_DONE);
	assert_int_equal(r.scratch, 31);
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x000, 0x11, RSI, A0), &post), UINTR_DONE);
	assert_true(r.enabled && r.prev_enabled);
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x000, 0x10, RCI, A0), &post), UINTR_DONE);
	assert_int_equal(tf.a0, 0x11);
	assert_true(r.enabled && !r.prev_enabled);
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x000, 0, RCI, A0), &post), UINTR_DONE);
	assert_true(r.enabled); /* uimm 0: no write */

	/*
	 * csrrs/csrrc write only if the rs1 field is not x0, whatever the
	 * value: a plain read must not write. Seen with a uepc the kernel
	 * set odd (no write can store that): reading leaves it odd, a
	 * csrrs of a zero register writes it back, legalised.
	 */
	r.epc = CODE + 0x201;
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x041, X0, RS, A0), &post), UINTR_DONE);
	assert_int_equal(tf.a0, CODE + 0x201);
	assert_int_equal(r.epc, CODE + 0x201);
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x041, 0, RCI, A0), &post), UINTR_DONE);
	assert_int_equal(r.epc, CODE + 0x201);
	tf.a1 = 0;
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x041, A1, RS, A0), &post), UINTR_DONE);
	assert_int_equal(r.epc, CODE + 0x200);

	/* rd = x0: nothing but the CSR and the pc change */
	tf.t0 = 0x777;
	want = tf;
	want.sepc += 4;
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x043, T0, RW, X0), &post), UINTR_DONE);
	assert_memory_equal(&tf, &want, sizeof(tf));
	assert_int_equal(r.tval, 0x777);
	/* rs1 = x0 in csrrw writes zero */
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x043, X0, RW, A0), &post), UINTR_DONE);
	assert_int_equal(tf.a0, 0x777);
	assert_int_equal(r.tval, 0);
}

/* Write all ones, read back the legal value (WARL). */
static void test_csr_warl(void **state)
{
	(void)state;
	const u64 want[] = {0x11, 1, ~2ull, ~0ull, ~1ull, ~0ull, ~0ull, 0};
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	for (size_t c = 0; c < ARRAY_SIZE(csrs); c++) {
		struct uintr_recv r = {0};
		struct trapframe tf = pattern();
		tf.a1 = ~0ull;
		assert_int_equal(run(&r, NULL, &tf, CSRI(csrs[c], A1, RW, X0), &post), UINTR_DONE);
		if (csr(&r, csrs[c]) != want[c])
			fail_msg("csr %03x reads %llx", csrs[c],
				 (unsigned long long)csr(&r, csrs[c]));
	}
	/* utvec: reserved modes 2 and 3 keep only bit 0 */
	struct uintr_recv r = {0};
	struct trapframe tf = pattern();
	tf.a1 = 0x1002;
	run(&r, NULL, &tf, CSRI(0x005, A1, RW, X0), &post);
	assert_int_equal(csr(&r, 0x005), 0x1000);
	tf.a1 = 0x1003;
	run(&r, NULL, &tf, CSRI(0x005, A1, RW, X0), &post);
	assert_int_equal(csr(&r, 0x005), 0x1001);
}

/* uip shows whether anything is pending, masked or not; writes are ignored. */
static void test_uip(void **state)
{
	(void)state;
	struct uintr_recv r = receiver();
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern();

	assert_int_equal(csr(&r, 0x044), 0);
	r.enabled = false;
	uintr_post(&r, 40);
	assert_int_equal(csr(&r, 0x044), 1);
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x044, 1, RCI, X0), &post), UINTR_DONE);
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x044, X0, RW, X0), &post), UINTR_DONE);
	assert_int_equal(r.pending, 1ull << 40);
	assert_int_equal(csr(&r, 0x044), 1);
}

/* ---- delivery and URET ------------------------------------------------- */

static void test_deliver(void **state)
{
	(void)state;
	struct fakemem f = {0};
	struct uintr_mem m = fake_mem(&f);
	struct uintr_recv r = receiver();
	struct trapframe tf = pattern(), old = tf;

	r.tval = 0x55; /* left from an earlier trap */
	uintr_post(&r, 7);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
	assert_int_equal(r.epc, old.sepc);
	assert_int_equal(r.cause, 1ull << 63 | 7);
	assert_int_equal(r.tval, 0);
	assert_true(r.prev_enabled); /* UPIE = old UIE */
	assert_false(r.enabled);     /* UIE = 0 */
	assert_int_equal(r.pending, 0);
	assert_int_equal(tf.sepc, HANDLER);
	old.sepc = HANDLER;
	assert_memory_equal(&tf, &old, sizeof(tf)); /* no register but pc */
	assert_int_equal(f.reads + f.writes, 0);    /* no memory */
	assert_int_equal(csr(&r, 0x000), 0x10);
	assert_int_equal(csr(&r, 0x042), 1ull << 63 | 7);
}

static void test_deliver_vectored(void **state)
{
	(void)state;
	struct uintr_mem m = {0};
	const unsigned vs[] = {0, 5, 63};
	for (size_t i = 0; i < ARRAY_SIZE(vs); i++) {
		struct uintr_recv r = receiver();
		struct trapframe tf = pattern();
		r.handler = HANDLER | 1;
		uintr_post(&r, vs[i]);
		assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
		assert_int_equal(tf.sepc, HANDLER + 4 * vs[i]);
	}
}

/* ustatus.UIE and uie.USIE both hold a pending interrupt back. */
static void test_masking(void **state)
{
	(void)state;
	struct uintr_mem m = {0};
	struct uintr_recv r = receiver();
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), old = tf;

	uintr_post(&r, 9);
	r.enabled = false;
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 0);
	r.enabled = true;
	r.ie = 0;
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 0);
	assert_memory_equal(&tf, &old, sizeof(tf));
	assert_int_equal(r.pending, 1ull << 9);

	/* csrsi uie, 1 (USIE); csrci ustatus, 1; csrsi ustatus, 1 */
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x004, 1, RSI, X0), &post), UINTR_DONE);
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x000, 1, RCI, X0), &post), UINTR_DONE);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 0);
	assert_int_equal(run(&r, NULL, &tf, CSRI(0x000, 1, RSI, X0), &post), UINTR_DONE);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
	assert_int_equal(r.epc, old.sepc + 12); /* after the three CSR accesses */
	uintr_post(&r, 10);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 0); /* delivery masked it */
}

static void test_uret(void **state)
{
	(void)state;
	struct uintr_recv r = receiver();
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), want;

	r.epc = CODE + 0x202;
	r.prev_enabled = true;
	r.enabled = false;
	want = tf;
	want.sepc = CODE + 0x202;
	assert_int_equal(run(&r, NULL, &tf, URET_W, &post), UINTR_DONE);
	assert_memory_equal(&tf, &want, sizeof(tf));
	assert_true(r.enabled && r.prev_enabled);

	r.prev_enabled = false; /* UIE = UPIE = 0; then UPIE = 1 */
	assert_int_equal(run(&r, NULL, &tf, URET_W, &post), UINTR_DONE);
	assert_true(!r.enabled && r.prev_enabled);

	/* a return address outside user space is refused */
	r.epc = KERNEL;
	r.prev_enabled = false;
	want = tf;
	assert_int_equal(run(&r, NULL, &tf, URET_W, &post), UINTR_EGP);
	assert_memory_equal(&tf, &want, sizeof(tf));
	assert_true(!r.enabled && !r.prev_enabled);
}

/*
 * Deliver, then run what the entry stub runs (user/lib/riscv64/uintr.S)
 * through the trap path: swap sp with uscratch, read ucause, swap back,
 * URET. Every register comes back.
 */
static void test_roundtrip(void **state)
{
	(void)state;
	struct fakemem f = {0};
	struct uintr_mem m = fake_mem(&f);
	struct uintr_recv r = receiver();
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), old = tf;

	u8 *code = fake_map(&f, CODE, 0x1000, false, 0);
	u8 *h = code + (HANDLER - CODE);
	put(h + 0, CSRI(0x040, SP, RW, SP));
	put(h + 4, CSRI(0x042, X0, RS, A0));
	put(h + 8, CSRI(0x040, SP, RW, SP));
	put(h + 12, URET_W);

	uintr_post(&r, 42);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
	assert_int_equal(uintr_trap(&r, NULL, &tf, &m, &post), UINTR_DONE);
	assert_int_equal(tf.sp, STACK + 0x1000); /* on the handler stack */
	assert_int_equal(r.scratch, old.sp);
	assert_int_equal(uintr_trap(&r, NULL, &tf, &m, &post), UINTR_DONE);
	assert_int_equal(tf.a0, 1ull << 63 | 42);
	tf.a0 = old.a0; /* the stub restores what the handler used */
	assert_int_equal(uintr_trap(&r, NULL, &tf, &m, &post), UINTR_DONE);
	assert_int_equal(r.scratch, STACK + 0x1000);
	assert_int_equal(uintr_trap(&r, NULL, &tf, &m, &post), UINTR_DONE);
	assert_memory_equal(&tf, &old, sizeof(tf));
	assert_true(r.enabled);
	fake_unmap_all(&f);
}

static void test_coalescing(void **state)
{
	(void)state;
	struct uintr_mem m = {0};
	struct uintr_recv r = receiver();
	struct trapframe tf = pattern();

	assert_int_equal(uintr_post(&r, 3), 0);
	assert_int_equal(uintr_post(&r, 3), 1ull << 3);
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
	r.enabled = true;
	assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 0);
}

static void test_highest_first(void **state)
{
	(void)state;
	struct uintr_mem m = {0};
	struct uintr_recv r = receiver();
	struct trapframe tf = pattern();
	const unsigned order[] = {63, 31, 30, 1};

	uintr_post(&r, 30);
	uintr_post(&r, 1);
	uintr_post(&r, 63);
	uintr_post(&r, 31);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		r.enabled = true;
		assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
		assert_int_equal(r.cause, 1ull << 63 | order[i]);
	}
	assert_int_equal(r.pending, 0);
}

static void test_every_vector(void **state)
{
	(void)state;
	struct uintr_mem m = {0};
	struct uintr_recv r = receiver();
	struct trapframe tf = pattern();
	for (unsigned v = 0; v < UINTR_NVEC; v++) {
		r.enabled = true;
		uintr_post(&r, v);
		assert_int_equal(arch_uintr_deliver(&r, &tf, &m), 1);
		assert_int_equal(r.cause & ~(1ull << 63), v);
	}
}

static void test_handler_refused(void **state)
{
	(void)state;
	struct uintr_mem m = {0};
	struct uintr_recv r = {0};
	struct trapframe tf = pattern(), old = tf;

	assert_res(arch_uintr_register(&r, KERNEL, 0), -EINVAL);
	assert_res(arch_uintr_register(&r, USER_TOP, 0), -EINVAL);
	assert_res(arch_uintr_register(&r, 0, 0), -EINVAL);
	assert_res(arch_uintr_register(&r, HANDLER + 2, 0), -EINVAL); /* utvec needs 4 */
	assert_res(arch_uintr_register(&r, HANDLER, KERNEL), -EINVAL);
	assert_int_equal(r.handler, 0);
	assert_int_equal(arch_uintr_register(&r, HANDLER, 0), 0);
	assert_int_equal(r.ie, 1);
	assert_int_equal(r.scratch, 0);

	/* the thread writes utvec itself: delivery checks where it points */
	r.enabled = true;
	uintr_post(&r, 63);
	const u64 bad[] = {KERNEL, 0, USER_TOP, (USER_TOP - 8) | 1 /* + 4 * 63 */};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		r.handler = bad[i];
		assert_int_equal(arch_uintr_deliver(&r, &tf, &m), UINTR_EGP);
		assert_memory_equal(&tf, &old, sizeof(tf));
		assert_int_equal(r.pending, 1ull << 63);
		assert_true(r.enabled);
	}
}

/* ---- the send ---------------------------------------------------------- */

static void test_send(void **state)
{
	(void)state;
	struct uintr_recv target = {0};
	struct uintr_send s = {0};
	struct uintr_post post = {0};
	struct trapframe tf = pattern(), want;

	assert_int_equal(uintr_uitt_add(&s, &target, 17), 0);
	assert_int_equal(uintr_uitt_add(&s, &target, 50), 1);
	tf.a0 = 1;
	want = tf;
	want.sepc += 4;
	assert_int_equal(run(NULL, &s, &tf, SEND(A0), &post), UINTR_POST);
	assert_ptr_equal(post.recv, &target);
	assert_int_equal(post.vector, 50);
	assert_memory_equal(&tf, &want, sizeof(tf));
	/* x0 names index 0 */
	assert_int_equal(run(NULL, &s, &tf, SEND(X0), &post), UINTR_POST);
	assert_int_equal(post.vector, 17);

	const u64 idx[] = {2, 63, 64, 1ull << 40, ~0ull};
	for (size_t i = 0; i < ARRAY_SIZE(idx); i++) {
		*x(&tf, T0) = idx[i];
		want = tf;
		assert_int_equal(run(NULL, &s, &tf, SEND(T0), &post), UINTR_EGP);
		assert_memory_equal(&tf, &want, sizeof(tf));
	}
	assert_int_equal(run(NULL, NULL, &tf, SEND(X0), &post), UINTR_EGP);
	uintr_uitt_remove(&s, 0);
	assert_int_equal(run(NULL, &s, &tf, SEND(X0), &post), UINTR_EGP);
}

/* A thread without user-interrupt state: only the send is emulated. */
static void test_no_receiver(void **state)
{
	(void)state;
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), old = tf;
	assert_int_equal(run(NULL, NULL, &tf, URET_W, &post), UINTR_EILL);
	assert_int_equal(run(NULL, NULL, &tf, CSRI(0x000, 1, RSI, X0), &post), UINTR_EILL);
	assert_memory_equal(&tf, &old, sizeof(tf));
}

/* ---- the whole trap: fetch, decode, emulate ---------------------------- */

static void test_trap_fetch(void **state)
{
	(void)state;
	struct fakemem f = {0};
	struct uintr_mem m = fake_mem(&f);
	struct uintr_recv r = receiver();
	struct uintr_send s = {0};
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern(), old;
	u8 *code = fake_map(&f, CODE, 0x1000, false, 0);

	/* csrci ustatus, 1 in the last word of the page */
	put(code + 0xffc, CSRI(0x000, 1, RCI, X0));
	tf.sepc = CODE + 0xffc;
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_DONE);
	assert_false(r.enabled);
	assert_int_equal(tf.sepc, CODE + 0x1000);

	/* a compressed instruction in the last two bytes */
	code[0xffe] = 0x01;
	code[0xfff] = 0x00;
	tf.sepc = CODE + 0xffe;
	old = tf;
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_EILL);
	/* a 32-bit instruction cut by the page end */
	code[0xffe] = 0x73;
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_EILL);
	assert_memory_equal(&tf, &old, sizeof(tf));
	/* a pc nobody mapped */
	tf.sepc = 0x200000;
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_EFAULT);
	fake_unmap_all(&f);
}

/*
 * A hart (OpenSBI) that reports the instruction in stval: that is what
 * is emulated, without a read of user memory - here none is mapped.
 */
static void test_trap_reported(void **state)
{
	(void)state;
	struct fakemem f = {0};
	struct uintr_mem m = fake_mem(&f);
	struct uintr_recv r = receiver();
	struct uintr_send s = {0};
	struct uintr_post post = {0}; // a stub (lab uintr) may leave it
	struct trapframe tf = pattern();

	r.enabled = true;
	tf.stval = CSRI(0x000, 1, RCI, X0);
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_DONE);
	assert_false(r.enabled);
	assert_int_equal(tf.sepc, CODE + 0x44);
	/* a send, reported: posted as from memory */
	uintr_uitt_add(&s, &r, 7);
	tf.stval = SEND(X0);
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_POST);
	assert_ptr_equal(post.recv, &r);
	assert_int_equal(post.vector, 7);
	/* a compressed instruction reported (16 bits): not ours */
	tf.stval = 0x0001;
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_EILL);
	/* another instruction reported: not ours, whatever memory holds */
	tf.stval = 0x00000013; /* addi x0, x0, 0 */
	assert_int_equal(uintr_trap(&r, &s, &tf, &m, &post), UINTR_EILL);
}

static void test_fault_names(void **state)
{
	(void)state;
	u64 cause;
	assert_string_equal(arch_uintr_fault(UINTR_EILL, &cause), "illegal instruction");
	assert_int_equal(cause, 2);
	assert_string_equal(arch_uintr_fault(UINTR_EGP, &cause), "illegal instruction");
	assert_int_equal(cause, 2);
	assert_string_equal(arch_uintr_fault(UINTR_EFAULT, &cause), "instruction page fault");
	assert_int_equal(cause, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_csr),
	    cmocka_unit_test(test_decode_uret_send),
	    cmocka_unit_test(test_decode_rejects),
	    cmocka_unit_test(test_decode_truncated),
	    cmocka_unit_test(test_csr_access),
	    cmocka_unit_test(test_csr_warl),
	    cmocka_unit_test(test_uip),
	    cmocka_unit_test(test_deliver),
	    cmocka_unit_test(test_deliver_vectored),
	    cmocka_unit_test(test_masking),
	    cmocka_unit_test(test_uret),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_coalescing),
	    cmocka_unit_test(test_highest_first),
	    cmocka_unit_test(test_every_vector),
	    cmocka_unit_test(test_handler_refused),
	    cmocka_unit_test(test_send),
	    cmocka_unit_test(test_no_receiver),
	    cmocka_unit_test(test_trap_fetch),
	    cmocka_unit_test(test_trap_reported),
	    cmocka_unit_test(test_fault_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
