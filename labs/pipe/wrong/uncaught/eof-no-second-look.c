/*
 * Wrong: end of file as soon as closed is seen, without a second look
 * at the tail: bytes written just before the close are lost.
 * Not caught: the bytes must arrive between the reader's look at the
 * tail and its look at closed, a window of a few instructions that
 * test_pipe_race's end_of_file (2000 short pipes) does not hit reliably.
 * Graded in the questions (labs/pipe/README.md).
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
			for (size_t i = 0; i < k;) { /* at most two pieces: the ring wraps */
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
		if (__atomic_load_n(&h->hdr->closed[!e], __ATOMIC_ACQUIRE))
			return 0; /* end of file: writer gone, nothing left */
		if (tries >= spin_tries) {
			long r = sleep_until(h, readable);
			if (r < 0)
				return r;
			tries = 0;
		}
	}
