/*
 * test_elf.c - the ELF loader (kernel/elf.c) on the host: a good image
 * lands where and how its headers say; every kind of malformed image is
 * refused with -ENOEXEC, and a header-level refusal maps nothing; random
 * corruption never crashes and never leaks a page.
 *
 * The images are made here: a file header and three program headers
 * (text, data with .bss, and a GNU_STACK note the loader ignores).
 */
#define HOST_PTE
#include "host.h"
#include "../../kernel/page.c"
#include "../../kernel/vm.c"
#include "../../kernel/uvm.c"
#include "../../kernel/elf.c"
#include "uspace.h"

#define P	     PAGE_SIZE
#define TEXT	     0x400000ull /* text: file 0x1000..0x1180 -> TEXT, R-X */
#define TEXT_SIZE    0x180
#define DATA	     0x403010ull /* data: file 0x2010..0x2030 -> DATA, RW-, */
#define DATA_FILE    0x20	 /* then .bss up to DATA + DATA_MEM */
#define DATA_MEM     0x2000
#define ENTRY	     (TEXT + 0x40)
#define IMAGE_SIZE   0x2030
#define PT_GNU_STACK 0x6474e551

void arch_kernel_map(struct pagetable *kpt)
{
	(void)kpt;
}
void arch_vm_switch(u64 root)
{
	(void)root;
}

static _Alignas(8) u8 img[0x3000];
static struct elf_ehdr *eh = (struct elf_ehdr *)img;
static struct elf_phdr *ph = (struct elf_phdr *)(img + 64);

static void make_image(void)
{
	memset(img, 0, sizeof(img));
	memcpy(eh->ident, "\177ELF", 4);
	eh->ident[EI_CLASS] = ELFCLASS64;
	eh->ident[EI_DATA] = ELFDATA2LSB;
	eh->ident[EI_VERSION] = EV_CURRENT;
	eh->type = ET_EXEC;
	eh->machine = ELF_MACHINE;
	eh->version = EV_CURRENT;
	eh->entry = ENTRY;
	eh->phoff = 64;
	eh->ehsize = 64;
	eh->phentsize = sizeof(struct elf_phdr);
	eh->phnum = 3;
	ph[0] = (struct elf_phdr){PT_LOAD, PF_X | 4, 0x1000, TEXT, TEXT, TEXT_SIZE, TEXT_SIZE, P};
	ph[1] = (struct elf_phdr){PT_LOAD, PF_W | 4, 0x2010, DATA, DATA, DATA_FILE, DATA_MEM, P};
	ph[2] = (struct elf_phdr){PT_GNU_STACK, PF_W | 4, 0, 0, 0, 0, 0, 16};
	for (int i = 0; i < TEXT_SIZE; i++)
		img[0x1000 + i] = (u8)(i + 1);
	for (int i = 0; i < DATA_FILE; i++)
		img[0x2010 + i] = (u8)(0xa0 + i);
}

static int setup(void **state)
{
	uspace_setup(state);
	make_image();
	return 0;
}

static void test_loads_good_image(void **state)
{
	(void)state;
	u64 entry = 0;
	assert_int_equal(elf_load(pt, img, IMAGE_SIZE, &entry), 0);
	assert_int_equal(entry, ENTRY);

	u8 buf[DATA_MEM];
	assert_int_equal(copyin(pt, buf, TEXT, TEXT_SIZE), 0);
	assert_memory_equal(buf, img + 0x1000, TEXT_SIZE);
	assert_int_equal(prot_at(TEXT), VM_U | VM_R | VM_X);
	assert_int_equal(copyout(pt, TEXT, buf, 1), -EFAULT); /* text is read-only */

	/* data at its unaligned address, then zeros to the end of .bss */
	assert_int_equal(copyin(pt, buf, DATA, DATA_MEM), 0);
	assert_memory_equal(buf, img + 0x2010, DATA_FILE);
	for (u64 i = DATA_FILE; i < DATA_MEM; i++)
		assert_int_equal(buf[i], 0);
	/* the bytes before DATA in its first page are zero too */
	assert_int_equal(copyin(pt, buf, DATA - 0x10, 0x10), 0);
	for (int i = 0; i < 0x10; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(prot_at(DATA), VM_U | VM_R | VM_W);
	assert_int_equal(prot_at(DATA + DATA_MEM - 1), VM_U | VM_R | VM_W);
	assert_int_equal(vm_translate(pt, ROUND_UP(DATA + DATA_MEM, P)), VM_UNMAPPED);
	assert_int_equal(vm_translate(pt, TEXT + P), VM_UNMAPPED);
	assert_int_equal(vm_translate(pt, 0), VM_UNMAPPED); /* the stack note maps nothing */

	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

static void test_accepts_edge_cases(void **state)
{
	(void)state;
	u64 entry;
	ph[1].align = 0; /* 0 and 1 mean "no alignment" */
	ph[0].align = 1;
	ph[2] = (struct elf_phdr){PT_LOAD, 4, 0, 0x800000, 0, 0, 0, P}; /* empty: ignored */
	assert_int_equal(elf_load(pt, img, IMAGE_SIZE, &entry), 0);
	assert_int_equal(vm_translate(pt, 0x800000), VM_UNMAPPED);
	uvm_destroy(pt);

	/* a segment that ends exactly at the top of user space */
	pt = uvm_create(0);
	make_image();
	ph[1].vaddr = USER_TOP - DATA_MEM;
	ph[1].offset = 0x2000;
	assert_int_equal(elf_load(pt, img, IMAGE_SIZE, &entry), 0);
	assert_int_not_equal(vm_translate(pt, USER_TOP - 1), VM_UNMAPPED);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

/* Each breaks the image in one way; all are refused before mapping. */
static void bad_short(size_t *size)
{
	*size = 63;
}
static void bad_empty(size_t *size)
{
	*size = 0;
}
static void bad_magic(size_t *size)
{
	(void)size;
	img[1] = 'e';
}
static void bad_class(size_t *size)
{
	(void)size;
	eh->ident[EI_CLASS] = 1;
}
static void bad_big_endian(size_t *size)
{
	(void)size;
	eh->ident[EI_DATA] = 2;
}
static void bad_ident_version(size_t *size)
{
	(void)size;
	eh->ident[EI_VERSION] = 0;
}
static void bad_type(size_t *size)
{
	(void)size;
	eh->type = 3; /* ET_DYN: position independent */
}
static void bad_machine(size_t *size)
{
	(void)size;
	eh->machine = ELF_MACHINE + 1;
}
static void bad_version(size_t *size)
{
	(void)size;
	eh->version = 2;
}
static void bad_phentsize(size_t *size)
{
	(void)size;
	eh->phentsize = 32;
}
static void bad_no_phdrs(size_t *size)
{
	(void)size;
	eh->phnum = 0;
}
static void bad_many_phdrs(size_t *size)
{
	(void)size;
	eh->phnum = ELF_MAX_PHDRS + 1;
}
static void bad_phoff_past_end(size_t *size)
{
	eh->phoff = *size + 8;
}
static void bad_phdrs_past_end(size_t *size)
{
	eh->phoff = *size - sizeof(struct elf_phdr);
}
static void bad_phoff_wraps(size_t *size)
{
	(void)size;
	eh->phoff = ~0ull - 8;
}
static void bad_truncated_phdrs(size_t *size)
{
	*size = 64 + 2 * sizeof(struct elf_phdr);
}
static void bad_filesz_over_memsz(size_t *size)
{
	(void)size;
	ph[0].filesz = ph[0].memsz + 1;
}
static void bad_offset_past_end(size_t *size)
{
	ph[1].offset = *size + P;
	ph[1].vaddr = DATA + P + 0x20; /* still congruent: only the offset is wrong */
}
static void bad_data_past_end(size_t *size)
{
	ph[1].filesz = *size - ph[1].offset + 1;
}
static void bad_offset_wraps(size_t *size)
{
	(void)size;
	ph[1].offset = ~0ull - 0xfef; /* congruent with vaddr: only the wrap is wrong */
}
static void bad_filesz_wraps(size_t *size)
{
	(void)size;
	ph[1].filesz = ph[1].memsz = ~0ull - 0x10;
}
static void bad_page_zero(size_t *size)
{
	(void)size;
	ph[0].vaddr = 0;
	ph[0].offset = 0;
	eh->entry = 0x40;
}
static void bad_kernel_half(size_t *size)
{
	(void)size;
	ph[1].vaddr = USER_TOP + 0x10;
}
static void bad_past_user_top(size_t *size)
{
	(void)size;
	ph[1].vaddr = USER_TOP - P + 0x10;
}
static void bad_memsz_wraps(size_t *size)
{
	(void)size;
	ph[1].memsz = ~0ull - 0x1000;
}
static void bad_align_not_power(size_t *size)
{
	(void)size;
	ph[0].align = 3; /* vaddr - offset is a multiple of it, though */
}
static void bad_align_incongruent(size_t *size)
{
	(void)size;
	ph[1].vaddr = DATA + 8;
}
static void bad_interp(size_t *size)
{
	(void)size;
	ph[2].type = PT_INTERP;
}
static void bad_entry_in_data(size_t *size)
{
	(void)size;
	eh->entry = DATA;
}
static void bad_entry_past_text(size_t *size)
{
	(void)size;
	eh->entry = TEXT + TEXT_SIZE;
}
static void bad_text_not_exec(size_t *size)
{
	(void)size;
	ph[0].flags = 4;
}
static void bad_no_load(size_t *size)
{
	(void)size;
	ph[0].type = ph[1].type = 4; /* PT_NOTE */
}

static void test_refuses_malformed(void **state)
{
	(void)state;
	static void (*const breakers[])(size_t *) = {
	    bad_short,
	    bad_empty,
	    bad_magic,
	    bad_class,
	    bad_big_endian,
	    bad_ident_version,
	    bad_type,
	    bad_machine,
	    bad_version,
	    bad_phentsize,
	    bad_no_phdrs,
	    bad_many_phdrs,
	    bad_phoff_past_end,
	    bad_phdrs_past_end,
	    bad_phoff_wraps,
	    bad_truncated_phdrs,
	    bad_filesz_over_memsz,
	    bad_offset_past_end,
	    bad_data_past_end,
	    bad_offset_wraps,
	    bad_filesz_wraps,
	    bad_page_zero,
	    bad_kernel_half,
	    bad_past_user_top,
	    bad_memsz_wraps,
	    bad_align_not_power,
	    bad_align_incongruent,
	    bad_interp,
	    bad_entry_in_data,
	    bad_entry_past_text,
	    bad_text_not_exec,
	    bad_no_load,
	};
	u64 before = page_free_count();
	for (size_t i = 0; i < ARRAY_SIZE(breakers); i++) {
		make_image();
		size_t size = IMAGE_SIZE;
		breakers[i](&size);
		u64 entry = 0xdead;
		void *image = host_guarded(img, size);
		int r = elf_load(pt, image, size, &entry);
		host_unguard(image, size);
		if (r != -ENOEXEC)
			print_message("breaker %zu: %d\n", i, r);
		assert_int_equal(r, -ENOEXEC);
		assert_int_equal(entry, 0xdead);
		assert_int_equal(page_free_count(), before); /* nothing was mapped */
	}
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

static void test_refuses_overlap(void **state)
{
	(void)state;
	u64 entry;
	/* data in the last page of text: the bytes do not overlap, the page does */
	ph[1].vaddr = TEXT + 0x200;
	ph[1].offset = 0x2200;
	assert_int_equal(elf_load(pt, img, IMAGE_SIZE + 0x200, &entry), -ENOEXEC);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0); /* what was mapped goes with it */

	pt = uvm_create(0);
	make_image();
	ph[2] = ph[0]; /* the same segment twice */
	assert_int_equal(elf_load(pt, img, IMAGE_SIZE, &entry), -ENOEXEC);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	u64 entry, hoard[1024], n = 0;
	while (page_free_count() > 4)
		hoard[n++] = page_alloc(0);
	assert_int_equal(elf_load(pt, img, IMAGE_SIZE, &entry), -ENOMEM);
	while (n)
		page_free(hoard[--n], 0);
	uvm_destroy(pt);
	assert_int_equal(page_free_count(), free0);
}

/* Random corruption: a refusal or a load, never a crash or a leak. */
static void test_random_corruption(void **state)
{
	(void)state;
	u64 seed = 0x9e3779b97f4a7c15ull;
	int loaded = 0;
	uvm_destroy(pt);
	for (int round = 0; round < 3000; round++) {
		make_image();
		for (int k = 0; k < 1 + round % 4; k++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			/* mostly the headers, where the interesting bytes are */
			size_t at = seed % (seed & 0x100 ? IMAGE_SIZE : 64 + 3 * 56);
			img[at] ^= (u8)(seed >> 32) | 1;
		}
		pt = uvm_create(0);
		u64 entry;
		void *image = host_guarded(img, IMAGE_SIZE);
		int r = elf_load(pt, image, IMAGE_SIZE, &entry);
		host_unguard(image, IMAGE_SIZE);
		assert_true(r == 0 || r == -ENOEXEC || r == -ENOMEM);
		loaded += r == 0;
		uvm_destroy(pt);
		assert_int_equal(page_free_count(), free0);
	}
	assert_true(loaded > 0); /* some flips hit bytes that do not matter */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_loads_good_image, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_accepts_edge_cases, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_refuses_malformed, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_refuses_overlap, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_out_of_memory, setup, free_ram),
	    cmocka_unit_test_setup_teardown(test_random_corruption, setup, free_ram),
	};
	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
