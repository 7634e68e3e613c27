/*
 * ping.c - ICMP echo: `ping [-c N] HOST` sends N (default 4) echo
 * requests to HOST through netd's /net/ping, a second apart, prints a
 * line per reply and, last, as Linux's ping does:
 *
 *   --- 10.0.2.15 ping statistics ---
 *   4 packets transmitted, 4 received, 0% packet loss
 *
 * A reply must carry the request's sequence number and data. One that
 * does not come within WAIT_MS is lost. Exit status 0 if any came back.
 */
#include "user.h"
#include "net.h"

#define WAIT_MS 10000 /* a reply later than this is lost */
#define DATA	56    /* bytes of data, as Linux sends: 64 with the ICMP header */

int main(int argc, char **argv)
{
	long count = 4;
	if (argc == 4 && !strcmp(argv[1], "-c")) {
		count = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	u32 host;
	if (argc != 2 || count <= 0 || net_parse_ip(argv[1], &host) < 0) {
		fprintf(2, "usage: ping [-c COUNT] HOST (an IPv4 address)\n");
		return 1;
	}
	int fd = open("/net/ping", O_RDWR, 0);
	if (fd < 0) {
		perr(fd, "/net/ping");
		return 1;
	}
	printf("PING %s: %d data bytes\n", argv[1], DATA);
	long got = 0, sent = 0, r = 0;
	for (u16 seq = 1; sent < count && r >= 0; seq++) {
		u8 out[DATA], in[NET_MSG_MAX];
		for (int i = 0; i < DATA; i++)
			out[i] = seq + i;
		if (sent)
			msleep(1000);
		if ((r = net_send(fd, host, seq, out, DATA)) < 0)
			break;
		sent++;
		u64 t0 = now_ns();
		/* replies to earlier requests that came late are not this one */
		u32 from;
		u16 rseq;
		do
			r = net_recv(fd, &from, &rseq, in, sizeof(in), WAIT_MS);
		while (r >= 0 && (rseq != seq || from != host));
		if (r == -ETIMEDOUT) {
			r = 0;
			continue;
		}
		if (r == DATA && !memcmp(in, out, DATA)) {
			got++;
			u64 us = (now_ns() - t0) / 1000;
			printf("%d bytes from %s: icmp_seq=%d time=%llu.%03llu ms\n", DATA + 8,
			       argv[1], seq, us / 1000, us % 1000);
		}
	}
	if (r < 0)
		perr(r, "%s", argv[1]);
	printf("--- %s ping statistics ---\n", argv[1]);
	printf("%ld packets transmitted, %ld received, %ld%% packet loss\n", sent, got,
	       sent ? (sent - got) * 100 / sent : 0);
	return got == 0;
}
