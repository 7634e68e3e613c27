/*
 * test_uintr_kernel.c - the emulation's thread side (kernel/uintr.c,
 * portable) on the host: posting a vector to a receiver (the set keeps
 * what was pending; a first vector wakes its blocked thread or kicks
 * the CPU it runs on), the trap handler's use of an emulated
 * instruction's result (a send posts, a fault kills, "not ours" is the
 * arch's), the way back to user mode (a pending vector is delivered, a
 * delivery that faults kills), and a thread's exit (it stops receiving,
 * its references go).
 *
 * The arch's hooks are scripted here (test_uintr_x86/riscv test the
 * real ones), and so is the scheduler: wake-ups, IPIs and kills are
 * recorded.
 */
#define UINTR_INSN_MAX 15 /* the imaginary arch of tests/unit has no user interrupts */
#include "host.h"
#include "proc.h"
#include "uintr.h"

struct spinlock sched_lock;

/* The scheduler and the trap handler: what was woken, kicked, killed. */
static struct thread *woken;
static int kicked_cpu, kills;
void sched_wake(struct thread *t)
{
	assert_int_equal(sched_lock.locked, 1);
	woken = t;
}
void ipi_kick(int cpu)
{
	kicked_cpu = cpu;
}
void trap_user_fault(const char *name, u64 cause, u64 pc, u64 addr, struct trapframe *tf)
{
	(void)name, (void)cause, (void)pc, (void)addr, (void)tf;
	kills++;
}
void release_check(const char *what)
{
	(void)what;
	assert_null(host_held);
}

/* Memory: receivers freed are counted. */
static int frees;
void *kzalloc(size_t n)
{
	return calloc(1, n);
}
void kfree(void *p)
{
	frees++;
	free(p);
}

/* The arch, scripted: emulation returns what the test says (and the
 * post it says), delivery returns deliver_res and counts. */
static int emulate_res, deliver_res, delivers;
static struct uintr_post emulate_post;
u64 arch_tf_pc(struct trapframe *tf)
{
	(void)tf;
	return 0x1000;
}
int arch_uintr_reported(const struct trapframe *tf, u8 *buf)
{
	(void)tf;
	buf[0] = 0x90;
	return 1; /* the instruction came with the trap: no fetch */
}
int arch_uintr_decode(const u8 *buf, int n, struct uintr_insn *in)
{
	(void)buf, (void)n;
	memset(in, 0, sizeof(*in));
	return 1;
}
int arch_uintr_emulate(struct uintr_recv *r, struct uintr_send *s, struct trapframe *tf,
		       const struct uintr_insn *in, const struct uintr_mem *m,
		       struct uintr_post *post)
{
	(void)r, (void)s, (void)tf, (void)in, (void)m;
	if (emulate_res == UINTR_POST)
		*post = emulate_post;
	return emulate_res;
}
int arch_uintr_deliver(struct uintr_recv *r, struct trapframe *tf, const struct uintr_mem *m)
{
	(void)tf, (void)m;
	delivers++;
	if (deliver_res > 0)
		r->pending = 0;
	return deliver_res;
}
bool arch_uintr_unmasked(const struct uintr_recv *r)
{
	(void)r;
	return true;
}
int arch_uintr_register(struct uintr_recv *r, u64 handler, u64 stack)
{
	(void)r, (void)handler, (void)stack;
	return 0;
}
const char *arch_uintr_fault(int err, u64 *cause)
{
	*cause = (u64)-err;
	return "uintr fault";
}
void arch_uintr_load(struct uintr_recv *r, struct uintr_send *s)
{
	(void)r, (void)s;
	fail();
}
void arch_uintr_sync(struct uintr_recv *r)
{
	(void)r;
	fail();
}
void arch_uintr_unload(struct uintr_recv *r, bool sleeping)
{
	(void)r, (void)sleeping;
	fail();
}

/* What the vector and sender operations call: not used here. */
int copyin(struct pagetable *pt, void *dst, u64 uva, size_t n)
{
	(void)pt, (void)dst, (void)uva, (void)n;
	return -EFAULT;
}
int copyout(struct pagetable *pt, u64 uva, const void *src, size_t n)
{
	(void)pt, (void)uva, (void)src, (void)n;
	return -EFAULT;
}
int fd_alloc(struct proc *p, struct file *f)
{
	(void)p, (void)f;
	return -EMFILE;
}
struct file *fd_get(struct proc *p, int fd)
{
	(void)p, (void)fd;
	return NULL;
}
struct file *file_new(const struct fileops *ops, void *priv, u64 arg)
{
	(void)ops, (void)priv, (void)arg;
	return NULL;
}
void file_put(struct file *f)
{
	(void)f;
}
struct proc *proc_table(void)
{
	return NULL;
}

#include "../../kernel/uintr.c"

static struct proc proc;
static struct thread thread, peer;
static struct trapframe tf;

static int setup(void **state)
{
	(void)state;
	memset(&proc, 0, sizeof(proc));
	memset(&thread, 0, sizeof(thread));
	memset(&peer, 0, sizeof(peer));
	thread.proc = peer.proc = &proc;
	thread.state = T_RUNNING;
	cpus[0].thread = &thread;
	woken = NULL;
	kicked_cpu = -1;
	kills = frees = delivers = 0;
	emulate_res = deliver_res = 0;
	return 0;
}

/* A receiver of peer's, peer in state st on cpu. */
static struct urecv *receiver_of(struct thread *t, enum tstate st, int cpu)
{
	struct urecv *u = urecv_new();
	assert_non_null(u);
	u->t = t;
	t->urecv = u;
	t->state = st;
	t->cpu = cpu;
	return u;
}

/* Posting keeps what is pending: a second vector joins the first. */
static void test_post_keeps_pending(void **state)
{
	(void)state;
	struct urecv *u = receiver_of(&peer, T_RUNNABLE, 0);
	uintr_kick(u, 3);
	uintr_kick(u, 40);
	uintr_kick(u, 3);
	assert_int_equal(u->r.pending, 1ull << 3 | 1ull << 40);
	uintr_thread_exit(&peer);
}

/* A first vector wakes a blocked receiver (it may be in wait()). */
static void test_post_wakes_blocked(void **state)
{
	(void)state;
	struct urecv *u = receiver_of(&peer, T_BLOCKED, 0);
	uintr_kick(u, 5);
	assert_ptr_equal(woken, &peer);
	assert_int_equal(kicked_cpu, -1);
	uintr_thread_exit(&peer);
}

/* A first vector to a receiver running on another CPU kicks that CPU:
 * delivery happens on the way back to user mode, which a thread in a
 * loop reaches only through an interrupt. */
static void test_post_kicks_running(void **state)
{
	(void)state;
	struct urecv *u = receiver_of(&peer, T_RUNNING, 1);
	uintr_kick(u, 6);
	assert_int_equal(kicked_cpu, 1);
	assert_null(woken);
	uintr_thread_exit(&peer);
}

/* A receiver whose thread has gone: the vector is only recorded. */
static void test_post_no_thread(void **state)
{
	(void)state;
	struct urecv *u = urecv_new();
	uintr_kick(u, 7);
	assert_int_equal(u->r.pending, 1ull << 7);
	assert_null(woken);
	assert_int_equal(kicked_cpu, -1);
	uintr_put(u);
	assert_int_equal(frees, 1);
}

/* An emulated send posts its vector to its receiver. */
static void test_emulated_send(void **state)
{
	(void)state;
	struct urecv *u = receiver_of(&peer, T_BLOCKED, 0);
	emulate_res = UINTR_POST;
	emulate_post = (struct uintr_post){.recv = &u->r, .vector = 9};
	assert_true(uintr_emulated(&tf));
	assert_int_equal(u->r.pending, 1ull << 9);
	assert_ptr_equal(woken, &peer);
	assert_int_equal(kills, 0);
	uintr_thread_exit(&peer);
}

/* Emulated, it is done; not ours, the arch reports it; a fault kills. */
static void test_emulated_results(void **state)
{
	(void)state;
	emulate_res = UINTR_DONE;
	assert_true(uintr_emulated(&tf));
	assert_int_equal(kills, 0);
	emulate_res = UINTR_EILL;
	assert_false(uintr_emulated(&tf));
	assert_int_equal(kills, 0);
	emulate_res = UINTR_EGP;
	assert_true(uintr_emulated(&tf));
	assert_int_equal(kills, 1);
	emulate_res = UINTR_EFAULT;
	assert_true(uintr_emulated(&tf));
	assert_int_equal(kills, 2);
}

/* Back to user mode: a pending vector is delivered; nothing, nothing;
 * a delivery that faults kills. */
static void test_return_delivers(void **state)
{
	(void)state;
	struct urecv *u = receiver_of(&thread, T_RUNNING, 0);
	uintr_return(&tf);
	assert_int_equal(delivers, 0);
	uintr_kick(u, 2);
	deliver_res = 1;
	uintr_return(&tf);
	assert_int_equal(delivers, 1);
	assert_int_equal(kills, 0);
	uintr_kick(u, 2);
	deliver_res = UINTR_EFAULT;
	uintr_return(&tf);
	assert_int_equal(delivers, 2);
	assert_int_equal(kills, 1);
	u->r.pending = 0;
	uintr_thread_exit(&thread);
}

/* Exit: the thread stops receiving (a later send wakes nobody) and
 * drops its references: the receiver goes with the last one, the
 * sender table's entries each hold one. */
static void test_exit_drops(void **state)
{
	(void)state;
	struct urecv *u = receiver_of(&peer, T_RUNNING, 0);
	uintr_get(u); /* a sender's reference */
	thread.usend = kzalloc(sizeof(*thread.usend));
	thread.usend->uitt[4] = (struct uintr_target){.valid = true, .recv = &u->r, .vector = 1};
	uintr_get(u);
	uintr_thread_exit(&peer);
	assert_null(peer.urecv);
	assert_null(u->t);
	assert_int_equal(u->ref, 2);
	uintr_kick(u, 1); /* nobody to wake */
	assert_null(woken);
	assert_int_equal(kicked_cpu, -1);
	uintr_thread_exit(&thread); /* its sender table: one reference */
	assert_null(thread.usend);
	assert_int_equal(u->ref, 1);
	assert_int_equal(frees, 1); /* the table */
	uintr_put(u);
	assert_int_equal(frees, 2); /* the receiver, with the last reference */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_post_keeps_pending, setup),
	    cmocka_unit_test_setup(test_post_wakes_blocked, setup),
	    cmocka_unit_test_setup(test_post_kicks_running, setup),
	    cmocka_unit_test_setup(test_post_no_thread, setup),
	    cmocka_unit_test_setup(test_emulated_send, setup),
	    cmocka_unit_test_setup(test_emulated_results, setup),
	    cmocka_unit_test_setup(test_return_delivers, setup),
	    cmocka_unit_test_setup(test_exit_drops, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
