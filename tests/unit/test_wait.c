/*
 * test_wait.c - the wait system call (kernel/wait.c) on the host: when
 * each kind of item is ready (a ring's completions, a child's exit, a
 * readable descriptor, a pending or taken user interrupt), and how the
 * caller sleeps: it blocks (does not spin) when nothing is ready, with
 * its deadline set, and not at all when a chain was deferred after it
 * last ran them (the lost wake-up).
 *
 * What wait.c calls of the rest of the kernel is faked here: rings are
 * only "ready or not", files only "readable or not", the clock moves
 * when a test says so, and sched_block() runs a hook standing for
 * whatever happens while the thread sleeps.
 */
#include "host.h"
#include "proc.h"

static struct proc procs[NPROC];
static struct thread thread;
struct spinlock sched_lock;

struct proc *proc_table(void)
{
	return procs;
}

/* The clock, and the scheduler: blocks and yields counted; each block
 * records the thread's wake_at and runs the test's hook. */
static u64 now;
static int blocks, yields;
static u64 wake_at_seen;
static void (*on_block)(void);
u64 arch_time_ns(void)
{
	return now;
}
void sched_block(void)
{
	assert_int_equal(sched_lock.locked, 1); /* checked and blocked under the lock */
	blocks++;
	wake_at_seen = thread.wake_at;
	if (on_block)
		on_block();
	else
		thread.proc->killed = true; /* nothing will come: end the wait */
}
void sched_wake(struct thread *t)
{
	(void)t;
}
void sched_yield(void)
{
	if (++yields > 3)
		thread.proc->killed = true; /* a wait that spins instead of sleeping */
}

/* Rings: non-NULL pointers that are ready or not. */
static char fake_rings[NRING];
static bool ring_is_ready[NRING];
bool ring_ready(struct ring *r)
{
	assert_non_null(r); /* the kernel's would fault */
	return ring_is_ready[(char *)r - fake_rings];
}

/* Chains to continue: the test's hook runs each time wait() runs them. */
static int continues;
static void (*on_continue)(void);
void op_continue_thread(struct thread *t)
{
	assert_ptr_equal(t, &thread);
	continues++;
	if (on_continue)
		on_continue();
}

/* Descriptors: open or not, readable or not; references counted. */
#define NFILE 8
static struct file files[NFILE];
static bool file_open[NFILE], file_readable[NFILE];
static bool readable(struct file *f)
{
	return file_readable[f - files];
}
static const struct fileops fake_ops = {.readable = readable};
struct file *fd_get(struct proc *p, int fd)
{
	(void)p;
	if (fd < 0 || fd >= NFILE || !file_open[fd])
		return NULL;
	files[fd].ref++;
	return &files[fd];
}
void file_put(struct file *f)
{
	assert_true(f->ref > 0);
	f->ref--;
}
bool pipe_wakes_waiters(struct file *f)
{
	(void)f;
	return false;
}

/* User interrupts: the pending set. */
static u64 pending;
bool uintr_pending(struct thread *t)
{
	(void)t;
	return pending != 0;
}
bool uintr_take(struct thread *t, unsigned v)
{
	(void)t;
	bool was = pending & (1ull << v);
	pending &= ~(1ull << v);
	return was;
}
bool uintr_deliverable(struct thread *t)
{
	(void)t;
	return false; /* masked: a WAIT_UINTR item reports it */
}

/* User memory is host memory. */
int copyin(struct pagetable *pt, void *dst, u64 uva, size_t n)
{
	(void)pt;
	memcpy(dst, (void *)(uptr)uva, n);
	return 0;
}
int copyout(struct pagetable *pt, u64 uva, const void *src, size_t n)
{
	(void)pt;
	memcpy((void *)(uptr)uva, src, n);
	return 0;
}

#include "../../kernel/wait.c"

static struct wait_event ev[WAIT_MAX_ITEMS];

static int setup(void **state)
{
	(void)state;
	memset(procs, 0, sizeof(procs));
	memset(&thread, 0, sizeof(thread));
	memset(files, 0, sizeof(files));
	memset(ring_is_ready, 0, sizeof(ring_is_ready));
	memset(file_open, 0, sizeof(file_open));
	memset(file_readable, 0, sizeof(file_readable));
	procs[0].state = P_ALIVE;
	procs[0].pid = 1;
	thread.proc = &procs[0];
	procs[0].threads[0] = &thread;
	cpus[0].thread = &thread;
	for (int i = 0; i < 2; i++)
		thread.rings[i] = (struct ring *)&fake_rings[i];
	for (int i = 0; i < NFILE; i++)
		files[i].ops = &fake_ops;
	now = 0;
	blocks = yields = continues = 0;
	wake_at_seen = 0;
	pending = 0;
	on_block = on_continue = NULL;
	return 0;
}

/* wait() on one item: the number of events (timeout 0: just look). */
static long wait1(unsigned type, s64 id, s64 timeout)
{
	struct wait_item it = {.type = type, .id = id, .user_data = 0x77};
	memset(ev, 0, sizeof(ev));
	long n = sys_wait((u64)(uptr)&it, 1, (u64)(uptr)ev, WAIT_MAX_ITEMS, timeout);
	if (n == 1) {
		assert_int_equal(ev[0].user_data, 0x77);
		assert_int_equal(ev[0].type, type);
	}
	for (int i = 0; i < NFILE; i++)
		assert_int_equal(files[i].ref, 0); /* every file let go */
	return n;
}

static void test_ring_item(void **state)
{
	(void)state;
	assert_res(wait1(WAIT_RING, 0, 0), 0);
	ring_is_ready[1] = true;
	assert_res(wait1(WAIT_RING, 0, 0), 0);
	assert_res(wait1(WAIT_RING, 1, 0), 1);
}

/* A ring destroyed after validate() (by a chain) reads as ready: the
 * call that uses it next gets -EBADF. */
static void destroy_ring0(void)
{
	thread.rings[0] = NULL;
}
static void test_ring_gone(void **state)
{
	(void)state;
	on_continue = destroy_ring0;
	assert_res(wait1(WAIT_RING, 0, -1), 1);
	assert_int_equal(blocks, 0);
}

/* A child that has exited: that pid, or any (-1); not a live one, not
 * another process's. */
static void test_child_item(void **state)
{
	(void)state;
	procs[1] = (struct proc){.state = P_ALIVE, .pid = 6, .parent = &procs[0]};
	procs[2] = (struct proc){.state = P_ZOMBIE, .pid = 7, .parent = &procs[1]};
	assert_res(wait1(WAIT_CHILD, 6, 0), 0);
	assert_res(wait1(WAIT_CHILD, 7, 0), 0);
	assert_res(wait1(WAIT_CHILD, -1, 0), 0);
	procs[3] = (struct proc){.state = P_ZOMBIE, .pid = 5, .parent = &procs[0]};
	assert_res(wait1(WAIT_CHILD, 6, 0), 0);
	assert_res(wait1(WAIT_CHILD, 5, 0), 1);
	assert_res(wait1(WAIT_CHILD, -1, 0), 1);
}

/* A readable descriptor; one closed since validate() reads as ready;
 * writes never wait. */
static void close_fd5(void)
{
	file_open[5] = false;
}
static void test_fd_items(void **state)
{
	(void)state;
	file_open[3] = file_open[4] = file_open[5] = true;
	file_readable[3] = true;
	assert_res(wait1(WAIT_READ, 3, 0), 1);
	assert_res(wait1(WAIT_READ, 4, 0), 0);
	assert_res(wait1(WAIT_WRITE, 4, 0), 1);
	on_continue = close_fd5;
	assert_res(wait1(WAIT_READ, 5, 0), 1);
}

/* Anything pending (id 0), or vector v taken (WAIT_UINTR_TAKE | v):
 * cleared, so that it is not delivered too; another vector stays. */
static void test_uintr_item(void **state)
{
	(void)state;
	assert_res(wait1(WAIT_UINTR, 0, 0), 0);
	pending = 1ull << 3;
	assert_res(wait1(WAIT_UINTR, 0, 0), 1);
	assert_int_equal(pending, 1ull << 3); /* only looked */
	assert_res(wait1(WAIT_UINTR, WAIT_UINTR_TAKE | 4, 0), 0);
	assert_int_equal(pending, 1ull << 3);
	assert_res(wait1(WAIT_UINTR, WAIT_UINTR_TAKE | 3, 0), 1);
	assert_int_equal(pending, 0);
}

/* Nothing ready: it blocks (once), and looks again when woken. */
static void complete_ring0(void)
{
	ring_is_ready[0] = true;
}
static void test_blocks(void **state)
{
	(void)state;
	on_block = complete_ring0;
	assert_res(wait1(WAIT_RING, 0, -1), 1);
	assert_int_equal(blocks, 1);
	assert_int_equal(yields, 0);
	assert_int_equal(wake_at_seen, 0); /* no deadline */
	assert_int_equal(thread.wake_at, 0);
}

/* A deadline: it sleeps with its deadline set, and ends with 0 there. */
static void time_passes(void)
{
	now = 1500;
}
static void test_deadline(void **state)
{
	(void)state;
	now = 1000;
	on_block = time_passes;
	assert_res(wait1(WAIT_RING, 0, 500), 0);
	assert_int_equal(blocks, 1);
	assert_int_equal(wake_at_seen, 1500);
	assert_int_equal(thread.wake_at, 0);
	assert_false(procs[0].killed);
}

/*
 * The lost wake-up: a chain is deferred (t->deferred raised) after
 * wait() ran the chains and before it took sched_lock; its waker found
 * the thread awake and woke nobody. wait() must run it, not sleep.
 */
static void deferred_meanwhile(void)
{
	if (continues == 1)
		thread.deferred = 1; /* appended after we ran them */
	else if (thread.deferred) {
		thread.deferred = 0; /* run now: it completes on ring 0 */
		ring_is_ready[0] = true;
	}
}
static void test_deferred_no_sleep(void **state)
{
	(void)state;
	on_continue = deferred_meanwhile;
	assert_res(wait1(WAIT_RING, 0, -1), 1);
	assert_int_equal(blocks, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_ring_item, setup),
	    cmocka_unit_test_setup(test_ring_gone, setup),
	    cmocka_unit_test_setup(test_child_item, setup),
	    cmocka_unit_test_setup(test_fd_items, setup),
	    cmocka_unit_test_setup(test_uintr_item, setup),
	    cmocka_unit_test_setup(test_blocks, setup),
	    cmocka_unit_test_setup(test_deadline, setup),
	    cmocka_unit_test_setup(test_deferred_no_sleep, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
