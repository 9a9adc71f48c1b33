/*
 * The guest side of Keel's synchronous IPC (guest/ipc.h): one HVC with the
 * slot in x1 and the words in x2..x6, every register of the answer kept.
 */
#include <guest/ipc.h>

int64_t keel_ipc(uint32_t fid, uint32_t slot, uint64_t flags, const uint64_t *w, struct keel_ipc_msg *out)
{
	register uint64_t x0 __asm__("x0") = fid;
	register uint64_t x1 __asm__("x1") = slot | flags;
	register uint64_t x2 __asm__("x2") = w ? w[0] : 0;
	register uint64_t x3 __asm__("x3") = w ? w[1] : 0;
	register uint64_t x4 __asm__("x4") = w ? w[2] : 0;
	register uint64_t x5 __asm__("x5") = w ? w[3] : 0;
	register uint64_t x6 __asm__("x6") = w ? w[4] : 0;

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6)
			 :
			 : "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	if ((int64_t)x0 >= 0 && out) {
		out->badge = x1;
		out->w[0] = x2;
		out->w[1] = x3;
		out->w[2] = x4;
		out->w[3] = x5;
		out->w[4] = x6;
	}
	return (int64_t)x0;
}
