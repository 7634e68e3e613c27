/*
 * Wrong: publishes sq_head before copying the entry: the program may
 * reuse the slot while the kernel still reads it.
 * caught by unit: test_ring_race two_threads
 */
/* REGION kernel/ring.c ring 1 1 */
	r->sq_head++;
	__atomic_store_n(&r->hdr->sq_head, r->sq_head, __ATOMIC_RELEASE);
	op->sqe = r->sq[(r->sq_head - 1) & (r->sq_entries - 1)];
	op->file = NULL;
	op->deadline = 0;
	op->cflags = 0;
