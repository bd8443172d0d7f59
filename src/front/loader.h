/*
 * loader.h - libyaml -> located tree, with the loader's limits enforced.
 *
 * Limits (documented in the man page, LIMITS):
 *   YAML_MAX_BYTES       a manifest file is at most 4 MiB
 *   YAML_MAX_DEPTH       nesting of sequences and mappings, 64 levels
 *   YAML_ALIAS_BUDGET    nodes that aliases may add when expanded, 100000
 *   YAML_NODE_BUDGET     nodes in the whole document, expanded, 1000000
 *
 * Scalars resolve as the YAML 1.2 core schema does (null, true/false, ints,
 * floats, else string); quoted scalars are always strings. CloudFormation
 * short-form tags (!Ref, !GetAtt, !Sub, ...) become their long form
 * ({"Ref": x}, {"Fn::GetAtt": [a, b]}, ...). Duplicate keys, non-string
 * keys, unknown tags, invalid UTF-8 and multi-document streams are errors.
 */
#ifndef SPARTAC_LOADER_H
#define SPARTAC_LOADER_H

#include "base/diag.h"
#include "front/node.h"

#define YAML_MAX_BYTES (4u * 1024 * 1024)
#define YAML_MAX_DEPTH 64
#define YAML_ALIAS_BUDGET 100000
#define YAML_NODE_BUDGET 1000000

/*
 * Loads path. Always returns a doc (root NULL when nothing could be built);
 * problems are added to d. The doc's text is registered with d so that
 * diagnostics can quote it: print d before freeing the doc.
 */
struct doc *yaml_load_file(const char *path, struct diags *d);
/* The same from memory; name is used in diagnostics. text need not be NUL-terminated. */
struct doc *yaml_load_buffer(const char *name, const char *text, size_t len,
    struct diags *d);

#endif
