/*
 * page.c - the physical page allocator: a buddy system.
 *
 * Memory is handed out in blocks of 2^order pages, order 0 (4 KiB) to
 * PAGE_MAX_ORDER (4 MiB). A block of order k starts at a page frame
 * number (pfn) that is a multiple of 2^k, so its "buddy" - the other half
 * of the block of order k+1 that contains it - is found by flipping one
 * bit:
 *
 *     buddy(pfn, k) = pfn ^ (1 << k)
 *
 *     order 2:  [ 0  1  2  3 ][ 4  5  6  7 ]   buddies at order 2: 0 and 4
 *     order 1:  [ 0  1 ][ 2  3 ]               buddies at order 1: 0 and 2
 *
 * Allocating splits a larger free block in halves until it has the right
 * size; freeing merges a block with its buddy for as long as the buddy is
 * free too. One byte of metadata per page frame records whether that
 * frame heads a free block (and of which order) or an allocated one, so a
 * wrong or double free is caught instead of corrupting the lists.
 *
 * Free blocks are linked through their own first bytes (via the direct
 * map), so the lists cost no memory of their own.
 */
#include "kernel.h"

struct block {
	struct block *next, *prev;
};

/*
 * meta[pfn - base_pfn]:
 *
 *    7      6      5..0
 *  +------+------+-------+
 *  | FREE | USED | order |   FREE: heads a block on free list `order`
 *  +------+------+-------+   USED: heads a block returned by page_alloc
 *
 * Neither bit: a page inside a block, or a hole (not RAM, or reserved).
 */
#define META_FREE  0x80
#define META_USED  0x40
#define META_ORDER 0x3f

static struct {
	struct spinlock lock;
	struct block free[PAGE_MAX_ORDER + 1]; /* list heads (circular) */
	u8 *meta;
	u64 base_pfn, npages; /* frames covered by meta */
	u64 nfree, ntotal;    /* in pages */
} pm;

static void list_push(struct block *head, struct block *b)
{
	b->next = head->next;
	b->prev = head;
	head->next->prev = b;
	head->next = b;
}

static void list_remove(struct block *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
}

static struct block *pfn_block(u64 pfn)
{
	return P2V(pfn << PAGE_SHIFT);
}

static u8 *meta_of(u64 pfn)
{
	return &pm.meta[pfn - pm.base_pfn];
}

static bool managed(u64 pfn)
{
	return pfn >= pm.base_pfn && pfn < pm.base_pfn + pm.npages;
}

/* Put a block on its free list, merging with free buddies first. */
static void release(u64 pfn, int order)
{
	while (order < PAGE_MAX_ORDER) {
		u64 buddy = pfn ^ (1ull << order);
		if (!managed(buddy) || *meta_of(buddy) != (META_FREE | order))
			break;
		list_remove(pfn_block(buddy));
		*meta_of(buddy) = 0;
		pfn &= ~(1ull << order); /* the merged block starts at the lower half */
		order++;
	}
	*meta_of(pfn) = META_FREE | order;
	list_push(&pm.free[order], pfn_block(pfn));
}

void page_init(void)
{
	struct mem_range r[16];
	int n = arch_memory(r, ARRAY_SIZE(r));
	if (n <= 0)
		panic("page_init: no memory");

	u64 lo = ~0ull, hi = 0;
	for (int i = 0; i < n; i++) {
		lo = MIN(lo, r[i].base);
		hi = MAX(hi, r[i].base + r[i].size);
	}
	pm.base_pfn = lo >> PAGE_SHIFT;
	pm.npages = (hi >> PAGE_SHIFT) - pm.base_pfn;

	/* The metadata takes the first pages of the largest range. */
	int big = 0;
	for (int i = 1; i < n; i++)
		if (r[i].size > r[big].size)
			big = i;
	u64 meta_bytes = ROUND_UP(pm.npages, PAGE_SIZE);
	if (meta_bytes >= r[big].size)
		panic("page_init: no room for metadata");
	pm.meta = P2V(r[big].base);
	memset(pm.meta, 0, meta_bytes);
	r[big].base += meta_bytes;
	r[big].size -= meta_bytes;

	spin_init(&pm.lock, "page");
	for (int k = 0; k <= PAGE_MAX_ORDER; k++)
		pm.free[k].next = pm.free[k].prev = &pm.free[k];

	/* Free each range as the largest aligned blocks that fit in it. */
	for (int i = 0; i < n; i++) {
		u64 pfn = r[i].base >> PAGE_SHIFT;
		u64 end = (r[i].base + r[i].size) >> PAGE_SHIFT;
		while (pfn < end) {
			int k = 0;
			while (k < PAGE_MAX_ORDER && !(pfn & (1ull << k)) &&
			       pfn + (2ull << k) <= end)
				k++;
			release(pfn, k);
			pfn += 1ull << k;
			pm.nfree += 1ull << k;
		}
	}
	pm.ntotal = pm.nfree;
}

/* 2^order pages, if `keep` pages are still free after. */
static u64 alloc(int order, u64 keep)
{
	if (order < 0 || order > PAGE_MAX_ORDER)
		return 0;
	spin_lock(&pm.lock);
	if (pm.nfree < (1ull << order) + keep) {
		spin_unlock(&pm.lock);
		return 0;
	}
	int k = order;
	while (k <= PAGE_MAX_ORDER && pm.free[k].next == &pm.free[k])
		k++;
	if (k > PAGE_MAX_ORDER) {
		spin_unlock(&pm.lock);
		return 0;
	}
	struct block *b = pm.free[k].next;
	list_remove(b);
	u64 pfn = V2P(b) >> PAGE_SHIFT;
	/* Split: keep the lower half, free the upper half, until small enough. */
	while (k > order) {
		k--;
		u64 upper = pfn + (1ull << k);
		*meta_of(upper) = META_FREE | k;
		list_push(&pm.free[k], pfn_block(upper));
	}
	*meta_of(pfn) = META_USED | order;
	pm.nfree -= 1ull << order;
	spin_unlock(&pm.lock);

	memset(b, 0, PAGE_SIZE << order);
	return pfn << PAGE_SHIFT;
}

u64 page_alloc(int order)
{
	return alloc(order, 0);
}

/*
 * Root's reserve (docs/threads.md, "Limits"): the pages a user's objects
 * are made of - a process's image, stacks and page tables, its threads'
 * kernel stacks, its rings, its pipes - come from here, and for any uid
 * but root the last ROOT_RESERVE of memory stays free. So however much
 * users take, root can still start the shell and the `kill` that ends
 * them. Checked under the allocator's lock: two requests at once cannot
 * both dip into the reserve. Users' limits (abi/ring.h) bound the kernel
 * heap their objects cost besides.
 */
#define ROOT_RESERVE(total) ((total) / 8)
u64 page_alloc_for(int uid, int order)
{
	return alloc(order, uid > 0 ? ROOT_RESERVE(pm.ntotal) : 0);
}

void page_free(u64 pa, int order)
{
	u64 pfn = pa >> PAGE_SHIFT;
	if ((pa & (PAGE_SIZE - 1)) || order < 0 || order > PAGE_MAX_ORDER || !managed(pfn))
		panic("page_free: bad block %p order %d", (void *)(uptr)pa, order);
	spin_lock(&pm.lock);
	if (*meta_of(pfn) != (META_USED | order))
		panic("page_free: %p order %d was not allocated (double free?)", (void *)(uptr)pa,
		      order);
	release(pfn, order);
	pm.nfree += 1ull << order;
	spin_unlock(&pm.lock);
}

u64 page_free_count(void)
{
	return __atomic_load_n(&pm.nfree, __ATOMIC_RELAXED);
}

u64 page_total_count(void)
{
	return pm.ntotal;
}
