/*
 * Keel's hypercall ABI, shared by Keel, guest libraries and host tools.
 *
 * Calls follow the SMC Calling Convention (Arm DEN 0028): the function ID in
 * w0, arguments in x1..x6, results in x0..x3, issued with HVC #0. Keel's own
 * calls live in the vendor-specific hypervisor service range (owning entity
 * 6, SMCCC section 6), fast calls, SMC64. Any ID Keel does not implement
 * returns KEEL_RET_NOT_SUPPORTED (-1), as SMCCC requires.
 */
#ifndef KEEL_ABI_HYPERCALL_H
#define KEEL_ABI_HYPERCALL_H

#define SMCCC_FAST_CALL (1u << 31)
#define SMCCC_64BIT (1u << 30)
#define SMCCC_OWNER_SHIFT 24
#define SMCCC_OWNER_MASK 0x3fu
#define SMCCC_OWNER_ARCH 0u
#define SMCCC_OWNER_STANDARD 4u /* PSCI lives here */
#define SMCCC_OWNER_VENDOR_HYP 6u

#define KEEL_HC(n) (SMCCC_FAST_CALL | SMCCC_64BIT | (SMCCC_OWNER_VENDOR_HYP << SMCCC_OWNER_SHIFT) | (n))

/* x1 = guest IPA of the bytes, x2 = length (at most KEEL_CONSOLE_WRITE_MAX). Returns bytes written. */
#define KEEL_HC_CONSOLE_WRITE KEEL_HC(0x01)
/* Returns x0 = 0, x1 = VM index, x2 = vCPU index, x3 = how many times the VM was reset. */
#define KEEL_HC_VM_IDENTITY KEEL_HC(0x02)
/* Asks for a new scheduling decision: background vCPUs sharing the CPU take turns. Returns 0. */
#define KEEL_HC_YIELD KEEL_HC(0x03)
/* Returns 0 at once: the cheapest round trip, for benchmarks. */
#define KEEL_HC_NULL KEEL_HC(0x04)

/*
 * A real-time guest reports how its own tasks fare, so Keel can show it
 * beside what it measured itself: x1 = jobs completed so far, x2 = deadline
 * misses so far, x3 = worst response time seen, in ns. Returns 0.
 */
#define KEEL_HC_RT_REPORT KEEL_HC(0x05)

#define KEEL_CONSOLE_WRITE_MAX 256

#define KEEL_RET_SUCCESS 0
#define KEEL_RET_NOT_SUPPORTED (-1)
#define KEEL_RET_INVALID_PARAMETER (-2)
#define KEEL_RET_DENIED (-3)

#endif
