/*
 * Wrong: WAIT_UINTR_TAKE | v only looks: ready on any pending vector,
 * and takes nothing, so the vector is delivered too (a handler runs
 * for the wake-up the wait has already reported).
 * caught by unit: test_wait uintr_item
 */
/* REGION kernel/wait.c wait 1 1 */
	switch (it->type) {
	case WAIT_RING: /* destroyed since validate() (by a chain): ready, -EBADF next */
		return !t->rings[it->id] || ring_ready(t->rings[it->id]);
	case WAIT_CHILD:
		return child_exited(t->proc, it->id);
	case WAIT_UINTR: /* taking a vector: reported here, so it is never delivered too */
		return uintr_pending(t);
	case WAIT_READ:
		return !f || f->ops->readable(f);
	default: /* WAIT_WRITE: the console never makes a writer wait */
		return true;
	}
