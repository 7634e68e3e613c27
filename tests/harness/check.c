/*
 * check.c - the checks tests call, and the life of one test process.
 *
 * Every program a test starts is remembered here, so that a failure can
 * show its last console lines, and so that when the test ends - passed,
 * failed, out of time or interrupted - it is killed and its transcript
 * saved. A failed check prints its message and calls cmocka's _fail(),
 * which jumps back into cmocka: the rest of the test does not run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/harness.h"

#define MAXVM 8	 /* programs one test may start */
#define TAIL  15 /* console lines a failure shows */

static struct started {
	struct vm *vm;
	char *what; /* "QEMU riscv64", "gdb" */
	char *cmd;
} started[MAXVM];
static int nstarted;
static struct run *cur;
static char timeout_msg[128];

/*
 * Output for a test process's last moments (a signal handler may be
 * running): only write(2), no stdio, no malloc.
 */
static void put(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= w;
	}
}

static void puts_fd(int fd, const char *s)
{
	put(fd, s, strlen(s));
}

static struct started *find(struct vm *vm)
{
	for (int i = 0; i < nstarted; i++)
		if (started[i].vm == vm)
			return &started[i];
	return NULL;
}

/*
 * The last TAIL lines of s's console, each behind "  | ", on stderr. Control
 * characters become '?': firmware draws with escape sequences, and some
 * (ESC [6n) make the terminal that later shows this type a reply.
 */
static void show_tail(struct started *s)
{
	const char *p = vm_tail(s->vm, TAIL);
	puts_fd(2, "last console lines of ");
	puts_fd(2, s->what);
	puts_fd(2, *p ? ":\n" : ": (it printed nothing)\n");
	for (int bol = 1; *p; p++) {
		if (bol)
			puts_fd(2, "  | ");
		char c = (*p < ' ' && *p != '\n' && *p != '\t') || *p == 0x7f ? '?' : *p;
		put(2, &c, 1);
		bol = *p == '\n';
	}
	if (s->vm->len > 0 && s->vm->log[s->vm->len - 1] != '\n')
		puts_fd(2, "\n");
}

/* Every transcript into the run's log file, one after the other. */
static void save_logs(void)
{
	int fd = open(cur->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	for (int i = 0; i < nstarted; i++) {
		puts_fd(fd, "==== ");
		puts_fd(fd, started[i].what);
		puts_fd(fd, ": ");
		puts_fd(fd, started[i].cmd);
		puts_fd(fd, "\n");
		put(fd, started[i].vm->log, started[i].vm->len);
		puts_fd(fd, "\n");
	}
	close(fd);
}

/* Out of time (SIGALRM) or interrupted: say so, kill what the test started, and go. */
static void on_signal(int sig)
{
	puts_fd(2, sig == SIGALRM ? timeout_msg : "the test was interrupted\n");
	for (int i = 0; i < nstarted; i++) {
		show_tail(&started[i]);
		vm_kill(started[i].vm);
		waitpid(started[i].vm->pid, NULL, 0);
	}
	save_logs();
	_exit(1);
}

void run_begin(struct run *r, int limit)
{
	cur = r;
	snprintf(timeout_msg, sizeof(timeout_msg), "the test ran out of time: its limit is %d s\n",
		 limit);
	int sigs[] = {SIGALRM, SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_signal);
	alarm(limit);
}

void run_end(void)
{
	alarm(0);
	save_logs();
	for (int i = 0; i < nstarted; i++) {
		vm_free(started[i].vm);
		free(started[i].what);
		free(started[i].cmd);
	}
	nstarted = 0;
}

void fail_at(const char *file, int line, struct vm *vm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	struct started *s = vm ? find(vm) : NULL;
	if (s && vm->status < 0 && strstr(s->what, "QEMU")) {
		/* a kernel still running: ask it what its threads are doing
		   (Ctrl-P, kernel/proc.c procdump), for the transcript */
		vm_send(vm, "\x10");
		vm_expect(vm, "^pid 1 init", 2000);
		vm_expect(vm, "^\\$ ", 500); /* nothing comes: just let the dump finish */
	}
	if (s) {
		show_tail(s);
		fprintf(stderr, "  (started as: %s)\n  (whole transcript: %s)\n", s->cmd, cur->log);
	}
	_fail(file, line);
	__builtin_unreachable(); /* _fail() jumps back into cmocka */
}

void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

struct vm *start(const char *what, const char *cmd)
{
	if (nstarted == MAXVM)
		fail_at(__FILE__, __LINE__, NULL, "a test may start at most %d programs", MAXVM);
	struct vm *vm = vm_start(cmd);
	if (!vm)
		fail_at(__FILE__, __LINE__, NULL, "cannot start %s (%s): %s", what, cmd,
			strerror(errno));
	started[nstarted++] = (struct started){vm, strdup(what), strdup(cmd)};
	return vm;
}

/* Run a make target for this run's arch and CPUs; returns the last line it printed, or NULL. */
static char *make(struct run *r, const char *target)
{
	char *cmd, buf[4096], *last = NULL;
	/* --no-print-directory: under `make grade` we are a sub-make, which says where it is. */
	if (asprintf(&cmd, "make -s --no-print-directory %s ARCH=%s CPUS=%d", target, r->arch,
		     r->cpus) < 0)
		abort();
	FILE *f = popen(cmd, "r");
	while (f && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0]) {
			free(last);
			last = strdup(buf);
		}
	}
	int st = f ? pclose(f) : -1;
	if (st != 0)
		fail_at(__FILE__, __LINE__, NULL, "`%s` failed (status %d); see above", cmd, st);
	free(cmd);
	return last;
}

struct vm *boot(struct run *r, const char *how, const char *extra)
{
	char *qemu = make(r, how), *cmd, what[64];
	if (!qemu)
		fail_at(__FILE__, __LINE__, NULL, "`make %s` printed no command", how);
	if (asprintf(&cmd, "%s%s", qemu, extra) < 0)
		abort();
	snprintf(what, sizeof(what), "QEMU %s", r->arch);
	struct vm *vm = start(what, cmd);
	free(qemu);
	free(cmd);
	return vm;
}

struct vm *gdb(struct run *r, int port, const char *args)
{
	/*
	 * `make gdb-target` writes build/gdb-target.gdb, the file .gdbinit
	 * reads: one file for everybody. Hold a lock on it for the rest of
	 * this test (the lock goes when the test process does), so that two
	 * gdb tests running at once do not point each other's gdb elsewhere.
	 */
	mkdir("build", 0755);
	int fd = open("build/gdb-target.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		fail_at(__FILE__, __LINE__, NULL, "cannot lock build/gdb-target.lock: %s",
			strerror(errno));
	char target[64], cwd[4096], *cmd;
	snprintf(target, sizeof(target), "gdb-target GDBPORT=%d", port);
	free(make(r, target));
	if (!getcwd(cwd, sizeof(cwd)))
		fail_at(__FILE__, __LINE__, NULL, "getcwd: %s", strerror(errno));
	if (asprintf(&cmd, "gdb-multiarch -batch -iex 'add-auto-load-safe-path %s/.gdbinit' %s",
		     cwd, args) < 0)
		abort();
	struct vm *vm = start("gdb", cmd);
	free(cmd);
	return vm;
}

int free_port(void)
{
	/* Bind port 0 and the kernel picks a free one; QEMU binds it again a moment later. */
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0)
		fail_at(__FILE__, __LINE__, NULL, "no free TCP port: %s", strerror(errno));
	close(s);
	return ntohs(a.sin_port);
}

void randword(char *buf, size_t size)
{
	const char *chars = "abcdefghijklmnopqrstuvwxyz0123456789";
	for (size_t i = 0; i + 1 < size; i++)
		buf[i] = chars[random() % (i == 0 ? 26 : 36)];
	buf[size - 1] = '\0';
}

static char *format(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

static const char *name(struct vm *vm)
{
	struct started *s = find(vm);
	return s ? s->what : "the program";
}

const char *expect_at(const char *file, int line, struct vm *vm, int ms, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *re = format(fmt, ap);
	va_end(ap);
	const char *l = vm_expect(vm, re, ms);
	if (!l)
		fail_at(file, line, vm, "expected /%s/ from %s, but %s", re, name(vm), vm->why);
	free(re);
	return l;
}

const char *seen_at(const char *file, int line, struct vm *vm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *re = format(fmt, ap);
	va_end(ap);
	const char *l = vm_seen(vm, re);
	if (!l)
		fail_at(file, line, vm, "expected /%s/ somewhere in the output of %s, but %s", re,
			name(vm), vm->why);
	free(re);
	return l;
}

void type_at(const char *file, int line, struct vm *vm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = format(fmt, ap);
	va_end(ap);
	if (vm_send(vm, s) < 0)
		fail_at(file, line, vm, "typing \"%s\" to %s: %s", s, name(vm), vm->why);
	free(s);
}

int expect_exit_at(const char *file, int line, struct vm *vm, int status, int ms)
{
	char want[32];
	if (status == NONZERO)
		snprintf(want, sizeof(want), "a non-zero status");
	else
		snprintf(want, sizeof(want), "status %d", status);
	int st = vm_wait_exit(vm, ms);
	if (st < 0)
		fail_at(file, line, vm, "expected %s to exit with %s, but %s", name(vm), want,
			vm->why);
	if (status == NONZERO ? st == 0 : st != status)
		fail_at(file, line, vm, "expected %s to exit with %s, but it exited with status %d",
			name(vm), want, st);
	return st;
}
