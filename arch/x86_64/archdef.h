/*
 * archdef.h - x86_64 compile-time constants for kernel/arch.h, and the
 * trap frame. Also included by the assembly files (__ASSEMBLY__).
 */
#pragma once

#ifdef __ASSEMBLY__
#define UL(x) x
#else
#define UL(x) x##ul
#endif

#define ARCH_NAME "x86_64"

/*
 * Four levels of 512 entries: PML4 (level 3), PDPT (2), PD (1), PT (0).
 * A PDPT entry could map 1 GiB, but QEMU's default CPU model lacks 1 GiB
 * pages (CPUID 0x80000001 EDX bit 26), so leaves stop at 2 MiB.
 */
#define PT_LEVELS	  4
#define PT_MAX_LEAF_LEVEL 1

/*
 * Virtual layout. The lower half (0 .. 0x00007fffffffffff) is for users.
 *
 *   0xffff800000000000  direct map: physical address 0 and up (PML4 slot 256)
 *   0xffffffff80000000  kernel image: physical 0 and up, top 2 GiB (slot 511),
 *                       so that -mcmodel=kernel can use 32-bit signed
 *                       addresses; the image is loaded at physical 2 MiB
 *                       (kernel.ld says why not 1 MiB)
 */
#define DIRECT_MAP_BASE	  UL(0xffff800000000000)
#define KERNEL_IMAGE_BASE UL(0xffffffff80000000)

#ifndef __ASSEMBLY__
#include "types.h"

/*
 * What trap.S saves on the kernel stack, lowest address first: the
 * general registers it pushes, the vector number and error code (0 when
 * the CPU pushes none), then the frame the CPU itself pushes.
 */
struct trapframe {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, err;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
#endif
