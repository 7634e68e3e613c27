/*
 * test_virtq.c - the split virtqueue of the user-space virtio driver
 * (user/lib/virtio.c; docs/drivers.md) on the host, against a fake
 * device in host memory: virtio_start() lays the queue out in a page the
 * test hands it as DMA memory and programs the fake's registers (a
 * virtio-mmio window, or virtio-pci's common configuration), and the
 * test then plays the device on that page.
 *
 * Every access the driver makes to the queue's page and to the register
 * window is seen: both are kept PROT_NONE while a driver call runs, each
 * access faults, is logged (where, read or write) and is single-stepped
 * (the trap flag) with the page opened, which is closed again after it.
 * So the order of the driver's stores shows (the device looks at the
 * ring entry the moment the available index is written), a second read
 * of the used index shows, and so does any access outside the rings.
 * The log is of this thread's accesses in program order; barriers, and
 * what another CPU would see without them, are not visible here
 * (labs/driver/answers.md asks about them). x86_64 hosts only (the trap
 * flag and the page-fault error code).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <cmocka.h>

/* the C library's names that user.h declares its own way */
#define kill	 user_kill
#define close	 user_close
#define fprintf	 user_fprintf
#define vfprintf user_vfprintf
#include "../../user/lib/virtio.c"
#undef kill
#undef close
#undef fprintf
#undef vfprintf

#ifndef __x86_64__
#error "test_virtq traces memory accesses with the x86 trap flag"
#endif
/* x86_64's saved registers in a signal's context (sys/ucontext.h's
   REG_EFL and REG_ERR, which need _GNU_SOURCE and with it headers that
   clash with the C library of user/include) */
enum { GREG_EFL = 17, GREG_ERR = 19 };
#define TF 0x100 /* rflags: trap after the next instruction */

#define BUS 0x87650000ull /* the page's bus address: not where the driver sees it */
enum { PCI_NOTIFY_OFF = 3, PCI_MULT = 4 };

static u8 *page; /* the queue's DMA page */
static u8 *win;	 /* the register window: virtio-mmio's, or virtio-pci's notify window */
static u8 common[0x40];
static struct virtio v;
static struct vq *q;
static bool pci;
static int dmas;

/* ---- the trace ----------------------------------------------------------- */

enum { PAGE, WIN };
struct access {
	u8 where; /* PAGE or WIN */
	bool write;
	u16 off;   /* in it */
	u32 val;   /* a write: what it left there */
	u16 entry; /* a write of the available index: the entry it publishes */
};
#define NLOG 64
static struct access trace[NLOG];
static int ntrace;
static bool overflow, wild;
static u8 *stepping; /* the page opened for the access being stepped */
static struct sigaction cmocka_segv;
static u32 avail_off, used_off; /* the layout, as the registers say */

static void shut(bool closed)
{
	mprotect(page, 4096, closed ? PROT_NONE : PROT_READ | PROT_WRITE);
	mprotect(win, 4096, closed ? PROT_NONE : PROT_READ | PROT_WRITE);
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	u8 *a = si->si_addr;
	u8 *base = a >= page && a < page + 4096 ? page : a >= win && a < win + 4096 ? win : NULL;
	if (!base || stepping) {
		/* not the driver's queue: a real crash, for cmocka to report */
		wild = true;
		shut(false);
		sigaction(SIGSEGV, &cmocka_segv, NULL);
		if (cmocka_segv.sa_flags & SA_SIGINFO)
			cmocka_segv.sa_sigaction(sig, si, ctx);
		else if (cmocka_segv.sa_handler != SIG_DFL && cmocka_segv.sa_handler != SIG_IGN)
			cmocka_segv.sa_handler(sig);
		return;
	}
	if (ntrace == NLOG) {
		overflow = true;
		ntrace--;
	}
	trace[ntrace++] = (struct access){.where = base == page ? PAGE : WIN,
					  .write = uc->uc_mcontext.gregs[GREG_ERR] & 2,
					  .off = a - base};
	stepping = base;
	mprotect(base, 4096, PROT_READ | PROT_WRITE);
	uc->uc_mcontext.gregs[GREG_EFL] |= TF; /* trap after this one instruction */
}

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	ucontext_t *uc = ctx;
	uc->uc_mcontext.gregs[GREG_EFL] &= ~TF;
	if (!stepping)
		return;
	struct access *t = &trace[ntrace - 1];
	if (t->write) {
		t->val = t->where == WIN && !pci ? *(u32 *)(win + (t->off & ~3))
						 : *(u16 *)(stepping + (t->off & ~1));
		/* the device sees the index: the entry it names must be there already */
		if (t->where == PAGE && t->off == avail_off + 2)
			t->entry =
			    *(u16 *)(page + avail_off + 4 + 2 * ((u16)(t->val - 1) % q->size));
	}
	mprotect(stepping, 4096, PROT_NONE);
	stepping = NULL;
}

static void trace_on(void)
{
	ntrace = 0;
	overflow = wild = false;
	struct sigaction s = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER};
	sigaction(SIGSEGV, &s, &cmocka_segv);
	s.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &s, NULL);
	shut(true);
}

static void trace_off(void)
{
	shut(false);
	sigaction(SIGSEGV, &cmocka_segv, NULL);
	assert_false(wild);
	assert_false(overflow);
}

/* Accesses of the trace at [lo, hi) of where, by kind. */
static int count(int where, bool write, unsigned lo, unsigned hi)
{
	int n = 0;
	for (int i = 0; i < ntrace; i++)
		n += trace[i].where == where && trace[i].write == write && trace[i].off >= lo &&
		     trace[i].off < hi;
	return n;
}

/* Index in the trace of the first such access, or -1. */
static int first(int where, bool write, unsigned lo, unsigned hi)
{
	for (int i = 0; i < ntrace; i++)
		if (trace[i].where == where && trace[i].write == write && trace[i].off >= lo &&
		    trace[i].off < hi)
			return i;
	return -1;
}

static unsigned notify_off(void)
{
	return pci ? PCI_NOTIFY_OFF * PCI_MULT : 0x050;
}

/* ---- the driver's calls, traced ------------------------------------------- */

#define AVAIL_IDX  avail_off + 2, avail_off + 4
#define AVAIL_RING avail_off + 4, avail_off + 4 + 2 * q->size
#define USED_FLAGS used_off, used_off + 2
#define USED_IDX   used_off + 2, used_off + 4
#define USED_RING  used_off + 4, used_off + 4 + 8 * q->size
#define NOTIFY	   notify_off(), notify_off() + (pci ? 2 : 4)

static int notified; /* notifications the device got */

/* The notifications of the trace: each says which queue (0). */
static int notifications(void)
{
	int n = 0;
	for (int i = 0; i < ntrace; i++) {
		if (trace[i].where != WIN)
			continue;
		/* the driver writes nothing else in the window here */
		assert_true(trace[i].write);
		assert_int_equal(trace[i].off, notify_off());
		assert_int_equal(trace[i].val, 0);
		n++;
	}
	notified += n;
	return n;
}

/* The page's accesses of an offer or a notification: the available
   ring's entries and index written, the used ring's flags read. */
static void only_avail(void)
{
	int ok = count(PAGE, true, AVAIL_IDX) + count(PAGE, true, AVAIL_RING) +
		 count(PAGE, false, USED_FLAGS);
	for (int i = 0; i < ntrace; i++)
		ok -= trace[i].where == PAGE;
	assert_int_equal(ok, 0);
}

/* The available index written once, after the entry it publishes: head. */
static void published(u16 head, u16 idx)
{
	int at = first(PAGE, true, AVAIL_IDX);
	assert_true(at >= 0);
	assert_int_equal(count(PAGE, true, AVAIL_IDX), 1);
	assert_int_equal(trace[at].val, idx);
	assert_int_equal(trace[at].entry, head);
}

static void offer(u16 head)
{
	u16 idx = q->avail_idx + 1;
	trace_on();
	virtio_offer(&v, 0, head);
	trace_off();
	only_avail();
	published(head, idx);
	assert_int_equal(notifications(), 0);
}

static int notify(void)
{
	trace_on();
	virtio_notify(&v, 0);
	trace_off();
	only_avail();
	assert_int_equal(count(PAGE, true, 0, 4096), 0); /* telling changes no ring */
	return notifications();
}

static void submit(u16 head)
{
	u16 idx = q->avail_idx + 1;
	trace_on();
	virtio_submit(&v, 0, head);
	trace_off();
	only_avail();
	published(head, idx);
	int n = notifications();
	assert_int_equal(n, 1); /* the used ring's flags are clear here */
	/* told after the index is out: else it may look too early, and sleep */
	assert_true(first(WIN, true, NOTIFY) > first(PAGE, true, AVAIL_IDX));
}

/* virtio_next_used, traced: the used index read at most once, nothing
   written, nothing read outside the used ring's index and entries. */
static int next_used(struct vq_used_elem *e)
{
	trace_on();
	int r = virtio_next_used(&v, 0, e);
	trace_off();
	assert_true(count(PAGE, false, USED_IDX) <= 1);
	assert_int_equal(count(PAGE, true, 0, 4096), 0);
	assert_int_equal(count(PAGE, false, USED_IDX) + count(PAGE, false, USED_RING), ntrace);
	return r;
}

/* ---- the device ----------------------------------------------------------- */

static u16 dev_avail, dev_used; /* the device's own counts */

static volatile u16 *avail_idx(void)
{
	return (volatile u16 *)(page + avail_off + 2);
}
static volatile u16 *used_idx(void)
{
	return (volatile u16 *)(page + used_off + 2);
}
static volatile u16 *used_flags(void)
{
	return (volatile u16 *)(page + used_off);
}

/* Take what was offered (at most max): the heads into h; each slot read
   is poisoned, so an offer must write its entry again. */
static int dev_take(u16 *h, int max)
{
	int n = 0;
	while (dev_avail != *avail_idx() && n < max) {
		volatile u16 *slot = (volatile u16 *)(page + avail_off + 4) + dev_avail % q->size;
		h[n++] = *slot;
		*slot = 0xbeef;
		dev_avail++;
	}
	return n;
}

/* Post a used entry; with publish, its index too. */
static void dev_post(u32 id, u32 len, bool publish)
{
	volatile struct vq_used_elem *u =
	    (volatile struct vq_used_elem *)(page + used_off + 4) + dev_used % q->size;
	u->id = id;
	u->len = len;
	dev_used++;
	if (publish)
		*used_idx() = dev_used;
}

/* ---- set-up ---------------------------------------------------------------- */

long ring_call(const struct sqe *e, unsigned *cflags)
{
	(void)cflags;
	assert_int_equal(e->opcode, OP_DEV_DMA);
	assert_int_equal(e->len, 4096);
	struct dev_dma *d = (struct dev_dma *)(uptr)e->addr;
	d->addr = (uptr)page;
	d->bus = BUS;
	dmas++;
	return 0;
}
int uintr_create_vector(unsigned vector)
{
	(void)vector;
	return -ENOSYS;
}
int user_close(int fd)
{
	(void)fd;
	return 0;
}
int user_fprintf(int fd, const char *fmt, ...)
{
	(void)fd, (void)fmt;
	return 0;
}

static u64 reg64(unsigned lo)
{
	volatile u8 *b = pci ? common : win;
	return *(volatile u32 *)(b + lo) | (u64) * (volatile u32 *)(b + lo + 4) << 32;
}

/* A device whose queue 0 takes up to max entries, on one transport; the
   driver asks for size. Checks the layout virtio_start() gave it. */
static void start(bool over_pci, u16 max, u16 size)
{
	memset(&v, 0, sizeof(v));
	memset(page, 0x5a, 4096); /* DMA memory is not zeroed for you */
	memset(win, 0, 4096);
	memset(common, 0, sizeof(common));
	pci = over_pci;
	dmas = 0;
	if (pci) {
		v.common = common;
		v.notify = win;
		v.notify_len = 4096;
		v.notify_mult = PCI_MULT;
		*(u16 *)(common + 0x18) = max;
		*(u16 *)(common + 0x1e) = PCI_NOTIFY_OFF;
	} else {
		v.mmio = win;
		*(u32 *)(win + 0x034) = max;
	}
	assert_int_equal(virtio_start(&v, 1, size), 0);
	assert_int_equal(dmas, 1);
	q = &v.q[0];
	u16 n = pci ? *(u16 *)(common + 0x18) : *(u32 *)(win + 0x038);
	assert_int_equal(q->size, n);
	assert_true(n >= 1 && n <= max && n <= size && (n & (n - 1)) == 0);
	assert_true(n * 2 > max || n * 2 > size); /* the most it could have */
	u64 desc = reg64(pci ? 0x20 : 0x080), avail = reg64(pci ? 0x28 : 0x090),
	    used = reg64(pci ? 0x30 : 0x0a0);
	/* in the page, aligned as virtio 1.x asks, apart */
	assert_int_equal(desc, BUS);
	assert_true(avail >= desc + 16 * n && avail % 2 == 0);
	assert_true(used >= avail + 6 + 2 * n && used % 4 == 0);
	assert_true(used + 6 + 8 * n <= BUS + 4096);
	avail_off = avail - BUS, used_off = used - BUS;
	/* and where the driver looks is where the device was told */
	assert_ptr_equal(q->desc, page);
	assert_ptr_equal(q->avail, page + avail_off);
	assert_ptr_equal(q->used_flags, page + used_off);
	assert_ptr_equal(q->used_idx, page + used_off + 2);
	assert_ptr_equal(q->used, page + used_off + 4);
	if (pci)
		assert_ptr_equal(q->notify, win + notify_off());
	/* the rings as a device finds them at start: empty */
	memset(page + avail_off, 0, 4);
	memset(page + used_off, 0, 4);
	dev_avail = dev_used = 0;
	notified = 0;
}

/* Both ends' counters moved to `at` (the u16 wraps), as if that many
   chains had come and gone. */
static void move_to(u16 at)
{
	q->avail_idx = q->used_seen = dev_avail = dev_used = at;
	*avail_idx() = *used_idx() = at;
}

static int setup(void **state)
{
	(void)state;
	if (!page) {
		page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		win = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	assert_true(page != MAP_FAILED && win != MAP_FAILED);
	return 0;
}

/* ---- the tests -------------------------------------------------------------- */

static const u16 sizes[] = {1, 2, 8, 64, 128};

/* virtio_start's layout on both transports, for many sizes: what the
   registers say, aligned, apart, in the page; the driver's pointers. */
static void layout(void **state)
{
	(void)state;
	for (int t = 0; t < 2; t++) {
		start(t, 1, 64);
		start(t, 256, 64);
		start(t, 64, 256); /* 128 would fit the page; the device says 64 */
		start(t, 32768, 128);
		start(t, 100, 100); /* powers of two only: 64 */
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			start(t, sizes[k], sizes[k]);
	}
}

/* Offers publish the entry first, then the index, one by one, and the
   ring fills and wraps: each entry where the device looks for it. */
static void offer_order(void **state)
{
	(void)state;
	u16 h[128];
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		start(k % 2, sizes[k], sizes[k]);
		for (int round = 0; round < 3; round++) {
			for (u16 i = 0; i < q->size; i++)
				offer((i * 5 + round) % q->size);
			assert_int_equal(dev_take(h, 128), q->size);
			for (u16 i = 0; i < q->size; i++)
				assert_int_equal(h[i], (i * 5 + round) % q->size);
		}
	}
}

/* Chains offered in batches, completed out of order, taken back: over
   several queue sizes, each ring wrapping many times, and the u16
   indexes wrapping too. */
static void wrap(void **state)
{
	(void)state;
	u16 h[128];
	static const u16 from[] = {0, 65530, 65536 - 200};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (size_t f = 0; f < 3; f++) {
			start((k + f) % 2, sizes[k], sizes[k]);
			move_to(from[f]);
			u16 n = q->size, next = 0;
			/* batches of 1, 2, 3 and a whole ring; around it 3 times */
			for (int round = 0, done = 0; done < 3 * n + 5; round++) {
				int batch = round % 4 == 3 ? n : 1 + round % 4 % n;
				done += batch;
				for (int i = 0; i < batch; i++)
					offer((next + i) % n);
				assert_int_equal(notify(), 1);
				assert_int_equal(dev_take(h, 128), batch);
				/* backwards, the length saying which */
				for (int i = batch - 1; i >= 0; i--) {
					assert_int_equal(h[i], (next + i) % n);
					dev_post(h[i], 1000 + h[i], true);
				}
				struct vq_used_elem e;
				for (int i = batch - 1; i >= 0; i--) {
					assert_int_equal(next_used(&e), 1);
					assert_int_equal(e.id, h[i]);
					assert_int_equal(e.len, 1000 + h[i]);
				}
				assert_int_equal(next_used(&e), 0);
				assert_int_equal(next_used(&e), 0);
				next = (next + batch) % n;
			}
			assert_int_equal(q->used_seen, q->avail_idx);
		}
	}
}

/* The used index is read at most once a call (next_used checks), even
   while the device goes on completing: whatever one read said is what
   the call goes by. */
static void read_once(void **state)
{
	(void)state;
	struct vq_used_elem e;
	u16 h[8];
	start(false, 8, 8);
	assert_int_equal(next_used(&e), 0);
	for (u16 i = 0; i < 8; i++)
		offer(i);
	assert_int_equal(notify(), 1);
	assert_int_equal(dev_take(h, 8), 8);
	for (u16 i = 0; i < 8; i++) {
		dev_post(i, i, true);
		assert_int_equal(next_used(&e), 1);
		assert_int_equal(count(PAGE, false, USED_IDX), 1);
		assert_int_equal(e.id, i);
	}
	assert_int_equal(next_used(&e), 0);
	assert_int_equal(count(PAGE, false, USED_IDX), 1);
	/* the entry is read after the index, never before */
	dev_post(3, 3, false);
	assert_int_equal(next_used(&e), 0);
}

/* A device whose used index lies: more entries than the queue has,
   far ahead, or going back. -EIO, before any entry is read. */
static void hostile_index(void **state)
{
	(void)state;
	struct vq_used_elem e;
	u16 h[64];
	for (int t = 0; t < 2; t++) {
		start(t, 64, 64);
		move_to(t ? 65500 : 0);
		/* a whole queue done at once is no lie */
		for (u16 i = 0; i < 64; i++)
			offer(i);
		assert_int_equal(dev_take(h, 64), 64);
		for (u16 i = 0; i < 64; i++)
			dev_post(i, 0, i == 63);
		for (u16 i = 0; i < 64; i++) {
			assert_int_equal(next_used(&e), 1);
			assert_int_equal(e.id, i);
		}
		u16 seen = q->used_seen;
		static const u16 lies[] = {64 + 1, 65, 1000, 0x8000, 0xffff};
		for (size_t k = 0; k < sizeof(lies) / sizeof(lies[0]); k++) {
			*used_idx() = seen + lies[k];
			assert_int_equal(next_used(&e), -EIO);
			assert_int_equal(count(PAGE, false, USED_RING), 0);
		}
	}
}

/* A used entry naming a chain the queue cannot have: -EIO, whatever its
   low 16 bits say. */
static void hostile_id(void **state)
{
	(void)state;
	struct vq_used_elem e;
	u16 h[8];
	static const u32 bad[] = {8, 9, 0xffff, 0x10000, 0x10003, 0xffffffff};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		start(k % 2, 8, 8);
		offer(1);
		offer(2);
		assert_int_equal(dev_take(h, 8), 2);
		dev_post(1, 7, true);
		assert_int_equal(next_used(&e), 1);
		assert_int_equal(e.id, 1);
		dev_post(bad[k], 7, true);
		assert_int_equal(next_used(&e), -EIO);
	}
}

/* virtio_submit tells the device once, after the index; a batch of
   offers is told once by virtio_notify. Both transports. */
static void notify_counted(void **state)
{
	(void)state;
	u16 h[8];
	for (int t = 0; t < 2; t++) {
		start(t, 8, 8);
		for (u16 i = 0; i < 20; i++) {
			submit(i % 8);
			assert_int_equal(dev_take(h, 8), 1);
			assert_int_equal(h[0], i % 8);
		}
		assert_int_equal(notified, 20);
		for (u16 i = 0; i < 3; i++)
			offer(i);
		assert_int_equal(notify(), 1);
		assert_int_equal(notified, 21);
	}
}

/* Nothing offered since the device was last told: it is not told again. */
static void notify_batched(void **state)
{
	(void)state;
	for (int t = 0; t < 2; t++) {
		start(t, 8, 8);
		assert_int_equal(notify(), 0); /* nothing at all yet */
		offer(0);
		offer(1);
		assert_int_equal(notify(), 1);
		assert_int_equal(notify(), 0);
		submit(2);
		assert_int_equal(notify(), 0);
		offer(3);
		assert_int_equal(notify(), 1);
	}
}

/* The device says it needs no notification (VQ_USED_NO_NOTIFY: it is
   at work on the queue): none; once it clears the flag, the next offer
   is told. The flag is read after the index is written. */
static void notify_suppressed(void **state)
{
	(void)state;
	for (int t = 0; t < 2; t++) {
		start(t, 8, 8);
		*used_flags() = VQ_USED_NO_NOTIFY;
		offer(0);
		assert_int_equal(notify(), 0);
		assert_int_equal(count(PAGE, false, USED_FLAGS), 1);
		offer(1);
		offer(2);
		assert_int_equal(notify(), 0);
		*used_flags() = 0;
		offer(3);
		assert_int_equal(notify(), 1);
		*used_flags() = VQ_USED_NO_NOTIFY;
		trace_on();
		virtio_submit(&v, 0, 4);
		trace_off();
		assert_int_equal(notifications(), 0);
		assert_true(first(PAGE, false, USED_FLAGS) > first(PAGE, true, AVAIL_IDX));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(layout, setup),
	    cmocka_unit_test_setup(offer_order, setup),
	    cmocka_unit_test_setup(wrap, setup),
	    cmocka_unit_test_setup(read_once, setup),
	    cmocka_unit_test_setup(hostile_index, setup),
	    cmocka_unit_test_setup(hostile_id, setup),
	    cmocka_unit_test_setup(notify_counted, setup),
	    cmocka_unit_test_setup(notify_batched, setup),
	    cmocka_unit_test_setup(notify_suppressed, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
