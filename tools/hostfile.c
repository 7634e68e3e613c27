/*
 * hostfile.c - the host's open(), apart: its <fcntl.h> and <errno.h>
 * define O_*, S_IF* and E* too, and the duet headers the tools include
 * (kernel/abi/) define them their own way. filedev.h uses these.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostfile.h"

int hostfile_open(const char *path, int rw, long long *bytes)
{
	struct stat st;
	int fd = open(path, rw ? O_RDWR : O_RDONLY);
	if (fd >= 0 && fstat(fd, &st) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		*bytes = st.st_size;
	return fd;
}

int hostfile_create(const char *path, long long bytes)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0 && ftruncate(fd, bytes) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

const char *hostfile_error(void)
{
	return strerror(errno);
}
