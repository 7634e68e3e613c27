/*
 * start.c - x86_64 CPU set-up: the two boot stages kmain() calls, each
 * CPU's GDT, TSS and per-CPU GS base, and the small CPU-level calls of
 * arch.h (CPU id, interrupt flag, idling).
 */
#include "machine.h"

struct percpu percpu[NCPU];

_Static_assert(__builtin_offsetof(struct percpu, id) == 0, "arch_cpu_id (archdef.h) reads %gs:0");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "trap.S layout");
_Static_assert(__builtin_offsetof(struct percpu, cpu) == PERCPU_CPU, "arch_mycpu (archdef.h)");
_Static_assert(__builtin_offsetof(struct percpu, self) == PERCPU_SELF, "this_cpu (machine.h)");
_Static_assert(__builtin_offsetof(struct percpu, tss.rsp[0]) == PERCPU_RSP0, "trap.S layout");

/*
 * A code or data segment descriptor. In long mode the CPU ignores base
 * and limit (except for FS/GS, whose bases come from MSRs); what counts
 * is the type, the privilege level (DPL) and the L bit of code segments.
 *
 *  63    56 55 54 53 52 51   48 47 46 45 44 43  40 39     16 15      0
 * +--------+--+--+--+--+-------+--+-----+--+------+---------+---------+
 * |base    |G |DB|L |  |limit  |P | DPL |S | type |base     |limit    |
 * |31:24   |  |  |  |  |19:16  |  |     |  |      |23:0     |15:0     |
 * +--------+--+--+--+--+-------+--+-----+--+------+---------+---------+
 *
 * G: limit counts 4 KiB units. DB: 32-bit default size (data: must be
 * set for sysret's SS). L: 64-bit code. P: present. S: code/data, not a
 * system segment. type: 1011 code, execute/read, accessed; 0011 data,
 * read/write, accessed (preset, so the CPU never writes the table).
 */
#define SEG_TYPE_CODE 0xb
#define SEG_TYPE_DATA 0x3

static u64 seg(unsigned type, unsigned dpl)
{
	bool code = type == SEG_TYPE_CODE;
	u64 flags = code ? 0xa : 0xc; /* G + L for code, G + DB for data */
	return 0xffff | (u64)type << 40 | 1ull << 44 | (u64)dpl << 45 | 1ull << 47 | 0xfull << 48 |
	       flags << 52;
}

/*
 * A TSS descriptor is a system descriptor twice as wide (16 bytes):
 *
 *  63    56 55 52 51   48 47 46 45 44 43  40 39     16 15      0
 * +--------+-----+-------+--+-----+--+------+---------+---------+
 * |base    |flags|limit  |P | DPL |0 | 1001 |base     |limit    |
 * |31:24   |     |19:16  |  |     |  |      |23:0     |15:0     |
 * +--------+-----+-------+--+-----+--+------+---------+---------+
 * |           reserved (0)          |       base 63:32          |
 * +---------------------------------+---------------------------+
 *
 * type 1001: available 64-bit TSS (ltr makes it 1011, busy).
 */
static void tss_desc(u64 *d, struct tss *tss)
{
	u64 base = (u64)tss;
	d[0] = (sizeof(*tss) - 1) | (base & 0xffffff) << 16 | 0x89ull << 40 |
	       (base >> 24 & 0xff) << 56;
	d[1] = base >> 32;
}

/*
 * The protections a CPU has, turned on: SMEP (the kernel never runs
 * user code) and SMAP (it never touches user memory but through the
 * direct map, kernel/uvm.c), so that a kernel bug that follows a user
 * pointer faults at once, as it does on RISC-V. CR0.EM makes x87
 * instructions fault, and SSE ones fault because CR4.OSFXSR stays
 * clear: the kernel does not save those registers on a context switch
 * (user programs are built without them, arch.mk), so a program that
 * uses them anyway is stopped instead of sharing them with others.
 */
static void protect(void)
{
	u32 a, b, c, d;
	u64 cr0, cr4;

	asm volatile("movq %%cr0, %0" : "=r"(cr0));
	asm volatile("movq %0, %%cr0" : : "r"(cr0 | CR0_EM));
	cpuid(0, &a, &b, &c, &d);
	if (a < 7)
		return;
	cpuid(7, &a, &b, &c, &d);
	asm volatile("movq %%cr4, %0" : "=r"(cr4));
	if (b & CPUID_7_SMEP)
		cr4 |= CR4_SMEP;
	if (b & CPUID_7_SMAP)
		cr4 |= CR4_SMAP;
	asm volatile("movq %0, %%cr4" : : "r"(cr4));
}

/*
 * Give CPU `id` its GDT, TSS and GS base, and load the shared IDT and
 * the syscall MSRs. `stack_top` is the CPU's boot stack: the TSS's RSP0
 * (the stack a trap from user mode switches to) points there until the
 * first return to user mode points it at the thread's kernel stack
 * (trap.c). Double faults and NMIs always switch to the CPU's IST stack,
 * so that a kernel stack overflow is still reported.
 */
void cpu_setup(int id, void *stack_top)
{
	struct percpu *c = &percpu[id];
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) desc = {sizeof(c->gdt) - 1, (u64)c->gdt};

	c->id = id;
	c->cpu = &cpus[id];
	c->self = c;
	c->gdt[SEG_KCODE >> 3] = seg(SEG_TYPE_CODE, 0);
	c->gdt[SEG_KDATA >> 3] = seg(SEG_TYPE_DATA, 0);
	c->gdt[SEG_UDATA >> 3] = seg(SEG_TYPE_DATA, 3);
	c->gdt[SEG_UCODE >> 3] = seg(SEG_TYPE_CODE, 3);
	c->tss.rsp[0] = (u64)stack_top;
	c->tss.ist[0] = (u64)(c->ist_stack + sizeof(c->ist_stack));
	c->tss.iomap = sizeof(c->tss);
	tss_desc(&c->gdt[SEG_TSS >> 3], &c->tss);

	/* Load the GDT, then reload CS with a far return and the data segments. */
	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\tmovw %w2, %%ds\n\t"
		     "movw %w2, %%es\n\t"
		     "movw %w2, %%ss\n\t"
		     "movw %w3, %%fs\n\t"
		     "movw %w3, %%gs"
		     :
		     : "m"(desc), "i"(SEG_KCODE), "r"(SEG_KDATA), "r"(0)
		     : "rax", "memory");
	asm volatile("ltr %w0" : : "r"(SEG_TSS));

	/* Loading %gs zeroed its base: now point it at this CPU's block. User mode's is 0. */
	wrmsr(MSR_GS_BASE, (u64)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);

	idt_load();
	syscall_setup();
	protect();
}

void arch_early_init(void)
{
	idt_init();
	cpu_setup(0, boot_stack_top);
	firmware_init();
	mmu_init();
}

void arch_init(void)
{
	lapic_init();
	ioapic_init();
	timer_calibrate();
	arch_timer_init();
	uintr_cpu_init();
}

u32 arch_cpu_hwid(int cpu)
{
	return cpu_apic_id[cpu];
}

/*
 * sti takes effect only after the next instruction (the "interrupt
 * shadow"), so no interrupt can be taken between sti and hlt: one that
 * is already pending, or arrives later, wakes hlt. Its handler runs
 * before cli, and we return with interrupts off.
 */
void arch_idle(void)
{
	asm volatile("sti; hlt; cli" : : : "memory");
}
