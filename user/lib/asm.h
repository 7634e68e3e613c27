/*
 * asm.h - how a function of the C library's assembly (user/lib/<arch>/)
 * begins and ends, the same on every arch: a global function symbol with
 * its size, and the unwind information gdb's backtrace reads.
 *
 *	func name
 *		instructions
 *	endfunc name
 */
#pragma once

	.macro func name
	.globl \name
	.type \name, @function
\name:
	.cfi_startproc
	.endm

	.macro endfunc name
	.cfi_endproc
	.size \name, . - \name
	.endm
