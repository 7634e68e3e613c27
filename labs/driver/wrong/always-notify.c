/*
 * Wrong: nothing is remembered between calls: every virtio_notify tells
 * the device, even when nothing was offered since it was last told
 * (netd's loop would pay a register write, an exit on a real
 * hypervisor, for each empty round).
 * caught by unit: test_virtq notify_batched
 */
/* REGION user/lib/virtio.c driver 3 1 */
	barrier();
	if (*q->used_flags & VQ_USED_NO_NOTIFY)
		return;
