/*
 * What core/standby.c (checkpoints, failover) and core/standby_calls.c (the
 * guest's calls, fault injection, statistics) share: each VM's standby
 * state. Not for anything else: the rest of Keel uses include/keel/standby.h.
 */
#ifndef KEEL_CORE_STANDBY_INTERNAL_H
#define KEEL_CORE_STANDBY_INTERNAL_H

#include <keel/arch/cpu.h>
#include <keel/guest_mem.h>
#include <keel/vcpu.h>
#include <keel/vm.h>

#define SB_WHY_LEN 48

/* A vCPU's state at the checkpoint: all but scheduling and IPC bookkeeping. */
struct standby_vcpu {
	struct vcpu_regs regs;
	struct vcpu_sysregs sys;
	struct vcpu_fpsimd fp;
	u32 vmcr, hcr, ap0r[4], ap1r[4];
	enum vcpu_state state;
	bool vtimer_hw_active, ptimer_hw_active;
	bool start_pending; /* a CPU_ON accepted, not yet taken by its CPU (VCPU_REQ_START) */
	u64 boot_pc, boot_x0;
};

struct standby {
	bool on;
	u64 interval; /* ticks */
	u64 next_checkpoint; /* home CPU only */
	volatile u32 want; /* SB_WANT_* asked for and not yet taken by an operation, atomic */
	volatile u32 busy; /* an operation is under way (its vCPUs asked to stop, or held), atomic */
	u32 nr_held; /* atomic */
	u64 op_started; /* counter when the operation was asked for */
	u64 failed_at; /* counter when the failure was detected */
	char why[SB_WHY_LEN];
	volatile bool failure_claimed; /* a detector set failed_at and why; cleared when its failover starts */
	volatile bool intend_stop;
	bool cp_intend_stop; /* intend_stop when the last checkpoint was taken: a failover goes back to it */
	/* The last checkpoint. */
	bool valid;
	u64 taken_at;
	u32 repeats; /* failovers in a row without a whole interval run in between */
	u32 since_failover; /* checkpoints since the last failover */
	struct standby_vcpu vcpus[KEEL_MAX_VCPUS_PER_VM];
	struct gm_chunk chunks[GM_MAX_CHUNKS];
	u8 *dev_state; /* each device's save(), at dev_off[] */
	u32 dev_off[VM_MAX_VDEVS], dev_len[VM_MAX_VDEVS];
	/* Statistics. */
	u64 nr_checkpoints, nr_failovers, pages_copied, pages_restored;
	u64 nr_skipped; /* checkpoints not taken: the guest was late feeding its watchdog */
	u64 last_pages, last_pause, last_copy, worst_pause, worst_failover;
};

extern struct standby standbys[KEEL_MAX_VMS];

static inline u64 ticks_to_us(u64 t) { return t * 1000000 / arch_counter_freq(); }

#endif
