/* params.c - deploy-time parameter values and their checks. See params.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "front/json.h"
#include "front/loader.h"
#include "front/params.h"
#include "front/schema_regex.h"

/* An AllowedPattern that needs more steps than this is left to AWS. */
#define PARAMS_RX_STEPS 1000000UL

static const char from_cli[] = "--parameter";

/* The command line wins over a file; else a later value over an earlier. */
static void
params_put(struct params *p, char *name, char *value, char *source)
{
	struct param_value *pv;
	size_t i;

	for (i = 0; i < p->n; i++) {
		pv = &p->v[i];
		if (strcmp(pv->name, name) != 0)
			continue;
		if (strcmp(source, from_cli) != 0 &&
		    strcmp(pv->source, from_cli) == 0) {
			free(name);
			free(value);
			free(source);
			return;
		}
		free(pv->name);
		free(pv->value);
		free(pv->source);
		pv->name = name;
		pv->value = value;
		pv->source = source;
		return;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	pv = &p->v[p->n++];
	pv->name = name;
	pv->value = value;
	pv->source = source;
}

int
params_add_arg(struct params *p, const char *arg, struct buf *errs)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg) {
		buf_printf(errs, "--parameter %s: not NAME=VALUE\n", arg);
		return -1;
	}
	params_put(p, xstrndup(arg, (size_t)(eq - arg)), xstrdup(eq + 1),
	    xstrdup(from_cli));
	return 0;
}

/* A scalar's text as CloudFormation takes it; NULL for anything else. */
static const char *
scalar_text(const struct node *v)
{
	if (v->kind == NODE_BOOL)
		return v->v.b ? "true" : "false";
	if (v->kind == NODE_STRING || v->kind == NODE_INT ||
	    v->kind == NODE_FLOAT)
		return v->str;
	return NULL;
}

/* A scalar, or a list of scalars joined with commas; NULL otherwise. */
static char *
value_text(const struct node *v)
{
	struct buf b = {0};
	const char *s;
	size_t i;

	if ((s = scalar_text(v)) != NULL)
		return xstrdup(s);
	if (v->kind != NODE_SEQ)
		return NULL;
	for (i = 0; i < v->n; i++) {
		if ((s = scalar_text(v->items[i])) == NULL) {
			buf_free(&b);
			return NULL;
		}
		buf_printf(&b, "%s%s", i ? "," : "", s);
	}
	buf_append(&b, "", 0);
	return buf_take(&b);
}

static int
looks_like_json(const char *path, const char *text, size_t len)
{
	size_t n = strlen(path), i;

	if (n >= 5 && strcmp(path + n - 5, ".json") == 0)
		return 1;
	for (i = 0; i < len && strchr(" \t\r\n", text[i]) != NULL; i++)
		;
	return i < len && text[i] == '{';
}

int
params_add_file(struct params *p, const char *path, struct buf *errs,
    struct diags *d)
{
	const struct node *root, *v;
	struct doc *doc;
	size_t len, i, before = d->nerrors;
	char *text, *val;
	int bad = 0;

	if (file_read(path, YAML_MAX_BYTES, &text, &len) != 0) {
		buf_printf(errs, "--parameters-file %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	doc = looks_like_json(path, text, len) ?
	    json_load_buffer(path, text, len, d) :
	    yaml_load_buffer(path, text, len, d);
	free(text);
	p->docs = xrealloc(p->docs, (p->ndocs + 1) * sizeof(*p->docs));
	p->docs[p->ndocs++] = doc;
	if (d->nerrors > before)
		return -1;
	if ((root = doc->root) == NULL || root->kind != NODE_MAP) {
		buf_printf(errs, "--parameters-file %s: not a map of NAME: "
		    "value\n", path);
		return -1;
	}
	for (i = 0; i < root->n; i++) {
		v = root->pairs[i].value;
		if ((val = value_text(v)) == NULL) {
			buf_printf(errs, "%s:%u:%u: %s: a parameter value is a "
			    "string, a number, a boolean or a list of them\n",
			    path, v->loc.line, v->loc.col,
			    root->pairs[i].key->str);
			bad = 1;
			continue;
		}
		params_put(p, xstrdup(root->pairs[i].key->str), val,
		    xasprintf("%s:%u:%u", path, v->loc.line, v->loc.col));
	}
	return bad ? -1 : 0;
}

int
params_missing(const struct params *p, const struct node *declared,
    struct buf *errs)
{
	const char *name;
	size_t i;
	int n = 0;

	for (i = 0; declared && declared->kind == NODE_MAP &&
	    i < declared->n; i++) {
		name = declared->pairs[i].key->str;
		if (node_get(declared->pairs[i].value, "Default") != NULL ||
		    params_get(p, name) != NULL)
			continue;
		buf_printf(errs, "%s:%u:%u: parameter %s has no Default and no "
		    "value: give --parameter %s=VALUE\n",
		    declared->pairs[i].key->loc.file,
		    declared->pairs[i].key->loc.line,
		    declared->pairs[i].key->loc.col, name, name);
		n++;
	}
	return n;
}

const char *
params_get(const struct params *p, const char *name)
{
	size_t i;

	for (i = 0; p != NULL && i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return p->v[i].value;
	return NULL;
}

void
params_free(struct params *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].value);
		free(p->v[i].source);
	}
	free(p->v);
	for (i = 0; i < p->ndocs; i++)
		doc_free(p->docs[i]);
	free(p->docs);
	memset(p, 0, sizeof(*p));
}

/* ---- the checks ---- */

/* One refusal: "SOURCE: NAME: 'VALUE' WHY[ (ConstraintDescription)]". */
static void
refuse(struct buf *errs, const struct param_value *pv,
    const struct node *decl, const char *elem, const char *why)
{
	const char *cd = node_str(node_get(decl, "ConstraintDescription"));

	buf_printf(errs, "%s: %s: '%s' %s%s%s%s\n", pv->source, pv->name,
	    elem, why, cd ? " (" : "", cd ? cd : "", cd ? ")" : "");
}

static int
parse_number(const char *s, double *out)
{
	char *end;

	if (*s == '\0')
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return *end == '\0' && errno == 0 && isfinite(*out) ? 0 : -1;
}

/* A numeric constraint of decl (an int, float or numeric string). */
static int
bound(const struct node *decl, const char *key, double *out)
{
	const struct node *n = node_get(decl, key);

	return n != NULL && n->str != NULL && parse_number(n->str, out) == 0;
}

static size_t
code_points(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int
allowed_value(const struct node *allowed, const char *elem)
{
	const char *s;
	size_t i;

	if (allowed == NULL || allowed->kind != NODE_SEQ)
		return 1;
	for (i = 0; i < allowed->n; i++)
		if ((s = scalar_text(allowed->items[i])) != NULL &&
		    strcmp(s, elem) == 0)
			return 1;
	return 0;
}

static void
allowed_list(struct buf *b, const struct node *allowed)
{
	const char *s;
	size_t i;

	buf_printf(b, "is not one of AllowedValues [");
	for (i = 0; i < allowed->n; i++)
		if ((s = scalar_text(allowed->items[i])) != NULL)
			buf_printf(b, "%s%s", i ? ", " : "", s);
	buf_printf(b, "]");
}

/* AllowedPattern must match the whole value, as CloudFormation reads it. */
static int
pattern_ok(const char *pattern, const char *elem, const char *name)
{
	char *src = xasprintf("^(?:%s)$", pattern), *err = NULL;
	struct rx *re = rx_compile(src, strlen(src), &err);
	int rc;

	free(src);
	if (re == NULL) {
		log_warn("parameter %s: AllowedPattern cannot be checked here "
		    "(%s); CloudFormation will check it", name, err);
		free(err);
		return 1;
	}
	rc = rx_search(re, elem, strlen(elem), PARAMS_RX_STEPS);
	rx_free(re);
	return rc != 0;
}

/* One element (the whole value, or one item of a list). */
static int
check_elem(const struct param_value *pv, const struct node *decl,
    int numeric, const char *elem, struct buf *errs)
{
	const struct node *allowed = node_get(decl, "AllowedValues");
	const char *pattern = node_str(node_get(decl, "AllowedPattern"));
	struct buf why = {0};
	double v, lim;
	int bad = 0;

	if (numeric && parse_number(elem, &v) != 0) {
		refuse(errs, pv, decl, elem, "is not a number");
		return 1;
	}
	if (!allowed_value(allowed, elem)) {
		allowed_list(&why, allowed);
		refuse(errs, pv, decl, elem, why.data);
		bad = 1;
	}
	buf_free(&why);
	if (!numeric && pattern && !pattern_ok(pattern, elem, pv->name)) {
		buf_printf(&why, "does not match AllowedPattern %s", pattern);
		refuse(errs, pv, decl, elem, why.data);
		bad = 1;
	}
	buf_free(&why);
	if (numeric && bound(decl, "MinValue", &lim) && v < lim) {
		buf_printf(&why, "is below MinValue %g", lim);
		refuse(errs, pv, decl, elem, why.data);
		buf_free(&why);
		bad = 1;
	}
	if (numeric && bound(decl, "MaxValue", &lim) && v > lim) {
		buf_printf(&why, "is above MaxValue %g", lim);
		refuse(errs, pv, decl, elem, why.data);
		buf_free(&why);
		bad = 1;
	}
	return bad;
}

/* The whole value of one parameter against its declaration. */
static int
check_value(const struct param_value *pv, const struct node *decl,
    struct buf *errs)
{
	const char *type = node_str(node_get(decl, "Type"));
	struct buf why = {0};
	char *copy, *elem, *next;
	double lim;
	int bad = 0, numeric, list;

	if (type == NULL)
		type = "String";
	list = strcmp(type, "CommaDelimitedList") == 0 ||
	    strncmp(type, "List<", 5) == 0;
	numeric = strcmp(type, "Number") == 0 ||
	    strcmp(type, "List<Number>") == 0;
	if (strcmp(type, "String") == 0 || strcmp(type, "Number") == 0 ||
	    list) {
		if (bound(decl, "MinLength", &lim) &&
		    (double)code_points(pv->value) < lim) {
			buf_printf(&why, "is shorter than MinLength %g", lim);
			refuse(errs, pv, decl, pv->value, why.data);
			bad = 1;
		}
		if (bound(decl, "MaxLength", &lim) &&
		    (double)code_points(pv->value) > lim) {
			why.len = 0;
			buf_printf(&why, "is longer than MaxLength %g", lim);
			refuse(errs, pv, decl, pv->value, why.data);
			bad = 1;
		}
		buf_free(&why);
	}
	if (!list)
		return bad + check_elem(pv, decl, numeric, pv->value, errs);
	copy = xstrdup(pv->value);
	for (elem = copy; elem != NULL; elem = next) {
		if ((next = strchr(elem, ',')) != NULL)
			*next++ = '\0';
		bad += check_elem(pv, decl, numeric, elem, errs);
	}
	free(copy);
	return bad;
}

int
params_check(const struct params *p, const struct node *declared,
    struct buf *errs)
{
	const struct node *decl;
	const char **names;
	size_t i, j, n = declared && declared->kind == NODE_MAP ? declared->n : 0;
	int bad = 0;

	for (i = 0; i < p->n; i++) {
		if ((decl = node_get(declared, p->v[i].name)) != NULL) {
			if (check_value(&p->v[i], decl, errs) > 0)
				bad++;
			continue;
		}
		names = xcalloc(n + 1, sizeof(*names));
		for (j = 0; j < n; j++)
			names[j] = declared->pairs[j].key->str;
		buf_printf(errs, "%s: %s: the manifest declares no such "
		    "parameter%s\n", p->v[i].source, p->v[i].name,
		    n ? diag_suggest(p->v[i].name, names, n) :
		    " (it has no parameters:)");
		free(names);
		bad++;
	}
	return bad;
}
