/*
 * fuzz_elf.c - the ELF loader (kernel/elf.c) on any bytes at all, into a
 * user address space on host memory (as tests/unit/test_elf.c does).
 *
 * Whatever the input, elf_load() must return 0, -ENOEXEC or -ENOMEM,
 * never read outside the image (libFuzzer's buffer is exactly the
 * input's size: AddressSanitizer watches its end), and never map
 * anything but the user pages its program headers ask for. When it
 * succeeds, the program must be there as the headers describe it. After
 * each input the address space is destroyed and every page must be back.
 *
 * Run: make fuzz-host (see docs/testing.md, "Host fuzzing").
 */
#define HOST_PTE
#include "fuzz.h"
#include "../../kernel/page.c"
#include "../../kernel/vm.c"
#include "../../kernel/uvm.c"
#include "../../kernel/elf.c"

#define RAM_PAGES 1024 /* 4 MiB: room for real programs, and a limit to hit */

void arch_kernel_map(struct pagetable *kpt)
{
	(void)kpt;
}
void arch_vm_switch(u64 root)
{
	(void)root;
}

static u64 free0; /* free pages with no user address space */

static void fuzz_init(void)
{
	host_ram(RAM_PAGES); /* never freed: it lives as long as the process */
	page_init();
	vm_init();
	/* some kernel mappings, so that a user table that loses its kernel half shows */
	u64 *k = pt_table(vm_kernel()->root);
	for (int i = USER_ENTRIES; i < PT_ENTRIES; i++)
		k[i] = arch_pte_table((u64)i << PAGE_SHIFT, PT_LEVELS - 1);
	free0 = page_free_count();
}

/* The program headers, read our own way (with memcpy, like elf.c). */
struct image {
	const u8 *data;
	size_t size;
	struct elf_ehdr h;
	int nload;
	struct elf_phdr load[ELF_MAX_PHDRS]; /* the PT_LOAD ones */
};

static void read_image(struct image *im, const u8 *data, size_t size)
{
	im->data = data;
	im->size = size;
	im->nload = 0;
	if (size < sizeof(im->h))
		return;
	memcpy(&im->h, data, sizeof(im->h));
	/* 128-bit sums: these checks must not share the loader's overflow bugs */
	for (int i = 0; i < im->h.phnum && i < ELF_MAX_PHDRS; i++) {
		unsigned __int128 at =
		    (unsigned __int128)im->h.phoff + (u64)i * sizeof(struct elf_phdr);
		if (at + sizeof(struct elf_phdr) > size)
			break;
		struct elf_phdr p;
		memcpy(&p, data + (size_t)at, sizeof(p));
		if (p.type == PT_LOAD)
			im->load[im->nload++] = p;
	}
}

/* The segment whose pages cover user address va, or NULL. */
static const struct elf_phdr *segment_at(const struct image *im, u64 va)
{
	for (int i = 0; i < im->nload; i++) {
		const struct elf_phdr *p = &im->load[i];
		unsigned __int128 end = (unsigned __int128)p->vaddr + p->memsz;
		if (p->memsz && va >= ROUND_DOWN(p->vaddr, PAGE_SIZE) &&
		    va < ((end + PAGE_SIZE - 1) & ~(unsigned __int128)(PAGE_SIZE - 1)))
			return p;
	}
	return NULL;
}

/*
 * Visit every leaf of the user half: each one must be a 4 KiB page of
 * the process's own (not VM_SHARED), inside a segment the image asks
 * for, and mapped as that segment's flags say. Returns how many.
 */
static u64 check_leaves(const struct image *im, u64 pa, int level, u64 base)
{
	u64 *t = pt_table(pa), n = 0;
	int entries = level == PT_LEVELS - 1 ? USER_ENTRIES : PT_ENTRIES;
	for (int i = 0; i < entries; i++) {
		u64 va = base + (u64)i * pt_span(level);
		switch (arch_pte_kind(t[i], level)) {
		case PTE_NONE:
			break;
		case PTE_TABLE:
			CHECK(level > 0);
			n += check_leaves(im, arch_pte_addr(t[i]), level - 1, va);
			break;
		case PTE_LEAF: {
			CHECK(level == 0 && va >= PAGE_SIZE && va < USER_TOP);
			const struct elf_phdr *p = segment_at(im, va);
			CHECK(p != NULL); /* nothing the headers did not ask for */
			unsigned want = VM_U | VM_R | (p->flags & PF_W ? VM_W : 0) |
					(p->flags & PF_X ? VM_X : 0);
			CHECK(arch_pte_prot(t[i]) == want);
			u64 page = arch_pte_addr(t[i]);
			CHECK(page >= pm.base_pfn << PAGE_SHIFT &&
			      page < (pm.base_pfn + pm.npages) << PAGE_SHIFT); /* our RAM */
			n++;
			break;
		}
		}
	}
	return n;
}

/* The page at va holds exactly the file's bytes of segment p, and zeros. */
static void check_page(const struct image *im, struct pagetable *pt, const struct elf_phdr *p,
		       u64 va)
{
	static u8 want[PAGE_SIZE];
	memset(want, 0, sizeof(want));
	u64 from = MAX(va, p->vaddr), to = MIN(va + PAGE_SIZE, p->vaddr + p->filesz);
	if (from < to)
		memcpy(want + (from - va), im->data + p->offset + (from - p->vaddr), to - from);
	u64 pa = vm_translate(pt, va);
	CHECK(pa != VM_UNMAPPED);
	CHECK(!memcmp(P2V(pa), want, PAGE_SIZE));
}

/* elf_load said yes: the image deserved it, and it is all there. */
static void check_loaded(const struct image *im, struct pagetable *pt, u64 entry)
{
	const struct elf_ehdr *h = &im->h;
	CHECK(im->size >= sizeof(*h) && !memcmp(h->ident, "\177ELF", 4));
	CHECK(h->type == ET_EXEC && h->machine == ELF_MACHINE && h->phnum <= ELF_MAX_PHDRS);
	CHECK(entry == h->entry);
	bool entry_ok = false;
	u64 pages = 0;
	for (int i = 0; i < im->nload; i++) {
		const struct elf_phdr *p = &im->load[i];
		CHECK(p->filesz <= p->memsz);
		CHECK((unsigned __int128)p->offset + p->filesz <= im->size);
		CHECK(p->vaddr >= PAGE_SIZE && (unsigned __int128)p->vaddr + p->memsz <= USER_TOP);
		if ((p->flags & PF_X) && entry >= p->vaddr && entry - p->vaddr < p->memsz)
			entry_ok = true;
		if (!p->memsz)
			continue;
		u64 start = ROUND_DOWN(p->vaddr, PAGE_SIZE);
		u64 end = ROUND_UP(p->vaddr + p->memsz, PAGE_SIZE);
		pages += (end - start) / PAGE_SIZE;
		for (u64 va = start; va < end; va += PAGE_SIZE)
			check_page(im, pt, p, va);
	}
	CHECK(entry_ok);
	/* segments do not share pages, so every page is counted once */
	CHECK(check_leaves(im, pt->root, PT_LEVELS - 1, 0) == pages);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct image im;
	read_image(&im, data, size);
	struct pagetable *pt = uvm_create(0);
	CHECK(pt != NULL);

	u64 entry = 0xdeadbeef;
	int r = elf_load(pt, data, size, &entry);
	CHECK(r == 0 || r == -ENOEXEC || r == -ENOMEM);
	if (r == 0)
		check_loaded(&im, pt, entry);
	else
		CHECK(entry == 0xdeadbeef);	       /* a refusal sets nothing */
	check_leaves(&im, pt->root, PT_LEVELS - 1, 0); /* even a failed load */

	/* the kernel half is the kernel's, whatever the program said */
	u64 *k = pt_table(vm_kernel()->root), *u = pt_table(pt->root);
	CHECK(!memcmp(u + USER_ENTRIES, k + USER_ENTRIES, USER_ENTRIES * sizeof(u64)));

	uvm_destroy(pt);
	CHECK(page_free_count() == free0); /* not a page leaked, whatever happened */
	return 0;
}
