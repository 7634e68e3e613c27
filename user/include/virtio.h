/*
 * virtio.h - a small virtio 1.x driver library (user/lib/virtio.c):
 * one device and its split virtqueues, over either transport - virtio-mmio
 * (riscv64 virt) or virtio-pci (x86_64 pc) - behind one interface, on
 * the kernel's device operations (abi/dev.h, docs/drivers.md).
 *
 * Everything the device writes - the used ring, the configuration - is
 * read once and checked before use: a device is hostile too.
 */
#pragma once

#include "types.h"
#include "abi/dev.h"
#include "uintr.h"

#define VIRTIO_F_VERSION_1 (1ull << 32)

/* A descriptor of the split virtqueue (virtio 1.x, 2.7.5). */
struct vq_desc {
	u64 addr; /* bus address */
	u32 len;
	u16 flags; /* VQ_NEXT, VQ_WRITE */
	u16 next;
};
#define VQ_NEXT	 1 /* the chain goes on at `next` */
#define VQ_WRITE 2 /* the device writes this buffer (else it reads it) */

/* The used ring's flags (the device writes them): it needs no
   notification now - it is at work on the queue and will look at the
   available index again before it stops (virtio 1.x, 2.7.7). */
#define VQ_USED_NO_NOTIFY 1

struct vq_used_elem {
	u32 id;	 /* head of the chain the device is done with */
	u32 len; /* bytes it wrote */
};

#define VIRTIO_NQ 2 /* queues a device may have here: net needs receive (0), transmit (1) */

/* One split virtqueue, in one page of DMA memory. */
struct vq {
	u16 size;			    /* entries (0: not set up) */
	struct vq_desc *desc;		    /* desc[size] */
	volatile u16 *avail;		    /* flags, idx, ring[size] */
	volatile u16 *used_flags;	    /* the used ring's flags (VQ_USED_NO_NOTIFY) */
	volatile u16 *used_idx;		    /* the used ring's idx */
	volatile struct vq_used_elem *used; /* ring[size] */
	u16 avail_idx, used_seen;	    /* ours: offered so far, and used entries taken */
	/* LAB driver 3: BEGIN what virtio_notify keeps between calls */
	/* STUB: // what it needs, if anything */
	u16 notified; /* avail_idx when the device was last told */
	/* LAB driver END */
	volatile u16 *notify; /* virtio-pci: where this queue is notified */
};

struct virtio {
	int fd;		      /* the device (OP_DEV_OPEN) */
	struct dev_info info; /* what the kernel says it is */
	/* registers, by transport */
	volatile u8 *mmio;			  /* virtio-mmio: the whole window */
	volatile u8 *common, *isr, *cfg, *notify; /* virtio-pci: the capabilities' windows */
	u32 notify_mult, notify_len;		  /* ... notify's multiplier and length */
	struct vq q[VIRTIO_NQ];
	u64 features;
};

/* Claim the first device of virtio type `type`, map its registers, reset
   it and negotiate: VIRTIO_F_VERSION_1 and what of `want` it offers
   (v->features says what was agreed). 0, or -errno (-ENODEV: none,
   -ENOTSUP: a legacy device, or no VERSION_1). */
int virtio_open(struct virtio *v, unsigned type, u64 want);

/* Set up queues 0..nq-1 (nq <= VIRTIO_NQ), each with up to `size`
   entries in DMA memory; then DRIVER_OK. 0 or -errno. */
int virtio_start(struct virtio *v, unsigned nq, u16 size);

/* Device-specific configuration, at byte offset off. */
u8 virtio_cfg8(struct virtio *v, unsigned off);
u32 virtio_cfg32(struct virtio *v, unsigned off);
u64 virtio_cfg64(struct virtio *v, unsigned off);

/* Offer the chain starting at descriptor head of queue q; with notify,
   tell the device (a batch: offer them all, tell once). notify tells it
   only what it needs: nothing if nothing was offered since it was last
   told, or if it said it needs no telling (VQ_USED_NO_NOTIFY). */
void virtio_offer(struct virtio *v, unsigned q, u16 head);
void virtio_notify(struct virtio *v, unsigned q);
/* Both at once: one chain. */
void virtio_submit(struct virtio *v, unsigned q, u16 head);

/* The next chain the device is done with on queue q: 1 and *e (e->id
   checked to be below the queue's size), 0 if none, -EIO if the
   device's index lies. */
int virtio_next_used(struct virtio *v, unsigned q, struct vq_used_elem *e);
/* Has queue q used chains we have not seen? */
bool virtio_pending(struct virtio *v, unsigned q);

/* Read and acknowledge the interrupt status (it lowers the line). */
u32 virtio_intr_ack(struct virtio *v);

/* Bind the device's interrupt to the calling thread's user-interrupt
   vector `vector`, and re-arm it after one was posted (abi/dev.h). */
int virtio_irq(struct virtio *v, unsigned vector);
int virtio_arm(struct virtio *v);

/* DMA memory: *addr where it is mapped, returns its bus address (0: failed). */
u64 virtio_dma(struct virtio *v, u32 len, void **addr);
