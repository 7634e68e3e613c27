/*
 * uintr_host.h - what the user-interrupt tests (test_uintr_*.c) need to
 * run an arch's uintr.c on the host: cmocka, a fake user memory for the
 * struct uintr_mem callbacks, and buffers that end at an inaccessible
 * page.
 *
 * These tests do not include host.h: it brings kernel.h and the
 * imaginary arch of tests/unit/archdef.h, whose struct trapframe is not
 * the one uintr.c works on. arch/<arch>/uintr.c and the trap part of
 * kernel/uintr.c need nothing of the kernel but types.h, uintr.h and
 * arch.h, and arch.h finds the real arch's archdef.h (tests/tests.mk
 * puts arch/<arch> first in the include path for these tests).
 */
#pragma once

/* Leave out the parts of arch/<arch>/uintr.c that drive a real CPU, and
 * the parts of kernel/uintr.c that are about threads. */
#define UINTR_HOST_TEST 1

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "res.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "types.h"
#include "uintr.h"

/*
 * Fake user memory: a few mapped regions, each backed by a host buffer
 * and either read-only or read-write. An access succeeds only if it
 * lies inside one region; anything else is "unmapped" (-1), as copyin
 * and copyout report it.
 */
struct fake_region {
	u64 base;
	size_t size;
	bool writable;
	u8 *bytes;
};

struct fakemem {
	struct fake_region r[4];
	int n;
	int reads, writes; /* successful calls */
};

static inline struct fake_region *fake_find(struct fakemem *f, u64 uva, size_t n)
{
	for (int i = 0; i < f->n; i++) {
		struct fake_region *g = &f->r[i];
		if (uva >= g->base && n <= g->size && uva - g->base <= g->size - n)
			return g;
	}
	return NULL;
}

static inline int fake_read(void *arg, void *dst, u64 uva, size_t n)
{
	struct fakemem *f = arg;
	struct fake_region *g = fake_find(f, uva, n);
	if (!g)
		return -1;
	memcpy(dst, g->bytes + (uva - g->base), n);
	f->reads++;
	return 0;
}

static inline int fake_write(void *arg, u64 uva, const void *src, size_t n)
{
	struct fakemem *f = arg;
	struct fake_region *g = fake_find(f, uva, n);
	if (!g || !g->writable)
		return -1;
	memcpy(g->bytes + (uva - g->base), src, n);
	f->writes++;
	return 0;
}

/* Map [base, base + size), filled with `fill`. */
static inline u8 *fake_map(struct fakemem *f, u64 base, size_t size, bool writable, u8 fill)
{
	assert_true(f->n < 4);
	u8 *b = malloc(size);
	assert_non_null(b);
	memset(b, fill, size);
	f->r[f->n++] = (struct fake_region){base, size, writable, b};
	return b;
}

/* The host byte behind user address uva (which must be mapped). */
static inline u8 *fake_at(struct fakemem *f, u64 uva)
{
	struct fake_region *g = fake_find(f, uva, 1);
	assert_non_null(g);
	return g->bytes + (uva - g->base);
}

static inline void fake_unmap_all(struct fakemem *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->r[i].bytes);
	memset(f, 0, sizeof(*f));
}

static inline struct uintr_mem fake_mem(struct fakemem *f)
{
	return (struct uintr_mem){f, fake_read, fake_write};
}

/* A 64-bit little-endian word of fake memory. */
static inline u64 fake_u64(struct fakemem *f, u64 uva)
{
	u64 v;
	assert_int_equal(fake_read(f, &v, uva, 8), 0);
	return v;
}

/*
 * A copy of src[0..n) that ends exactly where an inaccessible page
 * begins: a decoder that reads past its n bytes crashes the test.
 */
static inline u8 *guarded(const void *src, size_t n)
{
	size_t len = 2 * 4096;
	u8 *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + 4096, 4096, PROT_NONE), 0);
	u8 *p = m + 4096 - n;
	memcpy(p, src, n);
	return p;
}

static inline void unguard(u8 *p, size_t n)
{
	assert_int_equal(munmap(p + n - 4096, 2 * 4096), 0);
}
