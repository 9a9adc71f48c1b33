/*
 * The timing of synchronous IPC in keelcfg's schedulability analysis
 * (docs/ipc.md, "Budgets and analysis"). A server runs on its own budget, so
 * a real-time client that calls it waits, per call, for the server's
 * response under the server's own reservation: every message that can be in
 * front of its call, plus its own, each costing the endpoint's
 * service-time-us, served on the supply the analysis guarantees the server.
 * That wait is charged to the client's task set. A real-time client calling
 * a server with no bound (a background vCPU, no service-time-us) is refused,
 * as is a server whose reservation cannot serve one message per period.
 */
#ifndef KEELCFG_IPC_TIMING_H
#define KEELCFG_IPC_TIMING_H

#include "model.h"

struct schedcheck;

/*
 * Parses the endpoint properties service-time-us (one cell) and
 * calls-per-job (one cell per client) of ep, found at loc; shape errors go
 * to d. Returns false if name is neither, for the caller to report.
 */
bool ipc_timing_parse_prop(struct cfg_endpoint *ep, const char *name, const void *val, int len,
			   const struct cfg_loc *loc, struct diag *d);

/* The rules for those two properties (counts, ranges); pure, reads only sys. */
void ipc_timing_validate(const struct cfg_system *sys, struct diag *d);

/*
 * For a system that passed validation, after schedcheck's server checks:
 * each endpoint's per-client wait per call into its blocking_ns[] (the
 * model, for layout.txt), each client VM's terms into sc->ipc[], and the
 * refusals (through schedcheck_fail, so --unsafe can force them).
 */
void ipc_timing_check(struct schedcheck *sc);

/* VM vm's waits per call and service times as text for layout.txt, into buf (cap bytes). */
void ipc_timing_text_vm(const struct cfg_system *sys, u32 vm, char *buf, size_t cap);

#endif
