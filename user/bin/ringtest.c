/*
 * ringtest.c - the ring ABI checked from user space: every opcode's
 * normal use, and what a careless or hostile program can do - bad
 * pointers and lengths, unknown opcodes and flags, system call numbers
 * that do not exist, bad ring ids, corrupt indexes, a full completion
 * queue, LINK chains that fail, garbage all over its ring. The kernel
 * must answer each with an error (or end the offender) and stay up.
 *
 * Each check prints "ok <name>" or "FAIL <name>: <why>"; the last line
 * is "ringtest: N passed, M failed". One check reads a line from the
 * console: type anything.
 *
 * Some checks need a second process; ringtest runs itself for them:
 *   ringtest exit N     exit with status N
 *   ringtest sleep      sleep until killed
 *   ringtest fds        check that fd 2 is closed and fd 1 is not
 *   ringtest eperm      as an ordinary user, try what only root may do
 *   ringtest scribble   fill its ring with garbage and submit it, many times
 */
#include "async.h"
#include "check.h"

#define SELF	  "/bin/ringtest"
#define USER	  1000			 /* an ordinary user's uid and gid */
#define KADDR	  ((void *)(uptr)-4096)	 /* kernel memory: never the user's */
#define NONCANON  ((void *)(1ull << 47)) /* above every user address space of ours */
#define SECOND_NS 1000000000ull

extern char _end[]; /* user.ld: the end of .bss; the next page is unmapped */

/* Run one entry as a blocking call; its result. */
static long op(struct sqe e)
{
	return ring_call(&e, NULL);
}

/* A raw system call with number nr (arguments don't matter): the stubs know only 0 and 1. */
static long syscall_nr(long nr)
{
#if defined(__riscv)
	register long a7 asm("a7") = nr;
	register long a0 asm("a0");
	asm volatile("ecall" : "=r"(a0) : "r"(a7) : "memory");
	return a0;
#elif defined(__x86_64__)
	long rax = nr;
	asm volatile("syscall" : "+a"(rax) : : "rcx", "r11", "memory");
	return rax;
#else
#error "ringtest: which instruction makes a system call here?"
#endif
}

/* The first unmapped address after the program (the page after _end). */
static char *edge(void)
{
	return (char *)ROUND_UP((uptr)_end, 4096);
}

/* Spawn ringtest in one of its child modes; its pid or -E*. */
static int child(const char *mode, const char *arg, const int *fds, int nfds, int uid)
{
	char *argv[] = {"ringtest", (char *)mode, (char *)arg, NULL};
	return spawn(SELF, argv, fds, nfds, uid, uid);
}

/*
 * Submit the n entries in one ring_enter, user_data 1..n; wait for all
 * n completions. res[i] gets entry i's result, order[k] the index of the
 * k-th completion to arrive. Returns 0, or -1 if the kernel did not take
 * them all (then the results are not filled in).
 */
static int batch(const struct sqe *e, int n, long *res, int *order)
{
	for (int i = 0; i < n; i++) {
		struct sqe *s = sq_get();
		if (!s)
			return -1;
		*s = e[i];
		s->user_data = i + 1;
	}
	if (sq_submit() != n)
		return -1;
	for (int k = 0; k < n;) {
		struct cqe c;
		cq_wait(&c, 1);
		res[c.user_data - 1] = c.res;
		order[k++] = c.user_data - 1;
	}
	return 0;
}

/* ---- every opcode, used as intended ----------------------------------- */

static void happy(void)
{
	static const char hello[] = "ringtest: hello from OP_WRITE\n";
	expect("nop", op((struct sqe){.opcode = OP_NOP}), 0);
	expect("write", write(1, hello, sizeof(hello) - 1), sizeof(hello) - 1);
	int me = getpid();
	if (me > 1)
		ok("getpid");
	else
		fail("getpid", "got %s, want a pid > 1", show(me));
	expect("sleep", msleep(10), 0);

	struct kstats ks;
	int r = kstats(&ks);
	if (r == 0 && ks.ncpu >= 1 && ks.ncpu <= STATS_NCPU && ks.thread[KS_SYSCALL] > 0 &&
	    ks.free_pages > 0)
		ok("stats");
	else
		fail("stats", "res %s, ncpu %u, syscalls %llu, free pages %llu", show(r), ks.ncpu,
		     ks.thread[KS_SYSCALL], ks.free_pages);

	static struct procinfo p[64];
	int n = ps(p, 64);
	bool self = false, init = false;
	for (int i = 0; i < n; i++) {
		self |= p[i].pid == me && strcmp(p[i].name, "ringtest") == 0 &&
			p[i].state == PROC_RUNNING;
		init |= p[i].pid == 1 && strcmp(p[i].name, "init") == 0;
	}
	if (self && init)
		ok("ps");
	else
		fail("ps", "res %s; ringtest running as pid %d: %s; init as pid 1: %s", show(n), me,
		     self ? "yes" : "no", init ? "yes" : "no");

	struct dirent d;
	u64 size = 0;
	int i;
	for (i = 0; (r = list(i, &d)) == 0; i++)
		if (strcmp(d.name, "bin/ringtest") == 0)
			size = d.size;
	if (r == -ENOENT && size > 0)
		ok("list");
	else
		fail("list", "%d entries, then %s; bin/ringtest has %llu bytes", i, show(r), size);
	expect("list-end", list(i + 1000, &d), -ENOENT);

	/* spawn, exit and waitpid: the child's exit status comes back */
	char arg[8];
	int status = 1 + rand() % 200, st = -1;
	snprintf(arg, sizeof(arg), "%d", status);
	int pid = child("exit", arg, NULL, 0, -1);
	if (pid > 0)
		ok("spawn");
	else
		fail("spawn", "got %s, want a new pid", show(pid));
	r = waitpid(pid, &st);
	if (r == pid && st == status)
		ok("waitpid");
	else
		fail("waitpid", "got %s status %d, want %d status %d", show(r), st, pid, status);
	expect("waitpid-echild", waitpid(-1, &st), -ECHILD);
	expect("spawn-enoent", spawn("/bin/no-such-program", NULL, NULL, 0, -1, -1), -ENOENT);

	/* the descriptor map: the child gets our 0 and 1, and no 2 */
	int fds[] = {0, 1, -1};
	pid = child("fds", NULL, fds, 3, -1);
	r = waitpid(pid, &st);
	if (r == pid && st == 0)
		ok("spawn-fds");
	else
		fail("spawn-fds", "child %s ended with status %d", show(r), st);

	/* wait() for a child's exit, then reap it */
	pid = child("exit", "0", NULL, 0, -1);
	struct wait_item it = {.type = WAIT_CHILD, .id = pid, .user_data = 0x5a};
	struct wait_event ev = {0};
	r = wait(&it, 1, &ev, 1, 60 * SECOND_NS); /* a minute: only a hang */
	if (r == 1 && ev.user_data == 0x5a && ev.type == WAIT_CHILD && waitpid(pid, &st) == pid)
		ok("wait-child");
	else
		fail("wait-child", "wait gave %s, event %llx type %u", show(r), ev.user_data,
		     ev.type);

	it = (struct wait_item){.type = WAIT_WRITE, .id = 1};
	expect("wait-write", wait(&it, 1, &ev, 1, 0), 1);
	expect("wait-timeout", wait(NULL, 0, &ev, 1, 1000000), 0);

	/* kill: a sleeping child dies, and its parent hears of it */
	pid = child("sleep", NULL, NULL, 0, -1);
	expect("kill", kill(pid), 0);
	r = waitpid(pid, &st);
	if (r == pid && st == STATUS_KILLED)
		ok("kill-reaped");
	else
		fail("kill-reaped", "waitpid gave %s status %d", show(r), st);
	expect("kill-esrch", kill(pid), -ESRCH);
	expect("kill-init", kill(1), -EPERM);

	/* credentials: an ordinary user may not act as root */
	pid = child("eperm", NULL, NULL, 0, USER);
	r = waitpid(pid, &st);
	if (r == pid && st == 0)
		ok("uid-eperm");
	else
		fail("uid-eperm",
		     "child %s: failed checks (bits) %d: 1 spawn as root, 2 poweroff, "
		     "4 kill its parent, 8 its uid",
		     show(r), st);
}

/* ---- bad pointers and lengths: -EFAULT, or -EINVAL for a bad size ----- */

static void faults(void)
{
	char *e = edge();
	expect("efault-write-null", write(1, NULL, 8), -EFAULT);
	expect("efault-write-kernel", write(1, KADDR, 8), -EFAULT);
	expect("efault-write-noncanonical", write(1, NONCANON, 8), -EFAULT);
	expect("efault-write-edge", write(1, e - 8, 64), -EFAULT);
	expect("efault-read-null", read(0, NULL, 16), -EFAULT);
	expect("efault-read-text", read(0, (void *)ok, 16), -EFAULT);
	expect("efault-stats-null", kstats(NULL), -EFAULT);
	expect("efault-stats-rodata", kstats((struct kstats *)errstr(EINVAL)), -EFAULT);
	expect("efault-read-edge", read(0, e - 8, 64), -EFAULT);
	expect("efault-list", list(0, NULL), -EFAULT);
	expect("efault-ps-rodata", ps((struct procinfo *)errstr(EINVAL), 64), -EFAULT);

	char *argv[] = {"ringtest", "exit", "0", NULL};
	char *badargv[] = {"ringtest", KADDR, NULL};
	int badfds[] = {0, 1, 20};
	expect("efault-spawn-args",
	       op((struct sqe){.opcode = OP_SPAWN, .len = sizeof(struct spawn_args)}), -EFAULT);
	expect("efault-spawn-path", spawn((char *)1, argv, NULL, 0, -1, -1), -EFAULT);
	expect("efault-spawn-argv", spawn(SELF, (char **)e, NULL, 0, -1, -1), -EFAULT);
	expect("efault-spawn-argstr", spawn(SELF, badargv, NULL, 0, -1, -1), -EFAULT);
	expect("efault-spawn-fds", spawn(SELF, argv, (int *)(e - 4), 3, -1, -1), -EFAULT);
	expect("ebadf-spawn-fds", spawn(SELF, argv, badfds, 3, -1, -1), -EBADF);

	struct wait_item it = {.type = WAIT_WRITE, .id = 1};
	struct wait_event ev;
	expect("efault-wait-items", wait(NULL, 1, &ev, 1, 0), -EFAULT);
	expect("efault-wait-events", wait(&it, 1, KADDR, 1, 0), -EFAULT);

	expect("einval-write-len",
	       op((struct sqe){.opcode = OP_WRITE, .fd = 1, .addr = (uptr)argv, .len = ~0u}),
	       -EINVAL);
	expect("einval-spawn-len",
	       op((struct sqe){
		   .opcode = OP_SPAWN, .addr = (uptr)argv, .len = sizeof(struct spawn_args) - 1}),
	       -EINVAL);
	expect("einval-stats-len",
	       op((struct sqe){.opcode = OP_STATS, .addr = (uptr)argv, .len = 8}), -EINVAL);
}

/* ---- what the kernel must refuse: -EINVAL, -ENOSYS, -EBADF ------------ */

static void refusals(void)
{
	struct ring_hdr *h = ring_hdr();
	expect("einval-opcode", op((struct sqe){.opcode = OP_COUNT}), -EINVAL);
	expect("einval-opcode-255", op((struct sqe){.opcode = 255}), -EINVAL);
	expect("einval-sqe-flags", op((struct sqe){.opcode = OP_NOP, .flags = 0x80}), -EINVAL);
	expect("einval-op-flags", op((struct sqe){.opcode = OP_NOP, .op_flags = 1}), -EINVAL);
	expect("einval-sqe-pad", op((struct sqe){.opcode = OP_NOP, .pad = 1}), -EINVAL);
	expect("einval-enter-flags", ring_enter(h->id, 0, 0x80), -EINVAL);

	struct wait_item it[WAIT_MAX_ITEMS + 1] = {0};
	struct wait_event ev;
	for (int i = 0; i <= WAIT_MAX_ITEMS; i++)
		it[i] = (struct wait_item){.type = WAIT_WRITE, .id = 1};
	expect("einval-wait-n", wait(it, WAIT_MAX_ITEMS + 1, &ev, 1, 0), -EINVAL);
	expect("einval-wait-max", wait(it, 1, &ev, 0, 0), -EINVAL);
	expect("einval-wait-forever", wait(NULL, 0, &ev, 1, -1), -EINVAL);
	it[0].type = 99;
	expect("einval-wait-type", wait(it, 1, &ev, 1, 0), -EINVAL);

	expect("enosys-2", syscall_nr(2), -ENOSYS);
	expect("enosys-1000", syscall_nr(1000), -ENOSYS);
	expect("enosys-minus-1", syscall_nr(-1), -ENOSYS);

	expect("ebadf-ring", ring_enter(h->id + 1, 0, 0), -EBADF);
	expect("ebadf-ring-huge", ring_enter(1u << 31, 1, 0), -EBADF);
	it[0] = (struct wait_item){.type = WAIT_RING, .id = h->id + 1};
	expect("ebadf-wait-ring", wait(it, 1, &ev, 1, 0), -EBADF);
	expect("ebadf-write", write(17, "x", 1), -EBADF);
	expect("ebadf-write-negative", write(-1, "x", 1), -EBADF);
	it[0] = (struct wait_item){.type = WAIT_READ, .id = 30};
	expect("ebadf-wait-read", wait(it, 1, &ev, 1, 0), -EBADF);

	/* a published tail more than a ring ahead of the head, or behind it */
	unsigned head = __atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE);
	h->sq_tail = head + h->sq_mask + 2;
	long far = ring_enter(h->id, 1, 0);
	h->sq_tail = head - 1;
	long behind = ring_enter(h->id, 1, 0);
	long again = sq_submit(); /* publishes our true tail */
	if (far == -EINVAL && behind == -EINVAL && again >= 0)
		ok("sq-tail-corrupt");
	else
		fail("sq-tail-corrupt", "ahead %s, behind %s, repaired %s", show(far), show(behind),
		     show(again));
	expect("nop-after-corrupt", op((struct sqe){.opcode = OP_NOP}), 0);
}

/* ---- batches and LINK chains ------------------------------------------ */

static void chains(void)
{
	long res[8];
	int order[8];
	struct sqe e[8];

	/* the program's completions that a blocking call meets are kept for it */
	struct sqe *s = sq_get();
	s->opcode = OP_NOP;
	s->user_data = 0x1234;
	int me = getpid(); /* submits the NOP too: its completion comes first */
	struct cqe c = {0};
	int n = cq_reap(&c, 1);
	if (me > 0 && n == 1 && c.user_data == 0x1234 && c.res == 0)
		ok("kept-completion");
	else
		fail("kept-completion", "getpid %s, then %d completions, user_data %llx", show(me),
		     n, c.user_data);

	/* ... and so is one already submitted when the call starts: the
	   library's straight-through path (nothing prepared) finds it
	   first in the CQ, not its own, and must keep it and go on */
	s = sq_get();
	s->opcode = OP_NOP;
	s->user_data = 0x5678;
	long sub = sq_submit();
	me = getpid();
	c = (struct cqe){0};
	n = cq_reap(&c, 1);
	if (sub == 1 && me > 0 && n == 1 && c.user_data == 0x5678 && c.res == 0)
		ok("kept-completion-submitted");
	else
		fail("kept-completion-submitted",
		     "submit %ld, getpid %s, then %d completions, user_data %llx", sub, show(me), n,
		     c.user_data);

	/* a LINK left on the program's last, unsubmitted entry must not tie
	   the library's own entry to it: the blocking call still answers */
	s = sq_get();
	s->opcode = 200; /* fails: anything linked after it is cancelled */
	s->flags = SQE_LINK;
	s->user_data = 0x5678;
	me = getpid();
	memset(&c, 0, sizeof(c));
	n = cq_wait(&c, 1);
	if (me > 0 && me == getpid() && n == 1 && c.user_data == 0x5678 && c.res == -EINVAL)
		ok("link-not-captured");
	else
		fail("link-not-captured", "getpid %s, then %d completions, user_data %llx res %d",
		     show(me), n, c.user_data, c.res);

	for (int i = 0; i < 8; i++)
		e[i] = (struct sqe){.opcode = OP_NOP};
	if (batch(e, 8, res, order) == 0 && !res[0] && !res[7])
		ok("batch");
	else
		fail("batch", "8 NOPs in one ring_enter did not all complete with 0");

	for (int i = 0; i < 2; i++)
		e[i].flags = SQE_LINK;
	if (batch(e, 3, res, order) == 0 && !res[0] && !res[1] && !res[2] && order[0] == 0 &&
	    order[1] == 1 && order[2] == 2)
		ok("link");
	else
		fail("link", "results %ld %ld %ld, order %d %d %d", res[0], res[1], res[2],
		     order[0], order[1], order[2]);

	/* NOP -> bad opcode -> NOP -> NOP, then an unlinked NOP */
	e[1] = (struct sqe){.opcode = 200, .flags = SQE_LINK};
	e[2].flags = SQE_LINK;
	e[3] = (struct sqe){.opcode = OP_NOP};
	e[4] = (struct sqe){.opcode = OP_NOP};
	if (batch(e, 5, res, order) == 0 && res[0] == 0 && res[1] == -EINVAL &&
	    res[2] == -ECANCELED && res[3] == -ECANCELED && res[4] == 0)
		ok("link-cancel");
	else
		fail("link-cancel", "results %s %s %s %s %s", show(res[0]), show(res[1]),
		     show(res[2]), show(res[3]), show(res[4]));

	/* a failed pointer breaks the chain too */
	e[0] = (struct sqe){.opcode = OP_WRITE, .fd = 1, .len = 4, .flags = SQE_LINK};
	e[1] = (struct sqe){.opcode = OP_NOP};
	if (batch(e, 2, res, order) == 0 && res[0] == -EFAULT && res[1] == -ECANCELED)
		ok("link-efault");
	else
		fail("link-efault", "results %s %s", show(res[0]), show(res[1]));

	/*
	 * The entry after a pending one waits for it; an entry not linked
	 * does not. Pending on an event, not for a time: a read of an empty
	 * pipe completes when we write, so the NOP that is not linked must
	 * come first however slowly this CPU runs (with a 5 ms sleep in its
	 * place, a busy host could stall ring_enter past it). A kernel that
	 * runs the linked NOP at once, or makes the free one wait, fails.
	 */
	int p[2], k = 0;
	char byte = 0;
	if (pipe_kernel(p) < 0) {
		fail("link-pending", "no kernel pipe");
		return;
	}
	e[0] = (struct sqe){
	    .opcode = OP_READ, .fd = p[0], .addr = (uptr)&byte, .len = 1, .flags = SQE_LINK};
	e[1] = (struct sqe){.opcode = OP_NOP};
	e[2] = (struct sqe){.opcode = OP_NOP};
	for (int i = 0; i < 3; i++) {
		struct sqe *s = sq_get();
		*s = e[i];
		s->user_data = i + 1;
	}
	sq_submit();
	while (k < 3) {
		if (k == 1)
			write(p[1], "x", 1); /* the read completes now, then the NOP after it */
		cq_wait(&c, 1);
		res[c.user_data - 1] = c.res;
		order[k++] = c.user_data - 1;
	}
	close(p[0]);
	close(p[1]);
	if (res[0] == 1 && !res[1] && !res[2] && order[0] == 2 && order[1] == 0 && order[2] == 1)
		ok("link-pending");
	else
		fail("link-pending", "results %ld %ld %ld, arrived %d %d %d (want 2 0 1)", res[0],
		     res[1], res[2], order[0], order[1], order[2]);
}

/* ---- a full completion queue: nothing lost ------------------------------ */

static void overflow(void)
{
	struct ring_hdr *h = ring_hdr();
	unsigned sqn = h->sq_mask + 1, cqn = h->cq_mask + 1, total = cqn + sqn;
	u8 *seen = malloc(total + 1);
	memset(seen, 0, total + 1);

	/* more NOPs than the CQ holds, without reaping */
	unsigned made = 0;
	long r = 0;
	while (made < total && r >= 0) {
		struct sqe *s;
		while (made < total && (s = sq_get())) {
			s->opcode = OP_NOP;
			s->user_data = ++made;
		}
		r = sq_submit();
	}
	/* no printing yet: printf is a blocking call, which would reap */
	unsigned flags = __atomic_load_n(&h->sq_flags, __ATOMIC_ACQUIRE);
	unsigned backlog = h->cq_overflow;
	long busy = sq_submit();
	if ((flags & RING_CQ_OVERFLOW) && backlog > 0)
		ok("cq-overflow-flag");
	else
		fail("cq-overflow-flag", "%u NOPs into a CQ of %u: sq_flags %x, cq_overflow %u",
		     total, cqn, flags, backlog);
	expect("cq-overflow-ebusy", busy, -EBUSY);

	/* reap: the backlog drains into the CQ, the rest of the SQ goes in */
	unsigned got = 0, dup = 0, bad = 0;
	for (int idle = 0; got < total && idle < 1000;) {
		struct cqe c[32];
		int n = cq_reap(c, 32);
		for (int i = 0; i < n; i++) {
			u64 ud = c[i].user_data;
			if (ud < 1 || ud > total || c[i].res != 0)
				bad++;
			else if (seen[ud]++)
				dup++;
			else
				got++;
		}
		if (n == 0) {
			sq_submit();
			idle++;
		}
	}
	struct cqe c;
	if (got == total && !dup && !bad && cq_reap(&c, 1) == 0)
		ok("cq-overflow-all-once");
	else
		fail("cq-overflow-all-once", "%u of %u completions, %u twice, %u wrong", got, total,
		     dup, bad);
	flags = __atomic_load_n(&h->sq_flags, __ATOMIC_ACQUIRE);
	if (!(flags & RING_CQ_OVERFLOW) && h->cq_overflow == 0)
		ok("cq-overflow-cleared");
	else
		fail("cq-overflow-cleared", "sq_flags %x, cq_overflow %u", flags, h->cq_overflow);
	free(seen);
}

/*
 * A chain whose first op completes later, in an interrupt: SLEEP, then
 * (linked) EXIT 7. The exit must end this process, whichever process or
 * idle loop the CPU runs when the sleep ends.
 */
static void __attribute__((noreturn)) link_exit(void)
{
	struct sqe *s = sq_get();
	s->opcode = OP_SLEEP;
	s->off = 20 * 1000000ull;
	s->flags = SQE_LINK;
	s = sq_get();
	s->opcode = OP_EXIT;
	s->off = 7;
	sq_submit();
	struct cqe c;
	for (;;)
		cq_wait(&c, 1); /* the sleep's completion, then nothing: EXIT ends us */
}

#define MAX_PARKED_TRY 70 /* the kernel parks 64 (MAX_PARKED in kernel/proc.h) */

/*
 * Ask for more hour-long sleeps than the kernel parks for one process:
 * the excess fails at once with -EAGAIN. Exits with how many did.
 */
static int park_many(void)
{
	int eagain = 0, done = 0, n = 0;
	struct cqe c[16];
	while (n < MAX_PARKED_TRY) {
		struct sqe *s = sq_get();
		if (!s) {
			sq_submit();
			continue;
		}
		s->opcode = OP_SLEEP;
		s->off = 3600 * SECOND_NS;
		n++;
	}
	sq_submit();
	/* the refused ones complete at once; the parked ones never do */
	while (done < MAX_PARKED_TRY - 64 && (n = cq_reap(c, 16)) >= 0) {
		for (int i = 0; i < n; i++)
			eagain += c[i].res == -EAGAIN;
		done += n;
		if (!n)
			break;
	}
	return eagain;
}

static void chain_context(void)
{
	int st = -1;
	int pid = child("linkexit", NULL, NULL, 0, -1);
	int r = pid > 0 ? waitpid(pid, &st) : pid;
	if (r == pid && st == 7 && getpid() > 0)
		ok("link-exit-later");
	else
		fail("link-exit-later", "spawn %s, waitpid %s, status %d", show(pid), show(r), st);
}

/* One process cannot fill the kernel with waiting ops. */
static void park_limit(void)
{
	int st = -1;
	int pid = child("parkmany", NULL, NULL, 0, -1);
	int r = pid > 0 ? waitpid(pid, &st) : pid;
	if (r == pid && st == MAX_PARKED_TRY - 64)
		ok("park-limit");
	else
		fail("park-limit", "spawn %s, waitpid %s, %d refused, not %d", show(pid), show(r),
		     st, MAX_PARKED_TRY - 64);
}

/* ---- a process that scribbles over its ring ------------------------------ */

static void hostile(void)
{
	/* no descriptors: its garbage cannot reach the console */
	int none[] = {-1, -1, -1}, st = -1;
	int pid = child("scribble", NULL, none, 3, USER);
	msleep(500);
	int k = kill(pid);
	int r = waitpid(pid, &st);
	static struct procinfo p[64];
	int n = ps(p, 64);
	if (pid > 0 && k == 0 && r == pid && n >= 2 && op((struct sqe){.opcode = OP_NOP}) == 0)
		ok("scribble");
	else
		fail("scribble", "spawn %s, kill %s, waitpid %s (status %d), then ps %s", show(pid),
		     show(k), show(r), st, show(n));
}

/* ---- the console and descriptors --------------------------------------- */

static void console(void)
{
	char line[128];
	puts("ringtest: type a line");
	long n = read(0, line, sizeof(line));
	if (n > 0 && line[n - 1] == '\n')
		ok("read");
	else
		fail("read", "got %s, want a line ending in a newline", show(n));

	expect("close", close(2), 0);
	expect("close-again", close(2), -EBADF);
	expect("write-closed", write(2, "x", 1), -EBADF);
}

/* ---- the child modes ---------------------------------------------------- */

/* As an ordinary user: each refusal that does not happen sets a bit of the status. */
static int eperm(void)
{
	char *argv[] = {"ringtest", "exit", "0", NULL};
	static struct procinfo p[64];
	int n = ps(p, 64), bits = 0, me = getpid(), parent = 0;
	for (int i = 0; i < n; i++) {
		if (p[i].pid == me && (p[i].uid != USER || p[i].gid != USER))
			bits |= 8;
		if (p[i].pid == me)
			parent = p[i].ppid;
	}
	if (spawn(SELF, argv, NULL, 0, 0, 0) != -EPERM)
		bits |= 1;
	if (poweroff() != -EPERM)
		bits |= 2;
	if (kill(parent) != -EPERM)
		bits |= 4;
	return bits;
}

static int fds_closed(void)
{
	return write(2, "x", 1) == -EBADF && write(1, "", 0) == 0 ? 0 : 1;
}

/*
 * Garbage in every entry, the header and the indexes, submitted again and
 * again; then spin until killed. Opcodes are mostly real ones (so that
 * their checks run on garbage), except OP_EXIT, which would end it early.
 * sq_head is kept: it tells where the kernel's head is.
 */
static void __attribute__((noreturn)) scribble(void)
{
	struct ring_hdr *h = ring_hdr();
	unsigned id = h->id, n = h->sq_mask + 1;
	struct sqe *sq = (struct sqe *)((char *)h + h->sq_off);
	static char buf[4096]; /* room for whatever an operation writes */
	const u64 addrs[] = {0, (uptr)buf, (uptr)ok, (uptr)KADDR, (uptr)NONCANON, (uptr)edge() - 8};
	srand(getpid() * 0x9e3779b9ull + 1);
	for (int round = 0; round < 1000; round++) {
		for (unsigned i = 0; i < n; i++) {
			u64 *w = (u64 *)&sq[i];
			for (unsigned k = 0; k < sizeof(sq[i]) / 8; k++)
				w[k] = rand();
			sq[i].opcode = rand() % (OP_COUNT + 2);
			if (sq[i].opcode == OP_EXIT)
				sq[i].opcode = OP_NOP;
			sq[i].flags = rand() % 4 ? rand() % 2 : rand();
			sq[i].fd = rand() % 8 - 2;
			sq[i].addr = addrs[rand() % ARRAY_SIZE(addrs)];
			sq[i].len = rand() % 2 ? rand() % 600 : rand();
		}
		unsigned head = __atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE);
		if (round % 4 == 0) {
			u32 *w = (u32 *)h;
			for (unsigned k = 1; k < sizeof(*h) / 4; k++) /* all but sq_head */
				w[k] = rand();
		}
		h->sq_tail = rand() % 8 ? head + rand() % (n + 8) : rand();
		if (rand() % 2)
			h->cq_head = h->cq_tail;
		ring_enter(rand() % 8 ? id : rand(), rand() % (2 * n), 0);
	}
	for (;;)
		; /* the library's idea of the ring is gone: no exit(), wait for kill */
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc == 2 && strcmp(argv[1], "sleep") == 0)
		return sleep_ns(3600 * SECOND_NS);
	if (argc == 2 && strcmp(argv[1], "fds") == 0)
		return fds_closed();
	if (argc == 2 && strcmp(argv[1], "eperm") == 0)
		return eperm();
	if (argc == 2 && strcmp(argv[1], "scribble") == 0)
		scribble();
	if (argc == 2 && strcmp(argv[1], "linkexit") == 0)
		link_exit();
	if (argc == 2 && strcmp(argv[1], "parkmany") == 0)
		return park_many();

	struct kstats ks;
	kstats(&ks);
	srand(ks.cpu[0][KS_INTERRUPT] * 31 + ks.thread[KS_SYSCALL] + getpid());
	/* each group of checks names itself first: if one hangs, the console says which */
#define GROUP(f) (printf("ringtest: %s\n", #f), f())
	GROUP(happy);
	GROUP(faults);
	GROUP(refusals);
	GROUP(chains);
	GROUP(chain_context);
	GROUP(park_limit);
	GROUP(overflow);
	GROUP(hostile);
	GROUP(console);
	return summary("ringtest");
}
