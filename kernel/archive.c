/*
 * archive.c - the boot archive: the programs the kernel can spawn before
 * any file system exists, linked into the kernel image (archive_data.S).
 *
 * It is a cpio archive in the "newc" format, as made by
 * `cpio -o -H newc`. Each file is a 110-byte header of ASCII text, its
 * name, then its data; each of the three is a plain byte string, and the
 * name and the data are each padded with NULs to a multiple of 4 bytes
 * from the start of the archive. An entry named "TRAILER!!!" ends it.
 *
 *   0      6        14       22       30       38       46       54
 *   +------+--------+--------+--------+--------+--------+--------+--
 *   |070701|  ino   |  mode  |  uid   |  gid   | nlink  | mtime  |
 *   +------+--------+--------+--------+--------+--------+--------+--
 *   54       62       70       78       86       94       102     110
 *   --+--------+--------+--------+--------+--------+--------+--------+
 *     |filesize|devmajor|devminor|rdevmaj |rdevmin |namesize| check  |
 *   --+--------+--------+--------+--------+--------+--------+--------+
 *   110
 *   +----------------------+-----+----------------------+-----+
 *   | name, NUL-terminated | pad | data (filesize bytes) | pad |  next header...
 *   +----------------------+-----+----------------------+-----+
 *      (namesize bytes)            (both pads: to a multiple of 4)
 *
 * Every number is 8 hexadecimal digits. The bytes come from a build, but
 * are still checked like any input: a header that runs past the end, a
 * wrong magic, a digit that is not hex or a size that does not fit ends
 * the walk, and what comes after it is not found. The archive is read
 * only, so walking it needs no lock.
 */
#include "kernel.h"
#include "abi/ring.h"

#define HDR_SIZE 110
#define S_IFMT	 0170000 /* mode: the file type bits */
#define S_IFREG	 0100000 /* ... a regular file */

extern const u8 archive_start[], archive_end[]; /* archive_data.S */

/* One entry, as found by next_entry(). */
struct entry {
	const char *name; /* without a leading "./" or "/" */
	const u8 *data;
	u64 size;
	u32 mode;
};

/* The number in the 8 hex digits at p; false if one is not a hex digit. */
static bool hex8(const u8 *p, u32 *v)
{
	*v = 0;
	for (int i = 0; i < 8; i++) {
		u8 c = p[i];
		u32 d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		*v = *v << 4 | d;
	}
	return true;
}

/*
 * Decode the entry at offset *off (<= len) of archive a[0..len) into *e
 * and move *off to the next one. False at the trailer, and where the
 * archive is corrupt: the walk ends there either way.
 */
static bool next_entry(const u8 *a, size_t len, size_t *off, struct entry *e)
{
	const u8 *h = a + *off;
	u32 mode, filesize, namesize;
	if (len - *off < HDR_SIZE || memcmp(h, "070701", 6) || !hex8(h + 14, &mode) ||
	    !hex8(h + 54, &filesize) || !hex8(h + 94, &namesize))
		return false;
	/* Offsets stay below len + 2^32 + 3: no overflow in the sums. */
	u64 name = *off + HDR_SIZE, data = ROUND_UP(name + namesize, 4);
	if (namesize == 0 || namesize > len - name || a[name + namesize - 1] != '\0' ||
	    data > len || filesize > len - data)
		return false;

	const char *s = (const char *)a + name;
	if (!strcmp(s, "TRAILER!!!"))
		return false;
	while (*s == '/' || (s[0] == '.' && s[1] == '/'))
		s += *s == '/' ? 1 : 2;
	e->name = s;
	e->mode = mode;
	e->data = a + data;
	e->size = filesize;
	/* The last file's padding may be missing: never step past len. */
	*off = MIN(ROUND_UP(data + filesize, 4), len);
	return true;
}

static bool regular(const struct entry *e)
{
	return (e->mode & S_IFMT) == S_IFREG;
}

static int find(const u8 *a, size_t len, const char *path, const void **data, size_t *size)
{
	while (*path == '/')
		path++;
	size_t off = 0;
	struct entry e;
	while (next_entry(a, len, &off, &e)) {
		if (regular(&e) && !strcmp(e.name, path)) {
			*data = e.data;
			*size = e.size;
			return 0;
		}
	}
	return -ENOENT;
}

static int nth(const u8 *a, size_t len, int index, struct dirent *d)
{
	size_t off = 0;
	struct entry e;
	int i = 0;
	while (next_entry(a, len, &off, &e)) {
		if (regular(&e) && i++ == index) {
			memset(d, 0, sizeof(*d)); /* it goes to user space: no stale bytes */
			d->size = e.size;
			d->mode = e.mode;
			/* a longer name is cut short: the reader sees its start */
			memcpy(d->name, e.name, MIN(strlen(e.name), sizeof(d->name) - 1));
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * The contents of the regular file at `path` ("bin/sh" or "/bin/sh"):
 * 0 with *data and *size set, or -ENOENT.
 */
int archive_find(const char *path, const void **data, size_t *size)
{
	return find(archive_start, archive_end - archive_start, path, data, size);
}

/* The index-th regular file (from 0): 0 with *d filled, or -ENOENT. */
int archive_entry(int index, struct dirent *d)
{
	return nth(archive_start, archive_end - archive_start, index, d);
}
