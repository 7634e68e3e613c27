/*
 * net_test.c - the network (issue 18): netd's stack and sockets, on the
 * loopback netd has until a network device driver exists (frames for
 * the guest's own address, 10.0.2.15, come back in).
 *
 * udpsend -> udpecho: datagrams of random sizes (1..1400) and random
 * bytes, each back byte for byte (udpsend counts them), and a line
 * typed through it; ping the guest's own address; the one check at
 * open (uid 1000 may not bind a port below 1024, nobody a bound one);
 * netd killed mid-traffic: both programs end with an error, the shell
 * prompts again; nettest's checks of the sockets (names, binding,
 * ephemeral ports, clients that lie, stall or never read).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/shell.h"

#define ECHOES	    500	   /* datagrams udpsend sends, one at a time */
#define ECHO_MS	    600000 /* their round trips under TCG, on a busy host */
#define PING_MS	    120000 /* three pings a second apart, slowly */
#define START_MS    60000  /* a background program's first line */
#define MIN_NETTEST 25	   /* nettest has more checks than this */

/* Start udpecho on port 7 in the background, and wait until it has bound it. */
static void udpecho(struct vm *vm)
{
	type(vm, "udpecho 7 &\r");
	/* the shell's "[pid]" and udpecho's line come in either order */
	expect(vm, START_MS, "^\\[[0-9]+\\]$|udpecho: port 7$");
	expect(vm, START_MS, "^\\[[0-9]+\\]$|udpecho: port 7$");
	seen(vm, "udpecho: port 7$");
}

static void echo(struct run *r)
{
	char w[12];
	randword(w, sizeof(w));
	struct vm *vm = shell(r);
	udpecho(vm);
	type(vm, "echo %s | udpsend 10.0.2.15 7\r", w);
	expect(vm, CMD_MS, "^(\\$ )?%s$", w); /* a background job's prompt may come first */
	expect(vm, CMD_MS, PROMPT);
	type(vm, "udpsend -n %d 10.0.2.15 7\r", ECHOES);
	note("%s", expect(vm, ECHO_MS, "udpsend: .* kernel entries, .* per round trip$"));
	const char *l = expect(vm, ECHO_MS, "udpsend: [0-9]+ sent, [0-9]+ echoed exactly$");
	note("%s", l);
	int sent = -1, exact = -1;
	sscanf(strstr(l, "udpsend: "), "udpsend: %d sent, %d echoed exactly", &sent, &exact);
	check(vm, sent == ECHOES && exact == ECHOES, "not every datagram came back exactly: %s", l);
}

static void ping(struct run *r)
{
	struct vm *vm = shell(r);
	type(vm, "ping -c 3 10.0.2.15\r");
	expect(vm, PING_MS, "^3 packets transmitted, 3 received, 0%% packet loss$");
	expect(vm, CMD_MS, PROMPT);
	seen(vm, "^64 bytes from 10\\.0\\.2\\.15: icmp_seq=3 ");
	/* nothing answers elsewhere on the loopback: lost, counted, no hang */
	type(vm, "ping -c 1 10.0.2.2\r");
	expect(vm, PING_MS, "^1 packets transmitted, 0 received, 100%% packet loss$");
}

/* Ports below 1024 are root's; a bound port is nobody else's. */
static void ports(struct run *r)
{
	struct vm *vm = shell(r);
	type(vm, "su 1000 udpecho 80\r");
	expect(vm, CMD_MS, "^udpecho: /net/udp/80: Permission denied$");
	expect(vm, CMD_MS, PROMPT);
	udpecho(vm);
	type(vm, "udpecho 7\r");
	expect(vm, CMD_MS,
	       "udpecho: /net/udp/7: Address already in use$"); /* maybe after a prompt */
	expect(vm, CMD_MS, PROMPT);
	/* a free port above 1023 is anyone's, and then not root's either */
	type(vm, "su 1000 udpecho 5000 &\r");
	expect(vm, START_MS, "udpecho: port 5000$");
	type(vm, "udpecho 5000\r");
	expect(vm, CMD_MS, "udpecho: /net/udp/5000: Address already in use$");
}

/* netd killed mid-traffic: its clients get errors, never hang. */
static void killed(struct run *r)
{
	struct vm *vm = shell(r);
	udpecho(vm);
	type(vm, "udpsend -n 1000000 10.0.2.15 7 &\r");
	expect(vm, CMD_MS, "^\\[[0-9]+\\]$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "sleep 1; ps\r"); /* traffic, most likely: its count is noted, not required */
	const char *l = expect(vm, CMD_MS, "^[0-9]+ +[0-9]+ +[a-z]+ +[-0-9]+ +0 +netd$");
	int netd = atoi(l);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "kill %d\r", netd);
	/* in either order: both were waiting on netd */
	expect(vm, START_MS, "udp(send|echo): .*: Input/output error$");
	expect(vm, START_MS, "udp(send|echo): .*: Input/output error$");
	seen(vm, "udpsend: 10\\.0\\.2\\.15:7: Input/output error$");
	seen(vm, "udpecho: /net/udp/7: Input/output error$");
	note("%s", seen(vm, "udpsend: [0-9]+ sent, [0-9]+ echoed exactly$"));
	type(vm, "echo alive\r");
	expect(vm, CMD_MS, "^(\\$ )?alive$");
}

/* nettest's checks of netd's sockets from inside (user/bin/nettest.c). */
static void nettest(struct run *r)
{
	struct vm *vm = shell(r);
	type(vm, "nettest\r");
	checks_passed(vm, "nettest", ECHO_MS, MIN_NETTEST);
	expect(vm, CMD_MS, PROMPT);
}

const struct test net_tests[] = {
    {"net/echo", 3, ALL, echo, 2},
    {"net/echo-1cpu", 2, ALL, echo, 1},
    {"net/ping", 2, ALL, ping, 2},
    {"net/ping-1cpu", 1, ALL, ping, 1},
    {"net/ports", 2, ALL, ports, 0},
    {"net/killed", 2, ALL, killed, 2},
    {"net/killed-1cpu", 1, ALL, killed, 1},
    {"net/nettest", 3, ALL, nettest, 2},
    {"net/nettest-1cpu", 2, ALL, nettest, 1},
    {0},
};
