/*
 * errstr.c - one table of readable messages for the error numbers
 * (kernel/abi/errno.h), as Unix programs print them:
 *
 *	errstr(-ENOENT)   "No such file or directory"
 *	errname(-ENOENT)  "ENOENT"
 *	perr(r, "%s", path)  prints "cat: /x: No such file or directory"
 *
 * Every program reports a failed call with perr(): its name (argv[0],
 * which the start-up code keeps in progname), what failed, and why.
 */
#include "user.h"

static const struct {
	const char *name, *msg;
} errs[] = {
    [EPERM] = {"EPERM", "Operation not permitted"},
    [ENOENT] = {"ENOENT", "No such file or directory"},
    [ESRCH] = {"ESRCH", "No such process"},
    [EINTR] = {"EINTR", "Interrupted"},
    [EIO] = {"EIO", "Input/output error"},
    [E2BIG] = {"E2BIG", "Argument list too long"},
    [ENOEXEC] = {"ENOEXEC", "Exec format error"},
    [EBADF] = {"EBADF", "Bad file descriptor"},
    [ECHILD] = {"ECHILD", "No child processes"},
    [EAGAIN] = {"EAGAIN", "Resource temporarily unavailable"},
    [ENOMEM] = {"ENOMEM", "Out of memory"},
    [EACCES] = {"EACCES", "Permission denied"},
    [EFAULT] = {"EFAULT", "Bad address"},
    [EBUSY] = {"EBUSY", "Device or resource busy"},
    [EEXIST] = {"EEXIST", "File exists"},
    [ENODEV] = {"ENODEV", "No such device"},
    [ENOTDIR] = {"ENOTDIR", "Not a directory"},
    [EISDIR] = {"EISDIR", "Is a directory"},
    [EINVAL] = {"EINVAL", "Invalid argument"},
    [ENFILE] = {"ENFILE", "Too many open files in system"},
    [EMFILE] = {"EMFILE", "Too many open files"},
    [ENOSPC] = {"ENOSPC", "No space left on device"},
    [EPIPE] = {"EPIPE", "Broken pipe"},
    [ERANGE] = {"ERANGE", "Result out of range"},
    [ENAMETOOLONG] = {"ENAMETOOLONG", "File name too long"},
    [ENOSYS] = {"ENOSYS", "Function not implemented"},
    [ENOTEMPTY] = {"ENOTEMPTY", "Directory not empty"},
    [ENOTSUP] = {"ENOTSUP", "Operation not supported"},
    [ETIMEDOUT] = {"ETIMEDOUT", "Timed out"},
    [ECANCELED] = {"ECANCELED", "Operation canceled"},
};

const char *progname = "?";

/* The entry for err, or NULL; *e its magnitude. */
static const char *lookup(long err, bool name, unsigned long *e)
{
	/* negate in unsigned arithmetic: -err overflows for the most
	   negative long, whose magnitude only an unsigned long holds */
	*e = err < 0 ? -(unsigned long)err : (unsigned long)err;
	if (*e >= ARRAY_SIZE(errs) || !errs[*e].name)
		return NULL;
	return name ? errs[*e].name : errs[*e].msg;
}

const char *errstr(long err)
{
	static char unknown[32];
	unsigned long e;
	const char *s = lookup(err, false, &e);
	if (s)
		return s;
	snprintf(unknown, sizeof(unknown), "Unknown error %lu", e);
	return unknown;
}

const char *errname(long err)
{
	unsigned long e;
	const char *s = lookup(err, true, &e);
	return s ? s : "E?";
}

void perr(long err, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fprintf(2, "%s: %s: %s\n", progname, what, errstr(err));
}
