/*
 * What core/standby_calls.c needs from the rest of Keel, for its host test
 * (tests/unit/test_standby_calls.c): the standby table core/standby.c owns, a
 * guest-memory accessor over the test's own buffers (one per RAM region of
 * the VM's blob), and recorders for the failure, the kick and the log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <keel/arch/cpu.h>
#include <keel/guest_mem.h>
#include <keel/log.h>
#include <keel/standby.h>
#include <keel/vcpu.h>
#include <keel/vm.h>

#include "standby_internal.h"
#include "fake_standby_calls_env.h"

struct standby standbys[KEEL_MAX_VMS];
struct fake_sb fake_sb;

u64 arch_counter(void) { return fake_sb.counter; }
u64 arch_counter_freq(void) { return 62500000ull; }
void arch_dcache_clean(const void *p, u64 size) { (void)p; (void)size; }

/* RAM region i of the blob is fake_sb.ram[i]; anything else fails as gm_access does outside RAM. */
enum gm_result gm_access(struct guest_mem *gm, ipaddr_t ipa, u64 len, u32 access, bool preemptible, void **host)
{
	const struct keel_blob_vm *cfg = fake_sb.cfg;

	(void)gm;
	(void)access;
	(void)preemptible;
	fake_sb.accesses++;
	for (u32 i = 0; i < cfg->nr_mem && i < FAKE_SB_REGIONS; i++) {
		if (ipa.v >= cfg->mem[i].ipa && ipa.v - cfg->mem[i].ipa + len <= cfg->mem[i].size) {
			*host = fake_sb.ram[i] + (ipa.v - cfg->mem[i].ipa);
			return GM_OK;
		}
	}
	return GM_NOT_RAM;
}

void gm_write_done(struct guest_mem *gm, ipaddr_t ipa, u64 len)
{
	(void)gm;
	(void)len;
	fake_sb.write_done_ipa = ipa.v;
}

void vcpu_request(struct vcpu *vcpu, u32 req)
{
	(void)vcpu;
	fake_sb.requests |= req;
}

bool standby_vm_failed(struct vm *vm, u32 detector, const char *why)
{
	(void)vm;
	(void)why;
	fake_sb.failed_calls++;
	fake_sb.failed_detector = detector;
	return fake_sb.failed_answer;
}

void vm_log(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	(void)vm;
	va_start(ap, fmt);
	vsnprintf(fake_sb.last_log, sizeof(fake_sb.last_log), fmt, ap);
	va_end(ap);
}

void klog(const char *fmt, ...)
{
	(void)fmt;
}
