/*
 * The executive's optional console service (docs/rtexec.md): a line protocol
 * on a virtio console, off unless /chosen has rtexec,console-port = <n> (the
 * nth virtio console of the VM's device tree, from 0). Linked to another VM's
 * virtio console (configs/examples/linux-rtos.dts), it lets Linux read the
 * control loop and change its setpoint from a shell through /dev/hvcN, with
 * the stock virtio_console driver and no new code in Keel:
 *
 *   get        -> reading <r> setpoint <s> jobs <n> misses <m>
 *   set <v>    -> ok setpoint <s>   or   error: ...
 *   otherwise  -> error: unknown command (get, set N)
 *
 * Values are in units with three decimals (thousandths, as the IPC service
 * keeps them); jobs and misses count every task's jobs. The plant is the one
 * of service.c: IPC clients and the console see and set the same setpoint.
 *
 * Real-time first, as for the IPC service: the console is polled only from
 * the dispatcher's idle path (no job ready), with IRQs masked, and a visit
 * does bounded work: it first pushes out what is left of the last answer
 * (never waiting: the peer's back-pressure keeps it for the next visit, and
 * no more input is read meanwhile), then takes at most RT_CON_PER_POLL
 * received bytes. So a peer, slow, silent or flooding, costs the tasks at
 * most one bounded visit per idle entry, which the analysis's margin covers.
 */
#include <stddef.h>

#include <guest/fdt.h>
#include <guest/print.h>
#include <guest/string.h>
#include <guest/virtio.h>

#include "rtexec.h"
#include <guest/rtexec_service.h>

#define RT_CON_PER_POLL 64 /* received bytes handled per idle visit */
#define RT_CON_LINE 48     /* longest command kept; a longer line is refused whole */
#define RT_CON_OUT 96      /* longest answer */

struct rt_console {
	struct virtio_dev dev;
	char line[RT_CON_LINE];
	uint32_t len;
	bool overlong;          /* the current line passed RT_CON_LINE: drop it up to its \n */
	char out[RT_CON_OUT];
	uint32_t out_len, out_off;
};

bool rt_console_on;
static struct rt_console con;

void rt_console_load(void)
{
	uint32_t port;

	if (!fdt_read_u32("/chosen", "rtexec,console-port", &port) || !rt.ntasks)
		return;
	if (!virtio_find(VIRTIO_ID_CONSOLE, port, &con.dev)) {
		printf("rtexec: console: no virtio console %u in the device tree: console off\n", port);
		return;
	}
	if (!virtio_console_init(&con.dev)) {
		printf("rtexec: console: %s refused to start: console off\n", con.dev.node);
		return;
	}
	rt_plant_enable();
	rt_console_on = true;
	printf("rtexec: console: control of task %s on virtio console %u (%s), setpoint %u.%03u\n",
	       rt.task[0].name, port, con.dev.node, rt_plant_setpoint() / 1000, rt_plant_setpoint() % 1000);
}

/*
 * "42", "42.5", "0.125": a value in thousandths into *v. False for anything
 * else (a sign, more than three decimals, no digits, too many digits).
 */
static bool parse_fixed(const char *s, uint32_t *v)
{
	uint64_t whole = 0, frac = 0;
	uint32_t ndig = 0, nfrac = 0;

	for (; *s >= '0' && *s <= '9'; s++, ndig++) {
		if (ndig >= 9)
			return false;
		whole = whole * 10 + (uint64_t)(*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++) {
			if (nfrac >= 3)
				return false;
			frac = frac * 10 + (uint64_t)(*s - '0');
		}
	}
	if (*s || (!ndig && !nfrac))
		return false;
	for (; nfrac < 3; nfrac++)
		frac *= 10;
	whole = whole * 1000 + frac;
	if (whole > UINT32_MAX)
		return false;
	*v = (uint32_t)whole;
	return true;
}

static void total_jobs_misses(uint64_t *jobs, uint64_t *misses)
{
	*jobs = *misses = 0;
	for (uint32_t i = 0; i < rt.ntasks; i++) {
		*jobs += rt.task[i].st.jobs;
		*misses += rt.task[i].st.misses;
	}
}

static bool starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

/* The answer to one complete line (without its \n), into con.out. */
static void answer_line(const char *line)
{
	uint32_t v;
	uint64_t jobs, misses;
	int n;

	while (*line == ' ')
		line++;
	if (!strcmp(line, "get")) {
		total_jobs_misses(&jobs, &misses);
		n = snprintf(con.out, sizeof(con.out), "reading %u.%03u setpoint %u.%03u jobs %lu misses %lu\n",
			     rt_plant_reading() / 1000, rt_plant_reading() % 1000, rt_plant_setpoint() / 1000,
			     rt_plant_setpoint() % 1000, jobs, misses);
	} else if (starts_with(line, "set ")) {
		for (line += 4; *line == ' '; line++)
			;
		if (!parse_fixed(line, &v))
			n = snprintf(con.out, sizeof(con.out), "error: not a number with at most 3 decimals\n");
		else if (!rt_plant_set(v, "console"))
			n = snprintf(con.out, sizeof(con.out), "error: setpoint above %u.%03u\n",
				     RT_SETPOINT_MAX / 1000, RT_SETPOINT_MAX % 1000);
		else
			n = snprintf(con.out, sizeof(con.out), "ok setpoint %u.%03u\n", v / 1000, v % 1000);
	} else {
		n = snprintf(con.out, sizeof(con.out), "error: unknown command (get, set N)\n");
	}
	con.out_len = n > 0 && (size_t)n < sizeof(con.out) ? (uint32_t)n : 0;
	con.out_off = 0;
}

/* Pushes what the device takes of the pending answer; true once none is left. */
static bool flush_out(void)
{
	if (con.out_off < con.out_len)
		con.out_off += (uint32_t)virtio_console_send(&con.dev, con.out + con.out_off,
							       con.out_len - con.out_off);
	return con.out_off >= con.out_len;
}

/* One received byte: builds the line, and answers it at its \n (a \r is ignored). */
static void take_byte(char c)
{
	if (c == '\r')
		return;
	if (c != '\n') {
		if (con.len + 1 >= sizeof(con.line))
			con.overlong = true;
		else
			con.line[con.len++] = c;
		return;
	}
	con.line[con.len] = '\0';
	if (con.overlong) {
		con.out_len = (uint32_t)snprintf(con.out, sizeof(con.out), "error: line longer than %u bytes\n",
						 RT_CON_LINE - 1);
		con.out_off = 0;
	} else if (con.len) {
		answer_line(con.line);
	}
	con.len = 0;
	con.overlong = false;
	flush_out();
}

void rt_console_poll(void)
{
	char c;

	for (uint32_t i = 0; i < RT_CON_PER_POLL; i++) {
		if (!flush_out())
			return; /* the peer is not reading: keep its input until it does */
		if (!virtio_console_read(&con.dev, &c, 1))
			return;
		take_byte(c);
	}
}
