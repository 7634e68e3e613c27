/*
 * Wrong: changes the mode and owner in place instead of replacing the
 * inode: whoever has the file open keeps rights it no longer has, and
 * its identity (ino) does not change.
 * caught by unit: test_fsd chmod_replaces
 */
/* REGION user/lib/fstree.c server 3 1 */
	(void)d, (void)k;
	ip->mode = mode;
	ip->uid = uid;
	ip->gid = gid;
	ip->gen++;
	return 0;
