/*
 * The virtual GICv3: state of every interrupt a VM can see, and the entry
 * points the rest of Keel uses. Guests program an emulated distributor and
 * redistributors (trapped MMIO, vdev/vgic_dist.c and vdev/vgic_redist.c) and
 * take and complete interrupts through the hardware's virtual CPU interface,
 * whose list registers vdev/vgic_lr.c fills before each guest entry and
 * reads back after each exit.
 *
 * The distributor and the redistributors are device kinds
 * (vgic_dist_kind, vgic_redist_kind in include/keel/vdev.h); the VM reaches
 * the distributor's state through vm_vgic(). Every VM has both.
 *
 * Lock order: vgic_dist.lock is the only vGIC lock and protects every
 * struct vgic_irq of the VM (shared SPIs and each vCPU's private SGIs and
 * PPIs), because SPIs are injected from any physical CPU. The list-register
 * shadow in struct vgic_cpu belongs to the physical CPU running the vCPU and
 * is touched only there (system-wide lock order: include/keel/locking.h).
 *
 * So that guest entry and exit cost what is pending rather than what exists,
 * each vCPU keeps a bitmap of the interrupts waiting for a list register on
 * it (vgic_cpu.want, see vdev/vgic_lr.c); every change to an interrupt's
 * pending, active, enabled, group or routing state updates it under the lock.
 */
#ifndef KEEL_VGIC_H
#define KEEL_VGIC_H

#include <keel/arch/gic.h>
#include <keel/spinlock.h>
#include <keel/types.h>

#define VGIC_NR_PRIVATE 32 /* SGIs 0-15, PPIs 16-31 */
#define VGIC_MAX_SPIS 64 /* INTIDs 32..95 */
#define VGIC_MAX_LRS 16
#define VGIC_NO_LR 0xff
#define VGIC_NO_TARGET 0xff /* SPI routed to an affinity no vCPU has */
#define VGIC_NR_IRQS (VGIC_NR_PRIVATE + VGIC_MAX_SPIS)
#define VGIC_WANT_WORDS ((VGIC_NR_IRQS + 63) / 64)

struct vcpu;
struct vm;

struct vgic_irq {
	u8 priority; /* as written to IPRIORITYR */
	u8 lr; /* list register holding it, or VGIC_NO_LR */
	bool enabled;
	bool edge; /* ICFGR: edge-triggered (true) or level-sensitive */
	bool group1;
	bool pending_latch; /* edge event or ISPENDR write not yet taken */
	bool line_level; /* level-sensitive input as the device drives it */
	bool active;
	bool hw; /* backed by a physical interrupt the guest deactivates */
	u16 hw_intid;
	u8 target_vcpu; /* SPI: vCPU index from IROUTER; private: owner */
	u64 irouter; /* SPI: IROUTER as written */
	u16 intid; /* its own INTID, fixed at reset */
	u8 queued_on; /* vCPU whose want bitmap holds it, or VGIC_NO_TARGET */
	/* Valid while lr != VGIC_NO_LR (see vdev/vgic_lr.c): */
	u8 lr_state; /* ICH_LR state bits Keel listed it with */
	bool relatch; /* made pending again after it was listed pending */
	bool active_written; /* ISACTIVER/ICACTIVER wrote active meanwhile */
};

struct vgic_cpu {
	struct vgic_irq private_irqs[VGIC_NR_PRIVATE]; /* under the VM's vgic lock */
	u32 waker; /* GICR_WAKER.ProcessorSleep, as written */
	/*
	 * Bit i (INTID i: private or SPI) set iff that interrupt targets this
	 * vCPU, is in no list register and is active or deliverable. Written
	 * under the VM's vgic lock with __atomic stores; read without it only by
	 * the fast paths of vdev/vgic_lr.c and vgic_vcpu_has_pending().
	 */
	u64 want[VGIC_WANT_WORDS];
	/* Virtual CPU interface state, saved to memory when the vCPU leaves its CPU. */
	u64 lr[VGIC_MAX_LRS];
	u16 lr_intid[VGIC_MAX_LRS]; /* which INTID each used LR holds */
	u32 lr_used; /* bitmap of LRs Keel filled at the last entry */
	u32 hcr; /* ICH_HCR_EL2 as last written: equal to the register while loaded */
	u32 vmcr;
	u32 ap0r[4];
	u32 ap1r[4];
};

struct vgic_dist {
	struct spinlock lock; /* initialised once at boot, never while in use */
	u32 ctlr;
	u32 nr_spis;
	struct vgic_irq spis[VGIC_MAX_SPIS];
	u32 warned; /* reserved-offset accesses already logged (atomic, once per VM) */
};

/*
 * vcpu is switched off or reset (PSCI CPU_OFF or CPU_ON, VM stop): clear the
 * active state and hardware links of the interrupts active on it, which it
 * will never deactivate; a passed-through SPI among them is deactivated in
 * hardware. Its timer PPI's physical side is the caller's (vcpu_power_down).
 * Call on vcpu's CPU after vgic_sync_lrs, without the vGIC lock.
 */
void vgic_vcpu_off(struct vcpu *vcpu);
/*
 * A hardware-linked private interrupt of vcpu whose source is a level
 * (its virtual timer): latched pending by Keel when the physical interrupt
 * fired, it must stop being pending when the source is no longer asserted
 * (the guest disabled or masked the timer or moved its deadline on), or the
 * guest takes a stale interrupt. If intid is pending, not active and in no
 * list register and asserted is false, forget the pending state and return
 * true: the caller then deactivates the physical interrupt, which Keel left
 * active for the guest to complete. vgic_hw_pending() is the cheap test to
 * make first. Call on vcpu's CPU after vgic_sync_lrs().
 */

bool vgic_retire_hw_if_deasserted(struct vcpu *vcpu, u32 intid, bool asserted);

/*
 * Raise (edge) or set the line level of (level) interrupt intid for the VM.
 * For INTIDs below 32 target names the vCPU; for SPIs it is ignored and
 * IROUTER decides. Kicks the target's physical CPU if the interrupt became
 * deliverable. Returns false if the INTID does not exist for this VM.
 */
bool vgic_inject(struct vm *vm, struct vcpu *target, u32 intid, bool level);
bool vgic_set_level(struct vm *vm, struct vcpu *target, u32 intid, bool level);
/* Latch SPI intid pending as a GICD_ISPENDR write does, for either trigger mode (a doorbell). */
bool vgic_set_pending(struct vm *vm, u32 intid);

/* Inject a physical interrupt Keel acknowledged (priority-dropped, not
 * deactivated) so that the guest's deactivation completes it in hardware.
 * The link lasts until the interrupt is deactivated or the vGIC reset. */
bool vgic_inject_hw(struct vm *vm, struct vcpu *target, u32 intid, u32 hw_intid);
/*
 * The same for a PPI of the vCPU loaded on this CPU, linked to the same
 * physical INTID, together with the vgic_sync_lrs() and vgic_flush_lrs()
 * around it: after an exit, its list registers are folded, intid latched
 * and the list registers filled again, ready for an entry. Call on vcpu's
 * CPU, without the vGIC lock, instead of those three (the exit fast path).
 */
void vgic_inject_hw_ppi_loaded(struct vcpu *vcpu, u32 intid);

/* Is some interrupt waiting for a list register of this vCPU? Lock-free (vdev/vgic_lr.c). */
static inline bool vgic_want_any(const struct vgic_cpu *vc)
{
	u64 any = 0;

	for (u32 w = 0; w < VGIC_WANT_WORDS; w++)
		any |= __atomic_load_n(&vc->want[w], __ATOMIC_RELAXED);
	return any;
}

/*
 * The run loop's tests around each guest entry, inline because nearly every
 * exit (a hypercall, an MMIO access) has nothing to list or fold: entry must
 * list something or switch ICH_HCR_EL2 to "enabled, no underflow interrupt";
 * exit must fold a used list register or clear UIE. The work itself is
 * vgic_flush_lrs_slow() / vgic_sync_lrs_slow(), reached through
 * vgic_flush_lrs() / vgic_sync_lrs() (include/keel/vcpu.h).
 */
static inline bool vgic_flush_needed(const struct vgic_cpu *vc)
{
	return vgic_want_any(vc) || (vc->hcr & (ICH_HCR_UIE | ICH_HCR_EN)) != ICH_HCR_EN;
}

static inline bool vgic_sync_needed(const struct vgic_cpu *vc)
{
	return vc->lr_used || (vc->hcr & ICH_HCR_UIE);
}

void vgic_flush_lrs_slow(struct vcpu *vcpu);
void vgic_sync_lrs_slow(struct vcpu *vcpu);
/* Does the vCPU have an interrupt that should end its WFI? */
bool vgic_vcpu_has_pending(struct vcpu *vcpu);
/* A write to ICC_SGI1R_EL1 (or SGI0R/ASGI1R) trapped from the vCPU. */
void vgic_sgi_write(struct vcpu *vcpu, u64 value, bool group1);
/* The maintenance interrupt fired: the flush/sync cycle does the work. */
void vgic_maintenance(struct vcpu *vcpu);

#endif
