/*
 * Wrong: publishes cq_tail before writing the completion: the program
 * may read the entry before it is there.
 * caught by unit: test_ring_race two_threads
 */
/* REGION kernel/ring.c ring 2 1 */
	struct cqe *c = &r->cq[r->cq_tail & (r->cq_entries - 1)];
	r->cq_tail++;
	__atomic_store_n(&r->hdr->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
	c->user_data = user_data;
	c->res = res;
	c->flags = flags;
