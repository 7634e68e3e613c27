/*
 * fs.h - files: what a program, the kernel and the file server (fsd)
 * say to each other (docs/servers.md).
 *
 * Files live in a server, not in the kernel. The kernel takes part only
 * where trust is needed: it knows who the caller is.
 *
 *   program            kernel                          fsd (the server)
 *   OP_OPEN(path) ---> FS_LOOKUP {path, uid, gid} ---> checks the path
 *                      <--- reply {ino, uid, gid, mode} (or -ENOENT...)
 *                      checks uid/gid against mode:
 *                      -EACCES, or: makes a connection
 *                      (a hardware pipe), gives one end
 *                      to the server:
 *                      FS_CONNECT {ino, access, fd} ---> remembers it
 *                      <--- reply 0
 *   <--- fd (the other end)
 *   read/write/fstat: messages on the connection, no kernel   <---->
 *   close(fd) -------> the pipe end closes; the server sees end of file
 *   spawn(path) -----> FS_LOOKUP, checks the execute bit, then FS_EXEC
 *                      for the program's bytes, a chunk at a time
 *
 * The control channel (kernel <-> server) is the descriptor OP_MOUNT
 * returns to the server: it reads struct fs_req from it (OP_READ, one
 * per call) and writes struct fs_reply to it (OP_WRITE). A server that
 * stops answering makes the waiting operation fail with -ETIMEDOUT
 * after FS_TIMEOUT_MS; one that exits makes them fail with -EIO.
 *
 * A connection carries the same structs: the client writes a request
 * (FS_READ, FS_WRITE with `len` bytes of data right after it, FS_FSTAT,
 * FS_SEEK, FS_TRUNC, FS_READDIR), the server answers with a reply,
 * followed for FS_READ / FS_READDIR by res bytes of data that it puts
 * straight into the connection's ring. The server checks every request
 * against the access the kernel granted at open (FS_CONNECT's flags):
 * a read-only connection cannot write. It never believes a client
 * about who it is: identities come only from the kernel.
 */
#pragma once

#define FS_PATH 128 /* the longest path, with its NUL */
/* How long the kernel (and the C library) waits for a server's answer
   before calling it hung. Only a hang may reach it: 2 s was reached by a
   healthy fsd on a host loaded far past its two cores (a shell's spawn
   timed out in a loaded grader run). */
#define FS_TIMEOUT_MS 10000
/* Most bytes one FS_READ / FS_WRITE moves. A request and its bytes, or
   an answer and its bytes, fit in an empty connection ring (PIPE_SIZE,
   16 KiB), so neither side waits for room half-way through a message.
   12 KiB rather than 8: a 64 KiB read is 6 round trips, not 8
   (115,928 -> 91,182 instructions on x86_64, docs/benchmarks.md). */
#define FS_IO_MAX     (12 << 10)
#define FS_EXEC_CHUNK (256u << 10) /* most bytes of a program one FS_EXEC answer carries */
#define FS_EXEC_MAX   (1u << 20)   /* the biggest program spawn loads from a server */

/* OP_OPEN's op_flags, and FS_CONNECT's `flags` (the access granted) */
#define O_RDONLY  0
#define O_WRONLY  1
#define O_RDWR	  2
#define O_ACCMODE 3
#define O_CREAT	  (1u << 6) /* create it if missing, with `mode` (and the caller as owner) */
#define O_TRUNC	  (1u << 9) /* make it empty */
#define O_EXCL	  (1u << 7) /* with O_CREAT: fail with -EEXIST if it exists */

/* FS_READ's and FS_WRITE's flags: FS_AT moves the bytes at `off`, not at
   the connection's offset, which stays where it was (pread/pwrite: one
   message where a seek and a read are two round trips). An offset above
   0x7fffffff is -EINVAL, as FS_SEEK's. Without it (0, what clients sent
   before FS_AT existed): at the connection's offset, which moves on. */
#define FS_AT 1

/* FS_SEEK's flags: where off counts from (lseek's whence) */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* st_mode: the type and the permission bits, as on Unix */
#define S_IFMT	0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_ISVTX                                                                                    \
	0001000 /* sticky: in a directory all may write, only a file's owner,                      \
		   the directory's owner or root may unlink or rename it (/tmp) */

/* What stat and fstat return. (ino, gen) is the file's identity: a file
 * replaced at its path (chmod does that, see below) has a new one. */
struct fs_stat {
	unsigned long long ino;
	unsigned long long gen;
	unsigned long long size;
	unsigned mode; /* S_IF* | permission bits */
	int uid, gid;
	unsigned nlink; /* directory entries naming it: 1, or 0 once unlinked or replaced */
	unsigned conns; /* the server's open connections, all files: every stat and fstat
			   reports it, so that tests can check they come back to where
			   they started (no connection leaked) */
};

/* One entry of a directory (FS_READDIR's data: an array of these). */
struct fs_dirent {
	unsigned long long ino;
	unsigned mode;
	unsigned pad;
	char name[56];
};

/* Requests: kernel -> server on the control channel (FS_LOOKUP ...
   FS_CHOWN), client -> server on a connection (FS_READ ... FS_READDIR). */
enum {
	FS_LOOKUP = 1, /* path, flags (O_CREAT, O_EXCL, O_TRUNC), mode: the file,
			  made if asked; reply: st. The server checks that the
			  caller may search every directory on the way, and may
			  create in the last one. */
	FS_CONNECT,    /* ino, flags (the access granted), conn (the server's new
			  descriptor for the connection), uid/gid (the opener's, as
			  in the FS_LOOKUP before it); reply: res 0, or -ENFILE
			  (the server's table, or the user's share of it, is full) */
	FS_STAT,       /* path: reply st */
	FS_MKDIR,      /* path, mode */
	FS_UNLINK,     /* path (a file, or an empty directory) */
	FS_RENAME,     /* path -> path2 */
	FS_CHMOD,      /* path, mode: owner or root only; makes a new file with the
			  new mode, copies the data, replaces the old one at its path
			  atomically: open descriptors keep the old file */
	FS_CHOWN,      /* path, uid2, gid2: root only; replaces the file, as chmod */
	FS_EXEC,       /* ino, off, len (at most FS_EXEC_CHUNK): a program's bytes
			  for spawn, after an FS_LOOKUP the kernel checked the
			  execute bit with. The reply is followed, in the same
			  write, by exactly len bytes (res = len), or is an error */
	FS_READ = 16,  /* len (flags FS_AT: and off): reply res bytes (0 at the
			  end), then the bytes */
	FS_WRITE,      /* len (flags FS_AT: and off), then len bytes: reply res
			  bytes written */
	FS_FSTAT,      /* reply st */
	FS_SEEK,       /* off, flags = SEEK_*: the connection's offset becomes off
			  (SEEK_SET), its offset + off (SEEK_CUR) or the size + off
			  (SEEK_END); reply res the new offset (-EINVAL below 0 or
			  above 0x7fffffff) */
	FS_TRUNC,      /* off: the file's size becomes off */
	FS_READDIR,    /* len: up to len bytes of struct fs_dirent from the
			  connection's offset (an index) on */
};

struct fs_req {
	unsigned op;  /* FS_* */
	unsigned id;  /* copied into the reply */
	int uid, gid; /* control: the caller's, from the kernel. Connection: unused */
	unsigned flags;
	unsigned mode;
	int uid2, gid2; /* FS_CHOWN: the new owner and group (-1 keeps it) */
	unsigned long long ino;
	unsigned long long off;
	unsigned len;
	int conn; /* FS_CONNECT */
	char path[FS_PATH];
	char path2[FS_PATH];
};

struct fs_reply {
	unsigned id;
	int res; /* >= 0, or -E* */
	struct fs_stat st;
};

/* OP_FSOP's off: which path operation (the fields as in struct fs_req). */
struct fs_args {
	unsigned op; /* FS_STAT, FS_MKDIR, FS_UNLINK, FS_RENAME, FS_CHMOD, FS_CHOWN */
	unsigned mode;
	int uid2, gid2;
	unsigned long long path;  /* user address of the path */
	unsigned long long path2; /* FS_RENAME: the new path */
	unsigned long long st;	  /* FS_STAT: where the struct fs_stat goes */
};
