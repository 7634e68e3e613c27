/*
 * trap.c - the interrupt descriptor table; trap(), where trap.S's
 * entry path for vectors ends up (system calls go to the portable
 * syscall() directly); the way back to user mode; the
 * MSRs that route the syscall instruction; new threads' registers.
 *
 * The kernel runs with interrupts off, so traps from kernel mode are
 * interrupts taken while idle, or bugs: an exception in the kernel stops
 * the machine. From user mode, syscall is a system call, an interrupt is
 * handled as in the kernel, and an exception ends the process.
 */
#include "machine.h"
#include "proc.h" /* trap_enter() */

_Static_assert(__builtin_offsetof(struct trapframe, rip) == TF_RIP, "trap.S layout");
_Static_assert(__builtin_offsetof(struct trapframe, r11) == TF_R11, "trap.S layout");
_Static_assert(__builtin_offsetof(struct trapframe, rcx) == TF_RCX, "trap.S layout");
_Static_assert(__builtin_offsetof(struct trapframe, rflags) == TF_RFLAGS, "trap.S layout");
_Static_assert(__builtin_offsetof(struct trapframe, rbp) == 32 &&
		   __builtin_offsetof(struct trapframe, rbx) == 40,
	       "trap.S layout: syscall_entry fills in r15, r14, r13, r12, rbp, rbx at 0..40");
_Static_assert(__builtin_offsetof(struct trapframe, cs) == TF_CS, "trap.S layout");
_Static_assert(__builtin_offsetof(struct trapframe, rsp) == TF_RSP, "trap.S layout");
_Static_assert(sizeof(struct trapframe) == TF_SIZE && TF_SIZE % 16 == 0, "trap.S layout");
_Static_assert(__builtin_offsetof(struct context, rbx) == CTX_RBX, "trap.S layout");
_Static_assert(__builtin_offsetof(struct context, rbp) == CTX_RBP, "trap.S layout");
_Static_assert(__builtin_offsetof(struct context, r12) == CTX_R12, "trap.S layout");
_Static_assert(__builtin_offsetof(struct context, r13) == CTX_R13, "trap.S layout");
_Static_assert(__builtin_offsetof(struct context, r14) == CTX_R14, "trap.S layout");
_Static_assert(__builtin_offsetof(struct context, r15) == CTX_R15, "trap.S layout");
_Static_assert(__builtin_offsetof(struct context, rsp) == CTX_RSP, "trap.S layout");
_Static_assert(__builtin_offsetof(struct context, rip) == CTX_RIP, "trap.S layout");

/*
 * An IDT gate (16 bytes): where vector v's handler is, and how to enter it.
 *
 *  127                            96 95                             64
 * +--------------------------------+--------------------------------+
 * |            reserved            |          offset 63:32          |
 * +--------------------------------+--------------------------------+
 *  63          48 47 46 45 44 43  40 39   35 34 32 31      16 15        0
 * +--------------+--+-----+--+------+-------+-----+----------+----------+
 * | offset 31:16 |P | DPL |0 | type |   0   | IST | selector | offset   |
 * |              |  |     |  |      |       |     |          | 15:0     |
 * +--------------+--+-----+--+------+-------+-----+----------+----------+
 *
 * type 1110: interrupt gate, which clears IF on entry (the kernel runs
 * handlers with interrupts off). DPL 0: `int n` from user mode raises
 * a general protection fault instead.
 * IST n != 0: switch to the TSS's ist[n-1] stack whatever the CPU was
 * doing - used where the current stack cannot be trusted.
 */
struct gate {
	u16 off0;
	u16 sel;
	u8 ist;
	u8 type; /* P, DPL, type */
	u16 off1;
	u32 off2;
	u32 reserved;
};

#define GATE_INTR 0x8e /* present, DPL 0, interrupt gate */

#define T_NMI	 2
#define T_DBLFLT 8
#define T_MCHK	 18

static struct gate idt[256];
extern u64 vectors[256]; /* trap.S */

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		u64 a = vectors[v];
		bool ist = v == T_NMI || v == T_DBLFLT || v == T_MCHK;
		idt[v] =
		    (struct gate){(u16)a, SEG_KCODE, ist, GATE_INTR, (u16)(a >> 16), a >> 32, 0};
	}
}

void idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) desc = {sizeof(idt) - 1, (u64)idt};
	asm volatile("lidt %0" : : "m"(desc));
}

static const char *const exceptions[32] = {
    [0] = "divide error",
    [1] = "debug",
    [2] = "NMI",
    [3] = "breakpoint",
    [4] = "overflow",
    [5] = "bound range",
    [6] = "invalid opcode",
    [7] = "device not available",
    [8] = "double fault",
    [10] = "invalid TSS",
    [11] = "segment not present",
    [12] = "stack fault",
    [13] = "general protection",
    [14] = "page fault",
    [16] = "x87 floating point",
    [17] = "alignment check",
    [18] = "machine check",
    [19] = "SIMD floating point",
    [20] = "virtualization",
    [21] = "control protection",
};

/*
 * EOI goes to the LAPIC before a handler runs because the handler may
 * switch threads (a tick from user mode ends with trap_return_user(),
 * which may preempt) and the LAPIC must not wait for us to come back;
 * the next interrupt stays pending until iretq sets IF again. Device
 * lines are the exception: their handlers never switch, and a driver's
 * level-triggered line (kernel/dev.c) must be masked at the IOAPIC
 * before the EOI, or the IOAPIC, seeing it still asserted, sends it
 * again at once.
 */
static void interrupt(u64 v)
{
	trap_enter(ENTRY_INTERRUPT);
	if (v == T_TIMER) {
		lapic_eoi();
		timer_tick();
	} else if (v == T_IPI) {
		lapic_eoi();
		ipi_handle();
	} else if (v >= T_IRQ0 && v < T_IRQ0 + 16) {
		irq_handle(v - T_IRQ0);
		lapic_eoi();
	} else if (v == T_UINTR_WAKE || v == T_UINTR) {
		/*
		 * A user-interrupt notification the CPU did not take itself
		 * (uintr.c): for a receiver that sleeps (T_UINTR_WAKE), or a
		 * late one for a receiver that has left this CPU (T_UINTR, now
		 * that UINV is 0 here). Either way: wake whoever sleeps with
		 * something pending.
		 */
		lapic_eoi();
		uintr_notified();
	} else {
		/* The LAPIC sets no in-service bit for its spurious vector: no EOI. */
		if (v != T_SPURIOUS)
			lapic_eoi();
		trap_spurious(v);
	}
}

/*
 * The last C code on every way back to user mode, after
 * trap_return_user() (which may have switched threads and CPUs): tf is
 * at the top of this thread's kernel stack, and the next trap from user
 * mode on this CPU must put its frame exactly there: TSS.RSP0, where
 * the CPU switches for interrupts and exceptions and syscall_entry
 * switches itself. (syscall_entry does the same in place, trap.S.)
 *
 * iretq and sysretq both fault in ring 0 on a non-canonical rip (see
 * trap.S). The kernel's own rips are fine (ELF entry points are checked),
 * but a user can get one by running a syscall instruction that ends at
 * USER_TOP: the fetch of the next instruction would fault in user mode,
 * so call it that program's general protection fault.
 *
 * Inline, and this_cpu() with it (machine.h): as calls they cost every
 * system call 6 more instructions. Safe: the same code, in place.
 */
static inline __attribute__((always_inline)) void user_leave(struct trapframe *tf)
{
	if (tf->rip >= USER_TOP) {
		trap_user_fault(exceptions[T_GPFLT], T_GPFLT, tf->rip, 0, tf);
		trap_return_user(tf); /* the process was killed: this ends it */
	}
	this_cpu()->tss.rsp[0] = (u64)(tf + 1);
}

/*
 * Called by alltraps with interrupts off, for every vector. NMIs, double
 * faults and machine checks stop the machine whatever mode they came
 * from: they are the hardware's trouble or the kernel's, never the
 * program's.
 */
void trap(struct trapframe *tf)
{
	u64 v = tf->vector;
	bool user = (tf->cs & 3) == 3;

	if (v < 32) {
		const char *name = exceptions[v] ? exceptions[v] : "reserved exception";
		u64 addr = v == T_PGFLT ? rcr2() : 0;
		trap_enter(ENTRY_EXCEPTION);
		if (!user || v == T_NMI || v == T_DBLFLT || v == T_MCHK)
			trap_fatal(name, v, tf->rip, addr, tf);
		if (v != T_ILLOP || !uintr_emulated(tf))
			trap_user_fault(name, v, tf->rip, addr, tf);
	} else {
		interrupt(v);
	}
	if (user) {
		trap_return_user(tf);
		user_leave(tf);
	}
}

/*
 * syscall_entry's way out (trap.S) found a saved rip that is not a user
 * address: user_leave() makes it the program's general protection
 * fault, which ends the thread.
 */
void syscall_bad_rip(struct trapframe *tf)
{
	user_leave(tf);
	panic("syscall_bad_rip: rip %llx: the thread did not end", tf->rip);
}

/* A new thread's way into user mode (kernel/proc.c), interrupts off. */
void arch_return_to_user(struct trapframe *tf)
{
	user_leave(tf);
	trapret_user(tf);
}

/*
 * A thread's first trip to user mode: at pc, on stack sp, with the
 * arguments of _start (user/lib/x86_64/user.S) in rdi, rsi, rdx, every other register 0,
 * the user's code and stack segments, and interrupts on.
 */
void arch_tf_init_user(struct trapframe *tf, u64 pc, u64 sp, u64 a0, u64 a1, u64 a2)
{
	memset(tf, 0, sizeof(*tf));
	tf->rip = pc;
	tf->rsp = sp;
	tf->rdi = a0;
	tf->rsi = a1;
	tf->rdx = a2;
	tf->cs = USER_CS;
	tf->ss = USER_SS;
	tf->rflags = RFLAGS_IF | RFLAGS_FIXED;
}

/*
 * A new context "returns" from arch_switch() into context_start
 * (trap.S), which calls entry on the given stack.
 */
void arch_context_init(struct context *c, u64 sp, void (*entry)(void))
{
	extern char context_start[];

	memset(c, 0, sizeof(*c));
	c->rip = (u64)context_start;
	c->rsp = sp;
	c->r12 = (u64)entry;
}

u64 arch_tf_pc(struct trapframe *tf)
{
	return tf->rip;
}

void arch_dump_trapframe(struct trapframe *tf)
{
	u64 cr3;
	asm volatile("movq %%cr3, %0" : "=r"(cr3));
	printf("  rip %016llx  cs %04llx  rflags %08llx  err %llx\n", tf->rip, tf->cs, tf->rflags,
	       tf->err);
	printf("  rsp %016llx  ss %04llx  cr2 %016llx  cr3 %llx\n", tf->rsp, tf->ss, rcr2(), cr3);
	printf("  rax %016llx  rbx %016llx  rcx %016llx\n", tf->rax, tf->rbx, tf->rcx);
	printf("  rdx %016llx  rsi %016llx  rdi %016llx\n", tf->rdx, tf->rsi, tf->rdi);
	printf("  rbp %016llx  r8  %016llx  r9  %016llx\n", tf->rbp, tf->r8, tf->r9);
	printf("  r10 %016llx  r11 %016llx  r12 %016llx\n", tf->r10, tf->r11, tf->r12);
	printf("  r13 %016llx  r14 %016llx  r15 %016llx\n", tf->r13, tf->r14, tf->r15);
}

/*
 * The syscall instruction takes its targets from MSRs (per CPU):
 *
 * MSR_STAR
 *  63             48 47             32 31                            0
 * +-----------------+-----------------+-------------------------------+
 * | sysret selector | syscall selector|   (32-bit target: unused)     |
 * | base            | base            |                               |
 * +-----------------+-----------------+-------------------------------+
 *
 * syscall:  CS = STAR[47:32],      SS = STAR[47:32] + 8
 * sysretq:  CS = STAR[63:48] + 16, SS = STAR[63:48] + 8, both with RPL 3
 *
 * So the GDT (start.c) is ordered kernel code, kernel data, user data,
 * user code: syscall base SEG_KCODE gives SS = SEG_KDATA, and sysret
 * base SEG_KDATA gives SS = SEG_UDATA and CS = SEG_UCODE. (sysretl to
 * 32-bit code would use the base itself as CS; we have no 32-bit users.)
 *
 * MSR_LSTAR is the 64-bit entry point. MSR_FMASK lists RFLAGS bits that
 * syscall clears; a user can set all but IF with popfq. IF: enter with
 * interrupts off, like an interrupt gate. DF: the C ABI. TF: no
 * single-stepping into the kernel. AC: it would switch SMAP off. NT:
 * iretq faults while it is set - a kernel fault, at the next iretq on
 * this CPU, whoever it returns to. (Interrupt gates clear TF and NT
 * themselves; trap.S clears the rest.)
 */
void syscall_setup(void)
{
	extern char syscall_entry[];

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (u64)SEG_KDATA << 48 | (u64)SEG_KCODE << 32);
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT);
}
