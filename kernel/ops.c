/*
 * ops.c - what each opcode does, and the list of operations in flight.
 *
 * op_run() checks an entry's common fields, then calls its opcode's
 * function, which returns the result at once or OP_PENDING after parking
 * a heap copy of the op on the pending list. An event - a typed line, a
 * timer tick, a child's exit - later takes the op off the list and
 * completes it (ring.c). Everything on the pending list belongs to a live
 * process; its exit cancels what it left there.
 */
#include "proc.h"

#define CONSOLE_WRITE_MAX 4096 /* most bytes one console write takes */

static struct op *pending; /* protected by sched_lock */

struct op *op_dup(const struct op *op)
{
	struct op *o = kmalloc(sizeof(*o));
	if (o)
		memcpy(o, op, sizeof(*o));
	return o;
}

static void free_chain(struct op *op)
{
	while (op) {
		struct op *next = op->chain;
		kfree(op);
		op = next;
	}
}

/*
 * Park a copy of op; caller holds sched_lock. Returns OP_PENDING, or
 * -EAGAIN when the process already has MAX_PARKED ops waiting (each one
 * is kernel memory, and every event walks the list), or -ENOMEM. An op
 * waiting on a file (op->file: a read or write that cannot go on yet)
 * holds a reference to it while parked.
 */
int op_park(struct op *op)
{
	if (op->proc->parked >= MAX_PARKED)
		return -EAGAIN;
	struct op *o = op_dup(op);
	if (!o)
		return -ENOMEM;
	if (o->file)
		file_ref(o->file);
	o->next = pending;
	pending = o;
	op->proc->parked++;
	return OP_PENDING;
}

/*
 * Complete an op taken off the list. Taking it made its ring's
 * `completing` count go up until op_finish() has posted it: the ring
 * cannot be destroyed (and the memory the completion writes to freed)
 * while another CPU is still completing one of its ops. Not with
 * sched_lock held: posting takes the ring's lock, then sched_lock.
 */
void op_finish(struct op *op, int res, u32 cflags)
{
	struct ring *r = op->ring; /* op is freed by op_complete */
	struct file *f = op->file;
	op_complete(op, res, cflags);
	__atomic_sub_fetch(&r->completing, 1, __ATOMIC_RELEASE);
	if (f)
		file_put(f);
}

/*
 * Take the oldest pending op that `match` accepts off the list. op_park()
 * pushes at the head, so the oldest match is the last one found; keep
 * the link that points at it, to unlink it without a second walk.
 * Holds sched_lock.
 */
struct op *op_unpark(bool (*match)(struct op *op, void *arg), void *arg)
{
	struct op **link = NULL;
	for (struct op **pp = &pending; *pp; pp = &(*pp)->next)
		if (match(*pp, arg))
			link = pp;
	if (!link)
		return NULL;
	struct op *found = *link;
	*link = found->next;
	found->next = NULL;
	found->proc->parked--;
	__atomic_add_fetch(&found->ring->completing, 1, __ATOMIC_RELAXED);
	return found;
}

/* A ring is going away: drop everything in flight on it. */
void op_cancel_ring(struct ring *r)
{
	struct op *mine = NULL;
	spin_lock(&sched_lock);
	for (struct op **pp = &pending; *pp;) {
		struct op *o = *pp;
		if (o->ring == r) {
			*pp = o->next;
			o->next = mine;
			mine = o;
			o->proc->parked--;
		} else {
			pp = &o->next;
		}
	}
	spin_unlock(&sched_lock);
	while (mine) { /* unlocked: dropping a file may close it, which locks */
		struct op *next = mine->next;
		if (mine->file)
			file_put(mine->file);
		free_chain(mine);
		mine = next;
	}
}

/* ---- console reads ------------------------------------------------- */

static bool is_console_read(struct op *op, void *arg)
{
	(void)arg;
	return op->file == console_file() && op->sqe.opcode == OP_READ;
}

/* Lines have been typed: hand them to waiting readers, oldest first. */
void op_console_ready(void)
{
	char line[256];
	for (;;) {
		/* pair a reader with a line under one lock: two CPUs must not
		   both take the reader, or both the line */
		int n = 0;
		spin_lock(&sched_lock);
		struct op *op = console_has_line() ? op_unpark(is_console_read, NULL) : NULL;
		if (op)
			n = console_take_line(line, MIN(sizeof(line), op->sqe.len));
		spin_unlock(&sched_lock);
		if (!op)
			break;
		if (copyout(op->proc->pt, op->sqe.addr, line, n) < 0)
			n = -EFAULT;
		op_finish(op, n, 0);
	}
	/* and wake anyone blocked in wait() on a descriptor */
	spin_lock(&sched_lock);
	struct proc *pt = proc_table();
	for (int i = 0; i < NPROC; i++)
		if (pt[i].state == P_ALIVE)
			sched_wake_proc(&pt[i]);
	spin_unlock(&sched_lock);
}

static int cons_read(struct file *f, struct op *op)
{
	if (op->sqe.len == 0)
		return 0;
	/* A bad buffer fails now, not when a line arrives: the bytes a line
	   may fill must be user-writable (rewriting them with themselves
	   changes nothing). */
	char probe[256];
	u32 n = MIN(sizeof(probe), op->sqe.len);
	if (copyin(op->proc->pt, probe, op->sqe.addr, n) < 0 ||
	    copyout(op->proc->pt, op->sqe.addr, probe, n) < 0)
		return -EFAULT;
	op->file = f;
	spin_lock(&sched_lock);
	int r = op_park(op);
	spin_unlock(&sched_lock);
	if (r == OP_PENDING)
		op_console_ready(); /* a line may be waiting already */
	return r;
}

static int cons_write(struct file *f, struct op *op)
{
	(void)f;
	char buf[128];
	/* the UART is slow and the kernel runs with interrupts off: a big
	   write is cut short, as a write may be, and the caller goes on */
	u32 len = MIN(op->sqe.len, CONSOLE_WRITE_MAX), done = 0;
	while (done < len) {
		u32 n = MIN(sizeof(buf), len - done);
		if (copyin(op->proc->pt, buf, op->sqe.addr + done, n) < 0)
			return done ? (int)done : -EFAULT;
		console_write(buf, n);
		done += n;
	}
	return done;
}

static bool cons_readable(struct file *f)
{
	(void)f;
	return console_has_line();
}

const struct fileops console_fileops = {
    .read = cons_read, .write = cons_write, .readable = cons_readable};

/* ---- timers -------------------------------------------------------- */

static bool is_expired(struct op *op, void *now)
{
	return op->sqe.opcode == OP_SLEEP && op->deadline <= *(u64 *)now;
}

/* Every tick (on CPU 0): complete expired sleeps, wake timed-out waits,
 * fail what a file server did not answer in time. */
void op_timers(void)
{
	fs_timers();
	u64 now = arch_time_ns();
	for (;;) {
		spin_lock(&sched_lock);
		struct op *op = op_unpark(is_expired, &now);
		spin_unlock(&sched_lock);
		if (!op)
			break;
		op_finish(op, 0, 0);
	}
	spin_lock(&sched_lock);
	struct proc *pt = proc_table();
	for (int i = 0; i < NPROC; i++) {
		for (int j = 0; j < NTHREAD && pt[i].state == P_ALIVE; j++) {
			struct thread *t = pt[i].threads[j];
			if (t && t->state == T_BLOCKED && t->wake_at && t->wake_at <= now)
				sched_wake(t);
		}
	}
	spin_unlock(&sched_lock);
}

static int op_sleep(struct op *op)
{
	if (op->sqe.off == 0)
		return 0;
	u64 now = arch_time_ns();
	op->deadline = op->sqe.off > ~0ull - now ? ~0ull : now + op->sqe.off; /* no wrap */
	spin_lock(&sched_lock);
	int r = op_park(op);
	spin_unlock(&sched_lock);
	return r;
}

/* ---- processes ------------------------------------------------------ */

struct child_match {
	struct proc *parent;
	struct proc *child;
};

/* A waitpid op that wants this child. */
static bool wants_child(struct op *op, void *arg)
{
	struct child_match *m = arg;
	s64 pid = (s64)op->sqe.off;
	return op->sqe.opcode == OP_WAITPID && op->proc == m->parent &&
	       (pid == -1 || pid == m->child->pid);
}

/* Free a zombie's slot and return its status. Holds sched_lock. */
static int reap(struct proc *child)
{
	child->state = P_UNUSED;
	child->parent = NULL;
	return child->status;
}

/*
 * Process pid (in slot child) became a zombie: finish a waitpid on it.
 * sched_lock is not held, so first check it still is that zombie: its
 * parent may have reaped it meanwhile, and the slot may even be reused.
 */
void op_child_exited(struct proc *child, int pid)
{
	spin_lock(&sched_lock);
	if (child->state != P_ZOMBIE || child->pid != pid || !child->parent) {
		spin_unlock(&sched_lock);
		return;
	}
	struct child_match m = {child->parent, child};
	struct op *op = op_unpark(wants_child, &m);
	int status = 0;
	if (op)
		status = reap(child);
	else
		sched_wake_proc(m.parent); /* it may wait() for WAIT_CHILD */
	spin_unlock(&sched_lock);
	if (op)
		op_finish(op, pid, status);
}

static int op_waitpid(struct op *op)
{
	s64 pid = (s64)op->sqe.off;
	struct proc *pt = proc_table(), *alive = NULL;
	spin_lock(&sched_lock);
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &pt[i];
		if (c->state < P_ALIVE || c->parent != op->proc || (pid != -1 && c->pid != pid))
			continue;
		if (c->state == P_ZOMBIE) {
			int cpid = c->pid;
			op->cflags = reap(c);
			spin_unlock(&sched_lock);
			return cpid;
		}
		alive = c;
	}
	int r = alive ? op_park(op) : -ECHILD;
	spin_unlock(&sched_lock);
	return r;
}

/* Copy in a NULL-terminated argv; strings go into one kernel buffer. */
static int copy_argv(struct pagetable *pt, u64 uargv, char **argv, char *buf)
{
	int argc = 0, used = 0;
	for (;; argc++) {
		u64 ustr;
		if (copyin(pt, &ustr, uargv + argc * sizeof(u64), sizeof(u64)) < 0)
			return -EFAULT;
		if (!ustr)
			break;
		if (argc == MAXARGV - 1)
			return -E2BIG;
		int n = copyinstr(pt, buf + used, ustr, ARGBYTES - used);
		if (n < 0)
			return n == -ENAMETOOLONG ? -E2BIG : n;
		argv[argc] = buf + used;
		used += n + 1;
	}
	argv[argc] = NULL;
	return argc;
}

/* OP_SPAWN's argument, checked; the credentials the child gets. */
static int spawn_args(struct op *op, struct spawn_args *a, int *uid, int *gid)
{
	if (op->sqe.len != sizeof(*a))
		return -EINVAL;
	if (copyin(op->proc->pt, a, op->sqe.addr, sizeof(*a)) < 0)
		return -EFAULT;
	if (a->flags || a->nfds > NFD)
		return -EINVAL;
	struct ring *r = op->ring; /* its credentials are the caller's */
	*uid = a->uid == -1 ? r->uid : a->uid;
	*gid = a->gid == -1 ? r->gid : a->gid;
	return (*uid != r->uid || *gid != r->gid) && r->uid != 0 ? -EPERM : 0;
}

/*
 * A file server holds the program files, their modes and their bytes:
 * where one is mounted, fs.c checks the caller may execute the program,
 * loads it, then calls spawn_run. Where none is (early in boot), the
 * program comes from the boot archive.
 */
static int op_spawn(struct op *op)
{
	struct spawn_args a;
	char path[64];
	const void *image;
	size_t size;
	int uid, gid, r = spawn_args(op, &a, &uid, &gid);
	if (r < 0 || (r = copyinstr(op->proc->pt, path, a.path, sizeof(path))) < 0)
		return r;
	if (!path[0])
		return -ENOENT;
	if ((r = fs_exec(op, path)) != 0 || (r = archive_find(path, &image, &size)) < 0)
		return r;
	return spawn_run(op, path, image, size);
}

/* Spawn the program at path (already checked), its bytes image, as op asks. */
int spawn_run(struct op *op, const char *path, const void *image, size_t size)
{
	struct proc *p = op->proc;
	struct spawn_args a;
	int uid, gid, res = spawn_args(op, &a, &uid, &gid); /* again: the caller's memory */
	if (res < 0)
		return res;

	/* the child's descriptors: fds[i] of ours, or 0, 1, 2 inherited */
	struct file *fds[NFD] = {0};
	int nfds = a.fds ? (int)a.nfds : 3;
	for (int i = 0; i < nfds && !res; i++) {
		int fd = i;
		if (a.fds && copyin(p->pt, &fd, a.fds + i * sizeof(int), sizeof(int)) < 0)
			res = -EFAULT;
		else if (fd != -1 && !(fds[i] = fd_get(p, fd)) && a.fds)
			res = -EBADF; /* inherited ones may be closed: then they stay closed */
	}

	char **argv = res ? NULL : kmalloc(MAXARGV * sizeof(char *) + ARGBYTES);
	if (!res && !argv)
		res = -ENOMEM;
	int argc = res || !a.argv ? 0 : copy_argv(p->pt, a.argv, argv, (char *)(argv + MAXARGV));
	if (!res && argc < 0)
		res = argc;
	if (!res) {
		if (argc == 0) { /* no argv: the program's name is argv[0] */
			argv[0] = (char *)path;
			argv[1] = NULL;
			argc = 1;
		}
		res = proc_spawn(path, image, size, argv, argc, fds, uid, gid, p);
	}
	kfree(argv);
	for (int i = 0; i < nfds; i++)
		if (fds[i])
			file_put(fds[i]); /* the child holds its own references */
	return res;
}

static int op_kill(struct op *op)
{
	return proc_kill(op->ring->uid, op->proc, (int)op->sqe.off);
}

/* ---- information ---------------------------------------------------- */

/* The ABI's entry kinds are the kernel's counters, in the same order. */
_Static_assert((int)KS_SYSCALL == (int)ENTRY_SYSCALL && (int)KS_EXCEPTION == (int)ENTRY_EXCEPTION &&
		   (int)KS_INTERRUPT == (int)ENTRY_INTERRUPT && ENTRY_KINDS == 3,
	       "struct kstats and enum entry_kind disagree");

static int op_stats(struct op *op)
{
	struct kstats s;
	if (op->sqe.len != sizeof(s))
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	s.ncpu = ncpu_online();
	for (int i = 0; i < STATS_NCPU && i < NCPU; i++)
		for (int k = 0; k < ENTRY_KINDS; k++)
			s.cpu[i][k] = cpus[i].entries[k];
	struct thread *t = op->ring->owner; /* not the poller's, on a polled ring */
	for (int k = 0; k < ENTRY_KINDS; k++)
		s.thread[k] = t->entries[k];
	s.free_pages = page_free_count();
	s.clock_hz = arch_user_clock_hz();
	return copyout(op->proc->pt, op->sqe.addr, &s, sizeof(s));
}

static int op_ps(struct op *op)
{
	u32 max = op->sqe.len / sizeof(struct procinfo), n = 0;
	struct proc *pt = proc_table();
	for (int i = 0; i < NPROC && n < max; i++) {
		struct procinfo info;
		memset(&info, 0, sizeof(info));
		spin_lock(&sched_lock);
		struct proc *p = &pt[i];
		bool used = p->state >= P_ALIVE;
		if (used) {
			info.pid = p->pid;
			info.ppid = p->parent ? p->parent->pid : 0;
			info.state = p->state == P_ZOMBIE ? PROC_ZOMBIE : PROC_BLOCKED;
			info.cpu = -1;
			for (int j = NTHREAD - 1; j >= 0; j--) {
				struct thread *t = p->threads[j];
				if (!t)
					continue;
				info.nthreads++;
				info.cpu = t->cpu; /* the first live thread's, in the end */
				if (t->state == T_RUNNING)
					info.state = PROC_RUNNING;
				else if (t->state == T_RUNNABLE && info.state != PROC_RUNNING)
					info.state = PROC_READY;
			}
			info.uid = p->uid;
			info.gid = p->gid;
			memcpy(info.name, p->name, NAME_MAX);
		}
		spin_unlock(&sched_lock);
		if (!used)
			continue;
		if (copyout(op->proc->pt, op->sqe.addr + n * sizeof(info), &info, sizeof(info)) < 0)
			return -EFAULT;
		n++;
	}
	return n;
}

static int op_list(struct op *op)
{
	struct dirent d;
	if (op->sqe.off > 0x7fffffff)
		return -ENOENT;
	int r = archive_entry((int)op->sqe.off, &d);
	if (r < 0)
		return r;
	return copyout(op->proc->pt, op->sqe.addr, &d, sizeof(d));
}

/*
 * A boot-archive file's bytes (the file server fills its tree with them).
 * Root's only: the file server's modes guard the files, and the archive
 * has none.
 */
static int op_archive_read(struct op *op)
{
	struct dirent d;
	const void *data;
	size_t size;
	if (op->ring->uid != 0)
		return -EPERM;
	if (op->sqe.off > 0x7fffffff)
		return -ENOENT;
	int r = archive_entry((int)op->sqe.off, &d);
	if (r < 0 || (r = archive_find(d.name, &data, &size)) < 0)
		return r;
	u64 at = op->sqe.arg[0];
	if (at >= size)
		return 0;
	u32 n = MIN(op->sqe.len, size - at);
	r = copyout(op->proc->pt, op->sqe.addr, (const u8 *)data + at, n);
	return r < 0 ? r : (int)n;
}

/* ---- dispatch ------------------------------------------------------- */

static int op_nop(struct op *op)
{
	(void)op;
	return 0;
}

static int op_rw(struct op *op)
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

static int op_close(struct op *op)
{
	struct proc *p = op->proc;
	int fd = op->sqe.fd;
	struct file *f = NULL;
	spin_lock(&p->lock);
	if (fd >= 0 && fd < NFD) {
		f = p->fds[fd];
		p->fds[fd] = NULL;
	}
	spin_unlock(&p->lock);
	if (!f)
		return -EBADF;
	if (f->ops->detach)
		f->ops->detach(f, p);
	file_put(f);
	return 0;
}

/*
 * Whether op runs in its ring's owner thread. It does not on a polled
 * ring: there the poller runs it, and operations on the thread itself
 * (ending it, changing its rings) are refused.
 */
static bool by_owner(struct op *op)
{
	return current() == op->ring->owner;
}

static int op_exit(struct op *op)
{
	int status = (int)(op->sqe.off & 0xff);
	free_chain(op->chain);
	op->chain = NULL;
	if (!by_owner(op)) {
		proc_die(op->proc, status); /* the poller: the threads end on their own */
		return OP_PENDING;	    /* no completion: nobody is left to reap it */
	}
	proc_exit(status);
}

/* ---- threads and rings ---------------------------------------------- */

static int op_thread(struct op *op)
{
	return thread_create(op->proc, op->sqe.addr, op->sqe.arg[0], op->sqe.arg[1]);
}

static int op_thread_exit(struct op *op)
{
	if (!by_owner(op))
		return -EINVAL;
	free_chain(op->chain);
	op->chain = NULL;
	thread_exit((int)(op->sqe.off & 0xff));
}

/* A join op for the thread whose tid is *arg. */
static bool wants_thread(struct op *op, void *arg)
{
	return op->sqe.opcode == OP_THREAD_JOIN && op->proc == ((struct op *)arg)->proc &&
	       op->sqe.off == ((struct op *)arg)->sqe.off;
}

static int op_thread_join(struct op *op)
{
	struct proc *p = op->proc;
	u64 tid = op->sqe.off;
	if (tid == (u64)op->ring->owner->tid)
		return -EINVAL; /* itself: it would wait forever */
	int r = -ESRCH;
	spin_lock(&sched_lock);
	for (int i = 0; i < NTHREAD; i++) {
		if (p->ended[i].tid && (u64)p->ended[i].tid == tid) {
			op->cflags = p->ended[i].status;
			p->ended[i].tid = 0; /* the slot is free again */
			r = (int)tid;
			break;
		}
		if (p->threads[i] && (u64)p->threads[i]->tid == tid) {
			r = op_park(op);
			break;
		}
	}
	spin_unlock(&sched_lock);
	return r;
}

/* The thread in p's slot has ended (thread_exit): finish a join on it. */
void op_thread_ended(struct proc *p, int slot)
{
	spin_lock(&sched_lock);
	int tid = p->ended[slot].tid, status = p->ended[slot].status;
	struct op key = {.proc = p, .sqe.off = (u64)tid};
	struct op *op = op_unpark(wants_thread, &key);
	if (op)
		p->ended[slot].tid = 0;
	spin_unlock(&sched_lock);
	if (!op)
		return;
	op_finish(op, tid, status);
	/* the oldest join got it; any other join of that thread has nothing left */
	for (;;) {
		spin_lock(&sched_lock);
		op = op_unpark(wants_thread, &key);
		spin_unlock(&sched_lock);
		if (!op)
			break;
		op_finish(op, -ESRCH, 0);
	}
}

static int op_ring_create(struct op *op)
{
	struct sqe *e = &op->sqe;
	if (!by_owner(op))
		return -EINVAL;
	if (e->off > RING_MAX || e->len > RING_MAX || e->arg[0] > RING_IDLE_MAX_US ||
	    e->arg[1] >= NCPU)
		return -EINVAL;
	struct ring *r;
	u32 cq = e->len ? e->len : 2 * (u32)e->off;
	int err = ring_create(op->ring->owner, (u32)e->off, cq, e->op_flags, e->arg[0],
			      (int)e->arg[1], &r);
	if (err < 0)
		return err;
	if (e->addr && copyout(op->proc->pt, e->addr, &r->uaddr, sizeof(r->uaddr)) < 0) {
		ring_destroy(r);
		return -EFAULT;
	}
	return r->id;
}

static int op_ring_destroy(struct op *op)
{
	struct thread *t = op->ring->owner;
	int id = op->sqe.fd;
	if (!by_owner(op))
		return -EINVAL;
	if (id < 0 || id >= NRING || !t->rings[id])
		return -EBADF;
	if (id == 0 || t->rings[id] == op->ring)
		return -EBUSY; /* its first ring, or the one this entry runs from */
	ring_destroy(t->rings[id]);
	return 0;
}

static int op_getpid(struct op *op)
{
	return op->proc->pid;
}

static int op_poweroff(struct op *op)
{
	if (op->ring->uid != 0)
		return -EPERM;
	printf("duet: powering off\n");
	arch_poweroff(0);
}

static int (*const optab[OP_COUNT])(struct op *) = {
    [OP_NOP] = op_nop,
    [OP_READ] = op_rw,
    [OP_WRITE] = op_rw,
    [OP_CLOSE] = op_close,
    [OP_SPAWN] = op_spawn,
    [OP_EXIT] = op_exit,
    [OP_WAITPID] = op_waitpid,
    [OP_KILL] = op_kill,
    [OP_GETPID] = op_getpid,
    [OP_SLEEP] = op_sleep,
    [OP_STATS] = op_stats,
    [OP_PS] = op_ps,
    [OP_LIST] = op_list,
    [OP_POWEROFF] = op_poweroff,
    [OP_THREAD] = op_thread,
    [OP_THREAD_EXIT] = op_thread_exit,
    [OP_THREAD_JOIN] = op_thread_join,
    [OP_RING_CREATE] = op_ring_create,
    [OP_RING_DESTROY] = op_ring_destroy,
    [OP_UINTR_REGISTER_HANDLER] = op_uintr_register_handler,
    [OP_UINTR_UNREGISTER_HANDLER] = op_uintr_unregister_handler,
    [OP_UINTR_CREATE_VECTOR] = op_uintr_create_vector,
    [OP_UINTR_REGISTER_SENDER] = op_uintr_register_sender,
    [OP_UINTR_UNREGISTER_SENDER] = op_uintr_unregister_sender,
    [OP_PIPE] = op_pipe,
    [OP_PIPE_ATTACH] = op_pipe_attach,
    [OP_MOUNT] = op_mount,
    [OP_OPEN] = op_open,
    [OP_FSOP] = op_fsop,
    [OP_ARCHIVE_READ] = op_archive_read,
};

/* Validate the fields every entry shares, then run it. */
int op_run(struct op *op)
{
	if (op->sqe.opcode >= OP_COUNT || (op->sqe.flags & ~SQE_LINK) || op->sqe.pad ||
	    (op->sqe.op_flags && op->sqe.opcode != OP_RING_CREATE && op->sqe.opcode != OP_OPEN))
		return -EINVAL;
	op->file = NULL; /* what parking may set: nothing yet */
	op->wait = 0;
	return optab[op->sqe.opcode](op);
}
