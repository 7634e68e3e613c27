/*
 * uintr.h - user interrupts: the portable model, which the kernel's side
 * (kernel/uintr.c) and each arch's emulation (arch/<arch>/uintr.c,
 * behind the arch_uintr_* functions of kernel/arch.h) share.
 *
 * A user interrupt lets one thread interrupt another without the
 * kernel, like a signal that costs no system call (docs/uintr.md). The
 * model is Intel's UIPI; RISC-V gets the same model through N-extension
 * CSRs plus one send instruction of our own (docs/uintr.md).
 *
 *   sending thread                    receiving thread
 *   struct uintr_send                 struct uintr_recv
 *   +-------+------+--------+         +-------------------------------+
 *   | index | recv | vector |         | pending  63 ........ 5 .... 0 |
 *   +-------+------+--------+  post   |          0 ..0 1 0 ..0 1 0 ..0 |
 *   |   0   |  R --+--- 5 --+-------> |                 ^             |
 *   |   1   |  (invalid)    |         | enabled (UIF / ustatus.UIE)   |
 *   |  ...  |               |         | handler (UIHANDLER / utvec)   |
 *   +-------+---------------+         +-------------------------------+
 *     send(index): look the index up,        |  on the way back to user
 *     set bit `vector` in R's pending set    |  mode, if pending & enabled:
 *     (a second post of the same vector      v  take the highest vector
 *     before delivery changes nothing)
 *
 *   delivery frame, x86 (user stack)      delivery, RISC-V (CSRs only)
 *   +------------------+ <- old rsp        uepc   <- pc
 *   |    red zone      |   - 128, & ~15    ucause <- 1 << 63 | vector
 *   +------------------+                   UPIE   <- UIE
 *   |     old rsp      |  +24              UIE    <- 0
 *   |     rflags       |  +16              pc     <- utvec
 *   |     rip          |  +8
 *   |     vector       |  +0  <- new rsp
 *   +------------------+     rip <- handler, UIF <- 0
 *
 * On CPUs without user interrupts (QEMU implements neither), the user
 * instructions trap (#UD / illegal instruction) and the kernel does what
 * the hardware would: kernel/uintr.c fetches the instruction, the arch
 * decodes and emulates it (arch_uintr_decode(), arch_uintr_emulate())
 * and delivers (arch_uintr_deliver()). The arch's part is pure: no
 * locks, no scheduling, no page tables; user memory goes through the
 * callbacks in struct uintr_mem, so the host unit tests can run it
 * against a fake memory (tests/unit/test_uintr_*.c).
 *
 * What kernel/uintr.c does around them:
 *
 *   trap from user mode, #UD (x86) or illegal instruction (RISC-V):
 *       uintr_trap(): UINTR_DONE -> go back to user mode;
 *       UINTR_POST -> post->vector into post->recv (uintr_post()), then
 *       kick the receiver: IPI the CPU it runs on, wake it if it waits;
 *       < 0 -> arch_uintr_fault() names the fault to kill the thread with.
 *   every return to user mode, after any thread switch:
 *       if (r->pending) arch_uintr_deliver(); < 0 -> kill, as above.
 *
 * On an x86 CPU with UIPI nothing traps: the same structures are the
 * hardware's (the UPID at the start of struct uintr_recv, the UITT in
 * struct uintr_send), and kernel/uintr.c moves the running thread's
 * state in and out of the CPU through the arch_uintr_* functions of
 * kernel/arch.h instead (docs/uintr.md, "Native UIPI").
 *
 * This file includes nothing of the kernel but types.h, so that arch
 * code can use it without kernel.h and host tests without a kernel.
 */
#pragma once

#include "types.h"

#define UINTR_NVEC	 64  /* vectors per receiver: bits of the pending set */
#define UINTR_NSEND	 64  /* entries of a sender table (UITT) */
#define UINTR_REDZONE	 128 /* x86 stack adjust when no handler stack is given */
#define UINTR_UPID_ALIGN 64  /* x86 native: SENDUIPI's alignment of a UPID */

struct trapframe;

/*
 * A receiving thread. `pending` is written by senders on any CPU
 * (uintr_post(), atomic) and cleared only by delivery on the receiver's
 * own CPU; every other field belongs to the receiving thread alone.
 * All zero is a valid state: no handler, nothing pending, masked.
 *
 * The kernel must keep a uintr_recv alive while any sender table points
 * to it (a reference count, like Linux's UPID), even after its thread
 * has exited: posting into a dead receiver is then harmless.
 *
 * Its first 16 bytes are, word for word, x86's user posted-interrupt
 * descriptor (UPID), so that on a CPU with UIPI the hardware posts into
 * the very same pending set the emulation uses (docs/uintr.md):
 *
 *   notify   63           32 31   24 23     16 15        2  1    0
 *           +---------------+-------+---------+-----------+----+----+
 *           |     NDST      |   0   |   NV    |     0     | SN | ON |
 *           +---------------+-------+---------+-----------+----+----+
 *   pending  PIR: bit v = vector v posted
 *
 * ON: a notification is on its way; SN: senders only post, no
 * notification; NV: the vector of that notification; NDST: the APIC
 * id of the CPU it goes to. The emulation leaves `notify` 0. SENDUIPI
 * wants the UPID 64-byte aligned: so is the struct (allocate it so).
 */
struct uintr_recv {
	u64 notify;	   /* x86 native: the UPID's ON, SN, NV, NDST */
	u64 pending;	   /* the UPID's PIR (and UIRR): bit v = vector v posted */
	u64 handler;	   /* x86: UIHANDLER. RISC-V: utvec (BASE | MODE) */
	u64 stack_adjust;  /* x86: UINTR_STACKADJUST: bit 0 clear: rsp -= it;
			      bit 0 set: rsp = it (a handler stack's top) */
	bool enabled;	   /* x86: UIF. RISC-V: ustatus.UIE */
	bool prev_enabled; /* RISC-V: ustatus.UPIE */
	/* RISC-V's other user-interrupt CSRs, as the thread last wrote them */
	u64 ie;	     /* uie */
	u64 scratch; /* uscratch */
	u64 epc;     /* uepc */
	u64 cause;   /* ucause */
	u64 tval;    /* utval */
} __attribute__((aligned(UINTR_UPID_ALIGN)));

/*
 * One entry of a sender table: send(index) posts `vector` to `recv`.
 * Laid out as an entry of x86's user-interrupt target table (UITT), so
 * that a native SENDUIPI reads the table the kernel keeps:
 *
 *    127                        64 63        16 15      8 7      1  0
 *   +----------------------------+------------+---------+--------+---+
 *   |  UPIDADDR (recv)           |     0      | UV      |   0    | V |
 *   +----------------------------+------------+---------+--------+---+
 *
 * Every bit not named must be 0 (SENDUIPI raises #GP otherwise): the
 * padding is part of the entry, and an invalid entry is all zero.
 */
struct uintr_target {
	bool valid;		 /* V */
	u8 vector;		 /* UV, 0..63 */
	u8 reserved[6];		 /* 0 */
	struct uintr_recv *recv; /* UPIDADDR: the receiver's UPID, a kernel address */
};

/* A sending thread's table (the UITT, 16-byte aligned); send's operand is an index. */
struct uintr_send {
	struct uintr_target uitt[UINTR_NSEND];
};

/*
 * The kernel's receiver (kernel/uintr.c): a thread's uintr_recv with
 * what keeps it alive. Here, not in uintr.c, for the test on the way
 * back to user mode (trap_return_work, proc.h), which looks at
 * `pending` inline.
 */
struct thread;
struct urecv {
	struct uintr_recv r; /* first: sender tables point here */
	int ref;
	struct thread *t; /* NULL once it stopped receiving; under sched_lock */
	void *alloc;	  /* what kzalloc() gave, for kfree() */
};

_Static_assert(__builtin_offsetof(struct uintr_recv, pending) == 8, "UPID: PIR at byte 8");
_Static_assert(sizeof(struct uintr_target) == 16, "UITT: 16-byte entries");

/*
 * User memory, for the functions below. read/write copy n bytes between
 * kernel buffer and user address uva, and return 0, or < 0 when any
 * byte is not mapped user memory with the needed access (copyin and
 * copyout, with the thread's page table as arg).
 */
struct uintr_mem {
	void *arg;
	int (*read)(void *arg, void *dst, u64 uva, size_t n);
	int (*write)(void *arg, u64 uva, const void *src, size_t n);
};

/*
 * Results. >= 0: emulated (or delivered); < 0: an error, and the thread
 * is to be killed with the fault arch_uintr_fault() names:
 *
 *   UINTR_EILL    not an instruction we emulate: the usual #UD or
 *                 illegal-instruction fault
 *   UINTR_EGP     the instruction or delivery faults as hardware would:
 *                 a bad index, an invalid sender entry, no sender table;
 *                 a handler, handler stack or return address outside
 *                 user space (x86 #GP(0); RISC-V illegal instruction)
 *   UINTR_EFAULT  user memory not accessible: the delivery frame, the
 *                 frame UIRET pops, the instruction itself
 */
#define UINTR_DONE   0 /* emulated: resume the thread */
#define UINTR_POST   1 /* emulated a send: post it (struct uintr_post) */
#define UINTR_EILL   (-1)
#define UINTR_EGP    (-2)
#define UINTR_EFAULT (-3)

/* What a send asks for: the caller posts vector into recv. */
struct uintr_post {
	struct uintr_recv *recv;
	unsigned vector;
};

/* The emulated instructions. */
enum {
	UI_SEND = 1, /* x86 SENDUIPI reg; RISC-V senduipi rs1 (ours, custom-0) */
	UI_RET,	     /* x86 UIRET; RISC-V URET */
	UI_TEST,     /* x86 TESTUI */
	UI_CLEAR,    /* x86 CLUI */
	UI_SET,	     /* x86 STUI */
	UI_CSR,	     /* RISC-V csrrw/csrrs/csrrc(i) on a user-interrupt CSR */
};

/* A decoded instruction. */
struct uintr_insn {
	int op;	 /* UI_* */
	int len; /* its length in bytes */
	int reg; /* UI_SEND: the index's register (x86: 0 rax .. 15 r15 in
		    encoding order; RISC-V: x0..x31). UI_CSR: rs1, or the
		    5-bit immediate for the i forms */
	int rd;	 /* UI_CSR: destination register */
	int csr; /* UI_CSR: CSR number */
	int f3;	 /* UI_CSR: funct3: 1 rw, 2 rs, 3 rc; +4 the immediate forms */
};

/*
 * The emulation's trap (kernel/uintr.c): fetch the instruction at tf's
 * pc through m (at most UINTR_INSN_MAX bytes, the arch's archdef.h),
 * arch_uintr_decode() and arch_uintr_emulate() it. UINTR_EFAULT when
 * not even its first byte can be read; otherwise what they return.
 */
int uintr_trap(struct uintr_recv *r, struct uintr_send *s, struct trapframe *tf,
	       const struct uintr_mem *m, struct uintr_post *post);

/* ---------------------------------------------------------------------
 * Portable helpers.
 * ------------------------------------------------------------------- */

/*
 * Post a vector (any CPU). Returns the pending set as it was before: if
 * the vector's bit was already set, the two posts coalesce into one
 * delivery, like the hardware's PIR; if the set was empty, the receiver
 * needs a kick (IPI or wakeup), like UPID.ON going from 0 to 1.
 */
static inline u64 uintr_post(struct uintr_recv *r, unsigned vector)
{
	return __atomic_fetch_or(&r->pending, 1ull << (vector % UINTR_NVEC), __ATOMIC_SEQ_CST);
}

/*
 * The vector hardware delivers first: the highest pending one (set != 0).
 * A binary search, not __builtin_clzll(): rv64imac has no count-leading-
 * zeros instruction, and the kernel links no libgcc to call instead.
 */
static inline unsigned uintr_highest(u64 set)
{
	unsigned v = 0;
	for (unsigned half = 32; half; half /= 2) {
		if (set >> half) {
			set >>= half;
			v += half;
		}
	}
	return v;
}

/* Delivery took vector v: clear its bit, leaving concurrent posts alone. */
static inline void uintr_claim(struct uintr_recv *r, unsigned v)
{
	__atomic_fetch_and(&r->pending, ~(1ull << v), __ATOMIC_SEQ_CST);
}

/* A send's lookup, as SENDUIPI does it: index in range, entry valid. */
static inline int uintr_lookup(const struct uintr_send *s, u64 index, struct uintr_post *post)
{
	if (!s || index >= UINTR_NSEND || !s->uitt[index].valid)
		return UINTR_EGP;
	post->recv = s->uitt[index].recv;
	post->vector = s->uitt[index].vector;
	return UINTR_POST;
}

/* Register-sender: the lowest free index for (recv, vector), or -1 if full. */
static inline int uintr_uitt_add(struct uintr_send *s, struct uintr_recv *recv, unsigned vector)
{
	if (vector >= UINTR_NVEC)
		return -1;
	for (int i = 0; i < UINTR_NSEND; i++) {
		if (!s->uitt[i].valid) {
			s->uitt[i] = (struct uintr_target){
			    .valid = true, .vector = (u8)vector, .recv = recv};
			return i;
		}
	}
	return -1;
}

/* Unregister-sender: the index stops working at once (a send faults). */
static inline void uintr_uitt_remove(struct uintr_send *s, unsigned index)
{
	if (index < UINTR_NSEND)
		s->uitt[index] = (struct uintr_target){0};
}
