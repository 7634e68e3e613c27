/*
 * Wrong: the used index is not bounded by the queue's size: a device
 * that says it finished more chains than were ever offered (or moves the
 * index back) is followed around the ring, its stale entries taken as
 * completions.
 * caught by unit: test_virtq hostile_index
 */
/* REGION user/lib/virtio.c driver 2 1 */
	u16 idx = *q->used_idx;
	if (idx == q->used_seen)
		return 0;
	barrier();
	volatile struct vq_used_elem *u = &q->used[q->used_seen % q->size];
	e->id = u->id;
	e->len = u->len;
	q->used_seen++;
	return e->id < q->size ? 1 : -EIO;
