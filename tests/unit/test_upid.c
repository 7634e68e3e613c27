/*
 * Host tests for native x86 user interrupts (arch/x86_64/uintr.c and
 * kernel/uintr.h): that the kernel's receiver and sender table are,
 * byte for byte, the UPID and UITT the CPU reads; the encodings of
 * NDST (xAPIC and x2APIC), IA32_UINTR_MISC and IA32_UINTR_TT; and the
 * notification protocol (ON, SN, NV) the kernel relies on, against a
 * model of SENDUIPI written from the SDM's description of it.
 */
#include "uintr_host.h"
#include "../../arch/x86_64/uintr.c"

#include <stdalign.h>

/* Vectors as the kernel uses them (machine.h, not included here). */
#define NOTIFY 0xe0
#define WAKE   0xe1

/*
 * SENDUIPI's memory side, as the SDM describes it: check the index
 * against UITTSZ and the entry (valid, no reserved bit, UPID 64-byte
 * aligned), check the UPID's reserved bits, post the vector into PIR,
 * and notify if neither ON nor SN was set (setting ON). Returns -1 for
 * #GP, 0 for "posted, nobody notified", 1 for "notify *vec at APIC
 * *apic" (in xAPIC mode the APIC id is NDST's bits 15:8).
 */
static int senduipi(u64 tt, u64 misc, u64 index, bool x2apic, unsigned *vec, u32 *apic)
{
	if (!(tt & 1))
		return -1; /* the CPU raises #UD here; no table either way */
	if (index > (u32)misc)
		return -1;
	const u64 *e = (const u64 *)(uptr)((tt & ~15ull) + index * 16);
	if (!(e[0] & 1) || (e[0] & 0xffffffffffff00feull) || ((e[0] >> 8 & 0xff) >= 64))
		return -1;
	if (e[1] & 63)
		return -1;
	u64 *upid = (u64 *)(uptr)e[1];
	if (upid[0] & 0xff00fffcull)
		return -1;
	upid[1] |= 1ull << (e[0] >> 8 & 0xff);
	if (upid[0] & 3)
		return 0;
	upid[0] |= 1;
	*vec = upid[0] >> 16 & 0xff;
	u32 ndst = upid[0] >> 32;
	*apic = x2apic ? ndst : ndst >> 8 & 0xff;
	return 1;
}

/* A receiver where the hardware wants it: 64-byte aligned. */
static struct uintr_recv *new_recv(void)
{
	struct uintr_recv *r = aligned_alloc(UINTR_UPID_ALIGN, sizeof(*r));
	assert_non_null(r);
	memset(r, 0, sizeof(*r));
	return r;
}

static struct uintr_send *new_send(void)
{
	struct uintr_send *s = aligned_alloc(16, sizeof(*s));
	assert_non_null(s);
	memset(s, 0, sizeof(*s));
	return s;
}

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct uintr_recv, notify), 0);
	assert_int_equal(offsetof(struct uintr_recv, pending), 8); /* PIR */
	assert_int_equal(alignof(struct uintr_recv), 64);
	assert_int_equal(sizeof(struct uintr_target), 16);
	assert_int_equal(sizeof(struct uintr_send), 16 * UINTR_NSEND);

	/* a post by the kernel is a post into the UPID's PIR */
	struct uintr_recv *r = new_recv();
	uintr_post(r, 37);
	assert_int_equal(((u64 *)r)[1], 1ull << 37);
	assert_int_equal(((u64 *)r)[0], 0); /* the emulation leaves the notify word alone */
	free(r);
}

static void test_uitt_entry(void **state)
{
	(void)state;
	struct uintr_recv *r = new_recv();
	struct uintr_send *s = new_send();
	assert_int_equal(uintr_uitt_add(s, r, 0), 0);
	assert_int_equal(uintr_uitt_add(s, r, 63), 1);
	const u64 *e = (const u64 *)s->uitt;
	/* entry 0: V = 1, UV = 0; entry 1: V = 1, UV = 63; nothing else set */
	assert_int_equal(e[0], 0x0001);
	assert_int_equal(e[1], (u64)(uptr)r);
	assert_int_equal(e[2], 0x3f01);
	assert_int_equal(e[3], (u64)(uptr)r);
	uintr_uitt_remove(s, 0);
	assert_int_equal(e[0], 0);
	assert_int_equal(e[1], 0); /* an invalid entry is all zero */
	assert_int_equal(e[2], 0x3f01);
	free(s);
	free(r);
}

static void test_ndst(void **state)
{
	(void)state;
	/* xAPIC: the 8-bit id in NDST's bits 15:8, i.e. bits 47:40 of the word */
	assert_int_equal(upid_ndst(0, false), 0);
	assert_int_equal(upid_ndst(1, false), 0x100);
	assert_int_equal(upid_ndst(0xfe, false), 0xfe00);
	assert_int_equal(upid_notify(NOTIFY, upid_ndst(3, false)) >> 40 & 0xff, 3);
	/* x2APIC: all 32 bits */
	assert_int_equal(upid_ndst(0x12345, true), 0x12345);
	assert_int_equal(upid_notify(NOTIFY, upid_ndst(0x89abcdef, true)) >> 32, 0x89abcdef);
}

static void test_notify_word(void **state)
{
	(void)state;
	u64 w = upid_notify(NOTIFY, upid_ndst(2, false));
	assert_int_equal(w & UPID_ON, 0);
	assert_int_equal(w & UPID_SN, 0);
	assert_int_equal(w >> 16 & 0xff, NOTIFY);
	assert_int_equal(w & 0xff00fffcull, 0);		     /* reserved: SENDUIPI would #GP */
	assert_int_equal(upid_notify(0x1ff, 0) >> 16, 0xff); /* NV is 8 bits */
}

static void test_msrs(void **state)
{
	(void)state;
	/* MISC: UITTSZ in 31:0, UINV in 39:32, 63:40 reserved */
	assert_int_equal(uintr_misc(UINTR_NSEND - 1, NOTIFY), 0xe00000003full);
	assert_int_equal(uintr_misc(0, 0), 0);
	assert_int_equal(uintr_misc(0, 0x1ff) >> 40, 0);
	/* TT: the table's address with the valid bit; none: 0 (SENDUIPI faults) */
	struct uintr_send *s = new_send();
	assert_int_equal(uintr_tt(NULL), 0);
	assert_int_equal(uintr_tt(s), (u64)(uptr)s | 1);
	assert_int_equal(uintr_tt(s) & 0xe, 0); /* bits 3:1 reserved: 16-byte aligned */
	free(s);
}

/*
 * The protocol the kernel runs on the notify word (arch_uintr_load and
 * arch_uintr_unload do these steps with atomics), against SENDUIPI.
 */
static void test_protocol(void **state)
{
	(void)state;
	struct uintr_recv *r = new_recv();
	struct uintr_send *s = new_send();
	int i = uintr_uitt_add(s, r, 9);
	u64 tt = uintr_tt(s), misc = uintr_misc(UINTR_NSEND - 1, 0);
	unsigned vec = 0;
	u32 apic = 0;

	/* running on the CPU with APIC id 5: the first send notifies it */
	r->notify = upid_notify(NOTIFY, upid_ndst(5, false));
	assert_int_equal(senduipi(tt, misc, i, false, &vec, &apic), 1);
	assert_int_equal(vec, NOTIFY);
	assert_int_equal(apic, 5);
	assert_int_equal(r->pending, 1ull << 9);
	/* ON is set until the CPU processes it: a second send only posts */
	assert_int_equal(senduipi(tt, misc, i, false, &vec, &apic), 0);
	/* the CPU's notification processing: ON = 0, PIR into UIRR */
	r->notify &= ~UPID_ON;
	r->pending = 0;

	/* preempted: SN = 1, sends post and notify nobody */
	r->notify |= UPID_SN;
	assert_int_equal(senduipi(tt, misc, i, false, &vec, &apic), 0);
	assert_int_equal(r->pending, 1ull << 9);
	/* runs again on APIC id 7: load points NDST there, clears ON and SN, takes PIR */
	r->notify = upid_notify(NOTIFY, upid_ndst(7, false));
	r->pending = 0;
	assert_int_equal(senduipi(tt, misc, i, false, &vec, &apic), 1);
	assert_int_equal(apic, 7);

	/* blocks on APIC id 1: a send notifies the kernel's wake vector */
	r->notify = upid_notify(WAKE, upid_ndst(1, false));
	r->pending = 0;
	assert_int_equal(senduipi(tt, misc, i, false, &vec, &apic), 1);
	assert_int_equal(vec, WAKE);
	assert_int_equal(apic, 1);

	/* a stale ON (a notification that went elsewhere) would silence every
	   later send: that is why load and unload write the word with ON 0 */
	r->notify = upid_notify(NOTIFY, upid_ndst(7, false)) | UPID_ON;
	assert_int_equal(senduipi(tt, misc, i, false, &vec, &apic), 0);

	/* x2APIC: NDST is the whole id */
	r->notify = upid_notify(NOTIFY, upid_ndst(0x1234, true));
	assert_int_equal(senduipi(tt, misc, i, true, &vec, &apic), 1);
	assert_int_equal(apic, 0x1234);
	free(s);
	free(r);
}

/* What SENDUIPI refuses is what the emulation refuses (uintr_lookup()). */
static void test_refusals(void **state)
{
	(void)state;
	struct uintr_recv *r = new_recv();
	struct uintr_send *s = new_send();
	struct uintr_post post;
	unsigned vec;
	u32 apic;
	u64 misc = uintr_misc(UINTR_NSEND - 1, 0);
	int i = uintr_uitt_add(s, r, 3);
	r->notify = upid_notify(NOTIFY, 0);

	assert_int_equal(senduipi(uintr_tt(s), misc, UINTR_NSEND, false, &vec, &apic), -1);
	assert_int_equal(uintr_lookup(s, UINTR_NSEND, &post), UINTR_EGP);
	assert_int_equal(senduipi(uintr_tt(s), misc, i + 1, false, &vec, &apic), -1);
	assert_int_equal(uintr_lookup(s, i + 1, &post), UINTR_EGP);
	assert_int_equal(senduipi(uintr_tt(NULL), misc, i, false, &vec, &apic), -1);
	assert_int_equal(uintr_lookup(NULL, i, &post), UINTR_EGP);
	assert_int_equal(senduipi(uintr_tt(s), misc, i, false, &vec, &apic), 1);
	assert_int_equal(uintr_lookup(s, i, &post), UINTR_POST);
	assert_ptr_equal(post.recv, r);
	assert_int_equal(post.vector, 3);
	free(s);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),   cmocka_unit_test(test_uitt_entry),
	    cmocka_unit_test(test_ndst),     cmocka_unit_test(test_notify_word),
	    cmocka_unit_test(test_msrs),     cmocka_unit_test(test_protocol),
	    cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
