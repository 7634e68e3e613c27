/*
 * test_string.c - shared/string.c's memset, memcpy and memmove, which
 * move whole words where they can (the x86_64 string instructions, and
 * the C loops of the other arches): every length 0..80, then every 7th
 * to MAXLEN (through the C loops' 64-word rounds, with every remainder
 * of 8 and of 64 words), at every alignment of both pointers, against
 * a byte-by-byte model, with the bytes around the destination checked
 * untouched. And what they cost (lab perf): a 4 KiB copy or fill, at
 * the alignments a word loop must handle, in host instructions counted
 * one by one.
 */
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "host.h"

/* <unistd.h>'s, which also declares a syscall() other than the kernel's */
pid_t fork(void);
void _exit(int status) __attribute__((noreturn));

/* the host C library has these names: test duet's under others */
#define memset	duet_memset
#define memcpy	duet_memcpy
#define memmove duet_memmove
#define memcmp	duet_memcmp
#define strlen	duet_strlen
#define strcmp	duet_strcmp
#define strncmp duet_strncmp
#include "../../shared/string.c"
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp

/* ... and the C loops other arches use (this host is x86_64), as loop_* */
#define STRING_C_LOOPS
#define memset	loop_memset
#define memcpy	loop_memcpy
#define memmove loop_memmove
#define memcmp	loop_memcmp
#define strlen	loop_strlen
#define strcmp	loop_strcmp
#define strncmp loop_strncmp
#include "../../shared/string.c"
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp

#define MAXLEN 1200
#define SPAN   (MAXLEN + 48)

/* every length up to 80, then a spread of longer ones */
static int next(int n)
{
	return n < 80 ? n + 1 : n + 7;
}

static u8 src[SPAN], dst[SPAN], want[SPAN];

static void fill(u8 *b, u8 seed)
{
	for (int i = 0; i < SPAN; i++)
		b[i] = (u8)(seed + i * 7);
}

static void check_memset(void *(*memset_)(void *, int, size_t))
{
	for (int at = 0; at < 8; at++)
		for (int n = 0; n <= MAXLEN; n = next(n)) {
			fill(dst, 1);
			fill(want, 1);
			for (int i = 0; i < n; i++)
				want[at + i] = 0xa5;
			assert_ptr_equal(memset_(dst + at, 0xa5, n), dst + at);
			assert_memory_equal(dst, want, SPAN);
		}
}

static void check_memcpy(void *(*memcpy_)(void *, const void *, size_t))
{
	fill(src, 100);
	for (int da = 0; da < 8; da++)
		for (int sa = 0; sa < 8; sa++)
			for (int n = 0; n <= MAXLEN; n = next(n)) {
				fill(dst, 1);
				fill(want, 1);
				for (int i = 0; i < n; i++)
					want[da + i] = src[sa + i];
				assert_ptr_equal(memcpy_(dst + da, src + sa, n), dst + da);
				assert_memory_equal(dst, want, SPAN);
			}
}

/* Overlapping both ways, every distance: the result is as if through a buffer. */
static void check_memmove(void *(*memmove_)(void *, const void *, size_t))
{
	for (int from = 0; from < 24; from++)
		for (int to = 0; to < 24; to++)
			for (int n = 0; n <= MAXLEN; n = next(n)) {
				fill(dst, 3);
				fill(want, 3);
				u8 tmp[SPAN];
				for (int i = 0; i < n; i++)
					tmp[i] = dst[from + i];
				for (int i = 0; i < n; i++)
					want[to + i] = tmp[i];
				assert_ptr_equal(memmove_(dst + to, dst + from, n), dst + to);
				assert_memory_equal(dst, want, SPAN);
			}
}

/*
 * The cost of one call, in instructions: a child runs it single-stepped
 * under ptrace and we count the steps - a count, the same on every run
 * however busy the host. The child stops itself before and after the
 * call; what raise() costs cancels out in cost()'s difference.
 */
enum { SET, COPY };
static void *(*copy_fn)(void *, const void *, size_t);
static void *(*set_fn)(void *, int, size_t);
static u8 big_src[4096 + 16], big_dst[4096 + 16];

static long steps(int what, int da, int sa, size_t n)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		if (what == COPY)
			copy_fn(big_dst + da, big_src + sa, n);
		else
			set_fn(big_dst + da, 0xa5, n);
		raise(SIGSTOP);
		_exit(0);
	}
	int st;
	long k = 0;
	waitpid(p, &st, 0);
	for (;;) {
		if (ptrace(PTRACE_SINGLESTEP, p, 0, 0) < 0) {
			kill(p, SIGKILL);
			waitpid(p, &st, 0);
			fail_msg(
			    "cannot single-step a child (ptrace refused): the cost is not counted");
		}
		waitpid(p, &st, 0);
		if (!WIFSTOPPED(st) || WSTOPSIG(st) == SIGSTOP)
			break;
		k++;
	}
	kill(p, SIGKILL);
	waitpid(p, &st, 0);
	return k;
}

/* Instructions for n bytes, less those of the same call for none. */
static long cost(int what, int da, int sa, size_t n)
{
	return steps(what, da, sa, n) - steps(what, da, sa, 0);
}

/*
 * 4 KiB, at most `per` instructions a byte (in tenths): words, not
 * bytes. A byte loop takes about 4 a byte; a word loop about 2 a word,
 * 0.25 a byte, and up to 1.5 a byte where it shifts (src not aligned as
 * dst: two shifts and an or a word, more at the host's -O1).
 */
static void check_cost(const char *name, int what, int da, int sa, int per)
{
	long n = 4096, k = cost(what, da, sa, n);
	print_message("%s: %ld bytes in %ld instructions\n", name, n, k);
	if (k * 10 > n * per)
		fail_msg("%s: %ld bytes (dst at +%d, src at +%d) took %ld instructions: more than "
			 "%d.%d a byte, byte by byte",
			 name, n, da, sa, k, per / 10, per % 10);
}

static void check_costs(const char *arch, void *(*memset_)(void *, int, size_t),
			void *(*memcpy_)(void *, const void *, size_t))
{
	char name[64];
	set_fn = memset_;
	copy_fn = memcpy_;
	snprintf(name, sizeof(name), "%s memset, aligned", arch);
	check_cost(name, SET, 0, 0, 5);
	snprintf(name, sizeof(name), "%s memset, at +3", arch);
	check_cost(name, SET, 3, 0, 5);
	snprintf(name, sizeof(name), "%s memcpy, aligned alike", arch);
	check_cost(name, COPY, 0, 0, 5);
	snprintf(name, sizeof(name), "%s memcpy, both at +5", arch);
	check_cost(name, COPY, 5, 5, 5);
	snprintf(name, sizeof(name), "%s memcpy, not aligned alike", arch);
	check_cost(name, COPY, 0, 3, 25);
}

static void test_words(void **state)
{
	(void)state;
	check_costs("x86_64", duet_memset, duet_memcpy);
	check_costs("C loops", loop_memset, loop_memcpy);
}

static void test_memset(void **state)
{
	(void)state;
	check_memset(duet_memset);
	check_memset(loop_memset);
}

static void test_memcpy(void **state)
{
	(void)state;
	check_memcpy(duet_memcpy);
	check_memcpy(loop_memcpy);
}

static void test_memmove(void **state)
{
	(void)state;
	check_memmove(duet_memmove);
	check_memmove(loop_memmove);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memset),
	    cmocka_unit_test(test_memcpy),
	    cmocka_unit_test(test_memmove),
	    cmocka_unit_test(test_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
