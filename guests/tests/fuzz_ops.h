/*
 * The guest fuzzers' shared generators (guests/tests/fuzz_ops.c): per-vCPU
 * seeded random streams and the four generic surfaces, each operation
 * counted in the calling vCPU's fuzz_stats entry (indexed by MPIDR Aff0).
 */
#ifndef FUZZ_OPS_H
#define FUZZ_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include <guest/platform.h>
#include <guest/print.h>

#define FUZZ_DEFAULT_SEED 0x6b65656cull /* "keel" */

struct fuzz_stats {
	uint64_t calls, skipped, mmio, mmio_aborts, unmapped, unmapped_aborts;
	uint64_t sysreg, sysreg_undefs;
	uint64_t dev;   /* accesses of the extra windows (SP805, virtio-mmio, channels), in mmio too */
	uint64_t wrong; /* answers no correct Keel gives (exact codes, aborts that must or must not come) */
};

/* What an extra window is: each gets its own generator (guests/tests/fuzz_dev.c). */
enum fuzz_win {
	FUZZ_WIN_MEM_RW, /* a channel this VM may write: aligned accesses never abort */
	FUZZ_WIN_MEM_RO, /* a read-only channel: reads never abort, writes always do */
	FUZZ_WIN_SP805,  /* the VM's watchdog */
	FUZZ_WIN_VIRTIO, /* a virtio-mmio transport */
};

/* What each vCPU did, by its index. */
extern struct fuzz_stats fuzz_stats[PLAT_MAX_CPUS];

/* Once, before any vCPU fuzzes: the VM's RAM (from its device tree) and how many vCPUs it has. */
void fuzz_setup(uint64_t ram_ipa, uint64_t ram_bytes, unsigned int vcpus);
/* A region outside RAM that is mapped (a channel's window): kept out of the unmapped surface. */
void fuzz_set_mapped_hole(uint64_t ipa, uint64_t size);
/* A device or channel window, fuzzed by fuzz_mmio() and kept out of the unmapped surface. */
void fuzz_add_window(uint64_t ipa, uint64_t size, enum fuzz_win kind);
/* The watchdog, virtio-mmio transports and channels (keel-test,chan-rw and -ro) of the guest tree. */
void fuzz_find_windows(void);
/* How many extra windows there are. */
unsigned int fuzz_nr_windows(void);
/* Whether ipa lies in an extra window or its overrun (then it is not an unmapped page). */
bool fuzz_in_window(uint64_t ipa);
/* One access of an extra window (fuzz_dev.c); writer: this vCPU may write the watchdog. */
void fuzz_window_op(bool writer);
/*
 * Keel's standby calls (fuzz_dev.c). fuzz_standby_setup: this VM has a
 * standby with fault injection (0: it has none, and every standby call must
 * be refused with its exact code); faults: at most this many real ones.
 * fuzz_standby_call: one of the three calls with boundary arguments, the
 * answer checked. fuzz_standby_failovers: Keel's count, noticing one.
 */
void fuzz_standby_setup(bool on, uint64_t seed, uint32_t faults);
void fuzz_standby_call(uint32_t fid);
uint64_t fuzz_standby_failovers(void);
/* Chosen bad standby calls, each answer checked with report(). */
void fuzz_standby_selftest(void);
/* Whether fid (w0) is one of the standby calls, in any form. */
bool fuzz_is_standby_fid(uint32_t fid);
/* Counts and prints an answer Keel must never give (the first few). */
void fuzz_wrong(const char *what, int64_t got, int64_t want);
/* Starts the calling vCPU's stream (0: FUZZ_DEFAULT_SEED). */
void fuzz_seed(uint64_t seed);
/* The calling vCPU's next random number, and one below n (n > 0). */
uint64_t fuzz_rnd(void);
uint64_t fuzz_rnd_below(uint64_t n);
/* A call argument (boundary values, addresses, noise) and a value to write (0, ~0, one bit, noise). */
uint64_t fuzz_rnd_arg(void);
uint64_t fuzz_rnd_value(void);
/* One line on Keel's console through CONSOLE_WRITE, which no MMIO write can switch off. */
void fuzz_hc_print(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* One access of width bytes (16: an LDP/STP pair) at addr under the catcher; true if it aborted. */
bool fuzz_access_caught(uintptr_t addr, unsigned int width, bool write, uint64_t v);
/* Trapped register access number idx (below FUZZ_SYSREG_CASES): even reads, odd writes of v. */
void fuzz_sysreg_access(unsigned int idx, uint64_t v);
#define FUZZ_SYSREG_CASES 40u

/* The surfaces: a random SMCCC call, an MMIO access, an unmapped IPA, a trapped system register. */
void fuzz_call(void);
void fuzz_mmio(void);
void fuzz_unmapped(void);
void fuzz_sysreg(void);

#endif
