/*
 * SMC Calling Convention (Arm DEN 0028) calls: function ID in w0, arguments in
 * x1..x3, results in x0..x3. Keel takes both HVC #0 and SMC #0 from a guest.
 */
#ifndef GUEST_SMCCC_H
#define GUEST_SMCCC_H

#include <stdint.h>

struct smccc_res {
	int64_t a0;
	uint64_t a1, a2, a3;
};

/* x4..x17 may be clobbered by SMCCC 1.0 callers' callees; declare them so. */
#define SMCCC_CALL(insn, fid, arg1, arg2, arg3) ({ \
	register uint64_t _x0 __asm__("x0") = (fid); \
	register uint64_t _x1 __asm__("x1") = (arg1); \
	register uint64_t _x2 __asm__("x2") = (arg2); \
	register uint64_t _x3 __asm__("x3") = (arg3); \
	__asm__ volatile(insn \
		: "+r"(_x0), "+r"(_x1), "+r"(_x2), "+r"(_x3) \
		: \
		: "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", \
		  "x13", "x14", "x15", "x16", "x17", "memory"); \
	(struct smccc_res){ (int64_t)_x0, _x1, _x2, _x3 }; \
})

/* The same with six arguments, x1..x6 (Keel's IPC calls); results still x0..x3. */
static inline struct smccc_res smccc_hvc6(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
					  uint64_t a5, uint64_t a6)
{
	register uint64_t x0 __asm__("x0") = fid;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	register uint64_t x4 __asm__("x4") = a4;
	register uint64_t x5 __asm__("x5") = a5;
	register uint64_t x6 __asm__("x6") = a6;

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6)
			 :
			 : "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	return (struct smccc_res){ (int64_t)x0, x1, x2, x3 };
}

static inline struct smccc_res smccc_hvc(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return SMCCC_CALL("hvc #0", fid, a1, a2, a3);
}

static inline struct smccc_res smccc_smc(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return SMCCC_CALL("smc #0", fid, a1, a2, a3);
}

#endif
