/*
 * uintrtest.c - user interrupts (issue 5), checked from user space:
 * the instructions, the 64 vectors, masking and coalescing, every
 * register intact across a delivery, delivery to a receiver that spins
 * on another CPU or sleeps in wait(), and what a careless or hostile
 * program gets (a fault that ends it, or an error; never a kernel crash).
 *
 * Each check prints "ok <name>" or "FAIL <name>: <why>"; the last line
 * is "uintrtest: N passed, M failed". The same binary runs on hardware
 * with user interrupts; under QEMU the kernel emulates them.
 *
 * Modes the checks use (a child process each):
 *   uintrtest send N     fd 3 is a vector: register as its sender, send N times
 *                        (N -1: every 10 ms until killed)
 *   uintrtest badindex   send through an index never registered
 *   uintrtest badhandler receive with a handler at an unmapped address
 *   uintrtest badstack   receive with a handler stack that is not there
 *   uintrtest uiret      return from a handler that never was
 */
#include "async.h"
#include "check.h"
#include "uintr.h"

#define SELF	 "/bin/uintrtest"
#define MS	 1000000ull
#define UNMAPPED 0x2000ul /* below the program (user.ld puts it at 0x400000) */

static volatile int count;
static volatile unsigned long last;
static volatile u64 got_at; /* clock_ticks() in the last handler */
static unsigned long order[UINTR_NVEC];

static void handler(unsigned long vector)
{
	got_at = clock_ticks();
	if (count < UINTR_NVEC)
		order[count] = vector;
	last = vector;
	count++;
}

static char hstack[8192] __attribute__((aligned(16)));

/* Receive on this thread; a vector descriptor for v, and our sender index for it. */
static int setup(unsigned v, int *fd)
{
	int r = uintr_register_handler(handler, hstack, sizeof(hstack));
	if (r < 0)
		return r;
	if ((*fd = uintr_create_vector(v)) < 0)
		return *fd;
	return uintr_register_sender(*fd);
}

/* ---- on the receiver itself ------------------------------------------ */

static void self_send(void)
{
	int fd, i = setup(7, &fd);
	if (i < 0) {
		fail("self-setup", "%s", show(i));
		return;
	}
	count = 0;
	uintr_disable();
	expect("testui-off", uintr_testui(), 0);
	uintr_send(i);
	expect("masked-held", count, 0);
	uintr_enable(); /* delivered right after */
	expect("self-send", count, 1);
	expect("self-vector", last, 7);
	expect("testui-on", uintr_testui(), 1);
	/*
	 * Enabled: delivered at once where the kernel emulates (the send
	 * traps, and delivery rides on the way back). A native send
	 * notifies by an IPI to our own CPU, which lands a few
	 * instructions later: wait for it, a little.
	 */
	uintr_send(i);
	for (volatile int spin = 0; count < 2 && spin < 1000000; spin++)
		;
	expect("self-send-enabled", count, 2);

	/* three sends while masked coalesce into one delivery, as in hardware */
	uintr_disable();
	uintr_send(i);
	uintr_send(i);
	uintr_send(i);
	uintr_enable();
	expect("coalesce", count, 3);

	/* a wait may take a vector (WAIT_UINTR_TAKE, as a sleeping pipe end
	   does): reported by the wait, then never delivered */
	struct wait_item take = {.type = WAIT_UINTR, .id = WAIT_UINTR_TAKE | 8, .user_data = 9};
	struct wait_event ev = {0};
	uintr_disable();
	uintr_send(i);
	expect("take-other", wait(&take, 1, &ev, 1, 0), 0); /* 7 is pending, not 8 */
	take.id = WAIT_UINTR_TAKE | 7;
	expect("take", wait(&take, 1, &ev, 1, 0), 1);
	expect("take-event", ev.user_data, 9);
	expect("take-again", wait(&take, 1, &ev, 1, 0), 0);
	uintr_enable();
	expect("take-not-delivered", count, 3);
	take.id = WAIT_UINTR_TAKE | UINTR_NVEC;
	expect("take-bad-vector", wait(&take, 1, &ev, 1, 0), -EINVAL);

	expect("unregister-sender", uintr_unregister_sender(i), 0);
	expect("unregister-sender-again", uintr_unregister_sender(i), -EINVAL);
	close(fd);
}

/* Every vector, sent while masked: delivered highest first, each once. */
static void vectors(void)
{
	int idx[UINTR_NVEC], bad = 0;
	for (unsigned v = 0; v < UINTR_NVEC; v++) {
		int fd = uintr_create_vector(v);
		idx[v] = fd < 0 ? fd : uintr_register_sender(fd);
		if (fd >= 0)
			close(fd); /* the sender entry keeps the receiver */
		if (idx[v] < 0)
			bad++;
	}
	expect("vectors-registered", bad, 0);
	expect("sender-table-full", uintr_register_sender(uintr_create_vector(1)), -ENOSPC);
	uintr_disable();
	count = 0;
	for (unsigned v = 0; v < UINTR_NVEC; v++)
		uintr_send(idx[v]);
	uintr_enable();
	expect("vectors-delivered", count, UINTR_NVEC);
	for (unsigned v = 0; v < UINTR_NVEC; v++)
		if (order[v] != UINTR_NVEC - 1 - v)
			bad++;
	expect("vectors-highest-first", bad, 0);
	for (unsigned v = 0; v < UINTR_NVEC; v++)
		uintr_unregister_sender(idx[v]);
	expect("bad-vector", uintr_create_vector(UINTR_NVEC), -EINVAL);
	expect("bad-fd", uintr_register_sender(0), -EBADF); /* the console is no vector */
	expect("bad-handler-kernel",
	       uintr_register_handler(handler, (void *)(uptr)-8192, 4096) == 0 ? 0 : -EINVAL,
	       -EINVAL);
}

/* ---- every register comes back ------------------------------------------- */

/*
 * regcheck(out): load a pattern into every general register but the
 * stack pointer, enable user interrupts (one is pending: the handler
 * runs right there, between two instructions), then store every
 * register into out[] by its number for C to compare.
 */
#define PATTERN(n) (0x5a00000000000000ull | (u64)(n) << 40 | (u64)(n) << 8 | (u64)(n))
void regcheck(u64 *out);
#if defined(__x86_64__)
/* x86 numbering: rax 0, rcx 1, rdx 2, rbx 3, (rsp 4), rbp 5, rsi 6, rdi 7, r8..r15 8..15 */
asm(".text\n"
    ".globl regcheck\n"
    "regcheck:\n"
    "	push %rbp; push %rbx; push %r12; push %r13; push %r14; push %r15\n"
    "	push %rdi\n"
    "	movabs $0x5a00000000000000, %rax\n"
    "	movabs $0x5a00010000000101, %rcx\n"
    "	movabs $0x5a00020000000202, %rdx\n"
    "	movabs $0x5a00030000000303, %rbx\n"
    "	movabs $0x5a00050000000505, %rbp\n"
    "	movabs $0x5a00060000000606, %rsi\n"
    "	movabs $0x5a00070000000707, %rdi\n"
    "	movabs $0x5a00080000000808, %r8\n"
    "	movabs $0x5a00090000000909, %r9\n"
    "	movabs $0x5a000a0000000a0a, %r10\n"
    "	movabs $0x5a000b0000000b0b, %r11\n"
    "	movabs $0x5a000c0000000c0c, %r12\n"
    "	movabs $0x5a000d0000000d0d, %r13\n"
    "	movabs $0x5a000e0000000e0e, %r14\n"
    "	movabs $0x5a000f0000000f0f, %r15\n"
    "	stui\n"
    "	push %r15; push %r14; push %r13; push %r12; push %r11; push %r10; push %r9\n"
    "	push %r8; push %rdi; push %rsi; push %rbp; push %rsp; push %rbx; push %rdx\n"
    "	push %rcx; push %rax\n"
    "	mov 128(%rsp), %rdi\n" /* out */
    "	xor %ecx, %ecx\n"
    "1:	mov (%rsp,%rcx,8), %rax\n"
    "	mov %rax, (%rdi,%rcx,8)\n"
    "	inc %ecx\n"
    "	cmp $16, %ecx\n"
    "	jne 1b\n"
    "	add $128, %rsp\n"
    "	pop %rdi\n"
    "	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbx; pop %rbp\n"
    "	ret\n");
#define NREGS 16
#define SP    4
#elif defined(__riscv)
/* RISC-V numbering: x1..x31; x2 is sp */
asm(".text\n"
    ".globl regcheck\n"
    "regcheck:\n"
    "	addi sp, sp, -128\n"
    "	sd ra, 0(sp); sd gp, 8(sp); sd tp, 16(sp); sd a0, 24(sp)\n"
    "	sd s0, 32(sp); sd s1, 40(sp); sd s2, 48(sp); sd s3, 56(sp); sd s4, 64(sp)\n"
    "	sd s5, 72(sp); sd s6, 80(sp); sd s7, 88(sp); sd s8, 96(sp); sd s9, 104(sp)\n"
    "	sd s10, 112(sp); sd s11, 120(sp)\n"
    "	.irp n, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, "
    "23, 24, 25, 26, 27, 28, 29, 30, 31\n"
    "	li x\\n, 0x5a00000000000000 | (\\n << 40) | (\\n << 8) | \\n\n"
    "	.endr\n"
    "	csrsi 0x000, 1\n" /* ustatus.UIE */
    "	addi sp, sp, -256\n"
    "	.irp n, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, "
    "23, 24, 25, 26, 27, 28, 29, 30, 31\n"
    "	sd x\\n, 8 * \\n(sp)\n"
    "	.endr\n"
    "	ld t0, 256 + 24(sp)\n" /* out */
    "	li t1, 0\n"
    "1:	slli t2, t1, 3\n"
    "	add t3, sp, t2\n"
    "	ld t4, 0(t3)\n"
    "	add t3, t0, t2\n"
    "	sd t4, 0(t3)\n"
    "	addi t1, t1, 1\n"
    "	li t2, 32\n"
    "	bne t1, t2, 1b\n"
    "	addi sp, sp, 256\n"
    "	ld ra, 0(sp); ld gp, 8(sp); ld tp, 16(sp)\n"
    "	ld s0, 32(sp); ld s1, 40(sp); ld s2, 48(sp); ld s3, 56(sp); ld s4, 64(sp)\n"
    "	ld s5, 72(sp); ld s6, 80(sp); ld s7, 88(sp); ld s8, 96(sp); ld s9, 104(sp)\n"
    "	ld s10, 112(sp); ld s11, 120(sp)\n"
    "	addi sp, sp, 128\n"
    "	ret\n");
#define NREGS 32
#define SP    2
#endif

static void registers(void)
{
	int fd, i = setup(9, &fd);
	u64 out[32];
	if (i < 0) {
		fail("regs-setup", "%s", show(i));
		return;
	}
	uintr_disable();
	uintr_send(i); /* pending until regcheck enables */
	count = 0;
	regcheck(out);
	expect("regs-delivered", count, 1);
	int bad = 0;
	for (int n = 1; n < NREGS; n++) {
		if (n == SP || out[n] == PATTERN(n))
			continue;
		if (!bad++)
			fail("regs-intact", "register %d is %llx, not %llx", n, out[n], PATTERN(n));
	}
	if (!bad)
		ok("regs-intact");
	uintr_unregister_sender(i);
	close(fd);
}

/* ---- across processes ------------------------------------------------------ */

/* A child that sends to our vector v; its pid. */
static int sender(int fd, int n)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", n);
	char *argv[] = {"uintrtest", "send", num, NULL};
	int fds[4] = {0, 1, 2, fd};
	return spawn(SELF, argv, fds, 4, -1, -1);
}

static void spinning(void)
{
	int fd = uintr_create_vector(11);
	struct kstats a, b;
	uintr_enable();
	count = 0;
	/* it sends after 50 ms: we are spinning by then, most likely; if not,
	   the handler has run already and the counts below hold all the same */
	int pid = sender(fd, 1);
	kstats(&a);
	/* spin, no system call, until the handler has run (the bound: a hang) */
	for (volatile u64 spins = 0; count == 0 && spins < 4000000000ull; spins++)
		;
	kstats(&b);
	int st = -1;
	expect("spin-delivered", count, 1);
	expect("spin-vector", last, 11);
	expect("spin-sender-exit", waitpid(pid, &st) == pid ? st : -1, 0);
	/* what the receiver paid: the second kstats (it counts itself), and
	   what the interrupt cost it: exceptions (the handler's way out, when
	   emulated) and interrupts (the kick, and timer ticks) */
	printf("uintrtest: receiver spinning on %d CPUs: %llu system calls, %llu exceptions, "
	       "%llu interrupts\n",
	       a.ncpu, b.thread[KS_SYSCALL] - a.thread[KS_SYSCALL],
	       b.thread[KS_EXCEPTION] - a.thread[KS_EXCEPTION],
	       b.thread[KS_INTERRUPT] - a.thread[KS_INTERRUPT]);

	/*
	 * Blocked in wait(): a send wakes it, and the handler runs on the way
	 * out. The sender (a new process) cannot know when we are in wait(),
	 * so it sends every 10 ms until killed: sends that land before the
	 * wait run the handler then, and one lands during it however slowly
	 * either of us runs. A wait() that a send does not wake fails
	 * wait-woken (after a minute: only a hang is that slow); one that
	 * returns without running the handler fails wait-delivered.
	 */
	pid = sender(fd, -1);
	struct wait_item it = {.type = WAIT_UINTR, .user_data = 5};
	struct wait_event ev = {0};
	int before = count;
	long r = wait(&it, 1, &ev, 1, 60000 * MS);
	int after = count;
	expect("wait-woken", r, 1);
	expect("wait-event", ev.user_data, 5);
	expect("wait-delivered", after > before, 1);
	kill(pid);
	expect("wait-sender-killed", waitpid(pid, &st) == pid ? st : -1, STATUS_KILLED);

	/*
	 * A blocking call (waiting for the sender to exit): the handler runs,
	 * the call goes on and returns what it would have. The sender sends
	 * once, 50 ms after it starts, so in practice while we are blocked;
	 * if it comes earlier the handler runs then, and the checks still
	 * hold. A kernel that ends the call with an error, or drops the
	 * send, fails them.
	 */
	count = 0;
	pid = sender(fd, 1);
	expect("block-through", waitpid(pid, &st), pid);
	expect("block-sender-exit", st, 0);
	expect("block-delivered", count, 1);
	close(fd);
}

/* The receiver thread ends; its sender's sends go nowhere; a new sender is refused. */
static volatile int gone_fd = -1, go;

static void short_lived(void *arg)
{
	(void)arg;
	uintr_register_handler(handler, NULL, 0);
	gone_fd = uintr_create_vector(3);
	while (!go) /* until the main thread is its sender */
		;
}

static void receiver_gone(void)
{
	int tid = thread_create(short_lived, NULL);
	while (gone_fd < 0)
		;
	int i = uintr_register_sender(gone_fd);
	expect("gone-sender", i >= 0, 1);
	go = 1;
	thread_join(tid, NULL);
	count = 0;
	uintr_send(i); /* to a receiver that has ended: goes nowhere */
	expect("gone-send-dropped", count, 0);
	expect("gone-register", uintr_register_sender(gone_fd), -ESRCH);
	uintr_unregister_sender(i);
	close(gone_fd);
}

/*
 * Delivery latency in the receiver's clock: a sender thread notes the
 * time and sends while the receiver spins; the handler notes the time.
 * With two CPUs they run side by side (the send reaches the spinning
 * receiver by IPI); with one, the receiver gets it when it runs again.
 * Measured and printed, not checked: timing is for benchmarks.
 */
#define LAT_N 21
static volatile int armed, done;
static volatile u64 sent_at;
static struct kstats lat_sa, lat_sb; /* the sender thread's, around its sends */

static void lat_sender(void *arg)
{
	int i = uintr_register_sender((int)(uptr)arg);
	kstats(&lat_sa);
	for (int k = 1; k <= LAT_N && i >= 0; k++) {
		while (armed != k)
			;
		for (volatile int d = 0; d < 20000; d++) /* let it settle into its spin */
			;
		sent_at = clock_ticks();
		uintr_send(i);
		while (done != k)
			;
	}
	kstats(&lat_sb);
}

static void latency(void)
{
	u64 ns[LAT_N];
	int fd = uintr_create_vector(13);
	int tid = thread_create(lat_sender, (void *)(uptr)fd);
	struct kstats a, s;
	uintr_enable();
	kstats(&a);
	for (int k = 1; k <= LAT_N; k++) {
		int before = count;
		armed = k;
		while (count == before)
			;
		ns[k - 1] = ticks_to_ns(got_at - sent_at);
		done = k;
	}
	kstats(&s); /* this thread's kernel entries over the sends: per delivery */
	thread_join(tid, NULL);
	close(fd);
	for (int i = 0; i < LAT_N; i++) /* sort for the median */
		for (int j = i + 1; j < LAT_N; j++)
			if (ns[j] < ns[i]) {
				u64 t = ns[i];
				ns[i] = ns[j];
				ns[j] = t;
			}
	printf("uintrtest: delivery latency on %u CPUs, receiver spinning: median %llu ns (min "
	       "%llu, max %llu) over %d sends\n",
	       s.ncpu, ns[LAT_N / 2], ns[0], ns[LAT_N - 1], LAT_N);
	/* kernel entries per delivery, each side (the second kstats counts itself) */
	printf("uintrtest: over those %d sends: receiver %llu system calls, %llu exceptions, %llu "
	       "interrupts; sender %llu, %llu, %llu\n",
	       LAT_N, s.thread[KS_SYSCALL] - a.thread[KS_SYSCALL],
	       s.thread[KS_EXCEPTION] - a.thread[KS_EXCEPTION],
	       s.thread[KS_INTERRUPT] - a.thread[KS_INTERRUPT],
	       lat_sb.thread[KS_SYSCALL] - lat_sa.thread[KS_SYSCALL],
	       lat_sb.thread[KS_EXCEPTION] - lat_sa.thread[KS_EXCEPTION],
	       lat_sb.thread[KS_INTERRUPT] - lat_sa.thread[KS_INTERRUPT]);
	ok("latency-measured");
}

/* Children that must die of a fault (139), leaving the kernel up. */
static void faults(void)
{
	static const char *const modes[] = {"badindex", "badhandler", "badstack", "uiret"};
	for (unsigned m = 0; m < ARRAY_SIZE(modes); m++) {
		char *argv[] = {"uintrtest", (char *)modes[m], NULL};
		char name[32];
		int st = -1, pid = spawn(SELF, argv, NULL, 0, -1, -1);
		waitpid(pid, &st);
		snprintf(name, sizeof(name), "fault-%s", modes[m]);
		expect(name, st, STATUS_FAULT);
	}
}

/* ---- the children ---------------------------------------------------------- */

/* n sends after 50 ms (the receiver is spinning or blocked by then, most
   likely: its checks hold either way); n < 0: one every 10 ms, forever */
static int send_mode(int n)
{
	int i = uintr_register_sender(3);
	if (i < 0)
		return 2;
	sleep_ns(50 * MS);
	for (int k = 0; k < n; k++)
		uintr_send(i);
	while (n < 0) {
		uintr_send(i);
		sleep_ns(10 * MS);
	}
	return 0;
}

static int bad_mode(const char *mode)
{
	int fd;
	if (strcmp(mode, "badindex") == 0) {
		uintr_send(UINTR_NSEND - 1); /* no sender table at all */
		return 0;
	}
	if (strcmp(mode, "uiret") == 0) {
#if defined(__x86_64__)
		asm volatile("push $0; push $0; push $0; uiret"); /* rip 0: a fault */
#else
		asm volatile(".4byte 0x00200073"); /* URET with uepc 0 */
#endif
		return 0;
	}
	int i = setup(1, &fd);
	if (i < 0)
		return 3;
	if (strcmp(mode, "badstack") == 0 &&
	    uintr_register_handler(handler, (void *)UNMAPPED, 4096) < 0)
		return 4;
	if (strcmp(mode, "badhandler") == 0) { /* the raw opcode: the wrapper passes the stub */
		struct sqe e = {.opcode = OP_UINTR_REGISTER_HANDLER, .addr = UNMAPPED};
		if (ring_call(&e, NULL) < 0)
			return 5;
	}
	uintr_enable();
	uintr_send(i); /* delivery goes wrong: the thread dies */
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "send") == 0)
		return send_mode(atoi(argv[2]));
	if (argc == 2)
		return bad_mode(argv[1]);
	self_send();
	vectors();
	registers();
	spinning();
	receiver_gone();
	latency();
	faults();
	return summary("uintrtest");
}
