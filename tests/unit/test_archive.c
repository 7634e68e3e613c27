/*
 * test_archive.c - the boot archive reader (kernel/archive.c) on the
 * host: finding and listing files in a good newc archive, padding of
 * every length, and archives that are truncated or corrupt - which must
 * never make the reader look outside the archive.
 *
 * The archives are written here, the way `cpio -o -H newc` writes them.
 * The "linked" archive the public functions read is a region defined
 * below in assembly, as archive_data.S defines it in the kernel; the
 * corrupt ones go straight to the static walkers, in buffers that end
 * at an inaccessible page (host_guarded) so that reading past the end
 * crashes the test.
 */
#include "host.h"
#include "abi/ring.h"
#include "../../kernel/archive.c"

#define REGION 16384
asm(".pushsection .data\n"
    ".balign 8\n"
    ".globl archive_start\n"
    "archive_start:\n"
    ".space 16384\n"
    ".globl archive_end\n"
    "archive_end:\n"
    ".popsection\n");

#define DIR 0040755
#define EXE 0100755
#define TXT 0100644

static u8 arc[REGION];
static size_t alen;

static void pad4(void)
{
	while (alen % 4)
		arc[alen++] = 0;
}

/* Append one entry; namesize and filesize as given (for corrupting). */
static void add_raw(const char *name, u32 mode, const void *data, u32 size, u32 namesize)
{
	static u32 ino = 100;
	alen += snprintf((char *)arc + alen, sizeof(arc) - alen,
			 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino++, mode,
			 0, 0, 1, 0x6560f00d, size, 0, 0, 0, 0, namesize, 0);
	memcpy(arc + alen, name, strlen(name) + 1);
	alen += strlen(name) + 1;
	pad4();
	if (data)
		memcpy(arc + alen, data, size);
	alen += data ? size : 0;
	pad4();
}

static void add(const char *name, u32 mode, const char *data)
{
	add_raw(name, mode, data, data ? strlen(data) : 0, strlen(name) + 1);
}

static void trailer(void)
{
	add("TRAILER!!!", 0, NULL);
	while (alen % 512) /* cpio fills the last block */
		arc[alen++] = 0;
}

#define LONG "bin/a-program-with-a-name-longer-than-NAME_MAX"

static void good_archive(void)
{
	alen = 0;
	memset(arc, 0, sizeof(arc));
	add(".", DIR, NULL);
	add("bin", DIR, NULL);
	add("bin/sh", EXE, "SHELL");
	add("bin/echo", EXE, NULL); /* empty file */
	add("./bin/ls", EXE, "ls!");
	add("/etc/motd", TXT, "hello");
	add(LONG, EXE, "x");
	trailer();
}

/* Put arc into the region the public functions read. */
static void link_archive(void)
{
	memset((void *)archive_start, 0, REGION);
	memcpy((void *)archive_start, arc, alen);
}

static int setup(void **state)
{
	(void)state;
	good_archive();
	link_archive();
	return 0;
}

static void expect_file(const char *path, const char *contents)
{
	const void *data = NULL;
	size_t size = 99;
	assert_int_equal(archive_find(path, &data, &size), 0);
	assert_int_equal(size, strlen(contents));
	assert_memory_equal(data, contents, size);
	assert_true((const u8 *)data >= archive_start && (const u8 *)data + size <= archive_end);
}

static void expect_none(const char *path)
{
	const void *data = (void *)1;
	size_t size = 99;
	assert_int_equal(archive_find(path, &data, &size), -ENOENT);
	assert_ptr_equal(data, (void *)1); /* untouched */
	assert_int_equal(size, 99);
}

static void test_find(void **state)
{
	(void)state;
	expect_file("bin/sh", "SHELL");
	expect_file("/bin/sh", "SHELL");
	expect_file("//bin/sh", "SHELL");
	expect_file("bin/echo", "");
	expect_file("bin/ls", "ls!");	  /* stored as "./bin/ls" */
	expect_file("etc/motd", "hello"); /* stored as "/etc/motd" */
	expect_file(LONG, "x");
	expect_none("bin"); /* a directory */
	expect_none(".");
	expect_none("/");
	expect_none("");
	expect_none("bin/s");
	expect_none("bin/sh/");
	expect_none("bin/shell");
	expect_none("TRAILER!!!");
}

static void test_list(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		u64 size;
		unsigned mode;
	} want[] = {
	    {"bin/sh", 5, EXE},
	    {"bin/echo", 0, EXE},
	    {"bin/ls", 3, EXE},
	    {"etc/motd", 5, TXT},
	    {"bin/a-program-with-a-name-longe", 1, EXE}, /* cut short */
	};
	struct dirent d;
	for (int i = 0; i < (int)ARRAY_SIZE(want); i++) {
		memset(&d, 0xff, sizeof(d));
		assert_int_equal(archive_entry(i, &d), 0);
		assert_string_equal(d.name, want[i].name);
		assert_int_equal(d.size, want[i].size);
		assert_int_equal(d.mode, want[i].mode);
		/* nothing stale goes to user space */
		assert_int_equal(d.pad, 0);
		for (size_t j = strlen(d.name); j < sizeof(d.name); j++)
			assert_int_equal(d.name[j], 0);
	}
	memset(&d, 0xff, sizeof(d));
	assert_int_equal(archive_entry(ARRAY_SIZE(want), &d), -ENOENT);
	assert_int_equal(archive_entry(-1, &d), -ENOENT);
	assert_int_equal(archive_entry(-2147483647 - 1, &d), -ENOENT);
	assert_int_equal(archive_entry(2147483647, &d), -ENOENT);
	assert_int_equal((u8)d.name[0], 0xff); /* untouched */
}

/* Names and sizes of every length mod 4: each pad is right. */
static void padding_case(int n, int s, char *name, char *data)
{
	memset(name, 'n', n);
	name[n] = (char)('0' + s); /* names differ in the size */
	name[n + 1] = 0;
	memcpy(data, "abcdefgh", s);
	data[s] = 0;
}

static void test_padding(void **state)
{
	(void)state;
	alen = 0;
	char name[16], data[16];
	for (int n = 1; n <= 8; n++) {
		for (int s = 0; s <= 8; s++) {
			padding_case(n, s, name, data);
			add(name, TXT, data);
		}
	}
	trailer();
	link_archive();
	for (int n = 1; n <= 8; n++) {
		for (int s = 0; s <= 8; s++) {
			padding_case(n, s, name, data);
			expect_file(name, data);
		}
	}
}

/* How many regular files the walker sees in a[0..len). */
static int count(const u8 *a, size_t len)
{
	struct dirent d;
	int n = 0;
	while (nth(a, len, n, &d) == 0)
		n++;
	return n;
}

/* Find path in a guarded copy of arc[0..len): 1 found, 0 not. When
 * found, the data lies inside the copy and (unless NULL) is `contents`. */
static int find_cut(size_t len, const char *path, const char *contents)
{
	u8 *a = host_guarded(arc, len);
	const void *data;
	size_t size;
	int r = find(a, len, path, &data, &size);
	if (r == 0) {
		assert_true((const u8 *)data >= a && size <= len - ((const u8 *)data - a));
		if (contents) {
			assert_int_equal(size, strlen(contents));
			assert_memory_equal(data, contents, size);
		}
	} else {
		assert_int_equal(r, -ENOENT);
	}
	host_unguard(a, len);
	return r == 0;
}

/* Cut the archive at every length: never a read past the end; a file is
 * found only when all of it is there; what comes before the cut stays. */
static void test_truncated(void **state)
{
	(void)state;
	int last = 0;
	for (size_t len = 0; len <= alen; len++) {
		u8 *a = host_guarded(arc, len);
		int n = count(a, len);
		host_unguard(a, len);
		assert_true(n >= last);
		last = n;
		find_cut(len, "bin/sh", "SHELL");
		find_cut(len, "etc/motd", "hello");
	}
	assert_int_equal(last, 5);
	/* cut in the middle of motd's data: motd is gone, sh is not */
	size_t motd = 0;
	while (memcmp(arc + motd, "hello", 5))
		motd++;
	assert_int_equal(find_cut(motd + 4, "etc/motd", "hello"), 0);
	assert_int_equal(find_cut(motd + 4, "bin/sh", "SHELL"), 1);
	assert_int_equal(find_cut(motd + 5, "etc/motd", "hello"), 1);
}

/* Offset of the header of the entry named `name` in arc. */
static size_t header_of(const char *name)
{
	size_t off = 0;
	while (memcmp(arc + off, "070701", 6) || strcmp((char *)arc + off + HDR_SIZE, name)) {
		off += 4;
		assert_true(off + HDR_SIZE < alen);
	}
	return off;
}

static void set_field(size_t hdr, int at, const char *eight)
{
	memcpy(arc + hdr + at, eight, 8);
}

static void test_corrupt_headers(void **state)
{
	(void)state;
	/*
	 * Each case breaks one field of one header, then looks for three files:
	 * bin/sh (before motd), etc/motd, and LONG (after it). 1: found intact;
	 * 0: not found; -1: found, but its size is whatever the header now says.
	 */
	static const struct {
		const char *entry;
		int at; /* offset in the header; -1: the magic */
		const char *value;
		int sh, motd, after;
	} cases[] = {
	    {"bin/sh", -1, "070707", 0, 0, 0},	     /* the old portable format */
	    {"/etc/motd", -1, "070702", 1, 0, 0},    /* the crc format */
	    {"bin/sh", 54, "0000000G", 0, 0, 0},     /* not hex */
	    {"bin/sh", 54, " 0000005", 0, 0, 0},     /* not hex either */
	    {"bin/sh", 14, "000081-D", 0, 0, 0},     /* mode */
	    {"bin/sh", 94, "0000000x", 0, 0, 0},     /* name size */
	    {"bin/sh", 14, "000041ED", 0, 1, 1},     /* now a directory */
	    {"/etc/motd", 54, "00000005", 1, 1, 1},  /* unchanged: the control */
	    {"/etc/motd", 54, "FFFFFFFF", 1, 0, 0},  /* data far past the end */
	    {"/etc/motd", 54, "00001000", 1, 0, 0},  /* data just past the end */
	    {"/etc/motd", 94, "00000000", 1, 0, 0},  /* no name at all */
	    {"/etc/motd", 94, "FFFFFFFF", 1, 0, 0},  /* name past the end */
	    {"/etc/motd", 94, "00000009", 1, 0, 0},  /* name without its NUL */
	    {"/etc/motd", 54, "00000004", 1, -1, 0}, /* next header misplaced */
	    {"/etc/motd", 54, "00000000", 1, -1, 0}, /* next header misplaced */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		good_archive();
		size_t h = header_of(cases[i].entry);
		if (cases[i].at < 0)
			memcpy(arc + h, cases[i].value, 6);
		else
			set_field(h, cases[i].at, cases[i].value);
		int sh = find_cut(alen, "bin/sh", "SHELL");
		int motd = find_cut(alen, "etc/motd", cases[i].motd < 0 ? NULL : "hello");
		int after = find_cut(alen, LONG, "x");
		if (sh != cases[i].sh || motd != !!cases[i].motd || after != cases[i].after)
			fail_msg("case %zu: found %d %d %d", i, sh, motd, after);
		/* ...and the same archive ending right after that header */
		find_cut(h + HDR_SIZE + 12, "etc/motd", NULL);
	}
	/* no name, and a NUL just before where it would be: still corrupt */
	good_archive();
	size_t h = header_of("/etc/motd");
	set_field(h, 94, "00000000");
	set_field(h, 102, "0000000"); /* its 8th byte is the string's NUL */
	assert_int_equal(find_cut(alen, "etc/motd", NULL), 0);
	assert_int_equal(find_cut(alen, "", NULL), 0);
}

static void test_lowercase_and_no_trailer(void **state)
{
	(void)state;
	/* lower-case hex digits are hex too */
	size_t h = header_of("bin/sh");
	set_field(h, 14, "000081ed");
	assert_int_equal(find_cut(alen, "bin/sh", "SHELL"), 1);
	/* no trailer: the walk stops at the zeros; what came before is there */
	good_archive();
	alen = header_of("TRAILER!!!");
	memset(arc + alen, 0, 512);
	alen += 512;
	assert_int_equal(find_cut(alen, LONG, "x"), 1);
	assert_int_equal(find_cut(alen, "nothing", ""), 0);
	/* nor anything after it: a trailer ends the archive */
	good_archive();
	alen = header_of("TRAILER!!!");
	trailer();
	add("bin/late", EXE, "late");
	assert_int_equal(find_cut(alen, "bin/late", "late"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_find, setup),
	    cmocka_unit_test_setup(test_list, setup),
	    cmocka_unit_test_setup(test_padding, setup),
	    cmocka_unit_test_setup(test_truncated, setup),
	    cmocka_unit_test_setup(test_corrupt_headers, setup),
	    cmocka_unit_test_setup(test_lowercase_and_no_trailer, setup),
	};
	return cmocka_run_group_tests_name("archive", tests, NULL, NULL);
}
