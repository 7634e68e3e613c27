/*
 * udp.c - UDP between the host and a guest's echo server, through
 * QEMU's user network and a forwarded port, for `make bench-udp`:
 *
 *	bench-udp [-l] [-t secs] OUT 'qemu-system-... options'
 *
 * picks a free host UDP port, puts it where the command says @PORT@
 * (`make print-qemu NETPORT=@PORT@`: QEMU forwards the host's loopback
 * UDP port to the guest's port 7), boots the guest, starts the echo in
 * it (duet: types `udpecho -s 128 7 &` at the shell's prompt; with -l
 * the guest is Linux whose /init, tests/bench/linux.c, echoes on port
 * 7 when its command line says udpecho=7), warms up with 128 round
 * trips, then measures from the host:
 *
 *	udp-rtt-SIZE     one datagram of SIZE bytes (64, 1400) there and
 *	                 back, one at a time (RTT_N of them): the median,
 *	                 min and max round trip; an echo that has not come
 *	                 in RTT_LOST_MS is lost and the next one goes
 *	udp-stream-SIZE  STREAM_N datagrams with up to WINDOW in flight:
 *	                 every echo sends the next one; when none has come
 *	                 for STREAM_LOST_MS every one in flight is lost
 *	                 (the stall is in the time). Datagrams and payload
 *	                 bytes echoed per second, and the losses.
 *
 * Every echo is checked: its sequence number and its bytes. Times are
 * the host's CLOCK_MONOTONIC: what a program on the host sees, QEMU's
 * user network (libslirp) included, under TCG on a shared host: they
 * vary with the host's load (the "# load" lines say how loaded it was).
 *
 * duet's kernel entries per datagram come from the guest's console:
 * udpecho's lines (every 128 datagrams it echoed: its own thread's
 * system calls, exceptions and interrupts, and how often it slept and
 * woke netd up) and netd's (every 256 frames the card received: its
 * interrupts, netd's kernel entries so far by kind, its sleeps and
 * wake-ups sent). A case gets the udpecho lines printed while it ran,
 * and the difference between the first and the last netd lines printed
 * while it ran, per frame. Every case's count of datagrams is a
 * multiple of 128, so udpecho's lines fall on the cases' edges unless
 * a datagram was lost on its way in. Linux has no such counters for
 * us: "-".
 *
 * OUT gets "# qemu", "# load" and one BENCH line per case; OUT.console
 * the transcript. Exit status 0 only if every case ran.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/vm.h"

#define EVERY	       128   /* udpecho -s: a line every this many datagrams */
#define WARM	       EVERY /* round trips before the first case (ARP, caches) */
#define WARM_LOST      10    /* lost in a row: the echo does not work */
#define RTT_N	       512
#define RTT_LOST_MS    2000
#define STREAM_N       4096
#define WINDOW	       16
#define STREAM_LOST_MS 250
#define MAXLEN	       1400

static struct vm *vm;
static int sock;
static FILE *out;
static int is_linux;

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}

static void load(const char *when)
{
	double a, b, c;
	FILE *l = fopen("/proc/loadavg", "r");
	if (l && fscanf(l, "%lf %lf %lf", &a, &b, &c) == 3)
		fprintf(out, "# load %s: %.2f %.2f %.2f\n", when, a, b, c);
	if (l)
		fclose(l);
}

/* Datagram seq of n bytes: the number, then bytes that depend on it. */
static void fill(unsigned char *m, unsigned seq, size_t n)
{
	for (size_t i = 0; i < n; i++)
		m[i] = i < 4 ? seq >> (8 * i) : (unsigned char)(seq * 31 + i);
}

/* The sequence number of an echo of n bytes, or -1 if its bytes are not ours. */
static long check(const unsigned char *m, size_t got, size_t n)
{
	static unsigned char want[MAXLEN];
	if (got != n || n < 4)
		return -1;
	unsigned seq = m[0] | m[1] << 8 | m[2] << 16 | (unsigned)m[3] << 24;
	fill(want, seq, n);
	return memcmp(m, want, n) ? -1 : (long)seq;
}

static unsigned next_seq; /* never reused: a late echo is never taken for a new one */

/* One round trip: its ns, or -1 if lost. */
static long long round_trip(size_t n)
{
	unsigned char m[MAXLEN], in[65536];
	unsigned seq = next_seq++;
	fill(m, seq, n);
	long long t0 = now_ns();
	if (send(sock, m, n, 0) != (ssize_t)n)
		return -1;
	for (;;) {
		long long left = RTT_LOST_MS - (now_ns() - t0) / 1000000;
		struct pollfd p = {.fd = sock, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		ssize_t got = recv(sock, in, sizeof(in), 0);
		if (got >= 0 && check(in, got, n) == seq)
			return now_ns() - t0;
		/* a late echo of an earlier one: not ours, wait on */
	}
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* Read what the console has now (vm.c reads only while it waits). */
static void drain(int ms)
{
	vm_expect(vm, "^ never printed $", ms);
}

/*
 * duet's kernel entries per datagram, from the console lines printed
 * since offset from: " client_calls=... netd_entries=..." into s, or
 * "-"s where there are no lines to tell.
 */
static void entries(size_t from, char *s, size_t len)
{
	double dg = 0, k[5] = {0, 0, 0, 0, 0};
	/* netd's lines: frames in, interrupts, then its entries by kind,
	   sleeps and wake-ups; the first and the last printed in the case */
	double d0[7] = {-1}, d1[7], d[7];
	int nd = 0;
	for (char *l = vm->log + from; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		long n;
		unsigned long long c, x, i, a, b, e, z, w;
		if (sscanf(l,
			   "udpecho: %ld datagrams: %llu calls, %llu exceptions, %llu interrupts, "
			   "%llu sleeps, %llu wake-ups",
			   &n, &c, &x, &i, &z, &w) == 6) {
			dg += n, k[0] += c, k[1] += x, k[2] += i, k[3] += z, k[4] += w;
		} else if (
		    sscanf(l, "netd: card: %llu in, %llu out, %llu interrupts, %llu kernel entries",
			   &a, &b, &i, &e) == 4) {
			d[0] = a, d[1] = i;
		} else if (sscanf(
			       l,
			       "netd: entries: %llu calls, %llu exceptions, %llu interrupts, %llu "
			       "sleeps, %llu wake-ups",
			       &c, &x, &i, &z, &w) == 5) {
			d[2] = c, d[3] = x, d[4] = i, d[5] = z, d[6] = w;
			memcpy(nd++ ? d1 : d0, d, sizeof(d));
		}
	}
	int o = 0;
	if (dg > 0)
		o = snprintf(
		    s, len,
		    " client_dgrams=%.0f client_calls=%.4f client_exc=%.4f client_intr=%.4f"
		    " client_sleeps=%.4f client_wakes=%.4f",
		    dg, k[0] / dg, k[1] / dg, k[2] / dg, k[3] / dg, k[4] / dg);
	else
		o = snprintf(s, len,
			     " client_dgrams=0 client_calls=- client_exc=- client_intr=-"
			     " client_sleeps=- client_wakes=-");
	double f = nd > 1 ? d1[0] - d0[0] : 0;
	if (f > 0)
		snprintf(s + o, len - o,
			 " netd_frames=%.0f netd_intr=%.4f netd_entries=%.4f netd_calls=%.4f"
			 " netd_exc=%.4f netd_intr_entries=%.4f netd_sleeps=%.4f netd_wakes=%.4f",
			 f, (d1[1] - d0[1]) / f,
			 (d1[2] + d1[3] + d1[4] - d0[2] - d0[3] - d0[4]) / f, (d1[2] - d0[2]) / f,
			 (d1[3] - d0[3]) / f, (d1[4] - d0[4]) / f, (d1[5] - d0[5]) / f,
			 (d1[6] - d0[6]) / f);
	else
		snprintf(s + o, len - o, " netd_frames=0 netd_intr=- netd_entries=-");
}

/* Before a case: the console read up to now; returns where the case's lines start. */
static size_t begin(void)
{
	drain(200);
	return vm->len;
}

static void finish(size_t from, const char *line)
{
	char k[768] = "";
	drain(1000); /* the guest's last lines of the case */
	if (!is_linux)
		entries(from, k, sizeof(k));
	fprintf(out, "%s%s\n", line, k);
	fflush(out);
}

static void rtt_case(size_t n)
{
	static long long t[RTT_N];
	size_t from = begin();
	int ok = 0, lost = 0;
	for (int i = 0; i < RTT_N; i++) {
		long long ns = round_trip(n);
		if (ns < 0)
			lost++;
		else
			t[ok++] = ns;
	}
	char line[256];
	if (ok == 0) {
		snprintf(line, sizeof(line), "BENCH case=udp-rtt-%zu error=\"no echo\"", n);
	} else {
		qsort(t, ok, sizeof(t[0]), cmp);
		snprintf(line, sizeof(line),
			 "BENCH case=udp-rtt-%zu size=%zu ops=%d lost=%d ns=%lld min=%lld max=%lld",
			 n, n, RTT_N, lost, t[ok / 2], t[0], t[ok - 1]);
	}
	finish(from, line);
}

static void stream_case(size_t n)
{
	static unsigned char state[STREAM_N]; /* 0 not sent, 1 in flight, 2 echoed, 3 lost */
	unsigned char m[MAXLEN], in[65536];
	memset(state, 0, sizeof(state));
	size_t from = begin();
	unsigned base = next_seq;
	next_seq += STREAM_N;
	long sent = 0, got = 0, lost = 0, late = 0;
	long long t0 = now_ns(), last = t0;
	while (got + lost < STREAM_N) {
		while (sent < STREAM_N && sent - got - lost < WINDOW) {
			fill(m, base + sent, n);
			if (send(sock, m, n, 0) != (ssize_t)n)
				break; /* the host's socket is full: as lost, later */
			state[sent++] = 1;
		}
		struct pollfd p = {.fd = sock, .events = POLLIN};
		if (poll(&p, 1, STREAM_LOST_MS) <= 0) {
			for (long i = 0; i < sent; i++)
				if (state[i] == 1)
					state[i] = 3, lost++;
			continue;
		}
		ssize_t r = recv(sock, in, sizeof(in), 0);
		long seq = r >= 0 ? check(in, r, n) : -1;
		if (seq < (long)base || seq >= (long)base + STREAM_N)
			continue; /* an earlier case's late echo */
		if (state[seq - base] == 1) {
			state[seq - base] = 2, got++;
			last = now_ns();
		} else {
			late++; /* given up as lost already */
		}
	}
	char line[320];
	double s = (last - t0) / 1e9;
	if (got == 0)
		snprintf(line, sizeof(line), "BENCH case=udp-stream-%zu error=\"no echo\"", n);
	else
		snprintf(line, sizeof(line),
			 "BENCH case=udp-stream-%zu size=%zu ops=%d window=%d echoed=%ld lost=%ld "
			 "late=%ld ns=%.0f dgps=%.0f mbps=%.3f",
			 n, n, STREAM_N, WINDOW, got, lost, late, (last - t0) / (double)got,
			 got / s, got * n / s / 1e6);
	finish(from, line);
}

static int fail(const char *o, const char *what)
{
	fprintf(stderr,
		"bench-udp: %s: %s\nlast console lines:\n%s\n(whole transcript: %s.console)\n",
		what, vm->why, vm_tail(vm, 15), o);
	char path[512];
	snprintf(path, sizeof(path), "%s.console", o);
	FILE *f = fopen(path, "w");
	if (f)
		fputs(vm->log, f), fclose(f);
	vm_free(vm);
	return 1;
}

int main(int argc, char **argv)
{
	int opt, limit = 900;
	while ((opt = getopt(argc, argv, "lt:")) != -1) {
		if (opt == 'l')
			is_linux = 1;
		else if (opt == 't')
			limit = atoi(optarg);
		else
			goto usage;
	}
	if (argc - optind != 2)
		goto usage;
	const char *o = argv[optind], *tmpl = argv[optind + 1];
	if (!(out = fopen(o, "w"))) {
		perror(o);
		return 1;
	}
	/* a free port: bind port 0 and the kernel picks one; QEMU binds it a moment later */
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &alen) < 0) {
		perror("bench-udp: no free UDP port");
		return 1;
	}
	close(s);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("bench-udp: host socket");
		return 1;
	}
	static char cmd[8192];
	const char *at = strstr(tmpl, "@PORT@");
	if (!at || strlen(tmpl) + 8 > sizeof(cmd))
		goto usage;
	snprintf(cmd, sizeof(cmd), "%.*s%d%s", (int)(at - tmpl), tmpl, ntohs(a.sin_port), at + 6);
	vm_run_start(&vm, limit);
	alarm(limit + 60);
	fprintf(out, "# qemu: %s\n", cmd);
	load("start");
	if (!(vm = vm_start(cmd))) {
		perror("bench-udp: cannot start QEMU");
		return 1;
	}
	if (is_linux) {
		if (!vm_expect(vm, "BENCH udpecho ready", vm_within(180000)))
			return fail(o, "Linux's echo did not start");
	} else {
		if (!vm_expect(vm, "^\\$ ", vm_within(120000)))
			return fail(o, "no shell prompt");
		char line[64];
		snprintf(line, sizeof(line), "udpecho -s %d 7 &\r", EVERY);
		vm_send(vm, line);
		if (!vm_expect(vm, "udpecho: port 7$", vm_within(60000)))
			return fail(o, "udpecho did not start");
	}
	fprintf(out, "BENCH start os=%s window=%d rtt_lost_ms=%d stream_lost_ms=%d\n",
		is_linux ? "linux" : "duet", WINDOW, RTT_LOST_MS, STREAM_LOST_MS);
	/* warm-up: ARP on both sides, the first frames through QEMU */
	int warm = 0, lost = 0;
	while (warm < WARM && lost < WARM_LOST)
		if (round_trip(64) >= 0)
			warm++, lost = 0;
		else
			lost++;
	if (warm < WARM) {
		drain(1000);
		snprintf(vm->why, sizeof(vm->why), "%d lost in a row after %d echoes", lost, warm);
		return fail(o, "the warm-up lost its echoes");
	}
	rtt_case(64);
	rtt_case(1400);
	stream_case(64);
	stream_case(1400);
	fprintf(out, "BENCH done cases=4\n");
	load("end");
	fclose(out);
	char path[512];
	snprintf(path, sizeof(path), "%s.console", o);
	FILE *f = fopen(path, "w");
	if (f)
		fputs(vm->log, f), fclose(f);
	if (!is_linux) {
		vm_send(vm, "poweroff\r");
		vm_expect(vm, "duet: powering off$", vm_within(15000));
	}
	vm_free(vm);
	return 0;
usage:
	fprintf(stderr, "usage: bench-udp [-l] [-t secs] OUT 'qemu command with @PORT@'\n");
	return 2;
}
