/*
 * netstack.h - a small IPv4 stack in user space (user/lib/net_*.c):
 * Ethernet, ARP, IPv4, ICMP echo and UDP, for the network server netd
 * (docs/servers.md, "Network") and the host tests.
 *
 * It knows nothing of devices, rings or the kernel. It is written against
 * a link of two calls: the stack calls `send` with a whole Ethernet frame
 * (no preamble, no FCS) when it has one to go out, and its owner hands
 * every frame that came in to net_input(). netd's link is a driver (or,
 * without one, a loopback); the host tests join two stacks by a fake one.
 * Nothing here allocates memory or blocks; one stack is one thread's.
 *
 *   net_udp_send / net_ping                     net_input(frame)
 *        |                                            |
 *      udp.c  icmp.c  -- net_ip_output -->  ip.c <-- eth.c --> arp.c
 *        |       |        (route, ARP)       |          |
 *    on_udp   on_echo                  drop+count   link.send
 *
 * Every frame that comes in is hostile: each layer checks the lengths
 * and checksums before it reads a field, and a frame that fails is
 * dropped and counted in `stats`, never a crash or an out-of-bounds read.
 *
 * Addresses and ports are in host order everywhere in this API; the
 * stack turns them into network order (big-endian) on the wire.
 */
#pragma once

#include "lib.h"
#include "abi/errno.h"

#define ETH_HLEN      14
#define ETH_MTU	      1500		   /* the most an Ethernet frame carries */
#define ETH_FRAME     (ETH_HLEN + ETH_MTU) /* the biggest frame, without its FCS */
#define IP_HLEN	      20		   /* an IPv4 header without options */
#define UDP_HLEN      8
#define UDP_MAX	      (ETH_MTU - IP_HLEN - UDP_HLEN) /* 1472: one datagram, one frame */
#define ICMP_HLEN     8
#define ARP_ENTRIES   16
#define ARP_WAITING   4 /* packets held for an address ARP has not found yet */
#define ETH_TYPE_IP   0x0800
#define ETH_TYPE_ARP  0x0806
#define IP_PROTO_ICMP 1
#define IP_PROTO_UDP  17
#define IP_PROTO_TCP  6
#define TCP_HLEN      20
#define TCP_MSS	      (ETH_MTU - IP_HLEN - TCP_HLEN) /* 1460: one segment, one frame */
#define TCP_CONNS     16    /* connections at once, half-open ones too: a SYN flood's bound */
#define TCP_BUF	      16384 /* bytes of one connection sent and not yet acknowledged */
#define TCP_WIN	      65535 /* the most we advertise: no window scaling */
#define TCP_RTO_MS    500   /* the first retransmission's wait; doubled each time */
#define TCP_RTO_MAX   8000  /* ... up to this */
#define TCP_TRIES     10    /* retransmissions without an answer before a reset */
#define TCP_WAIT_MS   2000  /* TIME-WAIT: answer a lost last ACK's FIN again */

/* What went in and out, and why frames were dropped: each counter one reason. */
struct net_stats {
	u64 rx, tx;	  /* frames handed in / sent */
	u64 eth_bad;	  /* shorter than an Ethernet header, or longer than a frame */
	u64 eth_type;	  /* neither IPv4 nor ARP (IPv6...) */
	u64 eth_other;	  /* for another machine's address */
	u64 arp_bad;	  /* truncated, not Ethernet/IPv4, or an unknown operation */
	u64 arp_requests; /* requests for our address answered */
	u64 arp_replies;  /* replies learnt */
	u64 ip_bad;	  /* truncated, version not 4, header or total length lying,
			     a broadcast source */
	u64 ip_opts;	  /* a header with options: none is needed here */
	u64 ip_csum;	  /* header checksum wrong */
	u64 ip_frag;	  /* a fragment: no reassembly here */
	u64 ip_other;	  /* for another address */
	u64 ip_proto;	  /* a protocol we do not speak */
	u64 icmp_bad;	  /* truncated or checksum wrong */
	u64 icmp_echo;	  /* echo requests answered */
	u64 icmp_other;	  /* types we do not answer (unreachable, redirect...) */
	u64 udp_bad;	  /* truncated, length lying, or checksum wrong */
	u64 udp_noport;	  /* for a port nobody has bound */
	u64 tcp_bad;	  /* truncated, offset lying, to a broadcast, port 0 */
	u64 tcp_csum;	  /* checksum wrong */
	u64 tcp_noport;	  /* for no connection and no listener: answered by a reset */
	u64 tcp_ooo;	  /* out of order, or past the window: dropped, the peer resends */
	u64 tcp_full;	/* a SYN with every connection busy (a half-open one evicted, or dropped) */
	u64 tcp_rexmit; /* retransmissions (timeouts) */
	u64 tcp_reset;	/* connections reset by the peer, or given up after TCP_TRIES */
	u64 no_route;	/* packets not sent: no gateway, or pushed out of ARP's waiting room */
};

struct arp_entry {
	u32 ip; /* 0: free */
	u8 mac[6];
	bool known; /* false: asked, no answer yet */
	u64 used;   /* the stack's clock when last used: the oldest goes first */
};

struct arp_wait {
	u32 hop; /* the neighbour it waits for; 0: free */
	u16 len;
	u64 when; /* the stack's clock when it came: a new one replaces the oldest */
	u8 frame[ETH_FRAME];
};

/* TCP's states (RFC 793), and what a connection tells its owner. */
enum {
	TCP_FREE,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSING,
	TCP_TIME_WAIT,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
};
enum { TCP_FIN = 1, TCP_GONE }; /* the peer sent all it will; reset or given up (tcb freed) */

/* One connection (a transmission control block). Sequence numbers are
   u32 and wrap: compared by their signed difference. */
struct tcb {
	u8 state;
	int user; /* the owner's number for it; -1: none (not accepted yet, or closed) */
	u32 rip;  /* the peer */
	u16 rport, lport;
	u32 iss, una, nxt, max; /* first unacknowledged, next to send, highest sent */
	u32 wnd;		/* the peer's window, from una */
	u32 base;		/* the sequence number of buf[0] */
	u32 len;		/* bytes in buf: sent and unacknowledged, then not sent yet */
	bool fin;		/* the owner closed: a FIN after the last byte */
	u32 irs, rcv;		/* the peer's first, and next expected, sequence number */
	u32 redge;		/* rcv + the window last advertised: never moves left */
	u16 mss;		/* the peer's */
	u8 tries;		/* timeouts since the peer last answered */
	u32 rto;		/* ms */
	u64 at;			/* timer: retransmit (or TIME-WAIT ends) at this ms; 0 none */
	u64 born;		/* ms: the oldest half-open connection is evicted first */
	u8 buf[TCP_BUF];
};

struct net {
	u8 mac[6];
	u32 ip, mask, gw;
	/* the link: send one frame */
	void (*send)(void *arg, const u8 *frame, size_t n);
	/* what came in for the owner: a UDP datagram for port dport (return
	   false if nobody has bound it: counted), an echo reply */
	bool (*on_udp)(void *arg, u32 src, u16 sport, u16 dport, const u8 *data, size_t n);
	void (*on_echo)(void *arg, u32 src, u16 id, u16 seq, const u8 *data, size_t n);
	/* TCP (tcp.c). A listener waiting on port: its owner's number (>= 0),
	   or -1; tcb >= 0: connection tcb takes it. The room the owner has
	   for user's bytes (the window advertised), and the bytes (the number
	   taken: all, since the window was never more than the room). */
	int (*tcp_accept)(void *arg, u16 port, int tcb);
	size_t (*tcp_room)(void *arg, int user);
	size_t (*tcp_recv)(void *arg, int user, const u8 *data, size_t n);
	void (*tcp_event)(void *arg, int user, int ev);
	void *arg;
	u64 ms; /* the owner's clock, in ms: TCP's timers (the stack never reads a clock) */
	u32 tcp_seq;
	struct tcb tcp[TCP_CONNS];
	struct arp_entry arp[ARP_ENTRIES];
	struct arp_wait waiting[ARP_WAITING];
	u64 clock; /* counts uses, to find the oldest ARP entry */
	u16 ip_id; /* the next IPv4 identification */
	u8 out[ETH_FRAME];
	struct net_stats stats;
};

/* Set up a stack with our MAC, address, netmask and gateway (0: none). */
void net_init(struct net *n, const u8 mac[6], u32 ip, u32 mask, u32 gw);

/* eth.c: a frame came in, of len bytes (any bytes at all) */
void net_input(struct net *n, const u8 *frame, size_t len);
/* eth.c: send the IPv4 packet at n->out + ETH_HLEN (len bytes) to next hop `hop` */
int net_eth_output(struct net *n, u32 hop, size_t len);
bool net_mac_eq(const u8 *a, const u8 *b);

/* arp.c */
void net_arp_input(struct net *n, const u8 *p, size_t len);
/* hop's MAC into mac: 0, or -EAGAIN (asked: hold the frame) */
int net_arp_resolve(struct net *n, u32 hop, u8 mac[6]);
/* keep the frame at n->out (len bytes) until hop's MAC is known */
int net_arp_hold(struct net *n, u32 hop, size_t len);

/* ip.c */
void net_ip_input(struct net *n, const u8 *p, size_t len);
/* send n->out's payload (after room for both headers) of len bytes to dst */
int net_ip_output(struct net *n, u32 dst, u8 proto, size_t len);
u16 net_csum(const u8 *p, size_t len, u32 sum); /* the Internet checksum, folded and inverted */
u32 net_csum_add(const u8 *p, size_t len, u32 sum);
u32 net_pseudo(u32 src, u32 dst, u8 proto, size_t len); /* UDP's and TCP's pseudo-header */
/* "10.0.2.15" -> 0x0a00020f; -EINVAL if it is not four numbers 0..255 */
int net_parse_ip(const char *s, u32 *ip);

/* icmp.c */
void net_icmp_input(struct net *n, u32 src, u32 dst, const u8 *p, size_t len);
int net_ping(struct net *n, u32 dst, u16 id, u16 seq, const void *data, size_t len);

/* udp.c */
void net_udp_input(struct net *n, u32 src, u32 dst, const u8 *p, size_t len);
int net_udp_send(struct net *n, u32 dst, u16 sport, u16 dport, const void *data, size_t len);

/* tcp.c. Connections are numbered by their index in n->tcp. */
void net_tcp_input(struct net *n, u32 src, u32 dst, const u8 *p, size_t len);
/* queue up to len bytes of t's to send: the number taken (0: no room) */
size_t net_tcp_send(struct net *n, int t, const void *data, size_t len);
size_t net_tcp_space(struct net *n, int t);
/* the owner is done with t: a FIN after its bytes, and t is no longer its */
void net_tcp_close(struct net *n, int t);
/* active open from an ephemeral port: t, or -EAGAIN (every tcb busy) */
int net_tcp_connect(struct net *n, int user, u32 dst, u16 dport);
/* n->ms moved on: retransmit what timed out; the next deadline (0: none) */
u64 net_tcp_tick(struct net *n);
/* the owner's room for t may have grown: tell the peer if it was short;
   true while t's window stays short (look again later) */
bool net_tcp_window(struct net *n, int t);

/* Big-endian fields, read and written a byte at a time: no alignment to trust. */
static inline u16 get16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}
static inline u32 get32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}
static inline void put16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}
static inline void put32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}
