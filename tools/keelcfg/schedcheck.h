/*
 * The timing check of a system description: keelcfg's bridge between the
 * model (model.h) and the pure analysis (analysis.h). It asks, for each
 * fixed-priority CPU, whether every server gets its budget in its period,
 * and for each guest that declares tasks, whether they meet their deadlines
 * on the supply its vCPU is guaranteed. See docs/scheduling.md.
 */
#ifndef KEELCFG_SCHEDCHECK_H
#define KEELCFG_SCHEDCHECK_H

#include "model.h"
#include "validate.h"

/*
 * Runs the analysis on sys, which has passed validate_system() without
 * errors, charging plat->sched_event_overhead_ns per scheduling event. Each
 * failure is reported into d at the property or task it concerns: as an
 * error, or with opts->unsafe as a warning, in which case
 * sys->sched_forced is set (and the blob will carry KEEL_BLOB_FLAG_UNSAFE).
 * Returns true if the system passed.
 */
bool schedcheck_system(struct cfg_system *sys, const struct platform_desc *plat,
		       const struct validate_opts *opts, struct diag *d);

#endif
