/*
 * test_ring.c - the ring logic (kernel/ring.c) on the host: index
 * arithmetic, a hostile program's indexes, the completion backlog, LINK
 * chains, and operations that complete later. Some tests break the
 * rules on purpose, as a hostile program does: garbage in the header's
 * masks and sizes, more entries published than to_submit asks for,
 * entries published while the kernel runs others (the tail must be read
 * once); the ring's region has a canary page on each side.
 *
 * op_run() is scripted here: an entry's user_data says what it does
 * (see run_script below), so each test spells out its own story.
 */
#include "ring_host.h"

static int setup_sizes(u32 sq, u32 cq)
{
	return setup_ring(sq, cq, 0);
}
static int setup(void **state)
{
	(void)state;
	return setup_sizes(8, 4);
}
static int teardown(void **state)
{
	(void)state;
	ring_teardown(r);
	return 0;
}

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct sqe), 64);
	assert_int_equal(sizeof(struct cqe), 16);
	assert_int_equal(sizeof(struct ring_hdr), 64);
	assert_int_equal(r->hdr->sq_mask, 7);
	assert_int_equal(r->hdr->cq_mask, 3);
	assert_int_equal(r->hdr->sq_off, 64);
	assert_int_equal(r->hdr->cq_off, 64 + 8 * 64);
	assert_ptr_equal(thread.rings[r->hdr->id], r);
}

static void test_completions_in_order(void **state)
{
	(void)state;
	u64 ud[3] = {5, 6, 7}, got[8];
	int res[8];
	submit(ud, 3, 0);
	assert_res(ring_enter(r->id, 3, 0), 3);
	assert_int_equal(r->hdr->sq_head, 3);
	assert_int_equal(reap(got, res), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(got[i], ud[i]);
		assert_res(res[i], (int)ud[i]);
	}
}

static void test_only_what_is_published(void **state)
{
	(void)state;
	u64 ud[2] = {1, 2}, got[8];
	int res[8];
	submit(ud, 2, 0);
	assert_res(ring_enter(r->id, 100, 0), 2); /* asks for more than there is */
	assert_res(ring_enter(r->id, 1, 0), 0);	  /* nothing new */
	assert_int_equal(reap(got, res), 2);
}

static void test_hostile_indexes(void **state)
{
	(void)state;
	r->hdr->sq_tail = 1000; /* more than the ring holds */
	assert_res(ring_enter(r->id, 1, 0), -EINVAL);
	assert_int_equal(nrun, 0);
	r->hdr->sq_tail = 0;
	r->hdr->sq_head = 77; /* the kernel ignores what it published before */
	r->hdr->cq_tail = 99;
	u64 ud[1] = {3}, got[8];
	int res[8];
	submit(ud, 1, 0);
	assert_res(ring_enter(r->id, 1, 0), 1);
	assert_int_equal(r->hdr->cq_tail, 1); /* rewritten from the kernel's own copy */
	assert_int_equal(reap(got, res), 1);
	/* a cq_head ahead of the tail reads as "full": completions wait, none is lost */
	r->hdr->cq_head = 500;
	submit(ud, 1, 0);
	assert_res(ring_enter(r->id, 1, 0), 1);
	assert_true(r->hdr->sq_flags & RING_CQ_OVERFLOW);
	r->hdr->cq_head = r->hdr->cq_tail;
	assert_res(ring_enter(r->id, 0, 0), 0);
	assert_int_equal(reap(got, res), 1);
	assert_int_equal(got[0], 3);
}

static void test_bad_ring_and_flags(void **state)
{
	(void)state;
	assert_res(ring_enter(NRING, 1, 0), -EBADF);
	assert_res(ring_enter(r->id + 1, 1, 0), -EBADF);
	assert_res(ring_enter(r->id, 1, 0x80), -EINVAL);
}

/* CQ of 4, six submissions: nothing is dropped, -EBUSY until the program reaps. */
static void test_overflow_backlog(void **state)
{
	(void)state;
	u64 ud[6] = {10, 11, 12, 13, 14, 15}, got[16];
	int res[16], n = 0;
	submit(ud, 6, 0);
	assert_res(ring_enter(r->id, 6, 0), 5); /* stops once one is backlogged */
	assert_true(r->hdr->sq_flags & RING_CQ_OVERFLOW);
	assert_int_equal(r->hdr->cq_overflow, 1);
	assert_res(ring_enter(r->id, 1, 0), -EBUSY);
	n += reap(got + n, res + n);
	assert_int_equal(n, 4);
	assert_res(ring_enter(r->id, 1, 0), 1); /* backlog drains, the 6th runs */
	assert_false(r->hdr->sq_flags & RING_CQ_OVERFLOW);
	n += reap(got + n, res + n);
	assert_int_equal(n, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(got[i], ud[i]);
}

/*
 * Entries alone that finish at once are posted in batches (consume):
 * more than a batch, a chain and a pending entry among them, and the
 * completions still come in submission order, each with its result.
 */
static void test_batches_keep_order(void **state)
{
	(void)state;
	ring_teardown(r);
	assert_int_equal(setup_sizes(64, 64), 0);
	u64 ud[40], got[64];
	int res[64];
	for (int i = 0; i < 40; i++)
		ud[i] = 200 + i;
	ud[5] = FAIL | 205;   /* alone: fails, nothing else affected */
	ud[13] = LATER | 213; /* goes pending: completes later, not here */
	submit(ud, 10, 0);
	submit(ud + 10, 3, SQE_LINK); /* a chain: 210 -> 211 -> 212 */
	submit(ud + 13, 27, 0);
	assert_res(ring_enter(r->id, 40, 0), 40);
	assert_int_equal(reap(got, res), 39);
	for (int i = 0, k = 0; i < 40; i++) {
		if (i == 13)
			continue;
		assert_int_equal(got[k], ud[i]);
		assert_res(res[k], i == 5 ? -EINVAL : (int)ud[i]);
		k++;
	}
	assert_int_equal(nparked, 1);
}

/*
 * An op completes (an interrupt, another CPU, or an entry's own handler)
 * while a batch runs (consume_batch): every completion comes, once,
 * with its result, the batch's in order. The reference writes the
 * batch's straight into a window of the CQ, where the other waits in
 * the backlog until the window is published; were the window's slots
 * not the batch's alone, the other would land in the window's first
 * slot, and the batch's last completion would be published unwritten.
 */
static int meanwhile_at;
static void complete_meanwhile(void)
{
	if (++meanwhile_at == 3) /* the batch's third entry */
		op_complete(unpark(), 77, 0);
}
static void test_completion_during_batch(void **state)
{
	(void)state;
	u64 first = LATER | 1, ud[6] = {501, 502, 503, 504, 505, 506}, got[16];
	int res[16];
	ring_teardown(r);
	assert_int_equal(setup_sizes(16, 16), 0);
	submit(&first, 1, 0);
	assert_res(ring_enter(r->id, 1, 0), 1);
	assert_int_equal(nparked, 1);
	meanwhile_at = 0;
	host_on_run = complete_meanwhile;
	submit(ud, 6, 0);
	assert_res(ring_enter(r->id, 6, 0), 6);
	host_on_run = NULL;
	assert_int_equal(meanwhile_at, 6);
	assert_false(r->hdr->sq_flags & RING_CQ_OVERFLOW); /* nothing left in the backlog */
	assert_int_equal(reap(got, res), 7);
	int other = -1;
	for (int i = 0, k = 0; i < 7; i++) {
		if (got[i] == (LATER | 1)) { /* whenever it came */
			assert_int_equal(other, -1);
			assert_res(res[i], 77);
			other = i;
			continue;
		}
		assert_true(k < 6);
		assert_int_equal(got[i], ud[k]);
		assert_res(res[i], (int)ud[k]);
		k++;
	}
	assert_int_not_equal(other, -1);
}

/*
 * A batch whose completions go past the CQ's end: its window goes on at
 * the CQ's start, and every completion comes, in order; also with an
 * entry that goes pending among them (the window is then cut at the
 * CQ's end, and the rest get a window of their own).
 */
static void test_window_wraps(void **state)
{
	(void)state;
	u64 pre[5] = {1, 2, 3, 4, 5}, got[16];
	u64 ud[2][6] = {{601, 602, 603, 604, 605, 606}, {611, LATER | 612, 613, 614, 615, 616}};
	int res[16];
	ring_teardown(r);
	assert_int_equal(setup_sizes(8, 8), 0);
	submit(pre, 5, 0);
	assert_res(ring_enter(r->id, 5, 0), 5);
	assert_int_equal(reap(got, res), 5); /* cq_tail at 5 of 8 */
	for (int round = 0; round < 2; round++) {
		submit(ud[round], 6, 0);
		assert_res(ring_enter(r->id, 6, 0), 6);
		int n = reap(got, res);
		assert_int_equal(n, 6 - round);
		for (int i = 0, k = 0; i < 6; i++) {
			if (ud[round][i] & LATER)
				continue;
			assert_int_equal(got[k], ud[round][i]);
			assert_res(res[k], (int)ud[round][i]);
			k++;
		}
	}
	assert_int_equal(r->hdr->cq_tail, 5 + 6 + 5);
	assert_int_equal(nparked, 1);
}

/* A CQ of 16 and 20 entries alone: batching stops where post() would, one in the backlog. */
static void test_batch_stops_at_overflow(void **state)
{
	(void)state;
	ring_teardown(r);
	assert_int_equal(setup_sizes(32, 16), 0);
	u64 ud[20], got[32];
	int res[32];
	for (int i = 0; i < 20; i++)
		ud[i] = 300 + i;
	submit(ud, 20, 0);
	assert_res(ring_enter(r->id, 20, 0), 17);
	assert_int_equal(r->hdr->cq_overflow, 1);
	assert_int_equal(reap(got, res), 16);
	assert_res(ring_enter(r->id, 3, 0), 3); /* the backlog drains, the rest run */
	assert_int_equal(reap(got + 16, res + 16), 4);
	for (int i = 0; i < 20; i++)
		assert_int_equal(got[i], ud[i]);
}

/* A program that scribbles over cq_tail while completions wait still gets them all. */
static void test_scribbled_cq_tail_recovers(void **state)
{
	(void)state;
	u64 ud[5] = {20, 21, 22, 23, 24}, got[16];
	int res[16], n = 0;
	submit(ud, 5, 0);
	assert_res(ring_enter(r->id, 5, 0), 5);	  /* four in the CQ, one backlogged */
	r->hdr->cq_tail = r->hdr->cq_head + 4000; /* garbage */
	r->hdr->sq_head = 12345;
	assert_res(ring_enter(r->id, 0, 0), -EBUSY); /* the truth is back... */
	assert_int_equal(r->hdr->sq_head, 5);
	n += reap(got + n, res + n); /* ...so the program can reap */
	assert_int_equal(n, 4);
	assert_res(ring_enter(r->id, 0, 0), 0);
	n += reap(got + n, res + n);
	assert_int_equal(n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(got[i], ud[i]);
}

static void test_enter_is_bounded(void **state)
{
	(void)state;
	ring_teardown(r);
	assert_int_equal(setup_sizes(512, 1024), 0);
	static u64 ud[300];
	for (int i = 0; i < 300; i++)
		ud[i] = i;
	submit(ud, 300, 0);
	assert_res(ring_enter(r->id, 300, 0), ENTER_MAX);
	assert_res(ring_enter(r->id, 300, 0), 300 - ENTER_MAX);
}

static void test_link_cancels_after_failure(void **state)
{
	(void)state;
	u64 chain[3] = {1, FAIL | 2, 3}, after[1] = {4}, got[8];
	int res[8];
	submit(chain, 3, SQE_LINK);
	submit(after, 1, 0);
	assert_res(ring_enter(r->id, 4, 0), 4);
	assert_int_equal(reap(got, res), 4);
	assert_res(res[0], 1);
	assert_res(res[1], -EINVAL);
	assert_res(res[2], -ECANCELED); /* never ran */
	assert_res(res[3], 4);		/* not part of the chain */
	assert_int_equal(nrun, 3);
}

static void test_pending_op_continues_its_chain(void **state)
{
	(void)state;
	u64 chain[2] = {LATER | 1, 2}, got[8];
	int res[8];
	submit(chain, 2, SQE_LINK);
	assert_res(ring_enter(r->id, 2, 0), 2);
	assert_int_equal(reap(got, res), 0); /* the first waits, the second waits for it */
	assert_int_equal(nparked, 1);
	op_complete(unpark(), 42, 0); /* as an interrupt handler would */
	assert_int_equal(reap(got, res), 1);
	assert_int_equal(got[0], LATER | 1);
	assert_res(res[0], 42);
	assert_int_equal(nrun, 1); /* the rest waits for its owner... */
	assert_res(ring_enter(r->id, 0, 0), 0);
	assert_int_equal(nrun, 2); /* ...who runs it on its next way through */
	assert_int_equal(reap(got, res), 1);
	assert_res(res[0], 2);
}

static void test_failed_pending_op_cancels_its_chain(void **state)
{
	(void)state;
	u64 chain[3] = {LATER | 1, 2, 3}, got[8];
	int res[8];
	submit(chain, 3, SQE_LINK);
	assert_res(ring_enter(r->id, 3, 0), 3);
	op_complete(unpark(), -ENOENT, 0);
	op_continue_thread(&thread);
	assert_int_equal(reap(got, res), 3);
	assert_res(res[0], -ENOENT);
	assert_res(res[1], -ECANCELED);
	assert_res(res[2], -ECANCELED);
	assert_int_equal(nrun, 1);
}

/* An entry that may not return (OP_EXIT: op_run() in the batch hands it
 * back, OP_ALONE) runs on its own after what the batch gathered is
 * posted: the completions keep their order, and it does run. */
static void test_noreturn_runs_alone(void **state)
{
	(void)state;
	u64 ud[4] = {1, 2, ALONE | 3, 4}, got[8];
	int res[8];
	submit(ud, 4, 0);
	assert_res(ring_enter(r->id, 4, 0), 4);
	assert_int_equal(reap(got, res), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(got[i], ud[i]);
		assert_res(res[i], (int)ud[i]);
	}
	assert_int_equal(nalone, 1);
	assert_int_equal(nrun, 5); /* handed back once, then run */
}

/* The 32-bit indexes wrap around: slots and counts still come out right. */
static void test_indexes_wrap(void **state)
{
	(void)state;
	u32 start = 0xfffffff0u;
	r->sq_head = r->cq_tail = start;
	r->hdr->sq_head = r->hdr->sq_tail = r->hdr->cq_head = r->hdr->cq_tail = start;
	u64 got[8];
	int res[8];
	for (u64 round = 0; round < 10; round++) { /* 30 entries: across the wrap */
		u64 ud[3] = {round * 3, round * 3 + 1, round * 3 + 2};
		submit(ud, 3, 0);
		assert_res(ring_enter(r->id, 3, 0), 3);
		assert_int_equal(reap(got, res), 3);
		for (int i = 0; i < 3; i++)
			assert_int_equal(got[i], ud[i]);
	}
	assert_int_equal(r->hdr->sq_head, start + 30); /* wrapped past zero */
}

/* A chain is at most LINK_MAX long: the entry after that starts a new one. */
static void test_chain_is_cut_at_link_max(void **state)
{
	(void)state;
	ring_teardown(r);
	assert_int_equal(setup_sizes(64, 64), 0);
	u64 ud[LINK_MAX + 4], got[64];
	int res[64];
	ud[0] = FAIL | 1;
	for (int i = 1; i < LINK_MAX + 4; i++)
		ud[i] = 100 + i;
	submit(ud, LINK_MAX + 4, SQE_LINK);
	assert_res(ring_enter(r->id, LINK_MAX + 4, 0), LINK_MAX + 4);
	assert_int_equal(reap(got, res), LINK_MAX + 4);
	assert_res(res[0], -EINVAL);
	for (int i = 1; i < LINK_MAX; i++)
		assert_res(res[i], -ECANCELED);
	for (int i = LINK_MAX; i < LINK_MAX + 4; i++)
		assert_res(res[i], 100 + i);
}

/*
 * Completion interrupts (RING_CQ_UINTR): one kick when completions land
 * and RING_CQ_INTR is down, which raises it; none while it is up, for
 * any number of batches; one again once the program has cleared it.
 * The receiver's reference goes with the ring.
 */
static void test_cq_interrupt_once_until_cleared(void **state)
{
	(void)state;
	u64 ud[3] = {1, 2, 3}, got[8];
	int res[8];
	host_kicks = host_puts = 0;
	r->cq_recv = host_recv; /* as op_ring_create sets it */
	r->cq_vec = HOST_VEC;
	submit(ud, 3, 0);
	assert_int_equal(ring_enter(r->id, 3, 0), 3);
	assert_int_equal(host_kicks, 1);
	assert_int_equal(r->hdr->cq_flags, RING_CQ_INTR);
	assert_int_equal(reap(got, res), 3);
	submit(ud, 3, 0); /* the program reaped but did not clear the flag */
	assert_int_equal(ring_enter(r->id, 3, 0), 3);
	assert_int_equal(host_kicks, 1);
	assert_int_equal(reap(got, res), 3);
	r->hdr->cq_flags = 0; /* handled: cleared, then the CQ looked at again */
	submit(ud, 1, 0);
	assert_int_equal(ring_enter(r->id, 1, 0), 1);
	assert_int_equal(host_kicks, 2);
	ring_teardown(r);
	assert_int_equal(host_puts, 1);
	setup(state); /* for teardown() */
}

/* to_submit bounds what is taken, however many entries are published. */
static void test_to_submit_bounds(void **state)
{
	(void)state;
	u64 ud[4] = {1, 2, 3, 4}, got[8];
	int res[8];
	submit(ud, 4, 0);
	assert_int_equal(ring_enter(r->id, 1, 0), 1);
	assert_int_equal(nrun, 1);
	assert_int_equal(r->hdr->sq_head, 1);
	assert_int_equal(ring_enter(r->id, 0, 0), 0);
	assert_int_equal(nrun, 1);
	assert_int_equal(ring_enter(r->id, 3, 0), 3);
	assert_int_equal(reap(got, res), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(got[i], ud[i]);
}

/* While an entry runs, the program publishes two more (another CPU). */
static void publish_more(void)
{
	u64 ud[2] = {7, 8};
	host_on_run = NULL;
	submit(ud, 2, 0);
}

/* The tail is read once: what is published meanwhile waits for the next ring_enter. */
static void test_tail_read_once(void **state)
{
	(void)state;
	u64 ud[1] = {1}, got[8];
	int res[8];
	submit(ud, 1, 0);
	host_on_run = publish_more;
	assert_int_equal(ring_enter(r->id, 100, 0), 1);
	assert_int_equal(nrun, 1);
	assert_int_equal(ring_enter(r->id, 100, 0), 2);
	assert_int_equal(reap(got, res), 3);
	assert_int_equal(got[2], 8);
}

/*
 * Garbage in every header field the program may write but the kernel
 * must not trust (the masks and offsets are only the kernel's word to
 * the program): the kernel indexes with its own copies. The indexes
 * start just before the wrap, so a slot taken with a garbage mask is
 * far outside the region; the bytes after the CQ are a canary.
 */
static void test_hostile_header(void **state)
{
	(void)state;
	struct ring_hdr *h = r->hdr;
	u8 *end = (u8 *)(r->cq + r->cq_entries), *top = (u8 *)h + (PAGE_SIZE << r->order);
	memset(end, CANARY, top - end);
	u32 start = 0xfffffff0u;
	r->sq_head = r->cq_tail = start;
	h->sq_head = h->sq_tail = h->cq_head = h->cq_tail = start;
	for (u64 round = 0; round < 6; round++) {
		h->sq_mask = h->cq_mask = 0xffffffffu;
		h->sq_off = h->cq_off = 0x7fffffffu;
		h->id = 77;
		for (int i = 0; i < 3; i++) { /* the program's side, with the true sizes */
			struct sqe *e = &r->sq[h->sq_tail & (r->sq_entries - 1)];
			memset(e, 0, sizeof(*e));
			e->opcode = OP_NOP;
			e->user_data = round * 3 + i;
			h->sq_tail++;
		}
		assert_int_equal(ring_enter(r->id, 3, 0), 3);
		for (int i = 0; i < 3; i++) {
			assert_int_not_equal(h->cq_head, h->cq_tail);
			struct cqe *c = &r->cq[h->cq_head++ & (r->cq_entries - 1)];
			assert_int_equal(c->user_data, round * 3 + i);
		}
		assert_int_equal(h->cq_head, h->cq_tail);
	}
	canary_check(end, top - end);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_completions_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_only_what_is_published, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_indexes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_ring_and_flags, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_overflow_backlog, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batches_keep_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_stops_at_overflow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_completion_during_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_window_wraps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scribbled_cq_tail_recovers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_enter_is_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_noreturn_runs_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_indexes_wrap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chain_is_cut_at_link_max, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cq_interrupt_once_until_cleared, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_to_submit_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tail_read_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_link_cancels_after_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pending_op_continues_its_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_pending_op_cancels_its_chain, setup,
					    teardown),
	};
	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
