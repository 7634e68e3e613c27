/*
 * dev_test.c - drivers in user space (docs/drivers.md): blkd drives the
 * virtio disk the grader attaches (make print-qemu: a pristine image,
 * snapshot=on), and blktest (user/bin/blktest.c) checks it through
 * /dev/disk, as uid 1000, and the device operations themselves.
 *
 * The tests attach a second disk, which blkd leaves alone (it drives
 * the first one it finds): blktest claims it to check that everything
 * a driver took - mappings, DMA memory, the interrupt - comes back when
 * it closes the device or dies. Without it blktest says so, and these
 * tests fail.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness/shell.h"

#define BLKTEST_MS  600000 /* hundreds of 64 KiB requests under TCG, busy host */
#define MIN_BLK	    30	   /* blktest has more checks than this */
#define DISK_BLOCKS 8192   /* the Makefile's DISK_MB (32) MiB in 4 KiB blocks */

static void blktest(struct run *r)
{
	char extra[512];
	int riscv = r->arch[0] == 'r';
	snprintf(extra, sizeof(extra),
		 " -drive file=build/%s/disk0.img,format=raw,if=none,id=hd1,snapshot=on -device %s",
		 r->arch,
		 riscv ? "virtio-blk-device,drive=hd1"
		       : "virtio-blk-pci,drive=hd1,disable-legacy=on");
	struct vm *vm = boot(r, "print-qemu", extra);
	expect(vm, BOOT_MS, PROMPT);
	unsigned seed = random();
	command(vm, "blktest %u\r", seed);
	expect(vm, BLKTEST_MS, "^blktest: disk of %d blocks$", DISK_BLOCKS);
	checks_passed(vm, "blktest", BLKTEST_MS, MIN_BLK);
	const char *l = vm_seen(vm, "^blktest: no second disk");
	check(vm, !l, "the giving back was not checked: %s", l);
	expect(vm, CMD_MS, PROMPT);
	clean_poweroff(vm);
}

const struct test dev_tests[] = {
    {"dev/blktest", 6, ALL, blktest, 2},
    {"dev/blktest-1cpu", 4, ALL, blktest, 1},
    {0},
};
