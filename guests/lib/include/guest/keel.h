/* Keel's own hypercalls (include/abi/keel/hypercall.h) through HVC #0. */
#ifndef GUEST_KEEL_H
#define GUEST_KEEL_H

#include <stddef.h>
#include <stdint.h>

#include <abi/keel/hypercall.h>

struct keel_identity {
	int64_t ret; /* KEEL_RET_SUCCESS, or -1 when not running under Keel */
	uint64_t vm;
	uint64_t vcpu;
	uint64_t resets;
};

struct keel_identity keel_vm_identity(void);
/* Writes len bytes at guest IPA ipa to Keel's console; returns bytes written or a KEEL_RET_* error. */
int64_t keel_console_write_ipa(uint64_t ipa, size_t len);
/* The same for a buffer in this guest's memory (VA == IPA, the MMU is off). */
int64_t keel_console_write(const void *buf, size_t len);
int64_t keel_yield(void);
int64_t keel_null(void);
/* Any function ID, for tests of IDs Keel must refuse. */
int64_t keel_call(uint32_t fid);

#endif
