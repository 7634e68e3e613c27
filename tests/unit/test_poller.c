/*
 * test_poller.c - a polled ring's kernel thread (kernel/ring.c's
 * poller() and poll_sleep()) on the host, run to its end: it takes the
 * entries published before it looks, sleeps only once idle for the
 * ring's idle time, yields between rounds, does not sleep on a ring
 * that is stopping or has chains to continue, and says it is gone
 * (r->poller = NULL) when it ends, which ring_teardown waits for.
 *
 * The host clock (ring_host.h) never moves: with idle_ns 0 the poller
 * is idle at once, with the default it never is. The scheduler stubs
 * count blocks and yields; a hook stops the ring after a few rounds,
 * so a poller that never sleeps still ends.
 */
#include "ring_host.h"

#define ROUNDS 8 /* yields before the test stops the ring */

static int yields, blocks_seen;
static void stop_ring(void)
{
	__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
}
static void count_yield(void)
{
	if (++yields >= ROUNDS)
		stop_ring();
}
static void woken_to_stop(void)
{
	blocks_seen++;
	stop_ring(); /* ring_teardown raises stop, then wakes the poller */
}

/* A polled ring, and the poller as the current thread. */
static void run_poller(u64 idle_ns)
{
	assert_int_equal(setup_ring(8, 8, RING_POLL), 0);
	r->idle_ns = idle_ns;
	host_poller.poll = r;
	cpus[0].thread = &host_poller;
	yields = blocks_seen = 0;
	host_on_yield = count_yield;
	host_on_block = woken_to_stop;
}

/* Stopped before it looks: it ends at once, and says so. */
static void test_ends_on_stop(void **state)
{
	(void)state;
	run_poller(0);
	stop_ring();
	poller();
	assert_null(r->poller);
	assert_int_equal(host_blocks, 0);
}

/* Entries published before it runs: taken, no system call asked. */
static void test_takes_entries(void **state)
{
	(void)state;
	u64 ud[3] = {4, 5, 6}, got[4];
	int res[4];
	run_poller(RING_IDLE_DEFAULT_US * 1000ull);
	submit(ud, 3, 0);
	poller();
	assert_int_equal(nrun, 3);
	assert_int_equal(reap(got, res), 3);
	assert_int_equal(got[0], 4);
	assert_int_equal(got[2], 6);
	assert_null(r->poller);
}

/* Nothing to do for its idle time: it sleeps, NEED_WAKEUP up meanwhile. */
static void test_sleeps_once_idle(void **state)
{
	(void)state;
	run_poller(0);
	poller();
	assert_int_equal(host_blocks, 1);
	assert_int_equal(blocks_seen, 1);
	assert_false(r->hdr->sq_flags & RING_NEED_WAKEUP);
	assert_null(r->poller);
}

/* Not idle long enough: it does not sleep, and yields every round (on
 * one CPU the program runs only then). */
static void test_busy_until_idle(void **state)
{
	(void)state;
	run_poller(RING_IDLE_DEFAULT_US * 1000ull);
	poller();
	assert_int_equal(host_blocks, 0);
	assert_int_equal(yields, ROUNDS);
	assert_null(r->poller);
}

/* A ring that is stopping, or has chains to continue, is no reason to sleep. */
static void test_no_sleep_on_stop(void **state)
{
	(void)state;
	assert_int_equal(setup_ring(8, 8, RING_POLL), 0);
	stop_ring();
	poll_sleep(r);
	assert_int_equal(host_blocks, 0);
	assert_false(r->hdr->sq_flags & RING_NEED_WAKEUP);
}

static void test_no_sleep_on_deferred(void **state)
{
	(void)state;
	assert_int_equal(setup_ring(8, 8, RING_POLL), 0);
	struct op *op = calloc(1, sizeof(*op));
	r->deferred = op; /* a chain to continue: op_continue runs it */
	poll_sleep(r);
	assert_int_equal(host_blocks, 0);
	r->deferred = NULL;
	free(op);
}

static int teardown(void **state)
{
	(void)state;
	cpus[0].thread = &thread;
	host_poller.poll = NULL;
	for (int i = 0; i < NRING; i++) {
		if (thread.rings[i]) {
			thread.rings[i]->poller = NULL; /* ended, or never ran */
			ring_teardown(thread.rings[i]);
		}
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_ends_on_stop, teardown),
	    cmocka_unit_test_teardown(test_takes_entries, teardown),
	    cmocka_unit_test_teardown(test_sleeps_once_idle, teardown),
	    cmocka_unit_test_teardown(test_busy_until_idle, teardown),
	    cmocka_unit_test_teardown(test_no_sleep_on_stop, teardown),
	    cmocka_unit_test_teardown(test_no_sleep_on_deferred, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
