/*
 * malloc.c - a small allocator over a static arena.
 *
 * The kernel has no opcode yet to map more memory into a process, so the
 * heap is an array in .bss: HEAP_SIZE bytes, allocated (and zeroed) by
 * the kernel when it loads the program. Kept modest for that reason; a
 * program that needs more (the file server) defines `heap` and
 * `heap_size` itself, and its definitions win over the weak ones here.
 *
 * Every block starts with a header holding its size. Blocks never handed
 * out lie beyond `top`; freed blocks go on a free list kept in address
 * order, so that free() can merge a block with free neighbours and the
 * heap does not crumble into pieces too small to use. malloc() takes the
 * first free block big enough, splitting off what it does not need.
 *
 * Threads share the heap: one lock, a word taken with an atomic
 * exchange, keeps malloc and free whole. A thread that finds it taken
 * spins; the holder is at most a list walk away from letting go.
 */
#include "user.h"

#define HEAP_SIZE (256 * 1024)

struct block {
	size_t size;	    /* bytes, header included; a multiple of 16 */
	struct block *next; /* on the free list */
};

__attribute__((weak, aligned(16))) char heap[HEAP_SIZE];
__attribute__((weak)) size_t heap_size = HEAP_SIZE; /* not const: the compiler would fold it */
static size_t top;				    /* heap[top..] has never been handed out */
static struct block *freelist;			    /* in address order */

static int locked;

static void lock(void)
{
	while (__atomic_exchange_n(&locked, 1, __ATOMIC_ACQUIRE))
		;
}

static void unlock(void)
{
	__atomic_store_n(&locked, 0, __ATOMIC_RELEASE);
}

static void *alloc(size_t n)
{
	size_t need = ROUND_UP(n, 16) + sizeof(struct block);
	for (struct block **pp = &freelist; *pp; pp = &(*pp)->next) {
		struct block *b = *pp;
		if (b->size < need)
			continue;
		if (b->size - need >= 2 * sizeof(struct block)) {
			/* hand out the end of b; b stays on the list, smaller */
			b->size -= need;
			b = (struct block *)((char *)b + b->size);
			b->size = need;
		} else {
			*pp = b->next;
		}
		return b + 1;
	}
	if (heap_size - top < need)
		return NULL;
	struct block *b = (struct block *)(heap + top);
	b->size = need;
	top += need;
	return b + 1;
}

void *malloc(size_t n)
{
	if (n == 0 || n > heap_size)
		return NULL;
	lock();
	void *p = alloc(n);
	unlock();
	return p;
}

/* Does a end where b begins? */
static bool adjacent(struct block *a, struct block *b)
{
	return (char *)a + a->size == (char *)b;
}

static void block_release(void *p)
{
	struct block *b = (struct block *)p - 1, *prev = NULL, *next = freelist;
	while (next && next < b) {
		prev = next;
		next = next->next;
	}
	b->next = next;
	if (next && adjacent(b, next)) {
		b->size += next->size;
		b->next = next->next;
	}
	if (prev && adjacent(prev, b)) {
		prev->size += b->size;
		prev->next = b->next;
	} else if (prev) {
		prev->next = b;
	} else {
		freelist = b;
	}
}

void free(void *p)
{
	if (!p)
		return;
	lock();
	block_release(p);
	unlock();
}
