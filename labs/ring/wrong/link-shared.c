/*
 * Wrong: decides LINK from the shared entry, after it was copied and
 * its slot given back (sq_head), instead of from the kernel's copy: the
 * program may have reused the slot by then.
 * caught by unit: test_ring_race two_threads
 */
/* REGION kernel/ring.c ring 1 3 */
	struct proc *p = r->proc;
	u32 last = r->sq_head + n; /* sq_head once all n are taken */
	bool posted = false;	   /* a window_close() republished cq_tail and the flags */
	struct cqe one;		   /* the window when the CQ has no room */
	struct op first;	   /* each entry alone runs in it (take_entry) */
	op_start(r, &first);
	/* Killed, or completions in the backlog: stop. Looked at between
	   windows (at the start, after each window and each chain), not
	   before every entry (3 instructions an entry): a window holds at
	   most the CQ's room, each entry bounded, and window_close() keeps
	   the backlog's order. */
	while (r->sq_head != last && !p->killed &&
	       !__atomic_load_n(&r->nbacklog, __ATOMIC_RELAXED)) {
		struct cqe *end, *w = window_open(r, &one, last - r->sq_head, &end), *c = w;
		for (;;) {
			take_entry(r, &first);
			/* Fast path: an entry alone (no LINK) that finishes at
			   once needs no chain: its completion goes into the
			   window. Not OP_EXIT/OP_THREAD_EXIT: they may not
			   return, and the window must be published first;
			   op_run() hands them back unrun (OP_ALONE), for the
			   chain's way. */
			if (!(r->sq[(r->sq_head - 1) & (r->sq_entries - 1)].flags & SQE_LINK)) {
				int res = op_run(&first, true);
				if (res < OP_ALONE) { /* a result: not OP_ALONE, not OP_PENDING */
					c->user_data = first.sqe.user_data;
					c->res = res;
					c->flags = first.cflags;
					if (++c != end)
						continue;
					break;
				}
				if (res == OP_PENDING) {
					/* one entry fewer left, no slot taken: end
					   may not stay beyond what is left to take.
					   As pointers: as a count (end - c), riscv64
					   worked it out before every entry's test of
					   res (3 instructions an entry) */
					if (c + (last - r->sq_head) < end)
						end--;
					if (c != end)
						continue;
					break;
				}
			}
			/* what ran before a chain completes before it */
			window_close(r, &one, w, c);
			posted = true;
			/* gather the entries linked after it */
			struct op *prev = &first;
			for (int len = 1;
			     (r->sq[(r->sq_head - 1) & (r->sq_entries - 1)].flags & SQE_LINK) && r->sq_head != last && len < LINK_MAX;
			     len++) {
				struct op *o = kmalloc(sizeof(*o));
				if (!o)
					break; /* the chain ends here; the rest stays queued */
				take(r, o);
				prev->chain = o;
				prev = o;
			}
			op_chain(&first, false, false);
			op_start(r, &first); /* it headed a chain */
			w = NULL;
			break;
		}
		if (w) {
			window_close(r, &one, w, c);
			posted = true;
		}
	}
	/* Every way out republishes cq_tail and the flags: a call that
	   opened no window posts an empty batch. */
	if (!posted)
		post_batch(r, NULL, 0);
	return n - (last - r->sq_head);
