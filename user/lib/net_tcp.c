/*
 * net_tcp.c - TCP (RFC 793, 1122, 6298's timer, 5961's strict reset):
 * reliable, ordered byte streams over IPv4, for the stack's owner
 * (netd: one connection, one program's pipe; docs/servers.md,
 * "Network", has the state machine as a picture).
 *
 *   | source port          | destination port        |
 *   |                sequence number                 |
 *   |             acknowledgment number              |
 *   | offset | flags       | window                  |
 *   | checksum             | urgent pointer          |
 *   | options (offset * 4 - 20 bytes) | data ...
 *
 * What is here, and what is left out on purpose:
 * - Passive open: a SYN for a port the owner listens on (tcp_accept)
 *   gets a SYN-ACK and a half-open tcb; only the handshake's last ACK
 *   hands the connection to a listener. Half-open tcbs never hold a
 *   listener, and a SYN that finds every tcb busy evicts the oldest
 *   half-open one: a SYN flood fills the table, never the owner's
 *   listeners, and a real client still gets in.
 * - Active open (net_tcp_connect), from an ephemeral port.
 * - In-order delivery only: a segment that does not start at the next
 *   byte expected is dropped (counted) and answered by a duplicate ACK;
 *   the peer sends it again. Nothing out of order is kept.
 * - The window we advertise is the owner's room for the bytes (netd:
 *   the free space of the program's pipe), at most 65535 (no scaling).
 *   Its right edge never moves left, so every byte the peer was told it
 *   could send fits when it comes: none is ever dropped for want of room.
 * - One timer per connection: retransmission from the first
 *   unacknowledged byte (go back N), TCP_RTO_MS doubled on each timeout
 *   up to TCP_RTO_MAX, no RTT estimate; TCP_TRIES timeouts without an
 *   answer and the connection is reset. The same timer probes a zero
 *   window with one byte, and ends TIME-WAIT.
 * - No congestion control (slow start, fast retransmit), no delayed
 *   ACKs, no urgent data, no options but MSS, no simultaneous open.
 *
 * Every segment is hostile: the offset, the length and the checksum are
 * checked before a field is used; a reset is taken only at exactly the
 * next sequence number expected, a SYN on a live connection only earns
 * an ACK, and an ACK for bytes never sent is refused.
 */
#include "netstack.h"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

#define SEQ_LT(a, b) ((int)((a) - (b)) < 0)
#define SEQ_LE(a, b) ((int)((a) - (b)) <= 0)

/* One segment out: to dst, from our port sport; with our MSS if a SYN. */
static void segment(struct net *n, u32 dst, u16 sport, u16 dport, u32 seq, u32 ack, u8 flags,
		    u16 wnd, const u8 *data, size_t len)
{
	u8 *p = n->out + ETH_HLEN + IP_HLEN;
	size_t hlen = TCP_HLEN + (flags & SYN ? 4 : 0);
	put16(p, sport);
	put16(p + 2, dport);
	put32(p + 4, seq);
	put32(p + 8, ack);
	p[12] = hlen / 4 << 4;
	p[13] = flags;
	put16(p + 14, wnd);
	put32(p + 16, 0); /* checksum, urgent pointer */
	if (flags & SYN) {
		p[20] = 2; /* MSS, 4 bytes */
		p[21] = 4;
		put16(p + 22, TCP_MSS);
	}
	if (len)
		memcpy(p + hlen, data, len);
	put16(p + 16, net_csum(p, hlen + len, net_pseudo(n->ip, dst, IP_PROTO_TCP, hlen + len)));
	net_ip_output(n, dst, IP_PROTO_TCP, hlen + len);
}

/* The window to advertise: the owner's room (a sink once it closed). */
static u32 window(struct net *n, struct tcb *t)
{
	size_t room = TCP_WIN;
	if (t->user >= 0 && n->tcp_room)
		room = n->tcp_room(n->arg, t->user);
	return MIN(room, TCP_WIN);
}

/* A segment of t's, acknowledging all we have; the window's right edge
   never moves left (what the peer was allowed to send stays allowed). */
static void send_seg(struct net *n, struct tcb *t, u32 seq, u8 flags, const u8 *data, size_t len)
{
	u32 w = window(n, t);
	if (SEQ_LT(t->rcv + w, t->redge))
		w = t->redge - t->rcv;
	t->redge = t->rcv + w;
	segment(n, t->rip, t->lport, t->rport, seq, t->rcv, flags | ACK, w, data, len);
}

static void arm(struct net *n, struct tcb *t)
{
	if (!t->at)
		t->at = n->ms + t->rto;
}

/* Send what the peer's window allows from nxt on; force: one byte (or
   the FIN) even into a closed window (a probe, or a retransmission). */
static void output(struct net *n, struct tcb *t, bool force)
{
	if (t->state < TCP_ESTABLISHED || t->state == TCP_TIME_WAIT)
		return;
	for (;;) {
		u32 sent = t->nxt - t->base; /* data bytes sent; len + 1 once the FIN is */
		if (sent > t->len)
			return;
		u32 room = SEQ_LT(t->nxt, t->una + t->wnd) ? t->una + t->wnd - t->nxt : 0;
		bool probe = force && !room;
		u32 k = MIN(MIN(t->len - sent, probe ? 1 : room), t->mss);
		bool fin = t->fin && sent + k == t->len;
		if (!k && !fin) {
			if (t->len > sent)
				arm(n, t); /* a closed window: probe it when the timer fires */
			return;
		}
		send_seg(n, t, t->nxt, (fin ? FIN : 0) | (k ? PSH : 0), t->buf + sent, k);
		u32 end = t->nxt + k + fin;
		if (SEQ_LT(t->max, end))
			t->max = end; /* its ACK is welcome... */
		arm(n, t);
		if (probe)
			return; /* ...but a probe is sent again from nxt once the window opens */
		t->nxt = end;
		force = false;
	}
}

static void gone(struct net *n, struct tcb *t, bool reset)
{
	if (reset)
		n->stats.tcp_reset++;
	if (t->user >= 0 && n->tcp_event)
		n->tcp_event(n->arg, t->user, TCP_GONE);
	t->state = TCP_FREE;
}

/* RFC 793's answer to a segment for no connection (never to a reset). */
static void refuse(struct net *n, u32 src, u16 sport, u16 dport, u32 seq, u32 ack, u8 flags,
		   size_t len)
{
	if (flags & RST)
		return;
	if (flags & ACK)
		segment(n, src, dport, sport, ack, 0, RST, 0, NULL, 0);
	else
		segment(n, src, dport, sport, 0, seq + len + !!(flags & SYN) + !!(flags & FIN),
			RST | ACK, 0, NULL, 0);
}

static struct tcb *tcb_find(struct net *n, u32 src, u16 sport, u16 dport)
{
	for (int i = 0; i < TCP_CONNS; i++) {
		struct tcb *t = &n->tcp[i];
		if (t->state != TCP_FREE && t->rip == src && t->rport == sport && t->lport == dport)
			return t;
	}
	return NULL;
}

/* A free tcb; every one busy: the oldest half-open one, or NULL. */
static struct tcb *tcb_slot(struct net *n, bool evict)
{
	struct tcb *old = NULL;
	for (int i = 0; i < TCP_CONNS; i++) {
		struct tcb *t = &n->tcp[i];
		if (t->state == TCP_FREE)
			return t;
		if (t->state == TCP_SYN_RCVD && (!old || t->born < old->born))
			old = t;
	}
	if (!evict || !old)
		return NULL;
	n->stats.tcp_full++;
	return old; /* nobody's yet: forgotten without a word, as if its SYN was lost */
}

static void fresh(struct net *n, struct tcb *t, int state, u32 dst, u16 dport, u16 lport)
{
	memset(t, 0, __builtin_offsetof(struct tcb, buf));
	t->state = state;
	t->user = -1;
	t->rip = dst;
	t->rport = dport;
	t->lport = lport;
	/* predictable, as the teaching stack it is: RFC 6528's hash is the real fix */
	n->tcp_seq += 64000 + (u32)n->ms * 250;
	t->iss = t->una = n->tcp_seq;
	t->nxt = t->max = t->base = t->iss + 1;
	t->mss = 536; /* RFC 1122's default until the peer says */
	t->rto = TCP_RTO_MS;
	t->born = n->ms;
}

/* The MSS option of a SYN (options are hostile too: each length checked). */
static u16 mss_option(const u8 *o, size_t len)
{
	u16 mss = 536;
	for (size_t i = 0; i < len && o[i] != 0;) {
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			break;
		if (o[i] == 2 && o[i + 1] == 4)
			mss = get16(o + i + 2);
		i += o[i + 1];
	}
	return MAX(MIN(mss, TCP_MSS), 64);
}

/* The handshake's last ACK came: a listener takes the connection, if one still waits. */
static void accept_it(struct net *n, struct tcb *t)
{
	int user = n->tcp_accept ? n->tcp_accept(n->arg, t->lport, t - n->tcp) : -1;
	if (user < 0) {
		segment(n, t->rip, t->lport, t->rport, t->nxt, 0, RST, 0, NULL, 0);
		t->state = TCP_FREE;
		n->stats.tcp_noport++;
		return;
	}
	t->user = user;
	t->state = TCP_ESTABLISHED;
}

/* An acceptable ACK (una < ack <= max): drop what it covers from buf. */
static void acked(struct net *n, struct tcb *t, u32 ack)
{
	u32 k = SEQ_LT(t->base, ack) ? MIN(ack - t->base, t->len) : 0;
	memmove(t->buf, t->buf + k, t->len - k);
	t->len -= k;
	t->base += k;
	t->una = ack;
	if (SEQ_LT(t->nxt, ack))
		t->nxt = ack;
	t->at = 0;
	t->rto = TCP_RTO_MS;
	if (t->una != t->max)
		arm(n, t);
}

/* Our FIN is acknowledged once una passes the last data byte. */
static bool fin_acked(struct tcb *t)
{
	return t->fin && t->una == t->base + t->len + 1;
}

/* Data and FIN of a segment on a synchronized connection. */
static void receive(struct net *n, struct tcb *t, u32 seq, u8 flags, const u8 *d, size_t len)
{
	u32 off = t->rcv - seq;
	if (SEQ_LT(t->rcv, seq)) {
		n->stats.tcp_ooo++; /* a gap before it: dropped, the duplicate ACK asks again */
		send_seg(n, t, t->nxt, 0, NULL, 0);
		return;
	}
	bool fin = flags & FIN, some = len || fin;
	if (off > len) { /* all of it had come before (a retransmission): say so again */
		send_seg(n, t, t->nxt, 0, NULL, 0);
		return;
	}
	d += off;
	len -= off;
	size_t k = MIN(len, (size_t)(t->redge - t->rcv));
	if (k < len) {
		n->stats.tcp_ooo++; /* past the window we gave: the peer's mistake */
		fin = false;
	}
	if (k && t->user >= 0 && n->tcp_recv)
		k = n->tcp_recv(n->arg, t->user, d, k); /* all: the window was within its room */
	t->rcv += k;
	if (fin && k == len) {
		t->rcv++;
		if (t->state == TCP_ESTABLISHED)
			t->state = TCP_CLOSE_WAIT;
		else if (t->state == TCP_FIN_WAIT_1)
			t->state = TCP_CLOSING;
		else if (t->state == TCP_FIN_WAIT_2) {
			t->state = TCP_TIME_WAIT;
			t->at = n->ms + TCP_WAIT_MS;
		}
		if (t->user >= 0 && n->tcp_event)
			n->tcp_event(n->arg, t->user, TCP_FIN);
	}
	if (some) /* every segment that held anything is acknowledged, at once */
		send_seg(n, t, t->nxt, 0, NULL, 0);
}

/* A segment for t, a connection past SYN-SENT. */
static void synced(struct net *n, struct tcb *t, u32 seq, u32 ack, u8 flags, u16 wnd, const u8 *d,
		   size_t len)
{
	if (flags & RST) {
		if (seq == t->rcv) /* exactly: a blind reset must guess it (RFC 5961) */
			gone(n, t, true);
		return;
	}
	if (flags & SYN) {
		if (t->state == TCP_SYN_RCVD && seq == t->irs) /* our SYN-ACK was lost */
			segment(n, t->rip, t->lport, t->rport, t->iss, t->rcv, SYN | ACK, TCP_WIN,
				NULL, 0);
		else
			send_seg(n, t, t->nxt, 0, NULL, 0); /* a challenge ACK, nothing else */
		return;
	}
	if (!(flags & ACK))
		return;
	if (t->state == TCP_SYN_RCVD) {
		if (ack != t->iss + 1) {
			segment(n, t->rip, t->lport, t->rport, ack, 0, RST, 0, NULL, 0);
			return;
		}
		t->una = ack;
		t->at = 0;
		t->tries = 0;
		t->wnd = wnd;
		accept_it(n, t);
		if (t->state == TCP_FREE)
			return;
	}
	if (SEQ_LT(t->max, ack)) { /* acknowledges what was never sent */
		send_seg(n, t, t->nxt, 0, NULL, 0);
		return;
	}
	t->tries = 0; /* the peer answers: whatever the timer counted is forgiven */
	if (SEQ_LT(t->una, ack))
		acked(n, t, ack);
	if (SEQ_LE(t->una, ack))
		t->wnd = wnd;
	if (fin_acked(t)) {
		if (t->state == TCP_FIN_WAIT_1)
			t->state = TCP_FIN_WAIT_2;
		else if (t->state == TCP_CLOSING) {
			t->state = TCP_TIME_WAIT;
			t->at = n->ms + TCP_WAIT_MS;
		} else if (t->state == TCP_LAST_ACK) {
			gone(n, t, false);
			return;
		}
	}
	if (t->state == TCP_TIME_WAIT) {
		if (flags & FIN) /* our last ACK was lost: again */
			send_seg(n, t, t->nxt, 0, NULL, 0);
		return;
	}
	if (t->state <= TCP_FIN_WAIT_2 && (len || flags & FIN))
		receive(n, t, seq, flags, d, len);
	output(n, t, false);
}

/* A segment for t in SYN-SENT: the SYN-ACK, or a refusal. */
static void syn_sent(struct net *n, struct tcb *t, u32 seq, u32 ack, u8 flags, u16 wnd,
		     const u8 *opt, size_t olen)
{
	if ((flags & ACK) && ack != t->iss + 1) {
		if (!(flags & RST))
			segment(n, t->rip, t->lport, t->rport, ack, 0, RST, 0, NULL, 0);
		return;
	}
	if (flags & RST) {
		if (flags & ACK)
			gone(n, t, true); /* refused */
		return;
	}
	if (!(flags & SYN) || !(flags & ACK))
		return; /* no simultaneous open */
	t->irs = seq;
	t->rcv = t->redge = seq + 1;
	t->mss = mss_option(opt, olen);
	t->state = TCP_ESTABLISHED;
	t->una = ack;
	t->wnd = wnd;
	t->at = 0;
	t->tries = 0;
	t->rto = TCP_RTO_MS;
	send_seg(n, t, t->nxt, 0, NULL, 0);
	output(n, t, false);
}

void net_tcp_input(struct net *n, u32 src, u32 dst, const u8 *p, size_t len)
{
	size_t off = len >= TCP_HLEN ? (p[12] >> 4) * 4u : 0;
	if (len < TCP_HLEN || off < TCP_HLEN || off > len || dst != n->ip || !get16(p) ||
	    !get16(p + 2)) {
		n->stats.tcp_bad++; /* a stream to a broadcast address is nonsense too */
		return;
	}
	if (net_csum(p, len, net_pseudo(src, dst, IP_PROTO_TCP, len)) != 0) {
		n->stats.tcp_csum++;
		return;
	}
	u16 sport = get16(p), dport = get16(p + 2), wnd = get16(p + 14);
	u32 seq = get32(p + 4), ack = get32(p + 8);
	u8 flags = p[13];
	const u8 *d = p + off;
	size_t dlen = len - off;
	struct tcb *t = tcb_find(n, src, sport, dport);
	if (t && t->state == TCP_SYN_SENT) {
		syn_sent(n, t, seq, ack, flags, wnd, p + TCP_HLEN, off - TCP_HLEN);
		return;
	}
	if (t) {
		synced(n, t, seq, ack, flags, wnd, d, dlen);
		return;
	}
	if ((flags & (SYN | ACK | RST)) != SYN || !n->tcp_accept ||
	    n->tcp_accept(n->arg, dport, -1) < 0) {
		n->stats.tcp_noport++;
		refuse(n, src, sport, dport, seq, ack, flags, dlen);
		return;
	}
	if (!(t = tcb_slot(n, true))) {
		n->stats.tcp_full++; /* every tcb a live connection: as if the SYN was lost */
		return;
	}
	/* half-open: nobody's until the handshake's last ACK (data on the
	   SYN is not taken: the peer sends it again) */
	fresh(n, t, TCP_SYN_RCVD, src, sport, dport);
	t->irs = seq;
	t->rcv = t->redge = seq + 1;
	t->mss = mss_option(p + TCP_HLEN, off - TCP_HLEN);
	t->wnd = wnd;
	/* TCP_WIN: a listener's pipe is empty, and holds more */
	segment(n, src, dport, sport, t->iss, t->rcv, SYN | ACK, TCP_WIN, NULL, 0);
	t->redge = t->rcv + TCP_WIN;
	arm(n, t);
}

size_t net_tcp_space(struct net *n, int t)
{
	struct tcb *c = &n->tcp[t];
	if (c->fin || (c->state > TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return 0;
	return TCP_BUF - c->len;
}

size_t net_tcp_send(struct net *n, int t, const void *data, size_t len)
{
	struct tcb *c = &n->tcp[t];
	size_t k = MIN(len, net_tcp_space(n, t));
	memcpy(c->buf + c->len, data, k);
	c->len += k;
	output(n, c, false);
	return k;
}

void net_tcp_close(struct net *n, int t)
{
	struct tcb *c = &n->tcp[t];
	c->user = -1;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD) {
		segment(n, c->rip, c->lport, c->rport, c->nxt, 0, RST, 0, NULL, 0);
		c->state = TCP_FREE;
		return;
	}
	if (c->fin || c->state == TCP_FREE)
		return;
	c->fin = true;
	c->state = c->state == TCP_CLOSE_WAIT ? TCP_LAST_ACK : TCP_FIN_WAIT_1;
	output(n, c, false);
}

int net_tcp_connect(struct net *n, int user, u32 dst, u16 dport)
{
	struct tcb *t = tcb_slot(n, false);
	if (!t || !dport)
		return t ? -EINVAL : -EAGAIN;
	/* an ephemeral port no connection to dst:dport has */
	u16 port = 49152 + (n->tcp_seq >> 8) % 16384;
	while (tcb_find(n, dst, dport, port))
		port = port == 65535 ? 49152 : port + 1;
	fresh(n, t, TCP_SYN_SENT, dst, dport, port);
	t->user = user;
	segment(n, dst, port, dport, t->iss, 0, SYN, TCP_WIN, NULL, 0);
	arm(n, t);
	return t - n->tcp;
}

bool net_tcp_window(struct net *n, int t)
{
	struct tcb *c = &n->tcp[t];
	if (c->state < TCP_ESTABLISHED || c->state > TCP_FIN_WAIT_2)
		return false;
	u32 left = c->redge - c->rcv, w = window(n, c);
	if (left >= TCP_WIN / 2)
		return false;
	if (w >= left + 2 * TCP_MSS || w == TCP_WIN) /* worth a segment (RFC 1122's SWS rule) */
		send_seg(n, c, c->nxt, 0, NULL, 0);
	return c->redge - c->rcv < TCP_WIN / 2;
}

u64 net_tcp_tick(struct net *n)
{
	u64 next = 0;
	for (int i = 0; i < TCP_CONNS; i++) {
		struct tcb *t = &n->tcp[i];
		if (t->state == TCP_FREE || !t->at)
			continue;
		if (n->ms >= t->at) {
			t->at = 0;
			if (t->state == TCP_TIME_WAIT) {
				t->state = TCP_FREE;
				continue;
			}
			if (++t->tries > TCP_TRIES) {
				if (t->state != TCP_SYN_RCVD) /* half-open: forgotten quietly */
					segment(n, t->rip, t->lport, t->rport, t->nxt, 0, RST, 0,
						NULL, 0);
				gone(n, t, true);
				continue;
			}
			n->stats.tcp_rexmit++;
			t->rto = MIN(t->rto * 2, TCP_RTO_MAX);
			if (t->state == TCP_SYN_SENT)
				segment(n, t->rip, t->lport, t->rport, t->iss, 0, SYN, TCP_WIN,
					NULL, 0);
			else if (t->state == TCP_SYN_RCVD)
				segment(n, t->rip, t->lport, t->rport, t->iss, t->rcv, SYN | ACK,
					TCP_WIN, NULL, 0);
			else
				t->nxt = t->una; /* go back: everything unacknowledged again */
			output(n, t, true);
			arm(n, t);
		}
		if (t->at && (!next || t->at < next))
			next = t->at;
	}
	return next;
}
