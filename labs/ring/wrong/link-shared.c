/*
 * Wrong: decides LINK from the shared entry, after it was copied and
 * its slot given back (sq_head), instead of from the kernel's copy: the
 * program may have reused the slot by then.
 * caught by unit: test_ring_race two_threads
 */
/* REGION kernel/ring.c ring 1 2 */
	/* acquire: the entries are written before the tail that covers them */
	u32 tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	u32 avail = tail - r->sq_head;
	if (avail > r->sq_entries) {
		post_batch(r, NULL, 0); /* empty: it republishes cq_tail and the flags */
		return -EINVAL;
	}
	u32 n = MIN(MIN(max, avail), ENTER_MAX);
	if (n == 1 && !p->killed && !__atomic_load_n(&r->nbacklog, __ATOMIC_RELAXED))
		return consume_one(r);
	/* The completions of entries alone that finish at once, gathered
	   (b[0..nb)) and posted together when there are `limit` of them:
	   BATCH, or fewer if the CQ may fill up first - one more than its
	   room, so that a full CQ puts one in the backlog and the loop
	   stops, as with post(). A completion posted meanwhile on another
	   CPU only makes us post a batch sooner or later. */
	struct cqe b[BATCH];
	u32 nb = 0, room = r->cq_entries - cq_used(r);
	u32 limit = MIN(BATCH, room + 1);
	u32 done = 0;
	while (done < n && !p->killed && !__atomic_load_n(&r->nbacklog, __ATOMIC_RELAXED)) {
		struct op first;
		take(r, &first);
		done++;
		/* Fast path: an entry alone (no LINK) that finishes at once
		   needs no chain: its completion joins the batch. Not
		   OP_EXIT/OP_THREAD_EXIT: they may not return, and what the
		   batch holds must be posted first. */
		if (!(r->sq[(r->sq_head - 1) & (r->sq_entries - 1)].flags & SQE_LINK) && first.sqe.opcode != OP_EXIT &&
		    first.sqe.opcode != OP_THREAD_EXIT) {
			int res = op_run(&first);
			if (res != OP_PENDING) {
				b[nb].user_data = first.sqe.user_data;
				b[nb].res = res;
				b[nb].flags = first.cflags;
				if (++nb == limit) {
					room = post_batch(r, b, nb);
					nb = 0;
					limit = MIN(BATCH, room + 1);
				}
			}
			continue;
		}
		if (nb) /* what ran before a chain completes before it */
			post_batch(r, b, nb);
		nb = 0;
		limit = 1; /* the chain's completions take room: look again next time */
		/* gather the entries linked after it */
		struct op *prev = &first;
		for (int len = 1; (r->sq[(r->sq_head - 1) & (r->sq_entries - 1)].flags & SQE_LINK) && done < n && len < LINK_MAX;
		     len++) {
			struct op *o = kmalloc(sizeof(*o));
			if (!o)
				break; /* the chain ends here; the rest stays queued */
			take(r, o);
			done++;
			prev->chain = o;
			prev = o;
		}
		op_chain(&first, false, false);
	}
	post_batch(r, b, nb); /* even empty: it republishes cq_tail and the flags */
	return done;
