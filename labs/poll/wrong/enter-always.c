/*
 * Wrong: the library enters the kernel on every submission to a polled
 * ring, whether or not the poller sleeps: a system call per operation,
 * which polling is there to save.
 * caught by grader: thread/polltes[t]
 */
/* REGION user/lib/ring.c poll 3 1 */
	if (u->polled) /* wake the poller every time, to be sure */
		return ring_enter(u->id, 0, RING_ENTER_WAKEUP);
