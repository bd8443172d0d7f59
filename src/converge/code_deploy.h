/*
 * code_deploy.h - deploy --code: the code alone, straight to the functions
 * (UpdateFunctionCode), when nothing else changed since the last full
 * deploy of the stack and region from here.
 */
#ifndef SPARTAC_CONVERGE_CODE_DEPLOY_H
#define SPARTAC_CONVERGE_CODE_DEPLOY_H

#include "base/diag.h"
#include "converge/converge_io.h"

struct build_out;
struct manifest;

/*
 * Updates every function's code, or refuses (exit 2, what else changed
 * on stderr) when the template or the site changed, or when there is no
 * record of a full deploy. Prints the result (text or one JSON document);
 * the diagnostics in d go to stderr. Returns the exit status. With
 * o->fallback a refusal is a note and prints no result: the caller runs
 * the full deploy (cli_code_deploy).
 */
int code_deploy_run(const struct converge_opts *o, const struct manifest *m,
    const struct build_out *out, struct diags *d);

#endif
