/*
 * Host tests of the virtio-blk device (vdev/virtio_blk.c) over the fake
 * board disk (tests/unit/fake_disk.c), driven like Linux's virtio_blk:
 * writes land on the disk and read back, a read-only disk refuses writes,
 * bad requests get IOERR or UNSUPP, and the per-trap batch limit neither
 * loses a request nor leaves the driver's next one unannounced (the event
 * index's avail_event must be current whenever Keel stops looking).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/virtio.h>

#include "fake_virtio_env.h"

#define QBASE (FV_RAM_IPA + 0x10000)
#define REQ_IPA (FV_RAM_IPA + 0x40000) /* request i: header, data, status from REQ_IPA + i * 0x2000 */
#define F_EVENT_IDX BIT(VIRTIO_F_EVENT_IDX)
#define F_RO BIT(5)

extern u8 fake_disk_bytes[];

static struct vm *vm;
static struct vdev *blk;
static struct fv_queue rq;

static int setup_flags(u32 flags, u64 features)
{
	fv_reset();
	memset(fake_disk_bytes, 0, 64 * 512);
	vm = fv_vm(0);
	blk = fv_add(vm, &virtio_blk_kind, 0, flags, 0);
	fv_negotiate(blk, BIT(VIRTIO_F_VERSION_1) | features);
	fv_queue(&rq, blk, 0, 16, QBASE);
	fv_start(blk);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_flags(0, F_EVENT_IDX);
}

/* Offer request i: type, sector, len data bytes (filled with fill for a write), a status byte. */
static void offer_req(u32 i, u32 type, u64 sector, u32 len, u8 fill)
{
	u64 at = REQ_IPA + i * 0x2000ull;
	u8 *p = fv_ram(vm, at);
	struct fv_buf bufs[3] = {
		{ at, 16, false },
		{ at + 16, len, type == 0 },
		{ at + 16 + len, 1, true },
	};

	memset(p, 0, 16 + len + 1);
	memcpy(p, &type, 4);
	memcpy(p + 8, &sector, 8);
	if (type == 1)
		memset(p + 16, fill, len);
	p[16 + len] = 0xee;
	if (len)
		fv_offer_chain(&rq, bufs, 3);
	else
		fv_offer_chain(&rq, (struct fv_buf[]){ bufs[0], bufs[2] }, 2);
}

static u8 status_of(u32 i, u32 len)
{
	return fv_ram(vm, REQ_IPA + i * 0x2000ull)[16 + len];
}

static void test_write_then_read(void **state)
{
	u32 id, len;

	(void)state;
	offer_req(0, 1, 3, 1024, 0x5a);
	fv_notify(&rq);
	assert_true(fv_take_used(&rq, &id, &len));
	assert_int_equal(len, 1); /* only the status byte written */
	assert_int_equal(status_of(0, 1024), 0);
	assert_int_equal(fake_disk_bytes[3 * 512], 0x5a);
	assert_int_equal(fake_disk_bytes[5 * 512 - 1], 0x5a);
	assert_int_equal(fake_disk_bytes[5 * 512], 0);
	offer_req(1, 0, 3, 512, 0);
	fv_notify(&rq);
	assert_true(fv_take_used(&rq, &id, &len));
	assert_int_equal(len, 513);
	assert_int_equal(status_of(1, 512), 0);
	assert_int_equal(fv_ram(vm, REQ_IPA + 0x2000 + 16)[0], 0x5a);
}

static void test_bad_requests(void **state)
{
	u32 id, len;

	(void)state;
	offer_req(0, 1, 63, 1024, 1); /* past the end of the 64-sector disk */
	offer_req(1, 0, 0, 100, 0); /* not whole sectors */
	offer_req(2, 77, 0, 0, 0); /* unknown type */
	fv_notify(&rq);
	for (u32 i = 0; i < 3; i++)
		assert_true(fv_take_used(&rq, &id, &len));
	assert_int_equal(status_of(0, 1024), 1);
	assert_int_equal(status_of(1, 100), 1);
	assert_int_equal(status_of(2, 0), 2);
	assert_int_equal(fake_disk_bytes[63 * 512], 0); /* nothing written */
}

static void test_read_only_refuses_writes(void **state)
{
	u32 id, len;

	(void)state;
	setup_flags(KEEL_VIRTIO_BLK_READ_ONLY, F_EVENT_IDX);
	assert_true(fv_r(blk, FV_DEVICE_FEATURES) & F_RO);
	offer_req(0, 1, 0, 512, 0x77);
	fv_notify(&rq);
	assert_true(fv_take_used(&rq, &id, &len));
	assert_int_equal(status_of(0, 512), 1);
	assert_int_equal(fake_disk_bytes[0], 0);
}

/*
 * Exactly a batch's worth of requests (4): all served, and avail_event is
 * now 4, so Linux's next request is announced. Before the fix Keel stopped
 * at the limit without updating avail_event, and a driver using the event
 * index never notified again: the guest hung.
 */
static void test_batch_limit_keeps_notifies_coming(void **state)
{
	u32 id, len, n = 0;
	u16 avail_event;

	(void)state;
	for (u32 i = 0; i < 4; i++)
		offer_req(i, 1, i, 512, (u8)i);
	fv_notify(&rq);
	while (fv_take_used(&rq, &id, &len))
		n++;
	assert_int_equal(n, 4);
	memcpy(&avail_event, fv_ram(vm, rq.used + 4 + 8 * rq.num), 2);
	assert_int_equal(avail_event, 4);
}

/* More than a batch: the notify asks to be retried, and the retry serves the rest. */
static void test_batch_limit_retries(void **state)
{
	u32 id, len, n = 0;

	(void)state;
	for (u32 i = 0; i < 6; i++)
		offer_req(i, 1, i, 512, (u8)i);
	fv_notify(&rq);
	assert_true(vm->vcpus[0].mmio_retry);
	vm->vcpus[0].mmio_retry = false;
	while (fv_take_used(&rq, &id, &len))
		n++;
	assert_int_equal(n, 4);
	fv_notify(&rq);
	assert_false(vm->vcpus[0].mmio_retry);
	while (fv_take_used(&rq, &id, &len))
		n++;
	assert_int_equal(n, 6);
	assert_int_equal(fake_disk_bytes[5 * 512], 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_write_then_read, setup),
		cmocka_unit_test_setup(test_bad_requests, setup),
		cmocka_unit_test(test_read_only_refuses_writes),
		cmocka_unit_test_setup(test_batch_limit_keeps_notifies_coming, setup),
		cmocka_unit_test_setup(test_batch_limit_retries, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
