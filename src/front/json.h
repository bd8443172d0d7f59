/*
 * json.h - JSON text <-> located tree, and located tree -> cJSON.
 *
 * json_load_buffer parses strict RFC 8259 JSON (no comments, no trailing
 * commas, UTF-8 only, no duplicate keys) straight into the located tree of
 * node.h, so a JSON input gets the same file:line:col positions a YAML one
 * does: lines are 1-based, columns are 1-based and counted in code points.
 * Numbers without fraction or exponent that fit a long long become NODE_INT;
 * every other number becomes NODE_FLOAT (its text is kept in node->str).
 * Nesting is limited to JSON_MAX_DEPTH levels.
 *
 * node_to_cjson converts a (sub)tree to cJSON for the template compiler,
 * keeping map order, and the output prints every number exactly: integers
 * of up to 15 digits and floats that %1.15g holds exactly are cJSON numbers
 * (cJSON prints them with %d or %1.15g); other numbers are cJSON_Raw items
 * with the exact digits of the integer, or the shortest text that reads back
 * as the same double (cJSON would otherwise print 0.30000000000000004 as
 * 0.3, because its %1.15g check only compares approximately). A YAML
 * .inf or .nan has no JSON form and becomes the string as written. cJSON
 * strings end at the first NUL byte, so a string holding "\0" is cut there.
 */
#ifndef SPARTAC_JSON_H
#define SPARTAC_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/diag.h"
#include "base/util.h"
#include "front/node.h"

#define JSON_MAX_DEPTH 128

/*
 * Parses text (len bytes, need not be NUL-terminated); name is used in
 * locations. Always returns a doc (root NULL when the text is not valid JSON,
 * with the error added to d). The text is registered with d for quoting, so
 * print d before freeing the doc.
 */
struct doc *json_load_buffer(const char *name, const char *text, size_t len,
    struct diags *d);

/* A cJSON tree for n, its nodes and strings taken from a (jtree.h). */
cJSON *node_to_cjson(struct arena *a, const struct node *n);

#endif
