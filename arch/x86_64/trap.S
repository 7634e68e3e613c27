/*
 * trap.S - trap entry and return: a small stub per IDT vector, the common
 * path that saves the registers as a struct trapframe (archdef.h) and
 * calls trap() in trap.c, the entry point of the syscall instruction,
 * the way back to user mode, and the context switch.
 *
 * GS: in the kernel, the GS base is this CPU's struct percpu; in user
 * mode it is the user's (0). swapgs exchanges the GS base with
 * MSR_KERNEL_GS_BASE, so every path from user mode swaps once on the way
 * in and once on the way out, and a trap from the kernel swaps neither
 * time. The saved CS says which: its low two bits are the privilege
 * level the CPU was at (3 = user).
 *
 * Everything here runs with interrupts off (the IDT has interrupt gates,
 * and syscall clears IF), so nothing can come between a swapgs and the
 * instruction that leaves. Only an NMI or machine check could, and those
 * are fatal anyway (trap.c).
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
 * The general registers, in struct trapframe's order (the last pushed
 * is first): first those a C function may clobber, then those it must
 * preserve (rbx, rbp, r12..r15), which a system call leaves out
 * (syscall_entry).
 */
.macro save_clobbered
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
.endm

.macro save_preserved
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro save_regs
	save_clobbered
	save_preserved
.endm

.macro restore_clobbered
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
.endm

.macro restore_regs
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	restore_clobbered
.endm

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
 * above the CPU's frame (rip cs rflags rsp ss). From user mode the CPU
 * first switched to TSS.RSP0, the top of the thread's kernel stack, so
 * the frame fills the top of that stack exactly; from the kernel it
 * stays on the current stack. Either way the CPU aligned the stack to 16
 * bytes before pushing, and the frame is 22 words, so the call below
 * sees the alignment the C ABI expects.
 *
 * RFLAGS: the gate cleared IF and TF, but a trap from user mode keeps
 * the user's DF (the C ABI wants it clear) and AC (which would switch
 * SMAP off): start from a clean RFLAGS.
 */
alltraps:
	save_regs
	testb $3, TF_CS(%rsp)
	jz 1f
	swapgs
1:	pushq $RFLAGS_FIXED
	popfq
	movq %rsp, %rdi
	call trap
	testb $3, TF_CS(%rsp)
	jz iret_regs

/*
 * Back to user mode through the frame at %rsp (trap.c has already set
 * TSS.RSP0 and checked rip). Shared by the traps, the syscall path when
 * sysretq will not do, and a new thread's first entry to user mode.
 */
iret_user:
	swapgs
iret_regs:
	restore_regs
	addq $16, %rsp			/* vector and error code */
	iretq

/* void trapret_user(struct trapframe *tf): enter user mode from a kernel thread. */
	.globl trapret_user
trapret_user:
	movq %rdi, %rsp
	jmp iret_user

/*
 * syscall lands here (MSR_LSTAR, trap.c). The instruction is a fast call
 * into ring 0 that saves almost nothing:
 *
 *   rcx    <- the user's rip (the instruction after syscall)
 *   r11    <- the user's rflags
 *   rip    <- MSR_LSTAR          cs, ss <- from MSR_STAR (kernel)
 *   rflags <- rflags & ~MSR_FMASK (IF, DF, TF, AC, NT cleared)
 *
 * rsp is still the user's: we may not push anything until we are on a
 * kernel stack. So: swapgs to reach the per-CPU block, park the user's
 * rsp there, load the top of the thread's kernel stack (TSS.RSP0, where
 * an interrupt would switch, see trap.c) and build the frame an
 * interrupt would have built, so that the rest of the kernel sees one
 * kind of trapframe. Then the portable syscall() (kernel/syscall.c)
 * does the rest, called directly.
 * The user's system-call registers:
 *
 *   rax = number   rdi, rsi, rdx, r10, r8, r9 = arguments (r10, not rcx:
 *   syscall takes rcx)   rax = result, or -errno   rcx, r11 = clobbered
 *
 * The registers a C function preserves (rbx, rbp, r12..r15) are not
 * saved: the C code we call preserves them (arch_switch too, if the
 * thread sleeps), so they hold the user's values all along, and no
 * kernel code reads or writes them in a system call's frame (the
 * emulated instructions that use registers come through alltraps, and
 * a user interrupt's delivery changes rip, rsp and rflags only). Their
 * slots in the frame stay stale until the way out needs them: sysretq
 * does not, iretq does (below). 7 instructions fewer per system call
 * (a blocking ring call 390 -> 383 on x86_64, measured).
 */
	.globl syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:PERCPU_USER_RSP
	movq %gs:PERCPU_RSP0, %rsp
	pushq $USER_SS			/* ss */
	pushq %gs:PERCPU_USER_RSP	/* rsp */
	pushq %r11			/* rflags */
	pushq $USER_CS			/* cs */
	pushq %rcx			/* rip */
	pushq $0			/* error code */
	pushq $T_SYSCALL		/* vector */
	save_clobbered
	subq $48, %rsp			/* rbx, rbp, r12..r15: not saved */
	movq %rsp, %rdi
	call syscall			/* counts it, runs it, and trap_return_user() if need be */

/*
 * The way out: trap.c's user_leave(), in place (without a C function
 * between here and syscall(): 10 instructions fewer per system call, a
 * blocking ring call 381 -> 371 on x86_64, measured). The frame is at
 * the top of this thread's kernel stack, perhaps on another CPU than
 * the one we came in on: the next trap from user mode on this CPU puts
 * its frame there, so TSS.RSP0 says so. A rip that is not a user
 * address kills the program (syscall_bad_rip; why: below).
 *
 * Then sysretq, which sets rip from rcx and rflags from r11, gives the
 * user exactly the registers iretq would only while the frame's rcx
 * and r11 still hold its rip and rflags, as syscall left them. Kernel
 * code that redirects a thread (a new rip: a user interrupt's delivery)
 * gets iretq.
 */
	movq TF_RIP(%rsp), %rcx
	movq %rcx, %rax
	shrq $47, %rax			/* USER_TOP = 1 << 47 */
	jnz 2f
	leaq TF_SIZE(%rsp), %rax
	movq %rax, %gs:PERCPU_RSP0
	cmpq %rcx, TF_RCX(%rsp)
	jne 1f
	movq TF_RFLAGS(%rsp), %rax
	cmpq %rax, TF_R11(%rsp)
	je sysret_user
	/* iretq loads every register from the frame: fill in the six */
1:	movq %r15, 0(%rsp)
	movq %r14, 8(%rsp)
	movq %r13, 16(%rsp)
	movq %r12, 24(%rsp)
	movq %rbp, 32(%rsp)
	movq %rbx, 40(%rsp)
	jmp iret_user
2:	movq %rsp, %rdi
	call syscall_bad_rip		/* does not return */

/*
 * sysretq may return: the frame's rcx and r11 equal its rip and
 * rflags, and rip is canonical. sysretq is iretq's fast cousin with
 * syscall's conventions:
 *
 *   rip <- rcx     rflags <- r11     cs, ss <- from MSR_STAR (user)
 *
 * and it restores no stack pointer: we load the user's rsp ourselves,
 * from the frame, as the last thing before swapgs and sysretq.
 *
 * Why rip must be canonical (bits 63..47 all equal): on Intel CPUs,
 * sysretq with a non-canonical rcx raises #GP while still in ring 0 -
 * but after we have loaded the user's rsp and swapped in the user's GS.
 * A fault in ring 0 does not switch stacks, so the kernel's #GP handler
 * would run on a stack the user chose, with a GS base the user chose: a
 * user who places a syscall instruction in the last two bytes below
 * USER_TOP gets exactly that rcx. (AMD CPUs fault after the switch to
 * ring 3, harmlessly.) iretq checks rip before it leaves ring 0 too, but
 * it faults on the kernel stack; trap.c refuses such a rip either way.
 *
 * rbx, rbp and r12..r15 need no popping: they still hold the user's
 * values (above).
 */
sysret_user:
	addq $48, %rsp			/* r15, r14, r13, r12, rbp, rbx */
	restore_clobbered
	addq $16, %rsp			/* vector and error code; rip is at %rsp now */
	movq TF_RSP - TF_RIP(%rsp), %rsp
	swapgs
	sysretq

/*
 * void arch_switch(struct context *from, struct context *to)
 *
 * Saves what a called function must preserve, plus where to resume:
 * our return address as rip and the stack pointer as it will be after
 * returning (past that address). Then takes `to`'s and jumps to its rip:
 * for `to`, it is as if its own arch_switch() call returned.
 */
	.globl arch_switch
arch_switch:
	movq (%rsp), %rax
	movq %rax, CTX_RIP(%rdi)
	leaq 8(%rsp), %rax
	movq %rax, CTX_RSP(%rdi)
	movq %rbx, CTX_RBX(%rdi)
	movq %rbp, CTX_RBP(%rdi)
	movq %r12, CTX_R12(%rdi)
	movq %r13, CTX_R13(%rdi)
	movq %r14, CTX_R14(%rdi)
	movq %r15, CTX_R15(%rdi)
	movq CTX_RBX(%rsi), %rbx
	movq CTX_RBP(%rsi), %rbp
	movq CTX_R12(%rsi), %r12
	movq CTX_R13(%rsi), %r13
	movq CTX_R14(%rsi), %r14
	movq CTX_R15(%rsi), %r15
	movq CTX_RSP(%rsi), %rsp
	jmp *CTX_RIP(%rsi)

/*
 * A new context's first arch_switch() lands here (arch_context_init),
 * with %rsp = the 16-byte aligned top it was given and %r12 = entry.
 * The call pushes a return address, so entry starts with the stack the
 * C ABI promises a function: 8 bytes below a 16-byte boundary. The CFI
 * lines tell gdb (through .debug_frame) that this is the outermost
 * frame, so a backtrace of a kernel thread stops here.
 */
	.cfi_sections .debug_frame
	.globl context_start
context_start:
	.cfi_startproc
	.cfi_undefined rip
	call *%r12
	ud2				/* entry never returns */
	.cfi_endproc
