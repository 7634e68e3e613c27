/*
 * disk.c - a test's own disk: a private image, booting on it, and the
 * host's fsck of it (disk.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/disk.h"
#include "harness/shell.h"

#define FSCK_MS 60000

char img[64];
int img_fd = -1;

/* Keep descriptor fd (its file already unlinked) as the test's image. */
static void keep_image(int fd)
{
	if (img_fd >= 0)
		close(img_fd);
	img_fd = fd;
	snprintf(img, sizeof(img), "/proc/%d/fd/%d", getpid(), fd);
}

/* A private image: a copy of disk0.img, or with mib > 0 one made afresh
   by mkfs, mib MiB holding the boot archive's files. */
void private_image_of(struct run *r, int mib)
{
	char cmd[320], src[64], tmp[64];
	/* print-qemu makes disk0.img too, but the copy must be made first */
	snprintf(cmd, sizeof(cmd),
		 "make -s --no-print-directory ARCH=%s build/%s/disk0.img disk-tools >/dev/null",
		 r->arch, r->arch);
	check(NULL, system(cmd) == 0, "`%s` failed", cmd);
	snprintf(tmp, sizeof(tmp), "build/%s/disktest.XXXXXX", r->arch);
	int out = mkstemp(tmp);
	check(NULL, out >= 0, "cannot make %s: %s", tmp, strerror(errno));
	if (mib > 0) {
		snprintf(cmd, sizeof(cmd), "build/host/mkfs %s build/%s/archive.cpio %d >/dev/null",
			 tmp, r->arch, mib);
		int st = system(cmd);
		close(out); /* mkfs made a new file at tmp */
		out = open(tmp, O_RDWR | O_CLOEXEC);
		unlink(tmp);
		check(NULL, st == 0 && out >= 0, "`%s` failed", cmd);
		keep_image(out);
		return;
	}
	unlink(tmp);
	snprintf(src, sizeof(src), "build/%s/disk0.img", r->arch);
	int in = open(src, O_RDONLY | O_CLOEXEC);
	check(NULL, in >= 0, "cannot copy %s: %s", src, strerror(errno));
	static char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		check(NULL, write(out, buf, n) == n, "copying %s: %s", src, strerror(errno));
	check(NULL, n == 0, "reading %s: %s", src, strerror(errno));
	close(in);
	keep_image(out);
}

void private_image(struct run *r)
{
	private_image_of(r, 0);
}

struct vm *boot_image(struct run *r)
{
	char how[128];
	snprintf(how, sizeof(how), "print-qemu DISKIMG=%s", img);
	struct vm *vm = boot(r, how, "");
	expect(vm, BOOT_MS, PROMPT);
	return vm;
}

/* The host's fsck on the image: it must say "clean" and exit 0. */
void fsck(void)
{
	char cmd[128], line[512], out[4096] = "";
	snprintf(cmd, sizeof(cmd), "timeout %d build/host/fsck %s 2>&1", FSCK_MS / 1000, img);
	FILE *f = popen(cmd, "r");
	check(NULL, f, "cannot run %s", cmd);
	while (fgets(line, sizeof(line), f))
		if (strlen(out) + strlen(line) < sizeof(out))
			strcat(out, line);
	int st = pclose(f);
	check(NULL, st == 0 && strstr(out, "clean"), "fsck failed (status %d):\n%s", st, out);
	note("fsck: %s", out);
}
