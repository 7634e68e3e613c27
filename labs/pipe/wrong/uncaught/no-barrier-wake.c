/*
 * Wrong: no full barrier between publishing the index and looking at
 * the other end's waiting flag: the mirror image of no-barrier-sleep.
 * Not caught, for the same reasons. Graded in the questions.
 */
/* REGION user/lib/pipe.c pipe 3 1 */
	if (!__atomic_load_n(&h->hdr->waiting[!h->end], __ATOMIC_RELAXED) ||
	    !__atomic_exchange_n(&h->hdr->waiting[!h->end], 0, __ATOMIC_SEQ_CST))
		return;
	if (h->wake < 0 || h->gen != __atomic_load_n(&h->hdr->gen[!h->end], __ATOMIC_RELAXED))
		attach(fd); /* it attached after us, or another thread took its place */
	if (h->wake >= 0) {
		uintr_send(h->wake);
		__atomic_add_fetch(&nwakes, 1, __ATOMIC_RELAXED);
	}
