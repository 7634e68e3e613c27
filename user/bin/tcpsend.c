/*
 * tcpsend.c - a TCP client: `tcpsend [-n N] HOST PORT` opens a
 * connection to HOST:PORT (/net/tcp/HOST:PORT: an active open, from a
 * port netd picks), sends N random bytes (default 1000) to an echo
 * server there and reads them back, which must be byte for byte what
 * it sent; then closes. Its last line counts them:
 *
 *	tcpsend: N sent, M echoed exactly
 *
 * It keeps at most WINDOW bytes unechoed, reading as it writes, so
 * neither side's buffers can fill both ways at once. A connection
 * refused or reset ends the stream early: said, never a hang (netd
 * resets a connection nobody answers after its retries).
 */
#include "user.h"
#include "net.h"

#define CHUNK  4096
#define WINDOW 32768

/* The bytes sent, and the same again to check the echo: xorshift64 from one seed. */
static u8 next(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s >> 24;
}

int main(int argc, char **argv)
{
	long n = 1000;
	if (argc == 5 && !strcmp(argv[1], "-n")) {
		n = atoi(argv[2]);
		argc -= 2, argv += 2;
	}
	u32 ip;
	int port = argc == 3 ? atoi(argv[2]) : 0;
	if (n < 0 || port <= 0 || port > 65535 || net_parse_ip(argv[1], &ip) < 0) {
		fprintf(2, "usage: tcpsend [-n BYTES] A.B.C.D PORT\n");
		return 1;
	}
	char path[48];
	snprintf(path, sizeof(path), "/net/tcp/%s:%d", argv[1], port);
	int fd = open(path, O_RDWR, 0);
	if (fd < 0) {
		perr(fd, "%s", path);
		return 1;
	}
	u64 out = now_ns() | 1, in = out;
	static u8 buf[CHUNK], back[CHUNK];
	long sent = 0, got = 0, exact = 0, r = 0;
	while (got < n) {
		if (sent < n && sent - got < WINDOW) {
			long k = MIN(n - sent, CHUNK);
			for (long i = 0; i < k; i++)
				buf[i] = next(&out);
			if ((r = net_write(fd, buf, k)) < 0)
				break;
			sent += k;
			if (pipe_avail(fd) == 0)
				continue; /* nothing back yet: write on */
		}
		if ((r = net_read(fd, back, MIN(n - got, CHUNK))) <= 0)
			break;
		for (long i = 0; i < r; i++)
			exact += back[i] == next(&in);
		got += r;
	}
	close(fd);
	if (got < n)
		fprintf(2, "tcpsend: %s:%d: %s after %ld bytes\n", argv[1], port,
			r < 0 ? errstr(r) : "the connection ended", got);
	printf("tcpsend: %ld sent, %ld echoed exactly\n", sent, exact);
	return got == n && exact == n ? 0 : 1;
}
