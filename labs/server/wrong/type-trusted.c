/*
 * Wrong: the type in the server's answer is not checked: a device, a
 * pipe or garbage from a broken server is opened as a file.
 * caught by unit: test_allowed types
 */
/* REGION kernel/fs.c server 1 1 */
	unsigned t = st->mode & S_IFMT;
	bool rd = q->access != O_WRONLY, wr = q->access != O_RDONLY || q->write_needed;
	if (t == S_IFDIR && wr)
		return -EISDIR;
	if (q->req.uid == 0)
		return 0;
	unsigned shift = q->req.uid == st->uid ? 6 : q->req.gid == st->gid ? 3 : 0;
	unsigned bits = st->mode >> shift & 7;
	return (rd && !(bits & 4)) || (wr && !(bits & 2)) ? -EACCES : 0;
