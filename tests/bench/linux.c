/*
 * linux.c - the classic cases of duet's bench (user/bin/bench.c) on
 * Linux, for `make bench-linux`: a static program that is /init of a
 * tiny initramfs, under Debian's kernel, on the same QEMU with the same
 * options as duet. It prints the same BENCH lines and powers off.
 *
 *	cpu-loop                  two instructions per turn: ns per instruction
 *	null-call                 getppid(), the classic null system call
 *	pipe-kernel-pingpong-1cpu 1 byte there and back between two processes
 *	pipe-kernel-stream-1cpu   1 MiB through a pipe, 64 KiB per write
 *
 * Time is CLOCK_MONOTONIC (the vDSO reads the TSC: no system call; the
 * kernel command line has tsc=reliable so that Linux keeps the TSC as
 * its clock under QEMU). Linux has no per-thread count of kernel entries
 * that we could read as cheaply as duet's OP_STATS, so entries are "-":
 * not measured, rather than guessed.
 *
 * Built with the host's gcc -static; runs as PID 1, so it must not exit:
 * it ends with reboot(POWER_OFF), which QEMU's PC machine turns into an
 * exit.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
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

static void start_peer(int stream)
{
	static char buf[CHUNK];
	if (pipe(to) < 0 || pipe(from) < 0 || (peer = fork()) < 0) {
		perror("bench: pipe/fork");
		return;
	}
	if (peer > 0)
		return;
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
	/* a new line first: the firmware's last escape sequence has none */
	printf("\nBENCH start arch=x86_64 os=linux cpus=%ld mode=full warm=%d reps=%d\n",
	       sysconf(_SC_NPROCESSORS_ONLN), warm, reps);
	printf("BENCH clock src=clock_gettime\n");
	measure("cpu-loop", spin, 200000);
	measure("null-call", null_call, 4096);
	start_peer(0);
	measure("pipe-kernel-pingpong-1cpu", pingpong, 1024);
	stop_peer();
	start_peer(1);
	measure("pipe-kernel-stream-1cpu", stream, 4);
	stop_peer();
	printf("BENCH done cases=4 ran=%d skipped=0 failed=%d\n", 4 - failed, failed);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
