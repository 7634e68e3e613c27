/*
 * proc.c - processes: spawn, exit, kill.
 *
 * duet has no fork. A process is made whole by spawn: a fresh address
 * space, the program loaded from the boot archive, a stack holding its
 * arguments, one thread, and that thread's first ring. Its registers at
 * the first instruction:
 *
 *   a0 / rdi = argc    a1 / rsi = argv    a2 / rdx = the ring's header
 *
 * The user stack, highest address first:
 *
 *   USTACK_TOP ->  argument strings "sh\0" "-x\0" ...
 *                  argv[] pointers, argv[argc] = NULL   <- a1 / rsi
 *                  (16-byte aligned)                    <- sp
 */
#include "proc.h"

static struct proc procs[NPROC];
static int next_pid = 1;
static struct proc *initproc;

struct proc *proc_table(void)
{
	return procs;
}

static const char *basename(const char *path)
{
	const char *b = path;
	for (const char *s = path; *s; s++)
		if (*s == '/')
			b = s + 1;
	return b;
}

/* Put argv on the new stack; returns sp, and the user argv in *uargv. */
static int push_args(struct pagetable *pt, char **argv, int argc, u64 *sp, u64 *uargv)
{
	u64 ptrs[MAXARGV + 1];
	u64 top = USTACK_TOP;
	for (int i = 0; i < argc; i++) {
		u64 n = strlen(argv[i]) + 1;
		top -= n;
		if (copyout(pt, top, argv[i], n) < 0)
			return -ENOMEM;
		ptrs[i] = top;
	}
	ptrs[argc] = 0;
	top = ROUND_DOWN(top - (argc + 1) * sizeof(u64), 16);
	if (copyout(pt, top, ptrs, (argc + 1) * sizeof(u64)) < 0)
		return -ENOMEM;
	*uargv = top;
	*sp = top;
	return 0;
}

/* Undo a half-made process and give its slot back. */
static void spawn_fail(struct proc *p, struct thread *t)
{
	for (int i = 0; i < NRING; i++)
		if (p->rings[i])
			ring_destroy(p->rings[i]);
	if (t)
		thread_free(t);
	if (p->pt)
		uvm_destroy(p->pt);
	p->pt = NULL;
	spin_lock(&sched_lock);
	p->state = P_UNUSED;
	spin_unlock(&sched_lock);
}

/*
 * Make a process running `path` (from the boot archive) with argv, the
 * given descriptors (each gains a reference) and credentials, as a child
 * of parent (NULL for init). Returns its pid or -E*.
 */
int proc_spawn(const char *path, char **argv, int argc, struct file **fds, int uid, int gid,
	       struct proc *parent)
{
	const void *image;
	size_t size;
	int r = archive_find(path, &image, &size);
	if (r < 0)
		return r;

	/* claim a slot */
	spin_lock(&sched_lock);
	struct proc *p = NULL;
	for (int i = 0; i < NPROC && !p; i++)
		if (procs[i].state == P_UNUSED)
			p = &procs[i];
	if (p) {
		memset(p, 0, sizeof(*p));
		p->state = P_NEW; /* ours while we build it */
	}
	spin_unlock(&sched_lock);
	if (!p)
		return -EAGAIN;

	struct thread *t = NULL;
	u64 entry, sp, uargv;
	r = -ENOMEM;
	if (!(p->pt = uvm_create()))
		goto fail;
	if ((r = elf_load(p->pt, image, size, &entry)) < 0)
		goto fail;
	r = uvm_alloc(p->pt, USTACK_TOP - USTACK_SIZE, USTACK_SIZE, VM_R | VM_W | VM_U);
	if (r == -EEXIST)
		r = -ENOEXEC; /* the program claims the stack's addresses */
	if (r < 0)
		goto fail;
	if ((r = push_args(p->pt, argv, argc, &sp, &uargv)) < 0)
		goto fail;
	r = -ENOMEM;
	if (!(t = kzalloc(sizeof(*t))) || !(t->kstack = page_alloc(KSTACK_ORDER))) {
		kfree(t);
		t = NULL;
		goto fail;
	}
	if (!(t->ring = ring_create(p, t, 64, 128)))
		goto fail;

	t->proc = p;
	t->tf = (struct trapframe *)((uptr)P2V(t->kstack) + (PAGE_SIZE << KSTACK_ORDER)) - 1;
	arch_tf_init_user(t->tf, entry, sp, argc, uargv, t->ring->uaddr);
	extern void thread_start(void);
	arch_context_init(&t->ctx, ROUND_DOWN((uptr)t->tf, 16), thread_start);

	for (int i = 0; i < NFD; i++)
		if ((p->fds[i] = fds[i]))
			file_ref(fds[i]);
	const char *name = basename(path);
	size_t n = MIN(strlen(name), NAME_MAX - 1);
	memcpy(p->name, name, n);
	p->uid = uid;
	p->gid = gid;
	p->thread = t;

	spin_lock(&sched_lock);
	p->pid = next_pid++;
	p->parent = parent;
	p->state = P_ALIVE;
	sched_ready(t);
	spin_unlock(&sched_lock);
	return p->pid;

fail:
	spawn_fail(p, t);
	return r;
}

/* Where a new thread's first arch_switch() lands: finish the switch, enter user mode. */
void thread_start(void)
{
	spin_unlock(&sched_lock); /* taken by the scheduler that switched to us */
	arch_irq_disable();
	arch_return_to_user(current()->tf);
}

/*
 * End the current process: close its descriptors, drop its rings and
 * operations in flight, free its memory, hand its children to init, and
 * become a zombie for the parent to reap. The thread's kernel stack is
 * freed by the scheduler once we have switched off it.
 */
void proc_exit(int status)
{
	struct thread *t = current();
	struct proc *p = t->proc;
	if (p == initproc)
		panic("init exited with status %d", status);

	op_cancel_proc(p);
	/* nothing of ours is pending now; let completions under way land */
	while (__atomic_load_n(&p->completing, __ATOMIC_ACQUIRE))
		arch_relax();
	for (int i = 0; i < NFD; i++) {
		if (p->fds[i])
			file_put(p->fds[i]);
		p->fds[i] = NULL;
	}
	for (int i = 0; i < NRING; i++)
		if (p->rings[i])
			ring_destroy(p->rings[i]);
	arch_vm_switch(vm_kernel()->root); /* we are about to free the one in use */
	uvm_destroy(p->pt);

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
	spin_unlock(&sched_lock);

	op_child_exited(p, p->pid); /* may reap p right away */
	if (orphans)
		for (int i = 0; i < NPROC; i++)
			op_child_exited(&procs[i], procs[i].pid); /* checks under the lock */

	spin_lock(&sched_lock);
	if (p->thread == t)
		p->thread = NULL; /* p may be reaped, even reused, already */
	t->state = T_DEAD;
	arch_switch(&t->ctx, &mycpu()->sched_ctx);
	panic("proc_exit: a dead thread ran again");
}

/* Kill pid: allowed for root, or on one's own children. Init cannot be killed. */
int proc_kill(struct proc *killer, int pid)
{
	int r = -ESRCH;
	spin_lock(&sched_lock);
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &procs[i];
		if (p->state != P_ALIVE || p->pid != pid)
			continue;
		if (p == initproc || (killer->uid != 0 && p->parent != killer)) {
			r = -EPERM;
			break;
		}
		p->killed = true;
		sched_wake(p->thread); /* out of wait(), to die on the way out */
		r = 0;
		break;
	}
	spin_unlock(&sched_lock);
	return r;
}

/* Start /bin/init as pid 1, root, with the console on 0, 1, 2. */
void proc_init_start(void)
{
	struct file *fds[NFD] = {console_file(), console_file(), console_file()};
	char *argv[] = {"init", NULL};
	int pid = proc_spawn("bin/init", argv, 1, fds, 0, 0, NULL);
	if (pid < 0)
		panic("cannot start bin/init: error %d", pid);
	initproc = &procs[0];
	for (int i = 0; i < NPROC; i++)
		if (procs[i].pid == pid)
			initproc = &procs[i];
}
