/*
 * firmware.c - what the firmware tells us and does for us.
 *
 * The device tree (from QEMU, through OpenSBI and maybe U-Boot) says how
 * much RAM there is, which parts of it are taken, which harts exist and
 * how fast the time counter runs. We read it once, early, into the
 * tables below. The SBI (OpenSBI, running in machine mode) sets timers,
 * starts harts and turns the machine off.
 */

#include "machine.h"

/* ---------------------------------------------------------------------
 * Device tree.
 *
 * The flattened device tree is one blob of big-endian words:
 *
 *   +-----------------+  header: magic 0xd00dfeed, total size, offsets
 *   | header          |  of the three blocks below, version, ...
 *   | memory reserve  |  (address, size) pairs of u64, ending in 0, 0
 *   | structure       |  a stream of 4-byte-aligned tokens:
 *   |                 |    BEGIN_NODE "name@unit\0"  - a child opens
 *   |                 |    PROP len nameoff value    - a property of it
 *   |                 |    END_NODE                  - it closes
 *   |                 |    NOP, END
 *   | strings         |  property names, found by nameoff
 *   +-----------------+
 *
 * A node's "reg" is (address, size) pairs whose widths, in 32-bit cells,
 * are the parent's #address-cells and #size-cells properties. We want:
 *   /memory@...                  reg: RAM
 *   /reserved-memory/<any>       reg: RAM the firmware keeps (OpenSBI)
 *   /cpus/cpu@...                reg: a hart id (status absent or "okay")
 *   /cpus timebase-frequency     ticks per second of the time CSR
 *   /chosen bootargs             the kernel command line (QEMU -append)
 *   /soc/virtio_mmio@...         reg, interrupts: a virtio-mmio transport
 *                                (a device may sit in it: dev.c looks)
 * ------------------------------------------------------------------- */

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP	       4
#define FDT_END	       9

struct fdt_header {
	u32 magic, totalsize, off_dt_struct, off_dt_strings, off_mem_rsvmap;
	u32 version, last_comp_version, boot_cpuid_phys, size_dt_strings, size_dt_struct;
};

#define MAXDEPTH    8
#define MAXRANGES   16
#define CMDLINE_MAX 256

struct mem_range ram[MAXRANGES];
int nram;
static struct mem_range reserved[MAXRANGES];
static int nreserved;
static u64 dtb_size;
u64 timebase_hz;
int nharts = 1; /* the boot hart, harts[0] */
struct virtio_slot virtio_slots[NVIRTIO];
int nvirtio;
/* A copy of /chosen/bootargs, whose last byte stays 0: the kernel need
 * not keep the blob's pages forever. */
static char cmdline[CMDLINE_MAX];

static u32 be32(const void *p)
{
	const u8 *b = p;
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

/* A number made of `n` big-endian cells. */
static u64 cells(const u8 *p, int n)
{
	u64 v = 0;
	for (int i = 0; i < n; i++)
		v = v << 32 | be32(p + 4 * i);
	return v;
}

/* Is node `name` called `base`, with or without a unit address? */
static bool node_is(const char *name, const char *base)
{
	size_t n = strlen(base);
	return strncmp(name, base, n) == 0 && (name[n] == 0 || name[n] == '@');
}

static void add_range(struct mem_range *r, int *n, u64 base, u64 size)
{
	if (*n == MAXRANGES)
		panic("device tree: more than %d memory ranges", MAXRANGES);
	r[*n].base = base;
	r[*n].size = size;
	(*n)++;
}

static void add_reg(struct mem_range *r, int *n, const u8 *v, u32 len, int ac, int sc)
{
	for (u32 i = 0; i + 4 * (ac + sc) <= len; i += 4 * (ac + sc))
		add_range(r, n, cells(v + i, ac), cells(v + i + 4 * ac, sc));
}

/* A virtio_mmio node closed: keep it, in address order (QEMU lists
 * them from the top down); a bad one (no reg) is left out. */
static void add_virtio(struct virtio_slot v)
{
	if (!v.size || nvirtio == NVIRTIO)
		return;
	int i = nvirtio++;
	for (; i > 0 && virtio_slots[i - 1].base > v.base; i--)
		virtio_slots[i] = virtio_slots[i - 1];
	virtio_slots[i] = v;
}

/* A hart found in /cpus: the boot hart is already harts[0]. */
static void add_hart(u64 hartid)
{
	if (hartid == boot_hartid || nharts == NCPU)
		return;
	harts[nharts].id = nharts;
	harts[nharts].cpu = &cpus[nharts];
	harts[nharts].hwid = hartid;
	nharts++;
}

void firmware_init(void)
{
	const struct fdt_header *h = P2V(boot_dtb);
	const char *node[MAXDEPTH];		/* names of the open nodes, by depth */
	int acells[MAXDEPTH], scells[MAXDEPTH]; /* what each open node says of its children */
	u64 hartid = 0;
	bool hart_ok = false;
	struct virtio_slot virtio = {0};
	int d = -1;

	if (be32(&h->magic) != FDT_MAGIC)
		panic("no device tree at 0x%llx", boot_dtb);
	dtb_size = be32(&h->totalsize);
	const u8 *base = (const u8 *)h;
	const char *strings = (const char *)base + be32(&h->off_dt_strings);

	for (const u8 *p = base + be32(&h->off_mem_rsvmap); cells(p + 8, 2) != 0; p += 16)
		add_range(reserved, &nreserved, cells(p, 2), cells(p + 8, 2));

	for (const u8 *p = base + be32(&h->off_dt_struct);;) {
		u32 token = be32(p);
		p += 4;
		if (token == FDT_END) {
			break;
		} else if (token == FDT_BEGIN_NODE) {
			if (++d == MAXDEPTH)
				panic("device tree: nodes nested too deep");
			node[d] = (const char *)p;
			acells[d] = 2; /* the defaults, unless the node says otherwise */
			scells[d] = 1;
			if (d == 2) {
				hart_ok = true;
				virtio = (struct virtio_slot){.irq = -1};
			}
			p += ROUND_UP(strlen(node[d]) + 1, 4);
		} else if (token == FDT_END_NODE) {
			if (d == 2 && node_is(node[1], "cpus") && node_is(node[2], "cpu") &&
			    hart_ok)
				add_hart(hartid);
			if (d == 2 && node_is(node[2], "virtio_mmio"))
				add_virtio(virtio);
			d--;
		} else if (token == FDT_PROP) {
			u32 len = be32(p);
			const char *name = strings + be32(p + 4);
			const u8 *v = p + 8;
			const char *parent = d > 0 ? node[d - 1] : "";
			p += 8 + ROUND_UP(len, 4);

			if (strcmp(name, "#address-cells") == 0)
				acells[d] = be32(v);
			else if (strcmp(name, "#size-cells") == 0)
				scells[d] = be32(v);
			else if (strcmp(name, "timebase-frequency") == 0)
				timebase_hz = cells(v, len / 4);
			else if (d == 1 && node_is(node[1], "memory") && strcmp(name, "reg") == 0)
				add_reg(ram, &nram, v, len, acells[0], scells[0]);
			else if (d == 2 && node_is(parent, "reserved-memory") &&
				 strcmp(name, "reg") == 0)
				add_reg(reserved, &nreserved, v, len, acells[1], scells[1]);
			else if (d == 2 && node_is(parent, "cpus") && strcmp(name, "reg") == 0)
				hartid = cells(v, acells[1]);
			else if (d == 2 && node_is(parent, "cpus") && strcmp(name, "status") == 0)
				hart_ok = strncmp((const char *)v, "ok", 2) == 0; /* "okay" */
			else if (d == 2 && node_is(node[2], "virtio_mmio") &&
				 strcmp(name, "reg") == 0 && len >= 4u * (acells[1] + scells[1]))
				virtio = (struct virtio_slot){cells(v, acells[1]),
							      cells(v + 4 * acells[1], scells[1]),
							      virtio.irq};
			else if (d == 2 && node_is(node[2], "virtio_mmio") &&
				 strcmp(name, "interrupts") == 0 && len >= 4)
				virtio.irq = be32(v);
			else if (d == 1 && node_is(node[1], "chosen") &&
				 strcmp(name, "bootargs") == 0)
				memcpy(cmdline, v, MIN(len, CMDLINE_MAX - 1));
		} else if (token != FDT_NOP) {
			panic("device tree: bad token %u", token);
		}
	}
	if (nram == 0 || timebase_hz == 0)
		panic("device tree: no memory or no timebase-frequency");
}

int arch_cpu_count(void)
{
	return nharts;
}

const char *arch_cmdline(void)
{
	return cmdline;
}

/*
 * Remove [b, e) from the ranges r[0..n): a range may shrink, split in
 * two (the right half goes at the end) or vanish. Returns the new n.
 */
static int carve(struct mem_range *r, int n, int max, u64 b, u64 e)
{
	for (int i = 0; i < n; i++) {
		u64 lo = r[i].base, hi = lo + r[i].size;
		if (e <= lo || hi <= b)
			continue;
		if (lo < b) {
			r[i].size = b - lo;
			if (hi > e && n < max)
				r[n++] = (struct mem_range){e, hi - e};
		} else if (hi > e) {
			r[i] = (struct mem_range){e, hi - e};
		} else {
			r[i--] = r[--n];
		}
	}
	return n;
}

/*
 * Free RAM = /memory minus: everything from the start of our RAM bank to
 * the end of the kernel image (OpenSBI lives below 0x80200000), the
 * reserved ranges, and the device tree blob (kept for later readers).
 */
int arch_memory(struct mem_range *r, int max)
{
	extern char _end[];
	int n = 0;

	for (int i = 0; i < nram && n < max; i++)
		r[n++] = ram[i];
	for (int i = 0; i < nram; i++)
		if (ram[i].base <= KERNEL_PHYS && KERNEL_PHYS < ram[i].base + ram[i].size)
			n = carve(r, n, max, ram[i].base, V2P(_end));
	for (int i = 0; i < nreserved; i++)
		n = carve(r, n, max, reserved[i].base, reserved[i].base + reserved[i].size);
	n = carve(r, n, max, boot_dtb, boot_dtb + dtb_size);

	/* Only whole pages: round each range inwards. */
	for (int i = 0; i < n; i++) {
		u64 b = ROUND_UP(r[i].base, PAGE_SIZE);
		u64 e = ROUND_DOWN(r[i].base + r[i].size, PAGE_SIZE);
		if (b >= e) {
			r[i--] = r[--n];
			continue;
		}
		r[i] = (struct mem_range){b, e - b};
	}
	return n;
}

/* ---------------------------------------------------------------------
 * SBI: calls into OpenSBI with ecall.
 *
 *   a7 = extension id, a6 = function id, a0..a5 = arguments
 *   returns a0 = error (0 = success, negative = failure), a1 = value
 *
 * Extension ids are ASCII names: "TIME", "HSM", "SRST", "sPI".
 * ------------------------------------------------------------------- */

#define SBI_TIME 0x54494d45
#define SBI_HSM	 0x48534d
#define SBI_SRST 0x53525354
#define SBI_IPI	 0x735049

static long sbi_call(u64 ext, u64 fn, u64 arg0, u64 arg1, u64 arg2)
{
	register u64 a0 asm("a0") = arg0;
	register u64 a1 asm("a1") = arg1;
	register u64 a2 asm("a2") = arg2;
	register u64 a6 asm("a6") = fn;
	register u64 a7 asm("a7") = ext;

	asm volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
	return a0;
}

/* Raise this hart's timer interrupt when the time CSR reaches `when`
 * (and take back the one that is pending, if any). */
long sbi_set_timer(u64 when)
{
	return sbi_call(SBI_TIME, 0, when, 0, 0);
}

/* Start stopped hart `hartid` at physical `start_pa`, MMU off, with
 * a0 = hartid and a1 = opaque. */
long sbi_hart_start(u64 hartid, u64 start_pa, u64 opaque)
{
	return sbi_call(SBI_HSM, 0, hartid, start_pa, opaque);
}

/*
 * Raise the supervisor software interrupt on hart `hartid`. The SBI
 * names harts by a mask and a base: bit i of the mask is hart base + i.
 */
long sbi_send_ipi(u64 hartid)
{
	return sbi_call(SBI_IPI, 0, 1, hartid, 0);
}

/*
 * A clean power-off goes through SBI system reset. OpenSBI implements
 * it on QEMU by writing "pass" to the sifive_test device, which ignores
 * the reason, so after a failure we write that device ourselves:
 *
 *   0x5555                  QEMU exits with status 0
 *   0x3333 | code << 16     QEMU exits with status `code`
 */
#define SRST_SHUTDOWN 0
#define TEST_PASS     0x5555
#define TEST_FAIL     0x3333

void arch_poweroff(int failed)
{
	arch_irq_disable();
	if (!failed)
		sbi_call(SBI_SRST, 0, SRST_SHUTDOWN, 0, 0);
	*(volatile u32 *)P2V(TEST_BASE) = failed ? TEST_FAIL | 1 << 16 : TEST_PASS;
	for (;;)
		asm volatile("wfi");
}
