/*
 * file.h - files (user/lib/file.c): open goes to the kernel, which asks
 * the file server and checks permissions; everything after that is a
 * message on the connection open returned (kernel/abi/fs.h).
 *
 * A relative path is taken from the working directory: the C library
 * makes every path absolute and canonical before it leaves the process
 * (user/lib/cwd.c). Results as everywhere: >= 0, or -E*. read() and
 * write() on an open file move at most FS_IO_MAX bytes each (one
 * message and its answer): loop, or use writeall(). A connection serves
 * one request at a time: use one descriptor from one thread at a time.
 */
#pragma once

#include "abi/fs.h"

/* flags: O_RDONLY, O_WRONLY or O_RDWR, and O_CREAT O_EXCL O_TRUNC; mode: for O_CREAT */
int open(const char *path, unsigned flags, unsigned mode);

int fstat(int fd, struct fs_stat *st);
long lseek(int fd, long off, int whence); /* SEEK_SET/CUR/END; returns the new offset */
/* n bytes (at most FS_IO_MAX) at off, the offset unmoved: one message
   where lseek + read are two. An open file only (-EBADF otherwise). */
long pread(int fd, void *buf, size_t n, long off);
long pwrite(int fd, const void *buf, size_t n, long off);
int ftruncate(int fd, u64 size);
/* Up to max entries of an open directory, from where the last call
   stopped; returns how many (0 at the end). */
int readdir(int fd, struct fs_dirent *d, int max);

/* cwd.c: the working directory (inherited by spawn); path_abs: path as
   the kernel gets it, absolute and canonical, into out[FS_PATH] */
int chdir(const char *path); /* -ENOTDIR, -EACCES: may not go through it */
const char *getcwd(void);
int path_abs(const char *path, char *out);

/* Path operations (OP_FSOP): the server checks them as the caller */
int stat(const char *path, struct fs_stat *st);
int mkdir(const char *path, unsigned mode);
int unlink(const char *path); /* a file, or an empty directory */
int rename(const char *from, const char *to);
int chmod(const char *path, unsigned mode);    /* the owner or root */
int chown(const char *path, int uid, int gid); /* root; -1 keeps one */
