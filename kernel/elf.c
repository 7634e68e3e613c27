/*
 * elf.c - load a static ELF64 executable into a user address space.
 *
 * An ELF executable starts with a file header that says where the
 * program headers are; each PT_LOAD program header describes one segment
 * to place in memory:
 *
 *   file                                   memory (user address space)
 *   +-------------+
 *   | ELF header  |--> phoff, phnum
 *   +-------------+                        vaddr +----------------+
 *   | phdr[0]     |--> offset, filesz ---->      | filesz bytes   |
 *   | phdr[1] ... |    vaddr, memsz, flags       | from the file  |
 *   +-------------+                              +----------------+
 *   | segment     |                              | zeros (.bss)   |
 *   | bytes ...   |                vaddr + memsz +----------------+
 *
 * The image comes from the boot archive, but a program file is still
 * input: every field is checked before it is used (offsets and sizes
 * inside the file, no overflow, segments inside user space and apart),
 * and anything odd is -ENOEXEC. Nothing is mapped until every header has
 * passed, so a malformed file leaves the address space untouched.
 *
 * The archive keeps files only 4-byte aligned, so headers are copied out
 * of the image byte-wise (memcpy) rather than read in place. ELF's own
 * byte order is checked to be little endian, which both our CPUs are.
 */
#include "kernel.h"

#define ELF_MAX_PHDRS 64 /* more program headers than any program of ours needs */

struct elf_ehdr {
	u8 ident[16]; /* "\x7fELF", class, data (byte order), version, ... */
	u16 type;     /* ET_EXEC */
	u16 machine;  /* ELF_MACHINE */
	u32 version;
	u64 entry; /* first instruction */
	u64 phoff; /* program headers: file offset, */
	u64 shoff;
	u32 flags;
	u16 ehsize;
	u16 phentsize; /* each one's size, */
	u16 phnum;     /* how many */
	u16 shentsize, shnum, shstrndx;
};

struct elf_phdr {
	u32 type;  /* PT_* */
	u32 flags; /* PF_* */
	u64 offset, vaddr, paddr;
	u64 filesz, memsz;
	u64 align;
};

_Static_assert(sizeof(struct elf_ehdr) == 64, "ELF64 file header");
_Static_assert(sizeof(struct elf_phdr) == 56, "ELF64 program header");

#define EI_CLASS    4
#define EI_DATA	    5
#define EI_VERSION  6
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC	    2
#define PT_LOAD	    1
#define PT_INTERP   3
#define PF_X	    1
#define PF_W	    2

static bool header_ok(const struct elf_ehdr *h, size_t size)
{
	return h->ident[0] == 0x7f && h->ident[1] == 'E' && h->ident[2] == 'L' &&
	       h->ident[3] == 'F' && h->ident[EI_CLASS] == ELFCLASS64 &&
	       h->ident[EI_DATA] == ELFDATA2LSB && h->ident[EI_VERSION] == EV_CURRENT &&
	       h->type == ET_EXEC && h->machine == ELF_MACHINE && h->version == EV_CURRENT &&
	       h->phentsize == sizeof(struct elf_phdr) && h->phnum <= ELF_MAX_PHDRS &&
	       h->phoff <= size && (u64)h->phnum * sizeof(struct elf_phdr) <= size - h->phoff;
}

/* A PT_LOAD segment we can place. Page 0 stays unmapped so that a null
 * pointer faults. Segments sharing a page are caught when mapping. */
static bool segment_ok(const struct elf_phdr *p, size_t size)
{
	return p->filesz <= p->memsz && p->offset <= size && p->filesz <= size - p->offset &&
	       p->vaddr >= PAGE_SIZE && p->vaddr < USER_TOP && p->memsz <= USER_TOP - p->vaddr &&
	       !(p->align & (p->align - 1)) && /* 0, 1 or a power of two */
	       (p->align <= 1 || !((p->vaddr - p->offset) & (p->align - 1)));
}

static void read_phdr(const void *image, const struct elf_ehdr *h, int i, struct elf_phdr *p)
{
	memcpy(p, (const u8 *)image + h->phoff + (u64)i * sizeof(*p), sizeof(*p));
}

/*
 * Map one checked segment and fill it. uvm_alloc's pages are zeroed, so
 * only the file's bytes need copying; they go through the direct map
 * because a read-only or execute-only segment refuses copyout.
 */
static int load_segment(struct pagetable *pt, const u8 *image, const struct elf_phdr *p)
{
	unsigned prot = VM_U | VM_R;
	if (p->flags & PF_W)
		prot |= VM_W;
	if (p->flags & PF_X)
		prot |= VM_X;
	u64 start = ROUND_DOWN(p->vaddr, PAGE_SIZE);
	int r = uvm_alloc(pt, start, ROUND_UP(p->vaddr + p->memsz, PAGE_SIZE) - start, prot);
	if (r < 0)
		return r == -ENOMEM ? -ENOMEM : -ENOEXEC; /* -EEXIST: overlaps another segment */

	const u8 *src = image + p->offset;
	u64 va = p->vaddr, n = p->filesz;
	while (n) {
		u64 k = MIN(n, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		memcpy(P2V(vm_translate(pt, va)), src, k);
		src += k;
		va += k;
		n -= k;
	}
	return 0;
}

/*
 * Load the executable image[0..size) into pt and set *entry. 0, -ENOEXEC
 * (malformed, or not for this machine) or -ENOMEM. After a failure the
 * address space may hold some segments: the caller destroys it.
 */
int elf_load(struct pagetable *pt, const void *image, size_t size, u64 *entry)
{
	struct elf_ehdr h;
	struct elf_phdr p;
	if (size < sizeof(h))
		return -ENOEXEC;
	memcpy(&h, image, sizeof(h));
	if (!header_ok(&h, size))
		return -ENOEXEC;

	/* Check every program header, and that the entry point is code. */
	bool entry_ok = false;
	for (int i = 0; i < h.phnum; i++) {
		read_phdr(image, &h, i, &p);
		if (p.type == PT_INTERP)
			return -ENOEXEC; /* wants a dynamic linker: we load static programs only */
		if (p.type != PT_LOAD)
			continue;
		if (!segment_ok(&p, size))
			return -ENOEXEC;
		if ((p.flags & PF_X) && h.entry - p.vaddr < p.memsz)
			entry_ok = true;
	}
	if (!entry_ok)
		return -ENOEXEC;

	/* The image is in kernel memory and cannot change: reading it again is safe. */
	for (int i = 0; i < h.phnum; i++) {
		read_phdr(image, &h, i, &p);
		if (p.type == PT_LOAD && p.memsz) {
			int r = load_segment(pt, image, &p);
			if (r < 0)
				return r;
		}
	}
	*entry = h.entry;
	return 0;
}
