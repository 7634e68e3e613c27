/*
 * sys.c - the blocking calls: each fills in one submission entry for its
 * opcode (the fields are listed in kernel/abi/ring.h) through
 * ring_call_fields() (ring.c: ring_call() with the entry built in its
 * SQ slot), which returns when the operation has completed.
 * An operation that completes inside ring_enter - a write, a getpid, a
 * read of a line that was already typed - costs one kernel entry; one
 * that must wait costs a second, the wait.
 */
#include "internal.h"

static long call(u8 opcode, int fd, u64 off, const void *addr, u64 len, unsigned *cflags)
{
	return ring_call_fields(opcode, fd, off, (uptr)addr, len, cflags);
}

/* A hardware pipe's end answers -ENOTSUP: its bytes go through user space (pipe.c). */
long read(int fd, void *buf, size_t n)
{
	if (pipe_known(fd))
		return pipe_rw(fd, buf, n, false);
	long r = call(OP_READ, fd, 0, buf, MIN(n, RW_MAX), NULL);
	return r == -ENOTSUP ? pipe_rw(fd, buf, n, false) : r;
}

long write(int fd, const void *buf, size_t n)
{
	if (pipe_known(fd))
		return pipe_rw(fd, (void *)buf, n, true);
	long r = call(OP_WRITE, fd, 0, buf, MIN(n, RW_MAX), NULL);
	return r == -ENOTSUP ? pipe_rw(fd, (void *)buf, n, true) : r;
}

int close(int fd)
{
	pipe_forget(fd);
	conn_forget(fd);
	return call(OP_CLOSE, fd, 0, NULL, 0, NULL);
}

int spawn_job(const char *path, char *const argv[], const int *fds, int nfds, int uid, int gid,
	      int job, unsigned flags)
{
	struct spawn_args a = {
	    .path = (uptr)path,
	    .argv = (uptr)argv,
	    .fds = (uptr)fds,
	    .nfds = nfds,
	    .uid = uid,
	    .gid = gid,
	    .flags = flags,
	    .job = job,
	    .cwd = (uptr)getcwd(), /* the child starts where we are */
	};
	return call(OP_SPAWN, 0, 0, &a, sizeof(a), NULL);
}

int spawn(const char *path, char *const argv[], const int *fds, int nfds, int uid, int gid)
{
	return spawn_job(path, argv, fds, nfds, uid, gid, 0, 0);
}

int console_fg(int job)
{
	return call(OP_CONSOLE_FG, 0, (u64)job, NULL, 0, NULL);
}

int waitpid(int pid, int *status)
{
	unsigned st;
	int r = call(OP_WAITPID, 0, (u64)(s64)pid, NULL, 0, &st);
	if (r >= 0 && status)
		*status = st;
	return r;
}

int waitpid_nohang(int pid, int *status)
{
	struct sqe e = {.opcode = OP_WAITPID, .off = (u64)(s64)pid, .op_flags = WAITPID_NOHANG};
	unsigned st;
	int r = ring_call(&e, &st);
	if (r > 0 && status)
		*status = st;
	return r;
}

int kill(int pid)
{
	return call(OP_KILL, 0, (u64)(s64)pid, NULL, 0, NULL);
}

int getpid(void)
{
	return call(OP_GETPID, 0, 0, NULL, 0, NULL);
}

int sleep_ns(u64 ns)
{
	return call(OP_SLEEP, 0, ns, NULL, 0, NULL);
}

int msleep(unsigned ms)
{
	return sleep_ns(ms * 1000000ull);
}

bool fd_readable(int fd)
{
	struct wait_item it = {.type = WAIT_READ, .id = fd};
	struct wait_event ev;
	return wait(&it, 1, &ev, 1, 0) > 0; /* timeout 0: look, do not sleep */
}

int ps(struct procinfo *procs, int max)
{
	return call(OP_PS, 0, 0, procs, max * sizeof(*procs), NULL);
}

int list(int index, struct dirent *d)
{
	return call(OP_LIST, 0, index, d, sizeof(*d), NULL);
}

int kstats(struct kstats *s)
{
	return call(OP_STATS, 0, 0, s, sizeof(*s), NULL);
}

int poweroff(void)
{
	return call(OP_POWEROFF, 0, 0, NULL, 0, NULL);
}
