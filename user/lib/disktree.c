/*
 * disktree.c - the file server's tree on a disk (disk.h, docs/disk.md):
 * fstree.h's operations (disk_fs) over inodes, directories and blocks
 * of the on-disk format, each operation one transaction of the log.
 *
 * The rules are those of the RAM tree (fstree.c), from the same code
 * (fspath.h): modes, owners, the sticky bit, chmod and chown by copy
 * and replace, an unlinked file kept while open. What differs:
 *
 * - Inodes in use live in a small cache (struct dnode, which starts
 *   with fstree.h's struct inode, so fsd reads ip->mode and ip->size as
 *   before). Every change is written through the log at once; an
 *   unreferenced entry is clean and may be reused, but not during the
 *   operation that fetched it (`stamp`), which may hold several.
 * - st.ino is the inode's slot and the how-many-th use of that slot
 *   (disk_ino()): a freed slot's next file has another ino.
 * - Removing a directory entry moves the last entry into its place: a
 *   directory stays dense without rewriting all of it.
 * - The root is always inode 1: chmod and chown of "/" change it in place.
 * - A file unlinked while open that a crash leaves behind (nlink 0) is
 *   freed at the next mount.
 *
 * Every block or inode number followed is checked against the
 * superblock first, even though the mount checked the whole image: a
 * bad number is -EIO, never a wild read.
 */
#include "../include/disk.h"
#include "fspath.h"

#define NINODE 160 /* cached inodes: a path's worth and every open file */
#define NBUF   96  /* cached blocks */
#define WCHUNK 16  /* data blocks per transaction of a big write */

struct dnode {
	struct inode i; /* first: fsd sees a struct inode */
	struct dinode d;
	u32 inum;
	bool valid;
	u64 stamp; /* the operation that last fetched it */
	u64 ahead; /* the block after the last one read: a read from there is sequential */
};

static struct superblock sb;
static struct bdev *dev;
static bool stale; /* the device broke: nothing cached is trusted until disk_recover() */
static struct dnode icache[NINODE];
static u64 opno;
static bool dirty; /* the operation changed a cached inode */
static u8 zeros[BSIZE];

static struct dnode *DN(struct inode *ip)
{
	return (struct dnode *)ip;
}

/* The struct inode fields fsd and the rules read, from the disk inode. */
static void sync_mem(struct dnode *dn)
{
	struct inode *ip = &dn->i;
	ip->ino = disk_ino(sb.ninodes, dn->inum, dn->d.version);
	ip->gen = dn->d.gen;
	ip->mode = dn->d.mode;
	ip->uid = dn->d.uid;
	ip->gid = dn->d.gid;
	ip->nlink = dn->d.nlink;
	ip->size = isdir(ip) ? dn->d.size / sizeof(struct fs_dirent) : dn->d.size;
}

static u32 iblock(u32 inum)
{
	return sb.inode_start + inum / IPB;
}

static int iload(struct dnode *dn)
{
	struct buf *b = bc_read(iblock(dn->inum));
	if (!b)
		return -EIO;
	memcpy(&dn->d, b->data + dn->inum % IPB * sizeof(struct dinode), sizeof(dn->d));
	bc_put(b);
	sync_mem(dn);
	return 0;
}

/* Write dn's inode through the log. */
static int iupdate(struct dnode *dn)
{
	dirty = true;
	sync_mem(dn);
	struct buf *b = bc_read(iblock(dn->inum));
	if (!b)
		return -EIO;
	memcpy(b->data + dn->inum % IPB * sizeof(struct dinode), &dn->d, sizeof(dn->d));
	int r = log_write(b);
	bc_put(b);
	return r;
}

/* The cached inode inum, fetched if need be. */
static int iget(u32 inum, struct dnode **out)
{
	struct dnode *slot = NULL;
	if (inum == 0 || inum >= sb.ninodes)
		return -EIO;
	for (int k = 0; k < NINODE; k++) {
		struct dnode *dn = &icache[k];
		if (dn->valid && dn->inum == inum) {
			dn->stamp = opno;
			*out = dn;
			return 0;
		}
		if (!dn->i.refs && dn->stamp != opno &&
		    (!slot || (slot->valid && (!dn->valid || dn->stamp < slot->stamp))))
			slot = dn;
	}
	if (!slot)
		return -ENOMEM;
	memset(slot, 0, sizeof(*slot));
	slot->inum = inum;
	slot->stamp = opno;
	int r = iload(slot);
	if (r < 0)
		return r;
	slot->valid = true;
	*out = slot;
	return 0;
}

/* The inode a directory entry names: it must be allocated, this use of it. */
static int iget_ino(u64 ino, struct dnode **out)
{
	int r = iget(ino % sb.ninodes, out);
	if (r == 0 && ((*out)->d.mode == 0 || (*out)->d.version - 1 != ino / sb.ninodes))
		r = -EIO;
	return r;
}

/* ---- transactions ------------------------------------------------------ */

/* The next transaction of the same operation: the inodes it fetched stay. */
static void more(void)
{
	dirty = false;
	log_begin();
}

static void begin(void)
{
	opno++;
	more();
}

/* After a failed operation: the log forgot its blocks, so the cached
   inodes may hold changes the disk never got. Read them again. */
static void reload(void)
{
	for (int k = 0; k < NINODE; k++) {
		struct dnode *dn = &icache[k];
		if (!dn->valid)
			continue;
		if (dn->i.refs && iload(dn) == 0)
			continue;
		if (dn->i.refs)
			dn->d.nlink = dn->i.nlink = 0; /* unreadable: keep it, as if unlinked */
		else
			dn->valid = false;
	}
}

/*
 * May the tree be used? Not from the moment the device breaks (blkd
 * died) until disk_recover() has mounted it again: every operation fails
 * with -EIO at once. The cache cannot say what the disk holds meanwhile
 * - a transaction cut in its commit is on the disk, or not, or half
 * installed - so nothing is served from it either.
 */
static int ready(void)
{
	if (dev && dev->down)
		stale = true;
	return stale ? -EIO : 0;
}

/* End the operation: commit it if r >= 0, else undo it. */
static long end(long r)
{
	if (r >= 0) {
		int c = log_commit();
		if (c == 0)
			return r;
		r = c;
	} else {
		log_abort();
		if (!dirty)
			return r; /* nothing changed: a lookup that found nothing... */
	}
	if (ready() < 0)
		return r; /* the device broke: disk_recover() reads everything again */
	reload();
	return r;
}

/* ---- blocks -------------------------------------------------------------- */

static bool datablock(u32 a)
{
	return a >= sb.data_start && a < sb.nblocks;
}

/* A free block, marked used and zeroed in the transaction. */
static int balloc(u32 *out)
{
	for (u32 i = 0; i < sb.nbmap; i++) {
		struct buf *b = bc_read(sb.bmap_start + i);
		if (!b)
			return -EIO;
		for (u32 j = 0; j < BSIZE; j++) {
			if (b->data[j] == 0xff)
				continue;
			for (u32 k = 0; k < 8; k++) {
				u32 a = (i * BSIZE + j) * 8 + k;
				if (a >= sb.nblocks)
					break;
				if (a < sb.data_start || (b->data[j] >> k & 1))
					continue;
				b->data[j] |= 1 << k;
				int r = log_write(b);
				bc_put(b);
				struct buf *z = r < 0 ? NULL : bc_zero(a);
				if (r < 0 || !z)
					return r < 0 ? r : -EIO;
				r = log_write(z);
				bc_put(z);
				*out = a;
				return r;
			}
		}
		bc_put(b);
	}
	return -ENOSPC;
}

static int bfree(u32 a)
{
	if (!datablock(a))
		return -EIO;
	struct buf *b = bc_read(sb.bmap_start + a / (BSIZE * 8));
	if (!b)
		return -EIO;
	u8 *byte = &b->data[a / 8 % BSIZE], bit = 1 << (a % 8);
	int r = -EIO; /* freeing a free block: the disk is not what the mount checked */
	if (*byte & bit) {
		*byte &= ~bit;
		r = log_write(b);
	}
	bc_put(b);
	return r;
}

/* The disk block of dn's block bn: *out (0: a hole), allocated if asked. */
static int bmap(struct dnode *dn, u64 bn, bool alloc, u32 *out)
{
	int r;
	*out = 0;
	if (bn < NDIRECT) {
		u32 a = dn->d.addr[bn];
		if (!a && alloc) {
			if ((r = balloc(&a)) < 0)
				return r;
			dn->d.addr[bn] = a;
			if ((r = iupdate(dn)) < 0)
				return r;
		}
		if (a && !datablock(a))
			return -EIO;
		*out = a;
		return 0;
	}
	bn -= NDIRECT;
	if (bn >= NINDIRECT)
		return -ENOSPC;
	u32 ind = dn->d.addr[NDIRECT];
	if (!ind) {
		if (!alloc)
			return 0;
		if ((r = balloc(&ind)) < 0)
			return r;
		dn->d.addr[NDIRECT] = ind;
		if ((r = iupdate(dn)) < 0)
			return r;
	}
	if (!datablock(ind))
		return -EIO;
	struct buf *b = bc_read(ind);
	if (!b)
		return -EIO;
	u32 *slot = (u32 *)b->data + bn, a = *slot;
	r = 0;
	if (!a && alloc && (r = balloc(&a)) == 0) {
		*slot = a;
		r = log_write(b);
	}
	bc_put(b);
	if (r == 0 && a && !datablock(a))
		r = -EIO;
	*out = a;
	return r;
}

/* dn's bytes from size on are gone: blocks freed, the last one's tail
   zeroed (bytes past the end read as 0 if the file grows again). */
static int itrunc(struct dnode *dn, u64 size)
{
	u64 tail, keep = disk_blocks(&dn->d, size, &tail);
	int r = 0;
	for (u64 bn = keep; bn < NDIRECT && r == 0; bn++)
		if (dn->d.addr[bn]) {
			r = bfree(dn->d.addr[bn]);
			dn->d.addr[bn] = 0;
		}
	u32 ind = dn->d.addr[NDIRECT];
	if (ind && r == 0) {
		struct buf *b = datablock(ind) ? bc_read(ind) : NULL;
		if (!b)
			return -EIO;
		u32 *a = (u32 *)b->data;
		bool all = keep <= NDIRECT; /* the indirect block goes too */
		for (u64 j = all ? 0 : keep - NDIRECT; j < NINDIRECT && r == 0; j++)
			if (a[j]) {
				r = bfree(a[j]);
				if (!all) {
					a[j] = 0;
					r = r < 0 ? r : log_write(b);
				}
			}
		bc_put(b);
		if (all && r == 0) {
			r = bfree(ind);
			dn->d.addr[NDIRECT] = 0;
		}
	}
	u32 last;
	if (r == 0 && tail && size < dn->d.size && (r = bmap(dn, keep - 1, false, &last)) == 0 &&
	    last) {
		struct buf *b = bc_read(last);
		if (!b)
			return -EIO;
		memset(b->data + tail, 0, BSIZE - tail);
		r = log_write(b);
		bc_put(b);
	}
	if (r < 0)
		return r;
	dn->d.size = size;
	return iupdate(dn);
}

/* A new inode (nlink 1), its slot's next use. */
static int ialloc(unsigned mode, int uid, int gid, struct dnode **out)
{
	for (u32 blk = 0; blk * IPB < sb.ninodes; blk++) {
		struct buf *b = bc_read(sb.inode_start + blk);
		if (!b)
			return -EIO;
		u32 inum = blk * IPB;
		while (inum < sb.ninodes && inum < (blk + 1) * IPB &&
		       (inum <= ROOT_INUM || ((struct dinode *)b->data)[inum % IPB].mode))
			inum++;
		bc_put(b);
		if (inum >= sb.ninodes || inum == (blk + 1) * IPB)
			continue;
		struct dnode *dn;
		int r = iget(inum, &dn);
		if (r < 0)
			return r;
		if (dn->d.mode)
			return -EIO; /* the cache and the disk disagree */
		u32 version = dn->d.version + 1;
		memset(&dn->d, 0, sizeof(dn->d));
		dn->d.version = version;
		dn->d.mode = mode;
		dn->d.nlink = 1;
		dn->d.uid = uid;
		dn->d.gid = gid;
		*out = dn;
		return iupdate(dn);
	}
	return -ENOSPC;
}

/* Free dn if nothing names it and nobody has it open: in the transaction. */
static int maybe_free(struct dnode *dn)
{
	if (dn->d.nlink || dn->i.refs)
		return 0;
	int r = itrunc(dn, 0);
	if (r < 0)
		return r;
	u32 version = dn->d.version;
	memset(&dn->d, 0, sizeof(dn->d));
	dn->d.version = version;
	return iupdate(dn);
}

/* ---- directories --------------------------------------------------------- */

/* Entry idx of directory dp, in a held buffer (*bp). */
static int dent(struct dnode *dp, u64 idx, struct buf **bp, struct fs_dirent **e)
{
	u32 a;
	int r = bmap(dp, idx / DPB, false, &a);
	if (r < 0)
		return r;
	if (!a || !(*bp = bc_read(a)))
		return -EIO; /* a directory has no holes */
	*e = (struct fs_dirent *)(*bp)->data + idx % DPB;
	return 0;
}

/* The index of name in dp (*idx, -1: none) and the ino it names. */
static int dir_find(struct dnode *dp, const char *name, long *idx, u64 *ino)
{
	u64 n = dp->i.size;
	*idx = -1;
	for (u64 i = 0; i < n; i += DPB) {
		struct buf *b;
		struct fs_dirent *e;
		int r = dent(dp, i, &b, &e);
		if (r < 0)
			return r;
		for (u64 k = 0; k < DPB && i + k < n; k++)
			if (strncmp(e[k].name, name, NAME) == 0) {
				*idx = i + k;
				*ino = e[k].ino;
				break;
			}
		bc_put(b);
		if (*idx >= 0)
			break;
	}
	return 0;
}

static void dirent_fill(struct fs_dirent *e, const char *name, struct dnode *ip)
{
	memset(e, 0, sizeof(*e));
	e->ino = ip->i.ino;
	e->mode = ip->d.mode;
	memcpy(e->name, name, strlen(name) + 1);
}

/* Entry idx of dp names ip (idx == entries: a new one at the end). */
static int dir_set(struct dnode *dp, u64 idx, const char *name, struct dnode *ip)
{
	u32 a;
	int r = bmap(dp, idx / DPB, idx == dp->i.size, &a);
	struct buf *b = r < 0 || !a ? NULL : bc_read(a);
	if (!b)
		return r < 0 ? r : -EIO;
	dirent_fill((struct fs_dirent *)b->data + idx % DPB, name, ip);
	r = log_write(b);
	bc_put(b);
	if (r == 0 && idx == dp->i.size) {
		dp->d.size += sizeof(struct fs_dirent);
		r = iupdate(dp);
	}
	return r;
}

/* Remove entry idx of dp: the last entry takes its place. */
static int dir_del(struct dnode *dp, u64 idx)
{
	u64 last = dp->i.size - 1;
	if (idx != last) {
		struct buf *b, *lb;
		struct fs_dirent *e, *le;
		int r = dent(dp, idx, &b, &e);
		if (r < 0)
			return r;
		if ((r = dent(dp, last, &lb, &le)) < 0) {
			bc_put(b);
			return r;
		}
		*e = *le;
		r = log_write(b);
		bc_put(lb);
		bc_put(b);
		if (r < 0)
			return r;
	}
	return itrunc(dp, last * sizeof(struct fs_dirent));
}

/* ---- paths --------------------------------------------------------------- */

/*
 * Walk p for uid/gid, as fstree.c's path_walk: *dirp the directory of
 * the last name (NULL for the root itself), *idx its index there (-1:
 * not there), *ipp the inode (NULL: not there).
 */
static int walk(struct path *p, int uid, int gid, struct dnode **dirp, long *idx,
		struct dnode **ipp)
{
	struct dnode *cur = NULL;
	int r = iget(ROOT_INUM, &cur);
	*dirp = NULL;
	*idx = -1;
	for (int i = 0; i < p->n && r == 0; i++) {
		if (!isdir(&cur->i))
			return -ENOTDIR;
		if (!may(&cur->i, uid, gid, X))
			return -EACCES;
		long k;
		u64 ino;
		if ((r = dir_find(cur, p->name[i], &k, &ino)) < 0)
			return r;
		if (k < 0 && i < p->n - 1)
			return -ENOENT;
		*dirp = cur;
		*idx = k;
		if (k < 0)
			cur = NULL;
		else
			r = iget_ino(ino, &cur);
	}
	*ipp = cur;
	return r;
}

static int resolve(const char *path, int uid, int gid, struct path *p, struct dnode **dirp,
		   long *idx, struct dnode **ipp)
{
	int r = path_split(path, p);
	return r < 0 ? r : walk(p, uid, gid, dirp, idx, ipp);
}

static int create(struct dnode *d, const char *name, unsigned mode, int uid, int gid,
		  struct dnode **ipp)
{
	int r = ialloc(mode, uid, gid, ipp);
	return r < 0 ? r : dir_set(d, d->i.size, name, *ipp);
}

/* ---- the path operations ------------------------------------------------- */

static struct path p1, p2; /* big: off the stack (one thread serves) */

static int dlookup(const char *path, int uid, int gid, unsigned flags, unsigned mode,
		   struct inode **ipp)
{
	if (ready() < 0)
		return -EIO;
	struct dnode *d, *ip;
	long k;
	begin();
	int r = resolve(path, uid, gid, &p1, &d, &k, &ip);
	if (r < 0)
		return end(r);
	if (!ip) {
		if (!(flags & O_CREAT))
			return end(-ENOENT);
		if (!isdir(&d->i))
			return end(-ENOTDIR);
		if (!may(&d->i, uid, gid, W))
			return end(-EACCES);
		r = create(d, p1.name[p1.n - 1], S_IFREG | (mode & 07777), uid, gid, &ip);
	} else if ((flags & O_CREAT) && (flags & O_EXCL)) {
		r = -EEXIST;
	} else if ((flags & O_TRUNC) && !isdir(&ip->i)) {
		/* only if the open will succeed (fstree.c says why) */
		unsigned acc = flags & O_ACCMODE;
		if (may(&ip->i, uid, gid, W | (acc == O_WRONLY ? 0 : R)))
			r = itrunc(ip, 0);
	}
	if ((r = end(r)) == 0)
		*ipp = &ip->i;
	return r;
}

static void dstatof(struct inode *ip, struct fs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->ino = ip->ino;
	st->gen = ip->gen;
	st->size = DN(ip)->d.size;
	st->mode = ip->mode;
	st->uid = ip->uid;
	st->gid = ip->gid;
	st->nlink = ip->nlink;
}

static int dstat(const char *path, int uid, int gid, struct fs_stat *st)
{
	if (ready() < 0)
		return -EIO;
	struct dnode *d, *ip;
	long k;
	opno++;
	int r = resolve(path, uid, gid, &p1, &d, &k, &ip);
	if (r == 0 && !ip)
		r = -ENOENT;
	if (r == 0)
		dstatof(&ip->i, st);
	return r;
}

static int dmkdir(const char *path, int uid, int gid, unsigned mode)
{
	if (ready() < 0)
		return -EIO;
	struct dnode *d, *ip;
	long k;
	begin();
	int r = resolve(path, uid, gid, &p1, &d, &k, &ip);
	if (r == 0 && ip)
		r = -EEXIST;
	else if (r == 0 && !isdir(&d->i))
		r = -ENOTDIR;
	else if (r == 0 && !may(&d->i, uid, gid, W))
		r = -EACCES;
	if (r == 0)
		r = create(d, p1.name[p1.n - 1], S_IFDIR | (mode & 07777), uid, gid, &ip);
	return end(r);
}

/* ip no longer named: freed now, or when its last connection goes. */
static int unname(struct dnode *ip)
{
	ip->d.nlink = 0;
	int r = iupdate(ip);
	return r < 0 ? r : maybe_free(ip);
}

static int dunlink(const char *path, int uid, int gid)
{
	if (ready() < 0)
		return -EIO;
	struct dnode *d, *ip;
	long k;
	begin();
	int r = resolve(path, uid, gid, &p1, &d, &k, &ip);
	if (r == 0 && !ip)
		r = -ENOENT;
	else if (r == 0 && !d)
		r = -EBUSY; /* the root */
	else if (r == 0)
		r = may_remove(&d->i, &ip->i, uid, gid);
	if (r == 0 && isdir(&ip->i) && ip->i.size)
		r = -ENOTEMPTY;
	if (r == 0)
		r = dir_del(d, k);
	if (r == 0)
		r = unname(ip);
	return end(r);
}

static int rename_in(struct dnode *d1, long k1, struct dnode *ip, struct dnode *d2, long k2,
		     struct dnode *old, int uid, int gid)
{
	int r;
	if (!ip)
		return -ENOENT;
	if (!d1 || !d2)
		return -EBUSY; /* the root */
	if (!isdir(&d2->i))
		return -ENOTDIR;
	if (inside(&p1, &p2))
		return -EINVAL; /* a directory into itself */
	if (!may(&d1->i, uid, gid, W) || !may(&d2->i, uid, gid, W))
		return -EACCES;
	if ((r = may_remove(&d1->i, &ip->i, uid, gid)) < 0 ||
	    (old && (r = may_remove(&d2->i, &old->i, uid, gid)) < 0))
		return r;
	if (old == ip)
		return 0;
	if (old && isdir(&ip->i) && !isdir(&old->i))
		return -ENOTDIR;
	if (old && !isdir(&ip->i) && isdir(&old->i))
		return -EISDIR;
	if (old && isdir(&old->i) && old->i.size)
		return -ENOTEMPTY;
	const char *name = p2.name[p2.n - 1];
	if (old) {
		/* the old file goes in the same transaction */
		if ((r = dir_set(d2, k2, name, ip)) < 0 || (r = dir_del(d1, k1)) < 0)
			return r;
		return unname(old);
	}
	if (d1 == d2)
		return dir_set(d1, k1, name, ip); /* renamed in place */
	if ((r = dir_set(d2, d2->i.size, name, ip)) < 0)
		return r;
	return dir_del(d1, k1);
}

static int drename(const char *from, const char *to, int uid, int gid)
{
	if (ready() < 0)
		return -EIO;
	struct dnode *d1, *d2, *ip, *old;
	long k1, k2;
	begin();
	int r = resolve(from, uid, gid, &p1, &d1, &k1, &ip);
	if (r == 0)
		r = resolve(to, uid, gid, &p2, &d2, &k2, &old);
	if (r == 0)
		r = rename_in(d1, k1, ip, d2, k2, old, uid, gid);
	return end(r);
}

/* Copy ip's data into nip, WCHUNK blocks per transaction (holes stay). */
static int copy_data(struct dnode *ip, struct dnode *nip)
{
	u64 nb = (ip->d.size + BSIZE - 1) / BSIZE;
	for (u64 bn = 0; bn < nb;) {
		more();
		int r = 0;
		for (u64 stop = MIN(nb, bn + WCHUNK); bn < stop && r == 0; bn++) {
			u32 a, na;
			if ((r = bmap(ip, bn, false, &a)) < 0 || !a)
				continue;
			struct buf *b = bc_read(a), *nb2;
			if (!b)
				r = -EIO;
			else if ((r = bmap(nip, bn, true, &na)) == 0 && !(nb2 = bc_read(na)))
				r = -EIO;
			else if (r == 0) {
				memcpy(nb2->data, b->data, BSIZE);
				r = log_write(nb2);
				bc_put(nb2);
			}
			if (b)
				bc_put(b);
		}
		if (r == 0) {
			nip->d.size = MIN(ip->d.size, bn * BSIZE);
			r = iupdate(nip);
		}
		if ((r = end(r)) < 0)
			return r;
	}
	return 0;
}

/*
 * chmod and chown: a new inode with ip's data copied (a directory: its
 * entries moved) takes ip's place in directory d at index k. A big file
 * takes several transactions to copy: the copy is made unnamed (nlink
 * 0), so a crash meanwhile leaves an orphan the next mount frees; the
 * last transaction names it and unnames ip, in one step.
 */
static int replace(struct dnode *d, long k, struct dnode *ip, unsigned mode, int uid, int gid)
{
	struct dnode *nip;
	int r;
	if (!d) { /* the root: in place, it has to stay inode 1 */
		ip->d.mode = mode;
		ip->d.uid = uid;
		ip->d.gid = gid;
		ip->d.gen++;
		return end(iupdate(ip));
	}
	if ((r = ialloc(mode, uid, gid, &nip)) == 0) {
		nip->d.gen = ip->d.gen + 1;
		nip->d.nlink = 0;
		r = iupdate(nip);
	}
	if ((r = end(r)) < 0)
		return r;
	if (!isdir(&ip->i) && (r = copy_data(ip, nip)) < 0) {
		more();
		end(maybe_free(nip));
		return r;
	}
	more();
	if (isdir(&ip->i)) {
		memcpy(nip->d.addr, ip->d.addr, sizeof(ip->d.addr));
		nip->d.size = ip->d.size;
		memset(ip->d.addr, 0, sizeof(ip->d.addr));
		ip->d.size = 0;
	}
	nip->d.nlink = 1;
	char name[NAME];
	memcpy(name, p1.name[p1.n - 1], NAME);
	if ((r = iupdate(nip)) == 0 && (r = dir_set(d, k, name, nip)) == 0)
		r = unname(ip);
	if ((r = end(r)) < 0) {
		more();
		end(maybe_free(nip));
	}
	return r;
}

static int dchmod(const char *path, int uid, int gid, unsigned mode)
{
	if (ready() < 0)
		return -EIO;
	struct dnode *d, *ip;
	long k;
	begin();
	int r = resolve(path, uid, gid, &p1, &d, &k, &ip);
	if (r == 0 && !ip)
		r = -ENOENT;
	else if (r == 0 && uid != 0 && uid != ip->i.uid)
		r = -EPERM;
	if (r < 0)
		return end(r);
	return replace(d, k, ip, (ip->d.mode & S_IFMT) | (mode & 07777), ip->d.uid, ip->d.gid);
}

static int dchown(const char *path, int uid, int gid, int uid2, int gid2)
{
	if (ready() < 0)
		return -EIO;
	struct dnode *d, *ip;
	long k;
	begin();
	int r = resolve(path, uid, gid, &p1, &d, &k, &ip);
	if (r == 0 && !ip)
		r = -ENOENT;
	else if (r == 0 && uid != 0)
		r = -EPERM;
	if (r < 0)
		return end(r);
	return replace(d, k, ip, ip->d.mode, uid2 < 0 ? ip->d.uid : uid2,
		       gid2 < 0 ? ip->d.gid : gid2);
}

/* ---- one inode ----------------------------------------------------------- */

static struct inode *diget(u64 ino)
{
	if (ready() < 0)
		return NULL;
	struct dnode *dn;
	opno++;
	return iget_ino(ino, &dn) < 0 ? NULL : &dn->i;
}

static void dhold(struct inode *ip)
{
	ip->refs++;
}

static void dput(struct inode *ip)
{
	ip->refs--;
	/* with the device broken, nlink may be stale: an orphan stays on the
	   disk, and disk_recover() (or the next mount) frees it */
	if (!ip->refs && !ip->nlink && ready() == 0) {
		begin();
		end(maybe_free(DN(ip)));
	}
}

static u64 dreadptr(struct inode *ip, u64 off, u64 len, const u8 **p)
{
	struct dnode *dn = DN(ip);
	u32 a;
	*p = zeros;
	if (ready() < 0)
		return 0; /* fsd answers a read that stops short of the end with -EIO */
	if (off >= dn->d.size || bmap(dn, off / BSIZE, false, &a) < 0)
		return 0;
	u64 n = MIN(MIN(len, dn->d.size - off), BSIZE - off % BSIZE);
	u64 bn = off / BSIZE;
	if (a && !bc_cached(a)) {
		/* A miss: read the blocks after it that lie after it on the
		   disk too, in the same request - as many as the client asked
		   for, or BC_AHEAD when it reads the file in order. */
		u64 last = (MIN(dn->d.size, bn == dn->ahead ? ~0ull : off + len) - 1) / BSIZE;
		u32 k = 1, next;
		while (k < BC_AHEAD && bn + k <= last && bmap(dn, bn + k, false, &next) == 0 &&
		       next == a + k)
			k++;
		if (k > 1) /* else bc_read's own read is the request */
			bc_readahead(a, k);
	}
	dn->ahead = bn + 1;
	if (a) {
		struct buf *b = bc_read(a);
		if (!b)
			return 0;
		*p = b->data + off % BSIZE; /* good until the cache is used again */
		bc_put(b);
	}
	return n;
}

/* The bytes go from take() straight into the cached blocks (fsd: from
   the connection's ring), each block logged: one copy on the way in. */
static long dwrite(struct inode *ip, u64 off, u64 len, fs_take take, void *arg)
{
	if (ready() < 0)
		return -EIO;
	struct dnode *dn = DN(ip);
	u64 done = 0;
	if (isdir(ip))
		return -EISDIR;
	if (off > DISK_FILE_MAX || len > DISK_FILE_MAX - off)
		return -ENOSPC;
	while (done < len) {
		begin();
		long r = 0;
		u64 at = off + done, stop = MIN(off + len, (at / BSIZE + WCHUNK) * BSIZE);
		while (at < stop && r == 0) {
			u32 a;
			u64 n = MIN(stop - at, BSIZE - at % BSIZE);
			struct buf *b = NULL;
			if ((r = bmap(dn, at / BSIZE, true, &a)) == 0 && !(b = bc_read(a)))
				r = -EIO;
			if (r == 0 && (r = take(arg, b->data + at % BSIZE, n)) >= 0)
				r = log_write(b);
			if (b)
				bc_put(b);
			at += n;
		}
		if (r == 0 && at > dn->d.size) {
			dn->d.size = at;
			r = iupdate(dn);
		}
		if ((r = end(r)) < 0)
			return done ? (long)done : r;
		done = at - off;
	}
	return done;
}

/* The bytes of disk_write's buffer (take's arg: where the next ones are). */
static long from_buf(void *arg, void *dst, u64 n)
{
	const u8 **src = arg;
	memcpy(dst, *src, n);
	*src += n;
	return n;
}

long disk_write(struct inode *ip, u64 off, const void *buf, u64 len)
{
	return dwrite(ip, off, len, from_buf, &buf);
}

static int dtrunc(struct inode *ip, u64 size)
{
	if (ready() < 0)
		return -EIO;
	if (isdir(ip))
		return -EISDIR;
	if (size > DISK_FILE_MAX)
		return -ENOSPC;
	begin();
	return end(itrunc(DN(ip), size));
}

static u64 dreaddir(struct inode *ip, u64 at, u64 max, const struct fs_dirent **p)
{
	struct buf *b;
	struct fs_dirent *e;
	*p = (const struct fs_dirent *)zeros;
	if (ready() < 0)
		return 0;
	if (!isdir(ip) || at >= ip->size || dent(DN(ip), at, &b, &e) < 0)
		return 0;
	*p = e; /* good until the cache is used again */
	bc_put(b);
	return MIN(MIN(max, ip->size - at), DPB - at % DPB);
}

const struct fs_ops disk_fs = {
    .lookup = dlookup,
    .stat = dstat,
    .mkdir = dmkdir,
    .unlink = dunlink,
    .rename = drename,
    .chmod = dchmod,
    .chown = dchown,
    .iget = diget,
    .hold = dhold,
    .put = dput,
    .statof = dstatof,
    .readptr = dreadptr,
    .write = dwrite,
    .trunc = dtrunc,
    .readdir = dreaddir,
};

int disk_make(const char *path, unsigned mode, int uid, int gid, struct inode **ipp)
{
	if (ready() < 0)
		return -EIO;
	struct dnode *cur = NULL;
	int r = path_split(path, &p1);
	if (r < 0)
		return r;
	if (p1.n == 0)
		return -EEXIST;
	begin();
	r = iget(ROOT_INUM, &cur);
	for (int i = 0; i < p1.n && r == 0; i++) {
		long k;
		u64 ino;
		if (!isdir(&cur->i))
			r = -ENOTDIR;
		else if ((r = dir_find(cur, p1.name[i], &k, &ino)) == 0 && k >= 0)
			r = iget_ino(ino, &cur);
		else if (r == 0 && i < p1.n - 1)
			r = create(cur, p1.name[i], S_IFDIR | 0755, 0, 0, &cur);
		else if (r == 0)
			r = create(cur, p1.name[i], mode, uid, gid, &cur);
	}
	if (r == 0 && (cur->d.mode & S_IFMT) != (mode & S_IFMT))
		r = -EEXIST;
	if ((r = end(r)) == 0)
		*ipp = &cur->i;
	return r;
}

/* ---- format and mount ---------------------------------------------------- */

int disk_format(struct bdev *d, u32 nblocks, u32 ninodes)
{
	struct superblock s = {.magic = DISK_MAGIC, .version = DISK_VERSION, .bsize = BSIZE};
	s.nblocks = nblocks;
	s.ninodes = ninodes;
	s.log_start = 1;
	s.nlog = 64;
	s.inode_start = s.log_start + 1 + s.nlog;
	s.bmap_start = s.inode_start + (ninodes + IPB - 1) / IPB;
	s.nbmap = (nblocks + BSIZE * 8 - 1) / (BSIZE * 8);
	s.data_start = s.bmap_start + s.nbmap;
	char msg[80];
	if (nblocks > d->nblocks || sb_check(&s, d->nblocks, msg, sizeof(msg)) < 0)
		return -EINVAL;
	u8 *blk = malloc(BSIZE);
	if (!blk)
		return -ENOMEM;
	int r = 0;
	for (u32 a = 1; a < s.data_start && r == 0; a++) {
		memset(blk, 0, BSIZE);
		for (u32 i = 0; i < BSIZE * 8; i++) {
			u64 bit = (u64)(a - s.bmap_start) * BSIZE * 8 + i;
			if (a >= s.bmap_start && bit < s.data_start)
				blk[i / 8] |= 1 << (i % 8);
		}
		if (a == s.inode_start + ROOT_INUM / IPB) {
			struct dinode *root = (struct dinode *)blk + ROOT_INUM % IPB;
			root->mode = S_IFDIR | 0755;
			root->nlink = 1;
			root->version = 1;
		}
		r = d->write(d, a, 1, blk);
	}
	memset(blk, 0, BSIZE);
	memcpy(blk, &s, sizeof(s));
	if (r == 0)
		r = d->write(d, 0, 1, blk); /* last: a half-made file system has no superblock */
	free(blk);
	return r < 0 ? r : d->flush(d);
}

void disk_unmount(void)
{
	memset(icache, 0, sizeof(icache)); /* connections' references too: they are gone */
	bc_fini();
}

/* Free the n orphans (nlink 0) the check found, but those a connection
   still has open (maybe_free leaves them): one transaction each. */
static int free_orphans(unsigned n, char *msg, size_t len)
{
	for (u32 inum = ROOT_INUM + 1; n && inum < sb.ninodes; inum++) {
		struct dnode *dn;
		int r;
		begin();
		if ((r = iget(inum, &dn)) == 0 && dn->d.mode && !dn->d.nlink) {
			n--;
			r = maybe_free(dn);
		}
		if ((r = end(r)) < 0) {
			snprintf(msg, len, "cannot free an orphan inode %u", inum);
			return r;
		}
	}
	return 0;
}

int disk_mount(struct bdev *d, char *msg, size_t len)
{
	static u8 blk[BSIZE];
	unsigned orphans;
	disk_unmount();
	dev = d;
	stale = false;
	int r = d->read(d, 0, 1, blk);
	if (r < 0) {
		snprintf(msg, len, "cannot read the superblock");
		return r;
	}
	memcpy(&sb, blk, sizeof(sb));
	if ((r = sb_check(&sb, d->nblocks, msg, len)) < 0)
		return r;
	if ((r = bc_init(d, NBUF)) < 0) {
		snprintf(msg, len, "no memory for the buffer cache");
		return r;
	}
	if ((r = log_mount(d, &sb)) < 0) {
		snprintf(msg, len, "the log cannot be replayed");
		return r;
	}
	if ((r = disk_check(d, msg, len, &orphans)) < 0)
		return r;
	/* files unlinked while open when the system went down */
	return free_orphans(orphans, msg, len);
}

/*
 * The mount again, under the open files. The operation the device broke
 * in was answered -EIO, but its transaction may have reached its commit
 * point, or been half installed: the disk decides, and log_mount
 * installs it again if it did - before anything is read. Every cached
 * block may be older than the disk now, and a cached inode may hold the
 * failed operation's changes: the cache starts empty, and each inode a
 * connection holds is read again (its file is the same one: nothing
 * frees an inode that is open). The check then vouches for the whole
 * image, as at mount.
 */
int disk_recover(char *msg, size_t len)
{
	static u8 blk[BSIZE];
	unsigned orphans;
	int r;
	msg[0] = '\0';
	stale = true;
	if (dev->down)
		return -EIO;
	if ((r = bc_init(dev, NBUF)) < 0) {
		snprintf(msg, len, "no memory for the buffer cache");
		return r;
	}
	if ((r = dev->read(dev, 0, 1, blk)) < 0)
		return r;
	if (memcmp(blk, &sb, sizeof(sb))) {
		snprintf(msg, len, "the superblock changed");
		return -EINVAL;
	}
	if ((r = log_mount(dev, &sb)) < 0 || (r = disk_check(dev, msg, len, &orphans)) < 0)
		return dev->down ? -EIO : r;
	for (int k = 0; k < NINODE; k++) {
		struct dnode *dn = &icache[k];
		if (!dn->valid)
			continue;
		if (!dn->i.refs) {
			dn->valid = false;
			continue;
		}
		u64 ino = dn->i.ino;
		if ((r = iload(dn)) < 0)
			return r;
		if (!dn->d.mode || dn->i.ino != ino) {
			snprintf(msg, len, "inode %u, open, is another file now", dn->inum);
			return -EINVAL;
		}
	}
	stale = false;
	if ((r = free_orphans(orphans, msg, len)) < 0)
		return dev->down ? -EIO : r;
	return 0;
}
