/*
 * Wrong: no full barrier between raising the waiting flag and the last
 * look: the store may pass the load (store-load reordering, on both
 * arches), the writer misses the flag, the reader misses the bytes, and
 * both wait.
 * Not caught: ThreadSanitizer does not model fences, and the reordering
 * is too rare on a host to count on. Graded in the questions.
 */
/* REGION user/lib/pipe.c pipe 3 2 */
	uintr_disable();
	__atomic_store_n(&h->hdr->waiting[h->end], 1, __ATOMIC_RELAXED);
	long r = 0;
	if (!ready(h)) {
		__atomic_add_fetch(&nsleeps, 1, __ATOMIC_RELAXED);
		struct wait_item it = {.type = WAIT_UINTR};
		struct wait_event ev;
		r = wait(&it, 1, &ev, 1, -1);
		if (r == -EINTR)
			r = 0;
	}
	__atomic_store_n(&h->hdr->waiting[h->end], 0, __ATOMIC_RELAXED);
	uintr_enable(); /* the wake-up, if it came, is delivered here */
	return r < 0 ? r : 0;
