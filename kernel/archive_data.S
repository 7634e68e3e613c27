/*
 * archive_data.S - the boot archive (see archive.c), built by user/user.mk
 * as build/<arch>/archive.cpio, copied byte for byte into the kernel's
 * read-only data between archive_start and archive_end.
 *
 * The Makefile passes the file's path as ARCHIVE_PATH (a quoted string)
 * and makes this object depend on the file: .incbin is the assembler's,
 * so the compiler's dependency lists do not see it. Only directives both
 * assemblers share.
 */
#ifndef ARCHIVE_PATH
#error "ARCHIVE_PATH must name the boot archive (-DARCHIVE_PATH=\"build/<arch>/archive.cpio\")"
#endif

	.section .rodata
	.balign 8
	.globl archive_start
archive_start:
	.incbin ARCHIVE_PATH
	.globl archive_end
archive_end:
