/*
 * diskcheck.c - is an on-disk file system (disk.h) consistent? The
 * whole of fsck (tools/fsck.c), and what fsd runs at every mount before
 * it trusts anything on the disk (disktree.c): an image that fails is
 * refused with the first thing found wrong.
 *
 *   superblock  magic, version, a layout that adds up, inside the device
 *   inodes      a free inode is empty; a used one is a file or a
 *               directory, its size in range, every block it names a
 *               data block named once, nothing named past its size
 *   directories walked from the root: no holes, each entry a clean name
 *               (NUL-terminated, no '/', not . or ..), unique in its
 *               directory, naming a used inode - this use of it, with
 *               its mode - and every inode named at most once
 *   link counts nlink 1 = named; nlink 0 and not named = an orphan,
 *               a file unlinked while open (the mount frees it)
 *   bitmap      set exactly for the metadata and the blocks in use
 *
 * A log holding a committed transaction is read as installed (the mount
 * installs it before it checks). Nothing here writes.
 */
#include "../include/disk.h"

void *malloc(size_t n);
void free(void *p);

#define MAX_INODES (1u << 16) /* 12 bytes each here: what fsd can afford */

struct info {
	u32 mode, version;
	u8 nlink, named;
};

struct ck {
	struct bdev *d;
	struct superblock sb;
	struct loghdr *log; /* a committed transaction, or NULL */
	u8 *blk, *used;
	struct info *ino;
	char *msg;
	size_t len;
};

static int bad(struct ck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct ck *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->msg, c->len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int sb_check(const struct superblock *s, u64 devblocks, char *msg, size_t len)
{
	const char *why = NULL;
	u64 inodeblocks = ((u64)s->ninodes + IPB - 1) / IPB;
	if (s->magic != DISK_MAGIC)
		why = "not a duet file system (bad magic)";
	else if (s->version != DISK_VERSION)
		why = "a version of the format this fsd does not know";
	else if (s->bsize != BSIZE)
		why = "a block size other than 4096";
	else if (s->nblocks < 128 || s->nblocks > devblocks)
		why = "its size does not fit the device";
	else if (s->ninodes < 2 || s->ninodes > MAX_INODES)
		why = "a bad number of inodes";
	else if (s->log_start != 1 || s->nlog < 32 || s->nlog > LOG_MAX ||
		 s->inode_start != (u64)s->log_start + 1 + s->nlog)
		why = "a bad log";
	else if (s->bmap_start != s->inode_start + inodeblocks ||
		 s->nbmap != ((u64)s->nblocks + BSIZE * 8 - 1) / (BSIZE * 8) ||
		 s->data_start != (u64)s->bmap_start + s->nbmap || s->data_start >= s->nblocks)
		why = "a layout that does not add up";
	if (why)
		snprintf(msg, len, "superblock: %s", why);
	return why ? -EINVAL : 0;
}

/* Block a as the mount will see it: from the log if a committed
   transaction there has it. */
static int rd(struct ck *c, u32 a, void *buf)
{
	const struct superblock *s = &c->sb;
	for (u32 i = 0; c->log && i < c->log->n; i++)
		if (c->log->block[i] == a)
			a = s->log_start + 1 + i;
	if (c->d->read(c->d, a, 1, buf) < 0) {
		snprintf(c->msg, c->len, "cannot read block %u", a);
		return -EIO;
	}
	return 0;
}

static int mark(struct ck *c, u32 inum, u32 a)
{
	if (a < c->sb.data_start || a >= c->sb.nblocks)
		return bad(c, "inode %u names block %u, not a data block", inum, a);
	if (c->used[a / 8] >> (a % 8) & 1)
		return bad(c, "block %u is named twice (inode %u)", a, inum);
	c->used[a / 8] |= 1 << (a % 8);
	return 0;
}

/* One inode's fields and blocks (pass 1). */
static int inode(struct ck *c, u32 inum, const struct dinode *di, u32 *ind)
{
	static const struct dinode zero;
	struct dinode tmp = *di;
	tmp.version = 0;
	unsigned type = di->mode & S_IFMT;
	*ind = 0;
	if (di->mode == 0)
		return memcmp(&tmp, &zero, sizeof(zero))
			   ? bad(c, "inode %u is free but not empty", inum)
			   : 0;
	if (inum == 0)
		return bad(c, "inode 0 is in use");
	if ((type != S_IFREG && type != S_IFDIR) || (di->mode & ~(S_IFMT | 07777)))
		return bad(c, "inode %u has a bad mode %o", inum, di->mode);
	if (di->nlink > 1)
		return bad(c, "inode %u has nlink %u", inum, di->nlink);
	if (di->version == 0)
		return bad(c, "inode %u is in use but was never allocated", inum);
	u64 tail, nb = disk_blocks(di, di->size, &tail);
	if (nb > NDIRECT + NINDIRECT || (type == S_IFDIR && di->size % sizeof(struct fs_dirent)))
		return bad(c, "inode %u has a bad size %llu", inum, di->size);
	for (u32 bn = 0; bn < NDIRECT; bn++) {
		u32 a = di->addr[bn];
		if (a && bn >= nb)
			return bad(c, "inode %u names block %u past its size", inum, a);
		if (!a && bn < nb && type == S_IFDIR)
			return bad(c, "directory %u has a hole", inum);
		if (a && mark(c, inum, a) < 0)
			return -EINVAL;
	}
	u32 ia = di->addr[NDIRECT];
	if (ia && nb <= NDIRECT)
		return bad(c, "inode %u has an indirect block past its size", inum);
	if (!ia && nb > NDIRECT && type == S_IFDIR)
		return bad(c, "directory %u has a hole", inum);
	if (!ia)
		return 0;
	int r = mark(c, inum, ia);
	if (r < 0 || (r = rd(c, ia, c->blk)) < 0)
		return r;
	const u32 *a = (const u32 *)c->blk;
	for (u32 j = 0; j < NINDIRECT; j++) {
		if (a[j] && NDIRECT + j >= nb)
			return bad(c, "inode %u names block %u past its size", inum, a[j]);
		if (!a[j] && NDIRECT + j < nb && type == S_IFDIR)
			return bad(c, "directory %u has a hole", inum);
		if (a[j] && (r = mark(c, inum, a[j])) < 0)
			return r;
	}
	*ind = ia;
	return 0;
}

/* A set of names' hashes: a repeated name in one directory. */
static u64 hash(const char *s)
{
	u64 h = 14695981039346656037ull;
	while (*s)
		h = (h ^ (u8)*s++) * 1099511628211ull;
	return h | 1; /* 0 marks an empty slot */
}

/* Directory inum (pass 2): its entries, and the inodes they name. */
static int directory(struct ck *c, u32 inum, u32 *queue, u32 *tail)
{
	struct dinode di;
	u32 ind[NINDIRECT];
	int r = rd(c, c->sb.inode_start + inum / IPB, c->blk);
	if (r < 0)
		return r;
	memcpy(&di, c->blk + inum % IPB * sizeof(di), sizeof(di));
	u64 n = di.size / sizeof(struct fs_dirent);
	if (n > DPB * NDIRECT) {
		if ((r = rd(c, di.addr[NDIRECT], c->blk)) < 0)
			return r;
		memcpy(ind, c->blk, sizeof(ind));
	}
	u64 nset = 2 * n + 1;
	u64 *set = malloc(nset * sizeof(*set));
	if (!set)
		return bad(c, "no memory to check directory %u", inum);
	memset(set, 0, nset * sizeof(*set));
	for (u64 i = 0; i < n && r == 0; i++) {
		u64 bn = i / DPB;
		if (i % DPB == 0)
			r = rd(c, bn < NDIRECT ? di.addr[bn] : ind[bn - NDIRECT], c->blk);
		if (r < 0)
			break;
		const struct fs_dirent *e = (const struct fs_dirent *)c->blk + i % DPB;
		const char *name = e->name;
		size_t len = 0;
		while (len < sizeof(e->name) && name[len] && name[len] != '/')
			len++;
		if (len == sizeof(e->name) || name[len] || len == 0 || !strcmp(name, ".") ||
		    !strcmp(name, "..")) {
			r = bad(c, "directory %u: entry %llu has a bad name", inum, i);
			break;
		}
		u64 h = hash(name), k = h % nset;
		while (set[k] && set[k] != h)
			k = (k + 1) % nset;
		if (set[k]) {
			r = bad(c, "directory %u: the name %s is there twice", inum, name);
			break;
		}
		set[k] = h;
		u32 child = e->ino % c->sb.ninodes;
		struct info *ci = &c->ino[child < c->sb.ninodes ? child : 0];
		if (child <= ROOT_INUM || child >= c->sb.ninodes || !ci->mode)
			r = bad(c, "directory %u: %s names inode %u, not a used inode", inum, name,
				child);
		else if (ci->version - 1 != e->ino / c->sb.ninodes || ci->mode != e->mode)
			r = bad(c, "directory %u: %s names inode %u, which has changed since", inum,
				name, child);
		else if (ci->named)
			r = bad(c, "inode %u has two names (%s in directory %u)", child, name,
				inum);
		else if ((ci->named = 1) && (ci->mode & S_IFMT) == S_IFDIR)
			queue[(*tail)++] = child;
	}
	free(set);
	return r;
}

static int check(struct ck *c, unsigned *orphans)
{
	struct superblock *s = &c->sb;
	int r;
	/* pass 1: every inode, and the blocks it names */
	for (u32 b = 0; (u64)b * IPB < s->ninodes; b++) {
		static struct dinode tab[IPB];
		if ((r = rd(c, s->inode_start + b, tab)) < 0)
			return r;
		for (u32 k = 0; k < IPB && b * IPB + k < s->ninodes; k++) {
			u32 inum = b * IPB + k, ia;
			if ((r = inode(c, inum, &tab[k], &ia)) < 0)
				return r;
			c->ino[inum].mode = tab[k].mode;
			c->ino[inum].version = tab[k].version;
			c->ino[inum].nlink = tab[k].nlink;
		}
	}
	struct info *root = &c->ino[ROOT_INUM];
	if ((root->mode & S_IFMT) != S_IFDIR || root->nlink != 1)
		return bad(c, "the root (inode %u) is not a directory", ROOT_INUM);
	/* pass 2: the tree, from the root */
	u32 *queue = malloc(s->ninodes * sizeof(u32)), head = 0, tail = 0;
	if (!queue)
		return bad(c, "no memory for the check");
	queue[tail++] = ROOT_INUM;
	root->named = 1;
	r = 0;
	while (head < tail && r == 0)
		r = directory(c, queue[head++], queue, &tail);
	free(queue);
	if (r < 0)
		return r;
	for (u32 inum = ROOT_INUM + 1; inum < s->ninodes; inum++) {
		struct info *i = &c->ino[inum];
		if (!i->mode)
			continue;
		if (i->named && i->nlink != 1)
			return bad(c, "inode %u is named but has nlink %u", inum, i->nlink);
		if (!i->named && i->nlink)
			return bad(c, "inode %u is lost: nlink 1, in no directory", inum);
		if (!i->named && orphans)
			++*orphans;
	}
	/* the bitmap: metadata and named blocks used, the rest free */
	for (u32 b = 0; b < s->nbmap; b++) {
		if ((r = rd(c, s->bmap_start + b, c->blk)) < 0)
			return r;
		for (u32 i = 0; i < BSIZE * 8 && (u64)b * BSIZE * 8 + i < s->nblocks; i++) {
			u32 a = b * BSIZE * 8 + i;
			bool want = a < s->data_start || (c->used[a / 8] >> (a % 8) & 1);
			if ((c->blk[i / 8] >> (i % 8) & 1) != want)
				return bad(c, "block %u is marked %s in the bitmap but is %s", a,
					   want ? "free" : "used", want ? "used" : "free");
		}
	}
	return 0;
}

int disk_check(struct bdev *d, char *msg, size_t len, unsigned *orphans)
{
	struct ck c = {.d = d, .msg = msg, .len = len};
	if (orphans)
		*orphans = 0;
	struct loghdr *log = malloc(sizeof(*log));
	c.blk = malloc(BSIZE);
	int r = -ENOMEM;
	if (!c.blk || !log) {
		free(log);
		snprintf(msg, len, "no memory for the check");
		goto out;
	}
	if ((r = rd(&c, 0, c.blk)) < 0)
		goto out;
	memcpy(&c.sb, c.blk, sizeof(c.sb));
	if ((r = sb_check(&c.sb, d->nblocks, msg, len)) < 0)
		goto out;
	c.log = log; /* rd() reads through it from here on, if it is committed */
	if ((r = log_committed(d, &c.sb, c.log, c.blk)) < 0) {
		snprintf(msg, len, "cannot read the log");
		goto out;
	}
	for (u32 i = 0; r == 1 && i < c.log->n; i++)
		if (c.log->block[i] < c.sb.inode_start || c.log->block[i] >= c.sb.nblocks) {
			r = bad(&c, "the log names block %u", c.log->block[i]);
			goto out;
		}
	if (r == 0) {
		free(c.log);
		c.log = NULL;
	}
	c.used = malloc(c.sb.nblocks / 8 + 1);
	c.ino = malloc(c.sb.ninodes * sizeof(*c.ino));
	r = -ENOMEM;
	if (!c.used || !c.ino) {
		snprintf(msg, len, "no memory for the check");
		goto out;
	}
	memset(c.used, 0, c.sb.nblocks / 8 + 1);
	memset(c.ino, 0, c.sb.ninodes * sizeof(*c.ino));
	r = check(&c, orphans);
out:
	free(c.blk);
	free(c.log);
	free(c.used);
	free(c.ino);
	return r;
}
