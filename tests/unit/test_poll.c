/*
 * test_poll.c - polled rings (kernel/ring.c) on the host: what
 * ring_setup accepts, the poller's decision to sleep (the NEED_WAKEUP
 * half of the barrier rule, docs/polling.md), ring_enter on a polled ring, and
 * stopping the poller when the ring goes.
 *
 * The poller thread never runs here: the tests call its steps
 * (poll_sleep, consume) themselves, and the scheduler stubs of
 * ring_host.h record blocks and wake-ups.
 */
#include "ring_host.h"

static void test_create_refuses(void **state)
{
	(void)state;
	struct ring *x;
	assert_res(setup_ring(0, 4, 0), -EINVAL);
	assert_res(setup_ring(8, 0, 0), -EINVAL);
	assert_res(setup_ring(3, 4, 0), -EINVAL);
	assert_res(setup_ring(2 * RING_MAX, 4, 0), -EINVAL);
	assert_res(setup_ring(8, 2 * RING_MAX, 0), -EINVAL);
	assert_res(setup_ring(8, 8, 1u << 5), -EINVAL);
	assert_res(setup_ring(8, 8, RING_POLL_PIN), -EINVAL); /* pinning needs a poller */
	assert_res(ring_setup(&thread, 8, 8, RING_POLL | RING_POLL_PIN, 0, 2, &x), -EINVAL);
	assert_int_equal(ring_setup(&thread, 8, 8, RING_POLL, RING_IDLE_MAX_US + 1, -1, &x),
			 -EINVAL);
	/* NRING rings per thread, then -EMFILE */
	for (int i = 0; i < NRING; i++)
		assert_int_equal(ring_setup(&thread, 4, 4, 0, 0, -1, &x), 0);
	assert_res(ring_setup(&thread, 4, 4, 0, 0, -1, &x), -EMFILE);
	for (int i = 0; i < NRING; i++)
		ring_teardown(thread.rings[i]);
}

static void test_poller_made(void **state)
{
	(void)state;
	assert_int_equal(setup_ring(8, 8, RING_POLL), 0);
	assert_ptr_equal(r->poller, &host_poller);
	assert_ptr_equal(host_poller.poll, r);
	assert_int_equal(host_poller.pin, -1);
	assert_int_equal(r->idle_ns, RING_IDLE_DEFAULT_US * 1000ull);
	struct ring *pinned;
	assert_int_equal(ring_setup(&thread, 8, 8, RING_POLL | RING_POLL_PIN, 250, 1, &pinned), 0);
	assert_int_equal(host_poller.pin, 1);
	assert_int_equal(pinned->idle_ns, 250000);
}

static bool flag_while_blocked;
static void look_at_flag(void)
{
	flag_while_blocked = r->hdr->sq_flags & RING_NEED_WAKEUP;
}

/* Nothing to do: NEED_WAKEUP is up while the poller sleeps, down after. */
static void test_sleeps_when_idle(void **state)
{
	(void)state;
	assert_int_equal(setup_ring(8, 8, RING_POLL), 0);
	host_on_block = look_at_flag;
	poll_sleep(r);
	assert_int_equal(host_blocks, 1);
	assert_true(flag_while_blocked);
	assert_false(r->hdr->sq_flags & RING_NEED_WAKEUP);
}

/*
 * The race: the program published an entry after the poller's last look
 * but read sq_flags before NEED_WAKEUP went up, so it will not call
 * ring_enter. The poller's second look at the tail must catch it.
 */
static void test_no_sleep_after_late_tail(void **state)
{
	(void)state;
	u64 ud[1] = {9};
	assert_int_equal(setup_ring(8, 8, RING_POLL), 0);
	submit(ud, 1, 0);
	poll_sleep(r);
	assert_int_equal(host_blocks, 0);
	assert_false(r->hdr->sq_flags & RING_NEED_WAKEUP);
	assert_res(consume(r, ENTER_MAX), 1); /* and the poller takes it */
	assert_int_equal(nrun, 1);
}

/* ring_enter on a polled ring takes nothing itself: it wakes the poller if asked. */
static void test_enter_only_wakes(void **state)
{
	(void)state;
	u64 ud[2] = {1, 2}, got[4];
	int res[4];
	assert_int_equal(setup_ring(8, 8, RING_POLL), 0);
	submit(ud, 2, 0);
	assert_res(ring_enter(r->id, 2, 0), 0);
	assert_null(host_woken);
	assert_res(ring_enter(r->id, 2, RING_ENTER_WAKEUP), 0);
	assert_ptr_equal(host_woken, &host_poller);
	assert_int_equal(nrun, 0);
	assert_res(consume(r, ENTER_MAX), 2);
	assert_int_equal(reap(got, res), 2);
}

static void poller_stops(void)
{
	if (r->stop)
		r->poller = NULL; /* what the poller does once it sees stop */
}

/* Destroying a polled ring stops its poller first, and waits for it. */
static void test_destroy_stops_poller(void **state)
{
	(void)state;
	assert_int_equal(setup_ring(8, 8, RING_POLL), 0);
	host_on_yield = poller_stops;
	ring_teardown(r);
	assert_ptr_equal(host_woken, &host_poller);
	assert_null(thread.rings[0]);
}

static int teardown_all(void **state)
{
	(void)state;
	for (int i = 0; i < NRING; i++) {
		if (thread.rings[i]) {
			thread.rings[i]->poller = NULL; /* the host poller never ran */
			ring_teardown(thread.rings[i]);
		}
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_create_refuses, teardown_all),
	    cmocka_unit_test_teardown(test_poller_made, teardown_all),
	    cmocka_unit_test_teardown(test_sleeps_when_idle, teardown_all),
	    cmocka_unit_test_teardown(test_no_sleep_after_late_tail, teardown_all),
	    cmocka_unit_test_teardown(test_enter_only_wakes, teardown_all),
	    cmocka_unit_test_teardown(test_destroy_stops_poller, teardown_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
