/*
 * describe_int.h - what describe.c and describe_api.c share; not for
 * callers (they include describe.h).
 */
#ifndef SPARTAC_DESCRIBE_INT_H
#define SPARTAC_DESCRIBE_INT_H

#include <stdlib.h>

#include "describe/describe.h"

/* s, HTML-escaped, appended to b. */
void describe_html_text(struct buf *b, const char *s);
/* A value that may be an intrinsic, as text: "queue ARN" or "!Ref X"
 * (malloc'ed). */
char *describe_value_text(const struct node *v);

/* describe_api.c: who may call route r (a table cell's HTML). */
void describe_route_auth(struct buf *b, const struct manifest_route *r);
/* The authorizers, keys and plans, stage settings and domain sections. */
void describe_api_tables(struct buf *b, const struct manifest *m);

#endif
