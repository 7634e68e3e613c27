/*
 * init.c - process 1, the first program the kernel starts.
 *
 * It starts the disk driver (blkd, from the boot archive: nothing else
 * can load programs yet) and waits until it serves /dev/disk (or says
 * there is no disk), then the file server (fsd) and waits until it
 * answers, then the shell, and then reaps children for ever: its own shell, and every
 * orphan, since the kernel makes init the parent of a process whose
 * parent exits. Reaping frees a zombie's slot. If the shell exits,
 * init starts a new one, so the console always has a prompt. init must
 * never exit: the kernel panics if it does.
 *
 * Without a file server the system still runs - programs come from the
 * boot archive, which the kernel reads itself - only files are missing.
 */
#include "user.h"

#define FSD_WAIT_MS 5000 /* how long the file server may take to fill its tree */

/* Start the file server; return once stat("/") answers (or it cannot). */
static int start_fsd(void)
{
	char *argv[] = {"fsd", NULL};
	int pid = spawn("/bin/fsd", argv, NULL, 0, -1, -1);
	if (pid < 0) {
		fprintf(2, "init: cannot start /bin/fsd: %s\n", errstr(pid));
		return pid;
	}
	struct wait_item child = {.type = WAIT_CHILD, .id = pid};
	struct wait_event ev;
	struct fs_stat st;
	long r = -ENOENT;
	u64 until = now_ns() + FSD_WAIT_MS * 1000000ull;
	/* -ENOENT until it has mounted "/"; give up if it exits */
	while ((r = stat("/", &st)) < 0 && now_ns() < until && wait(&child, 1, &ev, 1, 0) == 0)
		msleep(10);
	if (r < 0)
		fprintf(2, "init: no file server: %s\n", errstr(r));
	return pid;
}

/* Start the disk driver; return once /dev/disk answers, or blkd has
   exited (no disk: it says so), or it is taking too long. */
static int start_blkd(void)
{
	char *argv[] = {"blkd", NULL};
	int pid = spawn("/bin/blkd", argv, NULL, 0, -1, -1);
	if (pid < 0) {
		fprintf(2, "init: cannot start /bin/blkd: %s\n", errstr(pid));
		return pid;
	}
	struct wait_item child = {.type = WAIT_CHILD, .id = pid};
	struct wait_event ev;
	struct fs_stat st;
	u64 until = now_ns() + FSD_WAIT_MS * 1000000ull;
	while (stat("/dev/disk", &st) < 0 && now_ns() < until && wait(&child, 1, &ev, 1, 0) == 0)
		msleep(10);
	return pid;
}

static int start_sh(void)
{
	char *argv[] = {"sh", NULL};
	int pid;
	while ((pid = spawn("/bin/sh", argv, NULL, 0, -1, -1)) < 0) {
		fprintf(2, "init: cannot start /bin/sh: %s\n", errstr(pid));
		msleep(1000);
	}
	return pid;
}

int main(void)
{
	start_blkd();
	int fsd = start_fsd();
	spawn("/bin/netd", (char *[]){"netd", NULL}, NULL, 0, -1, -1); /* the network, at /net */
	int sh = start_sh();
	for (;;) {
		int status;
		int pid = waitpid(-1, &status);
		if (pid < 0) { /* should not happen: do not spin if it does */
			fprintf(2, "init: waitpid: %s\n", errstr(pid));
			msleep(100);
		} else if (pid == sh) {
			printf("init: sh exited with status %d, starting another\n", status);
			sh = start_sh();
		} else if (pid == fsd) {
			fprintf(2, "init: fsd exited with status %d\n", status);
		}
	}
}
