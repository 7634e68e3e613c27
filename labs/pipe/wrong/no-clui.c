/*
 * Wrong: does not mask user interrupts (CLUI/STUI) around the
 * check-then-wait: a wake-up delivered between the last look and
 * wait() is taken by the handler and lost, and the end sleeps on.
 * caught by unit: test_pipe sleep_protocol
 */
/* REGION user/lib/pipe.c pipe 3 2 */
	__atomic_store_n(&h->hdr->waiting[h->end], 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* our flag before our last look */
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
	return r < 0 ? r : 0;
