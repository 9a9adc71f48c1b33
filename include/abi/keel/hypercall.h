/*
 * Keel's hypercall ABI, shared by Keel, guest libraries and host tools.
 *
 * Calls follow the SMC Calling Convention (Arm DEN 0028): the function ID in
 * w0, arguments in x1..x6, results in x0..x3 (unused ones 0), issued with
 * HVC #0 (or a trapped SMC #0). Keel's own calls live in the vendor-specific
 * hypervisor service range (owning entity 6, SMCCC section 6), fast calls,
 * SMC64. Any ID Keel does not implement, including a Keel call made with the
 * SMC32 bit, returns KEEL_RET_NOT_SUPPORTED (-1), as SMCCC requires.
 *
 * KEEL_HYPERCALLS is the one list of Keel's calls. Each entry is
 *     X(number, NAME, name, nr_args, (argument names))
 * and everything else is expanded from it: the KEEL_HC_NAME IDs below,
 * Keel's dispatch table (core/hypercall.c, hc_name_check / hc_name_do) and
 * the guest library's stubs (guests/lib/keel.c, keel_hc_name()).
 * Do not pass NAME through another macro level: one is NULL.
 *
 *   CONSOLE_WRITE  x1 = guest IPA of the bytes, x2 = length (at most
 *                  KEEL_CONSOLE_WRITE_MAX). Prints them on Keel's console
 *                  with the VM's name; returns the bytes written.
 *   VM_IDENTITY    returns x0 = 0, x1 = VM index, x2 = vCPU index,
 *                  x3 = how many times the VM was reset.
 *   YIELD          asks for a new scheduling decision: background vCPUs
 *                  sharing the CPU take turns. Returns 0.
 *   NULL           returns 0 at once: the cheapest round trip, for benchmarks.
 *   RT_REPORT      a real-time guest reports how its own tasks fare, so Keel
 *                  can show it beside what it measured itself: x1 = jobs
 *                  completed so far, x2 = deadline misses so far, x3 = worst
 *                  response time seen, in ns. Counts never go down within one
 *                  run of the VM, misses <= jobs, worst response at most
 *                  KEEL_RT_REPORT_WORST_MAX_NS; else INVALID_PARAMETER and
 *                  the report is dropped. Returns 0.
 *
 * Synchronous IPC between VMs (docs/ipc.md). x1 names a capability slot of
 * the calling VM (keelcfg assigns them, docs/configuration.md) in its low 32
 * bits, with KEEL_IPC_NONBLOCK as the only flag above: "fail with
 * WOULD_BLOCK instead of waiting". A message is five words, x2..x6. Whoever
 * receives one gets x0 = its kind (KEEL_IPC_KIND_*), x1 = the badge of the
 * client's slot, x2..x6 = the words; a reply reaches the caller as x0 = 0,
 * x1 = 0, x2..x6. Errors are x0 < 0 and nothing else changes: DENIED (the
 * slot lacks the right), NO_ENDPOINT (no such slot), WOULD_BLOCK, PEER_GONE
 * (the other VM reset or powered off, before or during the exchange),
 * INVALID_PARAMETER (unknown flag bits).
 *   IPC_CALL       send on a CALL slot and wait for the reply.
 *   IPC_SEND       send on a SEND slot; returns 0 once a receiver took it.
 *   IPC_RECV       wait on an endpoint the VM owns for the next message.
 *   IPC_REPLY_RECV answer the call this vCPU received last (if its caller is
 *                  still waiting), then receive as IPC_RECV.
 *   DOORBELL       x1 = one of the VM's notification channels (0, 1, ... in
 *                  the order of the configuration's /channels): raise each
 *                  other member's doorbell interrupt. Returns 0, or
 *                  NO_ENDPOINT for a channel the VM is not a member of.
 *                  The peer polls and clears it as any SPI (GICD_ISPENDR,
 *                  GICD_ICPENDR) or takes it as an interrupt.
 */
#ifndef KEEL_ABI_HYPERCALL_H
#define KEEL_ABI_HYPERCALL_H

#include <abi/keel/smccc.h>

#define KEEL_HC(n) (SMCCC_FAST_CALL | SMCCC_64BIT | (SMCCC_OWNER_VENDOR_HYP << SMCCC_OWNER_SHIFT) | (n))

#define KEEL_HYPERCALLS(X)                                              \
	X(0x01, CONSOLE_WRITE, console_write, 2, (ipa, len))            \
	X(0x02, VM_IDENTITY, vm_identity, 0, ())                        \
	X(0x03, YIELD, yield, 0, ())                                    \
	X(0x04, NULL, null, 0, ())                                      \
	X(0x05, RT_REPORT, rt_report, 3, (jobs, misses, worst_ns))     \
	X(0x06, IPC_CALL, ipc_call, 6, (slot, w0, w1, w2, w3, w4))      \
	X(0x07, IPC_SEND, ipc_send, 6, (slot, w0, w1, w2, w3, w4))      \
	X(0x08, IPC_RECV, ipc_recv, 1, (slot))                          \
	X(0x09, IPC_REPLY_RECV, ipc_reply_recv, 6, (slot, w0, w1, w2, w3, w4)) \
	X(0x0a, DOORBELL, doorbell, 1, (channel))                       \
	X(0x0b, STANDBY_STATUS, standby_status, 0, ())                  \
	X(0x0c, STANDBY_INTEND_STOP, standby_intend_stop, 0, ())        \
	X(0x0d, STANDBY_INJECT, standby_inject, 2, (kind, arg))

/* The IDs, KEEL_HC_CONSOLE_WRITE and so on. */
enum keel_hypercall_id {
#define KEEL_HC_ID(nr, NAME, name, nr_args, args) KEEL_HC_##NAME = KEEL_HC(nr),
	KEEL_HYPERCALLS(KEEL_HC_ID)
#undef KEEL_HC_ID
};

#define KEEL_CONSOLE_WRITE_MAX 256
#define KEEL_RT_REPORT_WORST_MAX_NS 10000000000ull /* 10 s: no real-time response is slower */

#define KEEL_RET_SUCCESS 0
#define KEEL_RET_NOT_SUPPORTED (-1)
#define KEEL_RET_INVALID_PARAMETER (-2)
#define KEEL_RET_DENIED (-3)
#define KEEL_RET_NO_ENDPOINT (-4)
#define KEEL_RET_WOULD_BLOCK (-5)
#define KEEL_RET_PEER_GONE (-6)

#define KEEL_IPC_SLOT_MASK 0xffffffffull
#define KEEL_IPC_NONBLOCK (1ull << 32) /* in x1: return WOULD_BLOCK rather than wait */
#define KEEL_IPC_NR_WORDS 5 /* message words, in x2..x6 */
#define KEEL_IPC_KIND_SEND 0 /* x0 of a received message: one-way, no reply expected */
#define KEEL_IPC_KIND_CALL 1 /* the sender waits for IPC_REPLY_RECV */

/*
 * Standby calls (docs/standby.md). STANDBY_STATUS: x1 = checkpoints taken,
 * x2 = failovers, x3 = the interval in ns (NOT_SUPPORTED without standby).
 * STANDBY_INTEND_STOP: the VM's next SYSTEM_OFF or SYSTEM_RESET is meant,
 * not a failure. STANDBY_INJECT (only with KEEL_STANDBY_INJECT configured):
 * a fault of the given kind in the calling VM, for tests.
 */
#define KEEL_INJECT_BITFLIP 0 /* arg: page index in the VM's RAM, or KEEL_INJECT_RANDOM; flips one bit */
#define KEEL_INJECT_CORRUPT_REG 1 /* the calling vCPU's registers are scrambled (arg: a seed) */
#define KEEL_INJECT_HANG 2 /* the calling vCPU never runs again (until failover) */
#define KEEL_INJECT_FAIL 3 /* a detector fires now: as if the guest had crashed */
#define KEEL_INJECT_RANDOM (~0ull)

#endif
