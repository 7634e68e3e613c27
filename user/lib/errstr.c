/*
 * errstr.c - names for error numbers (kernel/abi/errno.h), as a program
 * prints them: errstr(-EINVAL) is "EINVAL: invalid argument".
 */
#include "user.h"

static const char *const names[] = {
    [EPERM] = "EPERM: not allowed",
    [ENOENT] = "ENOENT: no such file or program",
    [ESRCH] = "ESRCH: no such process",
    [EINTR] = "EINTR: interrupted",
    [EIO] = "EIO: input/output error",
    [E2BIG] = "E2BIG: argument list too long",
    [ENOEXEC] = "ENOEXEC: not an executable",
    [EBADF] = "EBADF: bad descriptor",
    [ECHILD] = "ECHILD: no such child",
    [EAGAIN] = "EAGAIN: try again",
    [ENOMEM] = "ENOMEM: out of memory",
    [EACCES] = "EACCES: permission denied",
    [EFAULT] = "EFAULT: bad address",
    [EBUSY] = "EBUSY: busy",
    [EEXIST] = "EEXIST: already exists",
    [ENOTDIR] = "ENOTDIR: not a directory",
    [EISDIR] = "EISDIR: is a directory",
    [EINVAL] = "EINVAL: invalid argument",
    [ENFILE] = "ENFILE: a table of the system is full",
    [EMFILE] = "EMFILE: too many open descriptors",
    [ENOSPC] = "ENOSPC: no space left",
    [EPIPE] = "EPIPE: the other end is gone",
    [ERANGE] = "ERANGE: out of range",
    [ENAMETOOLONG] = "ENAMETOOLONG: name too long",
    [ENOSYS] = "ENOSYS: no such system call or operation",
    [ENOTEMPTY] = "ENOTEMPTY: directory not empty",
    [ENOTSUP] = "ENOTSUP: not supported by this object",
    [ETIMEDOUT] = "ETIMEDOUT: timed out",
    [ECANCELED] = "ECANCELED: cancelled",
};

const char *errstr(long err)
{
	static char unknown[32];
	/* negate in unsigned arithmetic: -err overflows for the most
	   negative long, whose magnitude only an unsigned long holds */
	unsigned long e = err < 0 ? -(unsigned long)err : (unsigned long)err;
	if (e < ARRAY_SIZE(names) && names[e])
		return names[e];
	snprintf(unknown, sizeof(unknown), "error %lu", e);
	return unknown;
}
