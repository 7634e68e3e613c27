/*
 * boot.S - the first instructions of every hart.
 *
 * OpenSBI (directly, or through U-Boot's bootm) jumps to _start at
 * physical 0x80200000 in supervisor mode with the MMU off, a0 = this
 * hart's id and a1 = the physical address of the device tree. The kernel
 * is linked at 0xffffffc080200000, so until paging is on, only
 * pc-relative code works here: `la` (auipc + addi) yields the physical
 * address of a symbol, because the distance between two symbols is the
 * same at both addresses.
 *
 * The plan: load satp with boot_pagetable below, which maps the
 * physical gigabyte we run in at its own address (so the instruction
 * after the satp write can still be fetched) and all of physical memory
 * at DIRECT_MAP_BASE; jump to the high copy of the code; set up a stack
 * and tp; go to C. vm_init() later replaces this table with one that
 * maps only RAM and devices.
 *
 * Secondary harts come in at boot_entry_secondary, started by smp.c
 * through SBI with a1 = the virtual address of their struct hart.
 */

#include "archdef.h"
#include "machine.h"

	.cfi_sections .debug_frame /* unwind info for gdb, not for the image */

/*
 * A 1 GiB leaf entry for physical address pa (see mmu.c for the PTE
 * layout): PPN = pa >> 12 in bits 10 and up, then
 * D A G - X W R V = 0xef (global, for the kernel half) or 0xcf.
 */
#define GIGA_PTE(pa, flags) (((pa) >> 2) | (flags))

/*
 * Turn on the boot page table and continue at the link address. The
 * firmware left sstatus.SIE off; we also clear sie so that no interrupt
 * source is enabled until the C code sets one up.
 */
.macro go_high
	csrw sie, zero
	la t0, boot_pagetable
	srli t0, t0, 12
	li t1, SATP_SV39
	or t0, t0, t1
	csrw satp, t0
	sfence.vma /* forget any translations cached before */
	la t0, 1f
	li t1, DIRECT_MAP_BASE
	add t0, t0, t1
	jr t0
1:
.endm

	.section .text.boot, "ax"
	.globl _start
	.type _start, @function
_start:
	.cfi_startproc
	.cfi_undefined ra /* the outermost frame: gdb's backtrace ends here */
	/*
	 * The hart lottery. Normally only the boot hart comes here, but a
	 * hart may arrive at _start although smp.c asked the firmware to
	 * start it elsewhere (rarely, under QEMU: seen about once in 35
	 * boots with 2 harts). Two harts running kmain() would share one
	 * stack and one .bss. So the first hart to swap a 1 into
	 * boot_lottery boots; any later one waits below until smp.c names
	 * its struct hart, then continues as a secondary.
	 */
	la t0, boot_lottery
	li t1, 1
	amoswap.w t1, t1, (t0)
	bnez t1, lost_lottery
	go_high
	la sp, boot_stack_top
	la tp, harts /* harts[0]: the boot hart is CPU 0 */

	/* Clear .bss; a0 and a1 still hold what the firmware gave us. */
	la t0, __bss_start
	la t1, __bss_end
2:	bgeu t0, t1, 3f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 2b
3:
	la t0, boot_hartid
	sd a0, 0(t0)
	la t0, boot_dtb
	sd a1, 0(t0)

	call kmain
	.cfi_endproc

/* A hart that lost the lottery: spin until boot_release[hartid] holds its struct hart. */
lost_lottery:
	li t1, MAX_HARTID
	bgeu a0, t1, 2f
	la t0, boot_release
	slli t1, a0, 3
	add t0, t0, t1
1:	fence r, r
	ld a1, 0(t0)
	beqz a1, 1b
	j boot_entry_secondary
2:	wfi /* a hart id we cannot index: stay out of the way */
	j 2b

	.globl boot_entry_secondary
	.type boot_entry_secondary, @function
boot_entry_secondary:
	.cfi_startproc
	.cfi_undefined ra
	go_high
	mv tp, a1
	ld sp, HART_STACK(tp)
	call secondary_main
	.cfi_endproc

/*
 * The boot page table: 512 entries, one per gigabyte of virtual space.
 *
 *   index 2 (va 0x80000000)           -> pa 0x80000000  the jump
 *   index 256+i (DIRECT_MAP_BASE+i G) -> pa i G         i = 0..255
 *
 * The second half is the whole Sv39 upper half: every physical address
 * below 256 GiB is reachable before the page allocator exists (the
 * device tree, the UART, secondary harts' stacks). The identity entry
 * is not global: no address space but this one will have it.
 */
/* In .data, not .bss: the winner clears .bss while losers may be reading. */
	.section .data
	.balign 8
	.globl boot_release
boot_lottery:
	.quad 0
boot_release: /* u64 [MAX_HARTID]: struct hart * per hart id, set by smp.c */
	.fill MAX_HARTID, 8, 0

	.balign 4096
boot_pagetable:
	.fill KERNEL_PHYS >> 30, 8, 0
	.quad GIGA_PTE(KERNEL_PHYS & ~((1 << 30) - 1), 0xcf)
	.fill 256 - (KERNEL_PHYS >> 30) - 1, 8, 0
	.set pa, 0
	.rept 256
	.quad GIGA_PTE(pa, 0xef)
	.set pa, pa + (1 << 30)
	.endr

	.section .bss.stack, "aw", @nobits
	.balign 16
	.space 16384 /* the boot hart's stack; the others get theirs in smp.c */
	.globl boot_stack_top
boot_stack_top:
