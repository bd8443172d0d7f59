/* diag.c - the catalogue, the one printer and the runtime log. See diag.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "base/diag.h"

struct diag_info {
	const char *id;
	enum diag_severity sev;
	const char *hint;
};

static const struct diag_info catalogue[DIAG__COUNT] = {
#define DIAG(name, sev, id, hint) [DIAG_##name] = {id, sev, hint},
#include "base/diag_codes.h"
#include "base/util.h"
#undef DIAG
};

#define DIAG_DEFAULT_LIMIT 1000
#define QUOTE_MAX_LINE 200

enum diag_severity
diag_code_severity(enum diag_code code)
{
	return catalogue[code].sev;
}

const char *
diag_code_id(enum diag_code code)
{
	return catalogue[code].id;
}

const char *
diag_code_hint(enum diag_code code)
{
	return catalogue[code].hint ? catalogue[code].hint : "";
}

enum diag_code
diag_code_find(const char *id)
{
	size_t i;

	for (i = 0; i < DIAG__COUNT; i++)
		if (strcmp(catalogue[i].id, id) == 0)
			return (enum diag_code)i;
	return DIAG__COUNT;
}

void
diag_add(struct diags *d, enum diag_code code, struct loc loc,
    const char *path, const char *fmt, ...)
{
	struct diag *g;
	va_list ap;
	size_t limit = d->limit ? d->limit : DIAG_DEFAULT_LIMIT;

	if (catalogue[code].sev == SEV_ERROR)
		d->nerrors++;
	else if (catalogue[code].sev == SEV_WARNING)
		d->nwarnings++;
	if (d->n >= limit) {
		d->dropped++;
		return;
	}
	d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof(*d->v));
	g = &d->v[d->n++];
	g->loc = loc;
	g->code = code;
	g->sev = catalogue[code].sev;
	g->path = path && *path ? xstrdup(path) : NULL;
	va_start(ap, fmt);
	g->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

void
diags_add_source(struct diags *d, const char *file, const char *text,
    size_t len)
{
	d->src = xgrow(d->src, &d->srccap, d->nsrc + 1, sizeof(*d->src));
	d->src[d->nsrc].file = xstrdup(file);
	d->src[d->nsrc].text = text;
	d->src[d->nsrc].len = len;
	d->nsrc++;
}

int
diags_have_code(const struct diags *d, size_t from, enum diag_code code)
{
	size_t i;

	for (i = from; i < d->n; i++)
		if (d->v[i].code == code)
			return 1;
	return 0;
}

void
diags_free(struct diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].msg);
	}
	for (i = 0; i < d->nsrc; i++)
		free(d->src[i].file);
	free(d->v);
	free(d->src);
	memset(d, 0, sizeof(*d));
}

static int
loc_compare(const struct diag *a, const struct diag *b)
{
	int c;

	if (a->loc.file != b->loc.file) {
		if (a->loc.file == NULL || b->loc.file == NULL)
			return a->loc.file == NULL ? -1 : 1;
		if ((c = strcmp(a->loc.file, b->loc.file)) != 0)
			return c;
	}
	if (a->loc.line != b->loc.line)
		return a->loc.line < b->loc.line ? -1 : 1;
	if (a->loc.col != b->loc.col)
		return a->loc.col < b->loc.col ? -1 : 1;
	return 0;
}

/* A stable insertion-merge sort would do; diagnostics are few, so insertion. */
static void
diags_sort(struct diags *d)
{
	size_t i, j;
	struct diag tmp;

	for (i = 1; i < d->n; i++) {
		tmp = d->v[i];
		for (j = i; j > 0 && loc_compare(&d->v[j - 1], &tmp) > 0; j--)
			d->v[j] = d->v[j - 1];
		d->v[j] = tmp;
	}
}

static const char *
sev_name(enum diag_severity sev)
{
	switch (sev) {
	case SEV_ERROR:
		return "error";
	case SEV_WARNING:
		return "warning";
	default:
		return "note";
	}
}

static const char *
sev_color(enum diag_severity sev)
{
	switch (sev) {
	case SEV_ERROR:
		return "\033[1;31m";
	case SEV_WARNING:
		return "\033[1;35m";
	default:
		return "\033[1;36m";
	}
}

/*
 * Quotes line `line` of the source with a caret under column `col`, as
 * compilers do. Skipped for lines that are too long or not printable text.
 */
static void
print_quote(FILE *fp, const struct diags *d, const struct diag *g, int color)
{
	const struct diag_source *s = NULL;
	const char *p, *end, *eol;
	unsigned line, col;
	size_t i, k;

	if (g->loc.file == NULL || g->loc.line == 0)
		return;
	for (i = 0; i < d->nsrc; i++)
		if (strcmp(d->src[i].file, g->loc.file) == 0)
			s = &d->src[i];
	if (s == NULL)
		return;
	p = s->text;
	end = s->text + s->len;
	for (line = 1; line < g->loc.line && p < end; line++) {
		if ((p = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return;
		p++;
	}
	if (p >= end && g->loc.line > 1)
		return;
	eol = memchr(p, '\n', (size_t)(end - p));
	if (eol == NULL)
		eol = end;
	if (eol > p && eol[-1] == '\r')
		eol--;
	if (eol - p > QUOTE_MAX_LINE)
		return;
	for (i = 0; p + i < eol; i += k) {
		k = utf8_seq((const unsigned char *)p + i, (size_t)(eol - p) - i, NULL);
		if (k == 0 || ((unsigned char)p[i] < 0x20 && p[i] != '\t') ||
		    p[i] == 0x7f)
			return;
	}
	fprintf(fp, "%5u | %.*s\n      | ", g->loc.line, (int)(eol - p), p);
	for (i = 0, col = 1; p + i < eol && col < g->loc.col; col++) {
		fputc(p[i] == '\t' ? '\t' : ' ', fp);
		k = utf8_seq((const unsigned char *)p + i, (size_t)(eol - p) - i, NULL);
		i += k ? k : 1;
	}
	fprintf(fp, "%s^%s\n", color ? "\033[1;32m" : "", color ? "\033[0m" : "");
}

static void
print_text(FILE *fp, const struct diags *d, int color)
{
	const struct diag *g;
	const char *hint;
	size_t i;

	for (i = 0; i < d->n; i++) {
		g = &d->v[i];
		if (color)
			fputs("\033[1m", fp);
		if (g->loc.file && g->loc.line)
			fprintf(fp, "%s:%u:%u: ", g->loc.file, g->loc.line, g->loc.col);
		else if (g->loc.file)
			fprintf(fp, "%s: ", g->loc.file);
		if (color)
			fprintf(fp, "%s%s:\033[0m ", sev_color(g->sev), sev_name(g->sev));
		else
			fprintf(fp, "%s: ", sev_name(g->sev));
		if (g->path)
			fprintf(fp, "%s: ", g->path);
		fprintf(fp, "%s [%s]\n", g->msg, catalogue[g->code].id);
		print_quote(fp, d, g, color);
		hint = diag_code_hint(g->code);
		if (*hint)
			fprintf(fp, "      = %s%s%s\n", color ? "\033[1mhint:\033[0m " : "hint: ",
			    hint, "");
	}
	if (d->dropped)
		fprintf(fp, "spartac: %zu more diagnostics not shown\n", d->dropped);
}

/* 0, or -1 when cJSON ran out of memory (nothing is printed then). */
static int
print_json(FILE *fp, const struct diags *d)
{
	cJSON *arr = cJSON_CreateArray(), *o;
	const struct diag *g;
	char *text;
	size_t i;

	for (i = 0; i < d->n; i++) {
		g = &d->v[i];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "file", g->loc.file ? g->loc.file : "");
		cJSON_AddNumberToObject(o, "line", g->loc.line);
		cJSON_AddNumberToObject(o, "column", g->loc.col);
		cJSON_AddStringToObject(o, "path", g->path ? g->path : "");
		cJSON_AddStringToObject(o, "severity", sev_name(g->sev));
		cJSON_AddStringToObject(o, "code", catalogue[g->code].id);
		cJSON_AddStringToObject(o, "message", g->msg);
		cJSON_AddStringToObject(o, "hint", diag_code_hint(g->code));
		cJSON_AddItemToArray(arr, o);
	}
	text = cJSON_Print(arr);
	cJSON_Delete(arr);
	if (text == NULL) {
		fputs("spartac: out of memory\n", stderr);
		return -1;
	}
	fprintf(fp, "%s\n", text);
	cJSON_free(text);
	return 0;
}

/* GitHub workflow commands: data escapes %, CR, LF; properties also : and ,. */
static void
github_escape(FILE *fp, const char *s, int property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", fp);
		else if (*s == '\r')
			fputs("%0D", fp);
		else if (*s == '\n')
			fputs("%0A", fp);
		else if (property && *s == ':')
			fputs("%3A", fp);
		else if (property && *s == ',')
			fputs("%2C", fp);
		else
			fputc(*s, fp);
	}
}

static void
print_github(FILE *fp, const struct diags *d)
{
	const struct diag *g;
	size_t i;

	for (i = 0; i < d->n; i++) {
		g = &d->v[i];
		fprintf(fp, "::%s ", g->sev == SEV_ERROR ? "error" :
		    g->sev == SEV_WARNING ? "warning" : "notice");
		if (g->loc.file) {
			fputs("file=", fp);
			github_escape(fp, g->loc.file, 1);
			if (g->loc.line)
				fprintf(fp, ",line=%u,col=%u", g->loc.line, g->loc.col);
			fputc(',', fp);
		}
		fputs("title=", fp);
		github_escape(fp, catalogue[g->code].id, 1);
		fputs("::", fp);
		if (g->path) {
			github_escape(fp, g->path, 0);
			fputs(": ", fp);
		}
		github_escape(fp, g->msg, 0);
		if (*diag_code_hint(g->code)) {
			fputs("%0Ahint: ", fp);
			github_escape(fp, diag_code_hint(g->code), 0);
		}
		fputc('\n', fp);
	}
}

int
diags_print(FILE *fp, struct diags *d, enum diag_format fmt, int color)
{
	int rc = 0;

	diags_sort(d);
	switch (fmt) {
	case DIAG_FORMAT_JSON:
		rc = print_json(fp, d);
		break;
	case DIAG_FORMAT_GITHUB:
		print_github(fp, d);
		break;
	default:
		print_text(fp, d, color);
		break;
	}
	fflush(fp);
	return rc;
}

/* ---- runtime messages ---- */

static enum log_level log_level = LOG_INFO;
static int log_color;

void
log_setup(enum log_level level, int color)
{
	log_level = level;
	log_color = color;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_use_color(void)
{
	return log_color;
}

static void
log_vprint(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	static const char *const colors[] = {"\033[1;31m", "\033[1;35m",
	    "\033[1;36m", "\033[2m"};

	if (level > log_level)
		return;
	fputs("spartac: ", stderr);
	if (level != LOG_INFO) {
		if (log_color)
			fprintf(stderr, "%s%s:\033[0m ", colors[level], names[level]);
		else
			fprintf(stderr, "%s: ", names[level]);
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LOG_FN(fn, level)                   \
	void fn(const char *fmt, ...)       \
	{                                   \
		va_list ap;                 \
		va_start(ap, fmt);          \
		log_vprint(level, fmt, ap); \
		va_end(ap);                 \
	}

LOG_FN(log_error, LOG_ERROR)
LOG_FN(log_warn, LOG_WARN)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_debug, LOG_DEBUG)

const char *
diag_did_you_mean(const char *near)
{
	static char out[256];

	if (near == NULL)
		return "";
	snprintf(out, sizeof(out), " (did you mean '%s'?)", near);
	return out;
}

const char *
diag_suggest(const char *name, const char *const *cands, size_t n)
{
	return diag_did_you_mean(str_suggest(name, cands, n));
}
