/*
 * udpecho.c - a UDP echo server: `udpecho PORT` binds UDP port PORT
 * (/net/udp/PORT: below 1024 root only) and sends every datagram back
 * to whoever sent it, byte for byte, for ever. It says "udpecho: port
 * PORT" once bound, and exits with an error if netd goes away.
 */
#include "user.h"
#include "net.h"

int main(int argc, char **argv)
{
	int port = argc == 2 ? atoi(argv[1]) : 0;
	if (port <= 0 || port > 65535) {
		fprintf(2, "usage: udpecho PORT (1..65535)\n");
		return 1;
	}
	char path[32];
	snprintf(path, sizeof(path), "/net/udp/%d", port);
	int fd = open(path, O_RDWR, 0);
	if (fd < 0) {
		perr(fd, "%s", path);
		return 1;
	}
	printf("udpecho: port %d\n", port);
	static u8 buf[NET_MSG_MAX];
	for (;;) {
		u32 addr;
		u16 from;
		long n = net_recv(fd, &addr, &from, buf, sizeof(buf), -1);
		if (n >= 0)
			n = net_send(fd, addr, from, buf, n);
		if (n < 0) {
			perr(n, "%s", path);
			return 1;
		}
	}
}
