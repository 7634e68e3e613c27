/*
 * intc.c - the interrupt controllers: each CPU's local APIC (LAPIC:
 * enable, end of interrupt, inter-processor interrupts) and the IOAPIC,
 * which turns device interrupt lines into messages to a LAPIC. The old
 * 8259 PICs are masked and stay so.
 */
#include "machine.h"

/* LAPIC registers: 32-bit, 16-byte aligned, in a 4 KiB MMIO page. */
#define LAPIC_TPR      0x080 /* task priority: 0 accepts every vector */
#define LAPIC_EOI      0x0b0
#define LAPIC_SVR      0x0f0 /* spurious vector; bit 8 enables the LAPIC */
#define LAPIC_ESR      0x280 /* error status */
#define LAPIC_ICR_LOW  0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LINT0    0x350
#define LAPIC_LINT1    0x360
#define LAPIC_ERROR    0x370
#define SVR_ENABLE     (1 << 8)
#define ICR_PENDING    (1 << 12)

static volatile u32 *lapic_reg(u32 reg)
{
	return P2V(lapic_pa + reg);
}

u32 lapic_read(u32 reg)
{
	return *lapic_reg(reg);
}

void lapic_write(u32 reg, u32 v)
{
	*lapic_reg(reg) = v;
}

/*
 * Called on each CPU. LINT0 and LINT1 are the pins the PIC and NMI
 * sources drive in the old "virtual wire" mode; with the IOAPIC we need
 * neither. Errors are not interrupts either (we have nothing to do).
 */
void lapic_init(void)
{
	lapic_write(LAPIC_SVR, SVR_ENABLE | T_SPURIOUS);
	lapic_write(LAPIC_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LINT1, LVT_MASKED);
	lapic_write(LAPIC_ERROR, LVT_MASKED);
	lapic_write(LAPIC_ESR, 0); /* writes latch and clear the error bits */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_TPR, 0);
	lapic_eoi(); /* in case the firmware left one in service */
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/*
 * Send an IPI: destination first (ICR high, APIC id in bits 31:24), then
 * the low half, whose write sends it. Layout in smp.c.
 */
void lapic_ipi(u32 apic_id, u32 icr_low)
{
	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, icr_low);
	while (lapic_read(LAPIC_ICR_LOW) & ICR_PENDING)
		arch_relax();
}

/* A fixed-delivery IPI (mode 000 in the ICR) with the kernel's vector. */
void arch_ipi_send(int cpu)
{
	lapic_ipi(arch_cpu_hwid(cpu), T_IPI);
}

/*
 * The IOAPIC has two registers: IOREGSEL (offset 0x00) selects an
 * internal register, IOWIN (0x10) reads or writes it. Register 0x01
 * holds the number of pins - 1 in bits 23:16; pin n's redirection entry
 * is registers 0x10 + 2n (low half) and 0x11 + 2n (high half):
 *
 *  63      56 55         17 16 15 14 13 12 11 10   8 7          0
 * +----------+-------------+--+--+--+--+--+--+------+------------+
 * | dest     |  reserved   |M |TM|RI|PO|DS|DM| mode |   vector   |
 * | APIC id  |             |  |  |  |  |  |  |      |            |
 * +----------+-------------+--+--+--+--+--+--+------+------------+
 *
 * M: masked. TM: trigger, 1 = level. RI: remote IRR (level: delivered,
 * awaiting EOI). PO: polarity, 1 = active low. DS: delivery status.
 * DM: destination mode, 0 = physical (an APIC id). mode: 000 = fixed.
 */
#define IOAPIC_VER	 0x01
#define IOAPIC_REDIR	 0x10
#define REDIR_MASKED	 (1 << 16)
#define REDIR_LEVEL	 (1 << 15)
#define REDIR_ACTIVE_LOW (1 << 13)

static u32 ioapic_read(u32 reg)
{
	volatile u32 *io = P2V(ioapic_pa);
	io[0] = reg;
	return io[4];
}

static void ioapic_write(u32 reg, u32 v)
{
	volatile u32 *io = P2V(ioapic_pa);
	io[0] = reg;
	io[4] = v;
}

/* Boot CPU: mask both PICs and every IOAPIC pin; arch_irq_unmask() opens them. */
void ioapic_init(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	int pins = (ioapic_read(IOAPIC_VER) >> 16 & 0xff) + 1;
	for (int pin = 0; pin < pins; pin++) {
		ioapic_write(IOAPIC_REDIR + 2 * pin, REDIR_MASKED);
		ioapic_write(IOAPIC_REDIR + 2 * pin + 1, 0);
	}
}

/* Set the mask bit of irq's pin, leaving the rest of its entry as it is. */
void arch_irq_mask(int irq)
{
	u32 pin = isa_irq_route(irq).gsi - ioapic_gsi_base;
	ioapic_write(IOAPIC_REDIR + 2 * pin, ioapic_read(IOAPIC_REDIR + 2 * pin) | REDIR_MASKED);
}

/*
 * Send ISA IRQ `irq` to this CPU as vector T_IRQ0 + irq. The firmware's
 * interrupt source overrides (firmware.c) say which IOAPIC input the line
 * is wired to and its trigger and polarity (ISA default: edge, high).
 */
void arch_irq_unmask(int irq)
{
	struct irq_route r = isa_irq_route(irq);
	u32 pin = r.gsi - ioapic_gsi_base;
	u32 lo =
	    (T_IRQ0 + irq) | (r.level ? REDIR_LEVEL : 0) | (r.active_low ? REDIR_ACTIVE_LOW : 0);

	ioapic_write(IOAPIC_REDIR + 2 * pin + 1, cpu_apic_id[arch_cpu_id()] << 24);
	ioapic_write(IOAPIC_REDIR + 2 * pin, lo);
}
