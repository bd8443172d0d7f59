/*
 * local_env.c - a function's environment as invoke and serve give it: the
 * manifest's values with what can be known here resolved, then --env-file
 * and --env settings on top. See local.h.
 *
 * Resolved here: plain values; Ref of a parameter (the --parameter value,
 * else its Default), of a pseudo-parameter (LOCAL_ACCOUNT_ID, the region,
 * the service as the stack name...) and of spartac's variables; Fn::Sub
 * and Fn::Join over those. Anything else (Fn::GetAtt, Ref of a resource,
 * Fn::ImportValue...) exists only once deployed: the variable is left out
 * and a warning, once per name, says how to set it with --env.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile/marshal.h"
#include "front/params.h"
#include "local/local.h"

/* What an environment value is resolved against. */
struct lres {
	const struct manifest *m;
	const struct params *params;
	const char *region;
	char why[160];  /* the first thing that has no local value */
	int novalue;    /* Ref AWS::NoValue: no variable at all */
};

static char *resolve(struct lres *r, const struct node *v);

static const char *
partition(const char *region)
{
	if (strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	return "aws";
}

static char *
pseudo(struct lres *r, const char *name)
{
	if (strcmp(name, "AWS::Region") == 0)
		return xstrdup(r->region);
	if (strcmp(name, "AWS::AccountId") == 0)
		return xstrdup(LOCAL_ACCOUNT_ID);
	if (strcmp(name, "AWS::Partition") == 0)
		return xstrdup(partition(r->region));
	if (strcmp(name, "AWS::URLSuffix") == 0)
		return xstrdup(strncmp(r->region, "cn-", 3) == 0 ?
		    "amazonaws.com.cn" : "amazonaws.com");
	if (strcmp(name, "AWS::StackName") == 0)
		return xstrdup(r->m->service);
	if (strcmp(name, "AWS::StackId") == 0)
		return xasprintf("arn:%s:cloudformation:%s:%s:stack/%s/"
		    "00000000-0000-0000-0000-000000000000",
		    partition(r->region), r->region, LOCAL_ACCOUNT_ID,
		    r->m->service);
	if (strcmp(name, "AWS::NoValue") == 0) {
		r->novalue = 1;
		return NULL;
	}
	return NULL;
}

/* A parameter's value: --parameter, else its Default (lists joined). */
static char *
parameter(struct lres *r, const char *name, const struct node *decl)
{
	const struct node *def = node_get(decl, "Default");
	const char *given = params_get(r->params, name);

	if (given != NULL)
		return xstrdup(given);
	if (def != NULL && def->kind != NODE_MAP)
		return resolve(r, def);
	snprintf(r->why, sizeof(r->why), "parameter %s has no Default; "
	    "--parameter %s=VALUE sets it", name, name);
	return NULL;
}

/* What ${name} or Ref name stands for, or NULL (r->why says why). */
static char *
name_value(struct lres *r, const char *name)
{
	const struct node *decl = node_get(r->m->parameters, name);
	const char *var;
	char *v;

	if ((var = marshal_var(r->m, name)) != NULL)
		return xstrdup(var);
	if (decl != NULL)
		return parameter(r, name, decl);
	if ((v = pseudo(r, name)) != NULL || r->novalue)
		return v;
	if (r->why[0] == '\0')
		snprintf(r->why, sizeof(r->why), "%s%s is only known once "
		    "deployed", strchr(name, '.') ? "the attribute " :
		    "a Ref of ", name);
	return NULL;
}

/* Fn::Sub: ${name}, ${!literal}; vars (a map, or NULL) come first. */
static char *
sub(struct lres *r, const char *s, const struct node *vars)
{
	struct buf b = {0};
	const struct node *local;
	const char *p = s, *open, *end;
	char *name, *v;

	while ((open = strstr(p, "${")) != NULL &&
	    (end = strchr(open + 2, '}')) != NULL) {
		buf_append(&b, p, (size_t)(open - p));
		p = end + 1;
		if (open[2] == '!') {
			buf_puts(&b, "${");
			buf_append(&b, open + 3, (size_t)(end - open - 3));
			buf_putc(&b, '}');
			continue;
		}
		name = xstrndup(open + 2, (size_t)(end - open - 2));
		local = node_get(vars, name);
		v = local ? resolve(r, local) : name_value(r, name);
		free(name);
		if (v == NULL) {
			buf_free(&b);
			return NULL;
		}
		buf_puts(&b, v);
		free(v);
	}
	buf_puts(&b, p);
	return buf_take(&b);
}

/* Fn::Join [delimiter, [values]]. */
static char *
join(struct lres *r, const struct node *args)
{
	const struct node *list;
	struct buf b = {0};
	char *v;
	size_t i;

	if (args->kind != NODE_SEQ || args->n != 2 ||
	    node_str(args->items[0]) == NULL ||
	    (list = args->items[1])->kind != NODE_SEQ) {
		snprintf(r->why, sizeof(r->why), "this Fn::Join is only "
		    "known once deployed");
		return NULL;
	}
	for (i = 0; i < list->n; i++) {
		if ((v = resolve(r, list->items[i])) == NULL) {
			buf_free(&b);
			return NULL;
		}
		buf_printf(&b, "%s%s", i ? args->items[0]->str : "", v);
		free(v);
	}
	buf_append(&b, "", 0);
	return buf_take(&b);
}

static char *
resolve(struct lres *r, const struct node *v)
{
	const struct node *a;
	const char *key;

	switch (v->kind) {
	case NODE_STRING:
	case NODE_INT:
	case NODE_FLOAT:
		return xstrdup(v->str);
	case NODE_BOOL:
		return xstrdup(v->v.b ? "true" : "false");
	case NODE_MAP:
		if (v->n != 1)
			break;
		key = v->pairs[0].key->str;
		a = v->pairs[0].value;
		if (strcmp(key, "Ref") == 0 && a->kind == NODE_STRING)
			return name_value(r, a->str);
		if (strcmp(key, "Fn::Sub") == 0 && a->kind == NODE_STRING)
			return sub(r, a->str, NULL);
		if (strcmp(key, "Fn::Sub") == 0 && a->kind == NODE_SEQ &&
		    a->n == 2 && a->items[0]->kind == NODE_STRING)
			return sub(r, a->items[0]->str, a->items[1]);
		if (strcmp(key, "Fn::Join") == 0)
			return join(r, a);
		snprintf(r->why, sizeof(r->why), "%s is only known once "
		    "deployed", key);
		return NULL;
	default:
		break;
	}
	snprintf(r->why, sizeof(r->why), "the value is only known once "
	    "deployed");
	return NULL;
}

/* The first time for this name: say it is left out and how to set it. */
static void
warn_once(struct local_values *vals, const char *func, const char *name,
    const char *why)
{
	size_t i;

	for (i = 0; vals && i < vals->nwarned; i++)
		if (strcmp(vals->warned[i], name) == 0)
			return;
	log_warn("%s: environment %s is not set locally: %s; set it with "
	    "--env %s=VALUE", func, name, why, name);
	if (vals == NULL)
		return;
	vals->warned = xrealloc(vals->warned, (vals->nwarned + 1) *
	    sizeof(*vals->warned));
	vals->warned[vals->nwarned++] = xstrdup(name);
}

/* NAME=VALUE in env (n entries) for name, or NULL. */
static const char *
env_setting(const struct local_values *vals, const char *name)
{
	size_t i, len = strlen(name);
	const char *hit = NULL;

	for (i = 0; vals && i < vals->nenv; i++) /* the last one wins */
		if (strncmp(vals->env[i], name, len) == 0 &&
		    vals->env[i][len] == '=')
			hit = vals->env[i];
	return hit;
}

char *
local_value_resolve(const struct manifest *m, const struct node *v,
    const char *region, const struct local_values *vals, char *why,
    size_t whylen)
{
	struct lres r;
	char *out;

	memset(&r, 0, sizeof(r));
	r.m = m;
	r.params = vals ? vals->params : NULL;
	r.region = region;
	if ((out = resolve(&r, v)) == NULL && whylen > 0)
		snprintf(why, whylen, "%s", r.novalue ? "it is AWS::NoValue" : r.why);
	return out;
}

char **
local_env_build(const struct manifest *m, const struct manifest_function *f,
    const char *region, struct local_values *vals)
{
	char **v = xcalloc(f->environment.n + (vals ? vals->nenv : 0) + 1,
	    sizeof(*v));
	const struct manifest_kv *kv;
	struct lres r;
	size_t i, n = 0;
	char *val;

	for (i = 0; i < f->environment.n; i++) {
		kv = &f->environment.v[i];
		if (env_setting(vals, kv->key) != NULL)
			continue; /* --env says; added below */
		memset(&r, 0, sizeof(r));
		r.m = m;
		r.params = vals ? vals->params : NULL;
		r.region = region;
		if ((val = resolve(&r, kv->value)) != NULL) {
			v[n++] = xasprintf("%s=%s", kv->key, val);
			free(val);
		} else if (!r.novalue)
			warn_once(vals, f->name, kv->key, r.why);
	}
	for (i = 0; vals && i < vals->nenv; i++) {
		const char *eq = strchr(vals->env[i], '=');
		char *name = xstrndup(vals->env[i], (size_t)(eq - vals->env[i]));

		if (env_setting(vals, name) == vals->env[i])
			v[n++] = xstrdup(vals->env[i]);
		free(name);
	}
	return v;
}

void
local_values_free(struct local_values *vals)
{
	size_t i;

	for (i = 0; i < vals->nwarned; i++)
		free(vals->warned[i]);
	free(vals->warned);
	vals->warned = NULL;
	vals->nwarned = 0;
}

/* ---- --env and --env-file ---- */

static int
env_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || isdigit((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

int
local_env_arg(const char *arg, char ***env, size_t *n, struct buf *errs)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || !env_name_ok(arg, (size_t)(eq - arg))) {
		buf_printf(errs, "--env %s: not NAME=VALUE (NAME: letters, "
		    "digits and _)\n", arg);
		return -1;
	}
	*env = xrealloc(*env, (*n + 1) * sizeof(**env));
	(*env)[(*n)++] = xstrdup(arg);
	return 0;
}

/* A value as written after '=': quotes taken off ("..." with \n, \",
 * \\ escapes; '...' as is); unquoted, up to a " #" comment, trimmed. */
static char *
env_value(const char *s)
{
	struct buf b = {0};
	const char *p, *end;

	if (*s == '"' || *s == '\'') {
		for (p = s + 1; *p && *p != *s; p++) {
			if (*s == '"' && *p == '\\' && p[1]) {
				p++;
				buf_putc(&b, *p == 'n' ? '\n' : *p);
			} else
				buf_putc(&b, *p);
		}
		if (*p != *s) {
			buf_free(&b);
			return NULL;
		}
		buf_append(&b, "", 0);
		return buf_take(&b);
	}
	end = s + strlen(s);
	if ((p = strstr(s, " #")) != NULL)
		end = p;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	return xstrndup(s, (size_t)(end - s));
}

int
local_env_file(const char *path, char ***env, size_t *n, struct buf *errs)
{
	char *text, *line, *next, *eq, *val, *name;
	size_t len, lineno = 0;
	int bad = 0;

	if (file_read(path, 1024 * 1024, &text, &len) != 0) {
		buf_printf(errs, "--env-file %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (line = text; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		while (isspace((unsigned char)*line))
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		if (strncmp(line, "export ", 7) == 0)
			line += 7;
		eq = strchr(line, '=');
		name = eq ? xstrndup(line, (size_t)(eq - line)) : NULL;
		if (name)
			while (*name && isspace((unsigned char)name[strlen(name) - 1]))
				name[strlen(name) - 1] = '\0';
		val = eq ? env_value(eq + 1 + strspn(eq + 1, " \t")) : NULL;
		if (name == NULL || val == NULL ||
		    !env_name_ok(name, strlen(name))) {
			buf_printf(errs, "%s:%zu: not NAME=VALUE (or an "
			    "unterminated quote)\n", path, lineno);
			bad = 1;
		} else {
			*env = xrealloc(*env, (*n + 1) * sizeof(**env));
			(*env)[(*n)++] = xasprintf("%s=%s", name, val);
		}
		free(name);
		free(val);
	}
	free(text);
	return bad ? -1 : 0;
}
