/*
 * test_pipe_race.c - the C library's hardware pipes (user/lib/pipe.c)
 * with a reader and a writer on two host threads, built with
 * ThreadSanitizer (race.h): many pipes, each carrying a pattern in
 * chunks of every size and ending with the writer's close. An index or
 * a waiting flag read or written plainly where the other end needs an
 * atomic access, or bytes published without release/acquire, is a
 * reported race and fails the test. Both ends sleep at once when they
 * must wait (as on one CPU), so the sleep protocol runs all the time: a
 * lost wake-up shows as both ends waiting with nothing pending, and the
 * test fails instead of hanging. (ThreadSanitizer does not model
 * standalone fences: a missing full barrier is not seen here.)
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../user/lib/pipe.c"
#include "race.h"

#define NPIPES 40
#define BYTES  (3 * PIPE_SIZE + 1234) /* through each pipe */

static _Alignas(4096) u8 region[PIPE_REGION];
static struct pipe_hdr *hdr = (struct pipe_hdr *)region;

/* End e's thread is in wait(); a user interrupt is pending for end e. */
static int in_wait[2], pending[2];
static int lost; /* both ends waited with nothing pending: a lost wake-up */
static _Thread_local int me;

/* Descriptor 3 is end 0 (the reader), 4 end 1; the wake index is the other end. */
long ring_call(const struct sqe *e, unsigned *cflags)
{
	(void)cflags;
	struct pipe_attach *a = (struct pipe_attach *)(uptr)e->addr;
	int end = e->fd == 4;
	*a = (struct pipe_attach){.hdr = (uptr)region, .end = end, .wake = !end};
	return 0;
}
int kstats(struct kstats *s)
{
	s->ncpu = 1; /* sleep at once: the protocol runs often */
	return 0;
}
static void host_send(unsigned long index)
{
	__atomic_store_n(&pending[index], 1, __ATOMIC_SEQ_CST);
}
u64 now_ns(void) /* the library's deadlines (pipe_read_by): none are set here */
{
	return 0;
}
long wait(const struct wait_item *items, unsigned n, struct wait_event *events, unsigned max,
	  long long timeout)
{
	(void)items, (void)n, (void)events, (void)max, (void)timeout;
	__atomic_store_n(&in_wait[me], 1, __ATOMIC_SEQ_CST);
	for (;;) {
		if (__atomic_load_n(&pending[me], __ATOMIC_SEQ_CST)) {
			/* out of the wait before taking it: see below */
			__atomic_store_n(&in_wait[me], 0, __ATOMIC_SEQ_CST);
			__atomic_store_n(&pending[me], 0, __ATOMIC_SEQ_CST);
			return -EINTR;
		}
		/* Nobody left to send: the other end waits too, for nothing. In
		   this order: its interrupt taken means it left the wait first. */
		if (!__atomic_load_n(&pending[!me], __ATOMIC_SEQ_CST) &&
		    __atomic_load_n(&in_wait[!me], __ATOMIC_SEQ_CST) &&
		    !__atomic_load_n(&pending[me], __ATOMIC_SEQ_CST))
			__atomic_store_n(&lost, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&lost, __ATOMIC_SEQ_CST)) {
			__atomic_store_n(&in_wait[me], 0, __ATOMIC_SEQ_CST);
			return -EIO;
		}
		sched_yield();
	}
}
int fprintf(int fd, const char *fmt, ...)
{
	(void)fd, (void)fmt;
	return 0;
}
long conn_rw(int fd, void *buf, size_t n, bool out)
{
	(void)fd, (void)buf, (void)n, (void)out;
	return -ENOSYS;
}

static long wrote, got;	   /* per pipe */
static long bytes = BYTES; /* to send through each pipe */

static void *writer(void *arg)
{
	(void)arg;
	me = 1;
	static u8 buf[PIPE_SIZE];
	long done = 0;
	for (size_t chunk = 1; done < bytes; chunk = chunk * 3 % 9973 + 1) {
		size_t k = MIN(chunk, (size_t)(bytes - done));
		for (size_t i = 0; i < k; i++)
			buf[i] = (u8)((done + i) * 13);
		long r = pipe_write_all(4, buf, k);
		if (r != (long)k)
			break;
		done += k;
	}
	wrote = done;
	/* close, as the kernel's hw_close does: closed, then kick the reader */
	__atomic_store_n(&hdr->closed[1], 1, __ATOMIC_SEQ_CST);
	host_send(0);
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	me = 0;
	static u8 buf[PIPE_SIZE];
	long done = 0, r;
	for (size_t chunk = 7; (r = pipe_rw(3, buf, chunk, false)) > 0;
	     chunk = chunk * 5 % 12007 + 1) {
		for (long i = 0; i < r; i++)
			if (buf[i] != (u8)((done + i) * 13))
				goto out; /* got stays short */
		done += r;
	}
	got = r == 0 ? done : r;
out:
	/* close, as hw_close does, so that a writer waiting for room ends
	   (-EPIPE) instead of hanging when the bytes came wrong */
	__atomic_store_n(&hdr->closed[0], 1, __ATOMIC_SEQ_CST);
	host_send(1);
	return NULL;
}

/* n pipes of `size` bytes each through the two threads. */
static void pipes(int n, long size)
{
	bytes = size;
	for (int i = 0; i < n && !lost; i++) {
		memset(region, 0, sizeof(region));
		u32 start = 0xffffffffu - i * 1000;
		hdr->head[0].v = hdr->tail[0].v = hdr->head[1].v = hdr->tail[1].v = start;
		pipe_forget(3);
		pipe_forget(4);
		pending[0] = pending[1] = 0;
		wrote = got = -1;
		/* attach both ends here: the library's table is not for two
		   threads attaching at once (pipe.c: one thread per end) */
		assert_int_equal(pipe_avail(3), 0);
		assert_int_equal(pipe_room(4), PIPE_SIZE);
		pthread_t w, r;
		assert_int_equal(pthread_create(&r, NULL, reader, NULL), 0);
		assert_int_equal(pthread_create(&w, NULL, writer, NULL), 0);
		pthread_join(w, NULL);
		pthread_join(r, NULL);
		assert_int_equal(lost, 0);
		assert_int_equal(wrote, size);
		assert_int_equal(got, size);
	}
	assert_int_equal(races, 0);
}

static void test_two_threads(void **state)
{
	(void)state;
	pipes(NPIPES, BYTES);
}

/* Many short pipes: the writer closes while the reader looks (end of file). */
static void test_end_of_file(void **state)
{
	(void)state;
	pipes(2000, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_threads),
	    cmocka_unit_test(test_end_of_file),
	};
	return cmocka_run_group_tests_name("pipe_race", tests, NULL, NULL);
}
