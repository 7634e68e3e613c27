/*
 * Wrong: used_seen is not moved past the entry taken: the same
 * completion comes back for ever (blkd would answer one request again
 * and again, and never the next).
 * caught by unit: test_virtq wrap read_once
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
	return e->id < q->size ? 1 : -EIO;
