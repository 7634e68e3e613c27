/*
 * Wrong: reads sq_tail twice, once to check it and again in the loop,
 * so entries published while others run are taken too (and a tail
 * changed after the check is never checked).
 * caught by unit: test_ring tail_read_once
 */
/* REGION kernel/ring.c ring 1 2 */
	/* acquire: the entries are written before the tail that covers them */
	u32 tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	u32 avail = tail - r->sq_head;
	if (avail > r->sq_entries) {
		post_batch(r, NULL, 0); /* empty: it republishes cq_tail and the flags */
		return -EINVAL;
	}
	u32 n = MIN(max, ENTER_MAX);
	if (n == 1 && !r->proc->killed && !__atomic_load_n(&r->nbacklog, __ATOMIC_RELAXED))
		return consume_one(r);
	return consume_batch(r, n);
/* REGION kernel/ring.c ring 1 3 */
	struct proc *p = r->proc;
	struct cqe b[BATCH];
	u32 room = r->cq_entries - cq_used(r);
	/* b[0..c - b) gathered; posted when c reaches end: a pointer, not
	   an index (a batch of 128: 2 instructions an entry fewer on x86_64,
	   4 on riscv64) */
	struct cqe *c = b, *end = b + MIN(BATCH, room + 1);
	u32 done = 0;
	struct op first; /* each entry alone runs in it (take_entry) */
	op_start(r, &first);
	/* Killed, or completions in the backlog: stop. Looked at when no
	   completion is gathered (none: at the start, after each post and
	   each chain), not before every entry (3 instructions an entry):
	   what a batch gathers is at most BATCH entries more, each bounded,
	   and post_batch() keeps the backlog's order. */
	while (done < n && r->sq_head != __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE) &&
	       (c != b || (!p->killed && !__atomic_load_n(&r->nbacklog, __ATOMIC_RELAXED)))) {
		take_entry(r, &first);
		done++;
		/* Fast path: an entry alone (no LINK) that finishes at once
		   needs no chain: its completion joins the batch. Not
		   OP_EXIT/OP_THREAD_EXIT: they may not return, and what the
		   batch holds must be posted first; op_run() hands them back
		   unrun (OP_ALONE), for the chain's way. */
		if (!(first.sqe.flags & SQE_LINK)) {
			int res = op_run(&first, true);
			if (res < OP_ALONE) { /* a result: not OP_ALONE, not OP_PENDING */
				c->user_data = first.sqe.user_data;
				c->res = res;
				c->flags = first.cflags;
				if (++c == end) {
					room = post_batch(r, b, (u32)(c - b));
					c = b;
					end = b + MIN(BATCH, room + 1);
				}
				continue;
			}
			if (res == OP_PENDING)
				continue;
		}
		if (c != b) /* what ran before a chain completes before it */
			post_batch(r, b, (u32)(c - b));
		c = b;
		end = b + 1; /* the chain's completions take room: look again next time */
		/* gather the entries linked after it */
		struct op *prev = &first;
		for (int len = 1; (prev->sqe.flags & SQE_LINK) && done < n && len < LINK_MAX;
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
		op_start(r, &first); /* it headed a chain */
	}
	post_batch(r, b, (u32)(c - b)); /* even empty: it republishes cq_tail and the flags */
	return done;
