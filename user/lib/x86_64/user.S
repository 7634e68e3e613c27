/*
 * user.S - what every x86_64 user program needs from its architecture:
 * the first instruction it runs, and the two system calls. Part of the
 * C library (user/lib/<arch>/ holds each arch's assembly), linked into
 * every program.
 *
 * A system call is the syscall instruction, with the number in rax and
 * the arguments where a C call passes them - rdi, rsi, rdx, then r10
 * instead of rcx, r8, r9:
 *
 *   C call:    rdi  rsi  rdx  rcx  r8  r9
 *   syscall:   rdi  rsi  rdx  r10  r8  r9     rax = number
 *
 * because syscall itself overwrites rcx (with the return address) and
 * r11 (with rflags). The kernel puts the result (or -errno) in rax and
 * gives every other register back as it was. rcx and r11 are scratch
 * registers in the C convention anyway, so a stub is: move the 4th
 * argument, number, syscall, return.
 *
 * An unsigned argument fills only the low half of its register; the
 * C convention leaves the upper half undefined, and the kernel reads
 * all 64 bits. Writing a 32-bit register clears the upper half, so
 * `movl %esi, %esi` turns an unsigned into the u64 the kernel sees.
 */
#include "../asm.h"

	.cfi_sections .debug_frame
	.text

/*
 * The kernel starts a thread here (arch_tf_init_user) with rdi = argc,
 * rsi = argv, rdx = its first ring (struct ring_hdr *), rsp = the top of
 * its stack, every other register 0; pass the three on to
 *
 *	void __libc_start(int argc, char **argv, struct ring_hdr *ring);
 *
 * A function expects rsp to be 8 bytes below a 16-byte boundary on entry
 * (as a call leaves it: the return address was pushed onto an aligned
 * stack). So align rsp to 16 and call.
 */
	.macro entry name, target
	func \name
	.cfi_undefined rip /* the first frame: gdb's backtrace ends here */
	andq $-16, %rsp
	call \target
	ud2 /* the target never returns; if it did, this ends the program */
	endfunc \name
	.endm

	entry _start, __libc_start
/* A thread made by OP_THREAD starts here: rdi = fn, rsi = arg, rdx = its
   ring; void __thread_start(void (*fn)(void *), void *arg, struct ring_hdr *). */
	entry _thread_start, __thread_start

/* long ring_enter(unsigned ring, unsigned to_submit, unsigned flags) */
	func ring_enter
	movl %edi, %edi
	movl %esi, %esi
	movl %edx, %edx
	movl $0, %eax /* SYS_RING_ENTER, kernel/abi/ring.h */
	syscall
	ret
	endfunc ring_enter

/* long wait(const struct wait_item *items, unsigned n, struct wait_event *events,
 *           unsigned max, long long timeout_ns) */
	func wait
	movl %esi, %esi
	movl %ecx, %r10d
	movl $1, %eax /* SYS_WAIT, kernel/abi/ring.h */
	syscall
	ret
	endfunc wait
