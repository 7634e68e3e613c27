/*
 * fsd.c - the file server: owns the file tree and answers the kernel
 * and its clients (kernel/abi/fs.h has the protocol, docs/servers.md
 * the pictures). The tree is on a disk, `fsd /dev/disk`, as init
 * starts it (user/lib/disktree.c, docs/disk.md: mkfs put the files
 * below on it), or, `fsd` alone (init's blkd found no disk), in memory
 * (user/lib/fstree.c); struct fs_ops (fstree.h) hides which.
 *
 * In memory, at start it fills the tree from the boot archive (every
 * file owned by root, with the archive's mode) and adds a few files the
 * tests use (user/include/fsfiles.h):
 *
 *   /tmp        1777 root       anyone may create here; sticky: only a
 *                               file's owner (or root) may remove it
 *   /home/user  0755 1000:1000  the unprivileged user's own directory
 *   /etc/secret 0600 root       only root may read it
 *   /etc/motd   0644 root       anyone may read it
 *
 * then mounts "/" and serves two kinds of descriptor, for ever:
 *
 *   the control descriptor (a kernel object): the kernel's requests -
 *     FS_LOOKUP, FS_CONNECT, FS_STAT, FS_MKDIR, ... - each on behalf of
 *     a program whose uid/gid the kernel wrote into the request. read()
 *     one struct fs_req, write() one struct fs_reply.
 *
 *   connections (hardware pipes, one per open file): a client's
 *     requests - FS_READ, FS_WRITE, FS_FSTAT, FS_SEEK, FS_TRUNC,
 *     FS_READDIR - in its ring, answered in the other ring. No system
 *     call while both sides are awake; file data goes from the file's
 *     memory straight into the ring, and a write's data from the ring
 *     straight into the file.
 *
 * A client is a program like any other: it may send garbage, lie about
 * lengths, stop half-way or die. The server reads a request only once
 * the whole of it is in the ring, answers only if the answer fits in
 * the client's inbox (a client that follows the protocol reads each
 * answer before it asks again, so its inbox is empty), and never
 * blocks on one client: the worst a client can do is lose its own
 * connection. What a connection may do was fixed by the kernel at open
 * (FS_CONNECT's flags); who the client is, the server never asks it.
 *
 * The server is one thread. When nothing is ready it sleeps in
 * pipe_wait_any() on every connection and the control descriptor at
 * once; a client that writes to a sleeping server wakes it with a user
 * interrupt, the kernel's request makes the control descriptor ready.
 */
#include "async.h"
#include "disk.h"
#include "fsfiles.h"
#include "fstree.h"

/* The heap (malloc.c): file data lives there, so fsd's is bigger than
   a program's. Programs of the boot archive take a few hundred KiB. */
char heap[4 << 20] __attribute__((aligned(16)));
size_t heap_size = sizeof(heap);

#define NCONN 32 /* a process has at most 32 descriptors anyway */
/*
 * Each connection takes a descriptor in the server's own table (32, with
 * 0-2 and the control descriptor: 28 for connections). Left to whoever
 * opens first, one user's program could fill it and lock everyone out,
 * root included. So users other than root get a share: at most
 * USER_CONNS connections each and USERS_CONNS all together; the rest
 * (8) only root may use. A refused open fails with -ENFILE: a table of
 * the system is full, not the caller's own (that is -EMFILE).
 */
#define USER_CONNS  16
#define USERS_CONNS 20
#define STALL_NS    1000000000ull /* a client stopped mid-message this long loses its connection */
#define SPIN	    2000	  /* look this many times before sleeping (two CPUs or more) */
#define NCTL	    16		  /* control requests per round, so connections are not starved */
#define OFF_MAX	    0x7fffffffull /* the biggest offset FS_SEEK and FS_AT take */
/* How long fsd waits at start for a driver to serve its disk: longer
   than init waits for blkd (a driver init gave up waiting for may still
   come up), short enough that a disk that never comes is reported */
#define DISK_WAIT_MS 120000
#define WAIT_STEP_MS 50
/* a whole message fits in an empty ring (kernel/abi/fs.h) */
_Static_assert(sizeof(struct fs_req) + FS_IO_MAX <= PIPE_SIZE, "a write fits in the ring");
_Static_assert(sizeof(struct fs_reply) + FS_IO_MAX <= PIPE_SIZE, "an answer fits in the ring");

struct conn {
	int fd; /* -1: the slot is free */
	struct inode *ip;
	unsigned access; /* O_RDONLY, O_WRONLY or O_RDWR: what the kernel granted */
	int uid;	 /* who opened it (the kernel says): counts against its share */
	u64 off;	 /* the offset: a byte, or a directory entry's index */
	struct pipe_hdr *h;
	int end;	   /* which end of the pipe is ours (1) */
	bool have;	   /* req holds a FS_WRITE whose data has not all come yet */
	struct fs_req req; /* the request being served */
	u64 since;	   /* when it started waiting for the rest of a message, or 0 */
};

static struct conn conns[NCONN];
static struct blkdev disk;		  /* the connection to blkd, when the tree is on the disk */
static int nconn;			  /* open connections: every stat reports it (st.conns) */
static const struct fs_ops *fs = &ram_fs; /* the tree: in memory, or disk_fs */
static int ctl;				  /* the control descriptor */
/* Bit i: conns[i] is open. The loop looks at slots up to the highest
   open one (for (m = live, i = 0; m; m >>= 1, i++)), not at all 32
   three times per request: 13,944 -> 13,426 instructions per 4 KiB
   read on x86_64, 27,268 -> 26,942 on riscv64 (bench
   file-read-4k-1cpu, one connection open). */
static u32 live;
_Static_assert(NCONN <= 32, "live has a bit per connection");

/*
 * For the tests of a server that dies at any moment (fstest's `crash`):
 * `fsd PATH N` kills itself at its N-th step, a step being each point
 * where it holds a request it has taken but not fully answered - the
 * kernel's or a client's. Killed there, it leaves them half-served, as
 * a crash or a kill from outside would; its clients must see errors,
 * never hang. 0: never.
 */
static long die_at, steps;

static void step(void)
{
	if (die_at && ++steps == die_at)
		for (;;) /* nothing more happens here: killed on the way out of the kernel */
			kill(getpid());
}

/* ---- a connection's rings --------------------------------------------- */

/*
 * The pipe's header, as pipe.c sees it: OP_PIPE_ATTACH again gives the
 * mapping the C library already made (the kernel maps a pipe once per
 * process). The server looks at it to see whether the client is gone.
 *
 * Every byte moves through pipe_take()/pipe_give(), never
 * pipe_read_all()/pipe_write_all(): those wait for bytes (or room) that
 * a client can promise and then take back - it writes both rings'
 * indexes - and the server would sleep for ever inside one request
 * while everyone else's open timed out. take/give read each index
 * once, check it, and move all of
 * a message or nothing; a client caught lying loses its connection.
 */
static int attach(struct conn *c)
{
	struct pipe_attach a;
	struct sqe e = {.opcode = OP_PIPE_ATTACH, .fd = c->fd, .addr = (uptr)&a};
	long r = ring_call(&e, NULL);
	if (r < 0)
		return r;
	c->h = (struct pipe_hdr *)(uptr)a.hdr;
	c->end = a.end;
	return 0;
}

/* Bytes waiting in our inbox, or -EIO if the client's index lies. */
static long inbox(struct conn *c)
{
	return pipe_avail(c->fd);
}

static bool client_gone(struct conn *c)
{
	return __atomic_load_n(&c->h->closed[!c->end], __ATOMIC_ACQUIRE);
}

/* The connection ends: the client closed it, died, or broke the protocol. */
static void drop(struct conn *c)
{
	close(c->fd);
	fs->put(c->ip); /* an unlinked file goes with its last connection */
	c->fd = -1;
	live &= ~(1u << (c - conns));
	nconn--;
}

/* Connections open by uid, and by every user but root. */
static void counts(int uid, int *mine, int *users)
{
	*mine = *users = 0;
	for (int i = 0; i < NCONN; i++)
		if (conns[i].fd >= 0) {
			*mine += conns[i].uid == uid;
			*users += conns[i].uid != 0;
		}
}

/* FS_CONNECT: the kernel made a connection to inode `ino` for q->uid; its
   server end is q->conn. */
static int connect(struct fs_req *q)
{
	int mine, users;
	counts(q->uid, &mine, &users);
	struct inode *ip = fs->iget(q->ino);
	struct conn *c = NULL;
	for (int i = 0; i < NCONN && !c; i++)
		if (conns[i].fd < 0)
			c = &conns[i];
	unsigned acc = q->flags & O_ACCMODE;
	int r = 0;
	if (!ip)
		r = -ENOENT; /* gone since the lookup: unlinked, or replaced */
	else if (!c || (q->uid != 0 && (mine >= USER_CONNS || users >= USERS_CONNS)))
		r = -ENFILE;
	else if ((q->flags & ~O_ACCMODE) || acc == O_ACCMODE)
		r = -EINVAL;
	if (r == 0) {
		memset(c, 0, sizeof(*c));
		c->fd = q->conn;
		if (!pipe_is_conn(c->fd) || attach(c) < 0)
			r = -EBADF;
	}
	if (r < 0) {
		close(q->conn); /* the kernel gives up the client's end when we refuse */
		if (c)
			c->fd = -1;
		return r;
	}
	c->ip = ip;
	c->access = acc;
	c->uid = q->uid;
	fs->hold(ip);
	live |= 1u << (c - conns);
	nconn++;
	return 0;
}

/* Throw away n bytes of the inbox (a write that is refused): all of them
   were there when serve() looked, or the client took them back. */
static long discard(struct conn *c, u64 n)
{
	return pipe_take(c->fd, NULL, n);
}

static bool isdir(struct inode *ip)
{
	return (ip->mode & S_IFMT) == S_IFDIR;
}

/* A write's bytes, from the connection's ring straight into the file
   (fs_ops.write's take): all n of them, or none and bad - serve() saw
   the whole message, so fewer means the client took some back. */
struct taker {
	int fd;
	u64 n;	  /* taken so far */
	bool bad; /* the client lied about its ring */
};

static long take(void *arg, void *dst, u64 n)
{
	struct taker *t = arg;
	if (pipe_take(t->fd, dst, n) != (long)n) {
		t->bad = true;
		return -EIO;
	}
	t->n += n;
	return n;
}

/* Answer c's request (all of it is here). false: drop the connection. */
static bool answer(struct conn *c)
{
	struct fs_req *q = &c->req;
	struct fs_reply a = {.id = q->id};
	/* what follows the reply, straight from the file: one piece in memory;
	   on a disk a piece per cached block (the pieces stay good: the cache
	   reuses its least recently used block, and holds many more) */
	const void *piece[FS_IO_MAX / 4096 + 2];
	u64 len[FS_IO_MAX / 4096 + 2];
	int np = 0;
	u64 n = 0;
	bool rd = c->access != O_WRONLY, wr = c->access != O_RDONLY;
	/* FS_AT (pread, pwrite): the offset comes in the request and the
	   connection's stays put. One round trip where lseek + read are
	   two: 28,839 -> 14,976 instructions per 4 KiB read on x86_64,
	   54,618 -> 28,608 on riscv64 (bench file-read-4k-1cpu). The
	   offset is checked as FS_SEEK checks one. */
	bool at = (q->op == FS_READ || q->op == FS_WRITE) && (q->flags & FS_AT);
	u64 off = at ? q->off : c->off;
	bool far = at && off > OFF_MAX; /* FS_SEEK would refuse it too */
	switch (q->op) {
	case FS_READ: {
		const u8 *p;
		if (!rd || isdir(c->ip) || far) {
			a.res = !rd ? -EBADF : isdir(c->ip) ? -EISDIR : -EINVAL;
			break;
		}
		u64 want = MIN(q->len, FS_IO_MAX), k;
		while (n < want && np < (int)ARRAY_SIZE(piece) &&
		       (k = fs->readptr(c->ip, off + n, want - n, &p)) > 0) {
			piece[np] = p;
			len[np++] = k;
			n += k;
		}
		c->off += at ? 0 : n;
		/* nothing, short of the end: the disk failed (readptr has no
		   error to give) - not an end of file */
		a.res = n == 0 && want && off < c->ip->size ? -EIO : (int)n;
		break;
	}
	case FS_WRITE: {
		struct taker t = {c->fd, 0, false};
		long w = -EBADF;
		if (wr)
			w = isdir(c->ip) ? -EISDIR
			    : far	 ? -EINVAL
					 : fs->write(c->ip, off, q->len, take, &t);
		/* the client took its bytes back (the write was undone): it
		   loses the connection. Else what the write did not take - all
		   of it if refused, the rest if the disk filled up - goes. */
		if (t.bad || discard(c, q->len - t.n) != (long)(q->len - t.n))
			return false;
		if (w > 0 && !at)
			c->off += w;
		a.res = w;
		break;
	}
	case FS_FSTAT:
		fs->statof(c->ip, &a.st);
		a.st.conns = nconn;
		break;
	case FS_SEEK: {
		u64 base = q->flags == SEEK_SET ? 0 : q->flags == SEEK_CUR ? c->off : c->ip->size;
		u64 to = base + q->off; /* unsigned: wraps instead of overflowing */
		if (q->flags > SEEK_END || to > OFF_MAX) {
			a.res = -EINVAL;
			break;
		}
		c->off = to;
		a.res = to;
		break;
	}
	case FS_TRUNC:
		a.res = !wr ? -EBADF : fs->trunc(c->ip, q->off);
		break;
	case FS_READDIR: {
		const struct fs_dirent *e;
		if (!rd || !isdir(c->ip)) {
			a.res = !rd ? -EBADF : -ENOTDIR;
			break;
		}
		u64 max = MIN(q->len, FS_IO_MAX) / sizeof(*e);
		u64 k = fs->readdir(c->ip, c->off, max, &e);
		a.res = k == 0 && max && c->off < c->ip->size ? -EIO : (int)(k * sizeof(*e));
		c->off += k;
		n = k * sizeof(*e);
		piece[np] = e;
		len[np++] = n;
		break;
	}
	default:
		a.res = -EINVAL; /* control requests included: only the kernel sends those */
	}
	/* A client that reads its answers has an empty inbox now. One that
	   does not would make us wait for it: it loses its connection. */
	if (pipe_room(c->fd) < (long)(sizeof(a) + n))
		return false;
	step(); /* done, not answered */
	if (pipe_give(c->fd, &a, sizeof(a)) != sizeof(a))
		return false;
	if (n)
		step(); /* the answer given, its data not */
	for (int i = 0; i < np; i++)
		if (pipe_give(c->fd, piece[i], len[i]) != (long)len[i])
			return false;
	return true;
}

/*
 * Serve one request of c if the whole of it is there. Returns true if it
 * did something (served, or dropped the connection); sets *more if c has
 * part of a message and the rest should come soon.
 */
static bool serve(struct conn *c, bool *more)
{
	long n = inbox(c);
	if (n < 0) {
		drop(c);
		return true;
	}
	long need = c->have ? (long)c->req.len : (long)sizeof(c->req);
	if (n < need && client_gone(c)) {
		drop(c); /* end of file - or the client died half-way through a message */
		return true;
	}
	if (n == 0 && !c->have)
		return false; /* nothing asked */
	if (n < need) {
		/* part of a message: wait for the rest, but not for ever */
		u64 now = now_ns();
		if (!c->since)
			c->since = now;
		if (now - c->since > STALL_NS) {
			drop(c);
			return true;
		}
		*more = true;
		return false;
	}
	c->since = 0;
	if (!c->have) {
		if (pipe_take(c->fd, &c->req, sizeof(c->req)) != sizeof(c->req)) {
			drop(c);
			return true;
		}
		step(); /* a request taken, not answered */
		if (c->req.op == FS_WRITE) {
			if (c->req.len > FS_IO_MAX) { /* we cannot know where its data ends */
				drop(c);
				return true;
			}
			c->have = true;
			return true; /* its data: next time round (or at once, below) */
		}
	}
	c->have = false;
	if (!answer(c))
		drop(c);
	return true;
}

/* ---- the control descriptor ------------------------------------------ */

/*
 * FS_EXEC: the kernel loads a program to spawn (it checked the execute
 * bit with the lookup before): exactly q->len bytes of inode q->ino from
 * q->off, right after the reply, in one write.
 */
static void program(const struct fs_req *q)
{
	static u8 out[sizeof(struct fs_reply) + FS_EXEC_CHUNK];
	struct fs_reply a = {.id = q->id};
	struct inode *ip = fs->iget(q->ino);
	u64 n = 0;
	a.res = !ip || (ip->mode & S_IFMT) != S_IFREG ? -ENOENT
		: q->len > FS_EXEC_CHUNK	      ? -EINVAL
						      : 0;
	while (a.res == 0 && n < q->len) {
		const u8 *p;
		u64 k = fs->readptr(ip, q->off + n, q->len - n, &p);
		if (k == 0)
			a.res = -EIO; /* shorter than it was at the lookup */
		memcpy(out + sizeof(a) + n, p, k);
		n += k;
	}
	if (a.res == 0)
		a.res = n;
	else
		n = 0;
	memcpy(out, &a, sizeof(a));
	write(ctl, out, sizeof(a) + n);
}

/* One request of the kernel, on behalf of the program q->uid/q->gid. */
static void control(void)
{
	static struct fs_req q; /* 312 bytes, a stack's worth: static, one thread */
	if (read(ctl, &q, sizeof(q)) != sizeof(q))
		return;
	step(); /* the kernel's request taken, not answered */
	q.path[FS_PATH - 1] = q.path2[FS_PATH - 1] = '\0';
	struct fs_reply a = {.id = q.id};
	struct inode *ip;
	switch (q.op) {
	case FS_LOOKUP:
		a.res = fs->lookup(q.path, q.uid, q.gid, q.flags, q.mode, &ip);
		if (a.res == 0)
			fs->statof(ip, &a.st);
		break;
	case FS_CONNECT:
		a.res = connect(&q);
		break;
	case FS_STAT:
		a.res = fs->stat(q.path, q.uid, q.gid, &a.st);
		break;
	case FS_MKDIR:
		a.res = fs->mkdir(q.path, q.uid, q.gid, q.mode);
		break;
	case FS_UNLINK:
		a.res = fs->unlink(q.path, q.uid, q.gid);
		break;
	case FS_RENAME:
		a.res = fs->rename(q.path, q.path2, q.uid, q.gid);
		break;
	case FS_CHMOD:
		a.res = fs->chmod(q.path, q.uid, q.gid, q.mode);
		break;
	case FS_CHOWN:
		a.res = fs->chown(q.path, q.uid, q.gid, q.uid2, q.gid2);
		break;
	case FS_EXEC:
		program(&q);
		return;
	default:
		a.res = -EINVAL;
	}
	a.st.conns = nconn;
	step(); /* done, not answered */
	/* -EINVAL if the kernel gave up on it meanwhile (a timeout): nothing to do */
	write(ctl, &a, sizeof(a));
}

/* ---- start ---------------------------------------------------------------- */

/* Filling a tree, in memory or on an empty disk: path (fs_make's rules). */
static int make(const char *path, unsigned mode, int owner, struct inode **ipp)
{
	return fs == &disk_fs ? disk_make(path, mode, owner, owner, ipp)
			      : fs_make(path, mode, owner, owner, ipp);
}

/* n bytes at off of ip: in memory *p is the file's own memory (which
   writeptr grows); on a disk, a buffer disk_write takes them from. */
static int room(struct inode *ip, u64 off, u64 n, u8 **p)
{
	static u8 buf[64 << 10];
	*p = buf;
	return fs == &disk_fs ? 0 : fs_writeptr(ip, off, n, p);
}

static int put(struct inode *ip, u64 off, const u8 *p, u64 n)
{
	long w = fs == &disk_fs ? disk_write(ip, off, p, n) : (long)n;
	return w == (long)n ? 0 : w < 0 ? w : -ENOSPC;
}

/* The boot archive's index-th file's bytes, straight into the file's
   memory (on a disk: a chunk at a time, through a buffer). */
static int load(int index, struct inode *ip, u64 size)
{
	for (u64 at = 0; at < size;) {
		u8 *p;
		u64 len = MIN(size - at, fs == &disk_fs ? 64u << 10 : 1u << 20);
		int r = room(ip, at, len, &p);
		if (r < 0)
			return r;
		struct sqe e = {.opcode = OP_ARCHIVE_READ, .off = index, .addr = (uptr)p};
		e.len = len;
		e.arg[0] = at;
		long n = ring_call(&e, NULL);
		if (n <= 0)
			return n < 0 ? n : -EIO;
		if ((r = put(ip, at, p, n)) < 0)
			return r;
		at += n;
	}
	return 0;
}

static int fill(void)
{
	struct dirent d;
	struct inode *ip;
	char path[FS_PATH];
	int i, r = 0;
	for (i = 0; r == 0 && list(i, &d) == 0; i++) {
		unsigned type = d.mode & S_IFMT;
		if (type != S_IFREG && type != S_IFDIR)
			continue; /* nothing else exists here */
		snprintf(path, sizeof(path), "/%s", d.name);
		r = make(path, d.mode, 0, &ip);
		if (r == 0 && type == S_IFREG)
			r = load(i, ip, d.size);
	}
	if (r < 0)
		fprintf(2, "fsd: %s: %s\n", path, errstr(r));
	return r;
}

/* The files the tests rely on (fsfiles.h: mkfs puts the same on a disk). */
static int extras(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_extras); i++) {
		const struct fs_extra *x = &fs_extras[i];
		struct inode *ip;
		u8 *p;
		size_t n = x->text ? strlen(x->text) : 0;
		int r = make(x->path, x->mode, x->owner, &ip);
		if (r == 0 && n && (r = room(ip, 0, n, &p)) == 0) {
			memcpy(p, x->text, n);
			r = put(ip, 0, p, n);
		}
		if (r < 0) {
			fprintf(2, "fsd: %s: %s\n", x->path, errstr(r));
			return r;
		}
	}
	return 0;
}

/* Block 0 all zeros: a disk no one has formatted. */
static bool blank(struct bdev *d)
{
	static u8 b[BSIZE];
	if (d->read(d, 0, 1, b) < 0)
		return false;
	for (size_t i = 0; i < sizeof(b); i++)
		if (b[i])
			return false;
	return true;
}

/*
 * The tree of "/": on the disk dev (the image mkfs made, docs/disk.md),
 * or, with no dev (init's blkd found no disk), in memory from the boot
 * archive. A root file system never silently becomes another one: if
 * no driver serves dev yet (blkd slow to start, or dead and not yet
 * restarted), fsd waits for it, as Linux's rootwait does, at most
 * DISK_WAIT_MS, and then stops with a message rather than serve the
 * RAM tree in its place. An empty disk gets a file system, filled as
 * the RAM tree would be. A disk that fails its check is refused, never
 * half-trusted: fsd stops. Returns 0, or -1 (the reason printed).
 */
static bool waited; /* root_tree() waited for the disk: main() says when "/" is mounted */

static int root_tree(const char *dev)
{
	static char msg[160];
	if (!dev) {
		fs_init();
		return fill() < 0 || extras() < 0 ? -1 : 0;
	}
	u64 until = now_ns() + DISK_WAIT_MS * 1000000ull;
	int r;
	/* -ENOENT: nobody has mounted dev (nor "/": we have not) */
	while ((r = blkdev_open(&disk, dev)) == -ENOENT && now_ns() < until) {
		if (!waited)
			fprintf(2, "fsd: waiting for a driver to serve %s\n", dev);
		waited = true;
		msleep(WAIT_STEP_MS);
	}
	if (r == -ENOENT) {
		fprintf(2, "fsd: no driver serves %s after %d s: not mounting /\n", dev,
			DISK_WAIT_MS / 1000);
		return -1;
	}
	if (r == -ENOSYS) {
		/* (in a lab's handout) no open() yet: the RAM tree, rather
		   than dying and being restarted in vain */
		fprintf(2, "fsd: %s: %s: the files are kept in memory\n", dev, errstr(r));
		fs_init();
		return fill() < 0 || extras() < 0 ? -1 : 0;
	}
	if (r == 0 && (r = disk_mount(&disk.b, msg, sizeof(msg))) == 0) {
		fs = &disk_fs;
		return 0;
	}
	if (r == -EINVAL && blank(&disk.b)) {
		fprintf(2, "fsd: %s is empty: making a file system on it\n", dev);
		if ((r = disk_format(&disk.b, disk.b.nblocks, DISK_INODES)) == 0 &&
		    (r = disk_mount(&disk.b, msg, sizeof(msg))) == 0) {
			fs = &disk_fs;
			return fill() < 0 || extras() < 0 ? -1 : 0;
		}
	}
	fprintf(2, "fsd: %s: refusing to mount it: %s\n", dev, r == -EINVAL ? msg : errstr(r));
	if (r != -EINVAL && msg[0])
		fprintf(2, "fsd: %s\n", msg);
	return -1;
}

/*
 * blkd died (init restarts it: docs/servers.md): the disk's connection
 * broke, and every operation fails with -EIO until it is back. Open
 * /dev/disk again - without waiting for blkd, so that the clients are
 * answered meanwhile - and mount the disk again under the open files
 * (disk_recover: the log replayed, the cache dropped). Returns how many
 * ns until it is worth looking again, or -1: the disk works.
 */
static long long disk_back(void)
{
	static bool lost;
	static u64 since; /* when it was lost: what a restart costs, said when it is back */
	static char msg[160];
	if (fs != &disk_fs || (!disk.b.down && !lost))
		return -1;
	if (!lost) {
		lost = true;
		since = now_ns();
		fprintf(2, "fsd: lost /dev/disk: requests fail until blkd is back\n");
	}
	long long ns = blkdev_reopen(&disk);
	if (ns > 0)
		return ns;
	int r = disk_recover(msg, sizeof(msg));
	if (r == -EIO)
		return blkdev_reopen(&disk); /* it broke again: from the start */
	if (r < 0) {
		/* init starts a new fsd, whose mount checks the disk afresh */
		fprintf(2, "fsd: /dev/disk after blkd's restart: %s: stopping\n",
			msg[0] ? msg : errstr(r));
		exit(1);
	}
	lost = false;
	fprintf(2, "fsd: /dev/disk is back after %llu ms: the log replayed, the cache dropped\n",
		(now_ns() - since) / 1000000);
	return -1;
}

/* `fsd DEV`: the file server of "/", its tree on the disk DEV serves
   (init: `fsd /dev/disk`); `fsd`: of "/", its tree in memory (no disk).
   `fsd PATH N` (tests): an empty tree mounted at PATH, dying at step N
   (step()); it writes a byte to fd 1 once it has mounted. */
int main(int argc, char **argv)
{
	const char *at = argc == 3 ? argv[1] : "/";
	for (int i = 0; i < NCONN; i++)
		conns[i].fd = -1;
	if (argc == 3) {
		fs_init();
		die_at = atoi(argv[2]);
	} else if (root_tree(argc == 2 ? argv[1] : NULL) < 0) {
		return 1;
	}
	struct sqe m = {.opcode = OP_MOUNT, .addr = (uptr)at};
	if ((ctl = ring_call(&m, NULL)) < 0) {
		fprintf(2, "fsd: cannot mount %s: %s\n", at, errstr(ctl));
		return 1;
	}
	if (argc == 3)
		write(1, "m", 1);
	if (waited)
		fprintf(2, "fsd: %s is served: / mounted from it\n", argv[1]);
	/* Looking again before sleeping pays when the client runs on another
	   CPU: its next request comes without a wake-up. With one CPU the
	   client cannot run while we look, so the spin only burns the time it
	   needs: sleep at once. Nothing is lost either way - pipe_wait_any
	   raises the flags, then looks, then sleeps, so a request that came
	   meanwhile is seen or wakes us (kernel/abi/pipe.h). */
	struct kstats ks;
	int spin = kstats(&ks) == 0 && ks.ncpu == 1 ? 0 : SPIN;
	int fds[NCONN + 1]; /* the connections, and blkd's */
	bool woke = false;  /* the last round ended in a sleep */
	for (unsigned round = 0;; round++) {
		bool busy = false, more = false;
		long long due = disk_back(); /* -1, or ns: the disk needs looking at then */
		for (u32 m = live, i = 0; m; m >>= 1, i++)
			if (m & 1)
				busy |= serve(&conns[i], &more);
		/* The kernel's requests: now and then when busy, and after a
		   sleep that brought no client's work (so the control
		   descriptor, or nothing, woke us). Not before going to sleep:
		   the sleep waits for the control descriptor too, and returns
		   at once if a request is there, so none waits longer than
		   before. That saves a wait() per client request: 14,976 ->
		   13,944 instructions per 4 KiB read on x86_64, 28,608 ->
		   27,268 on riscv64 (bench file-read-4k-1cpu). */
		if (round % 16 == 0 || (woke && !busy))
			for (int k = 0; k < NCTL && fd_readable(ctl); k++, busy = true)
				control();
		woke = false;
		if (busy)
			continue;
		/* nothing to do: look a little longer, then sleep */
		if (fs == &disk_fs && blkdev_gone(&disk))
			continue; /* blkd died while we were idle: disk_back() */
		int n = 0;
		for (u32 m = live, i = 0; m; m >>= 1, i++)
			if (m & 1)
				fds[n++] = conns[i].fd;
		bool ready = false;
		if (fs == &disk_fs && disk.fd >= 0)
			fds[n++] = disk.fd; /* its end closing wakes us */
		for (int s = 0; s < spin && !ready && !more; s++)
			for (u32 m = live, i = 0; m && !ready; m >>= 1, i++)
				ready =
				    (m & 1) && (inbox(&conns[i]) != 0 || client_gone(&conns[i]));
		if (ready)
			continue;
		if (more) {
			msleep(1); /* a client is half-way through a message: it will not wake us */
		} else if (n == 0) {
			/* no connection: only the kernel can have work for us (and
			   pipe_wait_any would touch user-interrupt state we have not
			   set up before the first connection attached) */
			struct wait_item it = {.type = WAIT_READ, .id = ctl};
			struct wait_event ev;
			wait(&it, 1, &ev, 1, due);
		} else {
			pipe_wait_for(fds, n, ctl, due);
		}
		woke = true;
	}
}
