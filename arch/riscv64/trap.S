/*
 * trap.S - where every trap lands (stvec), how it returns to the kernel
 * or to user mode, and how a hart switches from one thread to another.
 *
 * A trap (interrupt or exception) makes the hart jump to stvec with
 * sepc = the interrupted pc, scause = why, stval = the faulting address
 * or instruction, and sstatus.SPP/SPIE = the privilege and interrupt
 * enable it came from; interrupts are now off. We save every register
 * in a struct trapframe (archdef.h), call the C handler in trap.c with
 * a pointer to it, restore, and sret back to sepc.
 *
 * Nothing else changes on a trap: in particular sp may still be a user
 * stack pointer, and tp the user's thread pointer. So entry first has to
 * learn where it came from, without a free register to work in. That is
 * what sscratch is for, a CSR the hardware never touches:
 *
 *                    running user code     just after          running kernel
 *                                          csrrw tp,sscratch,tp   code
 *    tp              user's tp             struct hart *       struct hart *
 *    sscratch        struct hart *         user's tp           0
 *
 *   - in the kernel, sscratch is 0; the swap yields tp = 0: "came from
 *     the kernel"; a second swap puts both back, and the trap frame goes
 *     on the kernel stack we are already on;
 *   - the return to user mode leaves this hart's struct hart pointer in
 *     sscratch; the swap yields that pointer (non-zero): "came from user
 *     mode, tp is ours now, sscratch holds the user's tp".
 *
 * A trap from user mode may not trust the user's sp. It parks it in the
 * hart record and loads the stack pointer the hart record names: the
 * frame at the top of the running thread's kernel stack, where the
 * user's registers go
 *
 *                     +----------------------+  top of the thread's kernel stack
 *                     | stval, scause,       |
 *                     | sstatus, sepc, pad   |  struct trapframe:
 *                     | x31 (t6)             |  the user's registers,
 *                     |  ...                 |  TF_REG(n) = 8 * (n - 1)
 *                     | x2 (sp), x1 (ra)     |
 *   hart->tf == tf--> +----------------------+  sp while trap_user() runs
 *                     | trap_user's frame,   |
 *                     | syscall's, ...       |  the thread's kernel code
 *                     v                      v
 *
 * and every return to user mode writes tf back into hart->tf, because
 * the thread may have moved to another hart, and this hart may run
 * another thread next (kernel/arch.h). (The frame's address, not the
 * stack's top: no add on the way in or out.)
 */

#include "archdef.h"
#include "machine.h"

/* DWARF's number for sepc (CSR 0x141): gdb reads the interrupted pc
 * from here when it unwinds through a trap frame (see below). */
#define DWARF_SEPC (4096 + 0x141)

	.cfi_sections .debug_frame

/* The trap's CSRs into the trapframe at sp (uses t0): where, why, what. */
.macro save_csrs
	csrr t0, sepc
	sd t0, TF_SEPC(sp)
	.cfi_offset DWARF_SEPC, TF_SEPC - TF_SIZE
	csrr t0, sstatus
	sd t0, TF_SSTATUS(sp)
	csrr t0, scause
	sd t0, TF_SCAUSE(sp)
	csrr t0, stval
	sd t0, TF_STVAL(sp)
.endm

	.section .text
	.balign 4 /* stvec's low two bits are the mode: 0 = one entry point */
	.globl trap_entry
	.type trap_entry, @function
trap_entry:
	/*
	 * Unwind information, so that gdb's `bt` in a handler continues into
	 * the code the trap interrupted: this "call" saved every register in
	 * the frame, and its return address is the saved sepc.
	 */
	.cfi_startproc
	.cfi_signal_frame
	.cfi_return_column DWARF_SEPC
	csrrw tp, sscratch, tp
	bnez tp, trap_from_user
	csrrw tp, sscratch, tp /* from the kernel: tp back, sscratch = 0 again */

	addi sp, sp, -TF_SIZE
	.cfi_adjust_cfa_offset TF_SIZE
	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd x\n, TF_REG(\n)(sp)
	.cfi_offset \n, TF_REG(\n) - TF_SIZE
	.endr
	addi t0, sp, TF_SIZE /* the sp we interrupted */
	sd t0, TF_REG(2)(sp)
	save_csrs

	mv a0, sp
	call trap_kernel

	/* sepc and sstatus may have been changed by the handler. */
	ld t0, TF_SEPC(sp)
	csrw sepc, t0
	ld t0, TF_SSTATUS(sp)
	csrw sstatus, t0
	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld x\n, TF_REG(\n)(sp)
	.endr
	addi sp, sp, TF_SIZE
	sret
	.cfi_endproc

/*
 * From user mode: tp = our struct hart, sscratch = the user's tp, every
 * other register still the user's. gdb unwinds from here into the user
 * program: its pc is the saved sepc, its sp and tp the saved ones.
 *
 * A system call (ecall) has a path of its own, the fast path of every
 * ring call: 30 instructions fewer than the general one (a blocking
 * ring call 480 -> 450 on riscv64, measured). It saves no s0..s11
 * and loads none back: the C code it calls preserves them (arch_switch
 * too, if it switches threads), so they hold the user's values all
 * along, and no kernel code reads or writes them in an ecall's frame
 * (only the exceptions that emulate an instruction use the frame's
 * registers, and those take the general path, which saves all). Its
 * frame's slots for them, for sstatus, scause and stval are stale:
 * nothing reads them (the sstatus of a way back to user mode is
 * trapret_user's own; scause and stval are trap_user()'s). It steps sepc
 * past the ecall and calls syscall() directly, without trap_user().
 * The unwind information says so too: at its call, s0..s11 are where
 * the user left them, in the registers.
 */
	.type trap_from_user, @function
trap_from_user:
	.cfi_startproc
	.cfi_signal_frame
	.cfi_return_column DWARF_SEPC
	sd sp, HART_USER_SP(tp)
	ld sp, HART_TF(tp)
	.cfi_def_cfa sp, TF_SIZE
	.irp n, 1,3,5,6,7,10,11,12,13,14,15,16,17,28,29,30,31 /* all but s0..s11 */
	sd x\n, TF_REG(\n)(sp)
	.cfi_offset \n, TF_REG(\n) - TF_SIZE
	.endr
	ld t0, HART_USER_SP(tp)
	sd t0, TF_REG(2)(sp)
	.cfi_offset 2, TF_REG(2) - TF_SIZE
	csrrw t0, sscratch, zero /* the user's tp; sscratch = 0: in the kernel now */
	sd t0, TF_REG(4)(sp)
	.cfi_offset 4, TF_REG(4) - TF_SIZE
	csrr t0, sepc
	csrr t1, scause
	addi t1, t1, -EXC_ECALL_U
	bnez t1, 1f

	addi t0, t0, 4 /* return past the ecall, not onto it again */
	sd t0, TF_SEPC(sp)
	.cfi_offset DWARF_SEPC, TF_SEPC - TF_SIZE
	mv a0, sp
	call syscall /* counts it; ends in trap_return_user() if need be, which may switch threads */
	li t1, 0 /* "after an ecall": no s0..s11 to load */
	j ret_user

	/* Any other trap: the frame holds every register and CSR. */
1:	sd t0, TF_SEPC(sp)
	addi t1, t1, EXC_ECALL_U
	sd t1, TF_SCAUSE(sp)
	.irp n, 8,9,18,19,20,21,22,23,24,25,26,27 /* s0..s11 */
	sd x\n, TF_REG(\n)(sp)
	.cfi_offset \n, TF_REG(\n) - TF_SIZE
	.endr
	csrr t0, sstatus
	sd t0, TF_SSTATUS(sp)
	csrr t0, stval
	sd t0, TF_STVAL(sp)
	mv a0, sp
	call trap_user /* ends in trap_return_user(), which may switch threads */
	li t1, 1 /* load every register: an emulated instruction may have written any */
	j ret_user
	.cfi_endproc

/*
 * void trapret_user(struct trapframe *tf): the one way into user mode,
 * for a brand-new thread (arch_return_to_user, trap.c) as for the end
 * of every trap from it.
 */
	.globl trapret_user
	.type trapret_user, @function
trapret_user:
	.cfi_startproc
	.cfi_undefined ra /* nothing to return to: gdb's backtrace ends here */
	li t1, 1 /* load every register */
	csrc sstatus, SSTATUS_SIE /* no trap may see the half-restored state */
	mv sp, a0
	/* The end of every trap from user mode comes in here, from C code,
	   which always returns with interrupts off (the kernel runs so),
	   with sp at the frame (the C code restored it). */
ret_user:
	sd sp, HART_TF(tp) /* where this thread's next trap from user goes */
	ld t0, TF_SEPC(sp)
	csrw sepc, t0
	/*
	 * sret goes to user mode (SPP = 0) with interrupts on (SIE = SPIE
	 * = 1), whatever tf->sstatus says: the trap frame is for registers
	 * the user may choose, and privilege is not one of them. Nothing
	 * to write for that: outside a trap handler, SPP is always 0 and
	 * SPIE 1 here. trap_init_hart() (trap.c) makes them so on every
	 * hart; every sret sets them so again (the privileged spec: "SPIE
	 * is set to 1", "SPP is set to U"), the kernel trap path's too
	 * after it restores its own sstatus; a trap from user mode leaves
	 * SPP 0 and SPIE = the user's SIE, which is 1 (set by the sret
	 * into user mode); and no kernel code writes either bit. A trap
	 * from the kernel, which sets SPP, never switches threads, so no
	 * thread comes here from inside one. (Forcing them cost 4
	 * instructions on every way out: a blocking ring call 440 -> 436
	 * on riscv64, measured.)
	 */
	csrw sscratch, tp /* from here on a trap means "from user" */
	beqz t1, 1f
	.irp n, 8,9,18,19,20,21,22,23,24,25,26,27 /* s0..s11 */
	ld x\n, TF_REG(\n)(sp)
	.endr
1:	.irp n, 1,3,4,5,6,7,10,11,12,13,14,15,16,17,28,29,30,31 /* t1 (x6) too */
	ld x\n, TF_REG(\n)(sp)
	.endr
	ld sp, TF_REG(2)(sp) /* last: it is the base of every load above */
	sret
	.cfi_endproc

/*
 * void arch_switch(struct context *from, struct context *to)
 *
 * A function call as far as the C code on either side is concerned: it
 * saves what a callee must preserve (ra, sp, s0..s11) in *from and loads
 * *to's. The `ret` then returns into whatever call of arch_switch() *to
 * was saved in - on another stack, in another thread. tp is not part of
 * a context: it names the hart, and a thread may come back on another.
 */
	.globl arch_switch
	.type arch_switch, @function
arch_switch:
	.cfi_startproc
	sd ra, CTX_RA(a0)
	sd sp, CTX_SP(a0)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd s\n, CTX_S(\n)(a0)
	.endr
	ld ra, CTX_RA(a1)
	ld sp, CTX_SP(a1)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld s\n, CTX_S(\n)(a1)
	.endr
	ret
	.cfi_endproc

/*
 * Where a new context's first arch_switch() "returns" (trap.c,
 * arch_context_init): s1 holds the entry function. Calling it from here
 * gives gdb a frame whose caller is unknown, so backtraces end cleanly.
 */
	.globl context_start
	.type context_start, @function
context_start:
	.cfi_startproc
	.cfi_undefined ra
	jalr s1 /* never returns */
	.cfi_endproc
