/*
 * describe.h - the service as one self-contained HTML page: a Graphviz
 * graph (functions, roles, event sources, routes, site, resources and the
 * edges between them), an inventory, and the generated template.
 */
#ifndef SPARTAC_DESCRIBE_H
#define SPARTAC_DESCRIBE_H

#include "base/diag.h"
#include "front/manifest.h"
#include "base/util.h"

/*
 * Appends the page for m to out. Returns 0, the number of template errors
 * added to d, or -1 when Graphviz failed (logged).
 */
int describe_html(const struct manifest *m, struct diags *d, struct buf *out);

/*
 * Appends the effective settings of function name to out, one per line,
 * each with its origin: "function (FILE:LINE:COL)", "defaults (...)",
 * "stage NAME (...)", "defaults of stage NAME (...)" or "default" (spartac's
 * built-in value). root is the loaded file's own tree (not the merged one).
 * Returns 0, or -1 when m has no function of that name.
 */
int describe_explain(const struct manifest *m, const struct node *root,
    const char *name, struct buf *out);

#endif
