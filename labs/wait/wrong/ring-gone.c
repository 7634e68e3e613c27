/*
 * Wrong: a WAIT_RING item whose ring was destroyed since validate() (by
 * a chain) is looked at anyway: a kernel fault on the NULL ring.
 * caught by unit: test_wait ring_gone
 */
/* REGION kernel/wait.c wait 1 1 */
	switch (it->type) {
	case WAIT_RING: /* destroyed since validate() (by a chain): ready, -EBADF next */
		return ring_ready(t->rings[it->id]);
	case WAIT_CHILD:
		return child_exited(t->proc, it->id);
	case WAIT_UINTR: /* taking a vector: reported here, so it is never delivered too */
		return it->id ? uintr_take(t, it->id & (UINTR_NVEC - 1)) : uintr_pending(t);
	case WAIT_READ:
		return !f || f->ops->readable(f);
	default: /* WAIT_WRITE: the console never makes a writer wait */
		return true;
	}
