/*
 * Wrong: the available index is published before the ring entry it
 * names is written: a device that looks at the index in between takes
 * whatever the slot held before (a chain already done, or garbage).
 * caught by unit: test_virtq offer_order wrap
 */
/* REGION user/lib/virtio.c driver 1 2 */
	q->avail[1] = q->avail_idx + 1;
	barrier();
	q->avail[2 + q->avail_idx % q->size] = head;
	q->avail_idx++;
