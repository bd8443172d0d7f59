/*
 * plan_diff.h - what changes between the template of a deployed stack and
 * a new one, computed from the two templates alone (no AWS): the rows of
 * plan --offline. Pure functions over cJSON; the caller prints.
 *
 * A row is {"action": "Add"|"Modify"|"Remove", "logicalId", "type"} and,
 * for a function whose code archive changed while its template did not
 * (the template names the code only through the CodeKey parameter),
 * "code": true. A Modify also has "replacement" ("True", "Conditional",
 * "False") and "properties": the changed leaves, {"path" (dotted, array
 * indexes as numbers; resource attributes such as DependsOn by name),
 * "old", "new" (absent when absent), and for a create-only property of the
 * type (schema/cfn-types.tsv) "replacement" and "createOnly"}. True when a
 * create-only property changes between literal values; Conditional when
 * an intrinsic is involved (its resolved value may not change) or the
 * change contains a create-only property. Rows come in the new template's
 * order, then removals in the old one's.
 */
#ifndef SPARTAC_CONVERGE_PLAN_DIFF_H
#define SPARTAC_CONVERGE_PLAN_DIFF_H

#include <stdio.h>

#include <cjson/cJSON.h>

/*
 * The rows between old and new (each a template object; old may be {}).
 * old_code and new_code are the code archives' digests (NULL or "" when
 * unknown: no code rows). The caller owns the array.
 */
cJSON *plan_diff(const cJSON *old, const cJSON *new, const char *old_code,
    const char *new_code);

/* 1 when the resource takes its code from the CodeKey parameter. */
int plan_diff_uses_code(const cJSON *resource);

/* The rows as text lines, "  Modify  ID  TYPE [(code changes)]", each
 * Modify followed by its property paths, old -> new; a row with "stack"
 * (inside a nested stack: plan --fast) is named STACK/ID. */
void plan_diff_print(FILE *fp, const cJSON *rows);
/* Only the property paths, under "  ID (TYPE)": for plan and deploy, whose
 * resource rows come from the change set. */
void plan_diff_print_properties(FILE *fp, const cJSON *rows);

/*
 * What new grants that old did not (plan_iam.c): one object per grant,
 * {"logicalId", "type", "where" ("policy NAME", "trust policy",
 * "resource policy", "managed policy", "permission", "function URL",
 * "route"), "kind" ("action": an action not granted there before;
 * "resource or principal": a known action on something new; "public"),
 * "grant" (the line shown), "wildcard": true when a '*' is in it}. An
 * empty array when nothing widens. The caller owns it.
 */
cJSON *plan_iam_broadening(const cJSON *old, const cJSON *new);

/* The section "Access widened ...", nothing when rows is empty. */
void plan_iam_print(FILE *fp, const cJSON *rows);

#endif
