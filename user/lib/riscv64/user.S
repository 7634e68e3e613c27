/*
 * user.S - what every riscv64 user program needs from its architecture:
 * the first instruction it runs, and the two system calls. Part of the
 * C library (user/lib/<arch>/ holds each arch's assembly), linked into
 * every program.
 *
 * A system call is an ecall from user mode, with the number in a7 and
 * the arguments in a0..a5, exactly as a C call passes them. The kernel
 * steps past the ecall, puts the result (or -errno) in a0 and gives
 * every other register back as it was. So a stub is: number, ecall,
 * return - the C arguments are already where the kernel wants them.
 */
#include "../asm.h"

	.cfi_sections .debug_frame
	.section .text

/*
 * The kernel starts a thread here (arch_tf_init_user) with a0 = argc,
 * a1 = argv, a2 = its first ring (struct ring_hdr *), sp = the top of
 * its stack, every other register 0; pass the three on to
 *
 *	void __libc_start(int argc, char **argv, struct ring_hdr *ring);
 */
	.macro entry name, target
	func \name
	.cfi_undefined ra /* the first frame: gdb's backtrace ends here */
	/*
	 * gp: the linker may rewrite an access to a global near the program's
	 * small data into one instruction relative to gp ("relaxation"). It
	 * must not rewrite this one, which sets gp up. A linker script
	 * without __global_pointer$ relaxes nothing against it (gp = 0).
	 */
	.weak __global_pointer$
	.option push
	.option norelax
	la gp, __global_pointer$
	.option pop
	call \target
	unimp /* the target never returns; if it did, this ends the program */
	endfunc \name
	.endm

	entry _start, __libc_start
/* A thread made by OP_THREAD starts here: a0 = fn, a1 = arg, a2 = its
   ring; void __thread_start(void (*fn)(void *), void *arg, struct ring_hdr *). */
	entry _thread_start, __thread_start

/* long ring_enter(unsigned ring, unsigned to_submit, unsigned flags) */
	func ring_enter
	li a7, 0 /* SYS_RING_ENTER, kernel/abi/ring.h */
	ecall
	ret
	endfunc ring_enter

/* long wait(const struct wait_item *items, unsigned n, struct wait_event *events,
 *           unsigned max, long long timeout_ns) */
	func wait
	li a7, 1 /* SYS_WAIT, kernel/abi/ring.h */
	ecall
	ret
	endfunc wait
