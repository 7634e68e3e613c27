/*
 * firmware.c - what the firmware tells us, read once at boot: RAM (the
 * Multiboot memory map, or QEMU's CMOS when U-Boot started us), the
 * command line (Multiboot), CPUs and interrupt controllers (ACPI MADT, or
 * the older MP tables), and how to power off (ACPI FADT and the \_S5
 * object in the DSDT).
 *
 * Runs on the boot page tables, which map physical 0-4 GiB at
 * DIRECT_MAP_BASE, so P2V() reaches every table. Nothing here is needed
 * after boot: what matters is copied into variables.
 */
#include "machine.h"

u32 mb_magic, mb_info;

int ncpu;
u32 cpu_apic_id[NCPU];
u64 lapic_pa = 0xfee00000, ioapic_pa = 0xfec00000; /* the usual places */
u32 ioapic_gsi_base;
u64 ram_end_low, ram_end_high;

static struct mem_range ram[16];
static int nram;
static struct irq_route isa_route[16];
static u16 pm1a_cnt; /* ACPI PM1a control port, 0 if unknown */
static u8 slp_typ_s5;
static char cmdline[256]; /* its last byte stays 0 */

/* ---- RAM ------------------------------------------------------------ */

static void add_ram(u64 base, u64 size)
{
	u64 end = base + size;

	if (nram < (int)ARRAY_SIZE(ram))
		ram[nram++] = (struct mem_range){base, size};
	if (end <= (4ull << 30))
		ram_end_low = MAX(ram_end_low, end);
	else
		ram_end_high = MAX(ram_end_high, end);
}

/* Multiboot information (only the fields we read) and memory map entries. */
struct mb_info {
	u32 flags; /* bit 2: cmdline valid; bit 6: mmap_* valid */
	u32 unused0[3];
	u32 cmdline; /* physical address of a C string */
	u32 unused1[6];
	u32 mmap_length;
	u32 mmap_addr;
} __attribute__((packed));

struct mb_mmap {
	u32 size; /* of the rest of this entry */
	u64 base;
	u64 len;
	u32 type; /* 1: available RAM */
} __attribute__((packed));

#define MB_BOOT_MAGIC 0x2badb002

/*
 * The loader's command line starts with the kernel's own file name, as
 * a boot loader's configuration names it (QEMU: "-kernel" and "-append"
 * joined by a space). The kernel's command line is what follows.
 */
static void multiboot_cmdline(void)
{
	struct mb_info *mi = P2V(mb_info);

	if (mb_magic != MB_BOOT_MAGIC || !(mi->flags & (1 << 2)))
		return;
	const char *s = P2V(mi->cmdline);
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	memcpy(cmdline, s, MIN(strlen(s), sizeof(cmdline) - 1));
}

/* U-Boot's bootelf passes nothing: then the command line is empty. */
const char *arch_cmdline(void)
{
	return cmdline;
}

static bool multiboot_memory(void)
{
	struct mb_info *mi = P2V(mb_info);

	if (mb_magic != MB_BOOT_MAGIC || !(mi->flags & (1 << 6)))
		return false;
	for (u64 a = mi->mmap_addr; a < (u64)mi->mmap_addr + mi->mmap_length;) {
		struct mb_mmap *e = P2V(a);
		if (e->type == 1)
			add_ram(e->base, e->len);
		a += e->size + 4;
	}
	return true;
}

/*
 * QEMU's CMOS keeps the RAM size the way old BIOSes did: registers
 * 0x34/0x35 count 64 KiB above 16 MiB (RAM below the 4 GiB hole; 0 if
 * there is no more than 16 MiB, then 0x30/0x31 count KiB above 1 MiB),
 * 0x5b-0x5d count 64 KiB above 4 GiB.
 */
static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_memory(void)
{
	u64 low = (cmos(0x34) | cmos(0x35) << 8) * 0x10000ull + (15 << 20); /* from 1 MiB */
	u64 high = (cmos(0x5b) | cmos(0x5c) << 8 | (u64)cmos(0x5d) << 16) * 0x10000ull;

	if (low == 15 << 20)
		low = (cmos(0x30) | cmos(0x31) << 8) * 1024ull;
	add_ram(1 << 20, low);
	if (high)
		add_ram(4ull << 30, high);
}

/*
 * Free RAM: everything below the end of the kernel image is taken (BIOS
 * data, the AP trampoline, the image itself, which starts at 2 MiB).
 */
int arch_memory(struct mem_range *r, int max)
{
	u64 used = IMAGE_PA(kernel_end);
	int n = 0;

	for (int i = 0; i < nram && n < max; i++) {
		u64 base = ROUND_UP(MAX(ram[i].base, used), PAGE_SIZE);
		u64 end = ROUND_DOWN(ram[i].base + ram[i].size, PAGE_SIZE);
		if (base < end)
			r[n++] = (struct mem_range){base, end - base};
	}
	return n;
}

/* ---- ACPI ----------------------------------------------------------- */

/* Every ACPI table but the RSDP starts with this header. */
struct sdt {
	char sig[4];
	u32 len;
	u8 rev, sum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __attribute__((packed));

struct rsdp {
	char sig[8]; /* "RSD PTR " */
	u8 sum;
	char oem[6];
	u8 rev;	  /* 0: ACPI 1.0 (RSDT only), 2: also XSDT */
	u32 rsdt; /* table of 32-bit table addresses */
	u32 len;
	u64 xsdt; /* table of 64-bit table addresses */
	u8 xsum;
} __attribute__((packed));

static bool sum_ok(const void *p, u32 n)
{
	u8 s = 0;
	for (u32 i = 0; i < n; i++)
		s += ((const u8 *)p)[i];
	return s == 0;
}

/*
 * Find a signature on 16-byte boundaries: in the first KiB of the EBDA
 * (its segment is at 0x40e), then in the BIOS area 0xe0000-0xfffff.
 */
static void *scan(const char *sig, int n, u32 len)
{
	u64 ebda = (u64) * (u16 *)P2V(0x40e) << 4;
	u64 areas[2][2] = {{ebda, ebda + 1024}, {0xe0000, 0x100000}};

	for (int i = 0; i < 2; i++)
		for (u64 a = areas[i][0]; a && a < areas[i][1]; a += 16)
			if (memcmp(P2V(a), sig, n) == 0 && sum_ok(P2V(a), len))
				return P2V(a);
	return NULL;
}

/* The first table with signature `sig` listed in the RSDT or XSDT. */
static struct sdt *acpi_find(struct rsdp *rsdp, const char *sig)
{
	bool x = rsdp->rev >= 2 && rsdp->xsdt;
	struct sdt *root = P2V(x ? rsdp->xsdt : rsdp->rsdt);
	int size = x ? 8 : 4;
	int n = (root->len - sizeof(*root)) / size;

	for (int i = 0; i < n; i++) {
		u64 pa = 0;
		memcpy(&pa, (u8 *)(root + 1) + i * size, size);
		struct sdt *t = P2V(pa);
		if (pa < (4ull << 30) && memcmp(t->sig, sig, 4) == 0 && sum_ok(t, t->len))
			return t;
	}
	return NULL;
}

static void add_cpu(u32 apic_id)
{
	if (apic_id != cpu_apic_id[0] && ncpu < NCPU)
		cpu_apic_id[ncpu++] = apic_id;
}

/* An ISA interrupt's polarity/trigger flags (MADT and MP tables): 11 = active low / level. */
static void set_route(int irq, u32 gsi, u16 flags)
{
	if (irq < 16)
		isa_route[irq] = (struct irq_route){gsi, (flags >> 2 & 3) == 3, (flags & 3) == 3};
}

/*
 * MADT: a header (LAPIC address, flags) and variable-length entries,
 * each starting with type and length bytes.
 */
static void madt(struct sdt *t)
{
	u8 *p = (u8 *)t + 44, *end = (u8 *)t + t->len;
	u32 v32;

	lapic_pa = *(u32 *)((u8 *)t + 36);
	for (; p < end && p[1]; p += p[1]) {
		switch (p[0]) {
		case 0: /* processor LAPIC: uid, APIC id, flags (bit 0: enabled) */
			if (p[4] & 1)
				add_cpu(p[3]);
			break;
		case 1: /* IOAPIC: id, 0, address, first GSI */
			memcpy(&v32, p + 4, 4);
			ioapic_pa = v32;
			memcpy(&ioapic_gsi_base, p + 8, 4);
			break;
		case 2: /* interrupt source override: bus, source, GSI, flags */
			memcpy(&v32, p + 4, 4);
			set_route(p[3], v32, p[8] | p[9] << 8);
			break;
		case 5: /* LAPIC address override */
			memcpy(&lapic_pa, p + 4, 8);
			break;
		}
	}
}

/*
 * Sleep type for S5 (soft off): the first element of the DSDT's \_S5
 * package. In AML that is NameOp (0x08) "_S5_", PackageOp (0x12), a
 * PkgLength (its top two bits: how many more length bytes follow), the
 * element count, then the value: BytePrefix (0x0a) n, or Zero/One.
 */
static void dsdt_s5(struct sdt *dsdt)
{
	u8 *p = (u8 *)(dsdt + 1), *end = (u8 *)dsdt + dsdt->len;

	for (; p + 8 < end; p++) {
		if (memcmp(p, "_S5_", 4) != 0 || (p[-1] != 0x08 && p[-1] != '\\') || p[4] != 0x12)
			continue;
		p += 5;
		p += (*p >> 6) + 2; /* PkgLength, NumElements */
		slp_typ_s5 = (*p == 0x0a ? p[1] : *p) & 7;
		return;
	}
}

/* FADT: the PM1a control port at offset 64, the DSDT at 40 (or 140, 64-bit). */
static void fadt(struct sdt *t)
{
	u8 *f = (u8 *)t;
	u64 dsdt = *(u32 *)(f + 40);

	if (t->len >= 148 && *(u64 *)(f + 140))
		dsdt = *(u64 *)(f + 140);
	pm1a_cnt = *(u32 *)(f + 64);
	if (dsdt && dsdt < (4ull << 30))
		dsdt_s5(P2V(dsdt));
}

static bool acpi(void)
{
	struct rsdp *rsdp = scan("RSD PTR ", 8, 20);
	struct sdt *t;

	if (!rsdp)
		return false;
	if (!(t = acpi_find(rsdp, "APIC")))
		return false;
	madt(t);
	if ((t = acpi_find(rsdp, "FACP")))
		fadt(t);
	return true;
}

/* ---- MP tables (before ACPI) ---------------------------------------- */

/*
 * The floating pointer "_MP_" gives the configuration table "PCMP": a
 * 44-byte header (LAPIC address at 36, entry count at 34), then entries:
 * processor (type 0, 20 bytes), bus (1), IOAPIC (2), I/O interrupt (3),
 * local interrupt (4), 8 bytes each.
 */
static bool mptables(void)
{
	u8 *mp = scan("_MP_", 4, 16), *p, isa_bus = 0xff;
	u32 v32;

	if (!mp)
		return false;
	memcpy(&v32, mp + 4, 4);
	if (!v32)
		return false; /* a "default configuration": not in QEMU */
	p = P2V(v32);
	if (memcmp(p, "PCMP", 4) != 0)
		return false;
	memcpy(&v32, p + 36, 4);
	lapic_pa = v32;
	int n = p[34] | p[35] << 8;
	for (p += 44; n-- > 0; p += p[0] == 0 ? 20 : 8) {
		switch (p[0]) {
		case 0: /* APIC id, version, flags (bit 0: enabled) */
			if (p[3] & 1)
				add_cpu(p[1]);
			break;
		case 1: /* bus id, type name */
			if (memcmp(p + 2, "ISA", 3) == 0)
				isa_bus = p[1];
			break;
		case 2: /* id, version, flags, address */
			memcpy(&v32, p + 4, 4);
			ioapic_pa = v32;
			break;
		case 3: /* kind, flags, source bus and IRQ, IOAPIC id and pin */
			if (p[1] == 0 && p[4] == isa_bus)
				set_route(p[5], p[7], p[2] | p[3] << 8);
			break;
		}
	}
	return true;
}

/* ---- the lot -------------------------------------------------------- */

void firmware_init(void)
{
	u32 a, b, c, d;

	multiboot_cmdline();
	if (!multiboot_memory())
		cmos_memory();
	ram_end_low = ROUND_UP(ram_end_low, 2 << 20);

	/* We run on the boot CPU: CPUID gives its APIC id, which is CPU 0's. */
	cpuid(1, &a, &b, &c, &d);
	cpu_apic_id[0] = b >> 24;
	ncpu = 1;
	for (int i = 0; i < 16; i++)
		isa_route[i] = (struct irq_route){i, false, false}; /* ISA: edge, active high */
	if (!acpi() && !mptables())
		panic("no ACPI MADT or MP tables");
}

int arch_cpu_count(void)
{
	return ncpu;
}

struct irq_route isa_irq_route(int irq)
{
	return isa_route[irq];
}

/*
 * A clean power-off is ACPI's S5: write SLP_TYP (bits 12:10) with SLP_EN
 * (bit 13) to PM1a_CNT; QEMU then exits with status 0, though not at
 * once (its main loop acts on the request), so give it time. QEMU's
 * isa-debug-exit device (port 0xf4) makes it exit with (v << 1) | 1,
 * never 0: our failure exit, and the fallback if S5 did not work.
 *
 * Bochs (tests/bochs) stops when the string "Shutdown" is written to
 * port 0x8900, byte by byte - with exit status 1 whatever happened, so
 * its runs are judged by the serial log. Nothing listens at that port
 * on QEMU's PC: the bytes go nowhere.
 */
void arch_poweroff(int failed)
{
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, *s);
	if (!failed) {
		if (pm1a_cnt)
			outw(pm1a_cnt, slp_typ_s5 << 10 | 1 << 13);
		delay_us(1000000);
		printf("poweroff: ACPI S5 did not work\n");
	}
	outb(0xf4, 1);
	for (;;)
		asm volatile("cli; hlt");
}
