/*
 * pipeline.h - the front half every verb shares: load the manifest, check
 * it against the embedded schema, build the typed model for the stage.
 *
 *	struct pipeline p;
 *	if (pipeline_check(&p, cli, &d) > 0)   // error count
 *		goto out;                      // diagnostics are in d
 *	use(p.manifest);
 *   out:
 *	status = cli_report(cli, &d);         // print while p.doc is alive
 *	pipeline_free(&p);
 */
#ifndef SPARTAC_PIPELINE_H
#define SPARTAC_PIPELINE_H

#include "cli/cli.h"
#include "base/diag.h"
#include "front/node.h"

struct manifest;

struct pipeline {
	struct doc *doc;           /* the loaded file (kept for quoting) */
	struct manifest *manifest; /* NULL when there were errors */
};

/* Returns the number of errors; p->manifest is set only when it is 0. */
size_t pipeline_check(struct pipeline *p, struct cli *cli, struct diags *d);
void pipeline_free(struct pipeline *p);

#endif
