/*
 * net.c - the program's side of a socket (user/include/net.h): a
 * datagram is a struct net_msg and its bytes on the connection to netd,
 * a TCP stream just its bytes, with no kernel in between while both
 * sides are awake.
 */
#include "user.h"
#include "net.h"

long net_send(int fd, u32 addr, u16 port, const void *data, size_t n)
{
	if (n > NET_MSG_MAX)
		return -EINVAL;
	if (!pipe_is_conn(fd))
		return -EBADF;
	struct net_msg m = {.addr = addr, .port = port, .len = n};
	long r = pipe_write_all(fd, &m, sizeof(m));
	if (r >= 0 && n)
		r = pipe_write_all(fd, data, n);
	return r < 0 ? (r == -EPIPE ? -EIO : r) : (long)n;
}

long net_recv(int fd, u32 *addr, u16 *port, void *buf, size_t max, long timeout_ms)
{
	if (!pipe_is_conn(fd))
		return -EBADF;
	/* pipe_ready: a message, or netd gone. The timeout is for a
	   datagram the network lost; netd's answer wakes us at once. */
	u64 until = now_ns() + (u64)timeout_ms * 1000000;
	while (timeout_ms >= 0 && !pipe_ready(fd)) {
		u64 now = now_ns();
		if (now >= until)
			return -ETIMEDOUT;
		long r = pipe_wait_for(&fd, 1, -1, until - now);
		if (r < 0)
			return r;
	}
	struct net_msg m;
	if (pipe_read_all(fd, &m, sizeof(m)) != sizeof(m) || m.len > NET_MSG_MAX)
		return -EIO;
	static u8 rest[NET_MSG_MAX];
	size_t n = MIN(m.len, max);
	if ((n && pipe_read_all(fd, buf, n) != (long)n) ||
	    (m.len > n && pipe_read_all(fd, rest, m.len - n) != (long)(m.len - n)))
		return -EIO;
	if (addr)
		*addr = m.addr;
	if (port)
		*port = m.port;
	return n;
}

long net_read(int fd, void *buf, size_t n)
{
	if (!pipe_is_conn(fd))
		return -EBADF;
	for (;;) {
		long k = pipe_avail(fd);
		if (k < 0)
			return -EIO;
		if (k > 0) {
			k = MIN((size_t)k, n);
			return pipe_take(fd, buf, k) == k ? k : -EIO;
		}
		/* ready with nothing to read: netd closed its end, and bytes
		   never come after that (they would have been there) */
		if (pipe_ready(fd) && pipe_avail(fd) == 0)
			return 0;
		long r = pipe_wait_for(&fd, 1, -1, -1);
		if (r < 0)
			return r;
	}
}

long net_write(int fd, const void *buf, size_t n)
{
	if (!pipe_is_conn(fd))
		return -EBADF;
	long r = pipe_write_all(fd, buf, n);
	return r < 0 ? -EIO : r;
}
