/*
 * trap.S - where every trap lands (stvec) and how it returns.
 *
 * A trap (interrupt or exception) makes the hart jump to stvec with
 * sepc = the interrupted pc, scause = why, stval = the faulting address
 * or instruction, and sstatus.SPP/SPIE = the privilege and interrupt
 * enable it came from; interrupts are now off. We save every register
 * in a struct trapframe (archdef.h) on the current stack, call
 * trap_kernel(tf) in trap.c, restore, and sret back to sepc.
 *
 * The sscratch convention: sscratch is 0 while a hart runs kernel code.
 * When user mode arrives, the return to user will put the hart's struct
 * hart pointer there; entry then swaps it with tp (csrrw tp, sscratch,
 * tp): non-zero means "came from user, tp is ours now", zero means
 * "came from the kernel, tp is already right". For now only the kernel
 * traps, so entry just uses the kernel stack it is on.
 */

#include "archdef.h"

/* DWARF's number for sepc (CSR 0x141): gdb reads the interrupted pc
 * from here when it unwinds through a trap frame (see below). */
#define DWARF_SEPC (4096 + 0x141)

	.cfi_sections .debug_frame

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
	addi sp, sp, -TF_SIZE
	.cfi_adjust_cfa_offset TF_SIZE
	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd x\n, TF_REG(\n)(sp)
	.cfi_offset \n, TF_REG(\n) - TF_SIZE
	.endr
	addi t0, sp, TF_SIZE /* the sp we interrupted */
	sd t0, TF_REG(2)(sp)
	csrr t0, sepc
	sd t0, TF_SEPC(sp)
	.cfi_offset DWARF_SEPC, TF_SEPC - TF_SIZE
	csrr t0, sstatus
	sd t0, TF_SSTATUS(sp)
	csrr t0, scause
	sd t0, TF_SCAUSE(sp)
	csrr t0, stval
	sd t0, TF_STVAL(sp)

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
