/*
 * test_net.c - the IPv4 stack (user/lib/net_*.c) on the host: the
 * Internet checksum, address parsing, and two stacks joined by a fake
 * link - ARP finding a neighbour (the packet that needed it waits and
 * goes), UDP both ways, ping and its reply, the route through the
 * gateway - then every parser fed frames that lie: truncated at every
 * length, wrong checksums, lengths that claim too much, IP options,
 * fragments, other machines' frames. Each must be dropped and counted
 * under its own reason, and nothing delivered.
 *
 * TCP the same way, with no clock but the one the test moves (n.ms):
 * B opens a connection to A's listener, bytes go both ways through
 * windows as small as the receiver's room, both sides close; frames
 * dropped on the link come again when the timer fires, a peer that
 * never answers is given up; a port nobody listens on answers with a
 * reset; segments that lie are dropped and counted; a SYN flood fills
 * the table of connections but never takes a listener, and a real
 * client still gets in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../user/lib/net_eth.c"
#include "../../user/lib/net_arp.c"
#include "../../user/lib/net_ip.c"
#include "../../user/lib/net_icmp.c"
#include "../../user/lib/net_udp.c"
#include "../../user/lib/net_tcp.c"

#define A_IP 0x0a00020f /* 10.0.2.15 */
#define B_IP 0x0a000202 /* 10.0.2.2, also A's gateway */
#define MASK 0xffffff00

/* The fake link: frames each stack sent, until pump() hands them over. */
struct side {
	struct net n;
	u8 frames[64][ETH_FRAME];
	size_t len[64];
	int nframes;
	int drop; /* frames it sends that the link loses: the next this many (-1: all) */
	/* what came up */
	int udps, echoes;
	u32 src;
	u16 sport, dport, id, seq;
	u8 data[ETH_FRAME];
	size_t dlen;
	bool bound; /* on_udp: a port is bound (else the datagram counts as noport) */
	/* TCP: the port it listens on (0: none), the connection it has, what came */
	u16 listen;
	int tcb, accepts, fins, gones;
	size_t room; /* for bytes: the window it may advertise */
	u8 rx[100000];
	size_t rxn;
};

static struct side a, b;

static void link_send(void *arg, const u8 *f, size_t n)
{
	struct side *s = arg;
	assert_true(n >= ETH_HLEN && n <= ETH_FRAME);
	if (s->drop) {
		s->drop -= s->drop > 0;
		return;
	}
	assert_true(s->nframes < 64);
	memcpy(s->frames[s->nframes], f, n);
	s->len[s->nframes++] = n;
}

static bool got_udp(void *arg, u32 src, u16 sport, u16 dport, const u8 *d, size_t n)
{
	struct side *s = arg;
	if (!s->bound)
		return false;
	s->udps++;
	s->src = src;
	s->sport = sport;
	s->dport = dport;
	memcpy(s->data, d, n);
	s->dlen = n;
	return true;
}

static void got_echo(void *arg, u32 src, u16 id, u16 seq, const u8 *d, size_t n)
{
	struct side *s = arg;
	s->echoes++;
	s->src = src;
	s->id = id;
	s->seq = seq;
	memcpy(s->data, d, n);
	s->dlen = n;
}

static int tcp_accept(void *arg, u16 port, int tcb)
{
	struct side *s = arg;
	if (!s->listen || port != s->listen)
		return -1;
	if (tcb >= 0) {
		s->accepts++;
		s->tcb = tcb;
	}
	return 1;
}

static size_t tcp_room(void *arg, int user)
{
	assert_int_equal(user, 1);
	return ((struct side *)arg)->room;
}

static size_t tcp_recv(void *arg, int user, const u8 *d, size_t n)
{
	struct side *s = arg;
	assert_int_equal(user, 1);
	assert_true(n <= s->room); /* never more than the window it was given */
	assert_true(s->rxn + n <= sizeof(s->rx));
	memcpy(s->rx + s->rxn, d, n);
	s->rxn += n;
	s->room -= n;
	return n;
}

static void tcp_event(void *arg, int user, int ev)
{
	struct side *s = arg;
	assert_int_equal(user, 1);
	if (ev == TCP_FIN)
		s->fins++;
	else
		s->gones++;
}

static void mk(struct side *s, u8 last, u32 ip, u32 gw)
{
	memset(s, 0, sizeof(*s));
	const u8 mac[6] = {0x52, 0x54, 0, 0, 0, last};
	net_init(&s->n, mac, ip, MASK, gw);
	s->n.send = link_send;
	s->n.on_udp = got_udp;
	s->n.on_echo = got_echo;
	s->n.tcp_accept = tcp_accept;
	s->n.tcp_room = tcp_room;
	s->n.tcp_recv = tcp_recv;
	s->n.tcp_event = tcp_event;
	s->n.arg = s;
	s->bound = true;
	s->room = 65536; /* a listener's empty pipe */
	s->tcb = -1;
}

static int setup(void **state)
{
	(void)state;
	mk(&a, 1, A_IP, B_IP);
	mk(&b, 2, B_IP, 0);
	return 0;
}

/* Hand every frame sent to the other side, until both are quiet. */
static int pump(void)
{
	int moved = 0;
	while (a.nframes || b.nframes) {
		struct side *from = a.nframes ? &a : &b, *to = from == &a ? &b : &a;
		u8 f[ETH_FRAME];
		size_t n = from->len[0];
		memcpy(f, from->frames[0], n);
		from->nframes--;
		memmove(from->frames, from->frames + 1, from->nframes * sizeof(from->frames[0]));
		memmove(from->len, from->len + 1, from->nframes * sizeof(from->len[0]));
		net_input(&to->n, f, n);
		moved++;
	}
	return moved;
}

static void test_checksum(void **state)
{
	(void)state;
	/* RFC 1071's example: the sum of these words is 0xddf2 */
	const u8 w[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	assert_int_equal(net_csum(w, sizeof(w), 0), (u16)~0xddf2);
	/* an odd byte counts as the high half of a word */
	const u8 odd[] = {0x12};
	assert_int_equal(net_csum(odd, 1, 0), (u16)~0x1200);
	/* a header with its checksum in place sums to 0 */
	u8 h[20] = {0x45, 0, 0, 20, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 2, 15, 10, 0, 2, 2};
	put16(h + 10, net_csum(h, 20, 0));
	assert_int_equal(net_csum(h, 20, 0), 0);
}

static void test_parse_ip(void **state)
{
	(void)state;
	u32 ip = 0;
	assert_int_equal(net_parse_ip("10.0.2.15", &ip), 0);
	assert_int_equal(ip, A_IP);
	assert_int_equal(net_parse_ip("255.255.255.255", &ip), 0);
	assert_int_equal(ip, 0xffffffff);
	const char *bad[] = {"",	"10.0.2",     "10.0.2.15.1", "256.0.0.1", "1..2.3",
			     "a.b.c.d", "10.0.2.15 ", "1.2.3.0004",  "-1.2.3.4"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(net_parse_ip(bad[i], &ip), -EINVAL);
}

/* A to B: ARP first (the datagram waits for it), then UDP; and back. */
static void test_udp_arp(void **state)
{
	(void)state;
	const char msg[] = "hello, B";
	assert_int_equal(net_udp_send(&a.n, B_IP, 5000, 7, msg, sizeof(msg)), 0);
	assert_int_equal(a.nframes, 1); /* the ARP request; the datagram waits */
	assert_int_equal(get16(a.frames[0] + 12), ETH_TYPE_ARP);
	pump();
	assert_int_equal(b.n.stats.arp_requests, 1);
	assert_int_equal(a.n.stats.arp_replies, 1);
	assert_int_equal(b.udps, 1);
	assert_int_equal(b.src, A_IP);
	assert_int_equal(b.sport, 5000);
	assert_int_equal(b.dport, 7);
	assert_int_equal(b.dlen, sizeof(msg));
	assert_memory_equal(b.data, msg, sizeof(msg));
	/* back: both know each other now, no more ARP */
	assert_int_equal(net_udp_send(&b.n, A_IP, 7, 5000, b.data, b.dlen), 0);
	assert_int_equal(pump(), 1);
	assert_int_equal(a.udps, 1);
	assert_memory_equal(a.data, msg, sizeof(msg));
	/* the biggest datagram, and one too big */
	u8 big[UDP_MAX];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = i * 7;
	assert_int_equal(net_udp_send(&a.n, B_IP, 5000, 7, big, sizeof(big)), 0);
	pump();
	assert_int_equal(b.udps, 2);
	assert_int_equal(b.dlen, UDP_MAX);
	assert_memory_equal(b.data, big, UDP_MAX);
	assert_int_equal(net_udp_send(&a.n, B_IP, 5000, 7, big, UDP_MAX + 1), -EINVAL);
	/* nobody bound: counted */
	b.bound = false;
	net_udp_send(&a.n, B_IP, 5000, 9, msg, 1);
	pump();
	assert_int_equal(b.n.stats.udp_noport, 1);
	assert_int_equal(b.n.stats.udp_bad, 0);
}

static void test_ping(void **state)
{
	(void)state;
	const char data[] = "abcdefghijklmnopqrstuvwxyz";
	assert_int_equal(net_ping(&a.n, B_IP, 77, 3, data, sizeof(data)), 0);
	pump();
	assert_int_equal(b.n.stats.icmp_echo, 1);
	assert_int_equal(a.echoes, 1);
	assert_int_equal(a.src, B_IP);
	assert_int_equal(a.id, 77);
	assert_int_equal(a.seq, 3);
	assert_int_equal(a.dlen, sizeof(data));
	assert_memory_equal(a.data, data, sizeof(data));
	/* an empty echo too */
	assert_int_equal(net_ping(&a.n, B_IP, 77, 4, NULL, 0), 0);
	pump();
	assert_int_equal(a.echoes, 2);
	assert_int_equal(a.dlen, 0);
}

/* Off the subnet: through the gateway, whose stack is not a router. */
static void test_route(void **state)
{
	(void)state;
	assert_int_equal(net_udp_send(&a.n, 0x08080808, 1, 53, "x", 1), 0);
	assert_int_equal(get32(a.frames[0] + ETH_HLEN + 24), B_IP); /* ARP for the gateway */
	pump();
	assert_int_equal(b.n.stats.ip_other, 1);
	assert_int_equal(b.udps, 0);
	/* no gateway: no route */
	assert_int_equal(net_udp_send(&b.n, 0x08080808, 1, 53, "x", 1), -EINVAL);
	assert_int_equal(b.n.stats.no_route, 1);
	/* our own address: our own MAC, no ARP (netd's loopback brings it back) */
	assert_int_equal(net_udp_send(&a.n, A_IP, 1, 2, "x", 1), 0);
	assert_int_equal(a.nframes, 1);
	assert_memory_equal(a.frames[0], a.n.mac, 6);
	net_input(&a.n, a.frames[0], a.len[0]);
	assert_int_equal(a.udps, 1);
}

/* Neighbours that never answer: the oldest waiting packet goes first. */
static void test_arp_waiting(void **state)
{
	(void)state;
	for (u32 i = 0; i < ARP_WAITING + 1; i++)
		assert_int_equal(net_udp_send(&a.n, A_IP + 1 + i, 1, 2, "x", 1), 0);
	assert_int_equal(a.n.stats.no_route, 1);
	assert_int_equal(a.n.waiting[0].hop, A_IP + 1 + ARP_WAITING); /* the first was replaced */
	/* an unasked reply teaches nothing */
	u8 f[ETH_HLEN + 28];
	memcpy(f, a.frames[0], sizeof(f));
	a.nframes = 0;
	memcpy(f, a.n.mac, 6);
	put16(f + ETH_HLEN + 6, 2);
	put32(f + ETH_HLEN + 14, 0x0a000299);
	put32(f + ETH_HLEN + 24, A_IP);
	memcpy(f + ETH_HLEN + 8, (u8[6]){0x52, 0, 0, 0, 0, 9}, 6);
	net_input(&a.n, f, sizeof(f));
	u8 mac[6];
	assert_int_equal(net_arp_resolve(&a.n, 0x0a000299, mac), -EAGAIN);
}

/* A's datagram to B, as a frame, with its UDP checksum. */
static size_t udp_frame(u8 *f, const void *data, size_t n)
{
	b.n.arp[0] = (struct arp_entry){.ip = A_IP, .known = true, .used = 1};
	a.n.arp[0] = (struct arp_entry){.ip = B_IP, .known = true, .used = 1};
	memcpy(a.n.arp[0].mac, b.n.mac, 6);
	memcpy(b.n.arp[0].mac, a.n.mac, 6);
	assert_int_equal(net_udp_send(&a.n, B_IP, 1234, 7, data, n), 0);
	assert_int_equal(a.nframes, 1);
	a.nframes = 0;
	memcpy(f, a.frames[0], a.len[0]);
	return a.len[0];
}

/* Recompute the IP header checksum after a change to the header. */
static void ip_sum(u8 *f)
{
	put16(f + ETH_HLEN + 10, 0);
	put16(f + ETH_HLEN + 10, net_csum(f + ETH_HLEN, IP_HLEN, 0));
}

static void test_hostile(void **state)
{
	(void)state;
	u8 f[ETH_FRAME + 8], g[ETH_FRAME + 8];
	size_t n = udp_frame(f, "0123456789", 10);
	net_input(&b.n, f, n);
	assert_int_equal(b.udps, 1); /* the frame is good */
	struct net_stats *st = &b.n.stats;

	/* truncated at every length: nothing delivered, each dropped once */
	u64 before = st->eth_bad + st->ip_bad + st->udp_bad;
	for (size_t k = 0; k < n; k++) {
		u8 *cut = malloc(k ? k : 1); /* exactly k bytes */
		memcpy(cut, f, k);
		net_input(&b.n, cut, k);
		free(cut);
	}
	assert_int_equal(b.udps, 1);
	assert_int_equal(st->eth_bad + st->ip_bad + st->udp_bad - before, n);
	/* padded behind the IP packet (Ethernet's minimum frame): fine */
	memcpy(g, f, n);
	memset(g + n, 0xee, 8);
	net_input(&b.n, g, n + 8);
	assert_int_equal(b.udps, 2);
	/* longer than any frame */
	net_input(&b.n, g, ETH_FRAME + 1);
	assert_int_equal(st->eth_bad, 1 + ETH_HLEN);

	struct {
		int at;	    /* the byte to change, from the frame's start */
		u8 value;   /* its new value */
		bool resum; /* put the IP header checksum right again */
		u64 *count; /* the counter that must go up */
	} cases[] = {
	    {0, 0x33, false, &st->eth_other},		    /* not our MAC */
	    {12, 0x86, false, &st->eth_type},		    /* 0x86dd: IPv6 */
	    {ETH_HLEN, 0x65, true, &st->ip_bad},	    /* version 6 */
	    {ETH_HLEN, 0x44, true, &st->ip_bad},	    /* a header of 16 bytes */
	    {ETH_HLEN, 0x46, true, &st->ip_opts},	    /* options */
	    {ETH_HLEN + 2, 0x7f, true, &st->ip_bad},	    /* total length past the end */
	    {ETH_HLEN + 3, 0x13, true, &st->ip_bad},	    /* total length < header */
	    {ETH_HLEN + 6, 0x60, true, &st->ip_frag},	    /* DF and more fragments */
	    {ETH_HLEN + 7, 0x01, true, &st->ip_frag},	    /* an offset */
	    {ETH_HLEN + 8, 0x01, false, &st->ip_csum},	    /* ttl changed, sum not */
	    {ETH_HLEN + 9, 47, true, &st->ip_proto},	    /* GRE */
	    {ETH_HLEN + 16, 11, true, &st->ip_other},	    /* to 11.0.2.2 */
	    {ETH_HLEN + 12, 0xe0, true, &st->ip_bad},	    /* from a multicast group */
	    {ETH_HLEN + 20 + 5, 0xff, false, &st->udp_bad}, /* UDP length too long */
	    {ETH_HLEN + 20 + 5, 0x07, false, &st->udp_bad}, /* UDP length < its header */
	    {ETH_HLEN + 20 + 8, '9', false, &st->udp_bad},  /* data changed: checksum */
	    {ETH_HLEN + 20 + 6, 0x00, false, &st->udp_bad}, /* half the checksum gone */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memcpy(g, f, n);
		g[cases[i].at] = cases[i].value;
		if (cases[i].resum)
			ip_sum(g);
		u64 was = *cases[i].count;
		net_input(&b.n, g, n);
		assert_int_equal(b.udps, 2);
		if (*cases[i].count != was + 1)
			fail_msg("case %zu (byte %d = %#x) was not counted", i, cases[i].at,
				 cases[i].value);
	}
	/* no UDP checksum at all: accepted */
	memcpy(g, f, n);
	put16(g + ETH_HLEN + 26, 0);
	net_input(&b.n, g, n);
	assert_int_equal(b.udps, 3);
	/* a UDP length shorter than the IP payload: the rest is not data */
	memcpy(g, f, n);
	put16(g + ETH_HLEN + 24, UDP_HLEN + 4);
	put16(g + ETH_HLEN + 26, 0);
	net_input(&b.n, g, n);
	assert_int_equal(b.udps, 4);
	assert_int_equal(b.dlen, 4);
}

static void test_hostile_icmp_arp(void **state)
{
	(void)state;
	udp_frame((u8[ETH_FRAME]){0}, "", 0); /* both know each other */
	u8 f[ETH_FRAME];
	assert_int_equal(net_ping(&a.n, B_IP, 1, 1, "ping", 4), 0);
	size_t n = a.len[0];
	memcpy(f, a.frames[0], n);
	a.nframes = 0;
	f[n - 1] ^= 1; /* data changed: ICMP checksum */
	net_input(&b.n, f, n);
	assert_int_equal(b.n.stats.icmp_bad, 1);
	assert_int_equal(b.nframes, 0);
	f[n - 1] ^= 1;
	/* to the subnet's broadcast: not answered */
	put32(f + ETH_HLEN + 16, 0x0a0002ff);
	ip_sum(f);
	net_input(&b.n, f, n);
	assert_int_equal(b.n.stats.icmp_other, 1);
	assert_int_equal(b.nframes, 0);
	/* ICMP shorter than its header */
	put32(f + ETH_HLEN + 16, B_IP);
	put16(f + ETH_HLEN + 2, IP_HLEN + 4);
	ip_sum(f);
	net_input(&b.n, f, n);
	assert_int_equal(b.n.stats.icmp_bad, 2);

	/* ARP: a request for B, then broken ones */
	b.n.arp[0].ip = 0;
	net_arp_resolve(&a.n, B_IP + 1, (u8[6]){0}); /* a request for someone */
	memcpy(f, a.frames[0], ETH_HLEN + 28);
	a.nframes = 0;
	put32(f + ETH_HLEN + 24, B_IP);
	net_input(&b.n, f, ETH_HLEN + 28);
	assert_int_equal(b.n.stats.arp_requests, 1);
	assert_int_equal(b.nframes, 1);
	b.nframes = 0;
	int offs[] = {1, 3, 4, 5, 7};
	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		u8 g[ETH_HLEN + 28];
		memcpy(g, f, sizeof(g));
		g[ETH_HLEN + offs[i]] ^= 0x10;
		net_input(&b.n, g, sizeof(g));
	}
	net_input(&b.n, f, ETH_HLEN + 27); /* truncated */
	f[ETH_HLEN + 8] = 0x01;		   /* a group MAC as the sender's */
	net_input(&b.n, f, ETH_HLEN + 28);
	assert_int_equal(b.n.stats.arp_bad, ARRAY_SIZE(offs) + 2);
	assert_int_equal(b.n.stats.arp_requests, 1);
	assert_int_equal(b.nframes, 0);
}

/* ---- TCP ----------------------------------------------------------------- */

static u8 pattern[90000]; /* bytes to send: each its index's hash */

static void fill(void)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = i * 2654435761u >> 13;
}

/* B connects to A's port 7: the handshake, ARP first. */
static void tcp_connected(void)
{
	fill();
	a.listen = 7;
	b.tcb = net_tcp_connect(&b.n, 1, A_IP, 7);
	assert_true(b.tcb >= 0);
	pump();
	assert_int_equal(a.accepts, 1);
	assert_int_equal(a.n.tcp[a.tcb].state, TCP_ESTABLISHED);
	assert_int_equal(b.n.tcp[b.tcb].state, TCP_ESTABLISHED);
	assert_int_equal(a.n.tcp[a.tcb].rport, b.n.tcp[b.tcb].lport);
}

/* from sends n bytes of pattern to; to's program reads them at once
   (its room comes back after every pump). */
static void stream(struct side *from, struct side *to, size_t n)
{
	size_t sent = 0, was = to->rxn;
	for (int rounds = 0; to->rxn - was < n; rounds++) {
		assert_true(rounds < 1000);
		sent += net_tcp_send(&from->n, from->tcb, pattern + sent, n - sent);
		pump();
		to->room = 65536;
		net_tcp_window(&to->n, to->tcb);
		pump();
	}
	assert_int_equal(to->rxn - was, n);
	assert_memory_equal(to->rx + was, pattern, n);
}

static void test_tcp_stream(void **state)
{
	(void)state;
	tcp_connected();
	stream(&b, &a, 40000); /* more than one send buffer */
	stream(&a, &b, sizeof(pattern));
	assert_int_equal(a.n.stats.tcp_ooo + b.n.stats.tcp_ooo, 0);
	/* B closes: A's program sees the FIN, closes too; B waits, then is gone */
	net_tcp_close(&b.n, b.tcb);
	pump();
	assert_int_equal(a.fins, 1);
	assert_int_equal(a.n.tcp[a.tcb].state, TCP_CLOSE_WAIT);
	assert_int_equal(b.n.tcp[b.tcb].state, TCP_FIN_WAIT_2);
	net_tcp_close(&a.n, a.tcb);
	pump();
	assert_int_equal(a.n.tcp[a.tcb].state, TCP_FREE);
	assert_int_equal(b.n.tcp[b.tcb].state, TCP_TIME_WAIT);
	assert_int_equal(b.fins, 0); /* B's program had closed: nobody to tell */
	b.n.ms += TCP_WAIT_MS;
	assert_int_equal(net_tcp_tick(&b.n), 0);
	assert_int_equal(b.n.tcp[b.tcb].state, TCP_FREE);
	assert_int_equal(a.gones + b.gones, 0);
}

/* A's window is its program's room: never a byte more, the rest when it reads. */
static void test_tcp_window(void **state)
{
	(void)state;
	tcp_connected();
	/* A's program never reads: A takes exactly the room it advertised */
	size_t sent = 0;
	for (int i = 0; i < 20; i++) {
		sent += net_tcp_send(&b.n, b.tcb, pattern + sent, sizeof(pattern) - sent);
		pump();
	}
	assert_int_equal(a.room, 0);
	assert_int_equal(a.rxn, 65536);
	assert_int_equal(b.n.tcp[b.tcb].wnd, 0);
	assert_true(net_tcp_window(&a.n, a.tcb)); /* still no room: still short */
	assert_int_equal(a.nframes, 0);		  /* and nothing worth saying */
	/* B's timer probes the closed window: a byte past it, refused */
	b.n.ms += TCP_RTO_MS;
	net_tcp_tick(&b.n);
	pump();
	assert_int_equal(a.rxn, 65536);
	assert_int_equal(a.n.stats.tcp_ooo, 1);
	/* the program reads: the window opens, B sends the rest */
	for (int i = 0; a.rxn < sizeof(pattern); i++) {
		assert_true(i < 100);
		a.room = 65536;
		net_tcp_window(&a.n, a.tcb);
		sent += net_tcp_send(&b.n, b.tcb, pattern + sent, sizeof(pattern) - sent);
		pump();
	}
	assert_memory_equal(a.rx, pattern, sizeof(pattern));
}

/* Frames lost on the link come again when the timer fires. */
static void test_tcp_retransmit(void **state)
{
	(void)state;
	tcp_connected();
	b.drop = 2;
	net_tcp_send(&b.n, b.tcb, pattern, 2000); /* two segments, both lost */
	pump();
	assert_int_equal(a.rxn, 0);
	assert_int_equal(net_tcp_tick(&b.n), b.n.ms + TCP_RTO_MS);
	b.n.ms += TCP_RTO_MS - 1;
	net_tcp_tick(&b.n);
	assert_int_equal(b.nframes, 0); /* not yet */
	b.n.ms += 1;
	net_tcp_tick(&b.n);
	pump();
	assert_int_equal(a.rxn, 2000);
	assert_memory_equal(a.rx, pattern, 2000);
	assert_int_equal(b.n.stats.tcp_rexmit, 1);
	/* A's ACK lost: B sends again, A takes nothing twice */
	a.drop = 1;
	net_tcp_send(&b.n, b.tcb, pattern + 2000, 500);
	pump();
	b.n.ms += 10 * TCP_RTO_MS;
	net_tcp_tick(&b.n);
	pump();
	assert_int_equal(a.rxn, 2500);
	assert_memory_equal(a.rx, pattern, 2500);
	assert_int_equal(a.n.stats.tcp_ooo, 0);
	assert_int_equal(net_tcp_tick(&b.n), 0); /* all acknowledged: no timer */
	/* a segment past a gap: dropped, and the duplicate ACK asks again */
	b.drop = 1;
	net_tcp_send(&b.n, b.tcb, pattern + 2500, 1460);
	net_tcp_send(&b.n, b.tcb, pattern + 3960, 100);
	pump();
	assert_int_equal(a.n.stats.tcp_ooo, 1);
	assert_int_equal(a.rxn, 2500);
	b.n.ms += TCP_RTO_MAX;
	net_tcp_tick(&b.n);
	pump();
	assert_int_equal(a.rxn, 4060);
	assert_memory_equal(a.rx, pattern, 4060);
	/* A gone silent: B gives up after TCP_TRIES timeouts, with a reset */
	a.drop = -1;
	net_tcp_send(&b.n, b.tcb, "z", 1);
	for (int i = 0; i <= TCP_TRIES; i++) {
		assert_int_equal(b.gones, 0);
		b.n.ms += TCP_RTO_MAX;
		net_tcp_tick(&b.n);
		pump();
	}
	assert_int_equal(b.gones, 1);
	assert_int_equal(b.n.tcp[b.tcb].state, TCP_FREE);
	assert_int_equal(a.gones, 1); /* B's reset reached A */
	assert_int_equal(a.n.tcp[a.tcb].state, TCP_FREE);
}

/* Nobody listens: a reset, and the opener hears of it. */
static void test_tcp_refused(void **state)
{
	(void)state;
	b.tcb = net_tcp_connect(&b.n, 1, A_IP, 9);
	pump();
	assert_int_equal(a.n.stats.tcp_noport, 1);
	assert_int_equal(b.gones, 1);
	assert_int_equal(b.n.tcp[b.tcb].state, TCP_FREE);
	/* a listener gone by the handshake's last ACK: a reset too */
	a.listen = 7;
	a.drop = 1; /* A's SYN-ACK, so the last ACK comes later */
	b.tcb = net_tcp_connect(&b.n, 1, A_IP, 7);
	pump();
	a.n.ms = b.n.ms = TCP_RTO_MS;
	net_tcp_tick(&a.n);
	a.listen = 0;
	pump();
	assert_int_equal(a.accepts, 0);
	assert_int_equal(b.gones, 2);
	/* nobody answers at all: the SYN goes TCP_TRIES more times, then the
	   opener hears; the listener's half-open tcb is forgotten as quietly */
	a.listen = 7;
	b.drop = -1;
	b.tcb = net_tcp_connect(&b.n, 1, A_IP, 7);
	for (int i = 0; i <= TCP_TRIES; i++) {
		assert_int_equal(b.gones, 2);
		b.n.ms += TCP_RTO_MAX;
		net_tcp_tick(&b.n);
	}
	assert_int_equal(b.gones, 3);
	assert_int_equal(b.n.stats.tcp_rexmit, TCP_TRIES);
	b.drop = 0;
	a.drop = -1; /* a SYN-ACK nobody gets */
	net_tcp_connect(&b.n, 1, A_IP, 7);
	pump();
	int half = 0;
	for (int i = 0; i < TCP_CONNS; i++)
		half += a.n.tcp[i].state == TCP_SYN_RCVD;
	assert_int_equal(half, 1);
	for (int i = 0; i <= TCP_TRIES; i++) {
		a.n.ms += TCP_RTO_MAX;
		net_tcp_tick(&a.n);
	}
	for (int i = 0; i < TCP_CONNS; i++)
		assert_int_equal(a.n.tcp[i].state, TCP_FREE);
	assert_int_equal(a.accepts + a.gones, 0);
}

/* B's segment on the connection as a frame, not delivered. */
static size_t tcp_frame(u8 *f, const char *data, size_t n)
{
	net_tcp_send(&b.n, b.tcb, data, n);
	assert_int_equal(b.nframes, 1);
	b.nframes = 0;
	memcpy(f, b.frames[0], b.len[0]);
	return b.len[0];
}

/* Put the TCP checksum right again after a change. */
static void tcp_sum(u8 *f, size_t n)
{
	u8 *p = f + ETH_HLEN + IP_HLEN;
	put16(p + 16, 0);
	put16(p + 16, net_csum(p, n - ETH_HLEN - IP_HLEN,
			       net_pseudo(get32(f + ETH_HLEN + 12), get32(f + ETH_HLEN + 16),
					  IP_PROTO_TCP, n - ETH_HLEN - IP_HLEN)));
}

static void test_tcp_hostile(void **state)
{
	(void)state;
	tcp_connected();
	u8 f[ETH_FRAME], g[ETH_FRAME];
	size_t n = tcp_frame(f, "0123456789", 10);
	struct net_stats *st = &a.n.stats;
	const int T = ETH_HLEN + IP_HLEN;
	/* truncated TCP headers (IP's length says so, checksum right): bad */
	for (size_t k = 0; k < TCP_HLEN; k++) {
		memcpy(g, f, n);
		put16(g + ETH_HLEN + 2, IP_HLEN + k);
		ip_sum(g);
		net_input(&a.n, g, T + k);
	}
	assert_int_equal(st->tcp_bad, TCP_HLEN);
	struct {
		int at;
		u8 value;
		bool resum;
		u64 *count;
	} cases[] = {
	    {T + 12, 0x40, true, &st->tcp_bad},	  /* offset 4: inside the fixed header */
	    {T + 12, 0xf0, true, &st->tcp_bad},	  /* offset 60: past the segment */
	    {T + 12, 0x60, false, &st->tcp_csum}, /* offset changed, checksum not */
	    {T + 20, '9', false, &st->tcp_csum},  /* data changed */
	    {T + 0, 0, true, &st->tcp_bad},	  /* from port 0 (both bytes) */
	    {T + 7, 0x55, true, &st->tcp_ooo},	  /* a sequence number ahead: a gap */
	    {T + 13, 0x04, true, NULL},		  /* a reset not at rcv exactly: ignored */
	    {T + 13, 0x02, true, NULL},		  /* a SYN on a live connection: an ACK only */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memcpy(g, f, n);
		g[cases[i].at] = cases[i].value;
		if (cases[i].at == T + 0)
			g[T + 1] = 0;
		if (cases[i].at == T + 13)
			put32(g + T + 4, get32(f + T + 4) + 5000);
		if (cases[i].resum)
			tcp_sum(g, n);
		u64 was = cases[i].count ? *cases[i].count : 0;
		net_input(&a.n, g, n);
		a.nframes = 0; /* a duplicate or challenge ACK, at most */
		assert_int_equal(a.rxn, 0);
		if (cases[i].count && *cases[i].count != was + 1)
			fail_msg("case %zu (byte %d = %#x) was not counted", i, cases[i].at,
				 cases[i].value);
	}
	assert_int_equal(a.n.tcp[a.tcb].state, TCP_ESTABLISHED);
	assert_int_equal(a.gones, 0);
	/* an ACK of bytes never sent: refused, nothing delivered */
	memcpy(g, f, n);
	put32(g + T + 8, get32(f + T + 8) + 100000);
	tcp_sum(g, n);
	net_input(&a.n, g, n);
	assert_int_equal(a.rxn, 0);
	/* the real one still goes through, once */
	net_input(&a.n, f, n);
	net_input(&a.n, f, n);
	assert_int_equal(a.rxn, 10);
	assert_memory_equal(a.rx, "0123456789", 10);
	/* a segment for no connection, not a SYN: a reset with its ACK as seq */
	a.nframes = 0;
	memcpy(g, f, n);
	put16(g + T, 4444);
	tcp_sum(g, n);
	net_input(&a.n, g, n);
	assert_int_equal(a.nframes, 1);
	assert_int_equal(a.frames[0][T + 13], 0x04);
	assert_int_equal(get32(a.frames[0] + T + 4), get32(g + T + 8));
	/* a reset for no connection: not answered */
	a.nframes = 0;
	g[T + 13] = 0x04;
	tcp_sum(g, n);
	net_input(&a.n, g, n);
	assert_int_equal(a.nframes, 0);
}

/* A SYN flood fills the table, never takes the listener; a client still gets in. */
static void test_tcp_synflood(void **state)
{
	(void)state;
	tcp_connected(); /* one live connection, which the flood must not touch */
	u8 f[ETH_FRAME];
	size_t n = tcp_frame(f, "x", 1);
	net_input(&a.n, f, n);
	pump();
	const int T = ETH_HLEN + IP_HLEN;
	for (int i = 0; i < 3 * TCP_CONNS; i++) {
		u8 g[ETH_FRAME];
		memcpy(g, f, n);
		put16(g + T, 20000 + i); /* a new peer each time */
		g[T + 13] = 0x02;	 /* SYN */
		a.n.ms = i;
		tcp_sum(g, n);
		net_input(&a.n, g, n);
		a.nframes = 0; /* its SYN-ACK, lost on the way to nobody */
	}
	assert_int_equal(a.accepts, 1);
	assert_true(a.n.stats.tcp_full >= 2 * TCP_CONNS);
	assert_int_equal(a.n.tcp[a.tcb].state, TCP_ESTABLISHED);
	/* B's second connection evicts the oldest half-open one */
	int first = b.tcb;
	b.tcb = net_tcp_connect(&b.n, 1, A_IP, 7);
	pump();
	assert_int_equal(a.accepts, 2);
	assert_int_equal(b.n.tcp[b.tcb].state, TCP_ESTABLISHED);
	a.rxn = 0;
	stream(&b, &a, 5000);
	b.tcb = first;
	stream(&b, &a, 100);
	assert_int_equal(a.gones, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checksum),
	    cmocka_unit_test(test_parse_ip),
	    cmocka_unit_test_setup(test_udp_arp, setup),
	    cmocka_unit_test_setup(test_ping, setup),
	    cmocka_unit_test_setup(test_route, setup),
	    cmocka_unit_test_setup(test_arp_waiting, setup),
	    cmocka_unit_test_setup(test_hostile, setup),
	    cmocka_unit_test_setup(test_hostile_icmp_arp, setup),
	    cmocka_unit_test_setup(test_tcp_stream, setup),
	    cmocka_unit_test_setup(test_tcp_window, setup),
	    cmocka_unit_test_setup(test_tcp_retransmit, setup),
	    cmocka_unit_test_setup(test_tcp_refused, setup),
	    cmocka_unit_test_setup(test_tcp_hostile, setup),
	    cmocka_unit_test_setup(test_tcp_synflood, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
