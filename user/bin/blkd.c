/*
 * blkd.c - the disk driver: a virtio-blk device driven from user space
 * (docs/drivers.md), serving the block protocol (user/include/blk.h) to
 * clients - fsd - over connections to "/dev/disk".
 *
 * It claims the device through the kernel's device operations
 * (user/lib/virtio.c), mounts BLK_PATH as a file server does (root
 * only: mode 0600), and then loops, never waiting for any one client:
 *
 *   the disk's interrupt (a user interrupt: on_uintr sets `irq`)
 *       acknowledge it, take every completion, re-arm: one kernel
 *       entry per interrupt, however many requests it completes
 *   the kernel's requests on the control descriptor
 *       FS_LOOKUP, FS_STAT of "/"; FS_CONNECT: a new client
 *   every connection
 *       take requests (a write's data as it comes), hand replies back
 *       (a read's data as the ring has room)
 *   nothing to do: sleep until a client writes, the kernel asks, or
 *   the disk interrupts (one wait(), which takes the interrupt)
 *
 * A request lives in a slot, from its header to the last byte of its
 * reply. Slot k owns descriptor k of the queue, which points to the
 * slot's own table of descriptors (an indirect one: virtio 1.x, 2.7.5.3):
 * the virtio-blk header, the data, the status byte. Its data is either
 * the slot's BLK_MAX blocks of DMA memory, to and from which it moves
 * once through the connection's ring, or blocks of the connection's
 * buffer (BLK_BUF, blk.h), a descriptor each: memory the client shares,
 * which the device reads or writes itself - no copy here at all. The
 * kernel lets the device reach a connection's buffer when it comes
 * (OP_DEV_DMA, DEV_DMA_PIPE), and is told once it no longer does
 * (DEV_DMA_UNPIPE: the client gone, and none of its requests left at
 * the disk); until then the buffer's pages stay, whoever closes what.
 *
 *   FREE --header--> RECV (a write: its data is coming) --> DISK --> DONE
 *                \---------------------------------------/         |
 *                 (a read, a flush)         (errors, BLK_INFO) ---> DONE --sent--> FREE
 *
 * The device is checked like a client: a completion must name the head
 * of a chain that is at the disk, and a read must say it wrote all of
 * it; anything else is -EIO for that request, never a wild access.
 */
#include "user.h"
#include "async.h"
#include "blk.h"
#include "virtio.h"

#define IRQ_VECTOR 1  /* the user-interrupt vector the disk's interrupt posts */
#define NCONN	   16 /* clients at once */
#define NSLOT	   BLK_INFLIGHT
#define QSIZE	   NSLOT /* queue entries we ask for: one per slot */
#define NCTL	   4	 /* the kernel's requests handled per round while busy */
#define SPIN	   2000	 /* look this many times before sleeping (two CPUs or more) */

#define VIRTIO_BLK_F_RO		    (1ull << 5)
#define VIRTIO_BLK_F_FLUSH	    (1ull << 9)
#define VIRTIO_RING_F_INDIRECT_DESC (1ull << 28)
#define VQ_INDIRECT		    4		    /* the descriptor points to a table of them */
enum { VBLK_IN = 0, VBLK_OUT = 1, VBLK_FLUSH = 4 }; /* virtio-blk request types */

/* What the device reads first, and the status byte it writes last. */
struct vblk_hdr {
	u32 type;
	u32 reserved;
	u64 sector; /* 512-byte sectors */
};
#define NTAB (BLK_MAX + 2) /* a slot's table: header, a descriptor per block, status */
#define TAB  64		   /* where the table starts in a slot's meta */
#define META 512	   /* bytes of a slot's header, status and table */

_Static_assert(TAB >= sizeof(struct vblk_hdr) + 1 && TAB + NTAB * sizeof(struct vq_desc) <= META,
	       "a slot's header, status and table fit its meta");
_Static_assert(NSLOT *BLK_MAX *BLK_SIZE <= DEV_DMA_MAX, "the slots' data is one allocation");

struct conn;

struct slot {
	enum { FREE, RECV, DISK, DONE } state;
	struct conn *c; /* NULL once its client is gone (DISK: the device still has it) */
	struct blk_req q;
	struct blk_reply a;
	u32 have; /* RECV: bytes of data taken so far */
	u32 sent; /* DONE: bytes of the reply (header, then data) given so far */
	u8 *data; /* BLK_MAX blocks of DMA memory */
	u64 data_bus;
	u64 buf_bus;	   /* BLK_BUF: the bus address of its connection's buffer (else 0) */
	struct slot *next; /* its connection's replies to send */
};

struct conn {
	int fd; /* -1: free */
	struct pipe_hdr *h;
	int end;
	bool writable;	 /* opened for writing */
	bool closing;	 /* broke the protocol: no more requests, close when answered */
	struct slot *rx; /* the write whose data is coming */
	u64 drain;	 /* bytes of a refused write still to throw away */
	u64 buf_bus;	 /* its buffer, which the device may reach (0: none) */
	u32 nbuf;	 /* ... in blocks */
	struct slot *tx; /* replies to send, in order */
	struct slot **tx_end;
};

static struct virtio v;
static struct slot slots[NSLOT];
static struct conn conns[NCONN];
static u8 *meta; /* NSLOT * META bytes: each slot's header and status */
static u64 meta_bus;
static u64 nblocks;
static int ctl;
static volatile int irq; /* set by the user-interrupt handler */
static bool irq_bound;	 /* the disk's interrupt is bound (at the first client) */
static bool offered;	 /* requests offered this round: the device is to be told */
static u64 traffic[2];	 /* data bytes through rings, and to or from buffers (BLK_STATS) */

static void on_uintr(unsigned long vector)
{
	if (vector == IRQ_VECTOR)
		irq = 1;
}

/* ---- replies ------------------------------------------------------------ */

static struct slot *slot_get(void)
{
	for (int k = 0; k < NSLOT; k++)
		if (slots[k].state == FREE)
			return &slots[k];
	return NULL;
}

/* s is answered: queue its reply on its connection (or free it: nobody left). */
static void reply(struct slot *s, int status)
{
	s->a.status = status;
	if (!s->c) {
		s->state = FREE;
		return;
	}
	s->state = DONE;
	s->sent = 0;
	s->next = NULL;
	*s->c->tx_end = s;
	s->c->tx_end = &s->next;
}

/* Bytes of s's reply: the header, and a successful inline read's data. */
static u32 reply_len(struct slot *s)
{
	u32 data =
	    s->q.op == BLK_READ && !s->buf_bus && s->a.status == 0 ? s->q.count * BLK_SIZE : 0;
	return sizeof(s->a) + data;
}

/* ---- the disk ---------------------------------------------------------- */

/* Give s to the device: header, data (not for a flush), status, in its
   table; the queue's descriptor k points to the table. The device is
   told once a round, of all the round's requests (main). */
static void submit(struct slot *s)
{
	int k = s - slots;
	struct vblk_hdr *h = (struct vblk_hdr *)(meta + k * META);
	u8 *st = meta + k * META + sizeof(*h);
	struct vq_desc *t = (struct vq_desc *)(meta + k * META + TAB);
	u64 hb = meta_bus + k * META;
	h->type = s->q.op == BLK_READ ? VBLK_IN : s->q.op == BLK_WRITE ? VBLK_OUT : VBLK_FLUSH;
	h->reserved = 0;
	h->sector = s->q.block * (BLK_SIZE / 512);
	*st = 0xff; /* not 0 (OK) until the device says so */
	u16 n = 0, dir = s->q.op == BLK_READ ? VQ_WRITE : 0;
	t[n] = (struct vq_desc){hb, sizeof(*h), VQ_NEXT, n + 1};
	n++;
	if (s->q.op != BLK_FLUSH && s->buf_bus) {
		for (u32 i = 0; i < s->q.count; i++, n++)
			t[n] = (struct vq_desc){s->buf_bus + (u64)s->q.at[i] * BLK_SIZE, BLK_SIZE,
						VQ_NEXT | dir, n + 1};
		traffic[1] += s->q.count * BLK_SIZE;
	} else if (s->q.op != BLK_FLUSH) {
		t[n] = (struct vq_desc){s->data_bus, s->q.count * BLK_SIZE, VQ_NEXT | dir, n + 1};
		n++;
	}
	t[n] = (struct vq_desc){hb + sizeof(*h), 1, VQ_WRITE, 0};
	n++;
	v.q[0].desc[k] = (struct vq_desc){hb + TAB, n * sizeof(*t), VQ_INDIRECT, 0};
	s->state = DISK;
	virtio_offer(&v, 0, k);
	offered = true;
}

/* The device no longer reaches the buffer at bus (its client is gone)
   once no request at the disk names it: tell the kernel, which may then
   free it. */
static void unpipe(u64 bus)
{
	for (int k = 0; k < NSLOT; k++)
		if (slots[k].state == DISK && slots[k].buf_bus == bus)
			return; /* the last of them to complete unpipes it (reap) */
	struct sqe e = {.opcode = OP_DEV_DMA, .fd = v.fd, .off = DEV_DMA_UNPIPE};
	e.arg[0] = bus;
	ring_call(&e, NULL);
}

/* Take every completion the device has posted; true if there was one. */
static bool reap(void)
{
	bool any = false;
	struct vq_used_elem e;
	int r;
	while ((r = virtio_next_used(&v, 0, &e)) > 0) {
		any = true;
		struct slot *s = e.id < NSLOT ? &slots[e.id] : NULL;
		if (!s || s->state != DISK) {
			fprintf(2, "blkd: the device completed %u, which it does not have\n", e.id);
			continue;
		}
		u8 st = meta[(s - slots) * META + sizeof(struct vblk_hdr)];
		bool whole = s->q.op != BLK_READ || e.len >= s->q.count * BLK_SIZE + 1;
		bool gone = !s->c && s->buf_bus; /* its client's buffer may go now */
		reply(s, st == 0 && whole ? 0 : -EIO);
		if (gone)
			unpipe(s->buf_bus);
	}
	if (r < 0) {
		/* its index lies: nothing it says can be trusted any more */
		fprintf(2, "blkd: the device's used index is corrupt; stopping\n");
		exit(1);
	}
	return any;
}

/* ---- a connection ------------------------------------------------------- */

/* The client is gone or broke the protocol: close; what the disk still
   has stays there until it completes, then its slot is freed. */
static void drop(struct conn *c)
{
	for (int k = 0; k < NSLOT; k++) {
		if (slots[k].c != c || slots[k].state == FREE)
			continue;
		slots[k].c = NULL;
		if (slots[k].state != DISK)
			slots[k].state = FREE;
	}
	if (c->buf_bus)
		unpipe(c->buf_bus);
	c->buf_bus = 0;
	close(c->fd);
	c->fd = -1;
}

/* A request's header arrived in s: check it, then start it. */
static void start(struct conn *c, struct slot *s)
{
	struct blk_req *q = &s->q;
	s->c = c;
	s->a = (struct blk_reply){.tag = q->tag};
	bool io = q->op == BLK_READ || q->op == BLK_WRITE;
	bool inbuf = io && (q->flags & BLK_BUF);
	s->buf_bus = inbuf ? c->buf_bus : 0;
	if ((!io && q->op != BLK_FLUSH && q->op != BLK_INFO && q->op != BLK_STATS) ||
	    (io && (q->count == 0 || q->count > BLK_MAX))) {
		c->closing = true; /* it cannot be framed: answer, then close */
		reply(s, -EINVAL);
		return;
	}
	int err = 0;
	if (io && (q->block >= nblocks || q->count > nblocks - q->block || (q->flags & ~BLK_BUF)))
		err = -EINVAL;
	else if (q->op == BLK_WRITE && (!c->writable || (v.features & VIRTIO_BLK_F_RO)))
		err = -EBADF;
	for (u32 i = 0; inbuf && !err && i < q->count; i++)
		if (q->at[i] >= c->nbuf) /* no buffer (nbuf 0), or outside it */
			err = -EINVAL;
	if (err) {
		if (q->op == BLK_WRITE && !inbuf)
			c->drain = (u64)q->count * BLK_SIZE;
		reply(s, err);
	} else if (q->op == BLK_INFO) {
		s->a.value = q->block == 1 ? c->nbuf : nblocks;
		reply(s, 0);
	} else if (q->op == BLK_STATS) {
		struct kstats ks;
		int r = kstats(&ks);
		s->a.value = q->block < 3 ? ks.thread[q->block]
			     : q->block == BLK_STAT_INLINE || q->block == BLK_STAT_BUF
				 ? traffic[q->block - BLK_STAT_INLINE]
				 : 0;
		reply(s, r < 0 ? r : q->block <= BLK_STAT_BUF ? 0 : -EINVAL);
	} else if (q->op == BLK_FLUSH && !(v.features & VIRTIO_BLK_F_FLUSH)) {
		reply(s, 0); /* no flush offered: the device writes through */
	} else if (q->op == BLK_WRITE && !inbuf) {
		s->state = RECV;
		s->have = 0;
		c->rx = s;
	} else {
		submit(s);
	}
}

/* Take what the client sent: requests, and a write's data as it comes. */
static bool rx(struct conn *c)
{
	bool moved = false;
	for (;;) {
		long n = pipe_avail(c->fd);
		if (n < 0) {
			drop(c); /* its index lies */
			return true;
		}
		if (c->drain) {
			n = MIN((u64)n, c->drain);
			if (n == 0 || pipe_take(c->fd, NULL, n) != n)
				break;
			c->drain -= n;
		} else if (c->rx) {
			struct slot *s = c->rx;
			n = MIN((u32)n, s->q.count * BLK_SIZE - s->have);
			if (n == 0 || pipe_take(c->fd, s->data + s->have, n) != n)
				break;
			s->have += n;
			traffic[0] += n;
			if (s->have == s->q.count * BLK_SIZE) {
				c->rx = NULL;
				submit(s);
			}
		} else {
			struct slot *s;
			if (c->closing || n < (long)sizeof(s->q) || !(s = slot_get()))
				break;
			if (pipe_take(c->fd, &s->q, sizeof(s->q)) != sizeof(s->q))
				break;
			start(c, s);
		}
		moved = true;
	}
	return moved;
}

/* Hand back what is answered, as far as the ring has room. */
static bool tx(struct conn *c)
{
	bool moved = false;
	while (c->tx) {
		struct slot *s = c->tx;
		long room = pipe_room(c->fd);
		if (room < 0) {
			drop(c);
			return true;
		}
		if (s->sent == 0) {
			if (room < (long)sizeof(s->a) || pipe_give(c->fd, &s->a, sizeof(s->a)) < 0)
				break;
			s->sent = sizeof(s->a);
			room -= sizeof(s->a);
			moved = true;
		}
		u32 n = MIN((u64)room, reply_len(s) - s->sent);
		if (n > 0 && pipe_give(c->fd, s->data + s->sent - sizeof(s->a), n) == n) {
			s->sent += n;
			traffic[0] += n;
			moved = true;
		}
		if (s->sent < reply_len(s))
			break;
		c->tx = s->next;
		if (!c->tx)
			c->tx_end = &c->tx;
		s->state = FREE;
	}
	if (c->closing && !c->tx && !c->rx)
		drop(c);
	return moved;
}

/* Room for the next piece of the first reply (or a lying index: tx drops it). */
static bool tx_ready(struct conn *c)
{
	long room = pipe_room(c->fd);
	return room < 0 || room >= (c->tx->sent == 0 ? (long)sizeof(c->tx->a) : 1);
}

static bool serve(struct conn *c)
{
	if (__atomic_load_n(&c->h->closed[!c->end], __ATOMIC_ACQUIRE)) {
		drop(c); /* nobody to answer */
		return true;
	}
	bool moved = rx(c);
	if (c->fd >= 0)
		moved |= tx(c);
	return moved;
}

/* Something to do for connection c: bytes to take, room for a reply, or it is gone. */
static bool conn_ready(struct conn *c)
{
	return pipe_avail(c->fd) != 0 || (c->tx && tx_ready(c)) ||
	       __atomic_load_n(&c->h->closed[!c->end], __ATOMIC_ACQUIRE);
}

/* ---- the kernel's requests ---------------------------------------------- */

/*
 * The disk's interrupt, bound when the first client comes: nothing reaches
 * the disk before, and until then blkd runs no user-interrupt instruction
 * (in the labs' handouts, where the kernel's emulation is a stub, booting
 * still works).
 */
static int bind_irq(void)
{
	int r = irq_bound ? 0 : uintr_register_handler(on_uintr, NULL, 0);
	if (!irq_bound && r == 0 && (r = virtio_irq(&v, IRQ_VECTOR)) == 0) {
		uintr_enable();
		irq_bound = true;
	}
	return r;
}

static int connect(struct fs_req *q)
{
	struct conn *c = NULL;
	for (int i = 0; i < NCONN && !c; i++)
		if (conns[i].fd < 0)
			c = &conns[i];
	int err = bind_irq();
	if (err < 0) {
		close(q->conn);
		return err;
	}
	struct pipe_attach a;
	struct sqe e = {.opcode = OP_PIPE_ATTACH, .fd = q->conn, .addr = (uptr)&a};
	int r = !c ? -ENFILE : !pipe_is_conn(q->conn) || ring_call(&e, NULL) < 0 ? -EBADF : 0;
	if (r < 0) {
		close(q->conn);
		return r;
	}
	*c = (struct conn){.fd = q->conn, .h = (struct pipe_hdr *)(uptr)a.hdr, .end = a.end};
	c->writable = (q->flags & O_ACCMODE) != O_RDONLY;
	c->tx_end = &c->tx;
	/* its buffer, if the device may reach it (else every request is inline) */
	struct dev_dma d;
	struct sqe b = {.opcode = OP_DEV_DMA, .fd = v.fd, .off = DEV_DMA_PIPE, .addr = (uptr)&d};
	b.arg[0] = q->conn;
	if (a.buf_size >= BLK_SIZE && ring_call(&b, NULL) == 0) {
		c->buf_bus = d.bus;
		c->nbuf = a.buf_size / BLK_SIZE;
	}
	return 0;
}

static void control(void)
{
	static struct fs_req q;
	if (read(ctl, &q, sizeof(q)) != sizeof(q))
		return;
	q.path[FS_PATH - 1] = '\0';
	struct fs_reply a = {.id = q.id};
	bool here = strcmp(q.path, "/") == 0;
	switch (q.op) {
	case FS_LOOKUP:
	case FS_STAT:
		a.res = !here ? -ENOENT : q.op == FS_LOOKUP && (q.flags & O_EXCL) ? -EEXIST : 0;
		a.st = (struct fs_stat){.ino = 1,
					.gen = 1,
					.size = nblocks * BLK_SIZE,
					.mode = S_IFREG | 0600,
					.nlink = 1};
		break;
	case FS_CONNECT:
		a.res = connect(&q);
		break;
	default:
		a.res = -EACCES; /* a device: not a directory, not a program */
	}
	write(ctl, &a, sizeof(a));
}

/* ---- start ---------------------------------------------------------------- */

static int setup(void)
{
	int r = virtio_open(&v, DEV_VIRTIO_BLK,
			    VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_RO | VIRTIO_RING_F_INDIRECT_DESC);
	if (r < 0)
		return r;
	if (!(v.features & VIRTIO_RING_F_INDIRECT_DESC))
		return -ENOTSUP; /* every request is a table */
	if ((r = virtio_start(&v, 1, QSIZE)) < 0)
		return r;
	if (v.q[0].size < NSLOT)
		return -ENOSPC;
	u8 *data;
	u64 data_bus = virtio_dma(&v, NSLOT * BLK_MAX * BLK_SIZE, (void **)&data);
	meta_bus = virtio_dma(&v, NSLOT * META, (void **)&meta);
	if (!data_bus || !meta_bus)
		return -ENOMEM;
	for (int k = 0; k < NSLOT; k++) {
		slots[k].data = data + k * BLK_MAX * BLK_SIZE;
		slots[k].data_bus = data_bus + k * BLK_MAX * BLK_SIZE;
	}
	nblocks = virtio_cfg64(&v, 0) / (BLK_SIZE / 512);
	return 0;
}

/*
 * Nothing to do: sleep until a client writes or has room for a reply,
 * the kernel asks, or the disk interrupts. One wait() with user
 * interrupts masked while we look: an interrupt after the look stays
 * pending, and the wait takes it - the pipes' wake-up and the disk's
 * vector both, so neither is delivered (a delivery and its return are
 * two more kernel entries: docs/uintr.md) - and says which it was. It
 * says too whether the control descriptor woke it, so that it need not
 * be looked at before every sleep. Returns true if it did.
 */
static bool idle(void)
{
	enum { PIPE_WOKE, IRQ_WOKE, CTL_WOKE };
	struct wait_item it[3] = {
	    {.type = WAIT_READ, .id = ctl, .user_data = CTL_WOKE},
	    {.type = WAIT_UINTR, .id = WAIT_UINTR_TAKE | PIPE_VECTOR, .user_data = PIPE_WOKE},
	    {.type = WAIT_UINTR, .id = WAIT_UINTR_TAKE | IRQ_VECTOR, .user_data = IRQ_WOKE},
	};
	struct wait_event ev[3];
	/* no user-interrupt state before the first client (bind_irq) */
	int nit = irq_bound ? 3 : 1;
	if (irq_bound)
		uintr_disable();
	/* Raise our waiting flags, then look: a client that writes or takes
	   after the look sees a flag and wakes us (kernel/abi/pipe.h). */
	for (int i = 0; i < NCONN; i++)
		if (conns[i].fd >= 0)
			__atomic_store_n(&conns[i].h->waiting[conns[i].end], 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	bool ready = irq || virtio_pending(&v, 0);
	for (int i = 0; i < NCONN && !ready; i++)
		ready = conns[i].fd >= 0 && conn_ready(&conns[i]);
	long n = ready ? 0 : wait(it, nit, ev, 3, -1);
	bool woke_ctl = false;
	for (long k = 0; k < n; k++) {
		if (ev[k].user_data == IRQ_WOKE)
			irq = 1;
		woke_ctl |= ev[k].user_data == CTL_WOKE;
	}
	for (int i = 0; i < NCONN; i++)
		if (conns[i].fd >= 0)
			__atomic_store_n(&conns[i].h->waiting[conns[i].end], 0, __ATOMIC_RELAXED);
	if (irq_bound)
		uintr_enable();
	return woke_ctl;
}

int main(void)
{
	for (int i = 0; i < NCONN; i++)
		conns[i].fd = -1;
	int r = setup();
	if (r == -ENODEV) {
		printf("blkd: no disk\n");
		return 0;
	}
	if (r < 0) {
		fprintf(2, "blkd: cannot drive the disk: %s\n", errstr(r));
		return 1;
	}
	struct sqe m = {.opcode = OP_MOUNT, .addr = (uptr)BLK_PATH, .len = BLK_BUF_SIZE};
	if ((ctl = ring_call(&m, NULL)) < 0) {
		fprintf(2, "blkd: cannot mount %s: %s\n", BLK_PATH, errstr(ctl));
		return 1;
	}
	/* Looking again before sleeping pays when a client runs on another
	   CPU: it takes a reply's bytes or sends the next request without
	   waking us (as fsd does). With one CPU it cannot run while we look. */
	struct kstats ks;
	int spin = kstats(&ks) == 0 && ks.ncpu == 1 ? 0 : SPIN;
	bool woke_ctl = false; /* the last sleep ended because the kernel asks */
	for (unsigned round = 0;; round++) {
		bool busy = false;
		if (irq) {
			irq = 0;
			virtio_intr_ack(&v); /* lowers the line before it is unmasked */
			busy |= reap();
			virtio_arm(&v);
		}
		busy |= reap(); /* completions that came before their interrupt */
		for (int i = 0; i < NCONN; i++)
			if (conns[i].fd >= 0)
				busy |= serve(&conns[i]);
		if (offered) /* one notify for what every client sent */
			virtio_notify(&v, 0);
		offered = false;
		/* The kernel's requests: when a sleep ended for one, and now and
		   then while busy (not before every sleep: the sleep waits for
		   them too, and a look is a system call) */
		if (woke_ctl) {
			control();
			busy = true;
		} else if (round % 16 == 0) {
			for (int k = 0; k < NCTL && fd_readable(ctl); k++, busy = true)
				control();
		}
		woke_ctl = false;
		bool ready = false;
		for (int s = 0; s < spin && !busy && !ready; s++)
			for (int i = 0; i < NCONN && !ready; i++)
				ready = irq || virtio_pending(&v, 0) ||
					(conns[i].fd >= 0 && conn_ready(&conns[i]));
		if (!busy && !ready)
			woke_ctl = idle();
	}
}
