/*
 * Wrong: decides LINK from the shared entry, after it was copied and
 * its slot given back (sq_head), instead of from the kernel's copy: the
 * program may have reused the slot by then.
 * caught by unit: test_ring_race two_threads
 */
/* REGION kernel/ring.c ring 1 3 */
	struct proc *p = r->proc;
	u32 last = r->sq_head + n; /* sq_head once all n are taken */
	struct cqe one;		   /* the window when the CQ has no room */
	struct op first;	   /* each entry alone runs in it (take_entry) */
	/* Killed, or completions in the backlog: stop. Looked at between
	   windows (at the start, after each window and each chain), not
	   before every entry (3 instructions an entry): a window holds at
	   most the CQ's room, each entry bounded, and window_close() keeps
	   the backlog's order. */
	if (!go_on(r, p, last)) {
		/* Every way out republishes cq_tail and the flags: each
		   window's close does, and a call that opens none posts an
		   empty batch (a flag saying which cost a batch of 8 NOPs 6
		   instructions a call on riscv64, 1 on x86_64) */
		post_batch(r, NULL, 0);
		return n - (last - r->sq_head);
	}
	op_start(r, &first);
	do {
		u32 wrap, before = 0; /* slots after the CQ's end; filled before it */
		struct cqe *end, *w = window_open(r, &one, last - r->sq_head, &end, &wrap), *c = w;
		for (;;) {
			take_entry(r, &first);
			/* Fast path: an entry alone (no LINK) that finishes at
			   once needs no chain: its completion goes into the
			   window. Not OP_EXIT/OP_THREAD_EXIT: they may not
			   return, and the window must be published first;
			   op_run() hands them back unrun (OP_ALONE), for the
			   chain's way. */
			if (!(r->sq[(r->sq_head - 1) & (r->sq_entries - 1)].flags & SQE_LINK)) {
				int res = op_run(&first);
				if (res < OP_ALONE) { /* a result: not OP_ALONE, not OP_PENDING */
					c->user_data = first.sqe.user_data;
					c->res = res;
					c->flags = first.cflags;
					if (++c != end)
						continue;
					if (!wrap)
						break;
					/* the window goes on at the CQ's start */
					before = (u32)(c - w);
					w = c = r->cq;
					end = c + wrap;
					wrap = 0;
					continue;
				}
				if (res == OP_PENDING) {
					/* one entry fewer left, no slot taken: the
					   window may not stay larger than what is
					   left to take. Without its part after the
					   wrap it is not; else end comes one nearer
					   if it must (as pointers: as a count, end
					   - c, riscv64 worked it out before every
					   entry's test of res, 3 instructions an
					   entry) */
					if (wrap)
						wrap = 0;
					else if (c + (last - r->sq_head) < end)
						end--;
					if (c != end)
						continue;
					break;
				}
			}
			/* what ran before a chain completes before it */
			window_close(r, &one, before, w, c);
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
		if (w)
			window_close(r, &one, before, w, c);
	} while (go_on(r, p, last));
	return n - (last - r->sq_head);
