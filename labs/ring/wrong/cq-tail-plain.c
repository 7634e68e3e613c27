/*
 * Wrong: publishes cq_tail with a plain store: nothing orders the
 * completion before it (the compiler or a weak CPU may reorder).
 * caught by unit: test_ring_race two_threads
 */
/* REGION kernel/ring.c ring 2 1 */
	struct cqe *c = &r->cq[r->cq_tail & (r->cq_entries - 1)];
	c->user_data = user_data;
	c->res = res;
	c->flags = flags;
	r->cq_tail++;
	r->hdr->cq_tail = r->cq_tail; /* a plain store: no release */
