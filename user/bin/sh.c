/*
 * sh.c - the shell. It reads a line, parses it (user/lib/shparse.c has
 * the grammar) and runs it:
 *
 *	$ echo hi > /tmp/x; cat < /tmp/x     redirection, lists
 *	$ gen 100 | cat | sum >> /tmp/y      pipelines of any length
 *	$ false || echo ok && echo $?        && || and the last status
 *	$ (cd /tmp; ls) > /tmp/list          a group runs in a subshell
 *	$ sleep 10 &                         a background job: prints [pid]
 *	$ cd /tmp; pwd                       builtins: cd, exit, poweroff
 *	$ su 1000 ls                         prefix: run as user (and group) 1000
 *	$ sh script                          run a file of commands
 *	$ sh -c 'echo a; echo b'             run one line
 *	$ echo 'echo a' | sh                 run what it reads
 *
 * duet has no fork: a program starts in a new process with spawn, which
 * gets the path, the arguments, the descriptors (the shell opens a
 * redirection's file and hands it over as 0, 1 or 2) and the working
 * directory at once. A group is another shell (`sh -c` with the group's
 * text), as is a background list with && or ||.
 *
 * Jobs (docs/console.md): each pipeline is a job of its own. In the
 * foreground the shell spawns its first process with SPAWN_FG, so Ctrl-C
 * on the console stops that job and nothing else, and gives the console
 * back (job 0) when the job is done. While the shell waits for a line it
 * also watches for a child's exit - one wait() on two events - so a
 * background job that ends is reported right away. A foreground job is
 * reported only if a fault or a kill ended it ("[pid] status 139").
 */
#include "user.h"
#include "shparse.h"

#define MAXLINE	    1024
#define MAXSTAGES   16
#define ST_NOTFOUND 127 /* as other shells: a program that does not exist */
#define ST_NOEXEC   126 /* ... one that exists but did not start */

static int status;	 /* $?: the last command's */
static bool interactive; /* reading the console: prompt, jobs, Ctrl-C */
static struct sh_parser parser;

/* Report the background jobs that have ended, and free their slots. */
static void reap(void)
{
	struct wait_item child = {.type = WAIT_CHILD, .id = -1};
	struct wait_event ev;
	int pid, st;
	while (wait(&child, 1, &ev, 1, 0) > 0 && (pid = waitpid(-1, &st)) > 0)
		printf("[%d] done, status %d\n", pid, st);
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

/* Open a redirection's file into *fd (closing what it held, if we opened it). */
static int redirect(const char *path, unsigned flags, bool append, int *fd, int std)
{
	int f = open(path, flags, 0644);
	if (f >= 0 && append)
		lseek(f, 0, SEEK_END);
	if (f < 0) {
		fprintf(2, "sh: %s: %s\n", path, errstr(f));
		return f;
	}
	if (*fd != std)
		close(*fd);
	*fd = f;
	return 0;
}

/* A command's redirections over the pipeline's fds[3]; closes what it opened on failure. */
static int redirects(struct sh_node *n, int fds[3], const int std[3])
{
	int r = 0;
	if (n->in)
		r = redirect(n->in, O_RDONLY, false, &fds[0], std[0]);
	if (!r && n->out)
		r = redirect(n->out, O_WRONLY | O_CREAT | (n->append ? 0 : O_TRUNC), n->append,
			     &fds[1], std[1]);
	if (!r && n->err)
		r = redirect(n->err, O_WRONLY | O_CREAT | O_TRUNC, false, &fds[2], std[2]);
	if (r < 0)
		for (int i = 0; i < 3; i++)
			if (fds[i] != std[i])
				close(fds[i]);
	return r;
}

/*
 * Start one stage with descriptors in, out (and 2), in job: a program,
 * or for a group another shell. Returns its pid, or -E* (reported;
 * *st gets the status a shell gives it).
 */
static int start(struct sh_node *n, int in, int out, int job, unsigned flags, int *st)
{
	int std[3] = {in, out, 2}, fds[3] = {in, out, 2};
	*st = 1;
	if (redirects(n, fds, std) < 0)
		return -EIO;
	char path[FS_PATH], text[MAXLINE];
	char *sub[] = {"sh", "-c", text, NULL};
	char **argv = n->argv;
	int uid = -1, pid;
	if (n->type == SH_GROUP) {
		int len = MIN(n->len, (int)sizeof(text) - 1);
		memcpy(text, n->text, len);
		text[len] = '\0';
		argv = sub;
	} else if (n->argc > 2 && strcmp(argv[0], "su") == 0) {
		uid = atoi(argv[1]);
		argv += 2;
	}
	if (n->type == SH_CMD && n->argc == 0) {
		pid = -ENOENT; /* only redirections: the files are made, nothing runs */
		*st = 0;
	} else {
		if (strchr(argv[0], '/'))
			pid = path_abs(argv[0], path);
		else
			pid = snprintf(path, sizeof(path), "/bin/%s", argv[0]) < (int)sizeof(path)
				  ? 0
				  : -ENAMETOOLONG;
		if (pid == 0)
			pid = spawn_job(path, argv, fds, 3, uid, uid, job, flags);
		if (pid == -ENOENT) {
			fprintf(2, "sh: %s: not found\n", argv[0]);
			*st = ST_NOTFOUND;
		} else if (pid < 0) {
			fprintf(2, "sh: %s: %s\n", argv[0], errstr(pid));
			*st = ST_NOEXEC;
		}
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] != std[i])
			close(fds[i]); /* the child has its own */
	return pid;
}

/* Builtins change the shell itself. Returns true if n was one. */
static bool builtin(struct sh_node *n)
{
	if (n->type != SH_CMD || n->argc == 0)
		return false;
	char **argv = n->argv;
	if (strcmp(argv[0], "exit") == 0) {
		exit(n->argc > 1 ? atoi(argv[1]) : status);
	} else if (strcmp(argv[0], "cd") == 0) {
		const char *dir = n->argc > 1 ? argv[1] : "/";
		int r = chdir(dir);
		if (r < 0)
			fprintf(2, "sh: cd: %s: %s\n", dir, errstr(r));
		status = r < 0;
	} else if (strcmp(argv[0], "poweroff") == 0) {
		int r = poweroff();
		fprintf(2, "sh: poweroff: %s\n", errstr(r));
		status = 1;
	} else {
		return false;
	}
	return true;
}

/* A word with $? put in, into *buf (moved on); NULL if it is NULL or there is no room. */
static char *expand(const char *w, char **buf, char *end)
{
	if (!w || *buf >= end)
		return NULL;
	char *start = *buf, *s = start;
	for (; *w; w++) {
		char num[12];
		const char *add = num;
		if (*w == SH_STATUS)
			snprintf(num, sizeof(num), "%d", status);
		else
			num[0] = *w, num[1] = '\0';
		for (; *add; add++)
			if (s < end - 1)
				*s++ = *add;
	}
	*s++ = '\0';
	*buf = s;
	return start;
}

/* n's words and file names with $? put in: into e, their text into buf. */
static void expand_node(struct sh_node *n, struct sh_node *e, char *buf, size_t size)
{
	char *end = buf + size;
	*e = *n;
	for (int i = 0; i < n->argc; i++)
		e->argv[i] = expand(n->argv[i], &buf, end);
	e->in = expand(n->in, &buf, end);
	e->out = expand(n->out, &buf, end);
	e->err = expand(n->err, &buf, end);
}

/* The stages of pipeline n, left to right; how many, or -1 if too many. */
static int stages(struct sh_node *n, struct sh_node **st, int max)
{
	if (n->type != SH_PIPE)
		return max > 0 ? (st[0] = n, 1) : -1;
	int k = stages(n->l, st, max);
	if (k < 0 || k == max)
		return -1;
	st[k] = n->r;
	return k + 1;
}

/*
 * Run a pipeline: each stage's output is the next one's input, through
 * a hardware pipe. The shell makes each pipe, gives its ends to the two
 * programs it joins, and closes its own copies: a reader sees end of
 * file only once every writer's copy is closed. The status is the last
 * stage's.
 */
static int pipeline(struct sh_node *n, bool background)
{
	struct sh_node *st[MAXSTAGES];
	int ns = stages(n, st, MAXSTAGES);
	if (ns < 0) {
		fprintf(2, "sh: more than %d commands in a pipeline\n", MAXSTAGES);
		return 1;
	}
	static struct sh_node ex[MAXSTAGES]; /* the stages with $? put in */
	static char words[MAXSTAGES][SH_TEXT];
	for (int i = 0; i < ns; i++) {
		expand_node(st[i], &ex[i], words[i], sizeof(words[i]));
		st[i] = &ex[i];
	}
	if (ns == 1 && builtin(st[0]))
		return status;
	int pids[MAXSTAGES], np = 0, in = 0, job = SPAWN_NEW_JOB, last = 0, lastpid = 0;
	/* the foreground job is Ctrl-C's (an interactive shell's only: a
	   script or group is inside its caller's job already) */
	unsigned fg = background || !interactive ? 0 : SPAWN_FG;
	if (!background && !interactive)
		job = 0;
	for (int i = 0; i < ns; i++) {
		int fds[2] = {-1, 1};
		if (i < ns - 1 && pipe(fds) < 0) {
			fprintf(2, "sh: pipe: %s\n", errstr(-EMFILE));
			last = 1;
			break;
		}
		int pid = start(st[i], in, fds[1], job, job == SPAWN_NEW_JOB ? fg : 0, &last);
		if (pid > 0) {
			pids[np++] = pid;
			if (job == SPAWN_NEW_JOB)
				job = pid; /* the others join the first one's job */
			if (i == ns - 1)
				lastpid = pid;
		}
		if (in != 0)
			close(in);
		if (fds[1] != 1)
			close(fds[1]);
		in = fds[0] == -1 ? 0 : fds[0];
	}
	if (in != 0)
		close(in);
	for (int i = 0; i < np; i++) {
		int s = 0;
		if (background)
			printf("[%d]\n", pids[i]);
		else if (waitpid(pids[i], &s) == pids[i] && s > 128 && s != STATUS_INTR)
			printf("[%d] status %d\n", pids[i], s); /* 137 killed, 139 a fault */
		if (pids[i] == lastpid)
			last = s;
	}
	if (fg && np)
		console_fg(0); /* the console is the shell's again */
	return last;
}

/* Run bg's command in the background: a pipeline directly, a && or || list in another shell. */
static int background(struct sh_node *bg)
{
	struct sh_node *n = bg->l;
	if (n->type != SH_AND && n->type != SH_OR)
		return pipeline(n, true);
	struct sh_node sub = {.type = SH_GROUP, .text = bg->text, .len = bg->len};
	return pipeline(&sub, true);
}

static int run(struct sh_node *n)
{
	switch (n->type) {
	case SH_SEQ:
		status = run(n->l);
		return run(n->r);
	case SH_AND:
		status = run(n->l);
		return status == 0 ? run(n->r) : status;
	case SH_OR:
		status = run(n->l);
		return status != 0 ? run(n->r) : status;
	case SH_BG:
		return background(n);
	default:
		return pipeline(n, false);
	}
}

static void run_line(const char *line)
{
	struct sh_node *tree;
	if (sh_parse(&parser, line, &tree) < 0) {
		fprintf(2, "sh: %s\n", parser.err);
		status = 2;
	} else if (tree) {
		status = run(tree);
	}
}

/* Run the lines read from fd (a script, or the console) until its end. */
static int run_lines(int fd)
{
	static char line[MAXLINE];
	static struct lines in;
	in.fd = fd;
	for (;;) {
		long n =
		    interactive ? getcmd(line, sizeof(line)) : lines_get(&in, line, sizeof(line));
		if (n == 0)
			return status; /* end of input */
		if (n < 0) {
			perr(n, "read");
			return 1;
		}
		if (line[n - 1] != '\n' && n == MAXLINE - 1) {
			fprintf(2, "sh: line longer than %d bytes\n", MAXLINE - 2);
			while ((n = interactive ? readline(fd, line, sizeof(line))
						: lines_get(&in, line, sizeof(line))) > 0 &&
			       line[n - 1] != '\n')
				; /* the rest of it */
			status = 2;
			continue;
		}
		run_line(line);
	}
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		run_line(argv[2]);
		return status;
	}
	if (argc > 1) {
		int fd = open(argv[1], O_RDONLY, 0);
		if (fd < 0) {
			perr(fd, "%s", argv[1]);
			return ST_NOTFOUND;
		}
		return run_lines(fd);
	}
	interactive = isatty(0); /* not when a pipe or file feeds it: sh < script */
	return run_lines(0);
}
