/*
 * Wrong: sleeps without looking for chains deferred since it ran them:
 * their waker took sched_lock before us, found us awake, woke nobody,
 * and the completion they would post waits for another event.
 * caught by unit: test_wait deferred_no_sleep
 */
/* REGION kernel/wait.c wait 2 1 */
		(void)has_deferred;
		t->wake_at = deadline;
		sched_block(); /* whoever defers a chain or posts a completion wakes us */
		spin_unlock(&sched_lock);
