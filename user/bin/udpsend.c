/*
 * udpsend.c - a UDP client.
 *
 *   udpsend HOST PORT        each line of stdin a datagram (without its
 *                            newline) to HOST:PORT; each reply printed
 *   udpsend -n N HOST PORT   N datagrams of random sizes (1..1400) and
 *                            random bytes, one at a time, each waiting
 *                            for its echo, which must come back byte for
 *                            byte; the last line counts them:
 *                            "udpsend: N sent, M echoed exactly",
 *                            after what a round trip cost (kernel
 *                            entries, microseconds)
 *
 * It binds a free port (/net/udp/0). A reply that does not come within
 * WAIT_MS counts as lost (a network may lose datagrams); netd going
 * away is an error at once, never a hang.
 */
#include "user.h"
#include "net.h"

#define WAIT_MS 30000 /* only a lost datagram waits this long (or a very busy machine) */
#define MAXLEN	1400

static int fd;
static u32 host;
static u16 port;

static int lines(void)
{
	static char line[NET_MSG_MAX + 1];
	static u8 reply[NET_MSG_MAX + 1];
	struct lines l = {.fd = 0};
	long n;
	while ((n = lines_get(&l, line, sizeof(line))) > 0) {
		if (line[n - 1] == '\n')
			n--;
		long r = net_send(fd, host, port, line, n);
		if (r >= 0)
			r = net_recv(fd, NULL, NULL, reply, NET_MSG_MAX, WAIT_MS);
		if (r == -ETIMEDOUT) {
			printf("udpsend: no reply\n");
			continue;
		}
		if (r < 0)
			return r;
		reply[r] = '\0';
		printf("%s\n", reply);
	}
	return 0;
}

static int random(long count)
{
	static u8 out[MAXLEN], in[NET_MSG_MAX];
	long sent = 0, exact = 0, r = 0;
	struct cost c;
	u64 t0 = now_ns();
	srand(t0);
	cost_start(&c);
	while (sent < count) {
		size_t n = 1 + rand() % MAXLEN;
		for (size_t i = 0; i < n; i++)
			out[i] = rand();
		u32 from;
		u16 fport;
		if ((r = net_send(fd, host, port, out, n)) < 0)
			break;
		sent++;
		r = net_recv(fd, &from, &fport, in, sizeof(in), WAIT_MS);
		if (r == -ETIMEDOUT)
			continue; /* lost: counted by what is missing */
		if (r < 0)
			break;
		exact += r == (long)n && from == host && fport == port && !memcmp(in, out, n);
	}
	u64 calls = cost_end(&c), us = (now_ns() - t0) / 1000;
	if (sent) /* what a round trip costs: kernel entries, and time */
		printf("udpsend: %llu.%02llu kernel entries, %llu us per round trip\n",
		       calls / sent, calls * 100 / sent % 100, us / sent);
	printf("udpsend: %ld sent, %ld echoed exactly\n", sent, exact);
	return r < 0 ? r : exact == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	long count = -1;
	if (argc == 5 && !strcmp(argv[1], "-n")) {
		count = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	int p = argc == 3 ? atoi(argv[2]) : 0;
	if (argc != 3 || net_parse_ip(argv[1], &host) < 0 || p <= 0 || p > 65535 || count == 0 ||
	    count < -1) {
		fprintf(2, "usage: udpsend [-n COUNT] HOST PORT\n");
		return 1;
	}
	port = p;
	fd = open("/net/udp/0", O_RDWR, 0);
	if (fd < 0) {
		perr(fd, "/net/udp/0");
		return 1;
	}
	int r = count > 0 ? random(count) : lines();
	if (r < 0)
		perr(r, "%s:%d", argv[1], p);
	return r != 0;
}
