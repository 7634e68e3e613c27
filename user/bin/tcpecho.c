/*
 * tcpecho.c - a TCP echo server: `tcpecho PORT` listens on TCP port
 * PORT (/net/tcp/PORT: below 1024 root only) and sends every byte of a
 * connection back, until the peer closes; then it listens again, one
 * connection after another, for ever. It says "tcpecho: port PORT"
 * once listening, and after each connection (listening again already)
 * how many bytes it echoed (and the error that ended it, if one did);
 * it exits with an error if netd goes away (the next open fails).
 */
#include "user.h"
#include "net.h"

int main(int argc, char **argv)
{
	int port = argc == 2 ? atoi(argv[1]) : 0;
	if (port <= 0 || port > 65535) {
		fprintf(2, "usage: tcpecho PORT (1..65535)\n");
		return 1;
	}
	char path[32];
	snprintf(path, sizeof(path), "/net/tcp/%d", port);
	static u8 buf[4096];
	int fd = open(path, O_RDWR, 0);
	if (fd < 0) {
		perr(fd, "%s", path);
		return 1;
	}
	printf("tcpecho: port %d\n", port);
	for (long conns = 1;; conns++) {
		long n, total = 0;
		while ((n = net_read(fd, buf, sizeof(buf))) > 0 && (n = net_write(fd, buf, n)) > 0)
			total += n;
		close(fd);
		/* listening again before it says so: a peer that waits for the
		   line is never refused */
		int next = open(path, O_RDWR, 0);
		/* an error here is this connection's (reset, or the peer gone
		   before its echo); if netd went away, the open says so */
		printf("tcpecho: connection %ld: %ld bytes echoed%s%s\n", conns, total,
		       n < 0 ? ": " : "", n < 0 ? errstr(n) : "");
		if ((fd = next) < 0) {
			perr(fd, "%s", path);
			return 1;
		}
	}
}
