/*
 * sh.c - the shell: reads a command line, runs the program it names from
 * /bin with its arguments, and waits for it to finish.
 *
 *	$ echo hello world     run /bin/echo with two arguments, wait for it
 *	$ sleep 10 &           run it in the background: prints [pid]
 *	$ gen 100 | cat | sum  a pipeline: each program's output is the next one's
 *	                       input, through a hardware pipe (lib/pipe.c)
 *	$ su 1000 ls           builtin prefix: run as user (and group) 1000
 *	$ exit 3               builtin: leave the shell (init starts another)
 *	$ poweroff             builtin: turn the machine off
 *
 * duet has no fork: a program starts in a new process with spawn, which
 * gets the path, the arguments and the descriptors (here: ours, the
 * console) at once. While the shell waits for a line it also watches for
 * a child's exit - one wait() on two events - so a background job that
 * ends is reported right away. A foreground job is reported only if its
 * status is not 0 ("[pid] status 139": it made a fault).
 */
#include "user.h"

#define MAXLINE 256

/* Report the background jobs that have ended, and free their slots. */
static void reap(void)
{
	struct wait_item child = {.type = WAIT_CHILD, .id = -1};
	struct wait_event ev;
	int pid, status;
	while (wait(&child, 1, &ev, 1, 0) > 0 && (pid = waitpid(-1, &status)) > 0)
		printf("[%d] done, status %d\n", pid, status);
}

/* Prompt, and wait until a line has been typed; report jobs meanwhile. */
static long getcmd(char *buf, size_t n)
{
	struct wait_item items[2] = {
	    {.type = WAIT_READ, .id = 0},
	    {.type = WAIT_CHILD, .id = -1},
	};
	struct wait_event ev[2];
	for (;;) {
		reap();
		printf("$ ");
		long r = wait(items, 2, ev, 2, -1);
		bool line = r < 0; /* wait failed: read, and see what read says */
		for (int i = 0; i < r; i++)
			line |= ev[i].type == WAIT_READ;
		if (line)
			return readline(0, buf, n);
		printf("\n");
	}
}

/* Split line into words at blanks; returns how many, or -E2BIG. */
static int parse(char *line, char **argv, int max)
{
	int argc = 0;
	char *s = line;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			*s++ = '\0';
		if (!*s)
			break;
		if (argc == max - 1)
			return -E2BIG;
		argv[argc++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
	}
	argv[argc] = NULL;
	return argc;
}

#define MAXSTAGES 8

/* Start one program with descriptors 0, 1, 2 = in, out, 2 as uid; its pid or -E*. */
static int start(char **argv, int in, int out, int uid)
{
	char path[64];
	if (strchr(argv[0], '/'))
		snprintf(path, sizeof(path), "%s", argv[0]);
	else
		snprintf(path, sizeof(path), "/bin/%s", argv[0]);
	int fds[3] = {in, out, 2};
	int pid = spawn(path, argv, fds, 3, uid, uid);
	if (pid == -ENOENT)
		fprintf(2, "sh: %s: not found\n", argv[0]);
	else if (pid < 0)
		fprintf(2, "sh: %s: %s\n", argv[0], errstr(pid));
	return pid;
}

/*
 * Run a command line: one program, or a pipeline "a | b | c" whose
 * stages are joined by hardware pipes. The shell makes each pipe, gives
 * its ends to the two programs it joins, and closes its own copies:
 * a reader sees end of file only once every writer's copy is closed.
 */
static void run(char **argv, bool background, int uid)
{
	int pids[MAXSTAGES], n = 0, in = 0;
	while (argv[0]) {
		int k = 0;
		while (argv[k] && strcmp(argv[k], "|") != 0)
			k++;
		bool last = !argv[k];
		argv[k] = NULL;
		int fds[2] = {-1, 1};
		if (k == 0 || (!last && (n == MAXSTAGES - 1 || pipe(fds) < 0))) {
			fprintf(2, "sh: bad pipeline\n");
			last = true;
		} else {
			pids[n] = start(argv, in, last ? 1 : fds[1], uid);
			n += pids[n] > 0;
		}
		if (in != 0)
			close(in);
		if (!last)
			close(fds[1]);
		in = last ? 0 : fds[0];
		argv = last ? argv + k : argv + k + 1;
		if (last)
			break;
	}
	if (in != 0)
		close(in);
	for (int i = 0; i < n; i++) {
		int status;
		if (background)
			printf("[%d]\n", pids[i]);
		else if (waitpid(pids[i], &status) == pids[i] && status != 0)
			printf("[%d] status %d\n", pids[i], status); /* 137 killed, 139 a fault */
	}
}

int main(void)
{
	static char line[MAXLINE];
	char *argv[MAXARGV];
	for (;;) {
		long n = getcmd(line, sizeof(line));
		if (n == 0)
			return 0; /* end of input */
		if (n < 0) {
			fprintf(2, "sh: read: %s\n", errstr(n));
			return 1;
		}
		int argc = parse(line, argv, MAXARGV);
		if (argc < 0) {
			fprintf(2, "sh: too many arguments\n");
			continue;
		}
		/* "cmd &" or "cmd&": in the background */
		bool background = false;
		if (argc > 0) {
			char *last = argv[argc - 1];
			size_t len = strlen(last);
			if (last[len - 1] == '&') {
				background = true;
				last[len - 1] = '\0';
				if (len == 1)
					argv[--argc] = NULL;
			}
		}
		if (argc == 0)
			continue;
		if (strcmp(argv[0], "exit") == 0)
			return argc > 1 ? atoi(argv[1]) : 0;
		if (strcmp(argv[0], "poweroff") == 0) {
			int r = poweroff();
			fprintf(2, "sh: poweroff: %s\n", errstr(r));
			continue;
		}
		char **cmd = argv;
		int uid = -1;
		if (strcmp(argv[0], "su") == 0 && argc > 2) {
			uid = atoi(argv[1]);
			cmd = argv + 2;
		}
		run(cmd, background, uid);
	}
}
