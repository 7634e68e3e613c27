/*
 * user.h - the duet C library: everything a user program calls.
 *
 * A program talks to the kernel through two system calls only:
 * ring_enter() and wait(). Every service - read, write, spawn, exit... -
 * is an opcode in an entry of the thread's ring (kernel/abi/ring.h).
 * The functions below wrap one opcode each and block until it completes,
 * entering the kernel only as often as they must (lib/ring.c). Programs
 * that want to batch use async.h instead.
 *
 * Results follow the kernel's: >= 0 on success, -E* on failure; errstr()
 * names an error.
 */
#pragma once

#include "lib.h" /* shared/lib.h: memcpy, strlen, strcmp, vformat, snprintf */
#include "abi/ring.h"

/* The two system calls (user/lib/<arch>/user.S). */
long ring_enter(unsigned ring, unsigned to_submit, unsigned flags);
long wait(const struct wait_item *items, unsigned n, struct wait_event *events, unsigned max,
	  long long timeout_ns);

/* sys.c: one operation each, blocking until it completes. */
long read(int fd, void *buf, size_t n);
long write(int fd, const void *buf, size_t n);
int close(int fd);
bool fd_readable(int fd); /* a read of fd would not block now (a server's control descriptor) */
/* pipe.c: fds[0] reads, fds[1] writes. A hardware pipe: bytes move in user
   space, the kernel only wakes a sleeping end; pipe_kernel: every byte
   through the kernel (the baseline). */
int pipe(int fds[2]);
int pipe_kernel(int fds[2]);
/* How often this process's hardware-pipe ends went to sleep, and woke a sleeping peer. */
void pipe_stats(u64 *sleeps, u64 *wakes);
/* Messages over a hardware pipe or a connection (a server's, file.c's):
   put/get exactly n bytes, blocking (get: fewer only at end of file). */
bool pipe_is_conn(int fd);
/* The buffer fd's connection carries (abi/pipe.h), its bytes in *size; NULL: none. */
void *pipe_buf(int fd, u32 *size);
long pipe_write_all(int fd, const void *buf, size_t n);
long pipe_read_all(int fd, void *buf, size_t n);
/* The same, giving up with -ETIMEDOUT at until (now_ns()'s clock; 0: never). */
long pipe_write_by(int fd, const void *buf, size_t n, u64 until);
long pipe_read_by(int fd, void *buf, size_t n, u64 until);
bool pipe_ready(int fd); /* bytes to read, or the other end closed */
/* fd is the console: no hardware pipe or connection (a kernel pipe passes too) */
bool isatty(int fd);
/* For servers, never waiting (pipe.c says why): take or give exactly n
   bytes or none (-EAGAIN: not there, or no room; -EIO: the peer's index
   lies; take with buf NULL throws them away), and how many bytes are
   there to take, or room to give (-EIO: a lying index). */
long pipe_take(int fd, void *buf, size_t n);
long pipe_give(int fd, const void *buf, size_t n);
long pipe_avail(int fd);
long pipe_room(int fd);
/* Sleep until one of fds has something (or ctl, a kernel descriptor, is readable). */
long pipe_wait_any(const int *fds, int n, int ctl);
/* ... giving up after timeout_ns (-1: never); 1 if it saw ctl readable, else 0 */
long pipe_wait_for(const int *fds, int n, int ctl, long long timeout_ns);
/* fds: the child's descriptor i is our fds[i] (-1: none); NULL: 0, 1, 2 as ours.
   uid, gid: -1 keeps ours. Returns the child's pid. */
int spawn(const char *path, char *const argv[], const int *fds, int nfds, int uid, int gid);
/* spawn in job (docs/console.md): 0 ours, SPAWN_NEW_JOB a new one (numbered
   by the child's pid), or one we or a child of ours is in; flags SPAWN_FG:
   the new job is the console's foreground */
int spawn_job(const char *path, char *const argv[], const int *fds, int nfds, int uid, int gid,
	      int job, unsigned flags);
int console_fg(int job);		  /* Ctrl-C on the console stops job (0: none) */
int waitpid(int pid, int *status);	  /* pid -1: any child; returns the pid */
int waitpid_nohang(int pid, int *status); /* the same, or 0 at once if none has ended */
int kill(int pid);
int getpid(void);
int sleep_ns(u64 ns);
int msleep(unsigned ms);
int ps(struct procinfo *procs, int max); /* returns how many it filled in */
int list(int index, struct dirent *d); /* the boot archive's index-th file; -ENOENT past the end */
int kstats(struct kstats *s);
int poweroff(void); /* returns only if it failed */

/* ring.c: the process, threads, rings */
void exit(int status) __attribute__((noreturn));	/* the whole process */
void thread_exit(int status) __attribute__((noreturn)); /* the calling thread */
int thread_create(void (*fn)(void *), void *arg);	/* returns its tid */
int thread_join(int tid, int *status);			/* returns tid */
/* A new ring of this thread (RING_POLL...: abi/ring.h; cpu: with RING_POLL_PIN,
   -1 otherwise); *hdr gets its header. Returns its id. */
int ring_create(unsigned sq, unsigned cq, unsigned flags, unsigned idle_us, int cpu,
		struct ring_hdr **hdr);
int ring_destroy(int id);
/* Make this thread's blocking calls go through a new polled ring: no system
   call per operation while the poller is awake (cpu -1: the kernel picks). */
int ring_poll(unsigned idle_us, int cpu);
/* Make this thread's calls go through a new, bigger ring (cq 0: twice sq):
   for batches larger than the first ring's 64 entries. */
int ring_resize(unsigned sq, unsigned cq);

/* clock.c: a clock read without entering the kernel (the first call asks
   the kernel for its rate, once) */
u64 clock_ticks(void);	    /* the raw counter: rdtime / rdtsc */
u64 ticks_to_ns(u64 ticks); /* a difference of two clock_ticks() in ns */
u64 now_ns(void);	    /* clock_ticks() in ns since the machine started */

/* cost.c: cost_start(&c); ...; cost_end(&c) is the system calls "..." made */
struct cost {
	u64 start, self;
};
void cost_start(struct cost *c);
u64 cost_end(struct cost *c);

/* io.c: formatted output to a descriptor, and lines in */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vfprintf(int fd, const char *fmt, va_list ap);
int puts(const char *s); /* s and a newline on fd 1 */
long writeall(int fd, const void *buf, size_t n);
long readline(int fd, char *buf, size_t n); /* up to '\n' (kept), NUL-terminated; n > 0 */
/* The same from a file or pipe, whose reads may hold many lines: l keeps the rest.
   struct lines l = {.fd = fd}; while (lines_get(&l, buf, n) > 0) ... */
struct lines {
	int fd, pos, len;
	char buf[1024];
};
long lines_get(struct lines *l, char *line, size_t n);

/* malloc.c */
void *malloc(size_t n);
void free(void *p);

/* str.c: the string functions lib.h does not have */
char *strchr(const char *s, int c);

/* num.c */
long strtol(const char *s, char **end, int base);
int atoi(const char *s);
void srand(u64 seed);
u64 rand(void);

/* errstr.c: errstr(-ENOENT) and errstr(ENOENT) are "No such file or directory";
   errname(-ENOENT) is "ENOENT". perr(err, "%s", path) prints
   "<program>: <path>: No such file or directory" on fd 2. */
const char *errstr(long err);
const char *errname(long err);
void perr(long err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern const char *progname; /* argv[0], for messages */

#include "file.h" /* open, stat, ...: files, from the file server */
