/*
 * Wrong: a WAIT_READ item is always ready, as a write is: a reader that
 * waits for its descriptor wakes at once, reads, blocks in the read.
 * caught by unit: test_wait fd_items
 */
/* REGION kernel/wait.c wait 1 1 */
	(void)f; /* a descriptor: reads just go and see */
	switch (it->type) {
	case WAIT_RING: /* destroyed since validate() (by a chain): ready, -EBADF next */
		return !t->rings[it->id] || ring_ready(t->rings[it->id]);
	case WAIT_CHILD:
		return child_exited(t->proc, it->id);
	case WAIT_UINTR: /* taking a vector: reported here, so it is never delivered too */
		return it->id ? uintr_take(t, it->id & (UINTR_NVEC - 1)) : uintr_pending(t);
	case WAIT_READ:
	default: /* WAIT_WRITE: the console never makes a writer wait */
		return true;
	}
