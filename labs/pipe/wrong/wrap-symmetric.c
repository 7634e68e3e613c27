/*
 * Wrong: copies across the end of the ring in one piece, in the reader
 * and the writer alike: both overrun the ring the same way, so between
 * two such ends the bytes look intact. A correct peer sees the mistake.
 * caught by unit: test_pipe wrap_against_peer
 */
/* REGION user/lib/pipe.c pipe 2 1 */
	unsigned e = h->end;
	for (int tries = 0;; tries++) {
		unsigned head = h->hdr->head[e].v; /* ours: only we move it */
		unsigned tail = __atomic_load_n(&h->hdr->tail[e].v, __ATOMIC_ACQUIRE);
		unsigned avail = tail - head;
		if (avail > PIPE_SIZE)
			return -EIO; /* the other end lies about its index */
		if (avail) {
			size_t k = MIN(n, avail);
			memcpy(buf, h->ring[e] + (head & (PIPE_SIZE - 1)), k);
			for (size_t i = k; i < k;) {
				unsigned at = (head + i) & (PIPE_SIZE - 1);
				size_t piece = MIN(k - i, PIPE_SIZE - at);
				memcpy(buf + i, h->ring[e] + at, piece);
				i += piece;
			}
			/* release: we are done with the bytes before the writer reuses them */
			__atomic_store_n(&h->hdr->head[e].v, head + k, __ATOMIC_RELEASE);
			wake(fd, h);
			return k;
		}
		if (__atomic_load_n(&h->hdr->closed[!e], __ATOMIC_ACQUIRE) &&
		    __atomic_load_n(&h->hdr->tail[e].v, __ATOMIC_ACQUIRE) == head)
			return 0; /* end of file: writer gone, nothing left */
		if (tries >= spin_tries) {
			long r = sleep_until(h, readable);
			if (r < 0)
				return r;
			tries = 0;
		}
	}
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
			memcpy(h->ring[o] + (tail & (PIPE_SIZE - 1)), buf, k);
			for (size_t i = k; i < k;) {
				unsigned at = (tail + i) & (PIPE_SIZE - 1);
				size_t piece = MIN(k - i, PIPE_SIZE - at);
				memcpy(h->ring[o] + at, buf + i, piece);
				i += piece;
			}
			/* release: the bytes are there before the reader sees the tail */
			__atomic_store_n(&h->hdr->tail[o].v, tail + k, __ATOMIC_RELEASE);
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
