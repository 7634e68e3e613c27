/*
 * ring_host.h - kernel/ring.c and kernel/op.c on the host, for
 * test_ring.c and test_poll.c: stubs for what they call (one thread of
 * one process, host memory), op_run() scripted by each entry's
 * user_data, and the program's side (submit, reap).
 */
#pragma once

#include "host.h"
#include "proc.h"

/* The ring needs a current thread (cpus[0].thread: setup_ring) and process... */
static struct proc proc;
static struct thread thread;
struct spinlock sched_lock;

/* The scheduler: record who was woken, and every block. */
static struct thread *host_woken;
static int host_blocks;
static void (*host_on_block)(void); /* what "meanwhile" happens while blocked */
void sched_wake(struct thread *t)
{
	host_woken = t;
}
void sched_ready(struct thread *t)
{
	(void)t;
}
void ipi_poll(void) {}		    /* one CPU: nobody to answer */
static void (*host_on_yield)(void); /* ... and while yielding */
void sched_yield(void)
{
	if (host_on_yield)
		host_on_yield();
}
void sched_block(void)
{
	host_blocks++;
	if (host_on_block)
		host_on_block();
}
int ncpu_online(void)
{
	return 2;
}
u64 arch_time_ns(void)
{
	return 0;
}

/* A poller thread that never runs: the tests call poll_sleep() themselves. */
static struct thread host_poller;
struct thread *kthread_create(void (*fn)(void), int pin)
{
	(void)fn;
	host_poller.pin = pin;
	return &host_poller;
}
/* The process table ring.c counts a user's rings in: no other process (ours is root's). */
static struct proc others[NPROC];
struct proc *proc_table(void)
{
	return others;
}
void proc_die(struct proc *p, int status)
{
	p->killed = true;
	p->kill_status = status;
}
int uvm_unmap(struct pagetable *pt, u64 va, u64 size)
{
	(void)pt, (void)va, (void)size;
	return 0;
}

/* ...memory for its region and ops: a canary page on each side of a
   region, checked when it is freed (a write outside the ring fails the
   test that made it)... */
#define CANARY 0xa5
static void canary_check(const u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[i], CANARY);
}
u64 page_alloc(int order)
{
	u8 *p = aligned_alloc(PAGE_SIZE, (PAGE_SIZE << order) + 2 * PAGE_SIZE);
	memset(p, CANARY, (PAGE_SIZE << order) + 2 * PAGE_SIZE);
	memset(p + PAGE_SIZE, 0, PAGE_SIZE << order);
	return (u64)(uptr)(p + PAGE_SIZE);
}
u64 page_alloc_for(int uid, int order)
{
	(void)uid; /* no reserve here */
	return page_alloc(order);
}
void page_free(u64 pa, int order)
{
	u8 *p = (u8 *)(uptr)pa;
	canary_check(p - PAGE_SIZE, PAGE_SIZE);
	canary_check(p + (PAGE_SIZE << order), PAGE_SIZE);
	free(p - PAGE_SIZE);
}
void *kmalloc(size_t n)
{
	return malloc(n);
}
void *kzalloc(size_t n)
{
	return calloc(1, n);
}
void kfree(void *p)
{
	free(p);
}
int uvm_share(struct pagetable *pt, u64 va, u64 pa, u64 size, unsigned prot)
{
	(void)pt, (void)va, (void)pa, (void)size, (void)prot;
	return 0;
}
int copyout(struct pagetable *pt, u64 uva, const void *src, size_t n) /* OP_RING_CREATE's */
{
	(void)pt, (void)uva, (void)src, (void)n;
	return -EFAULT;
}
void file_ref(struct file *f) /* no parked op holds a file here */
{
	(void)f;
}
void file_put(struct file *f)
{
	(void)f;
}

/* Completion interrupts: descriptor HOST_VECFD is the caller's vector
   HOST_VEC, any other fd is none; kicks and puts are counted. */
#define HOST_VECFD 7
#define HOST_VEC   9
static struct urecv *host_recv = (struct urecv *)&host_recv;
static int host_kicks, host_puts;
int uintr_vector_own(struct thread *t, int fd, struct urecv **u, unsigned *vector)
{
	(void)t;
	if (fd != HOST_VECFD)
		return -EBADF;
	*u = host_recv;
	*vector = HOST_VEC;
	return 0;
}
void uintr_kick(struct urecv *u, unsigned vector)
{
	assert_ptr_equal(u, host_recv);
	assert_int_equal(vector, HOST_VEC);
	host_kicks++;
}
void uintr_put(struct urecv *u)
{
	assert_ptr_equal(u, host_recv);
	host_puts++;
}

/*
 * ...and operations. user_data encodes the script:
 *   FAIL | x   completes with -EINVAL
 *   LATER | x  goes pending (parked[] keeps it for the test)
 *   ALONE | x  in a batch, handed back unrun (OP_ALONE); alone, res = x
 *   x          completes with res = x
 */
#define FAIL  0x1000000ull
#define LATER 0x2000000ull
#define ALONE 0x4000000ull /* from the batch: handed back (OP_ALONE), as OP_EXIT is */
static int nparked, nrun, nalone;
static void (*host_on_run)(void); /* what the program does while an entry runs */

int op_run(struct op *op)
{
	nrun++;
	if ((op->sqe.user_data & ALONE) && !op->ring->cq_open) { /* in a batch's window */
		nalone++;
		return OP_ALONE;
	}
	if (host_on_run)
		host_on_run();
	if (op->sqe.user_data & FAIL)
		return -EINVAL;
	if (op->sqe.user_data & LATER) {
		nparked++;
		spin_lock(&sched_lock);
		int r = op_park(op);
		spin_unlock(&sched_lock);
		return r;
	}
	return (int)op->sqe.user_data;
}

#include "../../kernel/ring.c"
#include "../../kernel/op.c"

/* Its event happened: take the oldest parked op off the list (op_unpark). */
static bool any_op(struct op *op, void *arg)
{
	(void)op, (void)arg;
	return true;
}
static inline struct op *unpark(void)
{
	spin_lock(&sched_lock);
	struct op *op = op_unpark(any_op, NULL);
	spin_unlock(&sched_lock);
	return op;
}

static struct ring *r;

/* A fresh process and thread, with one ring of these sizes and flags. */
static int setup_ring(u32 sq, u32 cq, u32 flags)
{
	memset(&proc, 0, sizeof(proc));
	memset(&thread, 0, sizeof(thread));
	thread.proc = &proc;
	cpus[0].thread = &thread; /* current() */
	nparked = nrun = nalone = host_blocks = 0;
	host_woken = NULL;
	host_on_block = host_on_yield = host_on_run = NULL;
	return ring_setup(&thread, sq, cq, flags, 0, -1, &r);
}
/* The program's side: publish entries with these user_data values. */
static inline void submit(const u64 *ud, int n, u8 flags)
{
	struct ring_hdr *h = r->hdr;
	for (int i = 0; i < n; i++) {
		struct sqe *e = &r->sq[h->sq_tail++ & h->sq_mask];
		memset(e, 0, sizeof(*e));
		e->opcode = OP_NOP;
		e->flags = (i < n - 1) ? flags : 0; /* LINK ties each to the next */
		e->user_data = ud[i];
	}
}

/* Reap everything in the CQ into out[]; returns how many. */
static inline int reap(u64 *out, int *res)
{
	struct ring_hdr *h = r->hdr;
	int n = 0;
	while (h->cq_head != h->cq_tail) {
		struct cqe *c = &r->cq[h->cq_head++ & h->cq_mask];
		out[n] = c->user_data;
		res[n++] = c->res;
	}
	return n;
}
