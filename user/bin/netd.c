/*
 * netd.c - the network server: an IPv4 stack (user/lib/net_*.c) and
 * sockets for programs, mounted at "/net" (user/include/net.h has the
 * names and the messages, docs/servers.md "Network" the pictures).
 *
 * Like fsd it serves two kinds of descriptor:
 *
 *   the control descriptor: the kernel's FS_LOOKUP and FS_CONNECT for
 *     an open of /net/udp/PORT, /net/tcp/PORT, /net/tcp/A.B.C.D:PORT
 *     (a connection out) or /net/ping, on behalf of a program whose
 *     uid the kernel wrote into the request. Here is the one check: a
 *     port below 1024 is root's, a bound port nobody else's.
 *
 *   connections (hardware pipes, one per socket, and one per open of
 *     /net/stats, a read-only file of counters). UDP and ping: struct
 *     net_msg and its bytes, both ways. A datagram out goes to the
 *     stack; one in for a bound port goes to its connection, if there
 *     is room in the program's inbox (else it is dropped, as a busy
 *     network drops it). TCP: the stream's bytes, both ways. A socket
 *     listens until the stack hands it a connection; then what the
 *     program writes goes to the connection as the stack has room for
 *     it, and the window the peer gets is the room in the program's
 *     inbox, so every byte that comes fits. A program's bytes that the
 *     stack has no room for stay in its pipe: netd never waits for them.
 *
 * The link: a virtio-net card driven here, in netd itself (virtio.c,
 * docs/drivers.md), queue 0 receiving and queue 1 transmitting. One
 * process, not a driver and a stack joined by a pipe: a frame goes from
 * the buffer the device wrote through every layer into the socket's
 * pipe with one copy and no hop between processes, and a reply goes
 * from the stack into a transmit buffer the same way. Each buffer is
 * the 12-byte virtio_net_hdr (virtio 1.x) and one frame; no offloads
 * are asked for, so frames come whole and checksummed and go out with a
 * zeroed header. The card's interrupt posts a user-interrupt vector:
 * one re-arm per interrupt, every completion found handled at once.
 * Frames for our own MAC never reach the card: a loopback (queued,
 * handed to the stack on the next round), so the guest can send UDP
 * and pings to itself, 10.0.2.15, through every layer. With no card
 * (QEMU without one, or a kernel without device access) the loopback
 * is all there is, and netd says so once. Address: fixed,
 * 10.0.2.15/24, gateway 10.0.2.2 (QEMU's user network; no DHCP); the
 * MAC is the card's.
 *
 * The card is hostile too: a used-ring index or a length it wrote is
 * checked before use (virtio.c checks indexes; here, lengths).
 *
 * Clients are hostile, as in fsd: a message is read only when whole
 * (pipe_take moves all of it or nothing, never waits), one stopped
 * half-way is dropped after STALL_NS, one whose length lies is dropped,
 * and netd never blocks on one client. One thread: when nothing is
 * ready it sleeps in pipe_wait_for() on every connection and the
 * control descriptor, until TCP's next timer (net_tcp_tick) at most,
 * or WINDOW_MS while a TCP window is short of its program's room (a
 * program's read does not wake netd).
 */
#include "async.h"
#include "net.h"
#include "netstack.h"
#include "virtio.h"

#define NCONN		 32
#define USER_CONNS	 16 /* sockets of one user (not root) */
#define USERS_CONNS	 20 /* ... of all users but root: the last ones are root's, as in fsd */
#define STALL_NS	 1000000000ull /* a client stopped mid-message this long loses its connection */
#define NLOOP		 32	       /* frames the loopback holds */
#define NCTL		 16
#define SPIN		 2000 /* look this many times before sleeping (two CPUs or more) */
#define IRQ_VECTOR	 1    /* the user-interrupt vector the card's interrupt posts */
#define QSIZE		 64 /* entries of each queue: receive buffers posted, frames in flight out */
#define VNET_HDR	 12 /* struct virtio_net_hdr with VERSION_1: flags, gso (5 fields), buffers */
#define BUF		 2048 /* one buffer: the header and the biggest frame, rounded up */
#define RXQ		 0
#define TXQ		 1
#define VIRTIO_NET_F_MAC (1ull << 5) /* the card's MAC is in its configuration, at 0 */
#define REPORT		 256	     /* say what the card cost every this many frames in */

#define WINDOW_MS 5    /* a TCP window short of the program's room: look again this often */
#define STATS_MAX 2048 /* /net/stats's text: 35 lines of at most 36 bytes */

/* what a name is: ino = kind << 16 | port; TCPC: TCPC << 48 | address << 16 | port */
enum { DIR = 1, UDP, PING, STATS, TCP, TCPC };

struct conn {
	int fd; /* -1: free */
	int kind;
	u16 port; /* UDP, TCP: the bound port; PING: the echo identifier */
	int uid;
	int tcb;   /* TCP, TCPC: the stack's connection; -1: listening still */
	bool fin;  /* TCP, TCPC: the peer sent all it will */
	bool have; /* msg is a header whose bytes have not all come */
	struct net_msg msg;
	u64 since;
	struct pipe_hdr *h;
	int end;
	u32 off; /* STATS: the next byte of its text a read gets */
};

static struct conn conns[NCONN];
static int ctl;
static struct net net;
static u8 stream[TCP_BUF]; /* a program's bytes on their way to the stack */
static u16 next_ping = 1;

static struct {
	u16 len;
	u8 f[ETH_FRAME];
} loop[NLOOP];
static unsigned loop_head, loop_tail;
static u64 link_dropped, rx_dropped;
static u64 udp_in, udp_out;	     /* datagrams given to a UDP socket, and taken from one */
static char stats[NCONN][STATS_MAX]; /* each /net/stats connection's text, made at open */

/* the card */
static struct virtio v;
static bool card;     /* false: loopback only */
static u8 *rxb, *txb; /* QSIZE buffers each, BUF bytes apiece */
static u64 rxb_bus, txb_bus;
static bool tx_busy[QSIZE];   /* transmit descriptor k (buffer k) is the card's */
static volatile int irq;      /* set by the user-interrupt handler */
static bool irq_bound;	      /* the card's interrupt is bound (at the first client) */
static u64 card_bad, irqs;    /* frames the card lied about; interrupts */
static bool card_lied;	      /* a used ring's index lied: give the card up (card_check) */
static u64 card_in, card_out; /* frames through the card */

static void on_uintr(unsigned long vector)
{
	if (vector == IRQ_VECTOR)
		irq = 1;
}

/* ---- the link: the card, and a loopback for our own MAC ------------------ */

/* Take back the transmit buffers the card is done with. */
static void tx_reap(void)
{
	struct vq_used_elem e;
	int r;
	while ((r = virtio_next_used(&v, TXQ, &e)) > 0)
		tx_busy[e.id] = false;
	card_lied |= r < 0;
}

/* A frame out through the card: behind a zeroed header (no offloads). */
static void card_send(const u8 *f, size_t n)
{
	struct vq *q = &v.q[TXQ];
	tx_reap();
	int k = 0;
	while (k < q->size && tx_busy[k])
		k++;
	if (k == q->size || n > ETH_FRAME || card_lied) {
		link_dropped++; /* every buffer in flight: as a full card drops it */
		return;
	}
	u8 *b = txb + k * BUF;
	memset(b, 0, VNET_HDR);
	memcpy(b + VNET_HDR, f, n);
	q->desc[k] = (struct vq_desc){txb_bus + k * BUF, VNET_HDR + n, 0, 0};
	tx_busy[k] = true;
	card_out++;
	virtio_submit(&v, TXQ, k);
}

/* Hand the card buffer k to receive into. */
static void rx_post(u16 k)
{
	v.q[RXQ].desc[k] = (struct vq_desc){rxb_bus + k * BUF, BUF, VQ_WRITE, 0};
	virtio_offer(&v, RXQ, k);
}

/* What the card has cost so far: tests/net_test.c and `make bench-udp`
   (tests/bench/udp.c) divide two of these lines (docs/servers.md,
   "Network"). The second says what the entries were: system calls
   (a re-arm per interrupt, sleeps), exceptions (emulated user-interrupt
   instructions: CLUI and STUI around a sleep, a wake-up sent, a UIRET),
   interrupts; and the sleeps and wake-ups sent that cause most of them
   (pipe_stats). */
static void report(void)
{
	struct kstats ks;
	if (kstats(&ks) < 0)
		return;
	unsigned long long *k = ks.thread;
	u64 sleeps, wakes;
	pipe_stats(&sleeps, &wakes);
	printf("netd: card: %llu in, %llu out, %llu interrupts, %llu kernel entries\n", card_in,
	       card_out, irqs, k[KS_SYSCALL] + k[KS_EXCEPTION] + k[KS_INTERRUPT]);
	printf("netd: entries: %llu calls, %llu exceptions, %llu interrupts, %llu sleeps, %llu "
	       "wake-ups\n",
	       k[KS_SYSCALL], k[KS_EXCEPTION], k[KS_INTERRUPT], sleeps, wakes);
}

/* Every frame the card has received, through the stack; true if any. */
static bool card_poll(void)
{
	struct vq_used_elem e;
	int r, n = 0;
	while ((r = virtio_next_used(&v, RXQ, &e)) > 0) {
		/* its length is the card's word: a header and at most a frame */
		if (e.len < VNET_HDR || e.len > VNET_HDR + ETH_FRAME)
			card_bad++;
		else
			net_input(&net, rxb + e.id * BUF + VNET_HDR, e.len - VNET_HDR);
		rx_post(e.id);
		if (++card_in % REPORT == 0)
			report();
		n++;
	}
	card_lied |= r < 0;
	if (n)
		virtio_notify(&v, RXQ); /* the buffers back, in one notification */
	return n > 0;
}

/* A card whose ring index lied cannot be followed any further: give it
   back (stopped, by the kernel) and go on with the loopback. */
static void card_check(void)
{
	if (!card || !card_lied)
		return;
	close(v.fd);
	card = false;
	printf("netd: the card's used ring lied: loopback only\n");
}

static void link_send(void *arg, const u8 *f, size_t n)
{
	(void)arg;
	if (!net_mac_eq(f, net.mac)) {
		if (card)
			card_send(f, n);
		else
			link_dropped++; /* no card: nothing but ourselves to send to */
		return;
	}
	if (loop_tail - loop_head == NLOOP) {
		link_dropped++;
		return;
	}
	loop[loop_tail % NLOOP].len = n;
	memcpy(loop[loop_tail % NLOOP].f, f, n);
	loop_tail++;
}

/* Hand what the loopback holds to the stack; true if there was any. */
static bool link_poll(void)
{
	bool any = loop_head != loop_tail;
	/* only what is there now: answers to these come back next round */
	for (unsigned end = loop_tail; loop_head != end; loop_head++)
		net_input(&net, loop[loop_head % NLOOP].f, loop[loop_head % NLOOP].len);
	return any;
}

/* ---- datagrams in: to their connection --------------------------------- */

static struct conn *find(int kind, u16 port)
{
	for (int i = 0; i < NCONN; i++)
		if (conns[i].fd >= 0 && conns[i].kind == kind && conns[i].port == port)
			return &conns[i];
	return NULL;
}

/* Give c one message, whole, if it fits in the program's inbox. */
static void deliver(struct conn *c, u32 src, u16 port, const u8 *data, size_t n)
{
	static u8 buf[sizeof(struct net_msg) + NET_MSG_MAX];
	struct net_msg m = {.addr = src, .port = port, .len = n};
	if (n > NET_MSG_MAX || pipe_room(c->fd) < (long)(sizeof(m) + n)) {
		rx_dropped++;
		return;
	}
	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), data, n);
	pipe_give(c->fd, buf, sizeof(m) + n);
	udp_in += c->kind == UDP;
}

static bool on_udp(void *arg, u32 src, u16 sport, u16 dport, const u8 *data, size_t n)
{
	(void)arg;
	struct conn *c = find(UDP, dport);
	if (c)
		deliver(c, src, sport, data, n);
	return c != NULL;
}

static void on_echo(void *arg, u32 src, u16 id, u16 seq, const u8 *data, size_t n)
{
	(void)arg;
	struct conn *c = find(PING, id);
	if (c)
		deliver(c, src, seq, data, n);
}

/* ---- TCP: what the stack asks of the sockets ----------------------------- */

static bool client_gone(struct conn *c);

/* A listening socket on port whose program is still there: the
   connection tcb (>= 0) is its now. */
static int tcp_accept(void *arg, u16 port, int tcb)
{
	(void)arg;
	for (int i = 0; i < NCONN; i++) {
		struct conn *c = &conns[i];
		if (c->fd >= 0 && c->kind == TCP && c->port == port && c->tcb < 0 &&
		    !client_gone(c)) {
			if (tcb >= 0)
				c->tcb = tcb;
			return i;
		}
	}
	return -1;
}

static size_t tcp_room(void *arg, int user)
{
	(void)arg;
	long r = pipe_room(conns[user].fd);
	return r > 0 ? r : 0;
}

static size_t tcp_recv(void *arg, int user, const u8 *data, size_t n)
{
	(void)arg;
	size_t k = MIN(n, tcp_room(arg, user));
	return pipe_give(conns[user].fd, data, k) == (long)k ? k : 0;
}

static void drop(struct conn *c);

static void tcp_event(void *arg, int user, int ev)
{
	(void)arg;
	struct conn *c = &conns[user];
	if (ev == TCP_FIN)
		c->fin = true; /* the pipe closes once the program's bytes are sent */
	else
		drop(c); /* reset, or given up: the stack has forgotten it */
}

/* ---- connections --------------------------------------------------------- */

static void drop(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
}

static bool client_gone(struct conn *c)
{
	return __atomic_load_n(&c->h->closed[!c->end], __ATOMIC_ACQUIRE);
}

/*
 * A TCP socket's turn: the program's bytes to the stack, as many as it
 * has room for; the window opened if the program read; the pipe closed
 * once the program closed, or the peer did, and its bytes are all
 * taken. *full: bytes wait that the stack cannot take yet (its ACKs,
 * not the pipe, will say when); *short_window: look again soon.
 */
static bool serve_tcp(struct conn *c, bool *full, bool *short_window)
{
	if (c->tcb < 0) {
		if (!client_gone(c))
			return false;
		drop(c); /* a listener that gave up before anyone came */
		return true;
	}
	long n = pipe_avail(c->fd);
	if (n < 0) { /* an index that lies: the connection ends */
		net_tcp_close(&net, c->tcb);
		drop(c);
		return true;
	}
	long k = MIN(MIN(n, (long)net_tcp_space(&net, c->tcb)), (long)sizeof(stream));
	if (k > 0 && pipe_take(c->fd, stream, k) == k)
		net_tcp_send(&net, c->tcb, stream, k);
	if (n == k && (c->fin || client_gone(c))) {
		net_tcp_close(&net, c->tcb); /* a FIN after the bytes; the stack finishes alone */
		drop(c);
		return true;
	}
	*full |= n > k;
	*short_window |= net_tcp_window(&net, c->tcb);
	return k > 0;
}

/*
 * /net/stats: every counter, one "name value" line each, as the open
 * found them - netd's own (the card, the loopback, the sockets) and the
 * stack's (struct net_stats: why each dropped frame was dropped). A
 * test adds up what the guest dropped, so that a datagram lost on the
 * way is known to be QEMU's if the guest dropped none (net/host-echo).
 */
static void stats_text(char *t)
{
	const struct net_stats *s = &net.stats;
	const struct {
		const char *name;
		u64 v;
	} c[] = {
	    {"card_in", card_in},
	    {"card_out", card_out},
	    {"card_bad", card_bad},
	    {"interrupts", irqs},
	    {"link_dropped", link_dropped},
	    {"inbox_dropped", rx_dropped},
	    {"udp_in", udp_in},
	    {"udp_out", udp_out},
	    {"rx", s->rx},
	    {"tx", s->tx},
	    {"eth_bad", s->eth_bad},
	    {"eth_type", s->eth_type},
	    {"eth_other", s->eth_other},
	    {"arp_bad", s->arp_bad},
	    {"arp_requests", s->arp_requests},
	    {"arp_replies", s->arp_replies},
	    {"ip_bad", s->ip_bad},
	    {"ip_opts", s->ip_opts},
	    {"ip_csum", s->ip_csum},
	    {"ip_frag", s->ip_frag},
	    {"ip_other", s->ip_other},
	    {"ip_proto", s->ip_proto},
	    {"icmp_bad", s->icmp_bad},
	    {"icmp_echo", s->icmp_echo},
	    {"icmp_other", s->icmp_other},
	    {"udp_bad", s->udp_bad},
	    {"udp_noport", s->udp_noport},
	    {"tcp_bad", s->tcp_bad},
	    {"tcp_csum", s->tcp_csum},
	    {"tcp_noport", s->tcp_noport},
	    {"tcp_ooo", s->tcp_ooo},
	    {"tcp_full", s->tcp_full},
	    {"tcp_rexmit", s->tcp_rexmit},
	    {"tcp_reset", s->tcp_reset},
	    {"no_route", s->no_route},
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]) && n < STATS_MAX; i++)
		n += snprintf(t + n, STATS_MAX - n, "%s %llu\n", c[i].name,
			      (unsigned long long)c[i].v);
}

/* A /net/stats connection is a read-only file: FS_READ's answers come
   from its text; any other request is refused (-EINVAL), a write with
   -EBADF, and its bytes, which follow it unread, end the connection. */
static bool serve_stats(struct conn *c)
{
	static struct fs_req q;
	long n = pipe_avail(c->fd);
	if (n < 0 || (n < (long)sizeof(q) && client_gone(c))) {
		drop(c);
		return true;
	}
	if (n < (long)sizeof(q)) /* (a request stopped half-way waits; it holds nothing) */
		return false;
	if (pipe_take(c->fd, &q, sizeof(q)) != sizeof(q)) {
		drop(c);
		return true;
	}
	const char *t = stats[c - conns];
	struct fs_reply a = {.id = q.id, .res = -EINVAL};
	u32 size = strlen(t), off = q.flags & FS_AT ? MIN(q.off, size) : c->off;
	if (q.op == FS_READ) {
		a.res = MIN(q.len, size - off);
		c->off = q.flags & FS_AT ? c->off : off + a.res;
	} else if (q.op == FS_WRITE) {
		a.res = -EBADF;
	}
	/* both fit an empty inbox; one that does not have room is not read */
	if (pipe_room(c->fd) < (long)sizeof(a) + a.res || pipe_give(c->fd, &a, sizeof(a)) < 0 ||
	    (a.res > 0 && pipe_give(c->fd, t + off, a.res) < 0) || q.op == FS_WRITE)
		drop(c);
	return true;
}

/* Serve one message of c if it is all there; *more: part of one is. */
static bool serve(struct conn *c, bool *more)
{
	static u8 data[NET_MSG_MAX];
	long n = pipe_avail(c->fd);
	long need = c->have ? c->msg.len : (long)sizeof(c->msg);
	if (n < 0 || (n < need && client_gone(c))) {
		drop(c); /* a lying index; or closed, or died half-way */
		return true;
	}
	if (n == 0 && !c->have)
		return false;
	if (n < need) {
		u64 now = now_ns();
		if (!c->since)
			c->since = now;
		if (now - c->since > STALL_NS) {
			drop(c);
			return true;
		}
		*more = true;
		return false;
	}
	c->since = 0;
	if (!c->have) {
		if (pipe_take(c->fd, &c->msg, sizeof(c->msg)) != sizeof(c->msg) ||
		    c->msg.len > NET_MSG_MAX) {
			drop(c); /* took its bytes back, or a length we cannot follow */
			return true;
		}
		c->have = true;
		return true; /* its bytes: next time round */
	}
	c->have = false;
	if (pipe_take(c->fd, data, c->msg.len) != c->msg.len) {
		drop(c);
		return true;
	}
	/* what the network does with it is the network's business: a send
	   that fails (no route) is a datagram lost, counted in the stack */
	if (c->kind == UDP) {
		udp_out++;
		net_udp_send(&net, c->msg.addr, c->port, c->msg.port, data, c->msg.len);
	} else
		net_ping(&net, c->msg.addr, c->port, c->msg.port, data, c->msg.len);
	return true;
}

/* ---- the control descriptor --------------------------------------------- */

static int kind_of(long ino)
{
	return ino >> 48 ? ino >> 48 : ino >> 16;
}

/* "A.B.C.D:PORT" (PORT 1..65535): the ino of a connection there, or -ENOENT. */
static long peer_name(const char *p)
{
	char a[16];
	const char *colon = strchr(p, ':');
	u32 ip;
	long port = 0;
	if (!colon || colon - p >= (long)sizeof(a) || !colon[1] || colon[1] == '0')
		return -ENOENT;
	memcpy(a, p, colon - p);
	a[colon - p] = '\0';
	if (net_parse_ip(a, &ip) < 0 || ip == 0)
		return -ENOENT;
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535)
			return -ENOENT;
	}
	return (long)TCPC << 48 | (long)ip << 16 | port;
}

/* "/udp/PORT" (0..65535), "/tcp/PORT" (1..65535), "/tcp/A.B.C.D:PORT",
   "/ping", "/", "/udp" or "/tcp": its ino, or -ENOENT. */
static long name(const char *p)
{
	if (!strcmp(p, "/"))
		return DIR << 16;
	if (!strcmp(p, "/udp"))
		return DIR << 16 | 1;
	if (!strcmp(p, "/tcp"))
		return DIR << 16 | 2;
	if (!strcmp(p, "/ping"))
		return PING << 16;
	if (!strcmp(p, "/stats"))
		return STATS << 16;
	int kind = !strncmp(p, "/udp/", 5) ? UDP : !strncmp(p, "/tcp/", 5) ? TCP : 0;
	if (kind == TCP && strchr(p, ':'))
		return peer_name(p + 5);
	if (!kind || !p[5] || (p[5] == '0' && (p[6] || kind == TCP)))
		return -ENOENT;
	long port = 0;
	for (p += 5; *p; p++) {
		if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535)
			return -ENOENT;
	}
	return kind << 16 | port;
}

/* May uid have this name? The one permission check of a socket. A TCP
   port may have many listening sockets, all one user's; anyone may open
   a connection out (TCPC), from a port the stack picks. */
static int may(long ino, int uid)
{
	int kind = kind_of(ino);
	u16 port = ino & 0xffff;
	if ((kind != UDP && kind != TCP) || port == 0)
		return 0;
	if (port < 1024 && uid != 0)
		return -EACCES;
	struct conn *c = find(kind, port);
	return c && (kind == UDP || c->uid != uid) ? -EADDRINUSE : 0;
}

static int lookup(const struct fs_req *q, struct fs_stat *st)
{
	long ino = name(q->path);
	if (ino < 0)
		return ino;
	int r = may(ino, q->uid);
	if (r < 0)
		return r;
	st->ino = ino;
	st->mode = kind_of(ino) == DIR	   ? S_IFDIR | 0555
		   : kind_of(ino) == STATS ? S_IFREG | 0444
					   : S_IFREG | 0666;
	st->nlink = 1;
	return 0;
}

static void bind_irq(void);

static int connect(const struct fs_req *q)
{
	long ino = q->ino;
	struct conn *c = NULL;
	int mine = 0, users = 0;
	for (int i = 0; i < NCONN; i++) {
		if (conns[i].fd < 0 && !c)
			c = &conns[i];
		mine += conns[i].fd >= 0 && conns[i].uid == q->uid;
		users += conns[i].fd >= 0 && conns[i].uid != 0;
	}
	int kind = kind_of(ino);
	u16 port = ino & 0xffff;
	/* checked again: another open may have bound the port since the lookup */
	int r = kind == DIR							? -EISDIR
		: kind < UDP || kind > TCPC					? -ENOENT
		: (q->flags & O_ACCMODE) != (kind == STATS ? O_RDONLY : O_RDWR) ? -EINVAL
		: !c || (q->uid != 0 && (mine >= USER_CONNS || users >= USERS_CONNS))
		    ? -ENFILE
		    : may(ino, q->uid);
	if (r == 0 && kind == UDP && port == 0) {
		for (unsigned p = NET_EPHEMERAL; p <= 65535 && !port; p++)
			if (!find(UDP, p))
				port = p;
		r = port ? 0 : -EADDRINUSE;
	}
	if (r == 0 && kind == PING) {
		while (find(PING, next_ping) || next_ping == 0)
			next_ping++;
		port = next_ping++;
	}
	struct pipe_attach a;
	struct sqe e = {.opcode = OP_PIPE_ATTACH, .fd = q->conn, .addr = (uptr)&a};
	if (r == 0 && (!pipe_is_conn(q->conn) || ring_call(&e, NULL) < 0))
		r = -EBADF;
	if (r < 0) {
		close(q->conn);
		return r;
	}
	bind_irq();
	*c = (struct conn){.fd = q->conn, .kind = kind, .port = port, .uid = q->uid, .tcb = -1};
	if (kind == TCPC) { /* the SYN goes now; the program may write before the answer */
		int t = net_tcp_connect(&net, c - conns, ino >> 16 & 0xffffffff, port);
		if (t < 0) {
			drop(c);
			return t; /* every tcb busy: -EAGAIN */
		}
		c->tcb = t;
		c->port = net.tcp[t].lport;
	}
	c->h = (struct pipe_hdr *)(uptr)a.hdr;
	c->end = a.end;
	if (kind == STATS)
		stats_text(stats[c - conns]);
	return 0;
}

static void control(void)
{
	static struct fs_req q;
	if (read(ctl, &q, sizeof(q)) != sizeof(q))
		return;
	q.path[FS_PATH - 1] = '\0';
	struct fs_reply a = {.id = q.id};
	if (q.op == FS_LOOKUP)
		a.res = lookup(&q, &a.st);
	else if (q.op == FS_STAT)
		a.res = lookup(&q, &a.st);
	else if (q.op == FS_CONNECT)
		a.res = connect(&q);
	else
		a.res = -EPERM; /* nothing to make, remove or run here */
	write(ctl, &a, sizeof(a));
}

/*
 * Claim the card, both queues and the buffers, and post every receive
 * buffer; its MAC into mac. 0, or -errno: no card (or no device access
 * in this kernel) and netd runs on its loopback. The interrupt waits for
 * the first client (bind_irq).
 */
static int card_open(u8 mac[6])
{
	int r = virtio_open(&v, DEV_VIRTIO_NET, VIRTIO_NET_F_MAC);
	if (r < 0)
		return r;
	if (!(v.features & VIRTIO_NET_F_MAC))
		return -ENOTSUP; /* QEMU always offers it; a made-up MAC would be ours to keep
				    unique */
	for (int i = 0; i < 6; i++)
		mac[i] = virtio_cfg8(&v, i);
	if ((r = virtio_start(&v, 2, QSIZE)) < 0)
		return r;
	if (!(rxb_bus = virtio_dma(&v, QSIZE * BUF, (void **)&rxb)) ||
	    !(txb_bus = virtio_dma(&v, QSIZE * BUF, (void **)&txb)))
		return -ENOMEM;
	/* no interrupt for a frame sent (VIRTQ_AVAIL_F_NO_INTERRUPT, a hint):
	   its buffer is taken back at the next send, or the next interrupt */
	v.q[TXQ].avail[0] = 1;
	for (u16 k = 0; k < v.q[RXQ].size; k++)
		rx_post(k);
	virtio_notify(&v, RXQ);
	return 0;
}

/*
 * The card's interrupt, bound when the first client comes, as blkd does
 * (docs/drivers.md): nobody listens before, the frames wait in their
 * buffers, and until then netd runs no user-interrupt instruction (in
 * the labs' handouts, where the kernel's emulation is a stub, booting
 * still works). If it cannot be bound, the card is given back.
 */
static void bind_irq(void)
{
	if (!card || irq_bound)
		return;
	int r = uintr_register_handler(on_uintr, NULL, 0);
	if (r == 0 && (r = virtio_irq(&v, IRQ_VECTOR)) == 0) {
		uintr_enable();
		irq_bound = true;
		return;
	}
	close(v.fd);
	card = false;
	printf("netd: the card's interrupt: %s: loopback only\n", errstr(r));
}

/* The card interrupted: every completion, then one re-arm. */
static void card_intr(void)
{
	irq = 0;
	if (!card)
		return; /* posted before the card was given up */
	irqs++;
	virtio_intr_ack(&v); /* lowers the line before it is unmasked */
	card_poll();
	tx_reap();
	virtio_arm(&v);
}

int main(void)
{
	u8 mac[6];
	for (int i = 0; i < NCONN; i++)
		conns[i].fd = -1;
	int r = card_open(mac);
	if (r < 0) {
		if (v.fd >= 0)
			close(v.fd); /* gives the card back, stopped */
		printf("netd: no network card (%s): loopback only\n", errstr(r));
		static const u8 own[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}; /* QEMU's default */
		memcpy(mac, own, 6);
	}
	card = r == 0;
	net_init(&net, mac, NET_ADDR, NET_MASK, NET_GATEWAY);
	net.send = link_send;
	net.on_udp = on_udp;
	net.on_echo = on_echo;
	net.tcp_accept = tcp_accept;
	net.tcp_room = tcp_room;
	net.tcp_recv = tcp_recv;
	net.tcp_event = tcp_event;
	struct sqe m = {.opcode = OP_MOUNT, .addr = (uptr) "/net"};
	if ((ctl = ring_call(&m, NULL)) < 0) {
		fprintf(2, "netd: cannot mount /net: %s\n", errstr(ctl));
		return 1;
	}
	/* As fsd: with two CPUs the next message often comes while we look
	   again, without a wake-up; with one, it cannot come while we look. */
	struct kstats ks;
	int spin = kstats(&ks) == 0 && ks.ncpu == 1 ? 0 : SPIN;
	int fds[NCONN];
	bool full[NCONN];
	/* ctl_ready: the last wait saw the control descriptor readable;
	   look: see for ourselves (a system call, fd_readable), at the
	   start and after a sleep that did not wait on it */
	bool ctl_ready = false, look = true;
	for (unsigned round = 0;; round++) {
		net.ms = now_ns() / 1000000;
		u64 timer = net_tcp_tick(&net);
		if (irq)
			card_intr();
		bool busy = link_poll() | (card && card_poll()), more = false, short_window = false;
		card_check();
		for (int i = 0; i < NCONN; i++) {
			full[i] = false;
			if (conns[i].fd >= 0 && conns[i].kind >= TCP)
				busy |= serve_tcp(&conns[i], &full[i], &short_window);
			else if (conns[i].fd >= 0 && conns[i].kind == STATS)
				busy |= serve_stats(&conns[i]);
			else if (conns[i].fd >= 0)
				busy |= serve(&conns[i], &more);
		}
		/* The kernel's requests: when the wait said so, and every 16th
		   busy round (a busy netd does not sleep). Not before every
		   sleep: the sleep waits on ctl too, and a request wakes it -
		   a look there cost each sleep a system call (2 of netd's 5
		   a round trip on one CPU). */
		if (ctl_ready || look || (busy && round % 16 == 0))
			for (int k = 0; k < NCTL && (ctl_ready || fd_readable(ctl));
			     k++, busy = true) {
				ctl_ready = look = false;
				control();
			}
		ctl_ready = look = false;
		if (busy || loop_head != loop_tail || irq)
			continue;
		/* a socket whose bytes the stack cannot take yet is not waited
		   on (they are there: it would never sleep); nor a listener's */
		int n = 0;
		for (int i = 0; i < NCONN; i++)
			if (conns[i].fd >= 0 && !full[i] &&
			    !(conns[i].kind == TCP && conns[i].tcb < 0 && pipe_avail(conns[i].fd)))
				fds[n++] = conns[i].fd;
		/* the next TCP timer, or a short window to look at again */
		long long wait_ns = -1;
		if (short_window)
			timer = timer && timer < net.ms + WINDOW_MS ? timer : net.ms + WINDOW_MS;
		if (timer)
			wait_ns = timer > net.ms ? (timer - net.ms) * 1000000 : 0;
		bool ready = false;
		for (int s = 0; s < spin && !ready && !more; s++) {
			ready = irq || (card && virtio_pending(&v, RXQ));
			for (int i = 0; i < n && !ready; i++)
				ready = pipe_avail(fds[i]) != 0 || pipe_ready(fds[i]);
		}
		if (ready)
			continue;
		/* Masked while we look: an interrupt after the look stays
		   pending, and pending ends the wait (WAIT_UINTR; pipe_wait_any
		   has it whenever it waits on a pipe); it is delivered at
		   uintr_enable, and the next round sees irq. */
		if (irq_bound)
			uintr_disable();
		if (irq || (card && virtio_pending(&v, RXQ))) {
			/* came while we looked */
		} else if (more) {
			msleep(1); /* a client half-way through a message will not wake us */
			look = true;
		} else if (n == 0) {
			struct wait_item it[2] = {{.type = WAIT_READ, .id = ctl},
						  {.type = WAIT_UINTR}};
			struct wait_event ev[2];
			long r = wait(it, irq_bound ? 2 : 1, ev, 2, wait_ns);
			for (long i = 0; i < r; i++)
				ctl_ready |= ev[i].type == WAIT_READ;
		} else {
			ctl_ready = pipe_wait_for(fds, n, ctl, wait_ns) == 1;
		}
		if (irq_bound)
			uintr_enable();
	}
}
