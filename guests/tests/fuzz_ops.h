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
};

/* What each vCPU did, by its index. */
extern struct fuzz_stats fuzz_stats[PLAT_MAX_CPUS];

/* Once, before any vCPU fuzzes: the VM's RAM (from its device tree) and how many vCPUs it has. */
void fuzz_setup(uint64_t ram_ipa, uint64_t ram_bytes, unsigned int vcpus);
/* A region outside RAM that is mapped (a channel's window): kept out of the unmapped surface. */
void fuzz_set_mapped_hole(uint64_t ipa, uint64_t size);
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
