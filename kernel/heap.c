/*
 * heap.c - kmalloc/kfree: small kernel objects of any size.
 *
 * Requests up to 2 KiB come from size classes (32, 64, ..., 2048 bytes):
 * each class carves whole pages into equal slots and keeps its free
 * slots on a list. Larger requests get their own block of pages from the
 * buddy allocator. Every allocation starts with a 16-byte header that says
 * which of the two it is, so kfree() needs no size and can catch a
 * pointer it never handed out:
 *
 *        header (16 bytes)          what the caller gets
 *   +-----------+-----------+---------------------------------+
 *   |   magic   | class or  |  size bytes, 16-byte aligned    |
 *   |           | page order|                                 |
 *   +-----------+-----------+---------------------------------+
 */
#include "kernel.h"

#define HEAP_MAGIC 0x6475657448656170ull /* "duetHeap" */
#define FREE_MAGIC 0x6475657446726565ull /* "duetFree": catches double frees */
#define MIN_SHIFT  5			 /* smallest class: 32 bytes */
#define NCLASS	   7			 /* 32 .. 2048 */
#define BIG	   0x100		 /* `kind` flag: a page block */

struct header {
	u64 magic;
	u64 kind; /* class index, or BIG | page order */
};

struct slot {
	struct header h;
	struct slot *next; /* while free */
};

static struct spinlock heap_lock = {0, "heap", -1};
static struct slot *free_slots[NCLASS];
/* Bytes in free slots. The heap keeps every page it grows to, so the
 * page allocator's free count alone reads a grown heap as lost memory;
 * free pages plus these bytes do not change unless something leaks
 * (OP_STATS reports both: docs/memory.md). Under heap_lock. */
static u64 slot_bytes;

static size_t class_size(int c)
{
	return (size_t)1 << (c + MIN_SHIFT);
}

/* Refill class c with one page of slots. */
static bool grow(int c)
{
	u64 pa = page_alloc(0);
	if (!pa)
		return false;
	u8 *page = P2V(pa);
	for (size_t off = 0; off + class_size(c) <= PAGE_SIZE; off += class_size(c)) {
		struct slot *s = (struct slot *)(page + off);
		s->h.magic = FREE_MAGIC;
		s->next = free_slots[c];
		free_slots[c] = s;
		slot_bytes += class_size(c);
	}
	return true;
}

void *kmalloc(size_t n)
{
	size_t need = n + sizeof(struct header);
	if (n == 0 || need < n)
		return NULL;
	if (need > class_size(NCLASS - 1)) {
		int order = 0;
		while ((PAGE_SIZE << order) < need)
			if (++order > PAGE_MAX_ORDER)
				return NULL;
		u64 pa = page_alloc(order);
		if (!pa)
			return NULL;
		struct header *h = P2V(pa);
		h->magic = HEAP_MAGIC;
		h->kind = BIG | order;
		return h + 1;
	}
	int c = 0;
	while (class_size(c) < need)
		c++;
	spin_lock(&heap_lock);
	if (!free_slots[c] && !grow(c)) {
		spin_unlock(&heap_lock);
		return NULL;
	}
	struct slot *s = free_slots[c];
	free_slots[c] = s->next;
	slot_bytes -= class_size(c);
	spin_unlock(&heap_lock);
	s->h.magic = HEAP_MAGIC;
	s->h.kind = c;
	return &s->h + 1;
}

void *kzalloc(size_t n)
{
	void *p = kmalloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct header *h = (struct header *)p - 1;
	if (h->magic != HEAP_MAGIC)
		panic("kfree: %p is not a heap object (or freed twice)", p);
	if (h->kind & BIG) {
		h->magic = FREE_MAGIC;
		page_free(V2P(h), h->kind & ~BIG);
		return;
	}
	if (h->kind >= NCLASS)
		panic("kfree: %p has a corrupt header", p);
	struct slot *s = (struct slot *)h;
	s->h.magic = FREE_MAGIC;
	spin_lock(&heap_lock);
	s->next = free_slots[h->kind];
	free_slots[h->kind] = s;
	slot_bytes += class_size(h->kind);
	spin_unlock(&heap_lock);
}

u64 heap_free_bytes(void)
{
	spin_lock(&heap_lock);
	u64 n = slot_bytes;
	spin_unlock(&heap_lock);
	return n;
}
