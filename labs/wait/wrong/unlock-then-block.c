/*
 * Wrong: lets go of sched_lock before blocking: a wake-up between the
 * check and the block finds the thread not blocked yet, does nothing,
 * and the thread then sleeps through it.
 * caught by unit: test_wait blocks deadline
 */
/* REGION kernel/wait.c wait 2 1 */
		if (has_deferred(t)) { /* appended since we ran them: its waker found us awake */
			spin_unlock(&sched_lock);
			continue;
		}
		t->wake_at = deadline;
		spin_unlock(&sched_lock); /* not asleep holding a lock */
		sched_block();
