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
	X(0x05, RT_REPORT, rt_report, 3, (jobs, misses, worst_ns))

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

#endif
