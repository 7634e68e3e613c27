/*
 * Wrong: raises closed but does not kick the other end: a reader already
 * asleep never learns of the end of file.
 * Caught by the grader test pipe/pipetest (hw-eof-reader-asleep; seen on
 * x86_64: 0/8 of pipe/pipetest*), but only through the test's timeout
 * (about 7 minutes an arch), too slow for make test-labs: not run there.
 */
/* REGION kernel/pipe.c pipe 1 1 */
	struct pipe *p = f->priv;
	int end = f->arg;
	__atomic_store_n(&p->hdr->closed[end], 1, __ATOMIC_SEQ_CST);
	spin_lock(&p->lock);
	struct urecv *mine = p->recv[end];
	p->recv[end] = NULL;
	spin_unlock(&p->lock);
	if (mine)
		uintr_put(mine);
	pipe_put(p);
