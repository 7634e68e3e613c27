/*
 * Wrong: the new inode keeps the old one's generation: a client holding
 * (ino, gen) of the file cannot tell it was replaced.
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
	nip->gen = ip->gen;
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
	ip->nlink = 0;
	maybe_free(ip);
	return 0;
