/*
 * net_icmp.c - ICMP echo (RFC 792): a request for our address is
 * answered with the same identifier, sequence number and data; a reply
 * goes to the stack's owner (netd gives it to the `ping` that asked);
 * net_ping() sends a request. Other ICMP messages are counted and
 * ignored.
 *
 *   | type (8 request, 0 reply) | code 0 | checksum (whole message) |
 *   |        identifier         |        sequence number           |
 *   | data ...
 */
#include "netstack.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO	8

/* Build an echo message at the stack's out buffer and send it. */
static int echo(struct net *n, u8 type, u32 dst, u16 id, u16 seq, const void *data, size_t len)
{
	if (len > ETH_MTU - IP_HLEN - ICMP_HLEN)
		return -EINVAL;
	u8 *p = n->out + ETH_HLEN + IP_HLEN;
	p[0] = type;
	p[1] = 0;
	put16(p + 2, 0);
	put16(p + 4, id);
	put16(p + 6, seq);
	memmove(p + ICMP_HLEN, data, len); /* a reply's data may be in the out buffer already */
	put16(p + 2, net_csum(p, ICMP_HLEN + len, 0));
	return net_ip_output(n, dst, IP_PROTO_ICMP, ICMP_HLEN + len);
}

void net_icmp_input(struct net *n, u32 src, u32 dst, const u8 *p, size_t len)
{
	if (len < ICMP_HLEN || net_csum(p, len, 0) != 0) {
		n->stats.icmp_bad++;
		return;
	}
	if (p[0] == ICMP_ECHO && p[1] == 0 && dst == n->ip) {
		/* not to a broadcast: one ping must not make a whole subnet answer */
		n->stats.icmp_echo++;
		echo(n, ICMP_ECHO_REPLY, src, get16(p + 4), get16(p + 6), p + ICMP_HLEN,
		     len - ICMP_HLEN);
	} else if (p[0] == ICMP_ECHO_REPLY && p[1] == 0 && n->on_echo) {
		n->on_echo(n->arg, src, get16(p + 4), get16(p + 6), p + ICMP_HLEN, len - ICMP_HLEN);
	} else {
		n->stats.icmp_other++;
	}
}

int net_ping(struct net *n, u32 dst, u16 id, u16 seq, const void *data, size_t len)
{
	return echo(n, ICMP_ECHO, dst, id, seq, data, len);
}
