/*
 * file.c - descriptors: a process's small numbers for the objects it
 * uses. A struct file is shared by every descriptor (in any process)
 * that refers to it and lives while any does: the console, a user-
 * interrupt vector (uintr.c); pipes and server connections will be others.
 */
#include "proc.h"

extern const struct fileops console_fileops;

/* The console is never freed: its count starts at 1 and stays above. */
static struct file console = {1, &console_fileops, NULL, 0};

struct file *console_file(void)
{
	return &console;
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
