/*
 * Wrong: publishes the tail without release: the reader may see the new
 * tail before the bytes it covers.
 * caught by unit: test_pipe_race two_threads
 */
/* REGION user/lib/pipe.c pipe 2 2 */
	unsigned o = !h->end; /* we write the other end's inbox */
	for (int tries = 0;; tries++) {
		if (__atomic_load_n(&h->hdr->closed[o], __ATOMIC_ACQUIRE))
			return -EPIPE;
		unsigned tail = h->hdr->tail[o].v; /* ours */
		unsigned head = __atomic_load_n(&h->hdr->head[o].v, __ATOMIC_ACQUIRE);
		unsigned used = tail - head;
		if (used > PIPE_SIZE)
			return -EIO;
		if (used < PIPE_SIZE) {
			size_t k = MIN(n, PIPE_SIZE - used);
			for (size_t i = 0; i < k;) {
				unsigned at = (tail + i) & (PIPE_SIZE - 1);
				size_t piece = MIN(k - i, PIPE_SIZE - at);
				memcpy(h->ring[o] + at, buf + i, piece);
				i += piece;
			}
			/* release: the bytes are there before the reader sees the tail */
			__atomic_store_n(&h->hdr->tail[o].v, tail + k, __ATOMIC_RELAXED);
			wake(fd, h);
			return k;
		}
		if (tries >= spin_tries) {
			long r = sleep_until(h, writable);
			if (r < 0)
				return r;
			tries = 0;
		}
	}
