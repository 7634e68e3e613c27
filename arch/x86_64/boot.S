/*
 * boot.S - the first instructions: the Multiboot header and 32-bit entry
 * (QEMU -kernel), the 64-bit entry (U-Boot's bootelf -p), the switch to
 * long mode on the boot page tables, and the trampoline that brings the
 * other CPUs (APs) from real mode up to C.
 *
 * All paths meet in start64_high, which runs at the link address
 * (0xffffffff80200000 and up), clears .bss and calls kmain().
 */
#include "archdef.h"
#include "machine.h"

/* Physical address of a kernel symbol, for code that runs before paging. */
#define PA(x) ((x) - KERNEL_IMAGE_BASE)

/* Where a trampoline symbol lands once smp.c copies it to TRAMPOLINE_PA. */
#define TRAMP(x) (TRAMPOLINE_PA + (x) - trampoline)

/*
 * Multiboot (version 1) header: a loader finds it in the first 8 KiB of
 * the file. Flag bit 1 asks for the memory map. The kernel.img that QEMU
 * loads is an ELF32 file, so the loader takes addresses and the entry
 * point (start32, physical) from the ELF headers.
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS (1 << 1)

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

/*
 * %ebx = EFER_NXE if the CPU can use the NX bit in page-table entries
 * (CPUID 0x80000001: EDX bit 20), else 0. Every CPU that has long mode
 * has that CPUID leaf (its bit 29 is long mode). Without EFER.NXE, bit
 * 63 of an entry is reserved and a page fault, so mmu.c sets NX only
 * where this turned it on. Clobbers eax, ecx, edx.
 */
.macro nx_bit
	movl $0x80000001, %eax
	cpuid
	movl %edx, %ebx
	andl $CPUID_NX, %ebx
	shrl $(CPUID_NX_SHIFT - EFER_NXE_SHIFT), %ebx
.endm

/*
 * Turn on long mode from 32-bit protected mode with paging off: PAE
 * page tables (boot_pml4), EFER.LME (long mode) and EFER.NXE if there
 * is NX, then CR0.PG. The CPU is now in compatibility mode until a far
 * jump loads a 64-bit code segment.
 */
.macro long_mode_on
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $PA(boot_pml4), %eax
	movl %eax, %cr3
	nx_bit
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	orl %ebx, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
.endm

	.text
	.code32
/* Multiboot entry: protected mode, paging off, %eax = magic, %ebx = info. */
	.globl start32
start32:
	cli
	movl %eax, %edi
	movl %ebx, %esi
	long_mode_on
	lgdt PA(boot_gdtdesc)
	ljmp $SEG_KCODE, $PA(start64_low)

	.code64
start64_low:
	/* Upper halves of registers are undefined after compatibility mode. */
	movl %edi, %edi
	movl %esi, %esi
	movabs $start64_high, %rax
	jmp *%rax

/*
 * U-Boot entry (the ELF's e_entry, physical): already in long mode on
 * U-Boot's identity map, with U-Boot's GDT. No Multiboot information:
 * firmware.c finds memory and tables another way when the magic is 0.
 */
	.globl start64
start64:
	cli
	xorl %edi, %edi
	xorl %esi, %esi
	nx_bit
	movl $MSR_EFER, %ecx
	rdmsr
	orl %ebx, %eax
	wrmsr
	movl $PA(boot_pml4), %eax
	movq %rax, %cr3
	lgdt PA(boot_gdtdesc)
	pushq $SEG_KCODE
	pushq $PA(start64_low)
	lretq

/*
 * The CFI lines tell gdb (through .debug_frame) that this is the
 * outermost frame, so a backtrace stops here.
 */
	.cfi_sections .debug_frame
start64_high:
	.cfi_startproc
	.cfi_undefined rip
	movw $SEG_KDATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	movq %rdi, %r12
	movq %rsi, %r13
	movq $bss_start, %rdi
	movq $bss_end, %rcx
	subq %rdi, %rcx
	cld
	rep stosb
	movl %r12d, mb_magic(%rip)
	movl %r13d, mb_info(%rip)
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	call kmain
	.cfi_endproc

/* An AP, in the kernel image: take the kernel page table and stack (smp.c). */
ap_start64:
	.cfi_startproc
	.cfi_undefined rip
	movq ap_root, %rax
	movq %rax, %cr3
	movq ap_stack, %rsp
	xorl %ebp, %ebp
	call ap_main
	.cfi_endproc

/*
 * AP trampoline. smp.c copies trampoline..trampoline_end to physical
 * TRAMPOLINE_PA and sends a startup IPI with vector TRAMPOLINE_PA >> 12:
 * the AP starts in real mode at CS:IP = 0x0800:0000. It goes to 32-bit
 * protected mode (boot GDT, its 32-bit code segment), then to long mode
 * on the boot page tables, which map the trampoline 1:1 and the kernel
 * image at its link address, then jumps to ap_start64 in the image.
 */
	.code16
	.balign 16
	.globl trampoline
trampoline:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl TRAMP(tramp_gdtdesc)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $SEG_KCODE32, $TRAMP(tramp32)

	.code32
tramp32:
	movw $SEG_KDATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	long_mode_on
	ljmp $SEG_KCODE, $TRAMP(tramp64)

	.code64
tramp64:
	movabs $ap_start64, %rax
	jmp *%rax

	.balign 8
tramp_gdtdesc:
	.word boot_gdt_end - boot_gdt - 1
	.long PA(boot_gdt)
	.globl trampoline_end
trampoline_end:

	.data
/*
 * Boot GDT: flat segments for getting into long mode. start.c replaces
 * it with each CPU's own GDT. (Descriptor layout: see start.c. The
 * accessed bit is preset so the CPU never writes to this table.)
 */
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08 SEG_KCODE: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10 SEG_KDATA: data */
	.quad 0x00cf9b000000ffff	/* 0x18 SEG_KCODE32: 32-bit code, trampoline only */
boot_gdt_end:

/* lgdt operand: 32-bit code reads limit + low 4 bytes of the base, 64-bit all 10. */
boot_gdtdesc:
	.word boot_gdt_end - boot_gdt - 1
	.quad PA(boot_gdt)

/*
 * Boot page tables, built by the assembler (PTE layout: see mmu.c;
 * 0x3 = present + writable, 0x83 = also PS, a 2 MiB leaf). Four page
 * directories map physical 0-4 GiB in 2 MiB pages, reached three ways:
 *
 *   boot_pml4[0]   -> boot_pdpt[0..3]    identity: 0 .. 4 GiB, for the
 *                                        instant paging turns on
 *   boot_pml4[256] -> boot_pdpt[0..3]    direct map: firmware tables
 *                                        until vm_init() switches tables
 *   boot_pml4[511] -> boot_pdpt_hi[510]  kernel image: -2 GiB -> 0 .. 1 GiB
 *
 * They stay below 4 GiB (in the image) because APs load them into CR3
 * from 32-bit code.
 */
	.balign 4096
boot_pml4:
	.quad PA(boot_pdpt) + 0x3
	.fill 255, 8, 0
	.quad PA(boot_pdpt) + 0x3
	.fill 254, 8, 0
	.quad PA(boot_pdpt_hi) + 0x3
boot_pdpt:
	.quad PA(boot_pd) + 0x3
	.quad PA(boot_pd) + 0x1000 + 0x3
	.quad PA(boot_pd) + 0x2000 + 0x3
	.quad PA(boot_pd) + 0x3000 + 0x3
	.fill 508, 8, 0
boot_pdpt_hi:
	.fill 510, 8, 0
	.quad PA(boot_pd) + 0x3
	.quad 0
boot_pd:
	.set pa, 0
	.rept 2048
	.quad pa + 0x83
	.set pa, pa + 0x200000
	.endr

	.bss
	.balign 16
	.space 16384
	.globl boot_stack_top
boot_stack_top:
