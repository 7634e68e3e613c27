/*
 * fspath.h - what both of the file server's file systems share
 * (user/lib/fstree.c in memory, user/lib/disktree.c on the disk): a
 * path split into names, and the permission rules of the path
 * operations. Both keep their inodes as struct inode (fstree.h), so the
 * rules read the same fields whichever tree asks.
 */
#pragma once

#include "../include/fstree.h"

#define NAME  (sizeof(((struct fs_dirent *)0)->name)) /* a name's room, with its NUL */
#define DEPTH (FS_PATH / 2)			      /* most names in a path */

/* Permission bits a caller wants */
#define R 4
#define W 2
#define X 1

/* A path split into names: name[0] .. name[n-1] */
struct path {
	int n;
	char name[DEPTH][NAME];
};

static inline bool isdir(struct inode *ip)
{
	return (ip->mode & S_IFMT) == S_IFDIR;
}

/* May uid/gid do `want` (R|W|X) to ip? The owner's bits count for the
   owner, the group's for the group, the others' for everyone else -
   the same rule the kernel applies at open. */
static inline bool may(struct inode *ip, int uid, int gid, unsigned want)
{
	if (uid == 0)
		return true;
	unsigned shift = uid == ip->uid ? 6 : gid == ip->gid ? 3 : 0;
	return (ip->mode >> shift & want) == want;
}

/*
 * May uid/gid remove (unlink, rename away or over) ip, named in directory
 * d? Writing d is needed; and if d is sticky (S_ISVTX: /tmp is 1777),
 * also owning ip or d, or being root - else in a directory everyone may
 * write, anyone could delete or swap everyone's files. -EACCES, -EPERM
 * or 0. chmod and chown replace a file too, but only its owner or root
 * may do them, who pass this check anyway.
 */
static inline int may_remove(struct inode *d, struct inode *ip, int uid, int gid)
{
	if (!may(d, uid, gid, W))
		return -EACCES;
	if ((d->mode & S_ISVTX) && uid != 0 && uid != d->uid && uid != ip->uid)
		return -EPERM;
	return 0;
}

/* Split path into names. -ENAMETOOLONG if a name or the path is too long. */
static inline int path_split(const char *s, struct path *p)
{
	p->n = 0;
	if (strlen(s) >= FS_PATH)
		return -ENAMETOOLONG;
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t len = e - s;
		if (len >= NAME)
			return -ENAMETOOLONG;
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (p->n > 0)
				p->n--;
		} else if (len > 0 && !(len == 1 && s[0] == '.')) {
			memcpy(p->name[p->n], s, len);
			p->name[p->n++][len] = '\0';
		}
		s = e;
	}
	return 0;
}

/* Is a's path a proper prefix of b's (b inside a)? */
static inline bool inside(struct path *a, struct path *b)
{
	if (b->n <= a->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->name[i], b->name[i]) != 0)
			return false;
	return true;
}
