/*
 * cost.c - counting the system calls a piece of code makes, with the
 * kernel's per-thread entry counters (OP_STATS):
 *
 *	struct cost c;
 *	cost_start(&c);
 *	read(0, buf, n);
 *	n = cost_end(&c);      // system calls read() made
 *
 * Reading the counters is itself an operation, one system call, counted
 * by the kernel before it copies the counters out. So cost_start reads
 * them twice to measure that cost, and cost_end takes it off again.
 */
#include "user.h"

static u64 syscalls(void)
{
	struct kstats s;
	return kstats(&s) < 0 ? 0 : s.thread[KS_SYSCALL];
}

void cost_start(struct cost *c)
{
	u64 first = syscalls();
	c->start = syscalls();
	c->self = c->start - first;
}

u64 cost_end(struct cost *c)
{
	return syscalls() - c->start - c->self;
}
