/*
 * progress.h - what converge shows: the change table, plain event lines,
 * and the live per-resource view on a terminal.
 *
 * Nothing here talks to AWS or decides anything; it formats what the I/O
 * loop hands it. Colour is a parameter (the caller honours --no-color and
 * NO_COLOR); without it the output is plain ASCII a CI log keeps intact.
 */
#ifndef SPARTAC_PROGRESS_H
#define SPARTAC_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "aws/cfn.h"

/* 1 when the change replaces the resource (True) or may (Conditional). */
int progress_change_is_risky(const struct cfn_change *c);

/*
 * The change table: ACTION, LOGICAL ID, TYPE, REPLACEMENT, one row per
 * change, risky replacements marked with '!' (and red when color). Ends
 * with a count line ("2 to add, 1 to modify, 0 to remove; 1 replacement").
 */
void progress_changes_print(FILE *fp, const struct cfn_change *v, size_t n,
    int color);
/* [{"action":..., "logicalId":..., "type":..., "replacement":...,
 *   "risky": bool}, ...] */
cJSON *progress_changes_json(const struct cfn_change *v, size_t n);

/* One event as one line: time, status, type, logical ID, reason. */
void progress_event_line(FILE *fp, const struct cfn_event *e, int color);
cJSON *progress_event_json(const struct cfn_event *e);

/* The live view: one line per resource with its latest status, redrawn in
 * place (ANSI cursor movement) as events arrive. */
struct progress_live_row {
	char *logical_id;
	char *type;
	char *status;
	char *reason;
};

struct progress_live {
	FILE *fp;
	int color;
	struct progress_live_row *v;
	size_t n, cap;
	uint32_t *slots; /* logical ID -> 1 + row (open addressing; 0: empty) */
	size_t nslots;
	size_t drawn; /* lines on screen from the last draw */
};

void progress_live_init(struct progress_live *p, FILE *fp, int color);
/* Events newest first, as CloudFormation lists them. */
void progress_live_update(struct progress_live *p, const struct cfn_events *ev);
void progress_live_draw(struct progress_live *p, const char *headline);
void progress_live_free(struct progress_live *p);

#endif
