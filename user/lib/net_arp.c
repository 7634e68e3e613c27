/*
 * net_arp.c - ARP (RFC 826): which MAC has this IPv4 address on our
 * link. A table of ARP_ENTRIES neighbours; a request is broadcast for
 * an address not in it, and the packet that needed it waits (at most
 * ARP_WAITING packets, for all neighbours) until the reply comes; a
 * request for our address gets a reply.
 *
 * The packet for Ethernet and IPv4 is 28 bytes:
 *   htype 1 | ptype 0x0800 | hlen 6 | plen 4 | op (1 request, 2 reply)
 *   sender MAC | sender IP | target MAC | target IP
 *
 * Entries never expire: addresses here are QEMU's gateway and the
 * guest's own, which do not move. A full table forgets its least
 * recently used entry. Nothing unasked is learnt but from a request for
 * us (whose sender we are about to answer), so a flood of made-up
 * replies cannot fill the table.
 */
#include "netstack.h"

#define ARP_LEN 28

static struct arp_entry *find(struct net *n, u32 ip)
{
	for (int i = 0; i < ARP_ENTRIES; i++)
		if (n->arp[i].ip == ip)
			return &n->arp[i];
	return NULL;
}

/* A slot for ip: a free one, else the least recently used. */
static struct arp_entry *slot(struct net *n, u32 ip)
{
	struct arp_entry *e = find(n, ip), *old = &n->arp[0];
	for (int i = 0; !e && i < ARP_ENTRIES; i++) {
		if (!n->arp[i].ip)
			e = &n->arp[i];
		else if (n->arp[i].used < old->used)
			old = &n->arp[i];
	}
	if (!e)
		e = old;
	if (e->ip != ip)
		memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->used = ++n->clock;
	return e;
}

static void arp_send(struct net *n, u16 op, const u8 *mac, u32 ip)
{
	u8 f[ETH_HLEN + ARP_LEN];
	static const u8 bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	memcpy(f, op == 1 ? bcast : mac, 6);
	memcpy(f + 6, n->mac, 6);
	put16(f + 12, ETH_TYPE_ARP);
	u8 *p = f + ETH_HLEN;
	put16(p, 1);
	put16(p + 2, ETH_TYPE_IP);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, n->mac, 6);
	put32(p + 14, n->ip);
	memcpy(p + 18, op == 1 ? (const u8[6]){0} : mac, 6);
	put32(p + 24, ip);
	n->stats.tx++;
	n->send(n->arg, f, sizeof(f));
}

/* hop's MAC is known now: send what waited for it. */
static void flush(struct net *n, u32 hop, const u8 *mac)
{
	for (int i = 0; i < ARP_WAITING; i++) {
		struct arp_wait *w = &n->waiting[i];
		if (w->hop != hop)
			continue;
		memcpy(w->frame, mac, 6);
		n->stats.tx++;
		n->send(n->arg, w->frame, w->len);
		w->hop = 0;
	}
}

void net_arp_input(struct net *n, const u8 *p, size_t len)
{
	if (len < ARP_LEN || get16(p) != 1 || get16(p + 2) != ETH_TYPE_IP || p[4] != 6 ||
	    p[5] != 4 || (get16(p + 6) != 1 && get16(p + 6) != 2)) {
		n->stats.arp_bad++;
		return;
	}
	u16 op = get16(p + 6);
	const u8 *smac = p + 8;
	u32 sip = get32(p + 14), tip = get32(p + 24);
	/* a group address or nobody's cannot be anyone's MAC; our address
	   is ours (the loopback brings our own requests back) */
	if ((smac[0] & 1) || sip == 0 || sip == n->ip || sip == 0xffffffff) {
		n->stats.arp_bad++;
		return;
	}
	struct arp_entry *e = find(n, sip);
	if (op == 1 && tip == n->ip && !e)
		e = slot(n, sip); /* it asks for us: we answer, and will talk to it */
	if (e) {
		memcpy(e->mac, smac, 6);
		e->known = true;
		flush(n, sip, smac);
	}
	if (op == 1 && tip == n->ip) {
		n->stats.arp_requests++;
		arp_send(n, 2, smac, sip);
	} else if (op == 2 && e) {
		n->stats.arp_replies++;
	}
}

int net_arp_resolve(struct net *n, u32 hop, u8 mac[6])
{
	if (hop == n->ip) { /* ourselves: the link brings it back (netd's loopback) */
		memcpy(mac, n->mac, 6);
		return 0;
	}
	struct arp_entry *e = find(n, hop);
	if (e && e->known) {
		e->used = ++n->clock;
		memcpy(mac, e->mac, 6);
		return 0;
	}
	if (!e)
		slot(n, hop);
	arp_send(n, 1, NULL, hop); /* again, if asked before: the first may have been lost */
	return -EAGAIN;
}

int net_arp_hold(struct net *n, u32 hop, size_t len)
{
	/* a free place, else the oldest packet's: a neighbour that never
	   answers must not keep the room from the others for ever */
	struct arp_wait *w = &n->waiting[0];
	for (int i = 0; i < ARP_WAITING && w->hop; i++)
		if (!n->waiting[i].hop || n->waiting[i].when < w->when)
			w = &n->waiting[i];
	if (w->hop)
		n->stats.no_route++;
	w->hop = hop;
	w->len = len;
	w->when = ++n->clock;
	memcpy(w->frame, n->out, len);
	return 0;
}
