/*
 * A virtual CPU: everything needed to stop it on one physical CPU and resume
 * it later, kept in memory. struct vcpu_regs is what the exception vectors
 * save and restore on every trap; the rest (EL1 system registers, FP/SIMD,
 * virtual timer, virtual GIC interface) is switched only when a different
 * vCPU takes the physical CPU, because Keel itself never touches it.
 *
 * Ownership: regs, sys, fp and vgic.lr* belong to the physical CPU the vCPU
 * runs on (vcpu->pcpu). Other CPUs change a vCPU only by setting a bit in
 * `requests` and kicking that CPU.
 */
#ifndef KEEL_VCPU_H
#define KEEL_VCPU_H

#include <keel/types.h>
#include <keel/ipc.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/vgic.h>

/* Saved on every trap by arch/aarch64/guest_entry.S (offsets checked there). */
struct vcpu_regs {
	u64 x[31];
	u64 pc; /* ELR_EL2 */
	u64 pstate; /* SPSR_EL2 */
};

/* EL1 and EL0 system state of the guest. */
struct vcpu_sysregs {
	u64 sctlr_el1, actlr_el1, cpacr_el1;
	u64 ttbr0_el1, ttbr1_el1, tcr_el1;
	u64 mair_el1, amair_el1, vbar_el1, contextidr_el1;
	u64 esr_el1, far_el1, afsr0_el1, afsr1_el1, par_el1;
	u64 sp_el0, sp_el1, elr_el1, spsr_el1;
	u64 tpidr_el0, tpidrro_el0, tpidr_el1;
	u64 cntkctl_el1, csselr_el1, mdscr_el1;
	u64 cntv_ctl_el0, cntv_cval_el0;
	u64 cntp_ctl_el0, cntp_cval_el0; /* emulated (arch/aarch64/ptimer.c): ENABLE and IMASK, CVAL */
	u64 vmpidr_el2; /* the MPIDR the guest reads */
	bool vserror_pending; /* HCR_EL2.VSE: a virtual SError the guest has not taken; live in HCR_EL2 while loaded */
};

struct vcpu_fpsimd {
	__uint128_t q[32];
	u64 fpsr, fpcr;
};

enum vcpu_state {
	VCPU_OFF, /* never started, or PSCI CPU_OFF */
	VCPU_RUNNABLE,
	VCPU_WAITING, /* WFI: runnable again on an interrupt */
	VCPU_IPC_BLOCKED, /* waiting in IPC: runnable again only when IPC wakes it (core/ipc.c) */
};

/* Bits of vcpu->requests, set by any CPU, acted on by the vCPU's own CPU. */
#define VCPU_REQ_KICK (1u << 0) /* interrupt state changed: re-flush list registers */
#define VCPU_REQ_START (1u << 1) /* PSCI CPU_ON: reset to boot_pc/boot_x0 and run */
#define VCPU_REQ_STOP (1u << 2) /* the VM is stopping or resetting: park */
#define VCPU_REQ_VM_BOOT (1u << 3) /* vCPU 0 only: build the VM's RAM and start it, on this CPU */
#define VCPU_REQ_IPC (1u << 4) /* IPC delivered a message or a result: load it, wake (ipc_vcpu_woken) */
#define VCPU_REQ_STANDBY (1u << 5) /* a checkpoint or failover of the VM: unload and hold (core/standby.c) */
/*
 * Nothing to do but a pass through the scheduler (sched_pick): a VM's timed
 * events changed, a vCPU stopped being schedulable. Not VCPU_REQ_KICK, which
 * the exit fast path may act on without the scheduler.
 */
#define VCPU_REQ_RESCHED (1u << 6)
/*
 * Not a request: set with one by a CPU that then kicks the target
 * (vcpu_request), and cleared when the target takes the word (sched.c
 * handle_requests, or the exit fast path with VCPU_REQ_KICK, which it acts
 * on; core/vcpu.c says why one kick is then enough).
 */
#define VCPU_REQ_KICK_SENT (1u << 31)

struct vm;

/*
 * Reads of fixed device registers (vdev_kind.read_fixed) this vCPU made,
 * remembered so the exit fast path answers a repeat from here, without the
 * device look-up (core/vdev.c fills it, include/keel/exit.h reads it). A
 * register's value is fixed for the VM's life, so an entry never goes
 * stale; the owning CPU alone touches it. Direct-mapped by IPA; a key is
 * VDEV_FIXED_KEY(ipa, width), never 0.
 */
#define VDEV_FIXED_SLOTS 8
#define VDEV_FIXED_KEY(ipa, width) (((ipa) << 4) | ((width) << 1) | 1)
#define VDEV_FIXED_SLOT(ipa) ((((ipa) >> 2) ^ ((ipa) >> 16)) & (VDEV_FIXED_SLOTS - 1))
struct vdev_fixed_cache {
	u64 key[VDEV_FIXED_SLOTS];
	u64 value[VDEV_FIXED_SLOTS];
};

struct vcpu {
	struct vcpu_regs regs; /* must stay first: the vectors find it at offset 0 */
	struct vcpu_sysregs sys;
	struct vcpu_fpsimd fp;
	struct vgic_cpu vgic;
	struct vm *vm;
	u32 index; /* within its VM; also its MPIDR Aff0 */
	u32 pcpu; /* the physical CPU it is pinned to */
	volatile enum vcpu_state state;
	volatile u32 requests; /* VCPU_REQ_*, atomic */
	u64 boot_pc, boot_x0; /* for VCPU_REQ_START */
	bool loaded; /* its system state is in the CPU's registers */
	bool mmio_retry; /* the trapped MMIO write asked to be retried (vdev_retry_access) */
	bool vtimer_hw_active; /* saved physical active state of its timer PPI while not loaded */
	bool ptimer_hw_active; /* the same for its EL1 physical timer's PPI */
	bool ptimer_in_use; /* the hardware EL1 physical timer backs it while loaded (arch/aarch64/ptimer.c) */
	bool wfi_native; /* alone on a static CPU: its WFI need not trap (sched_cpu_init) */
	bool wfi_untrapped; /* HCR_EL2.TWI is clear for it now (vcpu_update_wfi_trap) */
	volatile bool standby_held; /* stopped for its VM's checkpoint or failover: not scheduled (core/standby.c) */
	bool standby_hung; /* an injected hang: not scheduled until the VM fails over */
	u64 nr_exits;
	struct sched_entity sched;
	struct ipc_vcpu ipc; /* synchronous IPC state, under the IPC lock (keel/ipc.h) */
	struct vdev_fixed_cache fixed_reads;
};

/*
 * Is private interrupt intid (a PPI) of vcpu hardware-linked and latched
 * pending? A racy read, the cheap test before vgic_retire_hw_if_deasserted().
 */
static inline bool vgic_hw_pending(const struct vcpu *vcpu, u32 intid)
{
	const struct vgic_irq *irq = &vcpu->vgic.private_irqs[intid % VGIC_NR_PRIVATE];

	return irq->hw && __atomic_load_n(&irq->pending_latch, __ATOMIC_RELAXED);
}

/* Before entering the guest: fill list registers from pending state. */
static inline void vgic_flush_lrs(struct vcpu *vcpu)
{
	if (vgic_flush_needed(&vcpu->vgic))
		vgic_flush_lrs_slow(vcpu);
}

/* After leaving the guest: fold list-register state back into the interrupts. */
static inline void vgic_sync_lrs(struct vcpu *vcpu)
{
	if (vgic_sync_needed(&vcpu->vgic))
		vgic_sync_lrs_slow(vcpu);
}

/* Put the vCPU in its architectural reset state, entering at pc with x0. */
void vcpu_reset(struct vcpu *vcpu, u64 pc, u64 x0);

/*
 * On the vCPU's own CPU, loaded, after each exit: its timers' interrupts
 * are level-sensitive, so a pending one whose timer is no longer asserted
 * (disabled, masked, deadline moved on) is withdrawn (GICv3 4.1.2; Arm ARM
 * "The Generic Timer": the timer's interrupt output follows ISTATUS). The
 * emulated physical timer's trapped writes call it again once applied.
 */
void vcpu_timers_resample_slow(struct vcpu *vcpu);
static inline void vcpu_timers_resample(struct vcpu *vcpu)
{
	/* Inline: on nearly every exit neither timer's interrupt is latched. */
	if (vgic_hw_pending(vcpu, IRQ_PPI_VIRT_TIMER) || vgic_hw_pending(vcpu, IRQ_PPI_PHYS_TIMER))
		vcpu_timers_resample_slow(vcpu);
}

/* On the vCPU's own CPU: switch it off (PSCI CPU_OFF, VM stop) and unload its state. */
void vcpu_power_down(struct vcpu *vcpu);

/* Ask the vCPU's CPU to act on req (VCPU_REQ_*), sending it a kick if it is another CPU. */
void vcpu_request(struct vcpu *vcpu, u32 req);

/* Inject a synchronous exception into the guest as an external data abort at far. */
void vcpu_inject_dabt(struct vcpu *vcpu, u64 far);
/* Inject an instruction abort at far (the guest fetched from where nothing executable is). */
void vcpu_inject_iabt(struct vcpu *vcpu, u64 far);
/* Inject an undefined-instruction exception (an unknown trap, a bad instruction). */
void vcpu_inject_undef(struct vcpu *vcpu);
/* Make a virtual SError pending for the loaded vCPU; the guest takes it when it unmasks SError. */
void vcpu_inject_vserror(struct vcpu *vcpu);

/*
 * While handling a trap: step the guest past the trapped instruction, by
 * the length the syndrome gives (ESR_EL2.IL: 4 bytes, or 2 for a 16-bit T32
 * instruction; Keel runs only AArch64 guests, but the syndrome decides).
 */
void vcpu_skip_insn(struct vcpu *vcpu);

/* General register n as an instruction names it: 31 is XZR. */
static inline u64 vcpu_get_reg(const struct vcpu *vcpu, u32 n) { return n == 31 ? 0 : vcpu->regs.x[n]; }
static inline void vcpu_set_reg(struct vcpu *vcpu, u32 n, u64 v) { if (n != 31) vcpu->regs.x[n] = v; }

#endif
