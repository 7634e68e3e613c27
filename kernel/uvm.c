/*
 * uvm.c - user address spaces: making and tearing down a process's page
 * table, mapping its memory, and copying bytes in and out of it.
 *
 * A user table is an ordinary table (see vm.c) split in two halves at the
 * top level:
 *
 *   root entry   0 .. 255   [0, USER_TOP): the process's own, 4 KiB pages
 *   root entry 256 .. 511   the kernel: copies of the kernel root's entries,
 *                           so they point at the kernel's own lower tables
 *                           and every address space sees the same kernel
 *
 * The user half only ever holds 4 KiB leaves, and each leaf's page is the
 * process's own unless it carries VM_SHARED (a ring or pipe: its owner
 * frees it). So tearing down means: free the leaves we own, then every
 * table of the user half, then the root. The kernel half is never touched.
 *
 * The kernel never dereferences a user address. copyin()/copyout() look
 * each page up in the table, check that the user may read (or write) it,
 * and reach the bytes through the direct map; a bad address is an error
 * returned to the caller, never a fault taken by the kernel.
 *
 * Threads of one process map, unmap and copy at once (and a ring's
 * poller copies for them): pt->lock keeps each of those whole, so a copy
 * never writes into a page that an unmap has already handed back.
 */
#include "kernel.h"

#define USER_ENTRIES (PT_ENTRIES / 2) /* root entries that belong to user space */

/* The user half is exactly the lower half of the root table. */
_Static_assert(USER_TOP == (u64)USER_ENTRIES << (PAGE_SHIFT + 9 * (PT_LEVELS - 1)),
	       "USER_TOP must be where the root table's upper half starts");

/*
 * The level-0 entry for user address `va`, making missing tables on the
 * way if `alloc`. NULL if a table is missing (and !alloc) or memory ran
 * out. Then, if `next` is given, *next is the first address past the
 * hole: the missing table would have covered everything up to there, so
 * a walk over a range can jump over it instead of trying every page.
 */
static u64 *lookup(struct pagetable *pt, u64 va, bool alloc, u64 *next)
{
	u64 pa = pt->root;
	for (int l = PT_LEVELS - 1; l > 0; l--) {
		u64 *e = &pt_table(pa)[pt_index(va, l)];
		if (arch_pte_kind(*e, l) == PTE_TABLE) {
			pa = arch_pte_addr(*e);
			continue;
		}
		/* uvm makes no huge pages, so this entry is empty */
		if (!alloc || !(pa = page_alloc_for(pt->uid, 0))) {
			if (next)
				*next = ROUND_DOWN(va, pt_span(l)) + pt_span(l);
			return NULL;
		}
		*e = arch_pte_table(pa, l);
	}
	return &pt_table(pa)[pt_index(va, 0)];
}

/* [va, va+size) is a non-empty, page-aligned range of user space. */
static bool user_range(u64 va, u64 size)
{
	return !((va | size) & (PAGE_SIZE - 1)) && size && va < USER_TOP && size <= USER_TOP - va;
}

/*
 * Remove the mappings in [va, end), freeing the pages we own. Another
 * thread of the process may be running on another CPU with a
 * translation of one of these pages in its TLB, so a page is freed only
 * after tlb_shootdown() (ipi.c) has made every CPU forget it. The
 * shootdown waits for other CPUs and so must not hold pt->lock: the
 * range goes in batches - clear up to UNMAP_BATCH entries under the
 * lock, shoot down without it, free.
 */
#define UNMAP_BATCH 32
static void unmap_range(struct pagetable *pt, u64 va, u64 end)
{
	while (va < end) {
		u64 pages[UNMAP_BATCH];
		int n = 0, cleared = 0;
		spin_lock(&pt->lock);
		while (va < end && n < UNMAP_BATCH) {
			u64 next;
			u64 *e = lookup(pt, va, false, &next);
			if (!e) {
				va = next;
				continue;
			}
			if (arch_pte_kind(*e, 0) == PTE_LEAF) {
				if (!(arch_pte_prot(*e) & VM_SHARED))
					pages[n++] = arch_pte_addr(*e);
				*e = 0;
				cleared++;
			}
			va += PAGE_SIZE;
		}
		spin_unlock(&pt->lock);
		if (cleared)
			tlb_shootdown(pt);
		for (int i = 0; i < n; i++)
			page_free(pages[i], 0);
	}
}

/*
 * Map [va, va+size): fresh zeroed pages, or with VM_SHARED in prot, the
 * existing pages from `pa` on. User pages are always user-accessible and
 * readable (Sv39 has no write-only pages); no other bits are accepted.
 */
static int map(struct pagetable *pt, u64 va, u64 size, unsigned prot, u64 pa)
{
	if (!user_range(va, size) || (pa & (PAGE_SIZE - 1)) ||
	    (prot & ~(VM_R | VM_W | VM_X | VM_U | VM_SHARED | VM_DEV)) || !(prot & VM_U) ||
	    !(prot & VM_R) || ((prot & VM_DEV) && !(prot & VM_SHARED)))
		return -EINVAL;

	spin_lock(&pt->lock);
	/* Refuse before changing anything, so -EEXIST leaves the table as it was. */
	for (u64 a = va; a < va + size;) {
		u64 next;
		u64 *e = lookup(pt, a, false, &next);
		if (e && arch_pte_kind(*e, 0) != PTE_NONE) {
			spin_unlock(&pt->lock);
			return -EEXIST;
		}
		a = e ? a + PAGE_SIZE : next;
	}

	/* More than is free cannot succeed: say so before draining the allocator. */
	if (!(prot & VM_SHARED) && size / PAGE_SIZE > page_free_count()) {
		spin_unlock(&pt->lock);
		return -ENOMEM;
	}

	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		u64 *e = lookup(pt, va + off, true, NULL);
		u64 page = !e ? 0 : (prot & VM_SHARED) ? pa + off : page_alloc_for(pt->uid, 0);
		if (!page) {
			/* Give back the pages mapped so far; the tables made on the
			 * way stay (empty) and go with the address space. */
			spin_unlock(&pt->lock);
			unmap_range(pt, va, va + off);
			return -ENOMEM;
		}
		*e = arch_pte_leaf(page, prot, 0);
		/* RISC-V may have cached "nothing here" (x86 never does): without
		 * Svvptc, a PTE made valid needs an sfence.vma before use too. */
		arch_tlb_flush_page(va + off);
	}
	spin_unlock(&pt->lock);
	return 0;
}

/* A new address space for uid: an empty user half and the kernel's upper half. */
struct pagetable *uvm_create(int uid)
{
	struct pagetable *pt = kmalloc(sizeof(*pt));
	if (!pt)
		return NULL;
	pt->uid = uid;
	if (!(pt->root = page_alloc_for(uid, 0))) {
		kfree(pt);
		return NULL;
	}
	spin_init(&pt->lock, "uvm");
	u64 *k = pt_table(vm_kernel()->root);
	u64 *u = pt_table(pt->root);
	for (int i = USER_ENTRIES; i < PT_ENTRIES; i++)
		u[i] = k[i];
	return pt;
}

/* Free what the `n` entries of table `t` at `level` lead to. */
static void free_entries(u64 *t, int n, int level)
{
	for (int i = 0; i < n; i++) {
		switch (arch_pte_kind(t[i], level)) {
		case PTE_TABLE:
			free_entries(pt_table(arch_pte_addr(t[i])), PT_ENTRIES, level - 1);
			page_free(arch_pte_addr(t[i]), 0);
			break;
		case PTE_LEAF: /* level 0: uvm makes no huge pages */
			if (!(arch_pte_prot(t[i]) & VM_SHARED))
				page_free(arch_pte_addr(t[i]), 0);
			break;
		case PTE_NONE:
			break;
		}
	}
}

/*
 * Free the address space: its own pages, its user-half tables, the root
 * and the struct. It must not be loaded on any CPU (switch away first):
 * loading another table drops this one's translations.
 */
void uvm_destroy(struct pagetable *pt)
{
	free_entries(pt_table(pt->root), USER_ENTRIES, PT_LEVELS - 1);
	page_free(pt->root, 0);
	kfree(pt);
}

/* Map fresh zeroed pages at [va, va+size). 0, -EINVAL, -EEXIST or -ENOMEM. */
int uvm_alloc(struct pagetable *pt, u64 va, u64 size, unsigned prot)
{
	if (prot & VM_SHARED)
		return -EINVAL; /* fresh pages are ours: destroy must free them */
	return map(pt, va, size, prot, 0);
}

/*
 * Map someone else's pages [pa, pa+size) at va; destroy leaves them
 * alone. Physical page 0 is never RAM we hand out, so pa 0 is a bug.
 */
int uvm_share(struct pagetable *pt, u64 va, u64 pa, u64 size, unsigned prot)
{
	if (!pa)
		return -EINVAL;
	return map(pt, va, size, prot | VM_SHARED, pa);
}

/* Unmap [va, va+size), on every CPU; holes in it are fine. */
int uvm_unmap(struct pagetable *pt, u64 va, u64 size)
{
	if (!user_range(va, size))
		return -EINVAL;
	unmap_range(pt, va, va + size);
	return 0;
}

/*
 * The kernel's address of user address `uva` if its page is mapped with
 * every bit of `need`; NULL otherwise. uva must be below USER_TOP.
 */
static u8 *user_byte(struct pagetable *pt, u64 uva, unsigned need)
{
	u64 *e = lookup(pt, uva, false, NULL);
	if (!e || arch_pte_kind(*e, 0) != PTE_LEAF || (arch_pte_prot(*e) & need) != need)
		return NULL;
	/* A driver's device registers (dev.c) are no buffer: the direct map
	 * need not cover them, and reading one may have side effects. */
	if (arch_pte_prot(*e) & VM_DEV)
		return NULL;
	return (u8 *)P2V(arch_pte_addr(*e)) + (uva & (PAGE_SIZE - 1));
}

/* Every byte of [uva, uva+n) is in user space; no wrap-around. */
static bool user_span(u64 uva, u64 n)
{
	return uva <= USER_TOP && n <= USER_TOP - uva;
}

/*
 * Copy n bytes between user address uva and kernel buffer buf, a page at
 * a time: out = to the user (the pages must be writable), else from the
 * user (readable). 0 or -EFAULT.
 */
static int copy(struct pagetable *pt, u64 uva, u8 *buf, size_t n, bool out)
{
	if (!user_span(uva, n))
		return -EFAULT;
	spin_lock(&pt->lock);
	while (n) {
		size_t k = MIN(n, PAGE_SIZE - (uva & (PAGE_SIZE - 1)));
		u8 *u = user_byte(pt, uva, VM_U | (out ? VM_W : VM_R));
		if (!u) {
			spin_unlock(&pt->lock);
			return -EFAULT;
		}
		if (out)
			memcpy(u, buf, k);
		else
			memcpy(buf, u, k);
		buf += k;
		uva += k;
		n -= k;
	}
	spin_unlock(&pt->lock);
	return 0;
}

/* Copy n bytes from user address uva to dst. 0 or -EFAULT. */
int copyin(struct pagetable *pt, void *dst, u64 uva, size_t n)
{
	return copy(pt, uva, dst, n, false);
}

/* Copy n bytes from src to user address uva. 0 or -EFAULT. */
int copyout(struct pagetable *pt, u64 uva, const void *src, size_t n)
{
	return copy(pt, uva, (u8 *)src, n, true);
}

/*
 * Copy a NUL-terminated string of at most max bytes (NUL included) from
 * user address uva to dst. Returns its length without the NUL;
 * -ENAMETOOLONG if the first max bytes hold no NUL (dst is then not
 * terminated); -EFAULT if a byte before the NUL cannot be read. Pages are
 * checked as the string reaches them: it may end just before a hole.
 */
int copyinstr(struct pagetable *pt, char *dst, u64 uva, size_t max)
{
	size_t i = 0;
	int r = -ENAMETOOLONG;
	spin_lock(&pt->lock);
	while (i < max) {
		const u8 *s = uva < USER_TOP ? user_byte(pt, uva, VM_U | VM_R) : NULL;
		if (!s) {
			r = -EFAULT;
			break;
		}
		size_t k = MIN(max - i, PAGE_SIZE - (uva & (PAGE_SIZE - 1)));
		size_t j = 0;
		while (j < k && (dst[i] = s[j]))
			i++, j++;
		if (j < k) {
			r = i;
			break;
		}
		uva += k;
	}
	spin_unlock(&pt->lock);
	return r;
}
