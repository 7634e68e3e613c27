/*
 * dev.c - devices for driver processes: the kernel checks who may drive
 * a device, then gets out of the way (abi/dev.h, docs/drivers.md).
 *
 * A driver (root) claims a device and gets a descriptor. Everything it
 * then asks for is recorded here, so that the kernel can take it all
 * back when the descriptor's last reference goes or the driver dies:
 *
 *   devs[i]  owner ----> the driver process (NULL: nobody holds it)
 *            desc        what the arch found (arch_dev_get): registers,
 *                        interrupt, PCI configuration
 *            mapped[r]   region r is mapped in the owner at reg_va(i, r)
 *            dma[k]      pages the device may reach, mapped at dma_va(i, k);
 *                        or a connection's buffer (pipe.c), a reference on
 *                        its pipe: mapped where the driver attached it
 *            recv/vector the user-interrupt vector its interrupt posts
 *
 * The interrupt's path: the device raises its line; the arch's
 * interrupt code calls irq_handle(), which calls dev_intr(): it masks
 * the source (arch_irq_mask) and posts the vector, as a sender's
 * instruction would. The driver takes every completion it finds, then
 * unmasks the source again with OP_DEV_ARM: one kernel entry per batch.
 *
 * Giving back, in this order: the device stops reaching memory
 * (arch_dev_dma(off)), its registers and DMA pages leave the driver's
 * address space, only then are the pages freed (or the pipes whose
 * buffers it could reach dropped) - a device still writing into pages
 * the allocator has handed to someone else would be the worst bug a
 * kernel can have. A driver that drops one buffer while it keeps the
 * device (DEV_DMA_UNPIPE: its client went) says that no request it gave
 * the device names the buffer any more: the kernel cannot know, but a
 * driver can reach all memory anyway (no IOMMU), which is why only root
 * may be one. A descriptor that outlives the claim (one
 * handed to a child) is stale: its generation no longer matches, and
 * only the owner may use a device anyway.
 *
 * devs[] is under dev_lock; page tables are changed outside it (they
 * take their own locks and may shoot down TLBs), so a DMA slot is
 * reserved under the lock first and filled in after. Lock order:
 * dev_lock before sched_lock (dev_intr posts under it).
 */
#include "proc.h"

#define NDEV	 8	       /* devices the arch may offer */
#define DEV_SPAN (64ull << 20) /* device i's mappings: a span each from DEV_BASE, */
#define DMA_OFF	 (32ull << 20) /* ... regions from 0, DMA from here */

_Static_assert(DEV_REGIONS *(u64)DEV_REGION_MAX <= DMA_OFF &&
		   DMA_OFF + DEV_NDMA * (u64)DEV_DMA_MAX <= DEV_SPAN,
	       "a device's regions and DMA must fit its span");
_Static_assert(DEV_BASE + NDEV * DEV_SPAN <= USTACK_TOP - NTHREAD * THREAD_SPAN,
	       "devices and stacks overlap");

struct dev {
	struct proc *owner; /* NULL: free */
	u64 gen;	    /* bumped when a claim ends: older descriptors are stale */
	struct dev_desc desc;
	bool mapped[DEV_REGIONS];
	struct {
		u64 pa; /* 0: free */
		int order;
		bool busy;	   /* reserved, or allocated */
		struct pipe *pipe; /* pa is this connection's buffer, not our pages */
	} dma[DEV_NDMA];
	struct urecv *recv; /* bound: its interrupt posts `vector` there */
	unsigned vector;
};

static struct dev devs[NDEV];
static struct spinlock dev_lock = {0, "dev", -1};

static u64 reg_va(int i, int r)
{
	return DEV_BASE + i * DEV_SPAN + r * (u64)DEV_REGION_MAX;
}

static u64 dma_va(int i, int k)
{
	return DEV_BASE + i * DEV_SPAN + DMA_OFF + k * (u64)DEV_DMA_MAX;
}

/* ---- the interrupt ----------------------------------------------------- */

/*
 * A claimed device's interrupt (irq_handle, interrupts off): mask the
 * source until the driver re-arms it, and post to every driver bound to
 * this line (PCI lines may be shared).
 */
static void dev_intr(int irq)
{
	spin_lock(&dev_lock);
	arch_irq_mask(irq);
	for (int i = 0; i < NDEV; i++)
		if (devs[i].recv && devs[i].desc.irq == irq)
			uintr_kick(devs[i].recv, devs[i].vector);
	spin_unlock(&dev_lock);
}

/* Unbind device i's interrupt; the line goes quiet unless another device shares it.
 * Holds dev_lock. Returns the receiver whose reference the caller drops. */
static struct urecv *unbind(int i)
{
	struct urecv *u = devs[i].recv;
	if (!u)
		return NULL;
	devs[i].recv = NULL;
	for (int j = 0; j < NDEV; j++)
		if (devs[j].recv && devs[j].desc.irq == devs[i].desc.irq)
			return u;
	irq_unregister(devs[i].desc.irq);
	return u;
}

/* ---- claiming and giving back ----------------------------------------- */

/* End device i's claim (if gen is still the claim's): stop it, unmap, free. */
static void release(int i, u64 gen)
{
	struct dev *d = &devs[i];
	spin_lock(&dev_lock);
	if (!d->owner || d->gen != gen) {
		spin_unlock(&dev_lock);
		return;
	}
	d->gen++; /* stale from now on: no operation starts on it */
	struct urecv *u = unbind(i);
	struct proc *p = d->owner;
	spin_unlock(&dev_lock);

	arch_dev_dma(i, false); /* first: no DMA into pages about to be freed */
	for (int r = 0; r < DEV_REGIONS; r++) {
		if (d->mapped[r])
			uvm_unmap(p->pt, reg_va(i, r), d->desc.size[r]);
		d->mapped[r] = false;
	}
	for (int k = 0; k < DEV_NDMA; k++) {
		spin_lock(&dev_lock); /* dma_pipe() fills a slot under it */
		struct pipe *pp = d->dma[k].pipe;
		d->dma[k].pipe = NULL;
		spin_unlock(&dev_lock);
		if (pp) {
			pipe_dma_put(pp); /* a connection's buffer: the pipe frees it */
		} else if (d->dma[k].pa) {
			uvm_unmap(p->pt, dma_va(i, k), PAGE_SIZE << d->dma[k].order);
			page_free(d->dma[k].pa, d->dma[k].order);
		}
		d->dma[k].pa = 0;
		d->dma[k].busy = false;
	}
	if (u)
		uintr_put(u);
	spin_lock(&dev_lock);
	d->owner = NULL; /* free for the next driver */
	spin_unlock(&dev_lock);
}

static void dev_close(struct file *f)
{
	if (f->priv) /* NULL: op_dev_open found nothing to claim */
		release((struct dev *)f->priv - devs, f->arg);
}

static int dev_rw(struct file *f, struct op *op)
{
	(void)f, (void)op;
	return -EINVAL;
}

static bool dev_readable(struct file *f)
{
	(void)f;
	return false;
}

static const struct fileops dev_fileops = {
    .read = dev_rw, .write = dev_rw, .readable = dev_readable, .close = dev_close};

/* Process p ends (proc.c, its descriptors closed, its page table still
 * there): whatever it still drives goes back, even if it handed a
 * descriptor on. */
void dev_release_proc(struct proc *p)
{
	for (int i = 0; i < NDEV; i++) {
		spin_lock(&dev_lock);
		bool mine = devs[i].owner == p;
		u64 gen = devs[i].gen;
		spin_unlock(&dev_lock);
		if (mine)
			release(i, gen);
	}
}

int op_dev_open(struct op *op)
{
	struct file *f = file_new(&dev_fileops, NULL, 0);
	if (!f)
		return -ENOMEM;
	struct dev_desc d;
	int r = -ENODEV;
	spin_lock(&dev_lock);
	for (int i = 0; i < NDEV && arch_dev_get(i, &d) == 0; i++) {
		if (d.type == 0 || d.type != op->sqe.off)
			continue; /* not the kind asked for, or an empty virtio-mmio slot */
		if (devs[i].owner) {
			r = -EBUSY;
			continue;
		}
		devs[i].owner = op->proc;
		devs[i].desc = d;
		f->priv = &devs[i];
		f->arg = devs[i].gen;
		r = 0;
		break;
	}
	spin_unlock(&dev_lock);
	if (r < 0) {
		file_put(f); /* no claim: its close finds nothing to give back */
		return r;
	}
	arch_dev_dma((struct dev *)f->priv - devs, true);
	int fd = fd_alloc(op->proc, f);
	if (fd < 0)
		file_put(f); /* gives the device back */
	return fd;
}

/* The device behind op's descriptor if op's process holds it (a
 * reference in *fp for the caller to drop), else NULL. */
static struct dev *held(struct op *op, struct file **fp)
{
	struct file *f = fd_get(op->proc, op->sqe.fd);
	if (!f)
		return NULL;
	struct dev *d = f->priv;
	bool ok = false;
	if (f->ops == &dev_fileops && d) {
		spin_lock(&dev_lock);
		ok = d->owner == op->proc && d->gen == f->arg;
		spin_unlock(&dev_lock);
	}
	if (!ok) {
		file_put(f);
		return NULL;
	}
	*fp = f;
	return d;
}

int op_dev_info(struct op *op)
{
	struct file *f;
	struct dev *d = held(op, &f);
	if (!d)
		return -EBADF;
	struct dev_info in = {.type = d->desc.type, .bus = d->desc.bus};
	for (int r = 0; r < DEV_REGIONS; r++)
		in.size[r] = d->desc.size[r];
	memcpy(in.config, d->desc.config, sizeof(in.config));
	int res = op->sqe.len != sizeof(in) ? -EINVAL
					    : copyout(op->proc->pt, op->sqe.addr, &in, sizeof(in));
	file_put(f);
	return res;
}

int op_dev_map(struct op *op)
{
	struct file *f;
	struct dev *d = held(op, &f);
	if (!d)
		return -EBADF;
	int i = d - devs;
	u64 r = op->sqe.off;
	long res = -EINVAL;
	if (r >= DEV_REGIONS || !d->desc.size[r] || d->desc.size[r] > DEV_REGION_MAX ||
	    ((d->desc.base[r] | d->desc.size[r]) & (PAGE_SIZE - 1)))
		goto out; /* none, too big, or sharing a page with another device */
	spin_lock(&dev_lock);
	bool again = d->mapped[r];
	d->mapped[r] = true;
	spin_unlock(&dev_lock);
	u64 va = reg_va(i, r);
	if (!again && (res = uvm_share(op->proc->pt, va, d->desc.base[r], d->desc.size[r],
				       VM_R | VM_W | VM_U | VM_DEV)) != 0) {
		spin_lock(&dev_lock);
		d->mapped[r] = false;
		spin_unlock(&dev_lock);
		goto out;
	}
	res = copyout(op->proc->pt, op->sqe.addr, &va, sizeof(va));
	if (res == 0)
		res = d->desc.size[r];
out:
	file_put(f);
	return res;
}

/* A free DMA slot of d, reserved; -1 if none. */
static int reserve(struct dev *d)
{
	int k;
	spin_lock(&dev_lock);
	for (k = 0; k < DEV_NDMA && d->dma[k].busy; k++)
		;
	if (k < DEV_NDMA)
		d->dma[k].busy = true;
	spin_unlock(&dev_lock);
	return k < DEV_NDMA ? k : -1;
}

/* DEV_DMA_PIPE: the device (its claim's generation gen) may reach the
   buffer of the connection arg[0] (an end the driver holds): its bus
   address. */
static int dma_pipe(struct op *op, struct dev *d, u64 gen)
{
	struct file *pf = fd_get(op->proc, (int)op->sqe.arg[0]);
	if (!pf)
		return -EBADF;
	struct dev_dma out = {0, 0};
	struct pipe *p = pipe_dma_get(pf, &out.bus);
	file_put(pf);
	if (!p)
		return -EINVAL; /* no connection, or one without a buffer */
	int k = reserve(d);
	if (k < 0) {
		pipe_dma_put(p);
		return -ENOSPC;
	}
	spin_lock(&dev_lock);
	/* the claim still on (another thread may have closed it): release()
	   will drop the reference, after the device stops */
	bool on = d->gen == gen;
	if (on) {
		d->dma[k].pa = out.bus;
		d->dma[k].pipe = p;
	} else {
		d->dma[k].busy = false;
	}
	spin_unlock(&dev_lock);
	if (!on) {
		pipe_dma_put(p);
		return -EBADF;
	}
	return copyout(op->proc->pt, op->sqe.addr, &out, sizeof(out));
}

/* DEV_DMA_UNPIPE: the device no longer reaches the buffer at bus arg[0]. */
static int dma_unpipe(struct op *op, struct dev *d)
{
	struct pipe *p = NULL;
	spin_lock(&dev_lock);
	for (int k = 0; k < DEV_NDMA && !p; k++) {
		if (d->dma[k].pipe && d->dma[k].pa == op->sqe.arg[0]) {
			p = d->dma[k].pipe;
			d->dma[k] = (typeof(d->dma[k])){0, 0, false, NULL};
		}
	}
	spin_unlock(&dev_lock);
	if (!p)
		return -EINVAL;
	pipe_dma_put(p);
	return 0;
}

int op_dev_dma(struct op *op)
{
	struct file *f;
	struct dev *d = held(op, &f);
	if (!d)
		return -EBADF;
	int i = d - devs, k, order = 0, res = -EINVAL;
	if (op->sqe.off == DEV_DMA_PIPE || op->sqe.off == DEV_DMA_UNPIPE) {
		res = op->sqe.off == DEV_DMA_PIPE ? dma_pipe(op, d, f->arg) : dma_unpipe(op, d);
		goto out;
	}
	if (op->sqe.off || op->sqe.len == 0 || op->sqe.len > DEV_DMA_MAX)
		goto out;
	while ((PAGE_SIZE << order) < op->sqe.len)
		order++;
	res = -ENOSPC;
	if ((k = reserve(d)) < 0)
		goto out;
	struct dev_dma out = {.addr = dma_va(i, k), .bus = page_alloc_for(op->proc->uid, order)};
	res = -ENOMEM;
	if (!out.bus ||
	    uvm_share(op->proc->pt, out.addr, out.bus, PAGE_SIZE << order, VM_R | VM_W | VM_U)) {
		if (out.bus)
			page_free(out.bus, order);
		spin_lock(&dev_lock);
		d->dma[k].busy = false;
		spin_unlock(&dev_lock);
		goto out;
	}
	d->dma[k].order = order;
	d->dma[k].pa = out.bus; /* from now on release() frees it */
	res = copyout(op->proc->pt, op->sqe.addr, &out, sizeof(out));
out:
	file_put(f);
	return res;
}

int op_dev_irq(struct op *op)
{
	struct file *f;
	struct dev *d = held(op, &f);
	if (!d)
		return -EBADF;
	unsigned vector;
	struct file *vf = fd_get(op->proc, (int)op->sqe.arg[0]);
	struct urecv *u = vf ? uintr_vector_recv(vf, &vector) : NULL;
	int res = !u ? -EBADF : d->desc.irq < 0 ? -ENODEV : 0;
	if (res == 0) {
		spin_lock(&dev_lock);
		res = irq_register(d->desc.irq, dev_intr); /* armed; -EBUSY: the kernel's line */
		if (res == 0) {
			struct urecv *old = d->recv; /* bound again: the new vector replaces it */
			d->recv = u;
			d->vector = vector;
			u = old;
		}
		spin_unlock(&dev_lock);
	}
	if (u)
		uintr_put(u);
	if (vf)
		file_put(vf);
	file_put(f);
	return res;
}

int op_dev_arm(struct op *op)
{
	struct file *f;
	struct dev *d = held(op, &f);
	if (!d)
		return -EBADF;
	spin_lock(&dev_lock);
	int res = d->recv ? 0 : -EINVAL;
	if (d->recv)
		arch_irq_unmask(d->desc.irq);
	spin_unlock(&dev_lock);
	file_put(f);
	return res;
}
