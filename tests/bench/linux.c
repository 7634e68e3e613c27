/*
 * linux.c - the classic cases of duet's bench (user/bin/bench.c) on
 * Linux, for `make bench-linux`: a static program that is /init of a
 * tiny initramfs, under Debian's kernel, on the same QEMU with the same
 * options as duet. It prints the same BENCH lines and powers off.
 *
 * With one CPU (the run under -icount: instructions):
 *
 *	cpu-loop                  two instructions per turn: ns per instruction
 *	null-call                 getppid(), the classic null system call
 *	uring-nop-wait1           one io_uring NOP, submitted and waited for in
 *	                          one io_uring_enter (GETEVENTS)
 *	uring-nop-batchN          N io_uring NOPs (N = 1, 8, 32, 128) per
 *	                          io_uring_enter, completions reaped from the CQ
 *	uring-sqpoll-1cpu         one NOP on an SQPOLL ring: publish the entry
 *	                          (wake the poller if it sleeps), wait for the
 *	                          completion with io_uring_enter(GETEVENTS) as
 *	                          liburing does when the CQ is empty
 *	pipe-kernel-pingpong-1cpu 1 byte there and back between two processes
 *	pipe-kernel-stream-1cpu   1 MiB through a pipe, 64 KiB per write
 *	file-read-{4k,64k}-1cpu   pread 4 KiB (64 KiB) at offset 0 of a tmpfs file
 *
 * With two CPUs (the run under plain TCG: time):
 *
 *	cpu-loop                  as above: the emulator's speed
 *	pipe-kernel-pingpong-2cpu the ping-pong, the processes where Linux's
 *	                          scheduler puts them (duet cannot pin them)
 *	pipe-kernel-pingpong-2cpu-pinned   each process pinned to its own CPU
 *	pipe-kernel-pingpong-2cpu-onecpu   both pinned to the same CPU: no
 *	                          wake-up crosses CPUs
 *	uring-sqpoll-2cpu         NOPs on an SQPOLL ring, 32 in flight: publish
 *	                          them, reap, and wait in io_uring_enter
 *	                          (GETEVENTS) when the CQ is empty; duet's
 *	                          nop-polled-{uintr,wait}-2cpu
 *
 * With disk=1 on the kernel's command line (`make bench-linux`'s disk
 * run: one CPU, plain TCG, the virtio-blk disk duet's runs have, with
 * the same QEMU options) it loads the virtio-blk driver's modules from
 * /m and runs the disk cases on the whole device, /dev/vda, with no
 * file system: the block layer and the driver, the least a file system
 * on it could cost. One operation is one 4 KiB block; a repetition
 * 1 MiB (256 blocks) from the disk's start:
 *
 *	disk-write-1m             pwrite 64 KiB at a time, then fdatasync:
 *	                          on the disk when it returns, as duet's
 *	                          write is when fsd answers
 *	disk-read-1m-cold         pread 64 KiB at a time with O_DIRECT: no
 *	                          page cache, every block from the disk
 *	disk-read-1m-warm         pread 64 KiB at a time through the page
 *	                          cache, which the warm-up filled
 *	disk-read-4k-rand         pread 4 KiB with O_DIRECT at a random block
 *	                          of that 1 MiB
 *
 * io_uring is driven with its raw system calls (io_uring_setup,
 * io_uring_enter) and the rings mapped with mmap, as liburing does it,
 * so that nothing but a libc is needed to build this.
 *
 * Time is CLOCK_MONOTONIC (the vDSO reads the TSC: no system call; the
 * kernel command line has tsc=reliable so that Linux keeps the TSC as
 * its clock under QEMU). Linux has no per-thread count of kernel entries
 * that we could read as cheaply as duet's OP_STATS, so entries are "-":
 * not measured, rather than guessed.
 *
 * With udpecho=PORT on the kernel's command line (which the kernel
 * hands to /init as an environment variable) it is instead the UDP echo
 * of `make bench-udp` (tests/bench/udp.c): it loads the virtio-net
 * driver's modules (Debian builds them as modules; bench.mk puts them in
 * /m of this initramfs, in load order), gives eth0 the address duet's
 * netd has, 10.0.2.15/24 on QEMU's user network, and sends every UDP
 * datagram to PORT back to its sender, one recvfrom and one sendto
 * each, as duet's udpecho does, until QEMU is stopped.
 *
 * Built with the host's gcc -static; runs as PID 1, so it must not exit:
 * it ends with reboot(POWER_OFF), which QEMU's PC machine turns into an
 * exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXREPS 32
#define MIB	(1 << 20)
#define CHUNK	(64 << 10)

static int warm = 2, reps = 11;

static long long now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* Like duet's measure(): warm-up, then the median, min and max of reps. */
static int failed;

static void measure(const char *name, int (*f)(long n), long ops)
{
	long long t[MAXREPS];
	for (int i = 0; i < warm; i++)
		if (f(ops) < 0)
			goto fail;
	for (int i = 0; i < reps; i++) {
		long long t0 = now();
		if (f(ops) < 0)
			goto fail;
		t[i] = now() - t0;
	}
	qsort(t, reps, sizeof(t[0]), cmp);
	printf("BENCH case=%s ops=%ld reps=%d entries=- exc=- intr=- ns=%.3f min=%.3f max=%.3f\n",
	       name, ops, reps, (double)t[reps / 2] / ops, (double)t[0] / ops,
	       (double)t[reps - 1] / ops);
	fflush(stdout);
	return;
fail:
	printf("BENCH case=%s error=\"%m\"\n", name);
	fflush(stdout);
	failed++;
}

/* Run each process on one CPU of its own (the 2-CPU cases); -1: any. */
static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (cpu >= 0 && sched_setaffinity(0, sizeof(set), &set) < 0)
		perror("bench: sched_setaffinity");
}

static int spin(long n)
{
	long k = n / 2;
	asm volatile("1: dec %0\n\tjnz 1b" : "+r"(k));
	return 0;
}

static int null_call(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}

/*
 * The peer: a child that answers each byte with a byte (ping-pong), or
 * reads 1 MiB and then answers with one byte (stream). to[] carries
 * requests to it, from[] the answers.
 */
static int to[2], from[2];
static pid_t peer;

static void start_peer(int stream, int cpu)
{
	static char buf[CHUNK];
	if (pipe(to) < 0 || pipe(from) < 0 || (peer = fork()) < 0) {
		perror("bench: pipe/fork");
		return;
	}
	if (peer > 0)
		return;
	pin(cpu);
	for (;;) {
		long want = stream ? MIB : 1, got = 0;
		while (got < want) {
			long r = read(to[0], buf, want - got < CHUNK ? want - got : CHUNK);
			if (r <= 0)
				_exit(0);
			got += r;
		}
		if (write(from[1], buf, 1) != 1)
			_exit(1);
	}
}

static void stop_peer(void)
{
	kill(peer, SIGKILL);
	waitpid(peer, NULL, 0);
	close(to[0]), close(to[1]), close(from[0]), close(from[1]);
}

static int pingpong(long n)
{
	char c = 'x';
	for (long i = 0; i < n; i++)
		if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1)
			return -1;
	return 0;
}

static int stream(long n)
{
	static char buf[CHUNK];
	for (long i = 0; i < n; i++) {
		for (long done = 0; done < MIB;) {
			long r = write(to[1], buf, CHUNK);
			if (r <= 0)
				return -1;
			done += r;
		}
		if (read(from[0], buf, 1) != 1)
			return -1;
	}
	return 0;
}

/*
 * io_uring, by hand: io_uring_setup gives the rings' offsets, mmap maps
 * the SQ ring, the CQ ring (one mapping with IORING_FEAT_SINGLE_MMAP)
 * and the entries. The same ordering rules as duet's rings: entries
 * before the tail that covers them (release), the tail before the
 * entries it covers (acquire), and a full barrier between publishing
 * sq_tail and reading the flags of an SQPOLL ring.
 */
#define URING_ENTRIES 128

static struct {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *sq_flags;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned tail; /* our sq_tail */
	void *map[3];  /* the mappings, for uring_close */
	size_t len[3];
} ur = {.fd = -1};

static int uring_enter(unsigned submit, unsigned complete, unsigned flags)
{
	return syscall(__NR_io_uring_enter, ur.fd, submit, complete, flags, NULL, 0);
}

static int uring_setup(unsigned flags)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	p.flags = flags;
	p.sq_thread_idle = 1000; /* ms an SQPOLL poller polls before it sleeps */
	int fd = syscall(__NR_io_uring_setup, URING_ENTRIES, &p);
	if (fd < 0)
		return -1;
	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	int one = p.features & IORING_FEAT_SINGLE_MMAP;
	if (one)
		sq_len = cq_len = sq_len > cq_len ? sq_len : cq_len;
	int prot = PROT_READ | PROT_WRITE, map = MAP_SHARED | MAP_POPULATE;
	char *sq = mmap(NULL, sq_len, prot, map, fd, IORING_OFF_SQ_RING);
	char *cq = one ? sq : mmap(NULL, cq_len, prot, map, fd, IORING_OFF_CQ_RING);
	void *sqes =
	    mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), prot, map, fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		close(fd);
		return -1;
	}
	ur.fd = fd;
	ur.map[0] = sq, ur.len[0] = sq_len;
	ur.map[1] = one ? NULL : cq, ur.len[1] = cq_len;
	ur.map[2] = sqes, ur.len[2] = p.sq_entries * sizeof(struct io_uring_sqe);
	ur.sq_tail = (unsigned *)(sq + p.sq_off.tail);
	ur.sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	ur.sq_array = (unsigned *)(sq + p.sq_off.array);
	ur.sq_flags = (unsigned *)(sq + p.sq_off.flags);
	ur.cq_head = (unsigned *)(cq + p.cq_off.head);
	ur.cq_tail = (unsigned *)(cq + p.cq_off.tail);
	ur.cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	ur.cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	ur.sqes = sqes;
	ur.tail = *ur.sq_tail;
	for (unsigned i = 0; i < p.sq_entries; i++)
		ur.sq_array[i] = i; /* slot i of the SQ is entry i */
	return 0;
}

static void uring_close(void)
{
	for (int i = 0; i < 3; i++)
		if (ur.map[i])
			munmap(ur.map[i], ur.len[i]);
	close(ur.fd); /* an SQPOLL ring's poller ends with it */
	memset(&ur, 0, sizeof(ur));
	ur.fd = -1;
}

/* b NOPs in the SQ, published with one release of the tail. */
static void uring_nops(long b)
{
	for (long j = 0; j < b; j++) {
		struct io_uring_sqe *e = &ur.sqes[ur.tail & *ur.sq_mask];
		memset(e, 0, sizeof(*e));
		e->opcode = IORING_OP_NOP;
		ur.tail++;
	}
	__atomic_store_n(ur.sq_tail, ur.tail, __ATOMIC_RELEASE);
}

/* Reap b completions, entering the kernel to wait only if the CQ is empty. */
static int uring_reap(long b)
{
	unsigned head = *ur.cq_head;
	for (long got = 0; got < b;) {
		unsigned t = __atomic_load_n(ur.cq_tail, __ATOMIC_ACQUIRE);
		if (t == head) {
			if (uring_enter(0, 1, IORING_ENTER_GETEVENTS) < 0)
				return -1;
			continue;
		}
		for (; head != t; head++, got++)
			if (ur.cqes[head & *ur.cq_mask].res < 0)
				return -1;
		__atomic_store_n(ur.cq_head, head, __ATOMIC_RELEASE);
	}
	return 0;
}

static long batch; /* NOPs per io_uring_enter */

static int uring_batches(long n)
{
	for (long i = 0; i < n; i += batch) {
		uring_nops(batch);
		if (uring_enter(batch, 0, 0) != batch || uring_reap(batch) < 0)
			return -1;
	}
	return 0;
}

static int uring_wait1(long n)
{
	for (long i = 0; i < n; i++) {
		uring_nops(1);
		if (uring_enter(1, 1, IORING_ENTER_GETEVENTS) != 1 || uring_reap(1) < 0)
			return -1;
	}
	return 0;
}

static int uring_sqpoll(long n)
{
	for (long i = 0; i < n; i++) {
		uring_nops(1);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if ((__atomic_load_n(ur.sq_flags, __ATOMIC_RELAXED) & IORING_SQ_NEED_WAKEUP) &&
		    uring_enter(0, 0, IORING_ENTER_SQ_WAKEUP) < 0)
			return -1;
		if (uring_reap(1) < 0)
			return -1;
	}
	return 0;
}

/*
 * uring-sqpoll-2cpu: n NOPs through an SQPOLL ring with up to INFLIGHT
 * of them in flight, as duet's nop-polled-*-2cpu: refill the window,
 * reap what is there, and wait in io_uring_enter(GETEVENTS) only when
 * the CQ is empty.
 */
#define INFLIGHT 32

static int uring_sqpoll_window(long n)
{
	long sent = 0, got = 0;
	unsigned head = *ur.cq_head;
	while (got < n) {
		long k = n - sent < INFLIGHT - (sent - got) ? n - sent : INFLIGHT - (sent - got);
		if (k > 0) {
			uring_nops(k);
			sent += k;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if ((__atomic_load_n(ur.sq_flags, __ATOMIC_RELAXED) &
			     IORING_SQ_NEED_WAKEUP) &&
			    uring_enter(0, 0, IORING_ENTER_SQ_WAKEUP) < 0)
				return -1;
		}
		unsigned t = __atomic_load_n(ur.cq_tail, __ATOMIC_ACQUIRE);
		if (t == head) {
			if (uring_enter(0, 1, IORING_ENTER_GETEVENTS) < 0)
				return -1;
			continue;
		}
		for (; head != t; head++, got++)
			if (ur.cqes[head & *ur.cq_mask].res < 0)
				return -1;
		__atomic_store_n(ur.cq_head, head, __ATOMIC_RELEASE);
	}
	return 0;
}

static void uring_case(const char *name, int (*f)(long), long ops, unsigned flags)
{
	if (uring_setup(flags) < 0) {
		printf("BENCH case=%s error=\"io_uring_setup: %m\"\n", name);
		failed++;
		return;
	}
	measure(name, f, ops);
	uring_close();
}

/* A 64 KiB file in a tmpfs; one operation: pread len bytes at offset 0. */
#define FILE_SIZE (64 << 10)
static int ffd = -1;
static long flen;

static int file_read(long n)
{
	static char buf[FILE_SIZE];
	for (long i = 0; i < n; i++) {
		for (long done = 0, r; done < flen; done += r)
			if ((r = pread(ffd, buf + done, flen - done, done)) <= 0)
				return -1;
	}
	return 0;
}

static void file_case(const char *name, long len, long ops)
{
	static char buf[FILE_SIZE];
	mkdir("/tmp", 0777);
	if (mount("tmpfs", "/tmp", "tmpfs", 0, NULL) < 0 && errno != EBUSY)
		goto fail;
	if ((ffd = open("/tmp/bench.dat", O_RDWR | O_CREAT | O_TRUNC, 0644)) < 0)
		goto fail;
	for (int i = 0; i < FILE_SIZE; i++)
		buf[i] = i * 7;
	if (write(ffd, buf, FILE_SIZE) != FILE_SIZE)
		goto fail;
	flen = len;
	measure(name, file_read, ops);
	close(ffd);
	unlink("/tmp/bench.dat");
	return;
fail:
	printf("BENCH case=%s error=\"setting up the tmpfs file: %m\"\n", name);
	failed++;
	if (ffd >= 0)
		close(ffd);
}

/* ---- disk=1: the disk cases (make bench-linux) --------------------------- */

#define DISK	 "/dev/vda"
#define DISK_BLK 256 /* blocks per repetition: 1 MiB */
static int dfd = -1;
static char *dbuf; /* CHUNK bytes, aligned for O_DIRECT */

static int disk_write(long n)
{
	for (long done = 0; done < n * 4096; done += CHUNK)
		if (pwrite(dfd, dbuf, CHUNK, done) != CHUNK)
			return -1;
	return fdatasync(dfd);
}

static int disk_read(long n)
{
	for (long done = 0; done < n * 4096; done += CHUNK)
		if (pread(dfd, dbuf, CHUNK, done) != CHUNK)
			return -1;
	return 0;
}

static int disk_rand(long n)
{
	for (long i = 0; i < n; i++)
		if (pread(dfd, dbuf, 4096, (random() % DISK_BLK) * 4096) != 4096)
			return -1;
	return 0;
}

static void disk_case(const char *name, int (*f)(long), int flags)
{
	if ((dfd = open(DISK, flags)) < 0) {
		printf("BENCH case=%s error=\"open %s: %m\"\n", name, DISK);
		failed++;
		return;
	}
	srandom(1);
	measure(name, f, DISK_BLK);
	close(dfd);
}

static void stop(const char *what);
static void modules(void);

static int disk_cases(void)
{
	/* the driver probes the device after its module loads: wait for the
	   node (devtmpfs makes it), generously */
	modules();
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	struct stat st;
	for (int i = 0; i < 10000 && stat(DISK, &st) < 0; i++)
		usleep(1000);
	if (posix_memalign((void **)&dbuf, 4096, CHUNK) != 0)
		stop("memory");
	memset(dbuf, 7, CHUNK);
	disk_case("disk-write-1m", disk_write, O_RDWR);
	disk_case("disk-read-1m-cold", disk_read, O_RDONLY | O_DIRECT);
	disk_case("disk-read-1m-warm", disk_read, O_RDONLY);
	disk_case("disk-read-4k-rand", disk_rand, O_RDONLY | O_DIRECT);
	return 4;
}

/* ---- udpecho=PORT: the UDP echo (make bench-udp) ------------------------ */

static void stop(const char *what)
{
	printf("BENCH udpecho error=\"%s: %m\"\n", what);
	fflush(stdout);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* Load /m's modules in the order of their names (bench.mk numbers them). */
static void modules(void)
{
	struct dirent **e;
	int n = scandir("/m", &e, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char path[300];
		snprintf(path, sizeof(path), "/m/%s", e[i]->d_name);
		int fd = e[i]->d_name[0] == '.' ? -1 : open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
			stop(path);
		if (fd >= 0)
			close(fd);
	}
}

/* ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up, by hand */
static void address(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "eth0");
	struct sockaddr_in *a = (struct sockaddr_in *)&r.ifr_addr;
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = inet_addr("10.0.2.15");
	if (s < 0 || ioctl(s, SIOCSIFADDR, &r) < 0)
		stop("eth0's address");
	a->sin_addr.s_addr = inet_addr("255.255.255.0");
	if (ioctl(s, SIOCSIFNETMASK, &r) < 0)
		stop("eth0's netmask");
	if (ioctl(s, SIOCGIFFLAGS, &r) < 0)
		stop("eth0's flags");
	r.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &r) < 0)
		stop("eth0 up");
	close(s);
}

static void udpecho(int port)
{
	modules();
	address();
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		stop("bind");
	printf("\nBENCH udpecho ready port=%d\n",
	       port); /* a new line first: the firmware's escapes */
	fflush(stdout);
	static char buf[65536];
	for (;;) {
		socklen_t len = sizeof(a);
		long n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&a, &len);
		if (n >= 0)
			sendto(s, buf, n, 0, (struct sockaddr *)&a, len);
	}
}

int main(void)
{
	/* PID 1 gets the console from the kernel only if the initramfs has
	   /dev/console (Debian's kernel builds it in); make sure. */
	if (fcntl(1, F_GETFD) < 0) {
		mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
		int fd = open("/dev/console", O_RDWR);
		dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("udpecho"))
		udpecho(atoi(getenv("udpecho")));
	/* a new line first: the firmware's last escape sequence has none */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("\nBENCH start arch=x86_64 os=linux cpus=%ld mode=full warm=%d reps=%d\n", cpus,
	       warm, reps);
	printf("BENCH clock src=clock_gettime\n");
	int cases = 0;
	measure("cpu-loop", spin, 200000), cases++;
	if (getenv("disk")) {
		cases += disk_cases();
	} else if (cpus >= 2) {
		start_peer(0, -1);
		measure("pipe-kernel-pingpong-2cpu", pingpong, 256), cases++;
		stop_peer();
		pin(0);
		start_peer(0, 1);
		measure("pipe-kernel-pingpong-2cpu-pinned", pingpong, 256), cases++;
		stop_peer();
		start_peer(0, 0);
		measure("pipe-kernel-pingpong-2cpu-onecpu", pingpong, 1024), cases++;
		stop_peer();
		/* still pinned to CPU 0: the SQPOLL thread (any CPU) has the other */
		uring_case("uring-sqpoll-2cpu", uring_sqpoll_window, 4096, IORING_SETUP_SQPOLL),
		    cases++;
	} else {
		measure("null-call", null_call, 4096), cases++;
		uring_case("uring-nop-wait1", uring_wait1, 4096, 0), cases++;
		static const struct {
			const char *name;
			long n;
		} b[] = {{"uring-nop-batch1", 1},
			 {"uring-nop-batch8", 8},
			 {"uring-nop-batch32", 32},
			 {"uring-nop-batch128", 128}};
		for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
			batch = b[i].n;
			uring_case(b[i].name, uring_batches, 4096, 0), cases++;
		}
		uring_case("uring-sqpoll-1cpu", uring_sqpoll, 1024, IORING_SETUP_SQPOLL), cases++;
		start_peer(0, -1);
		measure("pipe-kernel-pingpong-1cpu", pingpong, 1024), cases++;
		stop_peer();
		start_peer(1, -1);
		measure("pipe-kernel-stream-1cpu", stream, 4), cases++;
		stop_peer();
		file_case("file-read-4k-1cpu", 4096, 1024), cases++;
		file_case("file-read-64k-1cpu", 65536, 256), cases++;
	}
	printf("BENCH done cases=%d ran=%d skipped=0 failed=%d\n", cases, cases - failed, failed);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
