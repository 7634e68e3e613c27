/*
 * proc.c - processes and their threads: spawn, thread create, exit, kill,
 * and waiting for them to end (OP_WAITPID, OP_THREAD_JOIN).
 *
 * duet has no fork. A process is made whole by spawn: a fresh address
 * space, the program loaded (its bytes from the file server, or early in
 * boot from the boot archive: fs.c), a stack holding its arguments, one
 * thread, and that thread's first ring. Its registers at the first
 * instruction:
 *
 *   a0 / rdi = argc    a1 / rsi = argv    a2 / rdx = the ring's header
 *
 * The first thread's stack, highest address first:
 *
 *   USTACK_TOP ->  TCB_SIZE bytes for the C library (abi/ring.h)
 *                  argument strings "sh\0" "-x\0" ...
 *                  argv[] pointers, argv[argc] = NULL   <- a1 / rsi
 *                  then the working directory, and NULL (the C library's cwd)
 *                  (16-byte aligned)                    <- sp
 *
 * A process is in a job (p->job, docs/console.md): the one its spawner
 * chose, or its spawner's. Ctrl-C stops the console's foreground job.
 */
#include "proc.h"

static struct proc procs[NPROC];
static int next_pid = 1;
static struct proc *initproc;

struct proc *proc_table(void)
{
	return procs;
}

/*
 * Threads of uid's processes, those being made included. Counted from
 * the table rather than kept in a counter that every exit path would
 * have to keep true. Holds sched_lock.
 */
static int user_threads(int uid)
{
	int n = 0;
	for (int i = 0; i < NPROC; i++) {
		if (procs[i].state == P_UNUSED || procs[i].uid != uid)
			continue;
		n += procs[i].nthreads;
		for (unsigned c = procs[i].claimed; c; c &= c - 1)
			n++; /* a slot whose thread is being made */
	}
	return n;
}

static const char *basename(const char *path)
{
	const char *b = path;
	for (const char *s = path; *s; s++)
		if (*s == '/')
			b = s + 1;
	return b;
}

/* Put argv and cwd on the new stack; returns sp, and the user argv in *uargv. */
static int push_args(struct pagetable *pt, char **argv, int argc, const char *cwd, u64 *sp,
		     u64 *uargv)
{
	u64 ptrs[MAXARGV + 3];
	u64 top = USTACK_TOP - TCB_SIZE;
	for (int i = 0; i <= argc; i++) {
		const char *s = i < argc ? argv[i] : cwd; /* cwd: after argv's NULL */
		u64 n = strlen(s) + 1;
		top -= n;
		if (copyout(pt, top, s, n) < 0)
			return -ENOMEM;
		ptrs[i < argc ? i : argc + 1] = top;
	}
	ptrs[argc] = ptrs[argc + 2] = 0;
	top = ROUND_DOWN(top - (argc + 3) * sizeof(u64), 16);
	if (copyout(pt, top, ptrs, (argc + 3) * sizeof(u64)) < 0)
		return -ENOMEM;
	*uargv = top;
	*sp = top;
	return 0;
}

/* Where thread slot k's stack ends (and its TCB starts, see abi/ring.h). */
static u64 stack_top(int slot)
{
	return USTACK_TOP - slot * THREAD_SPAN;
}

static void unclaim(struct proc *p, int slot)
{
	spin_lock(&sched_lock);
	p->claimed &= ~(1u << slot);
	spin_unlock(&sched_lock);
}

/*
 * A new user thread of p in a free slot: its kernel stack, its user
 * stack, its first ring. It starts at pc with registers
 * (a0, a1, its ring's header) and sp just below its TCB, unless the
 * caller moves sp (spawn puts argv there). Not yet runnable. Returns
 * it, or NULL with *err set.
 */
static struct thread *thread_new(struct proc *p, u64 pc, u64 a0, u64 a1, int *err)
{
	int slot = -1;
	spin_lock(&sched_lock);
	for (int i = 0; i < NTHREAD && slot < 0; i++)
		if (!p->threads[i] && !p->ended[i].tid && !(p->claimed & 1u << i))
			slot = i;
	if (slot >= 0 && p->uid != 0 && user_threads(p->uid) >= USER_THREADS)
		slot = -1; /* its user's limit */
	if (slot >= 0)
		p->claimed |= 1u << slot; /* ours while we make the thread: two at once get two */
	spin_unlock(&sched_lock);
	*err = -EAGAIN;
	if (slot < 0)
		return NULL;

	*err = -ENOMEM;
	struct thread *t = kzalloc(sizeof(*t));
	if (!t || !(t->kstack = page_alloc_for(p->uid, KSTACK_ORDER))) {
		kfree(t);
		unclaim(p, slot);
		return NULL;
	}
	t->proc = p;
	t->slot = slot;
	t->pin = -1;
	int r = uvm_alloc(p->pt, stack_top(slot) - THREAD_STACK, THREAD_STACK, VM_R | VM_W | VM_U);
	if (r < 0 || (r = ring_setup(t, 64, 128, 0, 0, -1, &t->rings[0])) < 0) {
		if (r != -EEXIST)
			uvm_unmap(p->pt, stack_top(slot) - THREAD_STACK, THREAD_STACK);
		*err = r == -EEXIST ? -ENOEXEC : r; /* the program claims the stack's addresses */
		thread_free(t);
		unclaim(p, slot);
		return NULL;
	}
	t->tf = (struct trapframe *)((uptr)P2V(t->kstack) + (PAGE_SIZE << KSTACK_ORDER)) - 1;
	arch_tf_init_user(t->tf, pc, stack_top(slot) - TCB_SIZE, a0, a1, t->rings[0]->uaddr);
	extern void thread_start(void);
	arch_context_init(&t->ctx, ROUND_DOWN((uptr)t->tf, 16), thread_start);
	return t;
}

/* Give a thread's slot its thread and a tid, and let it run. */
static int thread_go(struct proc *p, struct thread *t)
{
	spin_lock(&sched_lock);
	t->tid = p->nthreads ? next_pid++ : p->pid; /* the first thread's tid is the pid */
	p->threads[t->slot] = t;
	p->claimed &= ~(1u << t->slot);
	p->nthreads++;
	sched_ready(t);
	spin_unlock(&sched_lock);
	return t->tid;
}

/* OP_THREAD: a new thread of live process p. Its tid, or -E*. */
int thread_add(struct proc *p, u64 pc, u64 a0, u64 a1)
{
	int err;
	if (pc >= USER_TOP)
		return -EFAULT;
	struct thread *t = thread_new(p, pc, a0, a1, &err);
	return t ? thread_go(p, t) : err;
}

/* Undo a half-made process and give its slot back. */
static void spawn_fail(struct proc *p)
{
	if (p->pt)
		uvm_destroy(p->pt);
	p->pt = NULL;
	spin_lock(&sched_lock);
	p->state = P_UNUSED;
	spin_unlock(&sched_lock);
}

/*
 * Make a process running `path`, whose bytes are image (from the boot
 * archive or the file server), with argv, the given descriptors (each
 * gains a reference) and credentials, as a child of parent (NULL for
 * init), in the job and working directory how says. Returns its pid or -E*.
 */
int proc_spawn(const char *path, const void *image, size_t size, char **argv, int argc,
	       struct file **fds, int uid, int gid, struct proc *parent,
	       const struct spawn_how *how)
{
	int r;

	/* claim a slot: within uid's limit, and leaving root its own */
	spin_lock(&sched_lock);
	struct proc *p = NULL;
	int nfree = 0, mine = 0;
	for (int i = 0; i < NPROC; i++) {
		if (procs[i].state == P_UNUSED && !p)
			p = &procs[i];
		nfree += procs[i].state == P_UNUSED;
		mine += procs[i].state != P_UNUSED && procs[i].uid == uid;
	}
	r = uid == 0 ? 0 : mine >= USER_PROCS ? -EAGAIN : nfree <= ROOT_PROCS ? -ENFILE : 0;
	if (!p)
		r = -ENFILE;
	if (r == 0) {
		memset(p, 0, sizeof(*p));
		p->state = P_NEW; /* ours while we build it */
		p->uid = uid;	  /* counted as uid's from now on */
		p->gid = gid;
	}
	spin_unlock(&sched_lock);
	if (r < 0)
		return r;

	struct thread *t = NULL;
	u64 entry, sp, uargv;
	r = -ENOMEM;
	if (!(p->pt = uvm_create(uid)))
		goto fail;
	if ((r = elf_load(p->pt, image, size, &entry)) < 0)
		goto fail;
	spin_init(&p->lock, "proc");
	if (!(t = thread_new(p, entry, 0, 0, &r)))
		goto fail;
	if ((r = push_args(p->pt, argv, argc, how->cwd, &sp, &uargv)) < 0) {
		ring_teardown(t->rings[0]);
		thread_free(t);
		goto fail;
	}
	arch_tf_init_user(t->tf, entry, sp, argc, uargv, t->rings[0]->uaddr);

	for (int i = 0; i < NFD; i++)
		if ((p->fds[i] = fds[i]))
			file_ref(fds[i]);
	const char *name = basename(path);
	size_t n = MIN(strlen(name), NAME_MAX - 1);
	memcpy(p->name, name, n);

	spin_lock(&sched_lock);
	p->pid = next_pid++;
	p->parent = parent;
	int job = how->job;
	p->job = job == SPAWN_NEW_JOB || (!job && !parent) ? p->pid : job ? job : parent->job;
	if (how->fg)
		job_fg_locked(p, how->fg_uid); /* before it runs: a Ctrl-C typed at once stops it */
	p->state = P_ALIVE;
	spin_unlock(&sched_lock);
	int pid = p->pid;
	thread_go(p, t);
	return pid;

fail:
	spawn_fail(p);
	return r;
}

/* Where a new thread's first arch_switch() lands: finish the switch, enter user mode. */
void thread_start(void)
{
	spin_unlock(&sched_lock); /* taken by the scheduler that switched to us */
	arch_irq_disable();
	arch_return_to_user(current()->tf);
}

/* ---- waiting for a child or a thread to end ------------------------ */

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
static void child_exited(struct proc *child, int pid)
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
		op_complete(op, pid, status);
}

int op_waitpid(struct op *op)
{
	s64 pid = (s64)op->sqe.off;
	struct proc *pt = procs, *alive = NULL;
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
	int r = !alive ? -ECHILD : op->sqe.op_flags & WAITPID_NOHANG ? 0 : op_park(op);
	spin_unlock(&sched_lock);
	return r;
}

/* A join op for the thread whose tid is *arg. */
static bool wants_thread(struct op *op, void *arg)
{
	return op->sqe.opcode == OP_THREAD_JOIN && op->proc == ((struct op *)arg)->proc &&
	       op->sqe.off == ((struct op *)arg)->sqe.off;
}

int op_thread_join(struct op *op)
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

/* The thread in p's slot has ended (thread_end): finish the joins on it. */
static void thread_ended(struct proc *p, int slot)
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
	op_complete(op, tid, status);
	/* the oldest join got it; any other join of that thread has nothing left */
	for (;;) {
		spin_lock(&sched_lock);
		op = op_unpark(wants_thread, &key);
		spin_unlock(&sched_lock);
		if (!op)
			break;
		op_complete(op, -ESRCH, 0);
	}
}

/*
 * The last thread of p has ended: close its descriptors, free its
 * memory, hand its children to init, and become a zombie for the parent
 * to reap.
 */
static void proc_end(struct proc *p, int status)
{
	fd_close_all(p);
	dev_release_proc(p); /* devices it drives, even through a descriptor handed on */
	/* Threads that ended on other CPUs may still be switching away,
	 * with p's table loaded: it is freed once none is (sched.c). */
	arch_vm_switch(vm_kernel()->root);
	__atomic_store_n(&mycpu()->pt, NULL, __ATOMIC_SEQ_CST);
	for (int i = 0; i < NCPU; i++) {
		while (__atomic_load_n(&cpus[i].pt, __ATOMIC_ACQUIRE) == p->pt) {
			ipi_poll();
			arch_relax();
		}
	}
	uvm_destroy(p->pt);
	pipe_unmap_all(p); /* no mapping left: the pipes' pages may go */

	spin_lock(&sched_lock);
	p->pt = NULL;
	bool orphans = false;
	for (int i = 0; i < NPROC; i++) {
		if (procs[i].state >= P_ALIVE && procs[i].parent == p) {
			procs[i].parent = initproc;
			orphans |= procs[i].state == P_ZOMBIE;
		}
	}
	p->status = status;
	p->state = P_ZOMBIE;
	int pid = p->pid;
	spin_unlock(&sched_lock);

	child_exited(p, pid); /* may reap p right away */
	if (orphans)
		for (int i = 0; i < NPROC; i++)
			child_exited(&procs[i], procs[i].pid); /* checks under the lock */
}

/*
 * End the current thread: drop its rings (and what is in flight on
 * them) and its stack. The last thread to end takes the process with
 * it; an earlier one leaves its status for OP_THREAD_JOIN. The kernel
 * stack is freed by the scheduler once we have switched off it.
 */
void thread_end(int status)
{
	struct thread *t = current();
	struct proc *p = t->proc;
	if (p == initproc)
		panic("init exited with status %d", status);

	for (int i = NRING - 1; i >= 0; i--)
		if (t->rings[i])
			ring_teardown(t->rings[i]);
	uintr_thread_exit(t);
	uvm_unmap(p->pt, stack_top(t->slot) - THREAD_STACK, THREAD_STACK);

	spin_lock(&sched_lock);
	p->threads[t->slot] = NULL;
	bool last = --p->nthreads == 0;
	if (!last) {
		p->ended[t->slot].tid = t->tid;
		p->ended[t->slot].status = status;
	}
	spin_unlock(&sched_lock);
	if (last)
		proc_end(p, p->killed ? p->kill_status : status);
	else
		thread_ended(p, t->slot);
	sched_exit();
}

/*
 * Make every thread of p end with the process status `status` (the
 * first cause wins): each one does as soon as it is on its way back to
 * user mode. Those blocked are woken; those running on other CPUs are
 * interrupted, so even a thread spinning in user mode ends at once.
 */
void die_locked(struct proc *p, int status)
{
	if (!p->killed) {
		p->killed = true;
		p->kill_status = status;
	}
	sched_wake_proc(p);
	for (int i = 0; i < NTHREAD; i++)
		if (p->threads[i] && p->threads[i]->state == T_RUNNING)
			ipi_kick(p->threads[i]->cpu);
}

void proc_die(struct proc *p, int status)
{
	spin_lock(&sched_lock);
	die_locked(p, status);
	spin_unlock(&sched_lock);
}

/* End the current process (OP_EXIT, a fault): all its threads. */
void proc_exit(int status)
{
	struct proc *p = current()->proc;
	proc_die(p, status);
	thread_end(status);
}

/*
 * Kill pid on behalf of killer with credentials uid: allowed for root,
 * or on one's own children. Init cannot be killed.
 */
int proc_kill(int uid, struct proc *killer, int pid)
{
	int r = -ESRCH;
	spin_lock(&sched_lock);
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &procs[i];
		if (p->state != P_ALIVE || p->pid != pid)
			continue;
		if (p == initproc || (uid != 0 && p->parent != killer)) {
			r = -EPERM;
			break;
		}
		die_locked(p, STATUS_KILLED);
		r = 0;
		break;
	}
	spin_unlock(&sched_lock);
	return r;
}

/* Start /bin/init as pid 1, root, with the console on 0, 1, 2. */
void proc_init_start(struct file *console)
{
	struct file *fds[NFD] = {console, console, console}; /* its 0, 1 and 2 */
	char *argv[] = {"init", NULL};
	const void *image;
	size_t size;
	struct spawn_how how = {.cwd = "/"};
	int pid = archive_find("bin/init", &image, &size);
	if (pid == 0)
		pid = proc_spawn("bin/init", image, size, argv, 1, fds, 0, 0, NULL, &how);
	if (pid < 0)
		panic("cannot start bin/init: error %d", pid);
	initproc = &procs[0];
	for (int i = 0; i < NPROC; i++)
		if (procs[i].pid == pid)
			initproc = &procs[i];
}

/*
 * Ctrl-P on the console: a line per CPU and per thread, for debugging a
 * system that seems stuck. It reads without locks, like xv6's procdump:
 * a stuck system may hold them, and a torn line is better than none.
 */
void procdump(void)
{
	static const char *const states[] = {"?", "runnable", "running", "blocked", "dead"};
	printf("\n");
	for (int i = 0; i < NCPU; i++) {
		struct cpu *c = &cpus[i];
		if (c->online)
			printf("cpu%d: %s%s tid %d\n", i, c->idle ? "idle" : "busy",
			       c->flush ? " (flush asked)" : "", c->thread ? c->thread->tid : 0);
	}
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &procs[i];
		if (p->state < P_ALIVE)
			continue;
		printf("pid %d %s%s%s parked %d\n", p->pid, p->name,
		       p->state == P_ZOMBIE ? " zombie" : "", p->killed ? " killed" : "",
		       p->parked);
		for (int j = 0; j < NTHREAD; j++) {
			struct thread *t = p->threads[j];
			if (!t)
				continue;
			printf("  tid %d %s cpu %d pc %llx uintr %s\n", t->tid,
			       t->state <= T_DEAD ? states[t->state] : "?", t->cpu,
			       t->tf ? arch_tf_pc(t->tf) : 0ull,
			       uintr_pending(t) ? "pending" : "-");
		}
	}
}
