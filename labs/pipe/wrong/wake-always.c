/*
 * Wrong: sends a wake-up whether or not the other end sleeps (its
 * waiting flag is not looked at): an interrupt for every write.
 * caught by unit: test_pipe wake_only_sleepers
 */
/* REGION user/lib/pipe.c pipe 3 1 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* our index before its flag */
	__atomic_store_n(&h->hdr->waiting[!h->end], 0, __ATOMIC_SEQ_CST);
	if (h->wake < 0 || h->gen != __atomic_load_n(&h->hdr->gen[!h->end], __ATOMIC_RELAXED))
		attach(fd); /* it attached after us, or another thread took its place */
	if (h->wake >= 0) {
		uintr_send(h->wake);
		__atomic_add_fetch(&nwakes, 1, __ATOMIC_RELAXED);
	}
