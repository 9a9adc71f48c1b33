/*
 * Keel's synchronous IPC for bare-metal guests (include/abi/keel/hypercall.h,
 * docs/ipc.md). The generated stubs (keel_hc_ipc_call and so on) return only
 * x0..x3; these wrappers return the whole message, x0..x6.
 */
#ifndef GUEST_IPC_H
#define GUEST_IPC_H

#include <stdint.h>

#include <abi/keel/hypercall.h>

/* A message as received: x0 (kind, or 0 for a reply), x1 (badge), x2..x6 (words). */
struct keel_ipc_msg {
	uint64_t badge;
	uint64_t w[KEEL_IPC_NR_WORDS];
};

/*
 * Issue IPC call fid (KEEL_HC_IPC_*) on slot with flags (KEEL_IPC_NONBLOCK or
 * 0) and the words w (NULL: zeros). Returns x0: a kind or 0 on success, a
 * KEEL_RET_* error below 0; on success *out (if not NULL) gets the badge and
 * words received.
 */
int64_t keel_ipc(uint32_t fid, uint32_t slot, uint64_t flags, const uint64_t *w, struct keel_ipc_msg *out);

#endif
