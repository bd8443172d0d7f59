/*
 * progress.c - change table, event lines, live view (see progress.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "converge/progress.h"
#include "base/util.h"

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static const char *
nz(const char *s)
{
	return s ? s : "";
}

int
progress_change_is_risky(const struct cfn_change *c)
{
	return c->replacement != NULL &&
	    (strcmp(c->replacement, "True") == 0 ||
	    strcmp(c->replacement, "Conditional") == 0);
}

static size_t
width(const struct cfn_change *v, size_t n, size_t off, size_t min)
{
	size_t i, w = min;

	for (i = 0; i < n; i++) {
		const char *s = *(char *const *)((const char *)&v[i] + off);
		if (s && strlen(s) > w)
			w = strlen(s);
	}
	return w;
}

/* The LOGICAL ID column: a change inside a nested stack is named
 * <child>/<logical ID>. */
static void
change_name(const struct cfn_change *c, char *buf, size_t size)
{
	if (c->nested)
		snprintf(buf, size, "%s/%s", c->nested, nz(c->logical_id));
	else
		snprintf(buf, size, "%s", nz(c->logical_id));
}

void
progress_changes_print(FILE *fp, const struct cfn_change *v, size_t n,
    int color)
{
	size_t i, wa, wl, wt, add = 0, mod = 0, rem = 0, other = 0, risky = 0;
	char name[512];

	wa = width(v, n, offsetof(struct cfn_change, action), 6);
	wl = width(v, n, offsetof(struct cfn_change, logical_id), 10);
	for (i = 0; i < n; i++) {
		change_name(&v[i], name, sizeof name);
		if (strlen(name) > wl)
			wl = strlen(name);
	}
	wt = width(v, n, offsetof(struct cfn_change, resource_type), 4);
	fprintf(fp, "  %-*s %-*s %-*s %s\n", (int)wa, "ACTION", (int)wl,
	    "LOGICAL ID", (int)wt, "TYPE", "REPLACEMENT");
	for (i = 0; i < n; i++) {
		const struct cfn_change *c = &v[i];
		const char *a = nz(c->action), *on = "", *off = "";
		int r = progress_change_is_risky(c);

		if (strcmp(a, "Add") == 0) {
			add++;
			on = GREEN;
		} else if (strcmp(a, "Modify") == 0) {
			mod++;
			on = YELLOW;
		} else if (strcmp(a, "Remove") == 0) {
			rem++;
			on = RED;
		} else
			other++;
		if (r) {
			risky++;
			on = RED BOLD;
		}
		if (color && *on)
			off = RESET;
		else
			on = "";
		change_name(c, name, sizeof name);
		fprintf(fp, "%s%c %-*s %-*s %-*s %s%s\n", on, r ? '!' : ' ',
		    (int)wa, a, (int)wl, name, (int)wt,
		    nz(c->resource_type), c->replacement ? c->replacement : "-",
		    off);
	}
	fprintf(fp, "%zu to add, %zu to modify, %zu to remove", add, mod, rem);
	if (other)
		fprintf(fp, ", %zu other", other);
	if (risky)
		fprintf(fp, "; %zu may be replaced (marked !)", risky);
	fputc('\n', fp);
}

cJSON *
progress_changes_json(const struct cfn_change *v, size_t n)
{
	cJSON *a = cJSON_CreateArray(), *o;
	size_t i;

	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "action", nz(v[i].action));
		cJSON_AddStringToObject(o, "logicalId", nz(v[i].logical_id));
		if (v[i].nested)
			cJSON_AddStringToObject(o, "stack", v[i].nested);
		cJSON_AddStringToObject(o, "type", nz(v[i].resource_type));
		if (v[i].replacement)
			cJSON_AddStringToObject(o, "replacement",
			    v[i].replacement);
		else
			cJSON_AddNullToObject(o, "replacement");
		cJSON_AddBoolToObject(o, "risky", progress_change_is_risky(&v[i]));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static const char *
status_color(const char *s)
{
	if (s == NULL)
		return "";
	if (strstr(s, "FAILED") || strstr(s, "ROLLBACK"))
		return RED;
	if (strstr(s, "IN_PROGRESS"))
		return YELLOW;
	if (strstr(s, "COMPLETE"))
		return GREEN;
	return "";
}

static void
clock_of(time_t t, char out[16])
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(out, 16, "--:--:--");
		return;
	}
	strftime(out, 16, "%H:%M:%S", &tm);
}

void
progress_event_line(FILE *fp, const struct cfn_event *e, int color)
{
	char hms[16];
	const char *on = color ? status_color(e->status) : "";

	clock_of(e->timestamp, hms);
	fprintf(fp, "%s %s%-28s%s %-32s %s", hms, on, nz(e->status),
	    *on ? RESET : "", nz(e->resource_type), nz(e->logical_id));
	if (e->status_reason && *e->status_reason)
		fprintf(fp, ": %s", e->status_reason);
	fputc('\n', fp);
}

cJSON *
progress_event_json(const struct cfn_event *e)
{
	cJSON *o = cJSON_CreateObject();
	char iso[32];
	struct tm tm;

	if (e->timestamp && gmtime_r(&e->timestamp, &tm)) {
		strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
		cJSON_AddStringToObject(o, "timestamp", iso);
	}
	cJSON_AddStringToObject(o, "logicalId", nz(e->logical_id));
	cJSON_AddStringToObject(o, "physicalId", nz(e->physical_id));
	cJSON_AddStringToObject(o, "type", nz(e->resource_type));
	cJSON_AddStringToObject(o, "status", nz(e->status));
	if (e->status_reason)
		cJSON_AddStringToObject(o, "reason", e->status_reason);
	return o;
}

void
progress_live_init(struct progress_live *p, FILE *fp, int color)
{
	memset(p, 0, sizeof *p);
	p->fp = fp;
	p->color = color;
}

static void
set(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

/*
 * The rows are found by logical ID through a hash index: a deploy of
 * thousands of resources reads tens of thousands of events, and a scan of
 * the rows per event was quadratic.
 */
static uint32_t *
live_slot(const struct progress_live *p, const char *id)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	const char *s;
	size_t i;

	for (s = id; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	i = (size_t)h & (p->nslots - 1);
	while (p->slots[i] != 0 &&
	    strcmp(p->v[p->slots[i] - 1].logical_id, id) != 0)
		i = (i + 1) & (p->nslots - 1);
	return &p->slots[i];
}

/* The row of id, added if new. */
static size_t
live_row(struct progress_live *p, const char *id)
{
	uint32_t *slot;
	size_t i;

	if ((p->n + 1) * 2 > p->nslots) {
		free(p->slots);
		p->nslots = p->nslots ? p->nslots * 2 : 64;
		p->slots = xcalloc(p->nslots, sizeof *p->slots);
		for (i = 0; i < p->n; i++)
			*live_slot(p, p->v[i].logical_id) = (uint32_t)(i + 1);
	}
	slot = live_slot(p, id);
	if (*slot != 0)
		return *slot - 1;
	p->v = xgrow(p->v, &p->cap, p->n + 1, sizeof *p->v);
	memset(&p->v[p->n], 0, sizeof p->v[p->n]);
	p->v[p->n].logical_id = xstrdup(id);
	*slot = (uint32_t)++p->n;
	return p->n - 1;
}

void
progress_live_update(struct progress_live *p, const struct cfn_events *ev)
{
	size_t i, j;

	/* Oldest first, so the newest status wins. */
	for (i = ev->n; i-- > 0;) {
		const struct cfn_event *e = &ev->v[i];

		j = live_row(p, nz(e->logical_id));
		set(&p->v[j].type, e->resource_type);
		set(&p->v[j].status, e->status);
		set(&p->v[j].reason, e->status_reason);
	}
}

void
progress_live_draw(struct progress_live *p, const char *headline)
{
	size_t i;

	if (p->drawn)
		fprintf(p->fp, "\033[%zuA", p->drawn);
	fprintf(p->fp, "\033[2K%s\n", headline ? headline : "");
	for (i = 0; i < p->n; i++) {
		const struct progress_live_row *r = &p->v[i];
		const char *on = p->color ? status_color(r->status) : "";

		fprintf(p->fp, "\033[2K  %s%-28s%s %-32s %s", on, nz(r->status),
		    *on ? RESET : "", nz(r->type), r->logical_id);
		/* Only failures are worth the width a reason takes. */
		if (r->reason && r->status && strstr(r->status, "FAILED"))
			fprintf(p->fp, ": %.100s", r->reason);
		fputc('\n', p->fp);
	}
	p->drawn = p->n + 1;
	fflush(p->fp);
}

void
progress_live_free(struct progress_live *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].logical_id);
		free(p->v[i].type);
		free(p->v[i].status);
		free(p->v[i].reason);
	}
	free(p->v);
	free(p->slots);
	memset(p, 0, sizeof *p);
}
