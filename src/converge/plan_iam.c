/*
 * plan_iam.c - the changes that widen access (plan_diff.h): every grant
 * the new template makes that the deployed one did not, and every new
 * public entry point.
 *
 * A grant is one line per Allow statement, action, resource and principal
 * ("allow s3:GetObject on arn:aws:s3:::b/KEY") of an IAM policy (inline in a
 * role, user or group, AWS::IAM::Policy, AWS::IAM::ManagedPolicy), a trust
 * policy, a managed policy attached, a bucket, queue or topic policy, or a
 * Lambda permission. Grants are compared by resource, place and text, so
 * a grant merely moved between statements is not new. Public: a principal
 * "*", a function URL or permission with auth NONE, an API Gateway method
 * or HTTP API route without authorization (OPTIONS excepted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/util.h"
#include "converge/plan_diff.h"

#define PATH_DEPTH_MAX 32

struct grant {
	char *id;       /* the logical ID */
	char *type;
	char *where;    /* "policy NAME", "trust policy", ... */
	char *action;   /* "" when none (public entry points) */
	char *text;     /* the line shown */
	int wildcard;
	int public;
};

struct grants {
	struct grant *v;
	size_t n, cap;
};

/* A value as text: a string as is, anything else as compact JSON. */
static char *
value_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	return v ? cJSON_PrintUnformatted(v) : xstrdup("");
}

static void
grant_add(struct grants *g, const char *id, const char *type,
    const char *where, const char *action, char *text, int wildcard,
    int public)
{
	struct grant *x;

	g->v = xgrow(g->v, &g->cap, g->n + 1, sizeof *g->v);
	x = &g->v[g->n++];
	x->id = xstrdup(id);
	x->type = xstrdup(type);
	x->where = xstrdup(where);
	x->action = xstrdup(action);
	x->text = text;
	x->wildcard = wildcard;
	x->public = public;
}

static void
grants_free(struct grants *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->v[i].id);
		free(g->v[i].type);
		free(g->v[i].where);
		free(g->v[i].action);
		free(g->v[i].text);
	}
	free(g->v);
}

/* v's entries (an array), or v itself as the one entry. */
static const cJSON *
entry(const cJSON *v, int i, int *n)
{
	if (cJSON_IsArray(v)) {
		*n = cJSON_GetArraySize(v);
		return cJSON_GetArrayItem(v, i);
	}
	*n = v ? 1 : 0;
	return v;
}

static int
is_star(const cJSON *v)
{
	return cJSON_IsString(v) && strcmp(v->valuestring, "*") == 0;
}

/* An action with a '*' ("s3:*", "*"), or a resource or principal that is
 * anything at all ("*", "AWS *"); "arn:...:bucket/KEY*" is an ordinary
 * resource pattern. */
static int
is_wild_action(const char *s)
{
	return strchr(s, '*') != NULL;
}

static int
is_wild(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '*' && (n == 1 || s[n - 2] == ' ');
}

/* The principals of a statement, "KIND VALUE" (or "*") each; n = 0
 * when the statement has none. */
static char **
principals(const cJSON *p, size_t *n, int *public)
{
	const cJSON *kind, *e;
	char **v = NULL, *t;
	size_t cap = 0;
	int i, m;

	*n = 0;
	if (p == NULL)
		return NULL;
	if (is_star(p)) {
		*public = 1;
		v = xgrow(v, &cap, 1, sizeof *v);
		v[(*n)++] = xstrdup("*");
		return v;
	}
	cJSON_ArrayForEach(kind, p)
		for (i = 0; (e = entry(kind, i, &m)) != NULL && i < m; i++) {
			t = value_text(e);
			if (strcmp(t, "*") == 0)
				*public = 1;
			v = xgrow(v, &cap, *n + 1, sizeof *v);
			v[(*n)++] = xasprintf("%s %s", kind->string, t);
			free(t);
		}
	return v;
}

/* One grant line per action, resource and principal of an Allow. */
static void
statement(struct grants *g, const char *id, const char *type,
    const char *where, const cJSON *st)
{
	const cJSON *eff = cJSON_GetObjectItemCaseSensitive(st, "Effect");
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(st, "Action");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(st, "Resource");
	const cJSON *a, *r;
	const char *neg = "", *pr;
	char **pv, *at, *rt;
	size_t np, k;
	int i, j, na, nr, public = 0;

	if (!cJSON_IsString(eff) || strcmp(eff->valuestring, "Allow") != 0)
		return;
	if (act == NULL && (act = cJSON_GetObjectItemCaseSensitive(st,
	    "NotAction")) != NULL)
		neg = "all but ";
	if (res == NULL && (res = cJSON_GetObjectItemCaseSensitive(st,
	    "NotResource")) != NULL)
		neg = "all but ";
	pv = principals(cJSON_GetObjectItemCaseSensitive(st, "Principal"),
	    &np, &public);
	for (i = 0; (a = entry(act, i, &na)) != NULL && i < na; i++) {
		at = value_text(a);
		j = 0;
		do {
			r = entry(res, j, &nr);
			rt = r ? value_text(r) : NULL;
			k = 0;
			do {
				pr = np ? pv[k] : NULL;
				grant_add(g, id, type, where, at, xasprintf(
				    "allow %s%s%s%s%s%s", neg, at,
				    rt ? " on " : "", rt ? rt : "",
				    pr ? " to " : "", pr ? pr : ""),
				    is_wild_action(at) || (rt && is_wild(rt)) ||
				    (pr && is_wild(pr)), public);
			} while (++k < np);
			free(rt);
		} while (++j < nr);
		free(at);
	}
	for (k = 0; k < np; k++)
		free(pv[k]);
	free(pv);
}

static void
document(struct grants *g, const char *id, const char *type,
    const char *where, const cJSON *doc)
{
	const cJSON *sts = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
	const cJSON *st;
	int i, n;

	for (i = 0; (st = entry(sts, i, &n)) != NULL && i < n; i++)
		statement(g, id, type, where, st);
}

/* The path of an API Gateway resource, from its PathPart and parents. */
static void
api_path(const cJSON *resources, const cJSON *ref, struct buf *out, int depth)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(ref, "Ref");
	const cJSON *res, *props;

	if (!cJSON_IsString(id) || depth > PATH_DEPTH_MAX)
		return;
	res = cJSON_GetObjectItemCaseSensitive(resources, id->valuestring);
	props = cJSON_GetObjectItemCaseSensitive(res, "Properties");
	api_path(resources, cJSON_GetObjectItemCaseSensitive(props, "ParentId"),
	    out, depth + 1);
	buf_printf(out, "/%s", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(props, "PathPart")) ?
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(props,
	    "PathPart")) : "?");
}

static const char *
prop_str(const cJSON *props, const char *key)
{
	const char *s = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(props, key));

	return s ? s : "";
}

static void
entry_points(struct grants *g, const cJSON *resources, const char *id,
    const char *type, const cJSON *props)
{
	struct buf path = {0};
	const char *auth = prop_str(props, "AuthorizationType");
	const char *m;

	if (strcmp(type, "AWS::Lambda::Url") == 0 &&
	    strcmp(prop_str(props, "AuthType"), "NONE") == 0)
		grant_add(g, id, type, "function URL", "", xstrdup(
		    "function URL without authentication (AuthType NONE)"),
		    0, 1);
	if (strcmp(type, "AWS::ApiGateway::Method") == 0 &&
	    (*auth == '\0' || strcmp(auth, "NONE") == 0) &&
	    strcmp(m = prop_str(props, "HttpMethod"), "OPTIONS") != 0) {
		api_path(resources, cJSON_GetObjectItemCaseSensitive(props,
		    "ResourceId"), &path, 0);
		grant_add(g, id, type, "route", "", xasprintf("route %s %s "
		    "without authorization", m, path.len ? path.data : "/"),
		    0, 1);
	}
	if (strcmp(type, "AWS::ApiGatewayV2::Route") == 0 &&
	    (*auth == '\0' || strcmp(auth, "NONE") == 0) &&
	    !str_has_prefix(prop_str(props, "RouteKey"), "OPTIONS "))
		grant_add(g, id, type, "route", "", xasprintf("route %s "
		    "without authorization", prop_str(props, "RouteKey")),
		    0, 1);
	buf_free(&path);
}

static void
permission(struct grants *g, const char *id, const char *type,
    const cJSON *props)
{
	char *p = value_text(cJSON_GetObjectItemCaseSensitive(props,
	    "Principal"));
	char *src = value_text(cJSON_GetObjectItemCaseSensitive(props,
	    "SourceArn"));
	const char *a = prop_str(props, "Action");
	int public = strcmp(p, "*") == 0 ||
	    strcmp(prop_str(props, "FunctionUrlAuthType"), "NONE") == 0;

	grant_add(g, id, type, "permission", a, xasprintf("allow %s to %s%s%s%s",
	    a, p, *src ? " from " : "", src,
	    strcmp(prop_str(props, "FunctionUrlAuthType"), "NONE") == 0 ?
	    " (function URL, auth NONE)" : ""), is_wild(p) ||
	    is_wild_action(a), public);
	free(p);
	free(src);
}

static void
resource_grants(struct grants *g, const cJSON *resources, const cJSON *res)
{
	const char *type = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(res, "Type"));
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(res, "Properties");
	const cJSON *pol, *e;
	const char *id = res->string;
	char *where, *t;
	int i, n;

	if (type == NULL)
		return;
	if (str_has_prefix(type, "AWS::IAM::")) {
		document(g, id, type, "trust policy",
		    cJSON_GetObjectItemCaseSensitive(props,
		    "AssumeRolePolicyDocument"));
		document(g, id, type, "policy", cJSON_GetObjectItemCaseSensitive(
		    props, "PolicyDocument"));
		pol = cJSON_GetObjectItemCaseSensitive(props, "Policies");
		for (i = 0; (e = entry(pol, i, &n)) != NULL && i < n; i++) {
			where = xasprintf("policy %s", prop_str(e,
			    "PolicyName"));
			document(g, id, type, where,
			    cJSON_GetObjectItemCaseSensitive(e,
			    "PolicyDocument"));
			free(where);
		}
		pol = cJSON_GetObjectItemCaseSensitive(props,
		    "ManagedPolicyArns");
		for (i = 0; (e = entry(pol, i, &n)) != NULL && i < n; i++) {
			t = value_text(e);
			grant_add(g, id, type, "managed policy", t, xasprintf(
			    "attach %s", t), 0, 0);
			free(t);
		}
	} else if (strcmp(type, "AWS::S3::BucketPolicy") == 0 ||
	    strcmp(type, "AWS::SQS::QueuePolicy") == 0 ||
	    strcmp(type, "AWS::SNS::TopicPolicy") == 0) {
		document(g, id, type, "resource policy",
		    cJSON_GetObjectItemCaseSensitive(props, "PolicyDocument"));
	} else if (strcmp(type, "AWS::Lambda::Permission") == 0) {
		permission(g, id, type, props);
	} else {
		entry_points(g, resources, id, type, props);
	}
}

static void
template_grants(struct grants *g, const cJSON *tpl)
{
	const cJSON *resources = cJSON_GetObjectItemCaseSensitive(tpl,
	    "Resources");
	const cJSON *r;

	cJSON_ArrayForEach(r, resources)
		resource_grants(g, resources, r);
}

static int
grant_in(const struct grants *g, const struct grant *x, int action_only)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->v[i].id, x->id) == 0 &&
		    strcmp(g->v[i].where, x->where) == 0 &&
		    (action_only ? strcmp(g->v[i].action, x->action) == 0 :
		    strcmp(g->v[i].text, x->text) == 0))
			return 1;
	return 0;
}

/* Whether an earlier grant of g says the same as g->v[i]. */
static int
seen_before(const struct grants *g, size_t i)
{
	size_t k;

	for (k = 0; k < i; k++)
		if (strcmp(g->v[k].id, g->v[i].id) == 0 &&
		    strcmp(g->v[k].where, g->v[i].where) == 0 &&
		    strcmp(g->v[k].text, g->v[i].text) == 0)
			return 1;
	return 0;
}

cJSON *
plan_iam_broadening(const cJSON *old, const cJSON *new)
{
	struct grants go = {0}, gn = {0};
	cJSON *rows = cJSON_CreateArray(), *o;
	size_t i;
	const struct grant *x;

	template_grants(&go, old);
	template_grants(&gn, new);
	for (i = 0; i < gn.n; i++) {
		x = &gn.v[i];
		if (grant_in(&go, x, 0) || seen_before(&gn, i))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "logicalId", x->id);
		cJSON_AddStringToObject(o, "type", x->type);
		cJSON_AddStringToObject(o, "where", x->where);
		cJSON_AddStringToObject(o, "kind", x->public ? "public" :
		    !*x->action || !grant_in(&go, x, 1) ? "action" :
		    "resource or principal");
		cJSON_AddStringToObject(o, "grant", x->text);
		if (x->wildcard)
			cJSON_AddBoolToObject(o, "wildcard", 1);
		cJSON_AddItemToArray(rows, o);
	}
	grants_free(&go);
	grants_free(&gn);
	return rows;
}

void
plan_iam_print(FILE *fp, const cJSON *rows)
{
	const cJSON *r;
	const char *stack;

	if (cJSON_GetArraySize(rows) == 0)
		return;
	fprintf(fp, "Access widened (IAM and public entry points):\n");
	cJSON_ArrayForEach(r, rows) {
		/* inside a nested stack (plan --fast): <child>/<id> */
		stack = cJSON_GetStringValue(cJSON_GetObjectItem(r, "stack"));
		fprintf(fp, "  + %s%s%s %s: %s%s%s\n",
		    stack ? stack : "", stack ? "/" : "",
		    cJSON_GetStringValue(cJSON_GetObjectItem(r, "logicalId")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(r, "where")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(r, "grant")),
		    cJSON_IsTrue(cJSON_GetObjectItem(r, "wildcard")) ?
		    "  [wildcard]" : "",
		    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "kind")),
		    "public") == 0 ? "  [public]" : "");
	}
}
