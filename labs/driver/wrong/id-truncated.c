/*
 * Wrong: the id is checked after it was cut to 16 bits (descriptor
 * numbers are 16-bit, the used entry's id is 32): 0x10003 passes as 3,
 * and the caller, which reads e->id, gets the device's 0x10003.
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
	u16 id = e->id;
	return id < q->size ? 1 : -EIO;
