/*
 * sysproc.c - the opcodes of processes, threads and the system: spawn,
 * exit, kill, getpid, thread create and exit, the kernel's counters and
 * process list, the boot archive's listing, power off. Each one checks
 * its entry's arguments and calls proc.c (or reads the tables) to do
 * the work, as xv6's sysproc.c does for its system calls. Waiting for a
 * child or a thread to end (OP_WAITPID, OP_THREAD_JOIN) lives in proc.c,
 * beside the exits that complete it.
 */
#include "proc.h"
#include "abi/fs.h" /* FS_PATH: the longest working directory */

/* ---- processes ------------------------------------------------------ */

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
	if ((a->flags & ~(SPAWN_FG | SPAWN_ARCHIVE)) || a->nfds > NFD)
		return -EINVAL;
	struct ring *r = op->ring; /* its credentials are the caller's */
	*uid = a->uid == -1 ? r->uid : a->uid;
	*gid = a->gid == -1 ? r->gid : a->gid;
	bool other = *uid != r->uid || *gid != r->gid || (a->flags & SPAWN_ARCHIVE);
	return other && r->uid != 0 ? -EPERM : 0;
}

/*
 * OP_SPAWN. A file server holds the program files, their modes and their bytes:
 * where one is mounted, fs.c checks the caller may execute the program,
 * loads it, then calls spawn_run. Where none is (early in boot), or
 * with SPAWN_ARCHIVE (root only), the program comes from the boot archive.
 */
int op_spawn(struct op *op)
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
	/* SPAWN_ARCHIVE: the file server is not asked. The disk driver's
	   restart needs it: the server cannot load a program from a disk
	   whose driver is the program (docs/servers.md). */
	if ((!(a.flags & SPAWN_ARCHIVE) && (r = fs_exec(op, path)) != 0) ||
	    (r = archive_find(path, &image, &size)) < 0)
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

	/* its job (job.c): ours, a new one, or one we or a child of ours is in */
	if (!res && a.job && a.job != SPAWN_NEW_JOB)
		res = job_check(p, a.job);
	if (!res && (a.flags & SPAWN_FG))
		res = a.job != SPAWN_NEW_JOB ? -EINVAL : job_may_fg(op->ring->uid);
	char cwd[FS_PATH] = "/";
	if (!res && a.cwd) {
		int n = copyinstr(p->pt, cwd, a.cwd, sizeof(cwd));
		res = n < 0 ? n : cwd[0] == '/' ? 0 : -EINVAL;
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
		struct spawn_how how = {
		    .job = a.job, .fg = a.flags & SPAWN_FG, .fg_uid = op->ring->uid, .cwd = cwd};
		res = proc_spawn(path, image, size, argv, argc, fds, uid, gid, p, &how);
	}
	kfree(argv);
	for (int i = 0; i < nfds; i++)
		if (fds[i])
			file_put(fds[i]); /* the child holds its own references */
	return res;
}

int op_kill(struct op *op)
{
	return proc_kill(op->ring->uid, op->proc, (int)op->sqe.off);
}

/*
 * OP_EXIT. From a polled ring the poller runs it, not one of the
 * process's threads: it can only ask them to end.
 */
int op_exit(struct op *op)
{
	int status = (int)(op->sqe.off & 0xff);
	op_free_chain(op->chain);
	op->chain = NULL;
	if (current() != op->ring->owner) {
		proc_die(op->proc, status); /* the poller: the threads end on their own */
		return OP_PENDING;	    /* no completion: nobody is left to reap it */
	}
	proc_exit(status);
}

int op_getpid(struct op *op)
{
	return op->proc->pid;
}

/* ---- threads ------------------------------------------------------ */

int op_thread(struct op *op)
{
	return thread_add(op->proc, op->sqe.addr, op->sqe.arg[0], op->sqe.arg[1]);
}

/* OP_THREAD_EXIT, by the ring's owner (the table in ops.c checks). */
int op_thread_exit(struct op *op)
{
	op_free_chain(op->chain);
	op->chain = NULL;
	thread_end((int)(op->sqe.off & 0xff));
}

/* ---- information ---------------------------------------------------- */

/* The ABI's entry kinds are the kernel's counters, in the same order. */
_Static_assert((int)KS_SYSCALL == (int)ENTRY_SYSCALL && (int)KS_EXCEPTION == (int)ENTRY_EXCEPTION &&
		   (int)KS_INTERRUPT == (int)ENTRY_INTERRUPT && ENTRY_KINDS == 3,
	       "struct kstats and enum entry_kind disagree");

int op_stats(struct op *op)
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
	s.heap_free = heap_free_bytes();
	s.clock_hz = arch_user_clock_hz();
	return copyout(op->proc->pt, op->sqe.addr, &s, sizeof(s));
}

int op_ps(struct op *op)
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

int op_list(struct op *op)
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
 * Root's only (the table in ops.c checks): the file server's modes guard
 * the files, and the archive has none.
 */
int op_archive_read(struct op *op)
{
	struct dirent d;
	const void *data;
	size_t size;
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

/* By root (the table in ops.c checks). */
int op_poweroff(struct op *op)
{
	(void)op;
	printf("duet: powering off\n");
	arch_poweroff(0);
}
