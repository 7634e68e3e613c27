/*
 * test_ring_race.c - the ring (kernel/ring.c) and a program on two host
 * threads, built with ThreadSanitizer: the kernel's thread calls
 * ring_enter() over and over while the program's thread submits
 * entries (some LINKed) and reaps their completions, reusing each
 * submission slot as soon as the published sq_head lets it. Every
 * ordering rule of the ring shows as a race if it is broken: sq_tail
 * read without acquire, an entry read after sq_head says it is free
 * (the copy made after publishing the head, or LINK looked up in the
 * shared entry), a completion written after cq_tail published it, or
 * cq_tail stored plainly.
 *
 * ThreadSanitizer judges by happens-before, not by time: the kernel's
 * copy of an entry races with the program's next write of that slot
 * unless a publish the program acquired comes after the copy. The
 * kernel publishes cq_tail once per batch, so the slot must be written
 * again while the batch still runs: each entry waits there (a bounded
 * while) for the program to submit into the room its sq_head made. Left
 * to the two threads' timing, that rarely happened on a busy host, and
 * two wrong solutions (the copy after the publish, LINK read from the
 * shared entry) went uncaught in a `make test` of this tree.
 */
#define sched_yield libc_sched_yield /* the kernel has its own */
#include <pthread.h>
#undef sched_yield
#include <time.h>

#include "ring_host.h"
#include "race.h"

#define N   3000 /* entries submitted */
#define SQN 8
#define CQN 8

static bool stop;
static bool all_sent; /* the program has nothing more to submit */
static long failed;   /* what ring_enter returned, if not a count or -EBUSY */

/* While an entry runs (host_on_run): until the program has filled the
   room in the SQ (the slot this entry's sq_head freed among it), or has
   no more to submit. Relaxed loads: they order nothing, so they hide no
   race from the sanitizer. */
static void program_meanwhile(void)
{
	struct timespec us = {0, 1000}; /* sleep, so the program gets a busy host's CPU */
	for (int i = 0; i < 100000 && !__atomic_load_n(&all_sent, __ATOMIC_RELAXED) &&
			__atomic_load_n(&r->hdr->sq_tail, __ATOMIC_RELAXED) - r->sq_head < SQN;
	     i++)
		nanosleep(&us, NULL);
}

static void *kernel_side(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		long n = ring_enter(r->id, SQN, 0); /* -EBUSY while the backlog waits: again */
		if (n < 0 && n != -EBUSY) {
			__atomic_store_n(&failed, n, __ATOMIC_RELEASE);
			break;
		}
	}
	return NULL;
}

static void test_two_threads(void **state)
{
	(void)state;
	assert_int_equal(setup_ring(SQN, CQN, 0), 0);
	struct ring_hdr *h = r->hdr;
	struct sqe *sq = r->sq;
	struct cqe *cq = r->cq;
	pthread_t k;
	host_on_run = program_meanwhile;
	assert_int_equal(pthread_create(&k, NULL, kernel_side, NULL), 0);
	u32 tail = 0, head = 0; /* ours: sq_tail and cq_head */
	u64 sent = 0, got = 0;
	while (got < N && !__atomic_load_n(&failed, __ATOMIC_ACQUIRE)) {
		/* submit what fits, every third entry LINKed to the next */
		u32 free = SQN - (tail - __atomic_load_n(&h->sq_head, __ATOMIC_ACQUIRE));
		for (; free && sent < N; free--, sent++) {
			struct sqe *e = &sq[tail++ & (SQN - 1)];
			memset(e, 0, sizeof(*e));
			e->opcode = OP_NOP;
			e->flags = sent % 3 == 1 && sent + 1 < N ? SQE_LINK : 0;
			e->user_data = sent + 1;
		}
		__atomic_store_n(&h->sq_tail, tail, __ATOMIC_RELEASE);
		if (sent == N)
			__atomic_store_n(&all_sent, true, __ATOMIC_RELAXED);
		/* reap: completions come in submission order */
		u32 ctail = __atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE);
		while (head != ctail) {
			struct cqe *c = &cq[head++ & (CQN - 1)];
			got++;
			assert_int_equal(c->user_data, got);
			assert_int_equal(c->res, (int)got);
		}
		__atomic_store_n(&h->cq_head, head, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	pthread_join(k, NULL);
	ring_teardown(r);
	assert_int_equal(failed, 0);
	assert_int_equal(got, N);
	assert_int_equal(races, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_threads),
	};
	return cmocka_run_group_tests_name("ring_race", tests, NULL, NULL);
}
