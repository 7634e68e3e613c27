/*
 * fstree.h - the file server's RAM file system (user/lib/fstree.c):
 * directories and regular files in memory, with owners and modes, and
 * the permission checks of the path operations.
 *
 * It knows nothing of connections, rings or the kernel: user/bin/fsd.c
 * turns requests (kernel/abi/fs.h) into these calls, and the host unit
 * test (tests/unit/test_fsd.c) calls them directly. It depends only on
 * the string functions of lib.h and on malloc/free, which both the
 * duet C library and the host's provide.
 *
 * Identity. Every inode gets an `ino` that is never used again while the
 * server runs, so (ino, gen) names one file for good; `gen` counts the
 * replacements that led to this file (chmod and chown make a new inode
 * with gen + 1, abi/fs.h). An inode lives while a directory entry names
 * it (nlink 1) or a connection has it open (refs > 0): an unlinked or
 * replaced file is freed when its last connection goes.
 */
#pragma once

#include "lib.h"
#include "abi/errno.h"
#include "abi/fs.h"

void *malloc(size_t n);
void free(void *p);

#define FS_FILE_MAX (1u << 20) /* the biggest file, in bytes */

struct inode {
	u64 ino, gen;
	unsigned mode; /* S_IFDIR or S_IFREG | permission bits */
	int uid, gid;
	unsigned nlink; /* directory entries naming it: 1, or 0 */
	unsigned refs;	/* connections that have it open */
	u64 size;	/* file: bytes; directory: entries */
	u64 cap;	/* room allocated: bytes, or entries */
	u8 *data;	/* file: its bytes */
	/* directory: entry i is de[i] (what FS_READDIR sends) naming sub[i] */
	struct fs_dirent *de;
	struct inode **sub;
	struct inode *hnext; /* in the table by ino */
};

/* An empty file system: a root directory owned by root, mode 0755. */
void fs_init(void);
/* Live inodes (a leak check for tests) */
unsigned fs_ninodes(void);

/*
 * The path operations, on behalf of uid/gid (root, uid 0, passes every
 * check). A path is absolute ("/a/b"); "//", "." and ".." are resolved
 * by its text. Each needs search (x) permission on every directory it
 * goes through; creating and removing also need write on the directory
 * that changes. Results: 0 or -E*.
 */

/* FS_LOOKUP: the inode at path, made if flags has O_CREAT (mode, owned by
   uid/gid); O_EXCL: -EEXIST if it exists; O_TRUNC: emptied, if the access
   in flags' O_ACCMODE would be granted (the kernel checks it again). */
int fs_lookup(const char *path, int uid, int gid, unsigned flags, unsigned mode,
	      struct inode **ipp);
int fs_stat(const char *path, int uid, int gid, struct fs_stat *st);
int fs_mkdir(const char *path, int uid, int gid, unsigned mode);
int fs_unlink(const char *path, int uid, int gid); /* a file, or an empty directory */
int fs_rename(const char *from, const char *to, int uid, int gid);
/* chmod (owner or root) and chown (root; -1 keeps uid2 or gid2): a new
   inode with the data copied (a directory's entries moved) replaces the
   old one at its path; those who have the old one open keep it. */
int fs_chmod(const char *path, int uid, int gid, unsigned mode);
int fs_chown(const char *path, int uid, int gid, int uid2, int gid2);

/* ---- one inode: what a connection does with the file it has open ----- */

struct inode *fs_iget(u64 ino); /* NULL: no such inode (any more) */
void fs_hold(struct inode *ip); /* a connection opens it */
void fs_put(struct inode *ip);	/* ... and closes it: freed if unlinked and unused */
void fs_statof(struct inode *ip, struct fs_stat *st);

/* Where up to len bytes at off are: *p, and how many (0 at or past the end). */
u64 fs_readptr(struct inode *ip, u64 off, u64 len, const u8 **p);
/* Make room for len bytes at off (the file grows, zero-filled) and say
   where they go: *p. 0, or -ENOSPC (too big) or -ENOMEM. The pointer
   is good until the next call that changes the file. */
int fs_writeptr(struct inode *ip, u64 off, u64 len, u8 **p);
int fs_trunc(struct inode *ip, u64 size);
/* Up to max entries from index `at` on: *p, and how many. */
u64 fs_readdir(struct inode *ip, u64 at, u64 max, const struct fs_dirent **p);

/* Filling the tree at start: make path's directories as needed (root's,
   0755) and a file or directory there, owned by uid/gid. */
int fs_make(const char *path, unsigned mode, int uid, int gid, struct inode **ipp);

/*
 * The same operations as a table, so that fsd serves either tree: ram_fs
 * (the functions above) or disk_fs (user/lib/disktree.c, docs/disk.md),
 * whose inodes are struct inode too (only the fields up to `size` mean
 * anything there; a directory's size counts entries in both).
 *
 * A write takes its bytes from where take() gets them - fsd: the
 * connection's ring - straight into the file, one copy: in memory into
 * the file's own memory, on a disk into its cached blocks, a block at a
 * time (they are not contiguous); durable when it returns, on a disk.
 * take(arg, dst, n) puts n bytes at dst and returns n, or returns < 0:
 * then the write stops, undone (in memory the file keeps its old size;
 * on a disk the transaction is dropped) and returns that. It returns the
 * bytes written (fewer than asked: the disk filled up half-way; the
 * rest were never taken) or -E*.
 */
typedef long (*fs_take)(void *arg, void *dst, u64 n);

struct fs_ops {
	int (*lookup)(const char *path, int uid, int gid, unsigned flags, unsigned mode,
		      struct inode **ipp);
	int (*stat)(const char *path, int uid, int gid, struct fs_stat *st);
	int (*mkdir)(const char *path, int uid, int gid, unsigned mode);
	int (*unlink)(const char *path, int uid, int gid);
	int (*rename)(const char *from, const char *to, int uid, int gid);
	int (*chmod)(const char *path, int uid, int gid, unsigned mode);
	int (*chown)(const char *path, int uid, int gid, int uid2, int gid2);
	struct inode *(*iget)(u64 ino);
	void (*hold)(struct inode *ip);
	void (*put)(struct inode *ip);
	void (*statof)(struct inode *ip, struct fs_stat *st);
	u64 (*readptr)(struct inode *ip, u64 off, u64 len, const u8 **p);
	long (*write)(struct inode *ip, u64 off, u64 len, fs_take take, void *arg);
	int (*trunc)(struct inode *ip, u64 size);
	u64 (*readdir)(struct inode *ip, u64 at, u64 max, const struct fs_dirent **p);
};
extern const struct fs_ops ram_fs, disk_fs;
