/*
 * errno.h - error numbers, shared by the kernel and user programs.
 *
 * A completion's `res` is either a result (>= 0) or minus one of these.
 * The numbers follow Linux's where Linux has the name, so they are
 * familiar in a debugger; errstr() in the C library names them.
 */
#pragma once

#define EPERM	     1	 /* not allowed (not the owner, not root) */
#define ENOENT	     2	 /* no such file, program or object */
#define ESRCH	     3	 /* no such process */
#define EINTR	     4	 /* interrupted */
#define EIO	     5	 /* input/output error */
#define E2BIG	     7	 /* argument list too long */
#define ENOEXEC	     8	 /* not an executable we can load */
#define EBADF	     9	 /* bad descriptor */
#define ECHILD	     10	 /* no such child */
#define EAGAIN	     11	 /* try again (would block) */
#define ENOMEM	     12	 /* out of memory */
#define EACCES	     13	 /* permission denied */
#define EFAULT	     14	 /* bad user address */
#define EBUSY	     16	 /* busy: e.g. completion queue full, reap first */
#define EEXIST	     17	 /* already exists */
#define ENODEV	     19	 /* no such device (or none free to claim: EBUSY) */
#define ENOTDIR	     20	 /* not a directory */
#define EISDIR	     21	 /* is a directory */
#define EINVAL	     22	 /* invalid argument */
#define ENFILE	     23	 /* a table of the system is full (EMFILE: the caller's own) */
#define EMFILE	     24	 /* too many open descriptors */
#define ENOSPC	     28	 /* no space left */
#define EPIPE	     32	 /* the other end is gone */
#define ERANGE	     34	 /* out of range */
#define ENAMETOOLONG 36	 /* name too long */
#define ENOSYS	     38	 /* no such system call or operation */
#define ENOTEMPTY    39	 /* directory not empty */
#define ENOTSUP	     95	 /* not supported by this object */
#define ETIMEDOUT    110 /* timed out */
#define ECANCELED    125 /* cancelled (a LINK predecessor failed) */
