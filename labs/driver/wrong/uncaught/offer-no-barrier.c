/*
 * Wrong, and no test sees it: no barrier between the ring entry and the
 * index. In program order the entry is still written first (both are
 * volatile stores, which the compiler keeps in order, and an x86 CPU
 * keeps stores in order too), so the host unit test, which sees this
 * thread's accesses in program order, passes; on riscv64 the device may
 * see the index before the entry (RVWMO reorders stores to different
 * addresses, and the device reads memory as another agent). Graded in
 * the questions (labs/driver/README.md, question 2).
 */
/* REGION user/lib/virtio.c driver 1 2 */
	q->avail[2 + q->avail_idx % q->size] = head;
	q->avail[1] = ++q->avail_idx;
