/*
 * jobtest.c - checks of jobs and the console's foreground job
 * (kernel/job.c; the rule is in docs/console.md): which job a spawner may
 * put its child in, and who may choose the foreground. Run as root from
 * the shell's prompt (tests/shell_test.c); it starts itself as uid 1000
 * for the other side:
 *
 *   jobtest -u   uid 1000 in root's job, root owning the console: refused
 *   jobtest -o   uid 1000 owning the console (spawned with SPAWN_FG)
 *   jobtest -m   the same, but root put a process of its own in the job
 *   jobtest -s   sleep until killed
 */
#include "check.h"

#define USER 1000
#define SELF "/bin/jobtest"

static char *helper[][3] = {
    {"jobtest", "-o", NULL},
    {"jobtest", "-m", NULL},
    {"jobtest", "-s", NULL},
};
enum { OWNER, MIXED, SLEEP }; /* -u takes an argument: as_root() */

static void check(const char *name, bool good, int a, int b)
{
	if (good)
		ok(name);
	else
		fail(name, "got %s and %s", show(a), show(b));
}

static int finish(int pid)
{
	int st = -1;
	if (pid > 0 && waitpid(pid, &st) != pid)
		st = -1;
	return pid < 0 ? pid : st;
}

static void as_root(void)
{
	int me = getpid(); /* the shell started us in a job of our own: ours */
	expect("fg-negative", console_fg(-5), -EINVAL);
	expect("fg-own-job", console_fg(me), 0);
	expect("spawn-fg-needs-new-job",
	       spawn_job(SELF, helper[SLEEP], NULL, 0, -1, -1, 0, SPAWN_FG), -EINVAL);
	expect("spawn-into-init-job", spawn_job(SELF, helper[SLEEP], NULL, 0, -1, -1, 1, 0),
	       -EPERM);
	/* a child's job may take more children: a pipeline's stages */
	int a = spawn_job(SELF, helper[SLEEP], NULL, 0, -1, -1, SPAWN_NEW_JOB, 0);
	int b = spawn_job(SELF, helper[SLEEP], NULL, 0, -1, -1, a, 0);
	check("spawn-into-child-job", a > 0 && b > 0, a, b);
	kill(a);
	kill(b);
	finish(a);
	finish(b);

	/* uid 1000 in our job (its own job, then) while root owns the console */
	char job[16];
	snprintf(job, sizeof(job), "%d", me);
	char *unowned[] = {"jobtest", "-u", job, NULL};
	expect("user-unowned", finish(spawn(SELF, unowned, NULL, 0, USER, USER)), 0);
	/* uid 1000 given the console */
	expect("user-owner",
	       finish(spawn_job(SELF, helper[OWNER], NULL, 0, USER, USER, SPAWN_NEW_JOB, SPAWN_FG)),
	       0);
	/* uid 1000 given the console, but its job holds a process of root's */
	int go[2];
	if (pipe(go) < 0) {
		fail("pipe", "no pipe");
		return;
	}
	int fds[3] = {go[0], 1, 2};
	int m = spawn_job(SELF, helper[MIXED], fds, 3, USER, USER, SPAWN_NEW_JOB, SPAWN_FG);
	int r = spawn_job(SELF, helper[SLEEP], NULL, 0, -1, -1, m, 0);
	check("root-into-user-job", m > 0 && r > 0, m, r);
	close(go[0]);
	write(go[1], "x", 1);
	close(go[1]);
	expect("user-mixed", finish(m), 0);
	kill(r);
	finish(r);
	expect("fg-back-to-root", console_fg(me), 0); /* root may, whoever owns it */
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	if (!strcmp(m, "-s")) {
		for (;;)
			msleep(1000);
	}
	if (!strcmp(m, "-u")) { /* in root's job: its own, but the console is root's */
		expect("user-may-not-clear", console_fg(0), -EPERM);
		expect("user-may-not-take-own-job", console_fg(argc > 2 ? atoi(argv[2]) : 0),
		       -EPERM);
		expect("user-may-not-take-init-job", console_fg(1), -EPERM);
		expect("user-may-not-spawn-fg",
		       spawn_job(SELF, helper[SLEEP], NULL, 0, -1, -1, SPAWN_NEW_JOB, SPAWN_FG),
		       -EPERM);
		return 0;
	}
	if (!strcmp(m, "-o")) {
		expect("owner-not-init-job", console_fg(1), -EPERM);
		expect("owner-own-job", console_fg(getpid()), 0);
		expect("owner-clear", console_fg(0), 0);
		return 0;
	}
	if (!strcmp(m, "-m")) {
		char c;
		read(0, &c, 1); /* root has put its process in our job */
		expect("owner-mixed-job-refused", console_fg(getpid()), -EPERM);
		return 0;
	}
	as_root();
	return summary("jobtest");
}
