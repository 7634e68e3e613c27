/*
 * Wrong: the device's VQ_USED_NO_NOTIFY is ignored: it is told about
 * every batch even while it is working on the queue and has said it
 * will look again by itself (an exit to the hypervisor each time, for
 * nothing).
 * caught by unit: test_virtq notify_suppressed
 */
/* REGION user/lib/virtio.c driver 3 1 */
	if (q->notified == q->avail_idx)
		return;
	q->notified = q->avail_idx;
	barrier();
