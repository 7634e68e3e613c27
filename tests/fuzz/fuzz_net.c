/*
 * fuzz_net.c - the IPv4 stack's receive path (user/lib/net_*.c) on any
 * bytes at all: net_input() must never read outside the frame, never
 * deliver more than the frame held, and never send a frame that is not
 * one.
 *
 * Random bytes rarely get past an Ethernet address and a checksum, so
 * the first byte of the input (mod 5) chooses how much of a frame is
 * made right, and the rest is the fuzzer's: 0 none of it; an Ethernet
 * header for us with the rest as 1 IPv4 or 2 ARP; that and an IPv4
 * header with its checksum right, the rest as 3 UDP or 4 ICMP. Each
 * frame is in a heap block of exactly its size, so a byte read past it
 * is an AddressSanitizer report.
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

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u8 mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
	if (size < 1)
		return 0;
	net_init(&net, mac, 0x0a00020f, 0xffffff00, 0x0a000202);
	net.send = on_send;
	net.on_udp = on_udp;
	net.on_echo = on_echo;
	u8 mode = data[0] % 5;
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
		p[9] = mode == 4 ? IP_PROTO_ICMP : IP_PROTO_UDP;
		put32(p + 12, 0x0a000202);
		put32(p + 16, 0x0a00020f);
		put16(p + 10, net_csum(p, IP_HLEN, 0));
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
