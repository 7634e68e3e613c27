/*
 * uintr.S - the x86_64 user-interrupt entry stub, part of the C
 * library (user/include/uintr.h).
 *
 * Delivery (the CPU's, or the kernel's emulation of it) enters
 * uintr_entry with user interrupts disabled (UIF = 0) and this on a
 * 16-byte aligned stack, below the interrupted code's red zone or on
 * the handler stack:
 *
 *      +-----------+
 *      |  old rsp  |  rsp+24
 *      |  rflags   |  rsp+16
 *      |  rip      |  rsp+8    where the program was interrupted
 *      |  vector   |  rsp+0  <- rsp
 *      +-----------+
 *
 * The interrupted code expects every register back, so the stub saves
 * all general registers, not only those the C convention lets a call
 * clobber: that costs 15 stores, and keeps it obviously right. Flags
 * need no saving: UIRET restores rflags from the frame. (There is no
 * SSE or x87 state to keep: programs are built -mgeneral-regs-only.)
 * Then it pops the vector, as the hardware leaves it for software to
 * do, and UIRET pops rip, rflags and rsp and sets UIF again. With
 * emulation that UIRET is the one kernel entry a delivery costs beyond
 * the delivery itself.
 */
	.cfi_sections .debug_frame

/* push/pop a register, telling the debugger where it went */
.macro save r
	pushq %\r
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset \r, 0
.endm
.macro restore r
	popq %\r
	.cfi_adjust_cfa_offset -8
	.cfi_restore \r
.endm

	/* a section of its own: --gc-sections drops it from programs without user interrupts */
	.section .text.uintr_entry, "ax", @progbits
	.globl uintr_entry
	.type uintr_entry, @function
	.balign 16
uintr_entry:
	/*
	 * Unwind information, so that gdb's `bt` in a handler continues into
	 * the interrupted code: "return address" rip at CFA - 8 with CFA =
	 * rsp + 16, and the interrupted rsp and rflags saved above it.
	 */
	.cfi_startproc simple
	.cfi_signal_frame
	.cfi_def_cfa rsp, 16
	.cfi_offset rip, -8
	.cfi_offset rflags, 0
	.cfi_offset rsp, 8
	save rax
	save rcx
	save rdx
	save rbx
	save rbp
	save rsi
	save rdi
	save r8
	save r9
	save r10
	save r11
	save r12
	save r13
	save r14
	save r15
	movq 15*8(%rsp), %rdi		/* the vector: the handler's argument */
	cld				/* the C convention: DF = 0 on a call */
	subq $8, %rsp			/* 15 pushes: back to 16-byte alignment */
	.cfi_adjust_cfa_offset 8
	movq uintr_handler(%rip), %rax
	testq %rax, %rax
	jz 1f				/* no handler yet: just return */
	call *%rax
1:	addq $8, %rsp
	.cfi_adjust_cfa_offset -8
	restore r15
	restore r14
	restore r13
	restore r12
	restore r11
	restore r10
	restore r9
	restore r8
	restore rdi
	restore rsi
	restore rbp
	restore rbx
	restore rdx
	restore rcx
	restore rax
	addq $8, %rsp			/* pop the vector: UIRET wants rip on top */
	.cfi_adjust_cfa_offset -8
	uiret
	.cfi_endproc
	.size uintr_entry, . - uintr_entry
