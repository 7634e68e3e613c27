/*
 * file.c - files in the C library: open and the path operations go to
 * the kernel (OP_OPEN, OP_FSOP); reading, writing, seeking and fstat
 * are messages on the connection open returned, to the file server,
 * with no kernel in between (kernel/abi/fs.h has the protocol).
 *
 * A request is a struct fs_req on the connection (FS_WRITE's data right
 * behind it), the answer a struct fs_reply (FS_READ's and FS_READDIR's
 * data right behind it):
 *
 *   read(fd, buf, 100):  --> {FS_READ, len 100}
 *                        <-- {res 37} + 37 bytes, copied into buf
 *
 *   pread(fd, buf, 100, 5000):  --> {FS_READ, flags FS_AT, off 5000, len 100}
 *                               (the same answer; the offset stays put)
 *
 * read() and write() (sys.c) find out from the kernel that fd is a
 * connection (-ENOTSUP, then OP_PIPE_ATTACH says conn = 1) and come
 * here through pipe_rw(). The server is a program: an answer that
 * claims more than was asked for, or a connection that ends mid-answer,
 * is an error here (-EIO), never a reason to write past the buffer.
 *
 * Nor is it a reason to wait for ever (docs/servers.md, "Restarting
 * servers"): a server that died closed its end, and the call fails with
 * -EIO; one that is alive but does not answer (or not all of it, or
 * takes no more bytes) fails the call with -ETIMEDOUT after
 * FS_TIMEOUT_MS - the time the kernel gives a server for the requests
 * it forwards, after which it fails them the same way. A connection
 * whose call failed is out of step with its server (an answer may still
 * come, or half of one): every later call on it fails with -EIO.
 */
#include "internal.h"

#define NFD_LIB 32 /* the kernel's NFD */

static unsigned next_id;
static u32 broken; /* bit fd: the connection's call failed (conn_forget clears it) */

void conn_forget(int fd)
{
	if (fd >= 0 && fd < NFD_LIB)
		broken &= ~(1u << fd);
}

int open(const char *path, unsigned flags, unsigned mode)
{
	char p[FS_PATH]; /* as the kernel wants it: absolute (cwd.c) */
	int r = path_abs(path, p);
	if (r < 0)
		return r;
	struct sqe e = {.opcode = OP_OPEN, .addr = (uptr)p, .op_flags = flags, .len = mode};
	return ring_call(&e, NULL);
}

/*
 * One request on connection fd: q (and n bytes of out behind it), then
 * the answer into *a and up to max bytes of data into in. Returns the
 * answer's res, or -E*: -EBADF if fd is no connection, -EIO if the
 * server went away or answered nonsense, -ETIMEDOUT if it did not
 * answer in FS_TIMEOUT_MS.
 */
static long call(int fd, struct fs_req *q, const void *out, size_t n, struct fs_reply *a, void *in,
		 size_t max)
{
	if (!pipe_is_conn(fd))
		return -EBADF;
	if (broken & 1u << fd)
		return -EIO;
	u64 until = now_ns() + FS_TIMEOUT_MS * 1000000ull;
	q->id = ++next_id;
	long r = pipe_write_by(fd, q, sizeof(*q), until);
	if (r >= 0 && n)
		r = pipe_write_by(fd, out, n, until);
	if (r >= 0 && (r = pipe_read_by(fd, a, sizeof(*a), until)) >= 0 &&
	    (r != sizeof(*a) || a->id != q->id || a->res > (long)max))
		r = -EIO; /* end of file (the server died), or nonsense */
	if (r >= 0 && a->res > 0 && in && (r = pipe_read_by(fd, in, a->res, until)) != a->res)
		r = r < 0 ? r : -EIO;
	if (r < 0) {
		broken |= 1u << fd;
		return r == -EPIPE ? -EIO : r; /* -EPIPE: the server closed the connection */
	}
	return a->res;
}

/* One FS_READ or FS_WRITE of up to FS_IO_MAX bytes: at the connection's
   offset, or (flags FS_AT) at off. */
static long transfer(int fd, void *buf, size_t n, unsigned flags, long off, bool out)
{
	if (n == 0)
		return 0;
	n = MIN(n, FS_IO_MAX);
	struct fs_req q = {.op = out ? FS_WRITE : FS_READ, .flags = flags, .off = off, .len = n};
	struct fs_reply a;
	return out ? call(fd, &q, buf, n, &a, NULL, n) : call(fd, &q, NULL, 0, &a, buf, n);
}

/* read() and write() on a connection: one message each. */
long conn_rw(int fd, void *buf, size_t n, bool out)
{
	return transfer(fd, buf, n, 0, 0, out);
}

/*
 * pread() and pwrite(): at off, the descriptor's offset left where it
 * was, in one message (FS_AT) where lseek and read are two round trips
 * to the server.
 */
long pread(int fd, void *buf, size_t n, long off)
{
	return off < 0 ? -EINVAL : transfer(fd, buf, n, FS_AT, off, false);
}

long pwrite(int fd, const void *buf, size_t n, long off)
{
	return off < 0 ? -EINVAL : transfer(fd, (void *)buf, n, FS_AT, off, true);
}

int fstat(int fd, struct fs_stat *st)
{
	struct fs_req q = {.op = FS_FSTAT};
	struct fs_reply a;
	long r = call(fd, &q, NULL, 0, &a, NULL, 0);
	if (r == 0)
		*st = a.st;
	return r;
}

long lseek(int fd, long off, int whence)
{
	struct fs_req q = {.op = FS_SEEK, .flags = whence, .off = off};
	struct fs_reply a;
	return call(fd, &q, NULL, 0, &a, NULL, 0x7fffffff);
}

int ftruncate(int fd, u64 size)
{
	struct fs_req q = {.op = FS_TRUNC, .off = size};
	struct fs_reply a;
	return call(fd, &q, NULL, 0, &a, NULL, 0);
}

int readdir(int fd, struct fs_dirent *d, int max)
{
	if (max <= 0)
		return 0;
	size_t len = MIN((size_t)max * sizeof(*d), FS_IO_MAX / sizeof(*d) * sizeof(*d));
	struct fs_req q = {.op = FS_READDIR, .len = len};
	struct fs_reply a;
	long r = call(fd, &q, NULL, 0, &a, d, len);
	if (r >= 0 && r % sizeof(*d))
		return -EIO;
	return r < 0 ? r : (int)(r / sizeof(*d));
}

/* ---- path operations: through the kernel, which adds who we are --------- */

static int fsop(struct fs_args *a, const char *path, const char *path2)
{
	char p[FS_PATH], p2[FS_PATH];
	int r = path_abs(path, p);
	if (r == 0 && path2)
		r = path_abs(path2, p2);
	if (r < 0)
		return r;
	a->path = (uptr)p;
	a->path2 = path2 ? (uptr)p2 : 0;
	struct sqe e = {.opcode = OP_FSOP, .addr = (uptr)a, .len = sizeof(*a)};
	return ring_call(&e, NULL);
}

int stat(const char *path, struct fs_stat *st)
{
	struct fs_args a = {.op = FS_STAT, .st = (uptr)st};
	return fsop(&a, path, NULL);
}

int mkdir(const char *path, unsigned mode)
{
	struct fs_args a = {.op = FS_MKDIR, .mode = mode};
	return fsop(&a, path, NULL);
}

int unlink(const char *path)
{
	struct fs_args a = {.op = FS_UNLINK};
	return fsop(&a, path, NULL);
}

int rename(const char *from, const char *to)
{
	struct fs_args a = {.op = FS_RENAME};
	return fsop(&a, from, to);
}

int chmod(const char *path, unsigned mode)
{
	struct fs_args a = {.op = FS_CHMOD, .mode = mode};
	return fsop(&a, path, NULL);
}

int chown(const char *path, int uid, int gid)
{
	struct fs_args a = {.op = FS_CHOWN, .uid2 = uid, .gid2 = gid};
	return fsop(&a, path, NULL);
}
