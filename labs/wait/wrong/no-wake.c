/*
 * Wrong: a completion wakes nobody: the ring's owner, blocked in wait()
 * on that ring, sleeps on with its completion in the CQ.
 * caught by unit: test_wake completion_wakes_owner
 */
/* REGION kernel/ring.c wait 2 1 */
	(void)r; /* the owner sees the CQ when it next looks */
