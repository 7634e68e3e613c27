/*
 * Wrong: only O_WRONLY counts as a write: O_RDWR is checked for reading
 * alone, and a read-only file is opened for writing.
 * caught by unit: test_allowed access
 */
/* REGION kernel/fs.c server 1 1 */
	unsigned t = st->mode & S_IFMT;
	if (t != S_IFREG && t != S_IFDIR)
		return -EIO; /* the server answered nonsense */
	bool rd = q->access != O_WRONLY, wr = q->access == O_WRONLY || q->write_needed;
	if (t == S_IFDIR && wr)
		return -EISDIR;
	if (q->req.uid == 0)
		return 0;
	unsigned shift = q->req.uid == st->uid ? 6 : q->req.gid == st->gid ? 3 : 0;
	unsigned bits = st->mode >> shift & 7;
	return (rd && !(bits & 4)) || (wr && !(bits & 2)) ? -EACCES : 0;
