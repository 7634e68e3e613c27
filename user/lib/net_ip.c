/*
 * net_ip.c - IPv4 (RFC 791): the checks every packet that comes in must
 * pass before its payload goes to ICMP, UDP or TCP, the header of every packet
 * that goes out, the route (our subnet directly, the rest through the
 * gateway), and the Internet checksum (RFC 1071) all three use.
 *
 *   0      4      8             16                            31
 *   | ver  | ihl  |     tos     |        total length          |
 *   |      identification       | flags |  fragment offset     |
 *   |     ttl     |  protocol   |      header checksum         |
 *   |                      source address                      |
 *   |                    destination address                   |
 *
 * No fragment reassembly: a fragment (more-fragments set, or an offset)
 * is dropped and counted, and what we send never needs fragmenting (a
 * UDP datagram is at most UDP_MAX bytes: one frame) and says so (DF).
 * No options either: nothing here needs them, and a header with options
 * is dropped and counted.
 */
#include "netstack.h"

#define IP_DF	 0x4000
#define IP_MF	 0x2000
#define IP_FRAG	 0x1fff /* the offset, in 8-byte units */
#define IP_TTL	 64
#define IP_BCAST 0xffffffff

u32 net_csum_add(const u8 *p, size_t len, u32 sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += p[0] << 8; /* an odd byte, as if followed by a zero */
	return sum;
}

/* The sum of the pseudo-header UDP's and TCP's checksums cover: the
   addresses, the protocol and the segment's length (RFC 768, RFC 9293). */
u32 net_pseudo(u32 src, u32 dst, u8 proto, size_t len)
{
	u8 h[12];
	put32(h, src);
	put32(h + 4, dst);
	h[8] = 0;
	h[9] = proto;
	put16(h + 10, len);
	return net_csum_add(h, sizeof(h), 0);
}

u16 net_csum(const u8 *p, size_t len, u32 sum)
{
	sum = net_csum_add(p, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Is dst ours to take: our address, everyone's, or our subnet's broadcast? */
static bool for_us(struct net *n, u32 dst)
{
	return dst == n->ip || dst == IP_BCAST || (n->mask && dst == (n->ip | ~n->mask));
}

void net_ip_input(struct net *n, const u8 *p, size_t len)
{
	if (len < IP_HLEN || p[0] >> 4 != 4) {
		n->stats.ip_bad++;
		return;
	}
	size_t hlen = (p[0] & 15) * 4, total = get16(p + 2);
	if (hlen < IP_HLEN || total < hlen || total > len) {
		n->stats.ip_bad++; /* Ethernet pads short frames: past `total` is padding */
		return;
	}
	if (hlen != IP_HLEN) {
		n->stats.ip_opts++;
		return;
	}
	if (net_csum(p, hlen, 0) != 0) {
		n->stats.ip_csum++;
		return;
	}
	if (get16(p + 6) & (IP_MF | IP_FRAG)) {
		n->stats.ip_frag++;
		return;
	}
	u32 src = get32(p + 12), dst = get32(p + 16);
	if (src == IP_BCAST || (src >> 28) == 0xe || (n->mask && src == (n->ip | ~n->mask))) {
		n->stats.ip_bad++; /* nobody sends from a group: never answer one */
		return;
	}
	if (!for_us(n, dst)) {
		n->stats.ip_other++;
		return;
	}
	if (p[9] == IP_PROTO_ICMP)
		net_icmp_input(n, src, dst, p + hlen, total - hlen);
	else if (p[9] == IP_PROTO_UDP)
		net_udp_input(n, src, dst, p + hlen, total - hlen);
	else if (p[9] == IP_PROTO_TCP)
		net_tcp_input(n, src, dst, p + hlen, total - hlen);
	else
		n->stats.ip_proto++;
}

int net_ip_output(struct net *n, u32 dst, u8 proto, size_t len)
{
	if (len > ETH_MTU - IP_HLEN || dst == 0)
		return -EINVAL;
	u8 *p = n->out + ETH_HLEN;
	p[0] = 0x45; /* version 4, 5 words of header */
	p[1] = 0;
	put16(p + 2, IP_HLEN + len);
	put16(p + 4, n->ip_id++);
	put16(p + 6, IP_DF);
	p[8] = IP_TTL;
	p[9] = proto;
	put16(p + 10, 0);
	put32(p + 12, n->ip);
	put32(p + 16, dst);
	put16(p + 10, net_csum(p, IP_HLEN, 0));
	u32 hop = dst;
	if (dst != IP_BCAST && (dst & n->mask) != (n->ip & n->mask)) {
		if (!n->gw) {
			n->stats.no_route++;
			return -EINVAL;
		}
		hop = n->gw;
	}
	return net_eth_output(n, hop, IP_HLEN + len);
}

int net_parse_ip(const char *s, u32 *ip)
{
	u32 v = 0;
	for (int i = 0; i < 4; i++) {
		u32 b = 0;
		int digits = 0;
		for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
			b = b * 10 + (*s - '0');
		if (!digits || digits > 3 || b > 255 || *s != (i < 3 ? '.' : '\0'))
			return -EINVAL;
		if (i < 3)
			s++;
		v = v << 8 | b;
	}
	*ip = v;
	return 0;
}
