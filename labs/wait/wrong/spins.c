/*
 * Wrong: never sleeps: with nothing ready it yields and looks again, a
 * CPU's worth of rounds for a thread that waits.
 * caught by unit: test_wait blocks
 */
/* REGION kernel/wait.c wait 2 1 */
		(void)has_deferred;
		spin_unlock(&sched_lock);
		sched_yield(); /* someone else may make it ready */
