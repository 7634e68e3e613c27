/*
 * Wrong: the used index is read twice, once to check it and once to
 * compare it: a device that moves it in between (as it may, any time)
 * gets a value past the bound check.
 * caught by unit: test_virtq read_once
 */
/* REGION user/lib/virtio.c driver 2 1 */
	if ((u16)(*q->used_idx - q->used_seen) > q->size)
		return -EIO;
	if (*q->used_idx == q->used_seen)
		return 0;
	barrier();
	volatile struct vq_used_elem *u = &q->used[q->used_seen % q->size];
	e->id = u->id;
	e->len = u->len;
	q->used_seen++;
	return e->id < q->size ? 1 : -EIO;
