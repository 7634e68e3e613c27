/*
 * proc.h - processes, threads, rings and in-flight operations: the
 * kernel's view of user space.
 *
 *   struct proc ----< struct thread ----< struct ring ----> poller thread
 *        |          (threads[] by slot)   (rings[] by id;    (a kernel thread,
 *        +----< struct file (fds[])        rings[0] first)    polled rings only)
 *        +----< struct pipemap (hardware pipes mapped into it)
 *
 *   struct op: one submitted entry the kernel has not completed yet (a
 *   console read waiting for a line, a sleep, a waitpid). It sits on the
 *   global pending list until its event happens; then it completes into
 *   its ring.
 *
 * Locks. sched_lock protects every process's and thread's state, the
 * run queue and the pending list: simple to reason about, and plenty for
 * four CPUs. Each ring has its own lock for posting completions, each
 * process one for its descriptors, each address space one for its page
 * table (kernel.h). Order: sched_lock before a ring's or a process's.
 * No reference (file_put...) is dropped holding any lock: it may be the
 * last, and a close takes locks (release_check, docs/threads.md).
 * A thread's ring table changes only by that thread itself.
 */
#pragma once

#include "kernel.h"
#include "abi/ring.h"
#include "uintr.h" /* struct urecv, for trap_return_work() */

#define NPROC	     64 /* most processes at once */
#define NFD	     32 /* descriptors per process */
#define KSTACK_ORDER 2	/* kernel stacks: 4 pages */
/* user address space layout (below USER_TOP from archdef.h): thread
   stacks downwards from USTACK_TOP (abi/ring.h), rings from RING_BASE,
   hardware pipes from PIPE_BASE (pipe.c), devices from DEV_BASE (dev.c) */
#define USTACK_TOP (USER_TOP - (1ull << 32))
#define RING_BASE  (USER_TOP / 2)
#define PIPE_BASE  (RING_BASE + (1ull << 30))
#define DEV_BASE   (RING_BASE + (2ull << 30))
#define RING_SPAN  (1ull << 20) /* address space per ring */
#define MAX_PARKED 64		/* ops one process may have pending */
#define LINK_MAX   32		/* longest LINK chain; a longer one is cut */

_Static_assert(USTACK_TOP % THREAD_SPAN == 0, "thread stacks must end on a span boundary");
_Static_assert(RING_BASE + (u64)NTHREAD * NRING * RING_SPAN <= USTACK_TOP - NTHREAD * THREAD_SPAN,
	       "rings and stacks overlap");

enum tstate { T_RUNNABLE = 1, T_RUNNING, T_BLOCKED, T_DEAD };
enum pstate { P_UNUSED, P_NEW, P_ALIVE, P_ZOMBIE }; /* P_NEW: being built by spawn */

struct thread {
	struct proc *proc; /* NULL for a kernel thread */
	void (*kfn)(void); /* a kernel thread's body */
	struct ring *poll; /* a poller: the ring it serves */
	int tid;
	int slot; /* in proc->threads[]: fixes its stack and rings' addresses */
	enum tstate state;
	struct context ctx;	   /* where arch_switch() left it */
	u64 kstack;		   /* physical address of its kernel stack */
	struct trapframe *tf;	   /* user registers, at the top of the kstack */
	struct ring *rings[NRING]; /* rings[0] is its first ring */
	int deferred;		   /* 1: a ring of its may have chains to continue (op.c) */
	struct thread *next;	   /* run queue link */
	u64 wake_at;		   /* blocked in wait: wake by then (ns), 0 never */
	bool fd_wait;		   /* in wait() on descriptors (wait_wake_fds) */
	bool irq_was_on;	   /* saved across a switch (see sched.c) */
	int cpu;		   /* running on, or last ran on */
	int pin;		   /* the only CPU it may run on, or -1 */
	u64 entries[ENTRY_KINDS];  /* kernel entries while it ran */
	struct urecv *urecv;	   /* receiving user interrupts (uintr.c), or NULL */
	struct uintr_send *usend;  /* its sender table, or NULL */
};

struct proc {
	enum pstate state;
	int pid;
	struct proc *parent;
	int uid, gid;
	int job;	 /* its job: what Ctrl-C stops together (job.c) */
	bool killed;	 /* every thread ends on its way out of the kernel */
	int kill_status; /* ... and this is the exit status */
	int parked;	 /* its ops on the pending list (at most MAX_PARKED) */
	int status;	 /* exit status, once a zombie */
	char name[NAME_MAX];
	struct pagetable *pt;
	struct spinlock lock; /* fds[] */
	struct file *fds[NFD];
	int nthreads;
	int nrings;			 /* its threads' rings, and those being made */
	unsigned claimed;		 /* slots whose thread is being made (bit per slot) */
	struct thread *threads[NTHREAD]; /* live threads by slot */
	struct {
		int tid, status;
	} ended[NTHREAD];     /* a slot whose thread ended and awaits OP_THREAD_JOIN */
	struct pipemap *maps; /* hardware pipes mapped here (pipe.c), under lock */
};

struct ring {
	int id;
	struct proc *proc;
	struct thread *owner;
	int uid, gid;	      /* the owner's credentials when it made the ring */
	u64 pa;		      /* the shared region, physical */
	int order;	      /* ... 2^order pages */
	u64 uaddr;	      /* ... where the owner sees it */
	struct ring_hdr *hdr; /* ... where the kernel sees it */
	struct sqe *sq;
	struct cqe *cq;
	u32 sq_entries, cq_entries;
	u64 sq_mask; /* sq_entries - 1, for take() */
	/* The kernel's own copies of what it produces: the ones in the
	 * shared header are only published, never read back. */
	u32 sq_head, cq_tail, sq_flags;
	u32 cq_open;	      /* cq_entries, or 0 while its consumer fills a window (ring.c) */
	struct spinlock lock; /* posting completions, sq_flags, cq_open */
	struct op *backlog;   /* completions that did not fit in the CQ */
	struct op **backlog_end;
	u32 nbacklog;
	struct op *deferred; /* chains to continue, by the owner (op_continue_thread) */
	struct op **deferred_end;
	int completing; /* its ops being completed right now, on any CPU */
	/* polled rings */
	struct thread *poller; /* NULL once it has stopped */
	u64 idle_ns;	       /* it sleeps after this long without work */
	bool stop;	       /* ring_teardown asks it to end */
	/* completion interrupts (RING_CQ_UINTR): the owner's receiver, or NULL */
	struct urecv *cq_recv;
	unsigned cq_vec;
};

/* An operation in flight, or a completion waiting in a ring's backlog. */
struct op {
	struct sqe sqe;	   /* the kernel's copy of the submission entry */
	struct ring *ring; /* where its completion goes */
	struct proc *proc; /* who submitted it */
	/* What a parked op waits for: one word for both, so that taking an
	   entry resets one (a batch: 1 instruction an entry) */
	union {
		u64 deadline; /* OP_SLEEP: when it completes (timer.c) */
		u64 wait;     /* a file-server answer (fs.c): which; 0 none */
	};
	int res;	   /* the result, once known */
	u32 cflags;	   /* cqe.flags of the result */
	struct op *chain;  /* entries linked after it (SQE_LINK), not yet run */
	struct op *next;   /* on the pending list, a backlog or the deferred list */
	bool cancel;	   /* deferred: its predecessor failed, cancel the chain */
	struct file *file; /* parked on a file (a read, a write): holds a reference */
};

/* A descriptor's object: the console, a user-interrupt vector. */
struct file {
	int ref;
	const struct fileops *ops;
	void *priv; /* the object's own: a vector's receiver */
	u64 arg;    /* ... and its number */
};

struct fileops {
	/* Start a read or write for op; return a result, or OP_PENDING. */
	int (*read)(struct file *f, struct op *op);
	int (*write)(struct file *f, struct op *op);
	bool (*readable)(struct file *f);
	void (*close)(struct file *f); /* the last reference went; may be NULL */
	/* process p has just dropped a descriptor of f (it may hold others); may be NULL */
	void (*detach)(struct file *f, struct proc *p);
};

/* How spawn makes a process, beyond its program, argv, descriptors and credentials. */
struct spawn_how {
	int job;	 /* 0: the parent's job, SPAWN_NEW_JOB: its own, else that job */
	bool fg;	 /* its job becomes the console's foreground (job.c) ... */
	int fg_uid;	 /* ... if this uid (the spawner's) may still choose it */
	const char *cwd; /* its working directory (for the C library) */
};

#define OP_PENDING 0x7fffffff /* an op's result is not known yet */
/* op_run() in a batch's window: its opcode may not return (OP_EXIT,
 * OP_THREAD_EXIT), so it did not run: the window must be published first */
#define OP_ALONE 0x7ffffffe

extern struct spinlock sched_lock;

/*
 * The thread running on this CPU (NULL in the scheduler). Inline, and
 * with no irq_push(): kernel code runs with interrupts off and the
 * kernel never preempts itself (a tick only sets need_resched), so a
 * thread changes CPU only inside sched_block()/sched_yield(), never
 * between finding its CPU and reading the field. As a call that masked
 * interrupts it was 43 instructions, three times per ring call.
 */
static inline struct thread *current(void)
{
	return mycpu()->thread;
}

/* Count a kernel entry, for the CPU and for the thread it interrupted
 * (the arch's trap code, first thing). Inline: every system call counts
 * itself, and the call cost a ring call 5 instructions on x86_64, 13 on
 * riscv64 (with the kind a constant, the index folds away). */
static inline void trap_enter(enum entry_kind kind)
{
	struct cpu *c = mycpu();
	c->entries[kind]++;
	if (c->thread)
		c->thread->entries[kind]++;
}

/*
 * Is there anything to do on the way back to user mode, in
 * trap_return_user() (kernel/trap.c)? One test of the words that say
 * so, inline in the system call's path (kernel/syscall.c), which then
 * skips the call. Safe: interrupts are off, so no tick sets
 * need_resched behind our back; a flag another CPU raises just after
 * we looked (killed, deferred, a user interrupt) is one the full path
 * could miss just the same, and the next way out, or the IPI or wake-up
 * that comes with it, sees it. A CPU that keeps user-interrupt state in
 * hardware (arch_uintr_native) always has work: uintr_return() loads
 * the thread's. Where the kernel emulates them, only a pending user
 * interrupt is work (uintr_return() delivers it): a thread that merely
 * has user-interrupt state takes the fast path too (a hardware pipe's
 * 1-CPU round trip 7,405 -> 7,213 instructions on x86_64, 8,928 ->
 * 8,744 on riscv64, measured). The words are ORed as they are, with one test at
 * the end: no compare per word.
 */
static inline bool trap_return_work(struct cpu *c, struct thread *t)
{
	if (arch_uintr_native())
		return true;
	u64 w = (u64)t->proc->killed | c->need_resched |
		(u64)__atomic_load_n(&t->deferred, __ATOMIC_RELAXED);
	if (t->urecv)
		w |= __atomic_load_n(&t->urecv->r.pending, __ATOMIC_ACQUIRE);
	return w != 0;
}
