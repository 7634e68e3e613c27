/*
 * dev.c - the devices a driver process may claim (kernel/dev.c): on
 * QEMU virt, whatever sits in the virtio-mmio transports the device tree
 * lists (firmware.c). A transport is one page of registers; the few the
 * kernel reads, as offsets (virtio 1.x, "MMIO device register layout"):
 *
 *   0x000  MagicValue   "virt" (0x74726976)
 *   0x008  DeviceID     what sits there: 0 none, 2 a block device, ...
 *   0x070  Status       writing 0 resets the device: it stops using the
 *                       queues, so no more DMA (what arch_dev_dma(off) needs)
 *
 * Device i is transport i, empty or not: the indexes stay fixed.
 */
#include "machine.h"

#define VIRTIO_MAGIC	 0x74726976
#define VIRTIO_MAGIC_REG 0x000
#define VIRTIO_DEVICE_ID 0x008
#define VIRTIO_STATUS	 0x070

static volatile u32 *reg(int i, u32 off)
{
	return (volatile u32 *)P2V(virtio_slots[i].base + off);
}

int arch_dev_get(int index, struct dev_desc *d)
{
	if (index < 0 || index >= nvirtio)
		return -ENODEV;
	memset(d, 0, sizeof(*d));
	d->bus = DEV_BUS_MMIO;
	if (*reg(index, VIRTIO_MAGIC_REG) == VIRTIO_MAGIC)
		d->type = *reg(index, VIRTIO_DEVICE_ID); /* 0: an empty transport */
	int irq = virtio_slots[index].irq;
	d->irq = irq > 0 && irq < 64 ? irq : -1;
	d->base[0] = virtio_slots[index].base;
	d->size[0] = virtio_slots[index].size;
	return 0;
}

/* Nothing to switch on: a virtio-mmio device may always reach memory. */
void arch_dev_dma(int index, bool on)
{
	if (!on)
		*reg(index, VIRTIO_STATUS) = 0;
}
