/*
 * Wrong: sleeps without its deadline (wake_at): a wait with a timeout
 * and nothing to wake it sleeps forever.
 * caught by unit: test_wait deadline
 */
/* REGION kernel/wait.c wait 2 1 */
		if (has_deferred(t)) { /* appended since we ran them: its waker found us awake */
			spin_unlock(&sched_lock);
			continue;
		}
		t->wake_at = 0; /* woken by an event */
		sched_block(); /* whoever defers a chain or posts a completion wakes us */
		spin_unlock(&sched_lock);
