/*
 * plan_fast.h - plan --fast: the diff of the deployed template (GetTemplate)
 * and code key (DescribeStacks) against the new ones, without a change set.
 */
#ifndef SPARTAC_CONVERGE_PLAN_FAST_H
#define SPARTAC_CONVERGE_PLAN_FAST_H

#include "base/diag.h"
#include "converge/converge_io.h"

struct build_out;
struct manifest;

/*
 * Prints the plan (text or one JSON document) and what it cannot know;
 * the diagnostics in d go to stderr. Returns the exit status (2 for
 * changes with o->detailed_exitcode).
 */
int plan_fast_run(const struct converge_opts *o, const struct manifest *m,
    const struct build_out *out, struct diags *d);

#endif
