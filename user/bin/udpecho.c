/*
 * udpecho.c - a UDP echo server: `udpecho [-s N] PORT` binds UDP port
 * PORT (/net/udp/PORT: below 1024 root only) and sends every datagram
 * back to whoever sent it, byte for byte, for ever. It says "udpecho:
 * port PORT" once bound, and exits with an error if netd goes away.
 *
 * With -s N it also says what the last N datagrams cost it in kernel
 * entries (OP_STATS, its own thread's), every N datagrams, and why:
 * how often it slept on its connection (a wait, with CLUI and STUI
 * around it where user interrupts are emulated) and how often it woke
 * netd up (a SENDUIPI; pipe_stats):
 *
 *	udpecho: 128 datagrams: 3 calls, 9 exceptions, 1 interrupts, 3 sleeps, 7 wake-ups
 *
 * for the host's UDP benchmark (tests/bench/udp.c, docs/benchmarks.md).
 * Reading the counters is one system call, counted by the kernel before
 * it copies them out: the one that ends a stretch is taken off; the
 * line's printing falls outside (the next stretch starts after it).
 */
#include "user.h"
#include "net.h"

static void counts(u64 c[5])
{
	struct kstats s;
	if (kstats(&s) < 0)
		memset(&s, 0, sizeof(s));
	for (int k = 0; k < 3; k++)
		c[k] = s.thread[k];
	pipe_stats(&c[3], &c[4]);
}

int main(int argc, char **argv)
{
	long every = 0;
	if (argc == 4 && !strcmp(argv[1], "-s")) {
		every = atoi(argv[2]);
		argc -= 2, argv += 2;
	}
	int port = argc == 2 ? atoi(argv[1]) : 0;
	if (port <= 0 || port > 65535 || every < 0) {
		fprintf(2, "usage: udpecho [-s N] PORT (1..65535)\n");
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
	u64 from[5], to[5];
	counts(from);
	for (long done = 1;; done++) {
		u32 addr;
		u16 sport;
		long n = net_recv(fd, &addr, &sport, buf, sizeof(buf), -1);
		if (n >= 0)
			n = net_send(fd, addr, sport, buf, n);
		if (n < 0) {
			perr(n, "%s", path);
			return 1;
		}
		if (every && done % every == 0) {
			counts(to);
			printf(
			    "udpecho: %ld datagrams: %llu calls, %llu exceptions, %llu interrupts, "
			    "%llu sleeps, %llu wake-ups\n",
			    every, to[KS_SYSCALL] - from[KS_SYSCALL] - 1,
			    to[KS_EXCEPTION] - from[KS_EXCEPTION],
			    to[KS_INTERRUPT] - from[KS_INTERRUPT], to[3] - from[3],
			    to[4] - from[4]);
			counts(from);
		}
	}
}
