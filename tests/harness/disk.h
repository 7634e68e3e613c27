/*
 * disk.h - a test's own disk (docs/disk.md): a private copy of the
 * grader's pristine disk0.img (or a small image made for the test),
 * booted without snapshot=on so its writes stay for the next boot and
 * for the host's fsck. The disk tests (tests/disk_test.c) and the file
 * server's restart tests (tests/fs_test.c) use it.
 *
 * The copy is a file unlinked as soon as it is made: QEMU and fsck open
 * it as /proc/<grader>/fd/<n>, and it is gone when the test is, however
 * it ends.
 */
#pragma once

#include "harness/grade.h"

extern char img[64]; /* the image's path, for QEMU and fsck */
extern int img_fd;   /* and a descriptor of it, for pread/pwrite */

/* A private image: a copy of disk0.img, or with mib > 0 one made afresh
   by mkfs, mib MiB holding the boot archive's files. */
void private_image_of(struct run *r, int mib);
void private_image(struct run *r);
/* Boot on it, to the shell's prompt. */
struct vm *boot_image(struct run *r);
/* The host's fsck on the image: it must say "clean" and exit 0. */
void fsck(void);
