/*
 * test_wake.c - the other half of wait() (kernel/ring.c's wake_owner):
 * a completion posted into a ring by someone other than its owner (an
 * interrupt handler on another thread's time, a peer's write) wakes
 * the owner, who may be blocked in wait() on that ring.
 */
#include "ring_host.h"

static struct thread other; /* whoever completes the op */

/* An entry that goes pending, completed later from another thread. */
static void test_completion_wakes_owner(void **state)
{
	(void)state;
	u64 ud[1] = {LATER | 1}, got[2];
	int res[2];
	assert_int_equal(setup_ring(8, 8, 0), 0);
	submit(ud, 1, 0);
	assert_res(consume(r, ENTER_MAX), 1);
	assert_int_equal(nparked, 1);
	struct op *op = unpark();
	cpus[0].thread = &other; /* it completes on someone else's time */
	host_woken = NULL;
	op_complete(op, 42, 0);
	cpus[0].thread = &thread;
	assert_ptr_equal(host_woken, &thread);
	assert_int_equal(reap(got, res), 1);
	assert_res(res[0], 42);
}

static int teardown(void **state)
{
	(void)state;
	cpus[0].thread = &thread;
	for (int i = 0; i < NRING; i++)
		if (thread.rings[i])
			ring_teardown(thread.rings[i]);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_completion_wakes_owner, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
