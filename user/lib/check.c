/*
 * check.c - the test programs' checks (check.h).
 */
#include "check.h"

static int passed, failed;

void ok(const char *name)
{
	printf("ok %s\n", name);
	__atomic_add_fetch(&passed, 1, __ATOMIC_RELAXED);
}

void fail(const char *name, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("FAIL %s: %s\n", name, why); /* one write: threads don't interleave */
	__atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
}

const char *show(long r)
{
	static char buf[2][64];
	static int k;
	char *s = buf[__atomic_fetch_add(&k, 1, __ATOMIC_RELAXED) % 2];
	if (r < 0)
		snprintf(s, 64, "%ld (%s)", r, errname(r));
	else
		snprintf(s, 64, "%ld", r);
	return s;
}

void expect(const char *name, long got, long want)
{
	if (got == want)
		ok(name);
	else
		fail(name, "got %s, want %s", show(got), show(want));
}

/*
 * Free memory in pages: the page allocator's free pages plus the bytes
 * in the kernel heap's free slots. The heap keeps the pages it grows to,
 * and how far it grows depends on how many objects were alive at once,
 * which depends on the host's timing; counted this way, growth is not a
 * leak and only memory really lost makes the count go down.
 */
static u64 free_pages(void)
{
	struct kstats s;
	return kstats(&s) < 0 ? 0 : s.free_pages + s.heap_free / 4096; /* bytes to pages */
}

u64 free_pages_settled(void)
{
	u64 last = free_pages();
	for (int i = 0; i < 50; i++) {
		sleep_ns(20 * 1000 * 1000);
		u64 now = free_pages();
		if (now == last)
			break;
		last = now;
	}
	return last;
}

u64 free_pages_back(u64 before)
{
	u64 now = free_pages();
	for (int i = 0; i < 6000 && now < before; i++) { /* a minute */
		sleep_ns(10 * 1000 * 1000);
		now = free_pages();
	}
	return now;
}

void expect_no_leak(const char *name, u64 before)
{
	u64 now = free_pages_back(before);
	if (now >= before)
		ok(name);
	else
		fail(name, "%llu free pages before, %llu after: %llu lost", before, now,
		     before - now);
}

int summary(const char *prog)
{
	printf("%s: %d passed, %d failed\n", prog, passed, failed);
	return failed != 0;
}
