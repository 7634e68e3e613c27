/*
 * Wrong: the used ring is indexed with `& size` where the mask is
 * size - 1: every other lap reads the slot just past the ring's end, and
 * the entries come back in the wrong order.
 * caught by unit: test_virtq wrap read_once
 */
/* REGION user/lib/virtio.c driver 2 1 */
	u16 idx = *q->used_idx;
	if ((u16)(idx - q->used_seen) > q->size)
		return -EIO;
	if (idx == q->used_seen)
		return 0;
	barrier();
	volatile struct vq_used_elem *u = &q->used[q->used_seen & q->size];
	e->id = u->id;
	e->len = u->len;
	q->used_seen++;
	return e->id < q->size ? 1 : -EIO;
