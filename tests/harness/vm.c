/*
 * vm.c - drive a program through its console: spawn, type, expect, wait for the exit.
 *
 * The program runs in its own process group, so that killing it also kills
 * whatever the shell started (QEMU under `sh -c`). Its output pipe is read
 * only while we wait for something, which is fine: a pipe holds 64 KiB, and
 * a guest that prints more than that between two expects just stalls
 * until we read again, the way a slow terminal stalls it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vm.h"

/* A guest stuck printing in a loop must not eat the machine's memory. */
#define LOG_MAX (16 << 20)

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void why(struct vm *vm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(vm->why, sizeof(vm->why), fmt, ap);
	va_end(ap);
}

struct vm *vm_start(const char *cmd)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return NULL;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]), close(in[1]);
		return NULL;
	}
	/* A write to a program that exited must fail with EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL); /* ignored signals stay ignored across exec */
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]), close(out[0]);
		return NULL;
	}
	/* Also here: whichever of parent and child runs first, the group exists before a kill. */
	setpgid(pid, pid);
	struct vm *vm = calloc(1, sizeof(*vm));
	vm->pid = pid;
	vm->in = in[1];
	vm->out = out[0];
	vm->status = -1;
	vm->cap = 4096;
	vm->log = calloc(1, vm->cap);
	return vm;
}

/* Collect the exit status if the program exits within ms (-1: however long it takes). */
static void reap(struct vm *vm, int ms)
{
	long end = now_ms() + ms;
	int st;
	while (vm->status < 0) {
		pid_t p = waitpid(vm->pid, &st, ms < 0 ? 0 : WNOHANG);
		if (p == vm->pid)
			vm->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		else if (p < 0 || now_ms() >= end)
			break;
		else
			usleep(5000);
	}
}

/*
 * Wait up to ms for output and append it to the transcript, dropping the
 * '\r' of "\r\n" and any NUL, so that patterns see plain lines.
 */
static void readsome(struct vm *vm, int ms)
{
	if (vm->out < 0)
		return;
	struct pollfd p = {.fd = vm->out, .events = POLLIN};
	if (poll(&p, 1, ms) <= 0)
		return;
	char buf[4096];
	ssize_t n = read(vm->out, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(vm->out);
		vm->out = -1;
		reap(vm, 1000); /* it is exiting: give it a moment */
		return;
	}
	if (vm->len + n + 1 > vm->cap) {
		if (vm->len + n + 1 > LOG_MAX) {
			vm->dropped += n; /* keep reading, so that it never blocks */
			return;
		}
		while (vm->len + n + 1 > vm->cap)
			vm->cap *= 2;
		vm->log = realloc(vm->log, vm->cap);
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] != '\r' && buf[i] != '\0')
			vm->log[vm->len++] = buf[i];
	vm->log[vm->len] = '\0';
}

int vm_send(struct vm *vm, const char *s)
{
	size_t n = strlen(s);
	vm->idle = NULL; /* what is typed may start something that prints later */
	while (n > 0) {
		ssize_t w = write(vm->in, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			why(vm, "cannot type on the console: %s", strerror(errno));
			return -1;
		}
		s += w;
		n -= w;
	}
	return 0;
}

/* Remember the line of log that contains offset at, for the caller. */
static const char *keep_line(struct vm *vm, size_t at)
{
	size_t a = at, b = at;
	while (a > 0 && vm->log[a - 1] != '\n')
		a--;
	while (b < vm->len && vm->log[b] != '\n')
		b++;
	free(vm->line);
	vm->line = strndup(vm->log + a, b - a);
	return vm->line;
}

/*
 * Search log[from..]; on a match return 0 and set *start and *end (offsets
 * into log). REG_NOTBOL when from is mid-line, so ^ means a real line start;
 * REG_NOTEOL always, so $ matches only a line's '\n' and never the end of a
 * line that is still arriving.
 */
static int search(struct vm *vm, regex_t *rx, size_t from, size_t *start, size_t *end)
{
	regmatch_t m;
	int flags = REG_NOTEOL | (from > 0 && vm->log[from - 1] != '\n' ? REG_NOTBOL : 0);
	if (regexec(rx, vm->log + from, 1, &m, flags) != 0)
		return -1;
	*start = from + m.rm_so;
	*end = from + m.rm_eo;
	return 0;
}

/* Is the unfinished last line, after the cursor, exactly vm->idle? */
static int idle(struct vm *vm)
{
	size_t n = vm->idle ? strlen(vm->idle) : 0;
	if (!n || vm->len < vm->pos + n)
		return 0;
	size_t at = vm->len - n;
	return (at == 0 || vm->log[at - 1] == '\n') && memcmp(vm->log + at, vm->idle, n) == 0;
}

static int compile(struct vm *vm, regex_t *rx, const char *re)
{
	int err = regcomp(rx, re, REG_EXTENDED | REG_NEWLINE);
	if (err) {
		char msg[128];
		regerror(err, rx, msg, sizeof(msg));
		why(vm, "bad pattern /%s/: %s", re, msg);
	}
	return err;
}

const char *vm_expect(struct vm *vm, const char *re, int ms)
{
	regex_t rx;
	if (compile(vm, &rx, re))
		return NULL;
	long end = now_ms() + ms;
	/*
	 * A failed search need not be repeated over the lines it saw whole:
	 * a pattern matches within one line, so the next search starts at the
	 * line that was still arriving. This keeps a chatty guest cheap.
	 */
	vm->scan = vm->pos;
	const char *line = NULL;
	for (;;) {
		size_t a, b;
		if (search(vm, &rx, vm->scan, &a, &b) == 0) {
			vm->pos = b;
			line = keep_line(vm, a);
			break;
		}
		size_t last = vm->len;
		while (last > vm->scan && vm->log[last - 1] != '\n')
			last--;
		vm->scan = last;
		long left = end - now_ms();
		if (vm->out < 0) {
			why(vm, "it closed its console first (exit status %d)", vm->status);
			break;
		}
		if (vm->dropped) {
			why(vm, "it printed more than %d MiB without it", LOG_MAX >> 20);
			break;
		}
		if (idle(vm)) {
			why(vm, "\"%s\" came back first: the program ended without it", vm->idle);
			break;
		}
		if (left <= 0) {
			why(vm, "it did not appear within %.1f s", ms / 1000.0);
			break;
		}
		readsome(vm, left);
	}
	regfree(&rx);
	return line;
}

const char *vm_seen(struct vm *vm, const char *re)
{
	regex_t rx;
	if (compile(vm, &rx, re))
		return NULL;
	/* Take in what has already arrived, without waiting. */
	size_t before;
	do {
		before = vm->len;
		readsome(vm, 0);
	} while (vm->len != before);
	size_t a, b;
	const char *line = NULL;
	if (search(vm, &rx, 0, &a, &b) == 0)
		line = keep_line(vm, a);
	else
		why(vm, "it was not printed");
	regfree(&rx);
	return line;
}

int vm_wait_exit(struct vm *vm, int ms)
{
	long end = now_ms() + ms;
	/* Read to the end first: a program blocked on a full pipe would never exit. */
	while (vm->out >= 0 && now_ms() < end)
		readsome(vm, end - now_ms());
	reap(vm, end - now_ms() > 0 ? end - now_ms() : 0);
	if (vm->status >= 0)
		return vm->status;
	why(vm, "it was still running after %.1f s (killed it)", ms / 1000.0);
	vm_kill(vm);
	reap(vm, -1);
	return -1;
}

const char *vm_tail(struct vm *vm, int n)
{
	size_t i = vm->len;
	if (i > 0 && vm->log[i - 1] == '\n')
		i--; /* the last line's newline does not start another line */
	while (i > 0) {
		if (vm->log[i - 1] == '\n' && --n == 0)
			break;
		i--;
	}
	return vm->log + i;
}

void vm_kill(struct vm *vm)
{
	if (vm->status < 0)
		kill(-vm->pid, SIGKILL);
}

void vm_free(struct vm *vm)
{
	vm_kill(vm);
	reap(vm, -1);
	if (vm->out >= 0)
		close(vm->out);
	close(vm->in);
	free(vm->line);
	free(vm->log);
	free(vm);
}

/* ---- one VM for a whole run ---------------------------------------- */

static struct vm **run_vm;
static long run_deadline; /* ms, CLOCK_MONOTONIC */

/* ^C, or the backstop alarm: QEMU must not outlive the tool. */
static void on_signal(int sig)
{
	if (run_vm && *run_vm)
		vm_kill(*run_vm);
	signal(sig, SIG_DFL);
	raise(sig);
}

void vm_run_start(struct vm **vmp, long secs)
{
	run_vm = vmp;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGALRM, on_signal);
	run_deadline = now_ms() + secs * 1000L;
}

int vm_within(int ms)
{
	long left = run_deadline - now_ms();
	return left < ms ? (left > 0 ? (int)left : 1) : ms;
}
