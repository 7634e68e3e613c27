/*
 * dev.c - the devices a driver process may claim (kernel/dev.c): on the
 * PC, the virtio functions on PCI bus 0 (QEMU's "pc" puts every device
 * there unless told to add a bridge).
 *
 * PCI configuration space, 256 bytes per function, is reached through
 * two I/O ports: write the address of a 32-bit word to 0xcf8, then read
 * or write the word at 0xcfc.
 *
 *   0xcf8:  31 | 30..24 | 23..16 | 15..11 | 10..8    | 7..2 | 1..0
 *           on | 0      | bus    | device | function | word | 0
 *
 * The words we use, as byte offsets in the space:
 *
 *   0x00  vendor id (0x1af4: virtio) | device id << 16
 *   0x04  command: bit 1 memory decoding, bit 2 bus mastering (the
 *         device may start DMA), bit 10 interrupt disable (INTx off)
 *   0x0c  bit 23 of it: a multi-function device
 *   0x10  BARs 0..5: where the device's register regions are. Bit 0: an
 *         I/O region (not mappable); bits 2..1 = 2: a 64-bit memory
 *         BAR, whose upper half is the next BAR. Writing all ones and
 *         reading back gives the size (the low bits stay 0).
 *   0x2c  subsystem id << 16: a transitional device's virtio id
 *   0x3c  interrupt line (the ISA IRQ the firmware routed INTx to) |
 *         interrupt pin << 8 (0: none)
 *
 * A virtio device is 0x1040 + its virtio id (modern, virtio 1.x), or
 * 0x1000..0x103f (transitional, which also has a legacy I/O BAR); the
 * driver finds the modern registers through the capability list in
 * the configuration space it gets a copy of (OP_DEV_INFO).
 *
 * Sizing a BAR disturbs it, so the bus is scanned once, at the first
 * open, before any driver can use a device, and remembered.
 */
#include "machine.h"

#define PCI_ADDR      0xcf8
#define PCI_DATA      0xcfc
#define VENDOR_VIRTIO 0x1af4
#define CMD_MEMORY    (1u << 1)
#define CMD_MASTER    (1u << 2)
#define CMD_INTX_OFF  (1u << 10)
#define NPCIDEV	      8

static struct pcidev {
	int bdf; /* bus << 8 | device << 3 | function */
	struct dev_desc d;
} found[NPCIDEV];
static int nfound = -1; /* not scanned yet */

static u32 pci_read(int bdf, int off)
{
	outl(PCI_ADDR, 1u << 31 | bdf << 8 | (off & 0xfc));
	return inl(PCI_DATA);
}

static void pci_write(int bdf, int off, u32 v)
{
	outl(PCI_ADDR, 1u << 31 | bdf << 8 | (off & 0xfc));
	outl(PCI_DATA, v);
}

/* Size the memory BARs of a function whose memory decoding is off. */
static void bars(int bdf, struct dev_desc *d)
{
	for (int i = 0; i < DEV_REGIONS; i++) {
		int off = 0x10 + 4 * i;
		u32 lo = pci_read(bdf, off);
		if (lo & 1)
			continue; /* I/O space */
		bool wide = (lo >> 1 & 3) == 2 && i + 1 < DEV_REGIONS;
		u32 hi = wide ? pci_read(bdf, off + 4) : 0;
		pci_write(bdf, off, ~0u);
		u64 mask = pci_read(bdf, off) & ~0xfu;
		pci_write(bdf, off, lo);
		if (wide) {
			pci_write(bdf, off + 4, ~0u);
			mask |= (u64)pci_read(bdf, off + 4) << 32;
			pci_write(bdf, off + 4, hi);
		} else {
			mask |= ~0ull << 32;
		}
		if (mask & 0xfffffff0u) {
			d->base[i] = ((u64)hi << 32 | lo) & ~0xfull;
			d->size[i] = ~mask + 1;
		}
		i += wide;
	}
}

static void scan(void)
{
	nfound = 0;
	for (int dev = 0; dev < 32; dev++) {
		for (int fn = 0; fn < 8; fn++) {
			int bdf = dev << 3 | fn;
			u32 id = pci_read(bdf, 0x00);
			if ((id & 0xffff) == 0xffff) {
				if (fn == 0)
					break; /* no device in this slot */
				continue;
			}
			u32 pid = id >> 16;
			if ((id & 0xffff) == VENDOR_VIRTIO && pid >= 0x1000 && pid <= 0x107f &&
			    nfound < NPCIDEV) {
				struct pcidev *p = &found[nfound++];
				p->bdf = bdf;
				p->d.bus = DEV_BUS_PCI;
				p->d.type =
				    pid >= 0x1040 ? pid - 0x1040 : pci_read(bdf, 0x2c) >> 16;
				u32 cmd = pci_read(bdf, 0x04);
				pci_write(bdf, 0x04, cmd & ~(CMD_MEMORY | CMD_MASTER));
				bars(bdf, &p->d);
				pci_write(bdf, 0x04, cmd);
				u32 intr = pci_read(bdf, 0x3c);
				u32 line = intr & 0xff, pin = intr >> 8 & 0xff;
				p->d.irq = pin && line > 0 && line < 16 ? (int)line : -1;
				for (int w = 0; w < 64; w++) {
					u32 v = pci_read(bdf, 4 * w);
					memcpy(p->d.config + 4 * w, &v, 4);
				}
			}
			if (fn == 0 && !(pci_read(bdf, 0x0c) & (1u << 23)))
				break; /* a single-function device */
		}
	}
}

int arch_dev_get(int index, struct dev_desc *d)
{
	if (nfound < 0)
		scan();
	if (index < 0 || index >= nfound)
		return -ENODEV;
	*d = found[index].d;
	return 0;
}

/* The command register: memory decoding stays on; bus mastering and
 * the interrupt line follow the claim. */
void arch_dev_dma(int index, bool on)
{
	int bdf = found[index].bdf;
	u32 cmd = pci_read(bdf, 0x04) | CMD_MEMORY;
	cmd = on ? (cmd | CMD_MASTER) & ~CMD_INTX_OFF : (cmd & ~CMD_MASTER) | CMD_INTX_OFF;
	pci_write(bdf, 0x04, cmd);
}
