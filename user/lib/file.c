/*
 * file.c - files: a connection to the file server. Placeholder until
 * the file API lands: a connection is not read or written here yet.
 */
#include "internal.h"

long conn_rw(int fd, void *buf, size_t n, bool out)
{
	(void)fd, (void)buf, (void)n, (void)out;
	return -ENOSYS;
}
