/*
 * ring.h - the ring ABI: what a thread and the kernel share.
 *
 * duet has two system calls:
 *
 *   ring_enter(ring, to_submit, flags)  "I added entries to ring's queue"
 *   wait(items, n, events, max, timeout_ns)
 *                                       "block until one of these is ready"
 *
 * Every other service is an *opcode* in a submission entry, so any
 * sequence of services can be submitted in one batch with one system
 * call, or - on a polled ring - with none.
 *
 * A ring is one region of memory, mapped into its owner:
 *
 *   offset 0        struct ring_hdr                       (64 bytes)
 *   hdr.sq_off      struct sqe sq[sq_mask + 1]            (64 bytes each)
 *   hdr.cq_off      struct cqe cq[cq_mask + 1]            (16 bytes each)
 *
 * Submission queue (SQ): the program is the producer, the kernel the
 * consumer. Completion queue (CQ): the other way round.
 *
 *          program writes sq_tail             kernel writes sq_head
 *                     v                                 v
 *   SQ   [ .... | e5 | e6 | e7 | .... ]    entries sq_head .. sq_tail-1
 *                                          are submitted, not yet taken
 *
 *          kernel writes cq_tail              program writes cq_head
 *   CQ   [ .... | c2 | c3 | .... ]         entries cq_head .. cq_tail-1
 *                                          are completions to reap
 *
 * Indexes are free-running 32-bit counters; an index i refers to slot
 * i & mask. Ordering: the producer fills entries, then stores its tail
 * with release semantics; the consumer loads the tail with acquire
 * semantics before reading entries. The kernel reads each index once,
 * checks tail - head <= entries, copies each entry once and validates
 * only its copy: the ring is shared with a program that may be hostile.
 */
#pragma once

#include "errno.h"
#include "pipe.h"
#include "fs.h"
#include "dev.h"

/*
 * System call numbers: a7 on RISC-V, rax on x86-64. The result comes
 * back in a0 / rax. On x86-64 a system call gives back every other
 * register as it was but rcx and r11 (the syscall instruction's own:
 * rip and rflags), so the C library may make one inline (user/lib/ring.c,
 * enter_one()); on RISC-V it keeps only what the C calling convention
 * says a callee keeps.
 */
#define SYS_RING_ENTER 0
#define SYS_WAIT       1

struct ring_hdr {
	unsigned sq_head;     /* kernel: next entry it will take */
	unsigned sq_tail;     /* program: one past the last submitted entry */
	unsigned sq_mask;     /* SQ entries - 1 (a power of two - 1) */
	unsigned sq_flags;    /* RING_NEED_WAKEUP, RING_CQ_OVERFLOW */
	unsigned cq_head;     /* program: next completion it will reap */
	unsigned cq_tail;     /* kernel: one past the last completion */
	unsigned cq_mask;     /* CQ entries - 1 */
	unsigned cq_overflow; /* completions waiting in the kernel's backlog */
	unsigned sq_off;      /* byte offset of sq[] in the region */
	unsigned cq_off;      /* byte offset of cq[] in the region */
	unsigned id;	      /* the ring's id, for ring_enter and RING_DESTROY */
	unsigned cq_flags;    /* RING_CQ_INTR: the kernel sets it, the program clears it */
	unsigned pad[4];
};

/* sq_flags, written by the kernel */
#define RING_NEED_WAKEUP (1u << 0) /* the poller sleeps: ring_enter(RING_ENTER_WAKEUP) */
#define RING_CQ_OVERFLOW (1u << 1) /* completions are in the backlog: reap the CQ */

/* cq_flags, set by the kernel and cleared by the program (docs/rings.md,
   "Completions that interrupt") */
#define RING_CQ_INTR (1u << 0) /* the completion vector was posted: no more until cleared */

/* A submission entry: 64 bytes. */
struct sqe {
	unsigned char opcode; /* OP_* */
	unsigned char flags;  /* SQE_* */
	unsigned short pad;
	int fd;			      /* descriptor, when the operation has one */
	unsigned long long off;	      /* offset, or an operation-specific number */
	unsigned long long addr;      /* user address of a buffer or argument */
	unsigned len;		      /* length of that buffer */
	unsigned op_flags;	      /* operation-specific flags */
	unsigned long long user_data; /* copied to the completion untouched */
	unsigned long long arg[3];    /* spare argument words */
};

/* sqe.flags */
#define SQE_LINK (1u << 0) /* the next entry runs only if this one succeeds */

/* A completion entry: 16 bytes. */
struct cqe {
	unsigned long long user_data; /* from the submission */
	int res;		      /* result >= 0, or -E* */
	unsigned flags;		      /* operation-specific */
};

/* ring_enter flags */
#define RING_ENTER_WAKEUP (1u << 0) /* wake this ring's poller */

/*
 * Opcodes. For each: the sqe fields it reads, and its result (cqe.res).
 * Any operation may also fail with -EFAULT (a bad user address),
 * -EINVAL (a bad field or flag), -EBADF (a bad descriptor).
 */
enum {
	OP_NOP,		 /* nothing; res 0 */
	OP_READ,	 /* fd, addr, len: read into addr; res bytes (0 = end of file) */
	OP_WRITE,	 /* fd, addr, len: write from addr; res bytes */
	OP_CLOSE,	 /* fd; res 0 */
	OP_SPAWN,	 /* addr -> struct spawn_args, len = its size; res the child's pid */
	OP_EXIT,	 /* off = status: end the calling process; never completes */
	OP_WAITPID,	 /* off = pid, or -1 for any child: completes when it exits;
			    res its pid, cqe.flags its exit status. op_flags
			    WAITPID_NOHANG: res 0 at once if none has exited yet */
	OP_KILL,	 /* off = pid: kill it (own children, or anyone if root); res 0 */
	OP_GETPID,	 /* res the caller's pid */
	OP_SLEEP,	 /* off = nanoseconds: completes after that long; res 0 */
	OP_STATS,	 /* addr -> struct kstats, len = its size: kernel entry counters; res 0 */
	OP_PS,		 /* addr -> struct procinfo[], len = its size in bytes; res how many */
	OP_LIST,	 /* off = index, addr -> struct dirent: the index-th file of the
			    boot archive; res 0, or -ENOENT past the end */
	OP_POWEROFF,	 /* root only: turn the machine off; never completes */
	OP_THREAD,	 /* addr = where to start, arg[0], arg[1] = its first two
			    arguments (the third is its first ring's header): a new
			    thread of this process, with its own stack and ring; res its tid */
	OP_THREAD_EXIT,	 /* off = status: end the calling thread (and the process, if
			    it was the last one); never completes */
	OP_THREAD_JOIN,	 /* off = tid of a thread of this process: completes when it
			    has ended; res the tid, cqe.flags its status */
	OP_RING_CREATE,	 /* off = SQ entries, len = CQ entries (0: twice off), both
			    powers of two up to RING_MAX; op_flags RING_POLL...;
			    arg[0] = the poller's idle time in microseconds (0: the
			    default), arg[1] = its CPU (RING_POLL_PIN), arg[2] = a
			    vector descriptor of the caller's own (RING_CQ_UINTR);
			    addr: a u64 to receive the header's address (0: none).
			    res the ring's id */
	OP_RING_DESTROY, /* fd = id of one of the caller's rings, not its first and not
			    the one this entry came from: its operations in flight are
			    dropped; res 0 */
	/* User interrupts (docs/uintr.md), modelled on Linux's UINTR proposal. */
	OP_UINTR_REGISTER_HANDLER,   /* addr = the entry stub, arg[0] = a handler
					stack's top (0: none): the calling thread
					receives user interrupts; res 0 */
	OP_UINTR_UNREGISTER_HANDLER, /* it no longer does: what is pending is
					dropped, later sends go nowhere; res 0 */
	OP_UINTR_CREATE_VECTOR,	     /* off = vector 0..63: a descriptor standing for
					(the calling receiver, vector); res the fd */
	OP_UINTR_REGISTER_SENDER,    /* fd = such a descriptor: res the index in the
					caller's sender table for the send instruction */
	OP_UINTR_UNREGISTER_SENDER,  /* off = an index: free it (a send to it then
					faults, as on hardware); res 0 */
	/* Pipes (abi/pipe.h). */
	OP_PIPE,	/* addr -> int[2]: fds[0] reads, fds[1] writes; off = 0 (a hardware
			   pipe) or PIPE_KERNEL (kernel-buffered); res 0 */
	OP_PIPE_ATTACH, /* fd = a hardware pipe end, addr -> struct pipe_attach,
			   arg[0] = the C library's user-interrupt entry (used if the
			   thread has no handler yet): map the region here, make the
			   calling thread the end's receiver of PIPE_VECTOR and a sender
			   to the other end; res 0, -ENOTSUP if fd is no hardware pipe */
	/* Files (abi/fs.h). */
	OP_MOUNT,	 /* addr = path ("/"): root only; the caller becomes the file
			    server; len = bytes of a buffer each of its connections
			    carries (abi/pipe.h; 0: none, at most PIPE_BUF_MAX);
			    res the control descriptor */
	OP_OPEN,	 /* addr = absolute path, op_flags = O_*, len = mode for O_CREAT:
			    res a descriptor: a connection to the file server */
	OP_FSOP,	 /* addr -> struct fs_args, len = its size: a path operation
			    through the file server; res as it answers */
	OP_ARCHIVE_READ, /* off = index in the boot archive (as OP_LIST), arg[0] = offset,
			    addr, len: read the file's bytes; res how many. Root only
			    (-EPERM): the file server's modes guard the files */
	OP_CONSOLE_FG,	 /* off = a job (0: none): the one Ctrl-C on the console stops;
			    who may: docs/console.md; res 0 */
	/* Devices for drivers (abi/dev.h, docs/drivers.md): root only (-EPERM). */
	OP_DEV_OPEN, /* off = a virtio device id: the first such device nobody holds;
			res a descriptor (-ENODEV: none there, -EBUSY: all held) */
	OP_DEV_INFO, /* fd = a device, addr -> struct dev_info, len = its size; res 0 */
	OP_DEV_MAP,  /* fd, off = region, addr -> u64 to receive where its registers are
			mapped (uncached, read/write); res the region's size */
	OP_DEV_DMA,  /* fd, len = bytes (at most DEV_DMA_MAX): zeroed, pinned memory
			the device can reach; addr -> struct dev_dma; res 0.
			off = DEV_DMA_PIPE: arg[0] = a connection's descriptor: the
			device may reach its buffer (abi/dev.h); DEV_DMA_UNPIPE:
			arg[0] = that buffer's bus address: no longer */
	OP_DEV_IRQ,  /* fd, arg[0] = a user-interrupt vector's descriptor
			(OP_UINTR_CREATE_VECTOR): the device's interrupt posts that
			vector, masking its source each time; the source is armed now.
			res 0 (-ENODEV: the device has no interrupt; -EBUSY: its line
			is the kernel's own) */
	OP_DEV_ARM,  /* fd: unmask the source after a posted interrupt; res 0 */
	OP_COUNT
};

/* OP_RING_CREATE's op_flags */
#define RING_POLL	     (1u << 0) /* a kernel poller takes new entries: no ring_enter */
#define RING_POLL_PIN	     (1u << 1) /* ... on CPU arg[1] */
#define RING_CQ_UINTR	     (1u << 2) /* completions post the user-interrupt vector arg[2] */
#define RING_MAX	     4096      /* most entries in either queue */
#define NRING		     8	       /* most rings of one thread, its first included */
#define RING_IDLE_DEFAULT_US 2000      /* the poller sleeps after this long with no work */
#define RING_IDLE_MAX_US     60000000  /* ... at most a minute (docs/polling.md) */

/*
 * Threads. A process has at most NTHREAD at once; each runs on a stack of
 * its own, the top of a THREAD_SPAN-aligned span of addresses:
 *
 *   span top ->  TCB_SIZE bytes: the C library's per-thread state
 *                the thread's stack, growing down    <- its first sp
 *                (THREAD_STACK bytes in all, TCB included), then a gap
 *
 * So a thread finds its own state from its stack pointer alone: round sp
 * up to a multiple of THREAD_SPAN and step back TCB_SIZE bytes.
 */
#define NTHREAD	     8
#define THREAD_SPAN  (1ull << 20)
#define THREAD_STACK (64 * 1024)
#define TCB_SIZE     256

/*
 * Per-user limits (docs/threads.md, "Limits"): what one uid other than
 * root may hold at once; one more fails with -EAGAIN. The last
 * ROOT_PROCS slots of the kernel's process table are root's: when only
 * they are left, a spawn as anyone else fails with -ENFILE, and root can
 * still start a shell and kill.
 */
#define USER_PROCS   32	 /* processes, zombies included */
#define USER_THREADS 64	 /* threads, in all its processes */
#define USER_RINGS   100 /* rings, each thread's first included */
#define USER_PIPES   64	 /* pipes it made (OP_PIPE), hardware and kernel */
#define ROOT_PROCS   8

#define RW_MAX (1u << 30) /* most bytes one OP_READ or OP_WRITE may name */

#define WAITPID_NOHANG (1u << 0) /* OP_WAITPID: do not wait (POSIX WNOHANG) */

/* Exit statuses the kernel gives (OP_WAITPID's cqe.flags), as shells do. */
#define STATUS_KILLED 137 /* killed (OP_KILL): 128 + 9 */
#define STATUS_FAULT  139 /* killed by a fault it made: 128 + 11 */
#define STATUS_INTR   130 /* stopped by Ctrl-C on the console: 128 + 2 */

#define NAME_MAX 32   /* longest process or file name, with its NUL */
#define MAXARGV	 32   /* most arguments a program gets */
#define ARGBYTES 4096 /* most bytes of argument strings */

/* OP_SPAWN's argument. */
struct spawn_args {
	unsigned long long path; /* user address of the program's path */
	unsigned long long argv; /* user address of a NULL-terminated char *[] */
	unsigned long long fds;	 /* user address of int[nfds]: the child's fd i is the
				    caller's fds[i] (-1: closed); 0: inherit 0, 1, 2 */
	unsigned nfds;
	int uid, gid;		/* -1: the caller's; another: root only (-EPERM) */
	unsigned flags;		/* SPAWN_FG, SPAWN_ARCHIVE, or 0 */
	int job;		/* 0: the caller's job; SPAWN_NEW_JOB: a new job, numbered by the
				   child's pid; else a job the caller or one of its children is in */
	unsigned long long cwd; /* user address of the child's working directory: an
				   absolute path, pushed after argv's NULL; 0: "/" */
};
#define SPAWN_NEW_JOB (-1)
#define SPAWN_FG                                                                                   \
	(1u << 0) /* with SPAWN_NEW_JOB: the new job is the console's                              \
		     foreground before the child runs (OP_CONSOLE_FG's rule) */
#define SPAWN_ARCHIVE                                                                              \
	(1u << 1) /* root only: the program from the boot archive even where a file server         \
		     is mounted (init restarting the disk driver the file server needs to load     \
		     any program: docs/servers.md) */

/* OP_STATS: kernel entries by kind. */
enum { KS_SYSCALL, KS_EXCEPTION, KS_INTERRUPT };
#define STATS_NCPU 8
struct kstats {
	unsigned ncpu;
	unsigned pad;
	unsigned long long cpu[STATS_NCPU][3]; /* per CPU, since boot */
	unsigned long long thread[3];	       /* by the thread owning the ring this came
						  from, since it started */
	unsigned long long free_pages;	       /* the page allocator's free count */
	unsigned long long clock_hz;	       /* rate of the counter programs read themselves
						  (RISC-V rdtime, x86 rdtsc): user/lib/clock.c */
	unsigned long long heap_free;	       /* bytes in the kernel heap's free slots */
};

/* OP_PS: one process. */
enum { PROC_RUNNING, PROC_READY, PROC_BLOCKED, PROC_ZOMBIE };
struct procinfo {
	int pid, ppid;
	int state; /* PROC_*: its busiest thread's */
	int cpu;   /* the CPU its first live thread runs on, or last ran on */
	int uid, gid;
	int nthreads;
	int pad;
	char name[NAME_MAX];
};

/* OP_LIST: one file of the boot archive. */
struct dirent {
	unsigned long long size;
	unsigned mode;
	unsigned pad;
	char name[NAME_MAX];
};

/*
 * wait(items, n, events, max, timeout_ns) blocks until at least one item
 * is ready or timeout_ns passes (-1: forever; 0: just look), and writes
 * up to max ready events. Returns how many (0 on timeout), or -E*:
 * -EINTR when a user interrupt is to be delivered (it is, on the way
 * out) and no WAIT_UINTR item asked for it.
 */
enum {
	WAIT_RING,  /* id = one of the caller's rings: its completion queue is not empty */
	WAIT_CHILD, /* id = pid, or -1 for any: that child has exited (not reaped) */
	WAIT_READ,  /* id = fd: a read would not block */
	WAIT_WRITE, /* id = fd: a write would not block */
	WAIT_UINTR, /* id = 0: the caller has user interrupts pending;
		       id = WAIT_UINTR_TAKE | v: vector v is pending, and the wait
		       takes it (clears it: it is not delivered) */
};

#define WAIT_UINTR_TAKE 0x100 /* WAIT_UINTR's id: wait for one vector and take it */

struct wait_item {
	unsigned type; /* WAIT_* */
	unsigned pad;
	long long id;
	unsigned long long user_data; /* copied into the event */
};

struct wait_event {
	unsigned long long user_data;
	unsigned type;
	unsigned pad;
};

#define WAIT_MAX_ITEMS 64
