/*
 * Wrong: the old inode is not unlinked (nlink stays 1) nor freed when no
 * one holds it: a replaced file stays in the table for good.
 * caught by unit: test_fsd chmod_replaces
 */
/* REGION user/lib/fstree.c server 3 1 */
	u8 *data = NULL;
	if (!isdir(ip) && ip->size) {
		if (!(data = malloc(ip->size)))
			return -ENOMEM;
		memcpy(data, ip->data, ip->size);
	}
	struct inode *nip = ialloc(mode, uid, gid);
	if (!nip) {
		free(data);
		return -ENOMEM;
	}
	nip->gen = ip->gen + 1;
	if (isdir(ip)) {
		nip->de = ip->de;
		nip->sub = ip->sub;
		nip->size = ip->size;
		nip->cap = ip->cap;
		ip->de = NULL;
		ip->sub = NULL;
		ip->size = ip->cap = 0;
	} else {
		nip->data = data;
		nip->size = nip->cap = ip->size;
	}
	if (d) {
		char name[NAME];
		memcpy(name, d->de[k].name, NAME);
		dir_set(d, k, name, nip); /* the switch: the entry now names the copy */
	} else {
		root = nip;
	}
	return 0;
