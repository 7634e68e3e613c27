/*
 * disk.h - the file server's on-disk file system (docs/disk.md): the
 * format on the disk, the block device it is written against, and the
 * layers in between.
 *
 *   disktree.c  fstree.h's interface (struct fs_ops disk_fs) on the disk
 *   log.c       the write-ahead (redo) log: an operation is all or nothing
 *   bcache.c    the buffer cache: blocks in memory, the log's pinned ones
 *   diskcheck.c the consistency check (fsck, and fsd at every mount)
 *   blkdev.c    a struct bdev over blkd's protocol (blk.h), in duet
 *   tools/filedev.h  a struct bdev on a host file (mkfs, fsck, tests)
 *
 * Everything here compiles both in duet's C library and on the host
 * (the tools and tests/unit include these files): it uses only lib.h's
 * string functions and malloc/free.
 *
 * Layout, in 4 KiB blocks:
 *
 *   0        1      2 .. 1+nlog   inode_start   bmap_start   data_start .. nblocks-1
 *   [super] [loghdr][log blocks]  [inodes ...]  [bitmap ...] [data ...]
 *
 * Every number read from the disk is hostile until checked: the mount
 * checks the whole image (disk_check) and refuses an inconsistent one,
 * and the code after it still bounds-checks every block and inode
 * number it follows.
 */
#pragma once

#include "lib.h"
#include "abi/errno.h"
#include "abi/fs.h"

#define BSIZE	     4096
#define DISK_MAGIC   0x7366656b73696475ull /* "udiskefs" as little-endian bytes */
#define DISK_VERSION 1
#define DISK_INODES  1024 /* what mkfs (and fsd on an empty disk) makes */

struct superblock {
	u64 magic;
	u32 version;
	u32 bsize;	 /* BSIZE */
	u32 nblocks;	 /* the file system's size */
	u32 ninodes;	 /* inode 0 is never used; the root is ROOT_INUM */
	u32 log_start;	 /* the log's header block (1) */
	u32 nlog;	 /* log blocks after the header: the most one operation writes */
	u32 inode_start; /* the inode table */
	u32 bmap_start;	 /* the block bitmap: bit b set = block b in use */
	u32 nbmap;
	u32 data_start; /* the first data block */
};

#define ROOT_INUM     1
#define NDIRECT	      12
#define NINDIRECT     (BSIZE / 4)
#define DISK_FILE_MAX ((u64)(NDIRECT + NINDIRECT) * BSIZE) /* 4 MiB + 48 KiB */

/* An inode on disk. mode 0: free (and then everything but `version` is 0). */
struct dinode {
	u32 mode;  /* S_IFREG or S_IFDIR | permission bits */
	u32 nlink; /* directory entries naming it: 1, or 0 (unlinked, still open) */
	s32 uid, gid;
	u64 size;	       /* bytes; a directory: entries * sizeof(struct fs_dirent) */
	u64 gen;	       /* replacements (chmod, chown) that led to this file */
	u32 version;	       /* times this slot was allocated (st.ino: disk_ino()) */
	u32 addr[NDIRECT + 1]; /* data blocks, then the indirect block; 0: none (a hole) */
	u32 pad[10];
};
#define IPB (BSIZE / sizeof(struct dinode))

/* The inode number a client sees (and a directory entry holds): the
   slot and which use of it, so a freed slot's next file has a new one.
   The first use of slot i is i. */
static inline u64 disk_ino(u32 ninodes, u32 inum, u32 version)
{
	return (u64)(version - 1) * ninodes + inum;
}

/* A directory is an array of struct fs_dirent (abi/fs.h, 72 bytes),
   kept dense: entries 0 .. size/72 - 1, exactly what FS_READDIR sends.
   DPB to a block (56), none across two: the last 64 bytes are unused. */
#define DPB (BSIZE / sizeof(struct fs_dirent))

/* The blocks an inode of d's type needs for `size`, and where the used
   part of the last one ends (*tail; 0: all of it). */
static inline u64 disk_blocks(const struct dinode *d, u64 size, u64 *tail)
{
	if ((d->mode & S_IFMT) == S_IFDIR) {
		u64 n = size / sizeof(struct fs_dirent);
		*tail = n % DPB * sizeof(struct fs_dirent);
		return (n + DPB - 1) / DPB;
	}
	*tail = size % BSIZE;
	return (size + BSIZE - 1) / BSIZE;
}

/* The log's header (block log_start). A transaction is committed when
   its header is on the disk with a checksum that matches the blocks in
   the log; a torn header or torn log blocks do not match. */
#define LOG_MAX ((BSIZE - 16) / 4)
struct loghdr {
	u32 n; /* blocks in the log: 0 = nothing to install */
	u32 pad;
	u64 sum;	    /* log_sum() of block[] and the n logged blocks */
	u32 block[LOG_MAX]; /* where logged block i belongs */
};

/* ---- the block device ------------------------------------------------- */

/* Blocks of BSIZE bytes. Results: 0 or -E*. A write is on stable storage
   once a later flush has returned; it may return before the device has
   it (blkdev.c sends several before taking their answers), and then its
   error is a later call's - a flush's at the latest. `down`: the way to the device broke
   (blkd died): every call fails with -EIO until its owner reconnects it
   (blkdev_reopen); a write in flight then may or may not have reached
   the disk. A host file never breaks. */
struct bdev {
	int (*read)(struct bdev *d, u64 blk, u32 n, void *buf);
	int (*write)(struct bdev *d, u64 blk, u32 n, const void *buf);
	int (*flush)(struct bdev *d);
	u64 nblocks;
	bool down;
	/* n blocks from blk, block i into to[i], in one request (at most
	   BC_AHEAD): a read-ahead's (bcache.c). NULL: no read-ahead. */
	int (*readv)(struct bdev *d, u64 blk, u32 n, void *const *to);
	/* n blocks to blk, block i from from[i], in one request (at most
	   BC_AHEAD): the log's (log.c). NULL: the log stages them. */
	int (*writev)(struct bdev *d, u64 blk, u32 n, const void *const *from);
	/* nmem blocks of memory the device reads and writes itself (blkd's
	   connection buffer: blk.h), or NULL: the buffer cache lives there
	   if there is any, and then a block moves between the device and the
	   cache without a copy. A write of blocks in mem may return before
	   the device has read them: they must not change until a later call
	   that is not a write (a flush, in the log) has returned. */
	u8 *mem;
	u32 nmem;
};

/* blkdev.c (in duet): the disk blkd serves at path ("/dev/disk"): 0 or -E* */
struct blkdev {
	struct bdev b;
	int fd;	 /* the connection; -1 while b.down */
	int old; /* the broken one, kept open while the cache may still be in its
		    buffer (b.mem): until the next reopen; else -1 */
	u32 tag;
	u32 owed; /* writes sent, not yet answered: bit tag % 32 */
	int err;  /* the first error among their answers */
	const char *path;
	bool opening;	/* an open of path is in flight (blkdev_reopen) */
	unsigned fails; /* reopens in a row that failed: the back-off */
	u64 next;	/* now_ns() before which no new open is tried */
};
int blkdev_open(struct blkdev *d, const char *path);
/* After d->b.down: 0 once a new connection works (d->b.down false), else
   how many ns until calling again is worth it (an open in flight, or
   the back-off while blkd is away). Never waits for blkd. */
long long blkdev_reopen(struct blkdev *d);
/* Between requests: has blkd died (or sent what nobody asked)? Then the
   device is down. A sleeping client waits on d->fd too: the end closing
   wakes it, so a restart is noticed before the next request needs it. */
bool blkdev_gone(struct blkdev *d);

/* ---- bcache.c ------------------------------------------------------ */

struct buf {
	u32 blk;
	bool valid;  /* data holds the block */
	bool logged; /* part of the open transaction: stays until it commits */
	unsigned refs;
	u64 used; /* when last used: the least recently used one goes */
	u8 *data;
};

int bc_init(struct bdev *d, unsigned nbuf);
void bc_fini(void);
struct buf *bc_read(u32 blk); /* NULL: I/O error, or no free buffer */
#define BC_AHEAD 16	      /* blocks a read-ahead brings at most */
bool bc_cached(u32 blk);
/* Blocks blk.. (n at most, up to the first cached one) into the cache
   in one request, if the device can (bdev.readv); errors are the next
   bc_read's to find. */
void bc_readahead(u32 blk, u32 n);
struct buf *bc_zero(u32 blk); /* the block, zeroed, without reading it */
void bc_put(struct buf *b);
void bc_forget(void); /* drop every unlogged buffer (tests: a fresh cache) */

/* ---- log.c --------------------------------------------------------- */

int log_mount(struct bdev *d, const struct superblock *sb); /* replays a committed transaction */
/* Does the log on d hold a committed transaction (1) or not (0)? *h: its
   header; scratch: a block's room */
int log_committed(struct bdev *d, const struct superblock *sb, struct loghdr *h, u8 *scratch);
void log_begin(void);
int log_write(struct buf *b); /* b joins the transaction: -ENOSPC if the log is full */
int log_commit(void);	      /* the transaction is durable when this returns 0 */
void log_abort(void);	      /* forget the transaction: its buffers are dropped */

/* ---- diskcheck.c --------------------------------------------------- */

/* Is the file system on d consistent? 0, or -EIO (the device failed) or
   -EINVAL (inconsistent) with what is wrong in msg. A committed log not
   yet installed is read as installed. *orphans (if not NULL): inodes
   unlinked while open (freed at mount) */
int disk_check(struct bdev *d, char *msg, size_t len, unsigned *orphans);
int sb_check(const struct superblock *sb, u64 devblocks, char *msg, size_t len);

/* ---- disktree.c ---------------------------------------------------- */

/* A fresh file system on d: nblocks, ninodes, an empty root (0755). */
int disk_format(struct bdev *d, u32 nblocks, u32 ninodes);
/* Mount d (replay, check, free orphans): 0, or -E* with why in msg. */
int disk_mount(struct bdev *d, char *msg, size_t len);
/* The device came back after it broke (bdev.down): mount it again under
   the open files - replay, check, free the orphans nobody holds, drop
   every cached block and re-read every open file's inode. Until this
   succeeds every operation fails with -EIO. 0; -EIO: the device broke
   again (call again once it is back); -EINVAL: the disk is not what it
   was (why in msg): nothing cached can be trusted. */
int disk_recover(char *msg, size_t len);
void disk_unmount(void);
struct inode;
/* Filling the tree (mkfs, fsd on an empty disk), as fstree.h's fs_make:
   path's directories as needed (root's, 0755), and there a file or
   directory of mode (type included) owned by uid/gid, or the one that
   is there if it has that type. */
int disk_make(const char *path, unsigned mode, int uid, int gid, struct inode **ipp);
/* Write len bytes at off (several transactions if len is big); returns
   the count written or -E* (-ENOSPC: nothing fitted). */
long disk_write(struct inode *ip, u64 off, const void *buf, u64 len);
