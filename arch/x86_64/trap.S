/*
 * trap.S - trap entry and return: a small stub per IDT vector, the common
 * path that saves the registers as a struct trapframe (archdef.h) and
 * calls trap() in trap.c, and the entry point of the syscall instruction.
 */
#include "archdef.h"
#include "machine.h"

/*
 * Vectors for which the CPU pushes an error code: double fault, invalid
 * TSS, segment not present, stack fault, general protection, page fault,
 * alignment check, control protection, VMM communication, security.
 * The other stubs push a 0 so that every frame has the same shape.
 */
#define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
		    (v) == 29 || (v) == 30)

/*
 * 256 stubs; vectors[v] (in .rodata) is the address of stub v, for the
 * IDT that trap.c builds.
 */
	.section .rodata
	.balign 8
	.globl vectors
vectors:
	.set v, 0
	.rept 256
	.text
1:
	.if HAS_ERR(v)
	.else
	pushq $0
	.endif
	pushq $v
	jmp alltraps
	.section .rodata
	.quad 1b
	.set v, v + 1
	.endr

	.text
/*
 * Every stub comes here with the vector and error code on the stack,
 * above the CPU's frame (rip cs rflags rsp ss). The CPU aligned the
 * stack to 16 bytes before pushing, and the frame is 22 words, so the
 * call below sees the alignment the C ABI expects.
 */
alltraps:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld				/* the C ABI wants DF clear */
	movq %rsp, %rdi
	call trap
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector and error code */
	iretq

/*
 * syscall lands here (MSR_LSTAR, trap.c). The CPU saved the caller's
 * RIP in %rcx and RFLAGS in %r11, cleared IF (MSR_FMASK) and loaded CS
 * and SS from MSR_STAR; it did not switch stacks. There is no user mode
 * yet, so the caller can only be the kernel, on a kernel stack: build
 * the frame a trap would have (iretq can return through it) and let
 * trap() deal with vector T_SYSCALL. With user mode, swapgs and a switch
 * to the per-CPU kernel stack come first, and sysretq returns.
 */
	.globl syscall_entry
syscall_entry:
	pushq %rsp			/* the caller's rsp ... */
	pushq (%rsp)			/* ... moves down a slot, */
	movq $SEG_KDATA, 8(%rsp)	/* ss goes above it */
	pushq %r11			/* rflags */
	pushq $SEG_KCODE		/* cs */
	pushq %rcx			/* rip */
	pushq $0			/* error code */
	pushq $T_SYSCALL
	jmp alltraps
