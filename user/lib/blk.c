/*
 * blk.c - the block protocol's client side (user/include/blk.h):
 * requests to blkd over a connection to BLK_PATH, each a header and
 * (a write) its data; replies a header and (a read) its data. Blocking
 * calls through the hardware pipe's pipe_write_all/pipe_read_all.
 */
#include "user.h"
#include "blk.h"

int blk_open(void)
{
	return open(BLK_PATH, O_RDWR, 0);
}

int blk_send(int fd, const struct blk_req *q, const void *data)
{
	long r = pipe_write_all(fd, q, sizeof(*q));
	if (r >= 0 && q->op == BLK_WRITE && !(q->flags & BLK_BUF))
		r = pipe_write_all(fd, data, (u64)q->count * BLK_SIZE);
	return r < 0 ? r : 0;
}

int blk_recv(int fd, struct blk_reply *a, void *(*data_of)(u32 tag, void *arg, u32 *len), void *arg)
{
	long r = pipe_read_all(fd, a, sizeof(*a));
	if (r >= 0 && r != sizeof(*a))
		return -EIO; /* the server went away */
	u32 len = 0;
	void *buf = r >= 0 && a->status == 0 && data_of ? data_of(a->tag, arg, &len) : NULL;
	if (buf && len) {
		r = pipe_read_all(fd, buf, len);
		if (r >= 0 && r != len)
			return -EIO;
	}
	return r < 0 ? r : 0;
}

/* One request, one reply: the reply's data (a read's) goes to buf. */
struct one {
	void *buf;
	u32 len;
};

static void *one_data(u32 tag, void *arg, u32 *len)
{
	struct one *o = arg;
	(void)tag;
	*len = o->len;
	return o->buf;
}

static long call(int fd, struct blk_req q, const void *out, void *in)
{
	if ((q.op == BLK_READ || q.op == BLK_WRITE) && (q.count == 0 || q.count > BLK_MAX))
		return -EINVAL; /* blkd would close the connection */
	struct one o = {in, in ? q.count * BLK_SIZE : 0};
	struct blk_reply a;
	int r = blk_send(fd, &q, out);
	if (r == 0)
		r = blk_recv(fd, &a, one_data, &o);
	if (r == 0 && a.tag != q.tag)
		r = -EIO;
	if (r < 0)
		return r;
	return a.status < 0 ? a.status : (long)a.value;
}

int blk_read(int fd, u64 block, u32 count, void *buf)
{
	return call(fd, (struct blk_req){.op = BLK_READ, .tag = 1, .block = block, .count = count},
		    NULL, buf);
}

int blk_write(int fd, u64 block, u32 count, const void *buf)
{
	return call(fd, (struct blk_req){.op = BLK_WRITE, .tag = 2, .block = block, .count = count},
		    buf, NULL);
}

int blk_flush(int fd)
{
	return call(fd, (struct blk_req){.op = BLK_FLUSH, .tag = 3}, NULL, NULL);
}

long long blk_size(int fd)
{
	return call(fd, (struct blk_req){.op = BLK_INFO, .tag = 4}, NULL, NULL);
}
