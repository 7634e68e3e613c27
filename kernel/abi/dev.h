/*
 * dev.h - devices for driver processes: what a driver and the kernel
 * say to each other (docs/drivers.md).
 *
 * A driver is an ordinary process running as root. It claims one device
 * (OP_DEV_OPEN) and gets a descriptor; through it, it learns what the
 * device is (OP_DEV_INFO), maps the device's registers into its own
 * address space (OP_DEV_MAP), gets memory the device can reach by DMA
 * (OP_DEV_DMA) - or lets it reach a connection's buffer, memory it
 * shares with a client (DEV_DMA_PIPE) - and has the device's interrupt
 * post one of its user-interrupt vectors (OP_DEV_IRQ). The kernel's
 * handler masks the interrupt source each time it posts; the driver
 * handles every completion it finds and unmasks the source again
 * (OP_DEV_ARM): one kernel entry per interrupt, not per request.
 * Closing the descriptor (or dying) gives it all back: the device is
 * stopped, its registers and DMA memory unmapped and freed (a buffer's
 * pipe let go), its interrupt masked and unbound.
 *
 * Devices are found by the firmware's description (the device tree's
 * virtio-mmio nodes on riscv64) or by PCI enumeration (x86_64): for
 * now, virtio devices only, named by their virtio device id.
 */
#pragma once

#define DEV_VIRTIO_NET 1	  /* OP_DEV_OPEN's off: the virtio device id of a network card */
#define DEV_VIRTIO_BLK 2	  /* ... of a block device */
#define DEV_REGIONS    6	  /* register regions a device may have (PCI: its BARs) */
#define DEV_REGION_MAX (4u << 20) /* most bytes of one region OP_DEV_MAP maps */
#define DEV_DMA_MAX    (1u << 20) /* most bytes of one OP_DEV_DMA allocation */
#define DEV_NDMA       16	  /* most DMA allocations (and buffers) one device holds */
#define DEV_DMA_PIPE   1	  /* OP_DEV_DMA's off: reach the buffer of connection arg[0] */
#define DEV_DMA_UNPIPE 2	  /* ... no longer reach the buffer at bus address arg[0] */

/* dev_info.bus: how the driver talks to the device */
enum {
	DEV_BUS_MMIO = 1, /* virtio-mmio: region 0 holds its registers */
	DEV_BUS_PCI,	  /* virtio-pci: config[] has its capabilities, regions are its BARs */
};

/* OP_DEV_INFO's answer. */
struct dev_info {
	unsigned type;			      /* the virtio device id (DEV_VIRTIO_BLK) */
	unsigned bus;			      /* DEV_BUS_* */
	unsigned long long size[DEV_REGIONS]; /* bytes of region i (0: none, or not mappable) */
	unsigned char config[256];	      /* PCI: the function's configuration space, as the
						 kernel read it when the device was opened; else 0 */
};

/*
 * OP_DEV_DMA's answer. With DEV_DMA_PIPE, addr is 0 (the buffer is where
 * OP_PIPE_ATTACH mapped it) and bus the buffer's: physically contiguous.
 * The connection's pipe then lives while the device may reach it - until
 * DEV_DMA_UNPIPE, or the claim ends - whoever closes what: the driver
 * unpipes only once no request it gave the device names the buffer.
 */
struct dev_dma {
	unsigned long long addr; /* where the memory is mapped in the caller */
	unsigned long long bus;	 /* its address as the device sees it (physical: no IOMMU) */
};
