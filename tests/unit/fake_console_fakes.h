/*
 * What the console tests' fakes record, so tests can look at it:
 * fake_console_vgic.c (vgic_set_level), fake_console_sink.c
 * (console_write_line), fake_console_pl011.c (the physical UART),
 * fake_console_arch.c (CPU index, counter, halt) and fake_console_vms.c
 * (vms[], vuart_receive).
 */
#ifndef FAKE_CONSOLE_FAKES_H
#define FAKE_CONSOLE_FAKES_H

#include <setjmp.h>
#include <keel/types.h>

struct vuart;

/* vgic_set_level: every call, and the level each INTID was left at. */
#define FAKE_VGIC_INTIDS 128
extern u32 fake_vgic_calls;
extern bool fake_vgic_level[FAKE_VGIC_INTIDS];
void fake_vgic_reset(void);

/* console_write_line: the lines as "[name] text", newest last. */
#define FAKE_SINK_LINES 64
#define FAKE_SINK_LINE_MAX 256
extern char fake_sink_lines[FAKE_SINK_LINES][FAKE_SINK_LINE_MAX];
extern u32 fake_sink_count;
void fake_sink_reset(void);
/* vm_log: the last message (empty after fake_sink_reset). */
const char *fake_sink_last_log(void);

/* The physical UART: everything sent, bytes waiting to be received, acks. */
extern char *fake_pl011_tx;
extern size_t fake_pl011_tx_len;
extern u32 fake_pl011_acks;
extern void (*fake_pl011_putc_hook)(void); /* called after each byte sent */
void fake_pl011_reset(void);
void fake_pl011_feed(const char *bytes, size_t n);

/* The CPU: index (per host thread), counter, and where arch_halt() returns to. */
extern _Thread_local u32 fake_cpu_index;
extern u64 fake_counter;
extern u32 fake_panic_dumps;
extern jmp_buf *fake_halt_jmp; /* arch_halt() longjmps here; aborts if NULL */

/* vuart_receive: the bytes each VM received. */
#define FAKE_RX_MAX 64
extern char fake_rx[8][FAKE_RX_MAX];
extern u32 fake_rx_len[8];
void fake_vms_reset(u32 n, const char *const *names);

#endif
