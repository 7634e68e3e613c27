/*
 * ps.c - list the processes: pid, parent, state, the CPU each runs on
 * (or last ran on), its user id and its name.
 */
#include "user.h"

#define NSHOW 64 /* processes shown at most */

static const char *const states[] = {
    [PROC_RUNNING] = "running",
    [PROC_READY] = "ready",
    [PROC_BLOCKED] = "blocked",
    [PROC_ZOMBIE] = "zombie",
};

int main(void)
{
	static struct procinfo p[NSHOW];
	int n = ps(p, NSHOW);
	if (n < 0) {
		perr(n, "ps");
		return 1;
	}
	printf("PID  PPID  STATE    CPU  UID  NAME\n");
	for (int i = 0; i < n; i++) {
		int s = p[i].state;
		printf("%-4d %-5d %-8s %-4d %-4d %s\n", p[i].pid, p[i].ppid,
		       s >= 0 && s < (int)ARRAY_SIZE(states) ? states[s] : "?", p[i].cpu, p[i].uid,
		       p[i].name);
	}
	return 0;
}
