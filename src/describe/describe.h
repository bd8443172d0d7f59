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

#endif
