/*
 * Wrong: the caller gets the bits of every class it is in (owner, group,
 * others together), not of exactly one: an owner whose own bits say no
 * is let in by the group's or the others'.
 * caught by unit: test_allowed owner
 */
/* REGION kernel/fs.c server 1 1 */
	unsigned t = st->mode & S_IFMT;
	if (t != S_IFREG && t != S_IFDIR)
		return -EIO; /* the server answered nonsense */
	bool rd = q->access != O_WRONLY, wr = q->access != O_RDONLY || q->write_needed;
	if (t == S_IFDIR && wr)
		return -EISDIR;
	if (q->req.uid == 0)
		return 0;
	unsigned bits = st->mode & 7;
	if (q->req.uid == st->uid)
		bits |= st->mode >> 6 & 7;
	if (q->req.gid == st->gid)
		bits |= st->mode >> 3 & 7;
	return (rd && !(bits & 4)) || (wr && !(bits & 2)) ? -EACCES : 0;
