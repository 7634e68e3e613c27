/*
 * Wrong: the available ring is laid out without its last field (the
 * 16-bit used_event after the ring, virtio 1.x 2.7.6), so the used ring
 * starts 2 bytes early for most sizes: the device's used ring overlaps
 * the end of the available ring.
 * caught by unit: test_virtq layout
 */
/* REGION user/lib/virtio.c driver 1 1 */
	avail_off = 16 * n, used_off = ROUND_UP(avail_off + 4 + 2 * n, 4);
	if (used_off + 6 + 8 * n > 4096)
		return -EINVAL;
	u8 *page;
	if (!(bus = virtio_dma(v, 4096, (void **)&page)))
		return -ENOMEM;
	q->size = n;
	q->desc = (struct vq_desc *)page;
	q->avail = (volatile u16 *)(page + avail_off);
	q->used_flags = (volatile u16 *)(page + used_off);
	q->used_idx = (volatile u16 *)(page + used_off + 2);
	q->used = (volatile struct vq_used_elem *)(page + used_off + 4);
