/*
 * net.h - sockets: what a program and the network server netd say to
 * each other on a connection (docs/servers.md, "Network"), and the
 * C library's calls for it (user/lib/net.c).
 *
 * netd mounts "/net". Opening a name there is how a program gets a
 * socket; the kernel asks netd on the caller's behalf (its uid from the
 * kernel, never from the program) and connects the two by a hardware
 * pipe:
 *
 *   /net/udp/PORT   UDP port PORT (1..65535) bound for the opener: below
 *                   1024 root only (-EACCES), bound already -EADDRINUSE;
 *                   /net/udp/0 binds a free port from NET_EPHEMERAL up
 *   /net/ping       ICMP echo: requests out, the replies to them back
 *   /net/tcp/PORT   a TCP socket listening on PORT (1..65535; below 1024
 *                   root only, -EACCES): the next connection to PORT is
 *                   its, and then it is that connection's byte stream.
 *                   A port may have several listeners, all one user's
 *                   (another's: -EADDRINUSE); a server that wants one
 *                   connection after another opens the name again.
 *   /net/stats      read-only (O_RDONLY): netd's counters, a "name value"
 *                   line each, as the open found them (cat /net/stats)
 *
 * Open with O_RDWR. Each datagram is a message both ways: a struct
 * net_msg, then exactly `len` bytes. Out, addr and port say where it
 * goes; in, where it came from. For /net/ping, `port` is the echo's
 * sequence number and the bytes its data. A message longer than
 * NET_MSG_MAX ends the connection; a datagram that finds no room in
 * the program's inbox is dropped, as a network drops it.
 *
 * A TCP socket carries the stream's bytes, nothing else: net_read and
 * net_write. End of file (0) once the peer has closed and every byte it
 * sent is read, or the connection was reset; closing the socket closes
 * the connection after every byte written is sent. No half-close: the
 * peer's FIN ends the socket for both directions.
 */
#pragma once

#include "lib.h"

#define NET_MSG_MAX   1472	 /* UDP_MAX: one datagram fits one Ethernet frame */
#define NET_EPHEMERAL 49152	 /* /net/udp/0 picks a free port from here up */
#define NET_ADDR      0x0a00020f /* 10.0.2.15: the guest's address on QEMU's user network */
#define NET_MASK      0xffffff00
#define NET_GATEWAY   0x0a000202 /* 10.0.2.2: QEMU's gateway */

struct net_msg {
	u32 addr; /* IPv4 address, host order (10.0.2.15 is 0x0a00020f) */
	u16 port; /* UDP port, or the echo's sequence number */
	u16 len;  /* bytes that follow, at most NET_MSG_MAX */
};

/* net.c: one datagram out (-EIO: netd went away) */
long net_send(int fd, u32 addr, u16 port, const void *data, size_t n);
/* One datagram in: its length (bytes past max are thrown away), -ETIMEDOUT
   after timeout_ms (< 0: wait for ever), -EIO if netd went away. */
long net_recv(int fd, u32 *addr, u16 *port, void *buf, size_t max, long timeout_ms);
/* A TCP socket's bytes: what is there, at least 1 (waiting for it), 0 at
   the end of the stream, -EIO if netd went away; all n out, or -EIO. */
long net_read(int fd, void *buf, size_t n);
long net_write(int fd, const void *buf, size_t n);
/* "10.0.2.15" -> 0x0a00020f (net_ip.c); -EINVAL if it is not one */
int net_parse_ip(const char *s, u32 *ip);
