/*
 * Notification channels (docs/ipc.md, "Channels"): memory shared by the VMs
 * the configuration names, and a doorbell call that raises an interrupt in
 * the other members. keelcfg chose the memory (board guest RAM that is no
 * VM's own RAM), the IPAs (free in every member) and the doorbell SPIs
 * (free in every member); the blob check (core/blob.c) bounds what Keel
 * reads. At boot each member's stage 2 gets the range as normal memory,
 * read-only or read-write, never executable. It is not RAM of any VM:
 * guest-memory filling, resets and the dirty log never touch it, so what one
 * member wrote survives another member's reset.
 */
#include <keel/hypercall.h>
#include <keel/ipc.h>
#include <keel/log.h>
#include <keel/stage2.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

/* Boot time, from vm_create: map the VM's channels; the pool was sized for them by keelcfg. */
void channel_map_all(struct vm *vm)
{
	const struct keel_blob_vm *c = vm->cfg;

	for (u32 i = 0; i < c->nr_channels; i++) {
		const struct keel_blob_channel *ch = &c->channels[i];
		u32 flags = MM_READ | (ch->flags & KEEL_CHANNEL_WRITE ? MM_WRITE : 0);

		if (s2_map(&vm->s2, ipa_of(ch->ipa), pa_of(ch->pa), ch->size, flags))
			panic("vm %s: cannot map channel %u", vm->name, i);
	}
}

/* DOORBELL: x1 names one of the caller's channels. */
s64 hc_doorbell_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	return in->x[1] < vcpu->vm->cfg->nr_channels ? 0 : KEEL_RET_NO_ENDPOINT;
}

/*
 * Ring every other member's doorbell: its SPI's pending latch is set, as a
 * GICD_ISPENDR write would, edge- or level-configured alike, and stays set
 * until that guest clears or takes it. Holds no lock of the caller's VM;
 * vgic_set_pending takes only the peer's vGIC lock, so
 * no CPU holds two VMs' locks. A peer that is stopped keeps the pending bit
 * until its vGIC is reset.
 */
void hc_doorbell_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	u32 id = vcpu->vm->cfg->channels[in->x[1]].id;

	for (u32 v = 0; v < nr_vms; v++) {
		const struct keel_blob_vm *peer = vms[v].cfg;

		if (&vms[v] == vcpu->vm)
			continue;
		for (u32 i = 0; i < peer->nr_channels; i++)
			if (peer->channels[i].id == id && peer->channels[i].doorbell)
				vgic_set_pending(&vms[v], peer->channels[i].doorbell);
	}
	out->x0 = KEEL_RET_SUCCESS;
}
