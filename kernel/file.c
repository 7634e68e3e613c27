/*
 * file.c - descriptors: a process's small numbers for the objects it
 * uses, and the opcodes that work on any descriptor (OP_READ, OP_WRITE,
 * OP_CLOSE). A struct file is shared by every descriptor (in any
 * process) that refers to it and lives while any does. Each kind of
 * file brings its own fileops: the console (console.c), a pipe end
 * (pipe.c), a file server's control descriptor (fs.c), a user-interrupt
 * vector (uintr.c). They are all made by file_new() and leave a
 * process by fd_close().
 */
#include "proc.h"

/* A new file of this kind with one reference (the caller's), or NULL. */
struct file *file_new(const struct fileops *ops, void *priv, u64 arg)
{
	struct file *f = kzalloc(sizeof(*f));
	if (f) {
		f->ref = 1;
		f->ops = ops;
		f->priv = priv;
		f->arg = arg;
	}
	return f;
}

void file_ref(struct file *f)
{
	__atomic_add_fetch(&f->ref, 1, __ATOMIC_RELAXED);
}

/*
 * Drop a reference; the last one closes and frees f. Never with a
 * spinlock held (release_check): any reference may be the last, and a
 * close takes locks (a kernel pipe's takes sched_lock).
 */
void file_put(struct file *f)
{
	release_check("file_put");
	if (__atomic_sub_fetch(&f->ref, 1, __ATOMIC_ACQ_REL) == 0) {
		if (f->ops->close)
			f->ops->close(f);
		kfree(f);
	}
}

/*
 * The file behind descriptor fd of p with a reference the caller must
 * drop (file_put), or NULL. The reference keeps the file alive even if
 * another thread closes the descriptor meanwhile.
 */
struct file *fd_get(struct proc *p, int fd)
{
	if (fd < 0 || fd >= NFD)
		return NULL;
	spin_lock(&p->lock);
	struct file *f = p->fds[fd];
	if (f)
		file_ref(f);
	spin_unlock(&p->lock);
	return f;
}

/* Give f (whose reference the caller hands over) the lowest free descriptor of p. */
int fd_alloc(struct proc *p, struct file *f)
{
	int fd = -EMFILE;
	spin_lock(&p->lock);
	for (int i = 0; i < NFD && fd < 0; i++) {
		if (!p->fds[i]) {
			p->fds[i] = f;
			fd = i;
		}
	}
	spin_unlock(&p->lock);
	return fd;
}

/*
 * Close descriptor fd of p if it still holds f (any file, if f is NULL):
 * the file hears that p let go (detach), then loses the descriptor's
 * reference. False if fd held something else, or nothing - another
 * thread may have closed it meanwhile.
 */
bool fd_close(struct proc *p, int fd, struct file *f)
{
	struct file *held = NULL;
	spin_lock(&p->lock);
	if (fd >= 0 && fd < NFD && p->fds[fd] && (!f || p->fds[fd] == f)) {
		held = p->fds[fd];
		p->fds[fd] = NULL;
	}
	spin_unlock(&p->lock);
	if (!held)
		return false;
	if (held->ops->detach)
		held->ops->detach(held, p);
	file_put(held);
	return true;
}

/* Close every descriptor of p (it is ending). */
void fd_close_all(struct proc *p)
{
	for (int i = 0; i < NFD; i++) {
		spin_lock(&p->lock);
		struct file *f = p->fds[i];
		p->fds[i] = NULL;
		spin_unlock(&p->lock);
		if (f)
			file_put(f);
	}
}

/* ---- the opcodes of every descriptor -------------------------------- */

int op_rw(struct op *op)
{
	if (op->sqe.len > RW_MAX)
		return -EINVAL;
	struct file *f = fd_get(op->proc, op->sqe.fd);
	if (!f)
		return -EBADF;
	int r = op->sqe.opcode == OP_READ ? f->ops->read(f, op) : f->ops->write(f, op);
	file_put(f);
	return r;
}

int op_close(struct op *op)
{
	return fd_close(op->proc, op->sqe.fd, NULL) ? 0 : -EBADF;
}
