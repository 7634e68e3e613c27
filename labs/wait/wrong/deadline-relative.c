/*
 * Wrong: sets the wake-up to the timeout itself, not to now + timeout:
 * an absolute time long past, or (-1) never.
 * caught by unit: test_wait blocks deadline
 */
/* REGION kernel/wait.c wait 2 1 */
		if (has_deferred(t)) { /* appended since we ran them: its waker found us awake */
			spin_unlock(&sched_lock);
			continue;
		}
		t->wake_at = (u64)timeout_ns;
		sched_block(); /* whoever defers a chain or posts a completion wakes us */
		spin_unlock(&sched_lock);
