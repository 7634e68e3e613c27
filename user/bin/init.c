/*
 * init.c - process 1, the first program the kernel starts.
 *
 * It starts the shell and then reaps children for ever: its own shell,
 * and every orphan, since the kernel makes init the parent of a process
 * whose parent exits. Reaping frees a zombie's slot. If the shell exits,
 * init starts a new one, so the console always has a prompt. init must
 * never exit: the kernel panics if it does.
 */
#include "user.h"

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
		}
	}
}
