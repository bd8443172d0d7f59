/*
 * plan_diff.h - what changes between the template of a deployed stack and
 * a new one, computed from the two templates alone (no AWS): the rows of
 * plan --offline. Pure functions over cJSON; the caller prints.
 *
 * A row is {"action": "Add"|"Modify"|"Remove", "logicalId", "type"} and,
 * for a function whose code archive changed while its template did not
 * (the template names the code only through the CodeKey parameter),
 * "code": true. Rows come in the new template's order, then removals in
 * the old one's.
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

/* The rows as text lines, "  Modify  ID  TYPE [(code)]". */
void plan_diff_print(FILE *fp, const cJSON *rows);

#endif
