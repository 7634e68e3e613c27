/*
 * Wrong: the ready check misses an item type: WAIT_UINTR falls to the
 * default and always reads as ready, so a thread waiting for a user
 * interrupt never sleeps.
 * caught by unit: test_wait uintr_item
 */
/* REGION kernel/wait.c wait 1 1 */
	switch (it->type) {
	case WAIT_RING: /* destroyed since validate() (by a chain): ready, -EBADF next */
		return !t->rings[it->id] || ring_ready(t->rings[it->id]);
	case WAIT_CHILD:
		return child_exited(t->proc, it->id);
	case WAIT_READ:
		return !f || f->ops->readable(f);
	default: /* WAIT_WRITE: the console never makes a writer wait */
		return true;
	}
