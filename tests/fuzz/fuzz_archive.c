/*
 * fuzz_archive.c - the boot archive reader (kernel/archive.c) on any
 * bytes at all. However broken the archive, archive_find() and
 * archive_entry() must never read outside it, and what they report must
 * agree: with each other, with the walk underneath, and with the same
 * archive cut shorter.
 *
 * The kernel reads the archive linked into its image, between the
 * symbols archive_start and archive_end. Here those names are bent to
 * mean each input instead (see the #defines below), so the public
 * functions read the very buffer libFuzzer made, of exactly the input's
 * size: one byte read past its end is an AddressSanitizer report.
 *
 * Run: make fuzz-host (see docs/testing.md, "Host fuzzing").
 */
#include "fuzz.h"
#include "abi/ring.h"

/*
 * archive.c declares `extern const u8 archive_start[], archive_end[];`.
 * With these macros that declaration reads
 *   extern const u8 (*fuzz_start)[], (*fuzz_end)[];
 * pointers to arrays that we aim at each input; everywhere else
 * `archive_start` becomes `(*fuzz_start)`, an array that decays to a
 * pointer to the input's first byte, as the linked one would.
 */
static const u8 (*fuzz_start)[], (*fuzz_end)[];
#define archive_start (*fuzz_start)
#define archive_end   (*fuzz_end)
#include "../../kernel/archive.c"
#undef archive_start
#undef archive_end

#define MIN_ENTRY  (HDR_SIZE + 2) /* a header, a 1-byte name, padding: the least an entry takes */
#define MAX_LISTED 64		  /* archive_entry(i) walks from the start: bound the work */
#define MAX_PATH   48

static void fuzz_init(void) {}

/* Every entry the walk finds, regular file or not, in order. */
struct seen {
	size_t off; /* where its header starts */
	struct entry e;
};

/*
 * Walk a[0..len) with next_entry() as find() and nth() do, checking each
 * step: the walk moves forward, and every entry's name and data lie
 * inside the archive, in that order. Returns how many entries it found.
 */
static size_t walk(const u8 *a, size_t len, struct seen *out, size_t max)
{
	size_t off = 0, n = 0;
	struct entry e;
	for (;;) {
		size_t at = off;
		if (!next_entry(a, len, &off, &e))
			break;
		CHECK(off > at && off <= len); /* progress: the walk ends */
		const u8 *name = (const u8 *)e.name;
		CHECK(name >= a + at + HDR_SIZE && name < a + len);
		CHECK(memchr(name, 0, a + len - name) != NULL); /* the NUL is inside */
		CHECK(e.data >= name + strlen(e.name) + 1);	/* data after the name */
		CHECK(e.data <= a + len && e.size <= (u64)(a + len - e.data));
		CHECK((e.data - a) % 4 == 0); /* newc pads to 4 bytes */
		CHECK(n < max);
		out[n].off = at;
		out[n].e = e;
		n++;
	}
	return n;
}

/*
 * The same archive cut to its first `cut` bytes, in a buffer of exactly
 * that size. An entry that ended before the cut is still there,
 * unchanged; the first one that did not, and everything after it, is
 * gone (test_truncated does this for one archive and every cut).
 */
static void check_cut(const u8 *data, const struct seen *full, size_t n, size_t cut, size_t max)
{
	u8 *a = malloc(cut ? cut : 1);
	memcpy(a, data, cut);
	struct seen *part = malloc(max * sizeof(*part));
	size_t m = walk(a, cut, part, max);
	size_t want = 0;
	while (want < n && (size_t)(full[want].e.data - data) + full[want].e.size <= cut)
		want++;
	CHECK(m == want);
	for (size_t i = 0; i < m; i++) {
		CHECK(part[i].off == full[i].off);
		CHECK(part[i].e.size == full[i].e.size && part[i].e.mode == full[i].e.mode);
		CHECK(part[i].e.data - a == full[i].e.data - data);
		CHECK(!strcmp(part[i].e.name, full[i].e.name));
	}
	free(part);
	free(a);
}

/*
 * archive_find(path) finds what the walk says it should: the first
 * regular file named path (after its leading '/'s), inside the archive,
 * whatever number of '/'s it is asked with; or nothing, and then it
 * leaves *data and *size alone.
 */
static void expect_find(const u8 *data, size_t size, const struct seen *full, size_t n,
			const char *path)
{
	const char *want = path;
	while (*want == '/')
		want++;
	size_t i = 0;
	while (i < n && (!regular(&full[i].e) || strcmp(full[i].e.name, want)))
		i++;
	const void *p = (void *)1;
	size_t sz = 12345;
	int r = archive_find(path, &p, &sz);
	if (i == n) {
		CHECK(r == -ENOENT && p == (void *)1 && sz == 12345);
		return;
	}
	CHECK(r == 0 && p == full[i].e.data && sz == full[i].e.size);
	CHECK((const u8 *)p >= data && sz <= (size_t)(data + size - (const u8 *)p));
	char slashed[MAX_PATH + 3] = "//";
	if (strlen(path) <= MAX_PATH) {
		strcpy(slashed + 2, path);
		CHECK(archive_find(slashed, &p, &sz) == 0 && p == full[i].e.data);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	fuzz_start = (const u8(*)[])data;
	fuzz_end = (const u8(*)[])(data + size);

	/* The walk underneath, and its agreement with shorter copies. */
	size_t max = size / MIN_ENTRY + 1;
	struct seen *full = malloc(max * sizeof(*full));
	size_t n = walk(data, size, full, max);
	if (size) {
		check_cut(data, full, n, size - 1, max); /* off by one at the end? */
		/* and somewhere the input chooses: its first byte says where */
		check_cut(data, full, n, (size_t)data[0] * size / 256, max);
	}
	if (n) {
		/* right after one file's data, its padding cut off (byte 1 says which) */
		const struct entry *e = &full[(size > 1 ? data[1] : 0) % n].e;
		check_cut(data, full, n, e->data - data + e->size, max);
	}

	/*
	 * The listing: the walk's regular files, in order, and nothing else;
	 * each a clean dirent (it goes to user space), its name cut short
	 * only if it does not fit.
	 */
	size_t nreg = 0, k = 0;
	for (size_t i = 0; i < n; i++)
		nreg += regular(&full[i].e);
	struct dirent d;
	for (int i = 0;; i++) {
		memset(&d, 0xa5, sizeof(d));
		if (archive_entry(i, &d) < 0) {
			CHECK((size_t)i == nreg); /* ends exactly where the files do */
			CHECK((u8)d.name[0] == 0xa5);
			break;
		}
		CHECK(i < MAX_LISTED || nreg >= MAX_LISTED);
		if (i == MAX_LISTED)
			break;		     /* each call walks from the start: enough */
		while (!regular(&full[k].e)) /* its entry in the walk */
			k++;
		struct entry *e = &full[k++].e;
		CHECK(d.pad == 0 && d.mode == e->mode && d.size == e->size);
		size_t len = strnlen(d.name, sizeof(d.name));
		CHECK(len < sizeof(d.name) && !strncmp(d.name, e->name, len));
		CHECK(len == strlen(e->name) || len == sizeof(d.name) - 1);
		for (size_t j = len; j < sizeof(d.name); j++)
			CHECK(d.name[j] == 0); /* no stale kernel bytes */
	}
	CHECK(archive_entry(-1, &d) == -ENOENT);
	CHECK(archive_entry(-2147483647 - 1, &d) == -ENOENT);

	/*
	 * archive_find() agrees with the walk: it finds a path if and only if
	 * a regular file has that name, and then the first such file. Asked
	 * for the name of every entry the walk saw (directories and devices
	 * too), each name cut by one character, and a path of the input's
	 * own choosing: its last bytes.
	 */
	char path[MAX_PATH + 1];
	size_t plen = MIN(size, MAX_PATH);
	memcpy(path, data + size - plen, plen);
	path[plen] = 0;
	expect_find(data, size, full, n, path);
	for (size_t i = 0; i < n && i < MAX_LISTED; i++) {
		expect_find(data, size, full, n, full[i].e.name);
		size_t len = strlen(full[i].e.name);
		if (len && len <= MAX_PATH) {
			memcpy(path, full[i].e.name, len - 1);
			path[len - 1] = 0;
			expect_find(data, size, full, n, path);
		}
	}
	free(full);
	return 0;
}
