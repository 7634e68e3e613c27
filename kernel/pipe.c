/*
 * pipe.c - pipes: hardware pipes (abi/pipe.h), where the kernel only
 * creates, maps, connects and tears down, and kernel-buffered pipes, the
 * classic kind every byte of which goes through the kernel: the baseline
 * that the benchmarks and the pipe lab compare against.
 *
 * A hardware pipe's ends are two struct files over one struct pipe:
 *
 *   fd --> struct file (end 0) --+
 *                                +--> struct pipe --> region (pages):
 *   fd --> struct file (end 1) --+      recv[2]       header, ring 0, ring 1
 *                                       (who to wake) [buffer: a connection's,
 *   struct proc --> pipemap --------------^            if its server asked]
 *                   (mapped here at uaddr; the buffer at uaddr + BUF_AT)
 *
 * Reading and writing happen in user space (user/lib/pipe.c). The
 * kernel steps in at three moments:
 *   - OP_PIPE makes the pipe and its two descriptors;
 *   - OP_PIPE_ATTACH, in each process that uses an end: map the region,
 *     make the calling thread the end's receiver of PIPE_VECTOR, and give
 *     it a sender-table entry that interrupts the other end;
 *   - the last close of an end: raise closed[end] and interrupt the
 *     other end, which then sees end of file or -EPIPE.
 * The pages live while a descriptor or a mapping holds the pipe: a
 * process's mappings go when the process ends (pipe_unmap_all), so no
 * program can reach pages the kernel has handed to someone else.
 *
 * A connection may carry a buffer: pages both ends map, that the
 * server's driver may let its device reach (dev.c, OP_DEV_DMA with
 * DEV_DMA_PIPE), so that a file server's cached blocks are the disk's
 * DMA memory (docs/disk.md, "Copies of file data"). The server asks for
 * it when it mounts (OP_MOUNT's len); it is allocated with the
 * connection, zeroed, and freed with the pipe - and a device that may
 * reach it holds a reference on the pipe until it no longer can.
 *
 * A kernel pipe keeps its bytes in a kernel buffer. Reads and writes
 * are operations that copy through it; one that cannot go on parks (like
 * a console read) until the other side makes room or data, or closes.
 * Its state is under sched_lock, like the pending list it parks on.
 */
#include "proc.h"
#include "uintr.h"

#define PIPE_SPAN   (8ull << 20) /* where pipes are mapped: one span each from PIPE_BASE, */
#define BUF_AT	    (4ull << 20) /* ... its region at 0, a connection's buffer here */
#define NPIPEMAP    128		 /* ... at most this many per process */
#define RINGS_ORDER 5		 /* 2^5 pages hold a pipe's two rings */
#define K_SIZE	    (16 * 1024)	 /* bytes in a kernel pipe's buffer */

/*
 * A hardware pipe's region is its header's page and then its two rings
 * (abi/pipe.h): two allocations, mapped one after the other, so that
 * 64 KiB rings take 33 pages rather than the 64 of the next power of two.
 */
_Static_assert(PIPE_HDR == PAGE_SIZE && 2 * PIPE_SIZE == PAGE_SIZE << RINGS_ORDER &&
		   PIPE_REGION <= BUF_AT && BUF_AT + PIPE_BUF_MAX <= PIPE_SPAN,
	       "a pipe's region must be its header's page and its rings' pages, in its span,"
	       " and then its buffer");
_Static_assert(PAGE_SIZE << PAGE_MAX_ORDER >= PIPE_BUF_MAX, "a buffer is one allocation");
_Static_assert(PIPE_BASE + NPIPEMAP * PIPE_SPAN <= DEV_BASE, "pipes and devices overlap");

struct pipe {
	int ref;	  /* its files and its mappings */
	int uid;	  /* who made it: counts against USER_PIPES (-1: a connection, nobody's) */
	struct pipe *all; /* on the list of every pipe */
	bool kernel;
	bool conn;	      /* a connection to a server: messages, both rings (abi/fs.h) */
	struct spinlock lock; /* recv[], wake[] */
	/* hardware */
	u64 pa;	    /* the header's page */
	u64 rings;  /* the rings' pages (RINGS_ORDER) */
	u64 shared; /* a connection's buffer: its pages (shared_order), or 0 */
	int shared_order;
	struct pipe_hdr *hdr;
	struct urecv *recv[2]; /* the thread each end wakes, once attached */
	struct {	       /* the sender entry end e's attacher got to wake the other */
		struct proc *pr;
		int tid, idx;
		struct urecv *to;
	} snd[2];
	/* kernel-buffered, under sched_lock */
	u8 *buf;
	u32 head, tail;
	bool closed[2];
};

struct pipemap {
	struct pipe *pipe;
	u64 uaddr;
	struct pipemap *next;
};

/* Every pipe, for counting a user's: the list's lock is taken alone. */
static struct pipe *pipes;
static struct spinlock pipes_lock = {0, "pipes", -1};

static void pipe_put(struct pipe *p)
{
	release_check("pipe_put");
	if (__atomic_sub_fetch(&p->ref, 1, __ATOMIC_ACQ_REL))
		return;
	spin_lock(&pipes_lock);
	struct pipe **pp = &pipes;
	while (*pp != p)
		pp = &(*pp)->all;
	*pp = p->all;
	spin_unlock(&pipes_lock);
	if (p->kernel) {
		kfree(p->buf);
	} else {
		page_free(p->pa, 0);
		page_free(p->rings, RINGS_ORDER);
		if (p->shared)
			page_free(p->shared, p->shared_order);
	}
	kfree(p);
}

/* ---- hardware pipes ---------------------------------------------------- */

/* The last descriptor of an end is gone: say so, and wake the other end. */
static void hw_close(struct file *f)
{
	/* LAB pipe 1: BEGIN raise closed[end], kick the other end; drop our receiver, the pipe */
	/* STUB: printf("lab pipe task 1: hw_close is not written yet\n");
	   pipe_put(f->priv); // the end's receiver leaks; the peer is never told */
	struct pipe *p = f->priv;
	int end = f->arg;
	__atomic_store_n(&p->hdr->closed[end], 1, __ATOMIC_SEQ_CST);
	spin_lock(&p->lock);
	struct urecv *mine = p->recv[end], *other = p->recv[!end];
	p->recv[end] = NULL;
	if (other)
		uintr_kick(other, PIPE_VECTOR);
	spin_unlock(&p->lock);
	if (mine)
		uintr_put(mine);
	pipe_put(p);
	/* LAB pipe END */
}

static int hw_rw(struct file *f, struct op *op)
{
	(void)f, (void)op;
	return -ENOTSUP; /* the C library reads and writes the rings itself */
}

static bool hw_ready(struct file *f)
{
	(void)f;
	return true; /* wait() on a hardware pipe would not know: never block on it */
}

static void hw_detach(struct file *f, struct proc *pr);

static const struct fileops hw_fileops = {
    .read = hw_rw, .write = hw_rw, .readable = hw_ready, .close = hw_close, .detach = hw_detach};

/* p's pages leave pr's address space at uaddr (every CPU forgets them). */
static void unmap(struct proc *pr, struct pipe *p, u64 uaddr)
{
	uvm_unmap(pr->pt, uaddr, PIPE_REGION);
	if (p->shared)
		uvm_unmap(pr->pt, uaddr + BUF_AT, PAGE_SIZE << p->shared_order);
}

/*
 * Where p is mapped in process pr, mapping it if it is not yet; 0 if
 * there is no room. All under pr->lock: two threads attaching the two
 * ends of one pipe at once must not both map it, or pick one slot.
 */
static u64 map_in(struct proc *pr, struct pipe *p)
{
	u64 used[NPIPEMAP / 64] = {0}, uaddr = 0;
	spin_lock(&pr->lock);
	for (struct pipemap *m = pr->maps; m && !uaddr; m = m->next) {
		if (m->pipe == p)
			uaddr = m->uaddr;
		u64 slot = (m->uaddr - PIPE_BASE) / PIPE_SPAN;
		used[slot / 64] |= 1ull << (slot % 64);
	}
	int slot = 0;
	while (!uaddr && slot < NPIPEMAP && (used[slot / 64] >> (slot % 64) & 1))
		slot++;
	struct pipemap *m = uaddr || slot == NPIPEMAP ? NULL : kmalloc(sizeof(*m));
	if (m) {
		m->pipe = p;
		m->uaddr = PIPE_BASE + slot * PIPE_SPAN;
		unsigned prot = VM_R | VM_W | VM_U;
		if (uvm_share(pr->pt, m->uaddr, p->pa, PIPE_HDR, prot) == 0 &&
		    uvm_share(pr->pt, m->uaddr + PIPE_HDR, p->rings, 2 * PIPE_SIZE, prot) == 0 &&
		    (!p->shared || uvm_share(pr->pt, m->uaddr + BUF_AT, p->shared,
					     PAGE_SIZE << p->shared_order, prot) == 0)) {
			__atomic_add_fetch(&p->ref, 1, __ATOMIC_RELAXED); /* the mapping's */
			m->next = pr->maps;
			pr->maps = m;
			uaddr = m->uaddr;
		} else {
			unmap(pr, p, m->uaddr); /* what was mapped */
			kfree(m);
		}
	}
	spin_unlock(&pr->lock);
	return uaddr;
}

/*
 * Process pr dropped a descriptor of a hardware pipe. If it holds no
 * other descriptor of that pipe, the mapping goes too: a process that
 * makes and closes many pipes does not fill its address space, and the
 * pages can go once nobody holds the pipe.
 */
static void hw_detach(struct file *f, struct proc *pr)
{
	struct pipe *p = f->priv;
	struct pipemap *m = NULL;
	spin_lock(&pr->lock);
	bool held = false;
	for (int i = 0; i < NFD && !held; i++)
		held = pr->fds[i] && pr->fds[i]->ops == &hw_fileops && pr->fds[i]->priv == p;
	for (struct pipemap *o = pr->maps; o && !held && !m; o = o->next) {
		if (o->pipe == p) {
			m = o;
			m->pipe = NULL; /* going: no attach finds it, but its slot stays taken */
		}
	}
	spin_unlock(&pr->lock);
	if (!m)
		return;
	/* our wake-up entries for this pipe go too - only the calling
	   thread's: another thread's table is its own to change. Dropped
	   after p->lock: an entry's reference may be its receiver's last. */
	struct thread *t = current();
	struct {
		int idx;
		struct urecv *to;
	} gone[2];
	int ngone = 0;
	spin_lock(&p->lock);
	for (int e = 0; e < 2; e++) {
		if (p->snd[e].pr == pr && p->snd[e].tid == t->tid) {
			gone[ngone].idx = p->snd[e].idx;
			gone[ngone++].to = p->snd[e].to;
			p->snd[e].pr = NULL;
		}
	}
	spin_unlock(&p->lock);
	for (int i = 0; i < ngone; i++)
		uintr_sender_drop(t, gone[i].idx, gone[i].to);
	unmap(pr, p, m->uaddr);
	spin_lock(&pr->lock); /* only now may another mapping take the slot */
	for (struct pipemap **mp = &pr->maps; *mp; mp = &(*mp)->next) {
		if (*mp == m) {
			*mp = m->next;
			break;
		}
	}
	spin_unlock(&pr->lock);
	pipe_put(p);
	kfree(m);
}

/* The process has ended (its address space is gone): drop its mappings' pipes. */
void pipe_unmap_all(struct proc *pr)
{
	while (pr->maps) {
		struct pipemap *m = pr->maps;
		pr->maps = m->next;
		if (m->pipe) /* NULL: a detach was dropping it */
			pipe_put(m->pipe);
		kfree(m);
	}
}

/*
 * OP_PIPE_ATTACH. Only a thread of the ring's own (not a poller) can be
 * an end's receiver or get a sender-table entry: the thread does this
 * on the first use of a descriptor, and again if it finds no wake index
 * when it needs one (the other end had not attached yet).
 */
int op_pipe_attach(struct op *op)
{
	struct thread *t = current(); /* the ring's owner: the table in ops.c checks */
	struct file *f = fd_get(op->proc, op->sqe.fd);
	if (!f)
		return -EBADF;
	int r = -ENOTSUP;
	if (f->ops != &hw_fileops)
		goto out; /* the console, a kernel pipe...: f->priv is no struct pipe */
	struct pipe *p = f->priv;
	struct pipe_attach a = {0, (int)f->arg, -1, p->conn, 0, 0, 0};
	r = -ENOMEM;
	if (!(a.hdr = map_in(op->proc, p)))
		goto out;
	if (p->shared) {
		a.buf = a.hdr + BUF_AT;
		a.buf_size = PAGE_SIZE << p->shared_order;
	}
	struct urecv *u = uintr_receiver(t, op->sqe.arg[0]);
	if (!u)
		goto out;
	spin_lock(&p->lock);
	struct urecv *old = p->recv[a.end], *other = p->recv[!a.end];
	p->recv[a.end] = u;
	if (old != u) /* the other end's wake index, if it has one, wakes old */
		__atomic_add_fetch(&p->hdr->gen[a.end], 1, __ATOMIC_SEQ_CST);
	a.gen = p->hdr->gen[!a.end]; /* goes with other, read under the same lock */
	if (other)
		uintr_get(other); /* the other end may close meanwhile */
	spin_unlock(&p->lock);
	if (old)
		uintr_put(old);
	if (other) {
		/* the entry keeps the receiver; a send after its thread is gone
		   goes nowhere, harmlessly. One entry per thread and end: an
		   attach again reuses it. */
		spin_lock(&p->lock);
		bool mine = p->snd[a.end].pr == op->proc && p->snd[a.end].tid == t->tid;
		int idx = mine && p->snd[a.end].to == other ? p->snd[a.end].idx : -1;
		spin_unlock(&p->lock);
		if (idx < 0) {
			if (mine)
				uintr_sender_drop(t, p->snd[a.end].idx, p->snd[a.end].to);
			idx = uintr_sender_add(t, other, PIPE_VECTOR);
			spin_lock(&p->lock);
			p->snd[a.end].pr = op->proc;
			p->snd[a.end].tid = t->tid;
			p->snd[a.end].idx = idx;
			p->snd[a.end].to = other;
			spin_unlock(&p->lock);
		}
		a.wake = idx < 0 ? -1 : idx;
		uintr_put(other);
	}
	r = copyout(op->proc->pt, op->sqe.addr, &a, sizeof(a));
out:
	file_put(f);
	return r;
}

/*
 * A device may reach the buffer of f's connection (dev.c): its pages at
 * *pa, and a reference on the pipe (pipe_dma_put drops it) so that they
 * live while the device may still reach them, whoever closes what. NULL
 * if f is no connection with a buffer.
 */
struct pipe *pipe_dma_get(struct file *f, u64 *pa)
{
	struct pipe *p = f->ops == &hw_fileops ? f->priv : NULL;
	if (!p || !p->shared)
		return NULL;
	__atomic_add_fetch(&p->ref, 1, __ATOMIC_RELAXED);
	*pa = p->shared;
	return p;
}

void pipe_dma_put(struct pipe *p)
{
	pipe_put(p);
}

/* ---- kernel pipes ------------------------------------------------------- */

/*
 * A kernel pipe's bytes: K_SIZE of them in a ring, head..tail-1.
 * Move up to n between the buffer and user memory of op's process;
 * returns how many, or -EFAULT if none could be. Holds sched_lock.
 */
static int k_move(struct pipe *p, struct op *op, u32 done, bool in)
{
	u32 n = op->sqe.len - done, moved = 0;
	while (moved < n) {
		u32 used = p->tail - p->head;
		u32 room = in ? K_SIZE - used : used;
		u32 at = (in ? p->tail : p->head) & (K_SIZE - 1);
		u32 k = MIN(MIN(n - moved, room), K_SIZE - at);
		if (!k)
			break;
		u64 uva = op->sqe.addr + done + moved;
		int r = in ? copyin(op->proc->pt, p->buf + at, uva, k)
			   : copyout(op->proc->pt, uva, p->buf + at, k);
		if (r < 0)
			return moved ? (int)moved : -EFAULT;
		if (in)
			p->tail += k;
		else
			p->head += k;
		moved += k;
	}
	return moved;
}

/* A parked read or write (opcode) on kernel pipe p. */
struct k_want {
	struct pipe *p;
	u8 opcode;
};

static const struct fileops k_fileops;

static bool k_wants(struct op *op, void *arg)
{
	struct k_want *w = arg;
	return op->file && op->file->ops == &k_fileops && op->file->priv == w->p &&
	       op->sqe.opcode == w->opcode;
}

/*
 * Something changed (bytes, room, a close): finish the parked reads and
 * writes that can go on now. Their results are worked out under
 * sched_lock; they are posted after it (op_complete takes other locks).
 */
static void k_pump(struct pipe *p)
{
	for (;;) {
		struct op *op = NULL;
		int res = 0;
		spin_lock(&sched_lock);
		struct k_want rd = {p, OP_READ}, wr = {p, OP_WRITE};
		if ((p->tail != p->head || p->closed[1]) && (op = op_unpark(k_wants, &rd)))
			res = k_move(p, op, 0, false); /* 0 at end of file */
		else if ((p->tail - p->head < K_SIZE || p->closed[0]) &&
			 (op = op_unpark(k_wants, &wr)))
			res = p->closed[0] ? -EPIPE : k_move(p, op, 0, true);
		if (!op)
			wait_wake_fds(); /* and threads in wait() on its descriptors */
		spin_unlock(&sched_lock);
		if (!op)
			return;
		op_complete(op, res, 0);
	}
}

static int k_rw(struct file *f, struct op *op)
{
	struct pipe *p = f->priv;
	bool in = op->sqe.opcode == OP_WRITE;
	if (in != (f->arg == 1))
		return -EBADF; /* reading the write end, or the other way round */
	if (op->sqe.len == 0)
		return 0;
	spin_lock(&sched_lock);
	int r;
	if (in && p->closed[0])
		r = -EPIPE;
	else if (!in && p->tail == p->head && p->closed[1])
		r = 0;
	else if ((r = k_move(p, op, 0, in)) == 0) {
		op->file = f; /* nothing moved: wait for the other side */
		r = op_park(op);
	}
	spin_unlock(&sched_lock);
	if (r != OP_PENDING)
		k_pump(p); /* we made bytes or room: the other side may go on */
	return r;
}

static bool k_ready(struct file *f)
{
	struct pipe *p = f->priv;
	return f->arg == 0 ? p->tail != p->head || p->closed[1]
			   : p->tail - p->head < K_SIZE || p->closed[0];
}

static void k_close(struct file *f)
{
	struct pipe *p = f->priv;
	spin_lock(&sched_lock);
	p->closed[f->arg] = true;
	spin_unlock(&sched_lock);
	k_pump(p); /* readers see end of file, writers -EPIPE */
	pipe_put(p);
}

static const struct fileops k_fileops = {
    .read = k_rw, .write = k_rw, .readable = k_ready, .close = k_close};

/* A kernel pipe's end: its changes wake wait()s through wait_wake_fds() (k_pump). */
bool pipe_wakes_waiters(struct file *f)
{
	return f->ops == &k_fileops;
}

/* ---- OP_PIPE -------------------------------------------------------------- */

/*
 * Put p on the list of pipes, if its maker may have one more: -EAGAIN
 * when a user other than root has USER_PIPES. Counting and adding under
 * one lock: two made at once cannot both be the last.
 */
static int enlist(struct pipe *p)
{
	int n = 0, r = 0;
	spin_lock(&pipes_lock);
	for (struct pipe *q = pipes; q && p->uid > 0; q = q->all)
		n += q->uid == p->uid;
	if (n >= USER_PIPES)
		r = -EAGAIN;
	else {
		p->all = pipes;
		pipes = p;
	}
	spin_unlock(&pipes_lock);
	return r;
}

/* A new pipe's two ends, each a file with one reference, made for uid,
   with a buffer of 2^buf_order pages (-1: none); -ENOMEM, -EAGAIN. */
static int make(bool kernel, bool conn, int uid, int buf_order, struct file **f)
{
	int r = -ENOMEM;
	struct pipe *p = kzalloc(sizeof(*p));
	const struct fileops *ops = kernel ? &k_fileops : &hw_fileops;
	f[0] = file_new(ops, p, 0);
	f[1] = file_new(ops, p, 1);
	if (!p || !f[0] || !f[1])
		goto fail;
	p->kernel = kernel;
	p->conn = conn;
	p->uid = uid;
	spin_init(&p->lock, "pipe");
	if (p->kernel) {
		if (!(p->buf = kmalloc(K_SIZE)))
			goto fail;
	} else {
		if (!(p->pa = page_alloc_for(uid, 0)) ||
		    !(p->rings = page_alloc_for(uid, RINGS_ORDER)))
			goto fail;
		p->hdr = P2V(p->pa);
		memset(p->hdr, 0, PIPE_HDR);
		memset(P2V(p->rings), 0, 2 * PIPE_SIZE); /* no bytes of their last owner */
		p->hdr->size = PIPE_SIZE;
		if (buf_order >= 0) {
			if (!(p->shared = page_alloc_for(uid, buf_order)))
				goto fail;
			p->shared_order = buf_order;
			memset(P2V(p->shared), 0, PAGE_SIZE << buf_order);
		}
	}
	if ((r = enlist(p)) < 0)
		goto fail;
	p->ref = 2; /* the two ends */
	return 0;
fail:
	if (p && p->pa)
		page_free(p->pa, 0);
	if (p && p->rings)
		page_free(p->rings, RINGS_ORDER);
	if (p && p->shared)
		page_free(p->shared, p->shared_order);
	if (p)
		kfree(p->buf);
	kfree(p);
	kfree(f[0]);
	kfree(f[1]);
	return r;
}

/* A connection for OP_OPEN (fs.c): end 0 the client's, end 1 the server's;
   with a buffer of buf bytes (rounded up to a power of two pages) if buf
   is not 0 (its mount's, at most PIPE_BUF_MAX: op_mount checked). */
int pipe_connection(struct file **client, struct file **server, u64 buf)
{
	struct file *f[2];
	int order = buf ? 0 : -1;
	while (buf && (PAGE_SIZE << order) < buf)
		order++;
	int r = make(false, true, -1, order, f);
	*client = f[0];
	*server = f[1];
	return r;
}

int op_pipe(struct op *op)
{
	if (op->sqe.off & ~(u64)PIPE_KERNEL)
		return -EINVAL;
	struct file *f[2];
	int fds[2] = {-1, -1}, r = make(op->sqe.off & PIPE_KERNEL, false, op->ring->uid, -1, f);
	if (r < 0)
		return r;
	if ((fds[0] = fd_alloc(op->proc, f[0])) < 0 || (fds[1] = fd_alloc(op->proc, f[1])) < 0) {
		r = -EMFILE;
		goto undo;
	}
	if (copyout(op->proc->pt, op->sqe.addr, fds, sizeof(fds)) < 0) {
		r = -EFAULT;
		goto undo;
	}
	return 0;
undo: /* the files are whole now: closing them frees the pipe */
	for (int e = 0; e < 2; e++) {
		if (fds[e] < 0)
			file_put(f[e]);
		else /* unless another thread closed the descriptor meanwhile */
			fd_close(op->proc, fds[e], f[e]);
	}
	return r;
}
