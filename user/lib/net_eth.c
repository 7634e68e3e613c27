/*
 * net_eth.c - the stack's bottom (user/include/netstack.h): a stack is
 * set up here, every frame from the link comes in here, and every IPv4
 * packet goes out here, with the Ethernet header ARP's answer gives it.
 *
 * An Ethernet II header is 14 bytes: the destination MAC, the source
 * MAC, and the type of what follows (0x0800 IPv4, 0x0806 ARP). The
 * frame's checksum (FCS) is the hardware's business and never reaches us.
 */
#include "netstack.h"

static const u8 bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

bool net_mac_eq(const u8 *a, const u8 *b)
{
	return memcmp(a, b, 6) == 0;
}

void net_init(struct net *n, const u8 mac[6], u32 ip, u32 mask, u32 gw)
{
	memset(n, 0, sizeof(*n));
	memcpy(n->mac, mac, 6);
	n->ip = ip;
	n->mask = mask;
	n->gw = gw;
	n->ip_id = 1;
}

void net_input(struct net *n, const u8 *f, size_t len)
{
	n->stats.rx++;
	if (len < ETH_HLEN || len > ETH_FRAME) {
		n->stats.eth_bad++;
		return;
	}
	/* ours, or everyone's; other multicast is not joined here */
	if (!net_mac_eq(f, n->mac) && !net_mac_eq(f, bcast)) {
		n->stats.eth_other++;
		return;
	}
	u16 type = get16(f + 12);
	if (type == ETH_TYPE_IP)
		net_ip_input(n, f + ETH_HLEN, len - ETH_HLEN);
	else if (type == ETH_TYPE_ARP)
		net_arp_input(n, f + ETH_HLEN, len - ETH_HLEN);
	else
		n->stats.eth_type++;
}

int net_eth_output(struct net *n, u32 hop, size_t len)
{
	u8 *f = n->out;
	int r = hop == 0xffffffff ? (memcpy(f, bcast, 6), 0) : net_arp_resolve(n, hop, f);
	memcpy(f + 6, n->mac, 6);
	put16(f + 12, ETH_TYPE_IP);
	if (r == -EAGAIN)
		return net_arp_hold(n, hop, ETH_HLEN + len);
	if (r < 0)
		return r;
	n->stats.tx++;
	n->send(n->arg, f, ETH_HLEN + len);
	return 0;
}
