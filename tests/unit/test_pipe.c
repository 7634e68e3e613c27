/*
 * test_pipe.c - hardware pipes in the C library (user/lib/pipe.c) on the
 * host, against a known-correct peer: the test is the other end, reading
 * and writing the rings and flags of a region it owns by the protocol of
 * kernel/abi/pipe.h. So a mistake made the same way in the library's
 * reader and writer (the wrap-around, say) still shows, and so do the
 * rules of sleeping: user interrupts masked and the flag up while
 * waiting, the flag down after, a wake-up sent only to an end that sleeps
 * (by pipe_take, only to one that may sleep for room),
 * an index that lies, a reader that is gone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../user/lib/pipe.c"

/* The region (header, then the two rings); the library's descriptor is end 0. */
static _Alignas(4096) u8 region[PIPE_REGION];
static struct pipe_hdr *hdr = (struct pipe_hdr *)region;
static u8 *inbox = region + PIPE_HDR;		   /* ring 0: the library reads it */
static u8 *outbox = region + PIPE_HDR + PIPE_SIZE; /* ring 1: the library writes it */
#define FD 3

static void (*peer)(void); /* what the other end does while the library waits */
static int nwaits, host_sends;

static void host_send(unsigned long index)
{
	assert_int_equal(index, 5); /* the index attach gave */
	host_sends++;
}

long ring_call(const struct sqe *e, unsigned *cflags)
{
	(void)cflags;
	assert_int_equal(e->opcode, OP_PIPE_ATTACH);
	struct pipe_attach *a = (struct pipe_attach *)(uptr)e->addr;
	*a = (struct pipe_attach){.hdr = (uptr)region, .end = 0, .wake = 5};
	return 0;
}
int kstats(struct kstats *s)
{
	s->ncpu = 1; /* sleep at once, no spinning */
	return 0;
}
u64 now_ns(void) /* the library's deadlines (pipe_read_by): none are set here */
{
	return 0;
}
long wait(const struct wait_item *items, unsigned n, struct wait_event *events, unsigned max,
	  long long timeout)
{
	(void)events, (void)max, (void)timeout;
	assert_int_equal(n, 1);
	assert_int_equal(items[0].type, WAIT_UINTR);
	/* the check-then-wait rule: masked, so a wake-up cannot be lost before this */
	assert_false(host_uif);
	assert_int_equal(hdr->waiting[0], 1); /* the flag is up: the peer will wake us */
	nwaits++;
	assert_non_null(peer);
	peer();
	return -EINTR;
}
int fprintf(int fd, const char *fmt, ...)
{
	(void)fd, (void)fmt;
	return 0;
}
long conn_rw(int fd, void *buf, size_t n, bool out)
{
	(void)fd, (void)buf, (void)n, (void)out;
	fail();
	return -ENOSYS;
}

/* A fresh pipe with every index at start (near both wraps: the ring's and the u32's). */
static int setup(void **state)
{
	(void)state;
	memset(region, 0, sizeof(region));
	u32 start = 0xffffffffu - PIPE_SIZE - 100;
	hdr->head[0].v = hdr->tail[0].v = hdr->head[1].v = hdr->tail[1].v = start;
	hdr->size = PIPE_SIZE;
	pipe_forget(FD);
	peer = NULL;
	nwaits = host_sends = 0;
	host_uif = true;
	return 0;
}

/* The peer writes n bytes of pattern seed into our inbox, by the rules. */
static void peer_write(unsigned n, u8 seed)
{
	unsigned t = hdr->tail[0].v;
	for (unsigned i = 0; i < n; i++)
		inbox[(t + i) & (PIPE_SIZE - 1)] = (u8)(seed + i * 7);
	__atomic_store_n(&hdr->tail[0].v, t + n, __ATOMIC_RELEASE);
}

/* Across the wrap both ways: what the peer wrote is read, what the library wrote is there. */
static void test_wrap_against_peer(void **state)
{
	(void)state;
	static u8 buf[PIPE_SIZE];
	for (int round = 0; round < 4; round++) {
		unsigned n = PIPE_SIZE - 1000 + round * 300;
		peer_write(n, round);
		assert_int_equal(pipe_rw(FD, buf, sizeof(buf), false), n);
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(buf[i], (u8)(round + i * 7));
		for (unsigned i = 0; i < n; i++)
			buf[i] = (u8)(round * 3 + i * 5);
		unsigned h = hdr->head[1].v;
		assert_int_equal(pipe_rw(FD, buf, n, true), n);
		assert_int_equal(hdr->tail[1].v, h + n);
		unsigned skew = hdr->skew[1]; /* where the library put its bytes (pipe.h) */
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(outbox[(h + i + skew) & (PIPE_SIZE - 1)],
					 (u8)(round * 3 + i * 5));
		__atomic_store_n(&hdr->head[1].v, h + n, __ATOMIC_RELEASE); /* the peer read it */
	}
}

static void write_some(void)
{
	peer_write(10, 1);
}

/* Nothing to read: sleep masked with the flag up (wait() checks), then the flag is down. */
static void test_sleep_protocol(void **state)
{
	(void)state;
	u8 buf[64];
	peer = write_some;
	assert_int_equal(pipe_rw(FD, buf, sizeof(buf), false), 10);
	assert_int_equal(nwaits, 1);
	assert_int_equal(hdr->waiting[0], 0);
	assert_true(host_uif); /* unmasked again */
	u64 sleeps, wakes;
	pipe_stats(&sleeps, &wakes);
	assert_true(sleeps >= 1);
}

/* A wake-up goes only to an end whose flag is up, once per sleep. */
static void test_wake_only_sleepers(void **state)
{
	(void)state;
	u8 b[8] = {1, 2, 3};
	assert_int_equal(pipe_rw(FD, b, 8, true), 8);
	assert_int_equal(host_sends, 0); /* the peer does not sleep */
	hdr->waiting[1] = 1;		 /* now it does */
	assert_int_equal(pipe_rw(FD, b, 8, true), 8);
	assert_int_equal(host_sends, 1);
	assert_int_equal(hdr->waiting[1], 0); /* taken */
	assert_int_equal(pipe_rw(FD, b, 8, true), 8);
	assert_int_equal(host_sends, 1);
}

/* pipe_take wakes the writer only if it may sleep for room: on a full ring. */
static void test_take_wakes_only_for_room(void **state)
{
	(void)state;
	u8 b[8];
	peer_write(8, 1);
	hdr->waiting[1] = 1; /* the peer sleeps, for bytes in its own inbox */
	assert_int_equal(pipe_take(FD, b, 8), 8);
	assert_int_equal(host_sends, 0);
	assert_int_equal(hdr->waiting[1], 1); /* not taken: still asleep */
	peer_write(PIPE_SIZE, 2);	      /* full: it may sleep for room now */
	assert_int_equal(pipe_take(FD, b, 8), 8);
	assert_int_equal(host_sends, 1);
	assert_int_equal(hdr->waiting[1], 0);
}

/* A tail claiming more than the ring holds is an error, not bytes. */
static void test_lying_index(void **state)
{
	(void)state;
	u8 buf[64];
	hdr->tail[0].v = hdr->head[0].v + PIPE_SIZE + 1;
	assert_int_equal(pipe_rw(FD, buf, sizeof(buf), false), -EIO);
}

/* The reader is gone: -EPIPE, nothing written. */
static void test_reader_gone(void **state)
{
	(void)state;
	u8 b[8] = {0};
	hdr->closed[1] = 1;
	unsigned t = hdr->tail[1].v;
	assert_int_equal(pipe_rw(FD, b, 8, true), -EPIPE);
	assert_int_equal(hdr->tail[1].v, t);
}

/* The writer wrote, then closed: the bytes, then end of file. */
static void test_bytes_then_eof(void **state)
{
	(void)state;
	u8 buf[64];
	peer_write(5, 9);
	hdr->closed[1] = 1;
	assert_int_equal(pipe_rw(FD, buf, sizeof(buf), false), 5);
	assert_int_equal(pipe_rw(FD, buf, sizeof(buf), false), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_wrap_against_peer, setup),
	    cmocka_unit_test_setup(test_sleep_protocol, setup),
	    cmocka_unit_test_setup(test_wake_only_sleepers, setup),
	    cmocka_unit_test_setup(test_take_wakes_only_for_room, setup),
	    cmocka_unit_test_setup(test_lying_index, setup),
	    cmocka_unit_test_setup(test_reader_gone, setup),
	    cmocka_unit_test_setup(test_bytes_then_eof, setup),
	};
	return cmocka_run_group_tests_name("pipe", tests, NULL, NULL);
}
