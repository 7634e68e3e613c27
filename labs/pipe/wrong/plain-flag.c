/*
 * Wrong: takes the other end's waiting flag with a plain load and a plain
 * store instead of an exchange: the compiler may keep, merge or drop
 * them, and the sleeper's flag can be lost between the two.
 * caught by unit: test_pipe_race two_threads
 */
/* REGION user/lib/pipe.c pipe 3 1 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* our index before its flag */
	if (!h->hdr->waiting[!h->end])
		return;
	h->hdr->waiting[!h->end] = 0; /* a plain load and store, not an exchange */
	if (h->wake < 0 || h->gen != __atomic_load_n(&h->hdr->gen[!h->end], __ATOMIC_RELAXED))
		attach(fd); /* it attached after us, or another thread took its place */
	if (h->wake >= 0) {
		uintr_send(h->wake);
		__atomic_add_fetch(&nwakes, 1, __ATOMIC_RELAXED);
	}
