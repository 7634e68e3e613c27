/*
 * Wrong: a directory may be opened for writing: its entries are the
 * server's to change (create, unlink, rename), not a client's bytes.
 * caught by unit: test_allowed types
 */
/* REGION kernel/fs.c server 1 1 */
	unsigned t = st->mode & S_IFMT;
	if (t != S_IFREG && t != S_IFDIR)
		return -EIO; /* the server answered nonsense */
	bool rd = q->access != O_WRONLY, wr = q->access != O_RDONLY || q->write_needed;
	if (q->req.uid == 0)
		return 0;
	unsigned shift = q->req.uid == st->uid ? 6 : q->req.gid == st->gid ? 3 : 0;
	unsigned bits = st->mode >> shift & 7;
	return (rd && !(bits & 4)) || (wr && !(bits & 2)) ? -EACCES : 0;
