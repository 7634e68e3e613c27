/*
 * Wrong: indexes the SQ with the sq_mask of the shared header, which
 * the program can set to anything: a hostile mask reads outside the ring.
 * caught by unit: test_ring hostile_header
 */
/* REGION kernel/ring.c ring 1 1 */
	/* a struct copy: inline word moves, where a memcpy call cost 28 more */
	op->sqe = r->sq[r->sq_head & r->hdr->sq_mask];
	r->sq_head++;
	__atomic_store_n(&r->hdr->sq_head, r->sq_head, __ATOMIC_RELEASE);
	op->file = NULL;
	op->deadline = 0;
	op->cflags = 0;
