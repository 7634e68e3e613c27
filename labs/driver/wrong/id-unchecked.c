/*
 * Wrong: the id of a used entry is trusted: blkd and netd index their
 * slots and buffers with it, so a device that names a chain the queue
 * cannot have makes them write outside their arrays.
 * caught by unit: test_virtq hostile_id
 */
/* REGION user/lib/virtio.c driver 2 1 */
	u16 idx = *q->used_idx;
	if ((u16)(idx - q->used_seen) > q->size)
		return -EIO;
	if (idx == q->used_seen)
		return 0;
	barrier();
	volatile struct vq_used_elem *u = &q->used[q->used_seen % q->size];
	e->id = u->id;
	e->len = u->len;
	q->used_seen++;
	return 1;
