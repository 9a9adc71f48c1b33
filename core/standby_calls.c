/*
 * Standby VMs, the guest's and the operator's side (include/keel/standby.h,
 * docs/standby.md): the STANDBY_* calls, fault injection for tests (from
 * the STANDBY_INJECT call or the console keys) and the statistics lines.
 * The checkpoints and failovers themselves are core/standby.c.
 */
#include <keel/arch/cpu.h>
#include <keel/hypercall.h>
#include <keel/log.h>
#include <keel/standby.h>
#include <keel/vcpu.h>
#include <keel/vm.h>
#include "standby_internal.h"

/* A random page of the VM's RAM (an xorshift of the counter: tests want spread, not secrecy). */
static u64 standby_random_page(const struct vm *vm)
{
	u64 x = arch_counter() * 0x9e3779b97f4a7c15ull, pages = 0;

	x ^= x >> 29;
	for (u32 i = 0; i < vm->cfg->nr_mem; i++)
		pages += vm->cfg->mem[i].size / PAGE_SIZE;
	return x % pages;
}

/* Flip one bit of RAM page `page` (counted across the VM's regions in order). False if there is no such page. */
static bool standby_flip_bit(struct vm *vm, u64 page, u64 seed)
{
	for (u32 i = 0; i < vm->cfg->nr_mem; i++) {
		u64 n = vm->cfg->mem[i].size / PAGE_SIZE;
		u8 *host;

		if (page >= n) {
			page -= n;
			continue;
		}
		if (gm_access(&vm->mem, ipa_of(vm->cfg->mem[i].ipa + page * PAGE_SIZE), PAGE_SIZE, GM_READ | GM_WRITE,
			      false, (void **)&host) != GM_OK)
			return false;
		host[seed % PAGE_SIZE] ^= (u8)(1u << (seed / PAGE_SIZE % 8));
		arch_dcache_clean(host + seed % PAGE_SIZE, 1);
		gm_write_done(&vm->mem, ipa_of(vm->cfg->mem[i].ipa + page * PAGE_SIZE), PAGE_SIZE);
		vm_log(vm, "injected: bit %u of byte 0x%lx flipped in RAM page %lu", (u32)(seed / PAGE_SIZE % 8),
		       (unsigned long)(vm->cfg->mem[i].ipa + page * PAGE_SIZE + seed % PAGE_SIZE), (unsigned long)page);
		return true;
	}
	return false;
}

/* A fault of kind KEEL_INJECT_* into vcpu's VM (vcpu: the one to corrupt or hang). */
static s64 standby_inject(struct vcpu *vcpu, u32 kind, u64 arg)
{
	struct vm *vm = vcpu->vm;
	u64 seed = arch_counter() * 0xbf58476d1ce4e5b9ull;

	switch (kind) {
	case KEEL_INJECT_BITFLIP:
		return standby_flip_bit(vm, arg == KEEL_INJECT_RANDOM ? standby_random_page(vm) : arg, seed >> 20) ?
			       KEEL_RET_SUCCESS :
			       KEEL_RET_INVALID_PARAMETER;
	case KEEL_INJECT_CORRUPT_REG:
		/* Where the guest goes next and what it finds there: garbage, as after a bit flip in a register. */
		for (u32 i = 0; i < 31; i++)
			vcpu->regs.x[i] ^= seed ^ arg ^ ((u64)i << 56);
		vcpu->regs.pc = 0xdead0000ull | (seed >> 40 & 0xfffc);
		vm_log(vm, "injected: vcpu %u registers scrambled, pc now 0x%lx", vcpu->index, vcpu->regs.pc);
		return KEEL_RET_SUCCESS;
	case KEEL_INJECT_HANG:
		vcpu->standby_hung = true;
		vcpu_request(vcpu, VCPU_REQ_RESCHED); /* through the scheduler, which skips it from now on */
		vm_log(vm, "injected: vcpu %u hangs", vcpu->index);
		return KEEL_RET_SUCCESS;
	default:
		return standby_vm_failed(vm, 0, "injected failure") ? KEEL_RET_SUCCESS : KEEL_RET_NOT_SUPPORTED;
	}
}

bool standby_console_inject(struct vm *vm, u32 kind)
{
	if (!standbys[vm->index].on || vm->state != VM_RUNNING)
		return false;
	if (kind == KEEL_INJECT_HANG) {
		/* Every vCPU stops being scheduled (a flag each one's CPU reads at its next pick): a whole-VM hang. */
		vm_log(vm, "injected from the console: every vCPU hangs");
		for (u32 i = 0; i < vm->nr_vcpus; i++) {
			vm->vcpus[i].standby_hung = true;
			vcpu_request(&vm->vcpus[i], VCPU_REQ_RESCHED);
		}
		return true;
	}
	if (kind == KEEL_INJECT_CORRUPT_REG)
		kind = KEEL_INJECT_FAIL; /* another CPU's vCPU registers are not this CPU's to touch: fail it instead */
	return standby_inject(&vm->vcpus[0], kind, KEEL_INJECT_RANDOM) == KEEL_RET_SUCCESS;
}

/* Pages each RAM region of vm had copied, when it has a read-only one (which must show none). */
static void standby_print_regions(const struct vm *vm)
{
	for (u32 r = 0; vm->cfg->mem_read_only && r < vm->mem.nr_regions; r++)
		klog("stats: vm %s standby: RAM region %u at IPA 0x%lx%s: %lu pages copied to or back from its copy",
		     vm->name, r, ipa_val(vm->mem.regions[r].ipa),
		     vm->mem.regions[r].read_only ? " (read-only, no copy)" : "", vm->mem.regions[r].pages_copied);
}

void standby_print_stats(const struct vm *only)
{
	for (u32 i = 0; i < nr_vms; i++) {
		const struct standby *sb = &standbys[i];

		if (!sb->on || (only && only != &vms[i]))
			continue;
		klog("stats: vm %s standby: %lu checkpoints (%lu skipped, watchdog late), %lu pages copied (last "
		     "%lu), pause last %lu us worst %lu us, %lu failovers (worst %lu us of copying), %lu pages "
		     "copied back",
		     vms[i].name, sb->nr_checkpoints, sb->nr_skipped, sb->pages_copied, sb->last_pages,
		     ticks_to_us(sb->last_pause), ticks_to_us(sb->worst_pause), sb->nr_failovers,
		     ticks_to_us(sb->worst_failover), sb->pages_restored);
		standby_print_regions(&vms[i]);
	}
}

/* STANDBY_STATUS: only for a VM with a standby. */
s64 hc_standby_status_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	(void)in;
	return standbys[vcpu->vm->index].on ? 0 : KEEL_RET_NOT_SUPPORTED;
}

void hc_standby_status_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	const struct standby *sb = &standbys[vcpu->vm->index];

	(void)in;
	out->x0 = KEEL_RET_SUCCESS;
	out->x1 = sb->nr_checkpoints;
	out->x2 = sb->nr_failovers;
	out->x3 = vcpu->vm->cfg->standby.interval_ns;
}

s64 hc_standby_intend_stop_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	return hc_standby_status_check(vcpu, in);
}

void hc_standby_intend_stop_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)in;
	__atomic_store_n(&standbys[vcpu->vm->index].intend_stop, true, __ATOMIC_RELEASE);
	out->x0 = KEEL_RET_SUCCESS;
}

/* STANDBY_INJECT: only where the configuration allows it, and a known kind. */
s64 hc_standby_inject_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	if (!standbys[vcpu->vm->index].on || !(vcpu->vm->cfg->standby.flags & KEEL_STANDBY_INJECT))
		return KEEL_RET_DENIED;
	if (in->x[1] > KEEL_INJECT_FAIL)
		return KEEL_RET_INVALID_PARAMETER;
	return 0;
}

void hc_standby_inject_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	out->x0 = standby_inject(vcpu, (u32)in->x[1], in->x[2]);
}
