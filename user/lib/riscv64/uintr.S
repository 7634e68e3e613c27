/*
 * uintr.S - the riscv64 user-interrupt entry stub, part of the C
 * library (user/include/uintr.h).
 *
 * Delivery (an N-extension hart's, or the kernel's emulation of it)
 * enters uintr_entry (utvec, direct mode) with uepc = the interrupted
 * pc, ucause = 1 << 63 | vector, UIE = 0, and every register as the
 * interrupted code left it - sp included. Nothing was pushed, so the
 * stub must find a stack before it can save anything, without a free
 * register. uscratch is for that, as sscratch is for the kernel's trap
 * entry (arch/riscv64/trap.S): it holds the handler stack's top, and
 * one swap exchanges the two stack pointers:
 *
 *                      in the program    after csrrw sp,uscratch,sp
 *      sp              program's sp      handler stack top
 *      uscratch        handler stack     program's sp
 *
 * A receiver registered without a handler stack has uscratch = 0: the
 * swap yields sp = 0, a second swap puts both back, and the frame goes
 * on the program's own stack - the RISC-V ABI has no red zone, and
 * keeps sp 16-byte aligned at all times, so everything below sp is
 * free. A slot of the frame records which way it went, for the way out.
 *
 *      sp + 8 * n      x_n (x1 ra .. x31 t6), every general register
 *      sp + 8 * 2      (sp's slot) 1 if sp came from uscratch, else 0
 *
 * Then the C handler gets the vector (ucause without its top bit); the
 * registers come back, the stack pointers are swapped back if they
 * were swapped, and URET returns to uepc with UIE = 1 again. The
 * handler must not set UIE itself: uscratch holds the program's sp
 * while it runs, and a nested delivery would lose it.
 *
 * The user CSRs are emulated (QEMU has no N extension): each csrrw,
 * csrr and the URET is a kernel entry - four per delivery here, where
 * native hardware would take none.
 */
#define USCRATCH 0x040
#define UCAUSE	 0x042
#define URET	 .4byte 0x00200073 /* binutils no longer knows the N extension's uret */
#define FRAME	 (8 * 32)
#define SWAPPED	 (8 * 2)

	.cfi_sections .debug_frame

/* every general register but sp (x2) and t0 (x5), which are done by hand */
.macro save_regs
	.irp n, 1, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd x\n, 8 * \n(sp)
	.endr
.endm
.macro restore_regs
	.irp n, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	ld x\n, 8 * \n(sp)
	.endr
.endm

	/* a section of its own: --gc-sections drops it from programs without user interrupts */
	.section .text.uintr_entry, "ax", @progbits
	.globl uintr_entry
	.type uintr_entry, @function
	.balign 4 /* utvec's low two bits are the mode */
uintr_entry:
	.cfi_startproc
	.cfi_undefined ra /* the interrupted pc is in uepc, out of gdb's reach */
	csrrw sp, USCRATCH, sp
	beqz sp, 1f
	addi sp, sp, -FRAME		/* on the handler stack */
	sd t0, 8 * 5(sp)
	li t0, 1
	j 2f
1:	csrrw sp, USCRATCH, sp		/* no handler stack: sp back, uscratch = 0 */
	addi sp, sp, -FRAME
	sd t0, 8 * 5(sp)
	li t0, 0
2:	sd t0, SWAPPED(sp)
	save_regs

	csrr a0, UCAUSE
	slli a0, a0, 1			/* drop the interrupt bit: the vector */
	srli a0, a0, 1
	ld t0, uintr_handler
	beqz t0, 3f			/* no handler yet: just return */
	jalr t0

3:	ld t0, SWAPPED(sp)
	bnez t0, 4f
	restore_regs
	addi sp, sp, FRAME
	URET
4:	restore_regs
	addi sp, sp, FRAME
	csrrw sp, USCRATCH, sp		/* sp = the program's, uscratch = the handler stack */
	URET
	.cfi_endproc
	.size uintr_entry, . - uintr_entry
