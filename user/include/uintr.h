/*
 * uintr.h - user interrupts from user space: the same C API on both
 * architectures, over the real instructions (docs/uintr.md).
 *
 *   receiver                                   sender
 *   uintr_register_handler(fn, stack, size)
 *   fd = uintr_create_vector(v)     -- fd -->  i = uintr_register_sender(fd)
 *   uintr_enable()                             uintr_send(i)
 *        ... fn(v) runs on the receiver, between two of its instructions
 *
 * The wrappers below are single instructions: x86_64 SENDUIPI, STUI,
 * CLUI, TESTUI; riscv64 our send (custom-0) and CSR accesses to ustatus.
 * Where the CPU lacks user interrupts (QEMU: both arches) they trap and
 * the kernel emulates them, so the same binary runs either way; only
 * the cost differs.
 *
 * A handler runs with user interrupts disabled (UIF / ustatus.UIE
 * cleared by delivery) and must not enable them: the entry stub
 * (lib/uintr_<arch>.S) is not reentrant. It saves every general
 * register, calls uintr_handler(vector), restores them and returns with
 * UIRET / URET, which enables user interrupts again.
 */
#pragma once

#define UINTR_NVEC  64 /* vectors 0..63; the highest pending is delivered first */
#define UINTR_NSEND 64 /* sender-table indexes 0..63 */

/* Interrupt the receiver behind sender-table index `index`. A bad
 * index is a fault, as on hardware (x86 #GP): the program is killed. */
static inline void uintr_send(unsigned long index)
{
#if defined(__x86_64__)
	asm volatile("senduipi %0" : : "r"(index) : "memory");
#elif defined(__riscv)
	/* senduipi rs1: funct7 0, rs2 x0, funct3 0, rd x0, opcode custom-0 */
	asm volatile(".insn r 0x0b, 0, 0, x0, %0, x0" : : "r"(index) : "memory");
#else
#error "uintr.h: unknown architecture"
#endif
}

/* Let user interrupts in (x86 STUI; RISC-V set ustatus.UIE). A pending
 * one is delivered right after. */
static inline void uintr_enable(void)
{
#if defined(__x86_64__)
	asm volatile("stui" : : : "memory");
#else
	asm volatile("csrsi 0x000, 1" : : : "memory"); /* ustatus.UIE */
#endif
}

/* Hold user interrupts back; they stay pending (x86 CLUI; clear ustatus.UIE). */
static inline void uintr_disable(void)
{
#if defined(__x86_64__)
	asm volatile("clui" : : : "memory");
#else
	asm volatile("csrci 0x000, 1" : : : "memory");
#endif
}

/* 1 if user interrupts are enabled (x86 TESTUI: CF = UIF; RISC-V ustatus.UIE). */
static inline int uintr_testui(void)
{
#if defined(__x86_64__)
	unsigned char cf;
	asm volatile("testui" : "=@ccc"(cf));
	return cf;
#else
	unsigned long s;
	asm volatile("csrr %0, 0x000" : "=r"(s));
	return s & 1;
#endif
}

/* ---------------------------------------------------------------------
 * Registration (user/lib/uintr.c): one opcode each (kernel/abi/ring.h:
 * OP_UINTR_*), modelled on Linux's UINTR proposal, run through the
 * calling thread's ring. All return >= 0 or -E*.
 * ------------------------------------------------------------------- */

/* What the entry stub calls, with the vector (0..63). One per process.
 * Vector 63 (PIPE_VECTOR) also wakes a thread sleeping on a hardware
 * pipe (lib/pipe.c): a handler sees those too, and may ignore them. */
typedef void (*uintr_fn)(unsigned long vector);

/*
 * Make the calling thread a receiver: set uintr_handler = fn and
 * register the entry stub uintr_entry with the kernel. stack/size: a
 * stack for the handler (its top goes to the kernel: x86 loads it into
 * rsp, RISC-V's stub finds it in uscratch), or NULL to run the handler
 * on the interrupted stack (x86: below the 128-byte red zone). User
 * interrupts stay disabled until uintr_enable().
 */
int uintr_register_handler(uintr_fn fn, void *stack, unsigned long size);

/* Stop receiving: pending interrupts are dropped; senders' sends go
 * nowhere, and registering a new sender fails with -ESRCH. */
int uintr_unregister_handler(void);

/* A descriptor that stands for (this thread, vector); pass it to a
 * sender (spawn's descriptor map) and close it when done. */
int uintr_create_vector(unsigned vector);

/* Make the calling thread a sender to the vector behind fd; returns the
 * index for uintr_send(). */
int uintr_register_sender(int fd);

/* Free a sender-table index: uintr_send(index) faults from now on. */
int uintr_unregister_sender(int index);

/* The handler entry point (lib/uintr_<arch>.S), and the function it calls (lib/uintr.c). */
void uintr_entry(void);
extern uintr_fn uintr_handler;
