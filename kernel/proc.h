/*
 * proc.h - processes, threads, rings and in-flight operations: the
 * kernel's view of user space.
 *
 *   struct proc ----< struct thread          a process has threads
 *        |                  |
 *        +----< struct ring +---- first ring  each thread starts with one
 *        +----< struct file (fds[])
 *
 *   struct op: one submitted entry the kernel has not completed yet (a
 *   console read waiting for a line, a sleep, a waitpid). It sits on the
 *   global pending list until its event happens; then it completes into
 *   its ring.
 *
 * One lock, sched_lock, protects every process's and thread's state, the
 * run queue and the pending list: simple to reason about, and plenty for
 * four CPUs. Each ring has its own lock for posting completions. What
 * only the process's own thread touches (its descriptors, its rings'
 * submission side) needs no lock while a process has one thread.
 */
#pragma once

#include "kernel.h"
#include "abi/ring.h"

#define NPROC	     64		 /* most processes at once */
#define NFD	     32		 /* descriptors per process */
#define NRING	     8		 /* rings per process */
#define KSTACK_ORDER 2		 /* kernel stacks: 4 pages */
#define USTACK_SIZE  (64 * 1024) /* user stack */
/* user address space layout (below USER_TOP from archdef.h) */
#define USTACK_TOP (USER_TOP - (1ull << 32))
#define RING_BASE  (USER_TOP / 2)
#define RING_SPAN  (1ull << 20) /* address space per ring */
#define MAX_PARKED 64		/* ops one process may have pending */
#define LINK_MAX   32		/* longest LINK chain; a longer one is cut */

enum tstate { T_RUNNABLE = 1, T_RUNNING, T_BLOCKED, T_DEAD };
enum pstate { P_UNUSED, P_NEW, P_ALIVE, P_ZOMBIE }; /* P_NEW: being built by spawn */

struct thread {
	struct proc *proc;
	enum tstate state;
	struct context ctx;	  /* where arch_switch() left it */
	u64 kstack;		  /* physical address of its kernel stack */
	struct trapframe *tf;	  /* user registers, at the top of the kstack */
	struct ring *ring;	  /* its first ring */
	struct thread *next;	  /* run queue link */
	u64 wake_at;		  /* blocked in wait: wake by then (ns), 0 never */
	bool irq_was_on;	  /* saved across a switch (see sched.c) */
	int cpu;		  /* running on, or last ran on */
	u64 entries[ENTRY_KINDS]; /* kernel entries while it ran */
};

struct proc {
	enum pstate state;
	int pid;
	struct proc *parent;
	int uid, gid;
	bool killed;
	int completing; /* its ops being completed right now, on any CPU */
	int parked;	/* its ops on the pending list (at most MAX_PARKED) */
	int status;	/* exit status, once a zombie */
	char name[NAME_MAX];
	struct pagetable *pt;
	struct file *fds[NFD];
	struct ring *rings[NRING];
	struct thread *thread; /* the main (for now only) thread; NULL once it exited */
};

struct ring {
	int id;
	struct proc *proc;
	struct thread *owner;
	u64 pa;		      /* the shared region, physical */
	int order;	      /* ... 2^order pages */
	u64 uaddr;	      /* ... where the owner sees it */
	struct ring_hdr *hdr; /* ... where the kernel sees it */
	struct sqe *sq;
	struct cqe *cq;
	u32 sq_entries, cq_entries;
	/* The kernel's own copies of the indexes it produces: the ones in
	 * the shared header are only published, never read back. */
	u32 sq_head, cq_tail;
	struct spinlock lock; /* posting completions */
	struct op *backlog;   /* completions that did not fit in the CQ */
	struct op **backlog_end;
	u32 nbacklog;
	struct op *deferred; /* chains to continue, by the owner (ring_run_deferred) */
	struct op **deferred_end;
};

/* An operation in flight, or a completion waiting in a ring's backlog. */
struct op {
	struct sqe sqe;	   /* the kernel's copy of the submission entry */
	struct ring *ring; /* where its completion goes */
	struct proc *proc; /* who submitted it */
	u64 deadline;	   /* OP_SLEEP: when it completes */
	int res;	   /* the result, once known */
	u32 cflags;	   /* cqe.flags of the result */
	struct op *chain;  /* entries linked after it (SQE_LINK), not yet run */
	struct op *next;   /* on the pending list, a backlog or the deferred list */
	bool cancel;	   /* deferred: its predecessor failed, cancel the chain */
};

/* A descriptor's object. Only the console for now. */
struct file {
	int ref;
	const struct fileops *ops;
};

struct fileops {
	/* Start a read or write for op; return a result, or OP_PENDING. */
	int (*read)(struct file *f, struct op *op);
	int (*write)(struct file *f, struct op *op);
	bool (*readable)(struct file *f);
};

#define OP_PENDING 0x7fffffff /* an op's result is not known yet */

extern struct spinlock sched_lock;

/* sched.c */
struct thread *current(void);
void sched_ready(struct thread *t);
void sched_block(void);
void sched_wake(struct thread *t);
void sched_yield(void);
void scheduler(void) __attribute__((noreturn));
void thread_free(struct thread *t);

/* proc.c */
int proc_spawn(const char *path, char **argv, int argc, struct file **fds, int uid, int gid,
	       struct proc *parent);
void proc_exit(int status) __attribute__((noreturn));
int proc_kill(struct proc *killer, int pid);
struct proc *proc_table(void);
void proc_init_start(void);

/* ring.c */
struct ring *ring_create(struct proc *p, struct thread *owner, u32 sq_entries, u32 cq_entries);
void ring_destroy(struct ring *r);
long ring_enter(unsigned id, unsigned to_submit, unsigned flags);
void op_complete(struct op *op, int res, u32 cflags);
bool ring_ready(struct ring *r);
void ring_run_deferred(struct proc *p);

/* ops.c */
int op_run(struct op *op);
void op_cancel_proc(struct proc *p);
void op_timers(void);
void op_child_exited(struct proc *child, int pid);
struct op *op_dup(const struct op *op);

/* file.c */
struct file *console_file(void);
void file_ref(struct file *f);
void file_put(struct file *f);
struct file *fd_get(struct proc *p, int fd);

/* wait.c */
long sys_wait(u64 items, u32 n, u64 events, u32 max, s64 timeout_ns);
