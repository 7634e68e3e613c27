/*
 * nettest.c - the checks of netd's sockets from inside (docs/servers.md,
 * "Network"), over its loopback to the guest's own address:
 *
 *   names     what /net holds, and what it refuses (-ENOENT, -EINVAL)
 *   bind      a bound port is nobody else's; closed, it is free again
 *   ephemeral /net/udp/0 binds a free port from NET_EPHEMERAL up, a new
 *             one each time; the receiver sees it as the source
 *   ping      an echo of our own address, its sequence and data back
 *   liar      a length above NET_MSG_MAX ends the liar's connection
 *             (it reads end of file); others are served
 *   stall     half a message, then nothing: dropped after a while,
 *             and others are served meanwhile
 *   full      a socket that never reads: datagrams for it are dropped
 *             when its inbox is full, never waited for; those it got
 *             are whole and in order
 *   stats     /net/stats: read-only, its counters' text to the end
 *             of file, the datagrams just sent among them
 *   user      uid 1000: a port below 1024 refused, others fine
 *
 * Each check prints "ok <name>" or "FAIL <name>: <why>"; the last line
 * is "nettest: N passed, M failed". `nettest user` is the unprivileged
 * part (its exit status: failures).
 */
#include "check.h"
#include "net.h"

#define ME    NET_ADDR
#define TRIES 3000 /* 10 ms apart: a minute, which only a bug waits out */

static u8 buf[NET_MSG_MAX];

static int udp(int port)
{
	char path[32];
	snprintf(path, sizeof(path), "/net/udp/%d", port);
	return open(path, O_RDWR, 0);
}

/* netd sees a close a moment after it: open port until it is free again. */
static int udp_again(int port)
{
	int fd = udp(port);
	for (int i = 0; i < TRIES && fd == -EADDRINUSE; i++) {
		msleep(10);
		fd = udp(port);
	}
	return fd;
}

/* One datagram from fd to port, and the receiver `to` gets it: its length, and who sent it. */
static long through(int fd, int to, int port, const void *d, size_t n, u16 *sport)
{
	u32 from;
	long r = net_send(fd, ME, port, d, n);
	if (r >= 0)
		r = net_recv(to, &from, sport, buf, sizeof(buf), 60000);
	return r >= 0 && from != ME ? -EIO : r;
}

static void names(void)
{
	const char *bad[] = {"/net/nope", "/net/udp/65536", "/net/udp/07", "/net/udp/x",
			     "/net/ping/1"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		expect(bad[i], open(bad[i], O_RDWR, 0), -ENOENT);
	expect("names O_RDONLY", open("/net/udp/6000", O_RDONLY, 0), -EINVAL);
	struct fs_stat st;
	expect("names stat /net", stat("/net", &st), 0);
	expect("names /net is a directory", st.mode & S_IFMT, S_IFDIR);
	expect("names open /net", open("/net", O_RDONLY, 0), -EISDIR);
}

static void bind(void)
{
	int a = udp(6000);
	expect("bind", a >= 0, 1);
	expect("bind again", udp(6000), -EADDRINUSE);
	close(a);
	a = udp_again(6000);
	expect("bind after close", a >= 0, 1);
	close(a);
}

static void ephemeral(void)
{
	int to = udp(6001), a = udp(0), b = udp(0);
	u16 pa = 0, pb = 0;
	expect("ephemeral a", through(a, to, 6001, "a", 1, &pa), 1);
	expect("ephemeral b", through(b, to, 6001, "b", 1, &pb), 1);
	if (pa >= NET_EPHEMERAL && pb >= NET_EPHEMERAL && pa != pb)
		ok("ephemeral ports");
	else
		fail("ephemeral ports", "%u and %u", pa, pb);
	close(a);
	close(b);
	close(to);
}

static void ping(void)
{
	int fd = open("/net/ping", O_RDWR, 0);
	u32 from = 0;
	u16 seq = 0;
	long r = net_send(fd, ME, 5, "echo me", 7);
	if (r >= 0)
		r = net_recv(fd, &from, &seq, buf, sizeof(buf), 60000);
	expect("ping reply", r, 7);
	if (r == 7 && from == ME && seq == 5 && !memcmp(buf, "echo me", 7))
		ok("ping reply exact");
	else
		fail("ping reply exact", "from %x seq %u", from, seq);
	close(fd);
}

static void liar(void)
{
	int to = udp(6002), a = udp(0), x = udp(6003);
	struct net_msg m = {.addr = ME, .port = 6002, .len = NET_MSG_MAX + 1};
	expect("liar writes", pipe_write_all(x, &m, sizeof(m)), sizeof(m));
	expect("liar dropped", net_recv(x, NULL, NULL, buf, sizeof(buf), 60000), -EIO);
	expect("liar others served", through(a, to, 6002, "x", 1, NULL), 1);
	close(x);
	x = udp_again(6003);
	expect("liar port free", x >= 0, 1);
	close(x);
	close(a);
	close(to);
}

static void stall(void)
{
	int to = udp(6004), a = udp(0), y = udp(6005);
	struct net_msg m = {.addr = ME, .port = 6004, .len = 100};
	pipe_write_all(y, &m, sizeof(m));
	pipe_write_all(y, "only ten b", 10);
	expect("stall others served", through(a, to, 6004, "y", 1, NULL), 1);
	expect("stall dropped", net_recv(y, NULL, NULL, buf, sizeof(buf), 60000), -EIO);
	close(y);
	close(a);
	close(to);
}

static void full(void)
{
	enum { N = 100, LEN = 1000 }; /* 100 KB for a 16 KiB inbox */
	int to = udp(6006), a = udp(0), z = udp(6007);
	static u8 d[LEN];
	long sent = 0;
	for (int i = 0; i < N; i++) {
		memset(d, i, LEN);
		sent += net_send(a, ME, 6007, d, LEN) == LEN;
	}
	expect("full sent", sent, N);
	/* a's datagrams are served in order: once this one is through, all are */
	expect("full others served", through(a, to, 6006, "z", 1, NULL), 1);
	long got = 0, whole = 0, last = -1;
	bool order = true;
	long r;
	while ((r = net_recv(z, NULL, NULL, buf, sizeof(buf), 0)) >= 0) {
		got++;
		bool same = r == LEN;
		for (int i = 0; same && i < LEN; i++)
			same = buf[i] == buf[0];
		whole += same;
		order &= buf[0] > last;
		last = buf[0];
	}
	if (got > 0 && got < N && whole == got && order)
		ok("full: some dropped, the rest whole and in order");
	else
		fail("full", "%ld of %d came, %ld whole, %s", got, N, whole,
		     order ? "in order" : "out of order");
	close(z);
	close(a);
	close(to);
}

/* Where w starts in s, or NULL. */
static const char *find(const char *s, const char *w)
{
	for (size_t n = strlen(w); *s; s++)
		if (!strncmp(s, w, n))
			return s;
	return NULL;
}

static void stats(void)
{
	static char text[4096];
	expect("stats O_RDWR", open("/net/stats", O_RDWR, 0) < 0, 1);
	int fd = open("/net/stats", O_RDONLY, 0);
	expect("stats open", fd >= 0, 1);
	long n = 0, r;
	while (n < (long)sizeof(text) - 1 && (r = read(fd, text + n, 7)) > 0)
		n += r; /* 7 bytes a read: many requests, each from where the last ended */
	text[n] = '\0';
	expect("stats read to the end", r, 0);
	const char *u = find(text, "\nudp_in ");
	if (!strncmp(text, "card_in ", 8) && u && atoi(u + 8) > 0 && find(text, "\nno_route "))
		ok("stats text");
	else
		fail("stats text", "%ld bytes: %s", n, (text[40] = '\0', text));
	expect("stats write", write(fd, "x", 1), -EBADF);
	close(fd);
}

static int user(void)
{
	expect("user below 1024", udp(80), -EACCES);
	int fd = udp(6008);
	expect("user 6008", fd >= 0, 1);
	close(fd);
	fd = open("/net/ping", O_RDWR, 0);
	expect("user ping", fd >= 0, 1);
	close(fd);
	return summary("nettest user");
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "user"))
		return user();
	names();
	bind();
	ephemeral();
	ping();
	liar();
	stall();
	full();
	stats();
	char *args[] = {"nettest", "user", NULL};
	int pid = spawn("/bin/nettest", args, NULL, 0, 1000, 1000), status = -1;
	if (pid > 0)
		waitpid(pid, &status);
	expect("user checks", status, 0);
	return summary("nettest");
}
