/*
 * virtio.c - a small virtio 1.x driver library (user/include/virtio.h):
 * the two transports behind one interface, and split virtqueues.
 *
 * virtio-mmio (riscv64): one window of 32-bit registers, as offsets:
 *   0x000 magic "virt"  0x004 version (2: virtio 1.x; 1: legacy)
 *   0x010 device features (the 32 bits 0x014 selects)
 *   0x020 driver features (the 32 bits 0x024 selects)
 *   0x030 queue select  0x034 its largest size  0x038 its size
 *   0x044 queue ready   0x050 notify (write the queue's index)
 *   0x060 interrupt status  0x064 interrupt acknowledge  0x070 status
 *   0x080/0x084 descriptor table, 0x090/0x094 available ring,
 *   0x0a0/0x0a4 used ring (bus address, low and high halves)
 *   0x100 the device-specific configuration
 *
 * virtio-pci (x86_64): the PCI configuration space's capability list
 * has vendor-specific entries (id 0x09) that each point into a BAR:
 *   byte 3 type: 1 common configuration, 2 notifications, 3 interrupt
 *   status, 4 device-specific configuration; byte 4 the BAR; bytes 8
 *   and 12 offset and length in it; notifications add, at byte 16, a
 *   multiplier: queue q is notified at offset + q's notify_off * it.
 * The common configuration, as offsets:
 *   0x00 device feature select  0x04 device features
 *   0x08 driver feature select  0x0c driver features
 *   0x14 status (8 bits)        0x16 queue select
 *   0x18 queue size   0x1c queue enable   0x1e its notify_off
 *   0x20 descriptor table, 0x28 available ring, 0x30 used ring (64-bit)
 * The interrupt status register reads and clears at once (and lowers
 * the INTx line).
 *
 * Reset, negotiation, start (virtio 1.x, "device initialization"):
 * status 0 (reset), ACKNOWLEDGE, DRIVER, features, FEATURES_OK (the
 * device may refuse), the queue, DRIVER_OK.
 */
#include "async.h"
#include "virtio.h"

enum { ACKNOWLEDGE = 1, DRIVER = 2, DRIVER_OK = 4, FEATURES_OK = 8, FAILED = 128 };

#define MMIO_MAGIC 0x74726976

/* Ordering between our memory writes and the device: I/O included on RISC-V. */
static void barrier(void)
{
#ifdef __riscv
	asm volatile("fence iorw, iorw" : : : "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static long call(u8 opcode, int fd, u64 off, void *addr, u32 len, u64 arg0)
{
	struct sqe e = {.opcode = opcode, .fd = fd, .off = off, .addr = (uptr)addr, .len = len};
	e.arg[0] = arg0;
	return ring_call(&e, NULL);
}

static volatile u32 *m32(struct virtio *v, unsigned off)
{
	return (volatile u32 *)(v->mmio + off);
}

static volatile u32 *c32(struct virtio *v, unsigned off)
{
	return (volatile u32 *)(v->common + off);
}

static volatile u16 *c16(struct virtio *v, unsigned off)
{
	return (volatile u16 *)(v->common + off);
}

static u8 status(struct virtio *v)
{
	return v->mmio ? *m32(v, 0x070) : v->common[0x14];
}

static void set_status(struct virtio *v, u8 s)
{
	if (v->mmio)
		*m32(v, 0x070) = s;
	else
		v->common[0x14] = s;
}

static u32 features(struct virtio *v, int half)
{
	if (v->mmio) {
		*m32(v, 0x014) = half;
		return *m32(v, 0x010);
	}
	*c32(v, 0x00) = half;
	return *c32(v, 0x04);
}

static void set_features(struct virtio *v, int half, u32 f)
{
	if (v->mmio) {
		*m32(v, 0x024) = half;
		*m32(v, 0x020) = f;
	} else {
		*c32(v, 0x08) = half;
		*c32(v, 0x0c) = f;
	}
}

static u32 le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

/* Where region r is mapped (mapping it the first time), and its size in *size. */
static volatile u8 *region(struct virtio *v, unsigned r, u64 *size)
{
	u64 at;
	long n = call(OP_DEV_MAP, v->fd, r, &at, 0, 0);
	if (n <= 0)
		return NULL;
	*size = n;
	return (volatile u8 *)(uptr)at;
}

/* Window [off, off+len) of BAR bar, if it lies inside it. */
static volatile u8 *window(struct virtio *v, unsigned bar, u32 off, u32 len)
{
	u64 size;
	volatile u8 *base = bar < DEV_REGIONS ? region(v, bar, &size) : NULL;
	return base && (u64)off + len <= size ? base + off : NULL;
}

/* Find the modern virtio-pci windows in the capability list (a copy the
   kernel made; still checked: walk at most 48 entries, inside the space). */
static int pci_caps(struct virtio *v)
{
	const u8 *c = v->info.config;
	u32 mult = 0;
	if (!(c[0x06] & 0x10))
		return -ENOTSUP; /* no capability list */
	unsigned at = c[0x34] & 0xfc;
	for (int k = 0; k < 48 && at >= 0x40 && at <= 256 - 20; k++, at = c[at + 1] & 0xfc) {
		const u8 *p = c + at;
		if (p[0] != 0x09)
			continue;
		volatile u8 *w = window(v, p[4], le32(p + 8), le32(p + 12));
		switch (p[3]) {
		case 1:
			v->common = w;
			break;
		case 2:
			v->notify = w;
			v->notify_len = le32(p + 12);
			mult = le32(p + 16);
			break;
		case 3:
			v->isr = w;
			break;
		case 4:
			v->cfg = w;
			break;
		}
	}
	if (!v->common || !v->notify || !v->isr || !v->cfg)
		return -ENOTSUP;
	v->notify_mult = mult;
	return 0;
}

int virtio_open(struct virtio *v, unsigned type, u64 want)
{
	memset(v, 0, sizeof(*v));
	long r = v->fd = call(OP_DEV_OPEN, 0, type, NULL, 0, 0);
	if (r < 0)
		return r;
	if ((r = call(OP_DEV_INFO, v->fd, 0, &v->info, sizeof(v->info), 0)) < 0)
		return r;
	if (v->info.bus == DEV_BUS_MMIO) {
		u64 size;
		if (!(v->mmio = region(v, 0, &size)) || size < 0x200)
			return -ENODEV;
		if (*m32(v, 0x000) != MMIO_MAGIC || *m32(v, 0x004) != 2)
			return -ENOTSUP; /* legacy (version 1): not ours */
	} else if ((r = pci_caps(v)) < 0) {
		return r;
	}
	set_status(v, 0);
	for (int i = 0; i < 1000000 && status(v) != 0; i++)
		; /* the reset is done when status reads 0 */
	set_status(v, ACKNOWLEDGE);
	set_status(v, ACKNOWLEDGE | DRIVER);
	u64 offered = features(v, 0) | (u64)features(v, 1) << 32;
	if (!(offered & VIRTIO_F_VERSION_1)) {
		set_status(v, FAILED);
		return -ENOTSUP;
	}
	v->features = offered & (want | VIRTIO_F_VERSION_1);
	set_features(v, 0, (u32)v->features);
	set_features(v, 1, v->features >> 32);
	set_status(v, ACKNOWLEDGE | DRIVER | FEATURES_OK);
	if (!(status(v) & FEATURES_OK)) {
		set_status(v, FAILED);
		return -ENOTSUP;
	}
	return 0;
}

u64 virtio_dma(struct virtio *v, u32 len, void **addr)
{
	struct dev_dma d;
	if (call(OP_DEV_DMA, v->fd, 0, &d, len, 0) < 0)
		return 0;
	*addr = (void *)(uptr)d.addr;
	return d.bus;
}

/* Set up queue i with up to size entries. */
static int queue(struct virtio *v, unsigned i, u16 size)
{
	u32 max;
	if (v->mmio) {
		*m32(v, 0x030) = i;
		max = *m32(v, 0x034);
	} else {
		*c16(v, 0x16) = i;
		max = *c16(v, 0x18);
	}
	u32 n = 1;
	while (n * 2 <= size && n * 2 <= max)
		n *= 2;
	if (max == 0 || n > size)
		return -ENODEV;
	struct vq *q = &v->q[i];
	u32 avail_off, used_off; /* where the rings start in the page */
	u64 bus;		 /* the page's bus address (the device's view) */
	/* LAB driver 1: BEGIN lay out the queue of n entries in one DMA page */
	/* STUB: (void)q, (void)avail_off, (void)used_off, (void)bus;
	   fprintf(2, "lab driver task 1: the queue's layout is not written yet\n");
	   return -ENODEV; // the driver finds no device it can drive */
	/* n descriptors of 16 bytes; the available ring (flags, idx,
	   ring[n], used_event: 16-bit each); the used ring (flags, idx,
	   ring[n] of 8 bytes, avail_event), 4-aligned for its 32-bit fields */
	avail_off = 16 * n, used_off = ROUND_UP(avail_off + 6 + 2 * n, 4);
	if (used_off + 6 + 8 * n > 4096)
		return -EINVAL;
	u8 *page;
	if (!(bus = virtio_dma(v, 4096, (void **)&page)))
		return -ENOMEM;
	q->size = n;
	q->desc = (struct vq_desc *)page;
	q->avail = (volatile u16 *)(page + avail_off);
	q->used_flags = (volatile u16 *)(page + used_off);
	q->used_idx = (volatile u16 *)(page + used_off + 2);
	q->used = (volatile struct vq_used_elem *)(page + used_off + 4);
	/* LAB driver END */
	if (v->mmio) {
		*m32(v, 0x038) = n;
		*m32(v, 0x080) = (u32)bus;
		*m32(v, 0x084) = bus >> 32;
		*m32(v, 0x090) = (u32)(bus + avail_off);
		*m32(v, 0x094) = (bus + avail_off) >> 32;
		*m32(v, 0x0a0) = (u32)(bus + used_off);
		*m32(v, 0x0a4) = (bus + used_off) >> 32;
		*m32(v, 0x044) = 1;
		return 0;
	}
	*c16(v, 0x18) = n;
	u64 at[3] = {bus, bus + avail_off, bus + used_off};
	for (int k = 0; k < 3; k++) {
		*c32(v, 0x20 + 8 * k) = (u32)at[k];
		*c32(v, 0x24 + 8 * k) = at[k] >> 32;
	}
	/* the device says where; the window must hold it */
	u64 off = (u64)*c16(v, 0x1e) * v->notify_mult;
	if (off + 2 > v->notify_len)
		return -EIO;
	q->notify = (volatile u16 *)(v->notify + off);
	*c16(v, 0x1c) = 1;
	return 0;
}

int virtio_start(struct virtio *v, unsigned nq, u16 size)
{
	if (nq == 0 || nq > VIRTIO_NQ)
		return -EINVAL;
	for (unsigned i = 0; i < nq; i++) {
		int r = queue(v, i, size);
		if (r < 0)
			return r;
	}
	set_status(v, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
	return 0;
}

static volatile u8 *cfg(struct virtio *v)
{
	return v->mmio ? v->mmio + 0x100 : v->cfg;
}

u8 virtio_cfg8(struct virtio *v, unsigned off)
{
	return cfg(v)[off];
}

u32 virtio_cfg32(struct virtio *v, unsigned off)
{
	return *(volatile u32 *)(cfg(v) + off);
}

u64 virtio_cfg64(struct virtio *v, unsigned off)
{
	return virtio_cfg32(v, off) | (u64)virtio_cfg32(v, off + 4) << 32;
}

void virtio_offer(struct virtio *v, unsigned i, u16 head)
{
	struct vq *q = &v->q[i];
	/* LAB driver 1: BEGIN the chain at head into the available ring, then publish it */
	/* STUB: (void)q, (void)head;
	   fprintf(2, "lab driver task 1: virtio_offer is not written yet\n");
	   exit(1); // the device would never see it: nothing to wait for */
	q->avail[2 + q->avail_idx % q->size] = head;
	barrier(); /* the entry before the index */
	q->avail[1] = ++q->avail_idx;
	/* LAB driver END */
}

void virtio_notify(struct virtio *v, unsigned i)
{
	struct vq *q = &v->q[i];
	/* LAB driver 3: BEGIN tell the device only what it needs to hear */
	/* STUB: (void)q;
	   barrier(); // the slow way: every call tells the device */
	if (q->notified == q->avail_idx)
		return; /* nothing offered since it was last told */
	q->notified = q->avail_idx;
	/* A full barrier: our store of the index before our load of its
	   flags. The device clears NO_NOTIFY and then looks at the index; if
	   we could see the flag still set and it the old index, both would
	   wait for the other (the lost wake-up of docs/pipes.md). */
	barrier();
	if (*q->used_flags & VQ_USED_NO_NOTIFY)
		return; /* it is working on the queue and looks again before it stops */
	/* LAB driver END */
	if (v->mmio)
		*m32(v, 0x050) = i;
	else
		*q->notify = i;
}

void virtio_submit(struct virtio *v, unsigned i, u16 head)
{
	/* LAB driver 1: BEGIN one chain, and the device told */
	/* STUB: (void)v, (void)i, (void)head;
	   fprintf(2, "lab driver task 1: virtio_submit is not written yet\n");
	   exit(1); */
	virtio_offer(v, i, head);
	virtio_notify(v, i);
	/* LAB driver END */
}

bool virtio_pending(struct virtio *v, unsigned i)
{
	return v->q[i].size && *v->q[i].used_idx != v->q[i].used_seen;
}

int virtio_next_used(struct virtio *v, unsigned i, struct vq_used_elem *e)
{
	struct vq *q = &v->q[i];
	/* LAB driver 2: BEGIN the next entry: the index read once, bounded; the id checked */
	/* STUB: (void)q, (void)e;
	   fprintf(2, "lab driver task 2: virtio_next_used is not written yet\n");
	   return -EIO; // as a device that lies: the driver stops */
	u16 idx = *q->used_idx; /* once: the device may change it any time */
	if ((u16)(idx - q->used_seen) > q->size)
		return -EIO; /* more done than we ever offered, or backwards: it lies */
	if (idx == q->used_seen)
		return 0;
	barrier(); /* the index before the entry */
	volatile struct vq_used_elem *u = &q->used[q->used_seen % q->size];
	e->id = u->id;
	e->len = u->len;
	q->used_seen++;
	return e->id < q->size ? 1 : -EIO;
	/* LAB driver END */
}

u32 virtio_intr_ack(struct virtio *v)
{
	if (!v->mmio)
		return *v->isr;
	u32 s = *m32(v, 0x060);
	*m32(v, 0x064) = s;
	return s;
}

int virtio_irq(struct virtio *v, unsigned vector)
{
	int vfd = uintr_create_vector(vector);
	if (vfd < 0)
		return vfd;
	long r = call(OP_DEV_IRQ, v->fd, 0, NULL, 0, vfd);
	close(vfd); /* the binding holds the receiver */
	return r;
}

int virtio_arm(struct virtio *v)
{
	return call(OP_DEV_ARM, v->fd, 0, NULL, 0, 0);
}
