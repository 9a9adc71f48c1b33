/*
 * The emulated PL011 UART each VM gets (ARM PrimeCell UART PL011 TRM,
 * DDI 0183). It is modelled closely enough for Linux's amba-pl011 driver and
 * its earlycon, and for bare-metal guests that poll FR:
 *
 *  - Transmit never waits: a byte written to DR leaves at once, so FR says
 *    TXFE and never TXFF or BUSY, and the transmit interrupt (TXRIS, "FIFO
 *    below its trigger level") is set again by every DR write, as in QEMU's
 *    model. Bytes are collected into a line and printed with the VM's name
 *    when the guest ends the line or the buffer fills.
 *  - Receive is a FIFO filled by the console multiplexer (vuart_receive).
 *    RXRIS is not latched: it reads as 1 exactly while the FIFO holds data,
 *    which is the level semantics a driver's drain loop expects.
 *  - The interrupt line is (RIS & IMSC) != 0, driven into the vGIC after
 *    every change that might move it.
 *  - Input commit for standby VMs: restoring a saved state (a failover to a
 *    checkpoint) puts back into the FIFO the bytes received after that save,
 *    so keys typed since the checkpoint reach the restored guest instead of
 *    vanishing with the failed run. Up to VUART_REPLAY bytes; the loss of
 *    older ones, or of bytes the FIFO has no room for, is logged.
 *
 * Baud rate, line control and FIFO level registers are stored and read back
 * but change nothing. It is a device kind (vuart_pl011_kind); a VM's first
 * PL011 is its console (vm_vuart), and its idle hook shows an unfinished
 * line (a prompt) when a vCPU of the VM idles. Lock order: vuart.lock, then the vGIC lock (through
 * vgic_set_level) or the console output lock (a leaf, through
 * console_write_line); both are taken with vuart.lock held.
 */
#include <keel/log.h>
#include <keel/string.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>
#include <keel/vuart.h>

#define VUART_MMIO_SIZE 0x1000

/* Register offsets (TRM 3.2, Table 3-1). */
#define UART_DR 0x000
#define UART_RSR 0x004 /* RSR when read, ECR when written */
#define UART_FR 0x018
#define UART_ILPR 0x020
#define UART_IBRD 0x024
#define UART_FBRD 0x028
#define UART_LCR_H 0x02c
#define UART_CR 0x030
#define UART_IFLS 0x034
#define UART_IMSC 0x038
#define UART_RIS 0x03c
#define UART_MIS 0x040
#define UART_ICR 0x044
#define UART_DMACR 0x048
#define UART_ID_FIRST 0xfe0 /* PeriphID0-3 then PCellID0-3, one byte per word */
#define UART_ID_LAST 0xffc

/* UARTFR (TRM 3.3.3). */
#define FR_RXFE BIT(4)
#define FR_RXFF BIT(6)
#define FR_TXFE BIT(7)

/* UARTCR (TRM 3.3.8); reset value TXE | RXE. */
#define CR_LBE BIT(7)
#define CR_TXE BIT(8)
#define CR_RXE BIT(9)
#define CR_WRITABLE 0xff87u /* bits 6:3 are reserved */

/* Interrupt bits shared by IMSC, RIS, MIS and ICR (TRM 3.3.10-3.3.14). */
#define INT_RX BIT(4)
#define INT_TX BIT(5)
#define INT_ALL 0x7ffu

#define IBRD_MASK 0xffffu
#define FBRD_MASK 0x3fu
#define LCR_H_MASK 0xffu
#define IFLS_MASK 0x3fu
#define IFLS_RESET 0x12u /* both FIFO levels at one half */

/* TRM 3.3.15-3.3.22: part 0x011, designer ARM (0x41), revision r1p5; PrimeCell. */
static const u8 pl011_id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static u32 vuart_ris(const struct vuart *u)
{
	return (u->rx_count > 0 ? INT_RX : 0) | (u->ris_tx ? INT_TX : 0);
}

/* Drive the interrupt line from the registers. Called with u->lock held. */
static void vuart_update_irq(struct vuart *u)
{
	vgic_set_level(u->vm, NULL, u->irq, (vuart_ris(u) & u->imsc) != 0);
}

/* Print the collected line, if any. Called with u->lock held. */
static void vuart_flush_line(struct vuart *u)
{
	console_write_line(u->vm->name, u->line, u->line_len);
	u->line_len = 0;
}

void vuart_flush_partial(struct vuart *u)
{
	if (u->line_len == 0)
		return; /* unlocked peek: a line being written now is printed at its end anyway */
	spin_lock(&u->lock);
	if (u->line_len > 0)
		console_write_partial(u->vm->name, u->line, u->line_len);
	u->line_len = 0;
	spin_unlock(&u->lock);
}

/* A byte written to DR. Called with u->lock held. */
static void vuart_tx(struct vuart *u, u8 c)
{
	/* The byte has left already, so the TX FIFO is below its level again. */
	u->ris_tx = 1;
	if (c == '\r')
		return;
	/* Linux's probe writes a NUL in loopback mode just to raise TXRIS. */
	if (c == '\0' && (u->cr & CR_LBE))
		return;
	if (c == '\n') {
		vuart_flush_line(u);
		return;
	}
	u->line[u->line_len++] = (char)c;
	vdev_want_idle(u->vm); /* a prompt (no newline) is printed when the guest idles after it */
	if (u->line_len == VUART_LINE_MAX) {
		/* Not a line's end: the console continues the line, so a long one is not cut. */
		console_write_partial(u->vm->name, u->line, u->line_len);
		u->line_len = 0;
	}
}

/* A read of DR: the oldest received byte, 0 when there is none. */
static u32 vuart_rx_pop(struct vuart *u)
{
	u8 c;

	if (u->rx_count == 0)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_RX_FIFO;
	u->rx_count--;
	return c;
}

static bool vuart_read_reg(struct vuart *u, u64 offset, u32 *value)
{
	switch (offset) {
	case UART_DR:
		*value = vuart_rx_pop(u);
		vuart_update_irq(u);
		return true;
	case UART_FR:
		*value = FR_TXFE | (u->rx_count == 0 ? FR_RXFE : 0) |
			 (u->rx_count == VUART_RX_FIFO ? FR_RXFF : 0);
		return true;
	case UART_IBRD:
		*value = u->ibrd;
		return true;
	case UART_FBRD:
		*value = u->fbrd;
		return true;
	case UART_LCR_H:
		*value = u->lcr_h;
		return true;
	case UART_CR:
		*value = u->cr;
		return true;
	case UART_IFLS:
		*value = u->ifls;
		return true;
	case UART_IMSC:
		*value = u->imsc;
		return true;
	case UART_RIS:
		*value = vuart_ris(u);
		return true;
	case UART_MIS:
		*value = vuart_ris(u) & u->imsc;
		return true;
	case UART_RSR: /* no receive errors ever happen */
	case UART_ILPR: /* no IrDA */
	case UART_ICR: /* write-only */
	case UART_DMACR: /* no DMA */
		*value = 0;
		return true;
	}
	if (offset >= UART_ID_FIRST && offset <= UART_ID_LAST) {
		*value = pl011_id[(offset - UART_ID_FIRST) / 4];
		return true;
	}
	return false;
}

static bool vuart_write_reg(struct vuart *u, u64 offset, u32 value)
{
	switch (offset) {
	case UART_DR:
		vuart_tx(u, (u8)value);
		break;
	case UART_IBRD:
		u->ibrd = value & IBRD_MASK;
		return true;
	case UART_FBRD:
		u->fbrd = value & FBRD_MASK;
		return true;
	case UART_LCR_H:
		u->lcr_h = value & LCR_H_MASK;
		return true;
	case UART_CR:
		/* Enabling the transmitter shows an empty TX FIFO at once. */
		if (!(u->cr & CR_TXE) && (value & CR_TXE))
			u->ris_tx = 1;
		u->cr = value & CR_WRITABLE;
		break;
	case UART_IFLS:
		u->ifls = value & IFLS_MASK;
		return true;
	case UART_IMSC:
		u->imsc = value & INT_ALL;
		break;
	case UART_ICR:
		/* RXRIS follows the FIFO and cannot be cleared; TXRIS can. */
		if (value & INT_TX)
			u->ris_tx = 0;
		break;
	case UART_RSR: /* ECR: clears errors there never are */
	case UART_FR:
	case UART_ILPR:
	case UART_RIS:
	case UART_MIS:
	case UART_DMACR:
		return true;
	default:
		/* The ID registers are read-only; anything else is not a register. */
		return offset >= UART_ID_FIRST && offset <= UART_ID_LAST;
	}
	vuart_update_irq(u);
	return true;
}

/* 8-, 16- and 32-bit accesses at a register's own offset only. */
static bool vuart_access_ok(u64 offset, u32 width)
{
	return (width == 1 || width == 2 || width == 4) && IS_ALIGNED(offset, 4) &&
	       offset < VUART_MMIO_SIZE;
}

static u32 width_mask(u32 width)
{
	return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
}

static bool vuart_read(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 *value)
{
	struct vuart *u = dev->state;
	u32 v = 0;
	bool ok;

	(void)vcpu;
	if (!vuart_access_ok(offset, width))
		return false;
	spin_lock(&u->lock);
	ok = vuart_read_reg(u, offset, &v);
	spin_unlock(&u->lock);
	*value = v & width_mask(width);
	return ok;
}

static bool vuart_write(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 value)
{
	struct vuart *u = dev->state;
	bool ok;

	(void)vcpu;
	if (!vuart_access_ok(offset, width))
		return false;
	spin_lock(&u->lock);
	ok = vuart_write_reg(u, offset, (u32)value & width_mask(width));
	spin_unlock(&u->lock);
	return ok;
}

/*
 * Reset to the TRM's power-on values, with the transmitter enabled and so
 * TXRIS set (masked: IMSC resets to 0). A partial output line is printed
 * first so nothing the guest wrote is lost.
 */
void vuart_reset(struct vuart *u)
{
	spin_lock(&u->lock);
	if (u->line_len > 0)
		vuart_flush_line(u);
	u->cr = CR_TXE | CR_RXE;
	u->lcr_h = 0;
	u->ibrd = 0;
	u->fbrd = 0;
	u->ifls = IFLS_RESET;
	u->imsc = 0;
	u->ris_tx = 1;
	u->rx_head = 0;
	u->rx_count = 0; /* rx_seq goes on: it numbers the device's input for its whole life */
	vuart_update_irq(u);
	spin_unlock(&u->lock);
}

/* What save() writes: the registers, the receive FIFO oldest first, the unfinished line. */
struct vuart_saved {
	u64 rx_seq; /* bytes received before the save: a restore replays those after */
	u32 cr, lcr_h, ibrd, fbrd, ifls, imsc, ris_tx;
	u32 rx_count, line_len;
	u8 rx[VUART_RX_FIFO];
	char line[VUART_LINE_MAX];
};

static const char *vuart_check(const struct keel_blob_vm *vm, const struct keel_blob_vdev *rec)
{
	(void)vm;
	if (rec->size != VUART_MMIO_SIZE)
		return "size is not the PL011's 4 KiB";
	if (rec->irq == 0)
		return "irq missing: the PL011 raises one";
	return NULL;
}

static void vuart_init(struct vdev *dev, const struct keel_blob_vdev *rec)
{
	struct vuart *u = dev->state;

	*u = (struct vuart){ .lock = SPINLOCK_INIT, .vm = dev->vm, .irq = rec->irq };
	vuart_reset(u);
}

static void vuart_kind_reset(struct vdev *dev)
{
	vuart_reset(dev->state);
}

static u32 vuart_save(struct vdev *dev, void *buf)
{
	struct vuart *u = dev->state;
	struct vuart_saved *out = buf;

	spin_lock(&u->lock);
	*out = (struct vuart_saved){
		.rx_seq = u->rx_seq, .cr = u->cr, .lcr_h = u->lcr_h, .ibrd = u->ibrd, .fbrd = u->fbrd, .ifls = u->ifls,
		.imsc = u->imsc, .ris_tx = u->ris_tx, .rx_count = u->rx_count, .line_len = u->line_len,
	};
	for (u32 i = 0; i < u->rx_count; i++)
		out->rx[i] = u->rx[(u->rx_head + i) % VUART_RX_FIFO];
	memcpy(out->line, u->line, u->line_len);
	spin_unlock(&u->lock);
	return sizeof(*out);
}

/*
 * Put back the bytes received since seq (a restored save's count), oldest
 * first, behind what the restored FIFO holds. Returns how many could not be:
 * older than the replay ring keeps, or no room left in the FIFO. Called with
 * u->lock held; a seq ahead of the count (not a save of this device) puts
 * back nothing.
 */
static u64 vuart_replay_since(struct vuart *u, u64 seq)
{
	u64 lost = 0;

	if (seq > u->rx_seq)
		return 0;
	if (u->rx_seq - seq > VUART_REPLAY) {
		lost = u->rx_seq - seq - VUART_REPLAY;
		seq = u->rx_seq - VUART_REPLAY;
	}
	for (; seq < u->rx_seq; seq++) {
		if (u->rx_count == VUART_RX_FIFO) {
			lost += u->rx_seq - seq;
			break;
		}
		u->rx[(u->rx_head + u->rx_count++) % VUART_RX_FIFO] = u->replay[seq % VUART_REPLAY];
	}
	return lost;
}

static bool vuart_restore(struct vdev *dev, const void *buf, u32 len)
{
	struct vuart *u = dev->state;
	const struct vuart_saved *in = buf;
	u64 lost;

	if (len != sizeof(*in) || in->rx_count > VUART_RX_FIFO || in->line_len >= VUART_LINE_MAX)
		return false;
	spin_lock(&u->lock);
	u->cr = in->cr & CR_WRITABLE;
	u->lcr_h = in->lcr_h & LCR_H_MASK;
	u->ibrd = in->ibrd & IBRD_MASK;
	u->fbrd = in->fbrd & FBRD_MASK;
	u->ifls = in->ifls & IFLS_MASK;
	u->imsc = in->imsc & INT_ALL;
	u->ris_tx = in->ris_tx ? 1 : 0;
	u->rx_head = 0;
	u->rx_count = in->rx_count;
	memcpy(u->rx, in->rx, in->rx_count);
	u->line_len = in->line_len;
	memcpy(u->line, in->line, in->line_len);
	lost = vuart_replay_since(u, in->rx_seq);
	vuart_update_irq(u);
	spin_unlock(&u->lock);
	if (lost)
		vm_log(u->vm, "console: %lu bytes typed since the checkpoint could not be given back", lost);
	return true;
}

static void vuart_idle(struct vdev *dev, struct vcpu *vcpu)
{
	(void)vcpu;
	vuart_flush_partial(dev->state); /* a guest idling after a prompt waits for input */
}

VDEV_POOL(vuart_pool, struct vuart, KEEL_MAX_VMS * VUART_MAX_PER_VM);

const struct vdev_kind vuart_pl011_kind = {
	.id = KEEL_VDEV_PL011,
	.name = "pl011",
	.max_per_vm = VUART_MAX_PER_VM,
	.min_per_vm = 0,
	.save_size = sizeof(struct vuart_saved),
	.pool = &vuart_pool,
	.check = vuart_check,
	.init = vuart_init,
	.reset = vuart_kind_reset,
	.read = vuart_read,
	.write = vuart_write,
	.save = vuart_save,
	.restore = vuart_restore,
	.idle = vuart_idle,
};

struct vuart *vm_vuart(struct vm *vm)
{
	for (u32 i = 0; i < vm->nr_vdevs; i++)
		if (vm->vdevs[i].kind == &vuart_pl011_kind)
			return vm->vdevs[i].state;
	return NULL;
}

void vuart_receive(struct vuart *u, u8 byte)
{
	spin_lock(&u->lock);
	if (u->rx_count < VUART_RX_FIFO) {
		u->rx[(u->rx_head + u->rx_count) % VUART_RX_FIFO] = byte;
		u->rx_count++;
		u->replay[u->rx_seq++ % VUART_REPLAY] = byte;
	}
	vuart_update_irq(u);
	spin_unlock(&u->lock);
}
