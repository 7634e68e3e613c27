/*
 * Wrong: root gets no bypass: it is held to the bits like anyone, and
 * cannot open a file 0000 (or another user's 0600) to repair it.
 * caught by unit: test_allowed root
 */
/* REGION kernel/fs.c server 1 1 */
	unsigned t = st->mode & S_IFMT;
	if (t != S_IFREG && t != S_IFDIR)
		return -EIO; /* the server answered nonsense */
	bool rd = q->access != O_WRONLY, wr = q->access != O_RDONLY || q->write_needed;
	if (t == S_IFDIR && wr)
		return -EISDIR;
	unsigned shift = q->req.uid == st->uid ? 6 : q->req.gid == st->gid ? 3 : 0;
	unsigned bits = st->mode >> shift & 7;
	return (rd && !(bits & 4)) || (wr && !(bits & 2)) ? -EACCES : 0;
