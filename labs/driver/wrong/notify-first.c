/*
 * Wrong: virtio_submit tells the device before the chain is offered: it
 * may look at once, find nothing new and go back to sleep, and the chain
 * waits for the next notification (with task 3's batching, the
 * notification is not even sent: nothing new was offered).
 * caught by unit: test_virtq notify_counted notify_batched
 */
/* REGION user/lib/virtio.c driver 1 3 */
	virtio_notify(v, i);
	virtio_offer(v, i, head);
