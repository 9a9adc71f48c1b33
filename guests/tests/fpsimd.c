/*
 * test-fpsimd: FP/SIMD state across VM switches (configs/tests/fpsimd.dts).
 * Keel switches FP/SIMD lazily (arch/aarch64/vcpu.c): a CPU's registers stay
 * with the last vCPU that used them until another one's first FP/SIMD
 * instruction claims them. Three VMs share one CPU and take turns on every
 * yield: two fill all 32 registers and FPCR with their own pattern and check
 * them after each turn, one never touches FP/SIMD (its turns must not
 * disturb the owner). Each VM first checks that it starts with zeroed
 * registers, not another VM's, and the VM "again" resets itself once midway
 * and checks that again after the reset, while the others keep theirs.
 */
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/report.h>

#define TURNS 2000u

void fp_enable(void);
void fp_fill(uint64_t seed);
uint64_t fp_mismatches(uint64_t seed);
uint64_t fp_nonzero(void);

void guest_main(void)
{
	struct keel_identity id = keel_vm_identity();
	uint64_t seed = 0x1000u * (id.vm + 1) + 0x10u * id.resets + 1u;
	bool uses_fp = id.vm != 2;
	uint64_t bad = 0;

	if (uses_fp) {
		uint64_t nonzero;

		fp_enable();
		nonzero = fp_nonzero();

		report(nonzero == 0, "vm %lu run %lu: FP/SIMD registers start zeroed (%lu not)", id.vm, id.resets,
		       nonzero);
		fp_fill(seed);
	}
	for (uint32_t t = 0; t < TURNS; t++) {
		keel_yield();
		if (uses_fp)
			bad += fp_mismatches(seed);
		if (id.vm == 1 && id.resets == 0 && t == TURNS / 2) {
			printf("fpsimd: resetting myself\n");
			psci_system_reset();
		}
	}
	if (uses_fp)
		report(bad == 0, "vm %lu run %lu: %u turns, FP/SIMD registers kept (%lu wrong)", id.vm, id.resets,
		       TURNS, bad);
	printf("fpsimd: done\n");
	report_summary();
}
