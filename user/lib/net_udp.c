/*
 * net_udp.c - UDP (RFC 768): datagrams between ports. What comes in goes
 * to the stack's owner (on_udp: netd hands it to whoever bound the
 * port); net_udp_send() sends one.
 *
 *   | source port | destination port |
 *   |   length    |    checksum      |   length: header and data
 *   | data ...
 *
 * The checksum covers a pseudo-header (source and destination
 * addresses, protocol 17, the UDP length) and the whole datagram. 0 on
 * the wire means the sender computed none: accepted; anything else is
 * checked. One we compute that comes out 0 is sent as 0xffff, the same
 * number in one's complement.
 */
#include "netstack.h"

void net_udp_input(struct net *n, u32 src, u32 dst, const u8 *p, size_t len)
{
	if (len < UDP_HLEN) {
		n->stats.udp_bad++;
		return;
	}
	size_t ulen = get16(p + 4);
	if (ulen < UDP_HLEN || ulen > len ||
	    (get16(p + 6) != 0 &&
	     net_csum(p, ulen, net_pseudo(src, dst, IP_PROTO_UDP, ulen)) != 0)) {
		n->stats.udp_bad++;
		return;
	}
	u16 sport = get16(p), dport = get16(p + 2);
	if (!n->on_udp || !n->on_udp(n->arg, src, sport, dport, p + UDP_HLEN, ulen - UDP_HLEN))
		n->stats.udp_noport++;
}

int net_udp_send(struct net *n, u32 dst, u16 sport, u16 dport, const void *data, size_t len)
{
	if (len > UDP_MAX || dport == 0)
		return -EINVAL;
	u8 *p = n->out + ETH_HLEN + IP_HLEN;
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, UDP_HLEN + len);
	put16(p + 6, 0);
	memmove(p + UDP_HLEN, data, len);
	u16 sum = net_csum(p, UDP_HLEN + len, net_pseudo(n->ip, dst, IP_PROTO_UDP, UDP_HLEN + len));
	put16(p + 6, sum ? sum : 0xffff);
	return net_ip_output(n, dst, IP_PROTO_UDP, UDP_HLEN + len);
}
