/*
 * trap.c - the interrupt descriptor table, trap() (where every stub in
 * trap.S ends up: exceptions, device and timer interrupts, syscall), the
 * trap frame dump, and the MSRs that route the syscall instruction.
 */
#include "machine.h"

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
 * handlers with interrupts off). DPL 0: `int n` from user mode faults.
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

static struct gate idt[256];
extern u64 vectors[256]; /* trap.S */

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		u64 a = vectors[v];
		bool ist = v == 2 || v == 8 || v == 18; /* NMI, double fault, machine check */
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

static u64 rcr2(void)
{
	u64 v;
	asm volatile("movq %%cr2, %0" : "=r"(v));
	return v;
}

/*
 * Called by alltraps with interrupts off. EOI goes to the LAPIC before a
 * handler runs because the handler may switch threads (timer_tick will
 * preempt) and the LAPIC must not wait for us to come back; the next
 * interrupt stays pending until iretq sets IF again.
 */
void trap(struct trapframe *tf)
{
	u64 v = tf->vector;

	if (v == T_SYSCALL) {
		trap_enter(ENTRY_SYSCALL);
		trap_fatal("unexpected syscall", tf->rax, tf->rip, 0, tf);
	}
	if (v < 32) {
		const char *name = exceptions[v] ? exceptions[v] : "reserved exception";
		trap_enter(ENTRY_EXCEPTION);
		trap_fatal(name, v, tf->rip, v == 14 ? rcr2() : 0, tf);
	}
	trap_enter(ENTRY_INTERRUPT);
	if (v == T_TIMER) {
		lapic_eoi();
		timer_tick();
	} else if (v >= T_IRQ0 && v < T_IRQ0 + 16) {
		lapic_eoi();
		irq_handle(v - T_IRQ0);
	} else {
		/* The LAPIC sets no in-service bit for its spurious vector: no EOI. */
		if (v != T_SPURIOUS)
			lapic_eoi();
		trap_spurious(v);
	}
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
 * syscall clears: IF (enter with interrupts off, like an interrupt gate),
 * DF (the C ABI) and TF (no single-stepping into the kernel).
 */
void syscall_setup(void)
{
	extern char syscall_entry[];

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (u64)SEG_KDATA << 48 | (u64)SEG_KCODE << 32);
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF);
}
