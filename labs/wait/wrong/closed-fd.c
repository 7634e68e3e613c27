/*
 * Wrong: a WAIT_READ item whose descriptor was closed since validate()
 * (f NULL) is looked at anyway: a kernel fault.
 * caught by unit: test_wait fd_items
 */
/* REGION kernel/wait.c wait 1 1 */
	switch (it->type) {
	case WAIT_RING: /* destroyed since validate() (by a chain): ready, -EBADF next */
		return !t->rings[it->id] || ring_ready(t->rings[it->id]);
	case WAIT_CHILD:
		return child_exited(t->proc, it->id);
	case WAIT_UINTR: /* taking a vector: reported here, so it is never delivered too */
		return it->id ? uintr_take(t, it->id & (UINTR_NVEC - 1)) : uintr_pending(t);
	case WAIT_READ:
		return f->ops->readable(f);
	default: /* WAIT_WRITE: the console never makes a writer wait */
		return true;
	}
