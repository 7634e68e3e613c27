/*
 * fstest.c - files (issue 6), checked from user space: the file server
 * (fsd), open's permission check in the kernel, and the C library's
 * file calls.
 *
 *   basics    create, write, read back, seek, fstat, truncate, holes,
 *             O_EXCL, O_TRUNC, unlink; access modes the kernel granted
 *   dirs      mkdir, readdir in pieces, rename (also over a file and
 *             into another directory), rmdir, and what a directory is not
 *   denials   an unprivileged user (uid 1000, this program run again by
 *             spawn) is refused reading, writing, creating, traversing,
 *             chmod and chown where the modes say so
 *   chmod     chmod while open: the old descriptor keeps the old file
 *             and its data, the path has a new identity and mode, a new
 *             open is checked against the new mode
 *   liar      a client that writes its own requests into its connection:
 *             control requests, unknown operations, writes on a
 *             read-only connection, huge lengths, offsets past the end,
 *             half a request, a lying ring index, answers not read -
 *             it gets errors or loses its connection; the server stays up
 *   stall     a client stopped half-way through a request loses its
 *             connection, and others are served meanwhile
 *   many      connections until a descriptor table is full
 *   killed    a client killed while reading, one that exits with files open
 *   share     two users open all they can: refused (-ENFILE) at their share of
 *             the server's table, and root still opens files
 *   retract   a client that takes a write's bytes back after the server
 *             looked: dropped, never waited for; others are served
 *   crash     a server (a second fsd) killed at every step of a client's
 *             work in turn: the client gets errors, never hangs
 *   hostile   servers that let their client down: never answer, answer
 *             half, die while it waits - its calls fail, never hang
 *   cost      kernel entries per 4 KiB read (printed, loosely checked)
 *   programs  spawn runs what the server holds: a program written to
 *             /tmp, /bin/wc overwritten with echo's bytes; uid 1000's
 *             own program runs only with its execute bit
 *
 * Everything runs twice: the first round grows the kernel's heap. In
 * the second, each test must leave the kernel's free pages and the
 * server's open connections (every stat reports them: st.conns) where
 * they were before it.
 *
 * Each check prints "ok <name>" or "FAIL <name>: <why>"; the last line
 * is "fstest: N passed, M failed".
 *
 *   fstest user         the unprivileged user's checks (exit status: failures)
 *   fstest open PATH    open PATH to read; exit status: the error number, or 0
 *   fstest hog PATH     read PATH over and over, until killed
 *   fstest reader PATH  the same, saying on fd 1 when it has opened PATH
 *   fstest leave PATH   open PATH and exit without closing it
 *   fstest fill PATH    open PATH until refused, report, hold (share)
 *   fstest retract X    the client that takes its bytes back (retract)
 *   fstest hostile MODE a server that lets its client down (hostile)
 *   fstest restart WORD kill the system's fsd while clients read, twice:
 *                       init restarts it (fs/restart in tests/fs_test.c)
 *   fstest giveup       a server that dies at start, every time: init
 *                       gives up on it (fs/giveup)
 */
#include "async.h"
#include "check.h"

#define SELF "/bin/fstest"
#define USER 1000
#define MS   1000000ull
#define T    "/tmp/fstest" /* every file made here starts so */
#define MOTD "/etc/motd"
#define BIG  20000 /* bytes of the big file */

static u8 pattern(long i)
{
	return (u8)(i * 7 + (i >> 8));
}

/* The server's open connections (every stat answer carries them). */
static int conns(void)
{
	struct fs_stat st;
	return stat("/", &st) < 0 ? -1 : (int)st.conns;
}

/* The server closes its end of a connection a moment after ours: wait for want. */
static int conns_settled(int want)
{
	int c = conns();
	for (int i = 0; i < 3000 && c != want; i++) { /* a minute: only a leak, on a busy host */
		sleep_ns(20 * MS);
		c = conns();
	}
	return c;
}

static long file_size(const char *path)
{
	struct fs_stat st;
	int r = stat(path, &st);
	return r < 0 ? r : (long)st.size;
}

/* Make path with these bytes (mode for a new file). */
static int make(const char *path, const void *data, size_t n, unsigned mode)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
	if (fd < 0)
		return fd;
	long r = writeall(fd, data, n);
	close(fd);
	return r < 0 ? r : 0;
}

/* Read all of fd into buf (up to max): how many, or -E*. */
static long slurp(int fd, void *buf, size_t max)
{
	size_t got = 0;
	long r;
	while (got < max && (r = read(fd, (u8 *)buf + got, max - got)) > 0)
		got += r;
	return r < 0 ? r : (long)got;
}

/* Run this program as the unprivileged user; its exit status. */
static int as_user(char *mode, char *arg)
{
	char *argv[] = {"fstest", mode, arg, NULL};
	int pid = spawn(SELF, argv, NULL, 0, USER, USER);
	if (pid < 0)
		return pid;
	int st = -1;
	waitpid(pid, &st);
	return st;
}

/* ---- basics ------------------------------------------------------------ */

static void basics(void)
{
	static u8 out[BIG], in[BIG];
	struct fs_stat st;
	int fd = open(T ".a", O_CREAT | O_RDWR | O_TRUNC, 0644);
	expect("create", fd >= 0, 1);
	for (long i = 0; i < BIG; i++)
		out[i] = pattern(i);
	expect("write", writeall(fd, out, BIG), BIG);
	expect("seek-set", lseek(fd, 0, SEEK_SET), 0);
	long got = slurp(fd, in, BIG);
	expect("read-back", got == BIG && memcmp(in, out, BIG) == 0, 1);
	expect("read-at-end", read(fd, in, 10), 0);
	expect("seek-end", lseek(fd, 0, SEEK_END), BIG);
	expect("seek-cur", lseek(fd, -100, SEEK_CUR), BIG - 100);
	expect("read-tail", read(fd, in, 1000), 100);
	/* pread/pwrite (FS_AT): at the offset given, the descriptor's unmoved */
	expect("pread", pread(fd, in, 1000, 50) == 1000 && memcmp(in, out + 50, 1000) == 0, 1);
	expect("pwrite",
	       pwrite(fd, "y", 1, 7) == 1 && pread(fd, in, 2, 7) == 2 && in[0] == 'y' &&
		   in[1] == out[8],
	       1);
	pwrite(fd, out + 7, 1, 7);
	expect("pread-offset-kept", lseek(fd, 0, SEEK_CUR), BIG);
	expect("pread-too-far", pread(fd, in, 1, 0x80000000l), -EINVAL);
	expect("pwrite-too-far", pwrite(fd, "y", 1, 0x80000000l), -EINVAL);
	expect("pread-negative", pread(fd, in, 1, -1), -EINVAL);
	expect("pread-past-end", pread(fd, in, 10, BIG + 5), 0);
	expect("seek-negative", lseek(fd, -1, SEEK_SET), -EINVAL);
	expect("fstat", fstat(fd, &st), 0);
	expect("fstat-size", st.size, BIG);
	expect("fstat-mode", st.mode, S_IFREG | 0644);
	expect("fstat-owner", st.uid == 0 && st.gid == 0 && st.nlink == 1, 1);
	expect("truncate", ftruncate(fd, 10), 0);
	fstat(fd, &st);
	expect("truncated-size", st.size, 10);
	/* a hole: the bytes between the end and a write past it read as zeros */
	lseek(fd, 5000, SEEK_SET);
	expect("write-past-end", write(fd, "x", 1), 1);
	lseek(fd, 0, SEEK_SET);
	got = slurp(fd, in, BIG);
	long bad = got != 5001 || in[5000] != 'x' || memcmp(in, out, 10) != 0;
	for (int i = 10; i < 5000; i++)
		bad += in[i] != 0;
	expect("hole-zeros", bad, 0);
	expect("too-big", lseek(fd, 0x7fffff00, SEEK_SET) > 0 && write(fd, "x", 1) == -ENOSPC, 1);
	expect("excl", open(T ".a", O_CREAT | O_EXCL | O_RDWR, 0644), -EEXIST);
	int fd2 = open(T ".a", O_WRONLY | O_TRUNC, 0);
	fstat(fd, &st);
	expect("trunc-at-open", fd2 >= 0 && st.size == 0, 1);
	close(fd2);
	close(fd);
	expect("missing", open(T ".none", O_RDONLY, 0), -ENOENT);
	expect("missing-dir", open(T ".none/x", O_CREAT | O_RDWR, 0644), -ENOENT);
	expect("unlink", unlink(T ".a"), 0);
	expect("unlinked", stat(T ".a", &st), -ENOENT);
	expect("unlink-again", unlink(T ".a"), -ENOENT);
	/* a relative path is taken from "/" */
	fd = open("tmp/fstest.rel", O_CREAT | O_WRONLY, 0600);
	expect("relative", fd >= 0 && stat(T ".rel", &st) == 0 && st.mode == (S_IFREG | 0600), 1);
	close(fd);
	unlink(T ".rel");
	/* the access the kernel granted is what the server allows */
	fd = open(MOTD, O_RDONLY, 0);
	expect("write-read-only", write(fd, "x", 1), -EBADF);
	expect("read-read-only", read(fd, in, 100) > 0, 1);
	close(fd);
	make(T ".w", "data", 4, 0644);
	fd = open(T ".w", O_WRONLY, 0);
	expect("read-write-only", read(fd, in, 100), -EBADF);
	expect("write-write-only", write(fd, "DA", 2), 2);
	close(fd);
	unlink(T ".w");
	expect("fstat-console", fstat(1, &st) < 0, 1);
	expect("bad-flags", open(MOTD, 3, 0), -EINVAL);
}

/* ---- directories ------------------------------------------------------- */

#define D     T ".d"
#define NFILE 40

static void dirs(void)
{
	char path[64], buf[16];
	struct fs_stat st;
	expect("mkdir", mkdir(D, 0755), 0);
	expect("mkdir-exists", mkdir(D, 0755), -EEXIST);
	int made = 0;
	for (int i = 0; i < NFILE; i++) {
		snprintf(path, sizeof(path), D "/f%d", i);
		snprintf(buf, sizeof(buf), "f%d", i);
		made += make(path, buf, strlen(buf), 0644) == 0;
	}
	expect("files-made", made, NFILE);
	/* readdir a few at a time: each call goes on where the last stopped */
	int fd = open(D, O_RDONLY, 0);
	struct fs_dirent d[7];
	u64 seen = 0;
	int n, total = 0, odd = 0;
	while ((n = readdir(fd, d, 7)) > 0) {
		for (int i = 0; i < n; i++) {
			int k = atoi(d[i].name + 1);
			odd += d[i].name[0] != 'f' || k < 0 || k >= NFILE || (seen >> k & 1) ||
			       d[i].mode != (S_IFREG | 0644);
			seen |= 1ull << k;
			total++;
		}
	}
	expect("readdir-all", total == NFILE && odd == 0 && seen == (1ull << NFILE) - 1, 1);
	expect("readdir-end", readdir(fd, d, 7), 0);
	expect("read-directory", read(fd, buf, sizeof(buf)), -EISDIR);
	close(fd);
	expect("open-dir-write", open(D, O_WRONLY, 0), -EISDIR);
	fd = open(D "/f0", O_RDONLY, 0);
	expect("readdir-file", readdir(fd, d, 7), -ENOTDIR);
	close(fd);
	expect("rmdir-not-empty", unlink(D), -ENOTEMPTY);
	expect("mkdir-under-file", mkdir(D "/f0/x", 0755), -ENOTDIR);
	expect("rename", rename(D "/f1", D "/g1"), 0);
	fd = open(D "/g1", O_RDONLY, 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	expect("renamed", stat(D "/f1", &st) == -ENOENT && n == 2 && memcmp(buf, "f1", 2) == 0, 1);
	expect("mkdir-sub", mkdir(D "/sub", 0700), 0);
	expect("rename-to-dir", rename(D "/g1", D "/sub/g1"), 0);
	expect("rename-into-itself", rename(D, D "/sub/x"), -EINVAL);
	expect("rename-over", rename(D "/f2", D "/f3"), 0);
	fd = open(D "/f3", O_RDONLY, 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	expect("rename-over-content", n == 2 && memcmp(buf, "f2", 2) == 0, 1);
	int gone = 0;
	for (int i = 0; i < NFILE; i++) {
		snprintf(path, sizeof(path), D "/f%d", i);
		gone += unlink(path) == 0;
	}
	expect("unlink-all", gone, NFILE - 2); /* f1 and f2 were renamed */
	expect("rmdir-sub-not-empty", unlink(D "/sub"), -ENOTEMPTY);
	unlink(D "/sub/g1");
	expect("rmdir-sub", unlink(D "/sub"), 0);
	expect("rmdir", unlink(D), 0);
	expect("unlink-root", unlink("/"), -EBUSY);
}

/* ---- an unprivileged user ---------------------------------------------- */

static int ufailed;

static void uexpect(const char *name, long got, long want)
{
	char n[48];
	snprintf(n, sizeof(n), "user-%s", name);
	expect(n, got, want);
	ufailed += got != want;
}

/* `fstest user`: run as uid 1000, gid 1000. */
static int user_checks(void)
{
	struct fs_stat st;
	char buf[64];
	uexpect("read-secret", open("/etc/secret", O_RDONLY, 0), -EACCES);
	uexpect("write-root-file", open(T ".r644", O_WRONLY, 0), -EACCES);
	uexpect("rdwr-root-file", open(T ".r644", O_RDWR, 0), -EACCES);
	uexpect("trunc-root-file", open(T ".r644", O_RDONLY | O_TRUNC, 0), -EACCES);
	int fd = open(T ".r644", O_RDONLY, 0);
	uexpect("read-root-file", fd >= 0 && read(fd, buf, sizeof(buf)) == 9, 1);
	close(fd);
	uexpect("create-in-root-dir", open(T ".rdir/new", O_CREAT | O_WRONLY, 0644), -EACCES);
	uexpect("mkdir-in-root-dir", mkdir(T ".rdir/d", 0755), -EACCES);
	uexpect("unlink-in-root-dir", unlink(T ".rdir/file"), -EACCES);
	uexpect("rename-from-root-dir", rename(T ".rdir/file", T ".stolen"), -EACCES);
	uexpect("traverse-private", open(T ".priv/file", O_RDONLY, 0), -EACCES);
	uexpect("stat-private", stat(T ".priv/file", &st), -EACCES);
	uexpect("list-private", open(T ".priv", O_RDONLY, 0), -EACCES);
	/* exec: the kernel asks the server for the program's mode at spawn */
	char *argv[] = {"echo", "x", NULL};
	int pid = spawn("/bin/echo", argv, NULL, 0, -1, -1), st2 = -1;
	uexpect("exec-allowed", pid > 0 && waitpid(pid, &st2) == pid && st2 == 0, 1);
	uexpect("exec-denied", spawn("/bin/wc", argv, NULL, 0, -1, -1), -EACCES);
	uexpect("exec-denied-archive-name", spawn("bin/wc", argv, NULL, 0, -1, -1), -EACCES);
	/* the boot archive's bytes are the file server's to read, not ours:
	   its copy of /bin/wc above is 0744 */
	struct sqe ar = {.opcode = OP_ARCHIVE_READ, .addr = (uptr)buf, .len = sizeof(buf)};
	uexpect("archive-read", ring_call(&ar, NULL), -EPERM);
	uexpect("chmod-not-owner", chmod(T ".r644", 0666), -EPERM);
	uexpect("chown-not-root", chown(T ".r644", USER, USER), -EPERM);
	/* what is one's own */
	fd = open("/home/user/fstest.mine", O_CREAT | O_RDWR | O_TRUNC, 0600);
	uexpect("create-own", fd >= 0 && fstat(fd, &st) == 0 && st.uid == USER && st.gid == USER,
		1);
	uexpect("write-own", write(fd, "mine", 4), 4);
	close(fd);
	uexpect("chmod-own", chmod("/home/user/fstest.mine", 0644), 0);
	uexpect("chown-own", chown("/home/user/fstest.mine", 0, 0), -EPERM);
	uexpect("unlink-own", unlink("/home/user/fstest.mine"), 0);
	fd = open(T ".u", O_CREAT | O_WRONLY, 0644);
	uexpect("create-in-tmp", fd >= 0, 1);
	close(fd);
	/* /tmp is sticky (1777): we may write it, but root's file there
	   is not ours to remove or replace; our own is */
	uexpect("sticky-unlink", unlink(T ".r644"), -EPERM);
	uexpect("sticky-rename-away", rename(T ".r644", T ".stolen"), -EPERM);
	uexpect("sticky-rename-over", rename(T ".u", T ".r644"), -EPERM);
	uexpect("sticky-rename-own", rename(T ".u", T ".u2"), 0);
	uexpect("unlink-in-tmp", unlink(T ".u2"), 0);
	return ufailed;
}

static void denials(void)
{
	struct fs_stat st;
	expect("tmp-sticky", stat("/tmp", &st) == 0 && st.mode == (S_IFDIR | S_ISVTX | 0777), 1);
	expect("setup-r644", make(T ".r644", "root data", 9, 0644), 0);
	mkdir(T ".rdir", 0755);
	make(T ".rdir/file", "x", 1, 0644);
	mkdir(T ".priv", 0700);
	make(T ".priv/file", "x", 1, 0644);
	expect("setup-wc-no-exec", chmod("/bin/wc", 0744), 0); /* root's only */
	expect("user-denials", as_user("user", NULL), 0);
	expect("restore-wc", chmod("/bin/wc", 0755), 0);
	/* a refused O_TRUNC must not have emptied the file */
	expect("refused-trunc-kept-data", file_size(T ".r644"), 9);
	unlink(T ".r644");
	unlink(T ".rdir/file");
	unlink(T ".rdir");
	unlink(T ".priv/file");
	unlink(T ".priv");
}

/* ---- programs: spawn loads them from the server ------------------------- */

/* path's bytes, in a buffer of malloc's (*n of them), or NULL. */
static u8 *load_file(const char *path, long *n)
{
	long size = file_size(path);
	int fd = open(path, O_RDONLY, 0);
	u8 *buf = size > 0 && fd >= 0 ? malloc(size) : NULL;
	*n = buf ? slurp(fd, buf, size) : -1;
	if (fd >= 0)
		close(fd);
	if (buf && *n != size) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/* Run path "hello" as uid, its output into out: 1 if it printed "hello\n" and exited 0. */
static long run_hello(const char *path, int uid)
{
	char out[32], *argv[] = {"e", "hello", NULL};
	int p[2], st = -1;
	if (pipe(p) < 0)
		return -1;
	int fds[3] = {0, p[1], 2}, pid = spawn(path, argv, fds, 3, uid, uid);
	close(p[1]);
	long n = pid < 0 ? 0 : slurp(p[0], out, sizeof(out) - 1);
	out[n < 0 ? 0 : n] = '\0';
	close(p[0]);
	if (pid < 0)
		return pid;
	waitpid(pid, &st);
	return st == 0 && !strcmp(out, "hello\n");
}

static void programs(void)
{
	long n, m;
	u8 *echo = load_file("/bin/echo", &n), *wc = load_file("/bin/wc", &m);
	expect("prog-read", echo && wc, 1);
	if (echo && wc) {
		/* a program written to a file runs: spawn loads what the server holds */
		expect("prog-write", make(T ".e", echo, n, 0755), 0);
		expect("prog-written-runs", run_hello(T ".e", -1), 1);
		/* the server's /bin/wc is echo now, not the archive's wc */
		expect("prog-replace", make("/bin/wc", echo, n, 0755), 0);
		expect("prog-server-bytes", run_hello("/bin/wc", -1), 1);
		expect("prog-server-bytes-archive-name", run_hello("bin/wc", -1), 1);
		expect("prog-restore", make("/bin/wc", wc, m, 0755), 0);
		/* uid 1000's own program: runs with the execute bit, not without */
		expect("prog-give", chown(T ".e", USER, USER) == 0 && chmod(T ".e", 0700) == 0, 1);
		expect("prog-user-runs", run_hello(T ".e", USER), 1);
		expect("prog-user-noexec",
		       chmod(T ".e", 0600) == 0 && run_hello(T ".e", USER) == -EACCES, 1);
		unlink(T ".e");
	}
	free(echo);
	free(wc);
}

/* ---- chmod while open ----------------------------------------------- */

static void chmod_open(void)
{
	struct fs_stat before, held, after, st;
	char buf[32];
	expect("chmod-setup", make(T ".c", "old data", 8, 0644), 0);
	int fd = open(T ".c", O_RDWR, 0);
	stat(T ".c", &before);
	fstat(fd, &st);
	expect("identity-same", st.ino == before.ino && st.gen == before.gen, 1);
	expect("user-open-before", as_user("open", T ".c"), 0);
	expect("chmod", chmod(T ".c", 0600), 0);
	/* the old descriptor: the old file, now unlinked, with the old mode */
	fstat(fd, &held);
	stat(T ".c", &after);
	expect("old-fd-identity", held.ino == before.ino && held.gen == before.gen, 1);
	expect("old-fd-unlinked", held.nlink, 0);
	expect("old-fd-mode", held.mode, S_IFREG | 0644);
	expect("new-identity", after.ino != before.ino, 1);
	expect("new-generation", after.gen, before.gen + 1);
	expect("new-mode", after.mode, S_IFREG | 0600);
	expect("old-fd-reads", read(fd, buf, sizeof(buf)) == 8 && memcmp(buf, "old data", 8) == 0,
	       1);
	lseek(fd, 0, SEEK_SET);
	expect("old-fd-writes", write(fd, "NEW", 3), 3);
	int fd2 = open(T ".c", O_RDONLY, 0);
	long n = read(fd2, buf, sizeof(buf));
	expect("copy-unaffected", n == 8 && memcmp(buf, "old data", 8) == 0, 1);
	close(fd2);
	expect("user-open-after", as_user("open", T ".c"), EACCES);
	expect("chown", chown(T ".c", USER, USER), 0);
	expect("user-open-after-chown", as_user("open", T ".c"), 0);
	stat(T ".c", &st);
	expect("chown-identity", st.ino != after.ino && st.uid == USER && st.mode == after.mode, 1);
	close(fd);
	unlink(T ".c");
}

/* ---- a client that lies ------------------------------------------------- */

/*
 * Send q (and n bytes of data) on connection fd as they are, and read the
 * answer: its res, with up to max data bytes into in (NULL: thrown away).
 * -EPIPE if the connection ended instead.
 */
static long raw(int fd, struct fs_req *q, const void *out, size_t n, void *in, size_t max)
{
	static u8 junk[FS_IO_MAX];
	struct fs_reply a;
	if (!pipe_is_conn(fd) || pipe_write_all(fd, q, sizeof(*q)) < 0 ||
	    (n && pipe_write_all(fd, out, n) < 0))
		return -EPIPE;
	if (pipe_read_all(fd, &a, sizeof(a)) != sizeof(a))
		return -EPIPE;
	bool data = q->op == FS_READ || q->op == FS_READDIR; /* the answers with bytes behind */
	if (data && a.res > 0 &&
	    pipe_read_all(fd, in ? in : junk, MIN((size_t)a.res, in ? max : sizeof(junk))) < 0)
		return -EPIPE;
	return a.res;
}

static void liar(void)
{
	static u8 big[BIG];
	for (int i = 0; i < BIG; i++)
		big[i] = pattern(i);
	make(T ".big", big, BIG, 0644);
	long motd = file_size(MOTD);
	int fd = open(MOTD, O_RDONLY, 0);
	struct fs_req q = {.op = FS_LOOKUP, .uid = 0, .gid = 0, .path = "/etc/secret"};
	expect("lie-control-op", raw(fd, &q, NULL, 0, NULL, 0), -EINVAL);
	q = (struct fs_req){.op = FS_CONNECT, .ino = 1, .conn = 0, .flags = O_RDWR};
	expect("lie-connect", raw(fd, &q, NULL, 0, NULL, 0), -EINVAL);
	q = (struct fs_req){.op = 12345};
	expect("lie-unknown-op", raw(fd, &q, NULL, 0, NULL, 0), -EINVAL);
	q = (struct fs_req){.op = FS_WRITE, .len = 5, .uid = 0};
	expect("lie-write-read-only", raw(fd, &q, "hello", 5, NULL, 0), -EBADF);
	q = (struct fs_req){.op = FS_TRUNC, .off = 0};
	expect("lie-trunc-read-only", raw(fd, &q, NULL, 0, NULL, 0), -EBADF);
	q = (struct fs_req){.op = FS_READDIR, .len = 1000};
	expect("lie-readdir-file", raw(fd, &q, NULL, 0, NULL, 0), -ENOTDIR);
	q = (struct fs_req){.op = FS_SEEK, .off = 1ull << 40};
	expect("lie-seek-far", raw(fd, &q, NULL, 0, NULL, 0), -EINVAL);
	q = (struct fs_req){.op = FS_SEEK, .flags = 7};
	expect("lie-seek-whence", raw(fd, &q, NULL, 0, NULL, 0), -EINVAL);
	q = (struct fs_req){.op = FS_SEEK, .off = 100000};
	expect("seek-past-end", raw(fd, &q, NULL, 0, NULL, 0), 100000);
	q = (struct fs_req){.op = FS_READ, .len = 10};
	expect("read-past-end", raw(fd, &q, NULL, 0, NULL, 0), 0);
	lseek(fd, 0, SEEK_SET);
	char buf[128];
	expect("still-works", read(fd, buf, sizeof(buf)), motd);
	close(fd);

	/* a length far beyond FS_IO_MAX: capped */
	fd = open(T ".big", O_RDONLY, 0);
	static u8 in[FS_IO_MAX];
	q = (struct fs_req){.op = FS_READ, .len = 0xffffffff};
	expect("lie-huge-read", raw(fd, &q, NULL, 0, in, sizeof(in)), FS_IO_MAX);
	expect("huge-read-data", memcmp(in, big, FS_IO_MAX), 0);
	close(fd);

	/* a write announcing more than a message may carry: the server cannot
	   tell where its data would end, and ends the connection */
	fd = open(T ".big", O_RDWR, 0);
	q = (struct fs_req){.op = FS_WRITE, .len = 1u << 20};
	expect("lie-huge-write", raw(fd, &q, NULL, 0, NULL, 0), -EPIPE);
	expect("lie-huge-write-then-read", read(fd, buf, 10), -EIO);
	close(fd);
	expect("huge-write-wrote-nothing", file_size(T ".big"), BIG);

	/* half a request, then gone */
	fd = open(MOTD, O_RDONLY, 0);
	pipe_is_conn(fd);
	pipe_write_all(fd, &q, sizeof(q) / 2);
	close(fd);
	expect("half-request-server-up", file_size(MOTD), motd);

	/* a ring index that claims more than the ring holds */
	fd = open(MOTD, O_RDONLY, 0);
	pipe_is_conn(fd);
	struct pipe_attach pa;
	struct sqe e = {.opcode = OP_PIPE_ATTACH, .fd = fd, .addr = (uptr)&pa};
	ring_call(&e, NULL);
	struct pipe_hdr *h = (struct pipe_hdr *)(uptr)pa.hdr;
	int e1 = !pa.end; /* the server's inbox: we write its tail */
	__atomic_store_n(&h->tail[e1].v, h->head[e1].v + 5 * PIPE_SIZE, __ATOMIC_RELEASE);
	file_size("/"); /* a request on the control channel wakes the server */
	struct fs_reply a;
	expect("lying-index-dropped", pipe_read_all(fd, &a, sizeof(a)), 0);
	close(fd);

	/* answers not read: requests in a row whose answers overfill our
	   inbox (each read from the start again: the file is smaller) */
	fd = open(T ".big", O_RDONLY, 0);
	pipe_is_conn(fd);
	int start = conns();
	struct fs_req rewind = {.op = FS_SEEK, .flags = SEEK_SET};
	q = (struct fs_req){.op = FS_READ, .len = FS_IO_MAX};
	for (int i = 0; i < PIPE_SIZE / FS_IO_MAX + 1; i++) {
		pipe_write_all(fd, &rewind, sizeof(rewind));
		pipe_write_all(fd, &q, sizeof(q));
	}
	expect("unread-answers-dropped", conns_settled(start - 1), start - 1);
	close(fd);
	unlink(T ".big");
	expect("liar-server-up", file_size(MOTD), motd);
}

/* ---- a client stopped half-way ----------------------------------------- */

static void stall(void)
{
	long motd = file_size(MOTD);
	int fd = open(MOTD, O_RDONLY, 0);
	struct fs_req q = {.op = FS_READ, .len = 10};
	pipe_is_conn(fd);
	pipe_write_all(fd, &q, 100); /* a third of a request, and nothing more */
	char buf[128];
	int fd2 = open(MOTD, O_RDONLY, 0);
	expect("served-during-stall", read(fd2, buf, sizeof(buf)), motd);
	close(fd2);
	u64 t0 = now_ns();
	struct fs_reply a;
	expect("stalled-dropped", pipe_read_all(fd, &a, sizeof(a)), 0); /* end of file */
	u64 ms = (now_ns() - t0) / MS;
	if (ms < 60000) /* fsd's limit is a second; a minute is for a busy host */
		ok("stalled-dropped-in-time");
	else
		fail("stalled-dropped-in-time", "after %llu ms", ms);
	close(fd);
}

/* ---- many connections -------------------------------------------------- */

static void many(void)
{
	int fds[40], n = 0, r = 0, start = conns();
	while (n < 40 && (r = open(MOTD, O_RDONLY, 0)) >= 0)
		fds[n++] = r;
	expect("many-open", n >= 20, 1);
	/* our descriptor table (-EMFILE), or the server's (-ENFILE) */
	expect("many-full", r == -EMFILE || r == -ENFILE, 1);
	expect("many-counted", conns(), start + n);
	long motd = file_size(MOTD), good = 0;
	char buf[128];
	for (int i = n - 1; i >= 0; i--)
		good += read(fds[i], buf, sizeof(buf)) == motd;
	expect("many-read", good, n);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	expect("many-closed", conns_settled(start), start);
	int fd = open(MOTD, O_RDONLY, 0);
	expect("open-after-many", fd >= 0, 1);
	close(fd);
}

/* ---- one user cannot fill the server's table ---------------------------- */

/*
 * `fstest fill PATH` (run as some user): open PATH until refused, write
 * how many and the error to fd 1 (two ints), and hold them until killed.
 */
static int fill(const char *path)
{
	int r[2] = {0, 0};
	while ((r[1] = open(path, O_RDONLY, 0)) >= 0)
		r[0]++;
	write(1, r, sizeof(r));
	while (msleep(1000) >= 0)
		; /* until killed */
	return 1;
}

/* Run `fstest mode` as uid, its fd 1 a pipe: its pid, and n bytes it wrote into out. */
static int child(char *mode, int uid, void *out, size_t n)
{
	int p[2];
	memset(out, 0, n);
	if (pipe(p) < 0)
		return -1;
	int fds[] = {0, p[1], 2};
	char *argv[] = {"fstest", mode, MOTD, NULL};
	int pid = spawn(SELF, argv, fds, 3, uid, uid);
	close(p[1]);
	if (pid >= 0)
		pipe_read_all(p[0], out, n); /* the child's answer, or end of file if it died */
	close(p[0]);
	return pid;
}

static void reap(int pid)
{
	int st;
	kill(pid);
	waitpid(pid, &st);
}

/*
 * The server's table of connections is shared: a user gets a share of
 * it, all users but root together a bigger one, and the rest is root's
 * (fsd.c). Two users open all they can; they are refused with -ENFILE
 * (a table of the system is full, not theirs: that is -EMFILE), and
 * root can still open files.
 */
static void share(void)
{
	int start = conns(), a[2], b[2];
	int pa = child("fill", USER, a, sizeof(a));
	expect("share-user-opened", a[0] > 0, 1);
	expect("share-user-refused", a[1], -ENFILE);
	int pb = child("fill", USER + 1, b, sizeof(b));
	expect("share-users-refused", b[1], -ENFILE);
	int fds[4], n = 0;
	while (n < 4 && (fds[n] = open(MOTD, O_RDONLY, 0)) >= 0)
		n++;
	expect("share-root-opens", n, 4);
	char buf[128];
	expect("share-root-reads", n > 0 && read(fds[0], buf, sizeof(buf)) == file_size(MOTD), 1);
	while (n > 0)
		close(fds[--n]);
	reap(pa);
	reap(pb);
	expect("share-closed", conns_settled(start), start);
}

/* ---- one user cannot fill the kernel's requests to a server ------------ */

#define QUIET	"/quiet" /* where a server that never answers mounts */
#define ROUNDS	5	 /* tries, should a request time out on a busy host */
#define PENDING 1	 /* flood's report: its last open is in flight */

/*
 * Open QUIET/x n times in one batch: the last one's result if it came
 * back at once, PENDING if it is in flight, 0 if another came back too
 * (a timeout on a busy host: the round proves nothing). *got: how many
 * came back, *late: how many of those timed out.
 */
static int flood_start(int n, int *got, int *late)
{
	struct cqe c[64];
	for (int i = 0; i < n; i++) {
		struct sqe *e = sq_get();
		if (!e)
			return 0;
		*e = (struct sqe){.opcode = OP_OPEN, .addr = (uptr)QUIET "/x", .user_data = i};
	}
	if (sq_submit() != n)
		return 0;
	int k = cq_reap(c, 64);
	*got = k;
	*late = 0;
	for (int i = 0; i < k; i++)
		*late += c[i].res == -ETIMEDOUT;
	return k == 0 ? PENDING : k == 1 && c[0].user_data == (u64)n - 1 ? c[0].res : 0;
}

/* The rest of flood_start's n: how many of them timed out, added to late. */
static int flood_end(int n, int got, int late)
{
	struct cqe c[64];
	while (got < n) {
		int k = cq_wait(c, 64);
		if (k < 0)
			return n; /* count it as a round that proves nothing */
		for (int i = 0; i < k; i++)
			late += c[i].res == -ETIMEDOUT;
		got += k;
	}
	return late;
}

/* `fstest flood N` (as some user): flood_start's result on fd 1, then flood_end's. */
static int flood(int n)
{
	int got, late, r = flood_start(n, &got, &late);
	write(1, &r, sizeof(r));
	late = flood_end(n, got, late);
	write(1, &late, sizeof(late));
	return 0;
}

/* `fstest quiet`: mount QUIET, say so on fd 1, and never answer. */
static int quiet(void)
{
	struct sqe m = {.opcode = OP_MOUNT, .addr = (uptr)QUIET};
	if (ring_call(&m, NULL) < 0)
		return 1;
	write(1, "m", 1);
	while (msleep(1000) >= 0)
		; /* until killed */
	return 1;
}

/* Run `fstest mode arg` as uid, its fd 1 a pipe we keep: its pid. */
static int helper(char *mode, char *arg, int uid, int *out)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	int fds[] = {0, p[1], 2};
	char *argv[] = {"fstest", mode, arg, NULL};
	int pid = spawn(SELF, argv, fds, 3, uid, uid);
	close(p[1]);
	*out = p[0];
	return pid;
}

/*
 * The kernel's requests in flight to one server are shared too
 * (kernel/fs.c, docs/servers.md): a user past its share is refused with
 * -EAGAIN, users past theirs with -ENFILE, and root still gets in. A
 * server that never answers keeps them in flight: three users fill
 * their shares in a batch each, a fourth is refused, root is not. Were
 * any request to time out meanwhile (a very busy host), the round
 * proves nothing and is done again.
 */
static void requests(void)
{
	int want[] = {-EAGAIN, -EAGAIN, -EAGAIN, -ENFILE}, n[] = {17, 17, 17, 1};
	int got[4], late = 0, round;
	for (round = 0; round < ROUNDS; round++) {
		int sp, pid[4], fd[4], rgot, rlate;
		char c = 0;
		int spid = helper("quiet", "-", -1, &sp);
		bool up = spid >= 0 && pipe_read_all(sp, &c, 1) == 1;
		close(sp);
		if (!up) {
			fail("requests-server-up", "the quiet server did not mount");
			return;
		}
		for (int i = 0; i < 4; i++) {
			char num[8];
			snprintf(num, sizeof(num), "%d", n[i]);
			got[i] = 0;
			pid[i] = helper("flood", num, USER + i, &fd[i]);
			if (pid[i] < 0 || pipe_read_all(fd[i], &got[i], sizeof(int)) != sizeof(int))
				got[i] = 0;
		}
		int root = flood_start(1, &rgot, &rlate);
		reap(spid); /* every request in flight fails with -EIO */
		late = flood_end(1, rgot, rlate);
		for (int i = 0; i < 4; i++) {
			int l = 1;
			if (pipe_read_all(fd[i], &l, sizeof(l)) != sizeof(l))
				l = 1;
			late += l;
			close(fd[i]);
			reap(pid[i]);
		}
		bool sure = late == 0 && root != 0;
		for (int i = 0; i < 4; i++)
			sure &= got[i] != 0;
		if (!sure)
			continue;
		for (int i = 0; i < 4; i++) {
			char name[32];
			snprintf(name, sizeof(name), "requests-user%d-refused", i);
			expect(name, got[i], want[i]);
		}
		expect("requests-root-in-flight", root, PENDING);
		break;
	}
	expect("requests-round-without-timeouts", round < ROUNDS, 1);
}

/* ---- a client that takes its bytes back ------------------------------- */

#define WFILE "/home/user/fstest.w"
#define TRIES 40

/* fd's pipe header (fd: a connection), and which ring is the server's inbox. */
static struct pipe_hdr *header(int fd, int *srv)
{
	struct pipe_attach pa;
	struct sqe e = {.opcode = OP_PIPE_ATTACH, .fd = fd, .addr = (uptr)&pa};
	if (!pipe_is_conn(fd) || ring_call(&e, NULL) < 0)
		return NULL;
	*srv = !pa.end;
	return (struct pipe_hdr *)(uptr)pa.hdr;
}

/*
 * One try: an FS_WRITE of FS_IO_MAX bytes ending at 1 MiB, all of it
 * sent; once the server has taken the request, `delay` turns later, the
 * data is taken back (our tail moves back to the request's end). The
 * server must drop us or not have looked yet, never wait for the bytes:
 * 1 if it was found doing that (asleep on us, our bytes gone, no answer;
 * then the connection stays open, so it stays asleep), 0 if not, -1 if
 * the try could not be made.
 */
static int retract_once(unsigned long delay)
{
	static u8 data[FS_IO_MAX];
	unlink(WFILE); /* a new file each time: the write grows it to 1 MiB, a long step */
	int fd = open(WFILE, O_CREAT | O_RDWR, 0644), srv;
	struct pipe_hdr *h = fd >= 0 ? header(fd, &srv) : NULL;
	if (!h || lseek(fd, (1 << 20) - FS_IO_MAX, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	struct fs_req q = {.op = FS_WRITE, .len = FS_IO_MAX};
	unsigned start = h->tail[srv].v, req = start + sizeof(q), full = req + FS_IO_MAX;
	volatile unsigned *head = &h->head[srv].v, *closed = &h->closed[srv];
	pipe_write_all(fd, &q, sizeof(q));
	pipe_write_all(fd, data, sizeof(data));
	for (long i = 0; i < 10000000 && *head == start && !*closed; i++)
		; /* until the server has taken the request */
	for (volatile unsigned long i = 0; i < delay; i++)
		;
	bool lied = false;
	if (*head == req) { /* it has not taken the data yet: take it back */
		__atomic_store_n(&h->tail[srv].v, req, __ATOMIC_RELEASE);
		lied = true;
	}
	int stuck = 0;
	for (int i = 0; lied && i < 100 && !*closed && *head == req; i++) {
		if (__atomic_load_n(&h->waiting[srv], __ATOMIC_ACQUIRE)) {
			stuck = 1; /* asleep, with a request of ours half-served */
			break;
		}
		msleep(1);
	}
	if (stuck)
		return 1;
	if (lied && !*closed && *head == req)
		__atomic_store_n(&h->tail[srv].v, full, __ATOMIC_RELEASE); /* the truth again */
	struct fs_reply a;
	pipe_read_all(fd, &a, sizeof(a)); /* the answer, or end of file: dropped */
	close(fd);
	return 0;
}

/* `fstest retract` (as the unprivileged user): TRIES tries, each taking the
   data back a little later; writes to fd 1 whether the server waited for
   it, then holds its connections until killed. */
static int retractor(void)
{
	int stuck = 0;
	for (int i = 0; i < TRIES && stuck == 0; i++)
		stuck = retract_once((1ul << (i / 2)) * (2 + i % 2) / 2);
	write(1, &stuck, sizeof(stuck));
	while (msleep(1000) >= 0)
		; /* until killed */
	return 1;
}

/*
 * A server must never block on one client: one that promises the bytes
 * of a write and takes them back after the server looked loses its
 * connection, and everyone else is served meanwhile.
 */
static void retract(void)
{
	int stuck = -1, start = conns();
	int pid = child("retract", USER, &stuck, sizeof(stuck));
	expect("retract-not-waited-for", stuck, 0);
	struct fs_stat st;
	expect("retract-others-stat", stat(MOTD, &st), 0);
	int fd = open(MOTD, O_RDONLY, 0);
	expect("retract-others-open", fd >= 0, 1);
	close(fd);
	reap(pid);
	expect("retract-closed", conns_settled(start), start);
	unlink(WFILE);
}

/* ---- a server that dies ------------------------------------------------ */

#define CRASH	  "/crash" /* where the dying server mounts */
#define CRASH_MAX 80	   /* more steps than crash_work takes */
#define CALLS	  9	   /* crash_work's calls */

/* One call of crash_work: counted if it did its work, and whether it did
   after one before it failed (it must not: the server is gone). */
static void crash_call(bool good, int *done, int *late, bool *failed)
{
	if (good && !*failed)
		(*done)++;
	else if (good)
		(*late)++;
	else
		*failed = true;
}

/* A client's work on the server at CRASH: how many calls succeeded before
   the first that failed; *late: calls that succeeded after that. */
static int crash_work(int *late)
{
	static u8 out[FS_IO_MAX], in[FS_IO_MAX];
	struct fs_stat st;
	int done = 0, fd;
	bool failed = false;
	*late = 0;
	fd = open(CRASH "/f", O_CREAT | O_RDWR, 0644);
	crash_call(fd >= 0, &done, late, &failed);
	crash_call(write(fd, out, sizeof(out)) == sizeof(out), &done, late, &failed);
	crash_call(lseek(fd, 0, SEEK_SET) == 0, &done, late, &failed);
	crash_call(read(fd, in, sizeof(in)) == sizeof(in), &done, late, &failed);
	crash_call(fstat(fd, &st) == 0 && st.size == sizeof(out), &done, late, &failed);
	crash_call(stat(CRASH "/f", &st) == 0, &done, late, &failed);
	crash_call(mkdir(CRASH "/d", 0755) == 0, &done, late, &failed);
	crash_call(rename(CRASH "/f", CRASH "/d/g") == 0, &done, late, &failed);
	crash_call(unlink(CRASH "/d/g") == 0, &done, late, &failed);
	close(fd);
	return done;
}

/*
 * A file server killed at any step of any request, not only between
 * requests: `fsd CRASH n` kills itself at its n-th step (fsd.c: each
 * point where it holds a request taken and not fully answered, the
 * kernel's or a client's). For n = 1, 2, ... until it lives through the
 * whole of crash_work: the work ends (no call hangs), every call before
 * the death succeeded, every one after it fails, and a later death
 * lets no less work be done. Counted steps, not time: every step of
 * the work is hit once.
 */
static void crash(void)
{
	int start = conns(), n, done = 0, last = 0, late = 0, fewer = 0, deaths = 0;
	for (n = 1; n <= CRASH_MAX && done < CALLS; n++) {
		int p[2], l;
		char num[16];
		snprintf(num, sizeof(num), "%d", n);
		char *argv[] = {"fsd", CRASH, num, NULL};
		if (pipe(p) < 0)
			break;
		int fds[] = {0, p[1], 2};
		int pid = spawn("/bin/fsd", argv, fds, 3, -1, -1);
		close(p[1]);
		char c;
		bool up = pid >= 0 && pipe_read_all(p[0], &c, 1) == 1; /* it has mounted */
		close(p[0]);
		if (!up) {
			fail("crash-server-up", "step %d: the server did not mount", n);
			if (pid >= 0)
				reap(pid);
			break;
		}
		done = crash_work(&l);
		late += l;
		fewer += done < last;
		deaths += done < CALLS;
		last = done;
		reap(pid);
	}
	printf("fstest: the server killed at each of %d steps in turn\n", n - 2);
	expect("crash-lived-at-last", done, CALLS);
	/* each call is two steps or more: so many deaths, each somewhere else */
	expect("crash-every-step", deaths >= 2 * CALLS, 1);
	expect("crash-nothing-after-death", late, 0);
	expect("crash-later-death-more-done", fewer, 0);
	expect("crash-others-served", file_size(MOTD) > 0 && conns_settled(start) == start, 1);
}

/* ---- servers that let their clients down ------------------------------ */

#define HOSTILE "/hostile" /* where a server that lets its client down mounts */

/* Answer the kernel's request q on ctl: res, and a file anyone may read and write. */
static void ctl_answer(int ctl, const struct fs_req *q, int res)
{
	struct fs_reply a = {.id = q->id, .res = res, .st = {.ino = 1, .mode = S_IFREG | 0666}};
	write(ctl, &a, sizeof(a));
}

/*
 * `fstest hostile MODE` (root): a server at HOSTILE that lets its one
 * client down once the client's first request is in its ring - the
 * client is then waiting for the answer. MODE "silent" never answers,
 * "short" promises 100 bytes and gives 10, "die" exits. It writes a
 * byte to fd 1 once it has mounted.
 */
static int hostile(const char *mode)
{
	static const char junk[10] = "0123456789";
	struct sqe m = {.opcode = OP_MOUNT, .addr = (uptr)HOSTILE};
	int ctl = ring_call(&m, NULL), conn = -1;
	struct fs_req q;
	if (ctl < 0)
		return 1;
	write(1, "m", 1);
	while (conn < 0 && read(ctl, &q, sizeof(q)) == sizeof(q)) { /* the client's open */
		if (q.op == FS_CONNECT)
			conn = q.conn;
		ctl_answer(ctl, &q, q.op == FS_LOOKUP || q.op == FS_CONNECT ? 0 : -ENOSYS);
	}
	while (conn >= 0 && pipe_avail(conn) < (long)sizeof(q))
		pipe_wait_any(&conn, 1, -1);
	if (conn < 0 || !strcmp(mode, "die"))
		return 0;
	if (!strcmp(mode, "short") && pipe_take(conn, &q, sizeof(q)) == sizeof(q)) {
		struct fs_reply a = {.id = q.id, .res = 100};
		pipe_give(conn, &a, sizeof(a));
		pipe_give(conn, junk, sizeof(junk));
	}
	while (msleep(1000) >= 0)
		; /* until killed */
	return 1;
}

/* Start `fstest hostile mode` and open HOSTILE/x on it: the server's pid; *fd the connection. */
static int hostile_start(char *mode, int *fd)
{
	int p = -1;
	char c;
	int pid = helper("hostile", mode, -1, &p);
	bool up = pid >= 0 && pipe_read_all(p, &c, 1) == 1;
	close(p);
	*fd = up ? open(HOSTILE "/x", O_RDWR, 0) : -1;
	return pid;
}

/*
 * The C library does not wait for ever on a server (file.c): one that
 * does not answer, or promises more than it gives, fails the call with
 * -ETIMEDOUT (after FS_TIMEOUT_MS) and every call after it with -EIO
 * (the connection is out of step); one that dies while the client waits
 * fails it with -EIO - its end's closing wakes the client, which would
 * otherwise sleep into the timeout and see -ETIMEDOUT instead.
 */
static void hostile_servers(void)
{
	static char buf[100];
	struct fs_stat st;
	int fd, pid = hostile_start("silent", &fd);
	expect("hostile-open", fd >= 0, 1);
	expect("hostile-silent", read(fd, buf, sizeof(buf)), -ETIMEDOUT);
	expect("hostile-silent-after", fstat(fd, &st), -EIO);
	close(fd);
	reap(pid);
	pid = hostile_start("short", &fd);
	expect("hostile-short", read(fd, buf, sizeof(buf)), -ETIMEDOUT);
	expect("hostile-short-after", read(fd, buf, sizeof(buf)), -EIO);
	close(fd);
	reap(pid);
	pid = hostile_start("die", &fd);
	expect("hostile-died-waiting", read(fd, buf, sizeof(buf)), -EIO);
	expect("hostile-died-after", write(fd, buf, sizeof(buf)), -EIO);
	close(fd);
	reap(pid);
}

/* ---- init restarts the file server ------------------------------------- */

#define RESTARTS    2	     /* fsd killed, restarted, killed again... */
#define HOGS	    3	     /* clients in the middle of requests when it dies */
#define HANG_MS	    60000ull /* only a hang takes this long */
#define START_TRIES 5	     /* init.c's: failed starts in a row before it gives up */

/* The file server init started (its child named fsd), or -1. */
static int fsd_pid(void)
{
	static struct procinfo ps_[64];
	int n = ps(ps_, ARRAY_SIZE(ps_));
	for (int i = 0; i < n; i++)
		if (ps_[i].ppid == 1 && !strcmp(ps_[i].name, "fsd") && ps_[i].state != PROC_ZOMBIE)
			return ps_[i].pid;
	return -1;
}

/* Wait for child pid to exit, HANG_MS at most: its status, or -1 (then it is killed). */
static int ended(int pid)
{
	struct wait_item it = {.type = WAIT_CHILD, .id = pid};
	struct wait_event ev;
	int st = -1;
	if (wait(&it, 1, &ev, 1, HANG_MS * MS) != 1) {
		reap(pid);
		return -1;
	}
	waitpid(pid, &st);
	return st;
}

/*
 * `fstest restart WORD` (root; it kills the system's file server): the
 * file server killed while clients are in the middle of requests,
 * RESTARTS times. Every client gets an error and ends (none hangs), the
 * descriptors opened before stay errors, init starts a new fsd, and
 * opens work again. On a disk (blkd serves /dev/disk: docs/disk.md)
 * /tmp/WORD, made before, is still there, byte-exact: its write was
 * durable when it was answered. In memory the new fsd has the tree as
 * the boot archive has it, and /tmp/WORD is gone.
 */
static int restart(const char *word)
{
	static char motd[256], buf[256];
	char path[64];
	snprintf(path, sizeof(path), "/tmp/%s", word);
	int fd = open(MOTD, O_RDONLY, 0);
	long n = fd < 0 ? fd : slurp(fd, motd, sizeof(motd));
	close(fd);
	expect("restart-motd", n > 0, 1);
	struct fs_stat dst;
	bool disk = stat("/dev/disk", &dst) == 0; /* a driver: fsd's tree is on it */
	for (int round = 0; round < RESTARTS; round++) {
		int old = fsd_pid(), pid[HOGS], opened = 0;
		expect("restart-make", make(path, word, strlen(word), 0644), 0);
		int before = open(path, O_RDONLY, 0);
		for (int i = 0; i < HOGS; i++) {
			int p = -1;
			char c = 0;
			pid[i] = helper("reader", MOTD, -1, &p);
			opened += pid[i] >= 0 && pipe_read_all(p, &c, 1) == 1 && c == 'o';
			close(p);
		}
		expect("restart-hogs-reading", opened, HOGS);
		expect("restart-kill", kill(old), 0);
		for (int i = 0; i < HOGS; i++)
			expect("restart-hog-failed", ended(pid[i]), 1); /* hog's "let down" */
		expect("restart-old-read", read(before, buf, sizeof(buf)), -EIO);
		int now = -1;
		for (u64 t0 = now_ns(); now_ns() - t0 < HANG_MS * MS; sleep_ns(10 * MS)) {
			struct fs_stat st;
			now = fsd_pid();
			if (now > 0 && now != old && stat("/", &st) == 0)
				break;
		}
		printf("fstest: fsd pid %d killed, pid %d serves\n", old, now);
		expect("restart-new-server", now > 0 && now != old, 1);
		fd = open(MOTD, O_RDONLY, 0);
		expect("restart-open", fd >= 0, 1);
		expect("restart-read", slurp(fd, buf, sizeof(buf)), n);
		expect("restart-same", memcmp(buf, motd, n), 0);
		close(fd);
		struct fs_stat st;
		if (disk) {
			fd = open(path, O_RDONLY, 0);
			long k = fd < 0 ? fd : slurp(fd, buf, sizeof(buf));
			close(fd);
			expect("restart-file-kept",
			       k == (long)strlen(word) && !memcmp(buf, word, k), 1);
		} else {
			expect("restart-tree-from-archive", stat(path, &st), -ENOENT);
		}
		expect("restart-old-stays-error", fstat(before, &st), -EIO);
		close(before);
	}
	return summary("fstest");
}

#define FAULTS 2 /* giveup's first starts that crash */

/*
 * A copy of the program image p (n bytes) whose first instruction is an
 * illegal one, or NULL. The ELF64 header's fields are read at their
 * offsets: the entry point (24), the program headers' offset (32), size
 * (54) and number (56); the loadable one holding the entry gives its
 * place in the file (p_offset 8, p_vaddr 16, p_filesz 32).
 */
static u8 *crashing(const u8 *p, long n)
{
#ifdef __riscv
	static const u8 illegal[2] = {0, 0}; /* c.unimp */
#else
	static const u8 illegal[2] = {0x0f, 0x0b}; /* ud2 */
#endif
	u64 entry, phoff, off, vaddr, filesz;
	u16 phsize, phnum;
	u32 type;
	u8 *bad = n > 64 ? malloc(n) : NULL;
	if (!bad)
		return NULL;
	memcpy(bad, p, n);
	memcpy(&entry, p + 24, 8);
	memcpy(&phoff, p + 32, 8);
	memcpy(&phsize, p + 54, 2);
	memcpy(&phnum, p + 56, 2);
	for (unsigned i = 0; i < phnum && phoff + (i + 1) * phsize <= (u64)n; i++) {
		const u8 *ph = p + phoff + i * phsize;
		memcpy(&type, ph, 4);
		memcpy(&off, ph + 8, 8);
		memcpy(&vaddr, ph + 16, 8);
		memcpy(&filesz, ph + 32, 8);
		if (type == 1 && entry - vaddr + 2 <= filesz && off + entry - vaddr + 2 <= (u64)n) {
			memcpy(bad + off + entry - vaddr, illegal, 2);
			return bad;
		}
	}
	free(bad);
	return NULL;
}

/*
 * `fstest giveup` (root; it leaves the system without a file server): a
 * server that dies as soon as it starts, every time. A server of our own
 * at /bin answers init's spawn of /bin/fsd with /bin/false's bytes (any
 * other lookup: -ENOENT), and the real fsd is killed. The first FAULTS
 * times, the entry point in those bytes is 0: the server crashes on a
 * fault (status STATUS_FAULT) instead of exiting. init must try
 * START_TRIES times and then give up on it (init.c); were it to try
 * again, it would find no /bin of ours (we have exited) and start the
 * real fsd, and never print that it gave up - the grader's check.
 */
static int giveup(void)
{
	long n;
	u8 *prog = load_file("/bin/false", &n), *bad = prog ? crashing(prog, n) : NULL;
	static u8 out[sizeof(struct fs_reply) + FS_EXEC_CHUNK];
	int old = fsd_pid(), starts = 0, ctl = -EINVAL;
	struct sqe m = {.opcode = OP_MOUNT, .addr = (uptr) "/bin"};
	if (bad && old > 0)
		ctl = ring_call(&m, NULL);
	if (ctl < 0) {
		fail("giveup-mount", "/bin/false %s, fsd pid %d, mount %s",
		     bad ? "loaded" : "not loaded or not understood", old, show(ctl));
		return summary("fstest");
	}
	expect("giveup-kill", kill(old), 0);
	struct fs_req q;
	while (starts < START_TRIES && read(ctl, &q, sizeof(q)) == sizeof(q)) {
		struct fs_reply *a = (struct fs_reply *)out;
		*a = (struct fs_reply){.id = q.id, .res = -ENOENT};
		u32 len = 0;
		if (q.op == FS_LOOKUP && !strcmp(q.path, "/fsd")) {
			a->res = 0;
			a->st = (struct fs_stat){.ino = 2, .size = n, .mode = S_IFREG | 0755};
		} else if (q.op == FS_EXEC && q.ino == 2 && q.off + q.len <= (u64)n &&
			   q.len <= FS_EXEC_CHUNK) {
			len = q.len;
			a->res = len;
			memcpy(out + sizeof(*a), (starts < FAULTS ? bad : prog) + q.off, len);
			starts += q.off + len == (u64)n; /* its last chunk: it runs */
		}
		write(ctl, out, sizeof(*a) + len);
	}
	printf("fstest: init started the dying server %d times\n", starts);
	expect("giveup-starts", starts, START_TRIES);
	return summary("fstest");
}

/* ---- clients that die ------------------------------------------------- */

static void killed(void)
{
	static u8 big[BIG];
	make(T ".k", big, BIG, 0644);
	int start = conns();
	char *argv[] = {"fstest", "hog", T ".k", NULL};
	int pid = spawn(SELF, argv, NULL, 0, -1, -1);
	for (int i = 0; i < 12000 && conns() == start; i++) /* until it has opened */
		sleep_ns(5 * MS);
	sleep_ns(20 * MS); /* in the middle of its reads */
	kill(pid);
	int st;
	waitpid(pid, &st);
	expect("hog-killed", st, STATUS_KILLED);
	expect("killed-closed", conns_settled(start), start);
	expect("leave", as_user("leave", T ".k"), 0);
	expect("left-closed", conns_settled(start), start);
	unlink(T ".k");
}

/* `fstest hog PATH` / `fstest reader PATH`: the same, but the reader
   first says on fd 1 whether it opened PATH (restart) */
static int hog(const char *path, bool tell)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY, 0);
	if (tell)
		write(1, fd >= 0 ? "o" : "x", 1);
	while (lseek(fd, 0, SEEK_SET) == 0)
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	return 1; /* only if the server let us down */
}

/* ---- what a read costs --------------------------------------------------- */

#define READS 200

static void cost(bool report)
{
	static u8 buf[4096];
	make(T ".cost", buf, sizeof(buf), 0644);
	int fd = open(T ".cost", O_RDONLY, 0);
	read(fd, buf, sizeof(buf)); /* attach first: that costs two, once */
	struct kstats a, b;
	long bad = 0;
	kstats(&a);
	for (int i = 0; i < READS; i++) {
		lseek(fd, 0, SEEK_SET);
		bad += read(fd, buf, sizeof(buf)) != sizeof(buf);
	}
	kstats(&b);
	u64 n = b.thread[KS_SYSCALL] + b.thread[KS_EXCEPTION] - a.thread[KS_SYSCALL] -
		a.thread[KS_EXCEPTION];
	if (report)
		printf(
		    "fstest: %u CPUs: %d reads of 4096 bytes (and seeks): %llu kernel entries in "
		    "the client (%llu.%02llu per read)\n",
		    b.ncpu, READS, n, n / READS, n % READS * 100 / READS);
	expect("cost-reads", bad, 0);
	/* A seek and a read are two messages. While the server keeps up,
	   neither enters the kernel; when it sleeps, waking it is one send,
	   and our own sleep (one CPU: the server cannot run while we spin) a
	   few more: masking, wait, unmasking, the handler's return - each an
	   emulated instruction or a system call. A dozen per message would
	   mean something polls through the kernel. */
	if (n <= 24ull * READS)
		ok("cost-entries");
	else
		fail("cost-entries", "%llu kernel entries for %d reads", n, READS);
	close(fd);
	unlink(T ".cost");
}

/* ---------------------------------------------------------------------- */

static void cost_quiet(void)
{
	cost(false);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
    {"basics", basics},	    {"dirs", dirs},	    {"denials", denials},
    {"chmod", chmod_open},  {"liar", liar},	    {"stall", stall},
    {"many", many},	    {"killed", killed},	    {"cost", cost_quiet},
    {"share", share},	    {"retract", retract},   {"crash", crash},
    {"programs", programs}, {"requests", requests}, {"hostile", hostile_servers},
};

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "user") == 0)
		return user_checks();
	if (argc == 3 && strcmp(argv[1], "open") == 0) {
		int fd = open(argv[2], O_RDONLY, 0);
		return fd < 0 ? -fd : 0;
	}
	if (argc == 3 && (!strcmp(argv[1], "hog") || !strcmp(argv[1], "reader")))
		return hog(argv[2], argv[1][0] == 'r');
	if (argc == 3 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2]);
	if (argc == 3 && strcmp(argv[1], "retract") == 0)
		return retractor();
	if (argc == 3 && strcmp(argv[1], "flood") == 0)
		return flood(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "quiet") == 0)
		return quiet();
	if (argc == 3 && strcmp(argv[1], "hostile") == 0)
		return hostile(argv[2]);
	if (argc == 3 && strcmp(argv[1], "restart") == 0)
		return restart(argv[2]);
	if (argc == 2 && strcmp(argv[1], "giveup") == 0)
		return giveup();
	if (argc == 3 && strcmp(argv[1], "leave") == 0)
		return open(argv[2], O_RDONLY, 0) < 0; /* exit closes it */
	struct fs_stat st;
	if (stat("/", &st) < 0) {
		fail("server", "stat(\"/\"): %s", errstr(stat("/", &st)));
		return summary("fstest");
	}
	char name[48];
	for (int round = 0; round < 2; round++) { /* the first grows the kernel's heap */
		for (size_t i = 0; i < ARRAY_SIZE(tests); i++) {
			u64 pages = round ? free_pages_settled() : 0;
			int c = conns();
			tests[i].fn();
			snprintf(name, sizeof(name), "%s-conns", tests[i].name);
			expect(name, conns_settled(c), c);
			if (round) {
				snprintf(name, sizeof(name), "%s-pages", tests[i].name);
				expect_no_leak(name, pages);
			}
		}
	}
	cost(true);
	return summary("fstest");
}
