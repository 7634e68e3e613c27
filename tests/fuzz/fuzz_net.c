/*
 * fuzz_net.c - the IPv4 stack's receive path (user/lib/net_*.c) on any
 * bytes at all: net_input() must never read outside the frame, never
 * deliver more than the frame held, and never send a frame that is not
 * one.
 *
 * Random bytes rarely get past an Ethernet address and a checksum, so
 * the first byte of the input (mod 7) chooses how much of a frame is
 * made right, and the rest is the fuzzer's: 0 none of it; an Ethernet
 * header for us with the rest as 1 IPv4 or 2 ARP; that and an IPv4
 * header with its checksum right, the rest as 3 UDP, 4 ICMP or 5 TCP;
 * 6 a TCP segment on a connection the stack has just accepted (from
 * 10.0.2.2:1234 to port 7, our first sequence number 64000, theirs
 * 1000), its ports and checksum made right, the rest (sequence numbers,
 * offset, flags, window, options, data) the fuzzer's. Each frame is in
 * a heap block of exactly its size, so a byte read past it is an
 * AddressSanitizer report.
 *
 * Run: make fuzz-host (see docs/testing.md, "Host fuzzing").
 */
#include "fuzz.h"
#include "netstack.h"

#include "../../user/lib/net_eth.c"
#include "../../user/lib/net_arp.c"
#include "../../user/lib/net_ip.c"
#include "../../user/lib/net_icmp.c"
#include "../../user/lib/net_udp.c"
#include "../../user/lib/net_tcp.c"

static struct net net;
static const u8 *frame;
static size_t frame_len;
static unsigned sent, delivered;

static void fuzz_init(void) {}

/* What went up must lie inside the frame that came in. */
static void inside(const u8 *d, size_t n)
{
	CHECK(d >= frame && d + n <= frame + frame_len);
	delivered++;
}

static void on_send(void *arg, const u8 *f, size_t n)
{
	(void)arg;
	CHECK(n >= ETH_HLEN && n <= ETH_FRAME);
	CHECK(get16(f + 12) == ETH_TYPE_IP || get16(f + 12) == ETH_TYPE_ARP);
	CHECK(net_mac_eq(f + 6, net.mac));
	if (get16(f + 12) == ETH_TYPE_IP) /* our own header is right */
		CHECK(n >= ETH_HLEN + IP_HLEN && net_csum(f + ETH_HLEN, IP_HLEN, 0) == 0);
	sent++;
}

static bool on_udp(void *arg, u32 src, u16 sport, u16 dport, const u8 *d, size_t n)
{
	(void)arg, (void)src, (void)sport, (void)dport;
	CHECK(n <= UDP_MAX);
	inside(d, n);
	return dport & 1; /* some ports bound, some not */
}

static void on_echo(void *arg, u32 src, u16 id, u16 seq, const u8 *d, size_t n)
{
	(void)arg, (void)src, (void)id, (void)seq;
	inside(d, n);
}

static int tcp_accept(void *arg, u16 port, int tcb)
{
	(void)arg, (void)tcb;
	return port & 1 ? 1 : -1; /* some ports listened on, some not */
}

static size_t tcp_room(void *arg, int user)
{
	(void)arg;
	CHECK(user == 1);
	return 65536;
}

static size_t tcp_recv(void *arg, int user, const u8 *d, size_t n)
{
	(void)arg;
	CHECK(user == 1 && n <= 65535);
	inside(d, n);
	return n;
}

static void tcp_event(void *arg, int user, int ev)
{
	(void)arg;
	CHECK(user == 1 && (ev == TCP_FIN || ev == TCP_GONE));
}

/* A segment from 10.0.2.2:1234 to our port 7, as a frame, checksums right. */
static void segment_in(u32 seq, u32 ack, u8 flags)
{
	u8 f[ETH_HLEN + IP_HLEN + TCP_HLEN] = {0};
	memcpy(f, net.mac, 6);
	memset(f + 6, 0x02, 6);
	put16(f + 12, ETH_TYPE_IP);
	u8 *p = f + ETH_HLEN, *t = p + IP_HLEN;
	p[0] = 0x45;
	put16(p + 2, IP_HLEN + TCP_HLEN);
	p[8] = 64;
	p[9] = IP_PROTO_TCP;
	put32(p + 12, 0x0a000202);
	put32(p + 16, 0x0a00020f);
	put16(p + 10, net_csum(p, IP_HLEN, 0));
	put16(t, 1234);
	put16(t + 2, 7);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	put16(t + 16,
	      net_csum(t, TCP_HLEN, net_pseudo(0x0a000202, 0x0a00020f, IP_PROTO_TCP, TCP_HLEN)));
	frame = f;
	frame_len = sizeof(f);
	net_input(&net, f, sizeof(f));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u8 mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
	if (size < 1)
		return 0;
	net_init(&net, mac, 0x0a00020f, 0xffffff00, 0x0a000202);
	net.send = on_send;
	net.on_udp = on_udp;
	net.on_echo = on_echo;
	net.tcp_accept = tcp_accept;
	net.tcp_room = tcp_room;
	net.tcp_recv = tcp_recv;
	net.tcp_event = tcp_event;
	u8 mode = data[0] % 7;
	if (mode == 6) { /* the gateway's MAC known, and a connection up */
		net.arp[0] = (struct arp_entry){.ip = 0x0a000202, .known = true, .used = 1};
		memset(net.arp[0].mac, 0x02, 6);
		segment_in(1000, 0, 0x02);
		CHECK(net.tcp[0].state == TCP_SYN_RCVD);
		segment_in(1001, net.tcp[0].iss + 1, 0x10);
		CHECK(net.tcp[0].state == TCP_ESTABLISHED);
	}
	data++, size--;
	size_t head = mode == 0 ? 0 : mode <= 2 ? ETH_HLEN : ETH_HLEN + IP_HLEN;
	u8 *f = malloc(head + size ? head + size : 1);
	memcpy(f + head, data, size);
	if (mode >= 1) {
		memcpy(f, mac, 6);
		memset(f + 6, 0x02, 6);
		put16(f + 12, mode == 2 ? ETH_TYPE_ARP : ETH_TYPE_IP);
	}
	if (mode >= 3) {
		u8 *p = f + ETH_HLEN;
		memset(p, 0, IP_HLEN);
		p[0] = 0x45;
		put16(p + 2, IP_HLEN + size);
		p[8] = 64;
		p[9] = mode == 4 ? IP_PROTO_ICMP : mode >= 5 ? IP_PROTO_TCP : IP_PROTO_UDP;
		put32(p + 12, 0x0a000202);
		put32(p + 16, 0x0a00020f);
		put16(p + 10, net_csum(p, IP_HLEN, 0));
	}
	if (mode == 6 && size >= TCP_HLEN) {
		u8 *t = f + head;
		put16(t, 1234);
		put16(t + 2, 7);
		put16(t + 16, 0);
		put16(t + 16,
		      net_csum(t, size, net_pseudo(0x0a000202, 0x0a00020f, IP_PROTO_TCP, size)));
	}
	frame = f;
	frame_len = head + size;
	sent = delivered = 0;
	net_input(&net, f, frame_len);
	/* one frame in: at most one up, at most an answer and an ARP request out */
	CHECK(delivered <= 1 && sent <= 2);
	free(f);
	return 0;
}
