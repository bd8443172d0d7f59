/*
 * nested.c - the nested stacks of a split service (nested.h).
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws/cfn.h"
#include "base/diag.h"
#include "base/digest.h"
#include "base/path.h"
#include "base/util.h"
#include "compile/marshal.h"
#include "converge/nested.h"
#include "converge/plan_diff.h"

#define NESTED_MAX_DEPTH 3 /* a child's children: spartac writes one level */

/*
 * The SHA-256 a child's TemplateURL names: the 64 hex digits before the
 * final ".json" of its Fn::Sub string (or plain string). NULL when the
 * URL is not one spartac writes.
 */
static const char *
url_sha256(const cJSON *url, char hex[DIGEST_HEX_LEN + 1])
{
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(url, "Fn::Sub");
	const char *s, *end;
	size_t len, i;

	s = cJSON_IsString(sub) ? sub->valuestring :
	    cJSON_IsString(url) ? url->valuestring : NULL;
	if (s == NULL || (len = strlen(s)) < DIGEST_HEX_LEN + 16 ||
	    !str_has_suffix(s, ".json"))
		return NULL;
	end = s + len - 5;
	if (strncmp(end - DIGEST_HEX_LEN - 11, "/templates/", 11) != 0)
		return NULL;
	for (i = 0; i < DIGEST_HEX_LEN; i++) {
		hex[i] = end[(ptrdiff_t)i - DIGEST_HEX_LEN];
		if (hex_digit((unsigned char)hex[i]) < 0)
			return NULL;
	}
	hex[DIGEST_HEX_LEN] = '\0';
	return hex;
}

/* Reads and checks one child; notes what its capabilities need. */
static int
child_check(struct nested *n, const struct nested_child *c, char *why,
    size_t size)
{
	char hex[DIGEST_HEX_LEN + 1];
	char *body;
	size_t len;

	if (file_read(c->path, MARSHAL_TEMPLATE_S3_MAX * 2, &body, &len) != 0) {
		snprintf(why, size, "%s: %s (the root template names the "
		    "nested stack %s: run 'spartac build' again)", c->path,
		    strerror(errno), c->logical_id);
		return -1;
	}
	digest_sha256_hex(body, len, hex);
	if (strcmp(hex, c->sha256) != 0) {
		snprintf(why, size, "%s: its SHA-256 is %.12s..., the root "
		    "template names %.12s...: the output is stale or was "
		    "edited; run 'spartac build' again", c->path, hex,
		    c->sha256);
		free(body);
		return -1;
	}
	if (memmem(body, len, "\"AWS::IAM::", 11) != NULL)
		n->iam = 1;
	if (memmem(body, len, "\"Transform\"", 11) != NULL)
		n->transform = 1;
	free(body);
	return 0;
}

int
nested_load(struct nested *n, const char *tpl, const char *template_path,
    char *why, size_t size)
{
	cJSON *t, *res, *x;
	char hex[DIGEST_HEX_LEN + 1];
	char *dir;
	int rc = 0;

	memset(n, 0, sizeof *n);
	if ((t = cJSON_Parse(tpl)) == NULL) {
		snprintf(why, size, "%s: not JSON", template_path);
		return -1;
	}
	dir = path_dir_alloc(template_path);
	res = cJSON_GetObjectItemCaseSensitive(t, "Resources");
	cJSON_ArrayForEach(x, res) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(x, "Type");
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(x,
		    "Properties");
		struct nested_child *c;

		if (!cJSON_IsString(type) ||
		    strcmp(type->valuestring, NESTED_STACK_TYPE) != 0)
			continue;
		if (url_sha256(cJSON_GetObjectItemCaseSensitive(props,
		    "TemplateURL"), hex) == NULL) {
			/* the user's own nested stack (a raw resource):
			 * its template is theirs to upload */
			log_debug("nested stack %s: not one of ours",
			    x->string);
			continue;
		}
		n->v = xgrow(n->v, &n->cap, n->n + 1, sizeof *n->v);
		c = &n->v[n->n++];
		c->logical_id = xstrdup(x->string);
		c->path = xasprintf("%s/stacks/%s.json", dir, x->string);
		c->sha256 = xstrdup(hex);
		if ((rc = child_check(n, c, why, size)) != 0)
			break;
	}
	free(dir);
	cJSON_Delete(t);
	if (rc != 0)
		nested_free(n);
	return rc;
}

int
nested_upload(struct publish *p, const char *stack, const struct nested *n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n->n && rc == 0; i++) {
		char *key = xasprintf("%s/templates/%s.json", stack,
		    n->v[i].sha256);

		rc = publish_object(p, key, NULL, 0, n->v[i].path,
		    "application/json");
		free(key);
	}
	return rc;
}

/* Appends the changes of the nested change set id (and of its own
 * nested ones) to out, each named by the child's logical ID. */
static void
expand_one(struct aws *aws, const char *id, const char *child,
    struct cfn_change_set *out, size_t *cap, int depth)
{
	struct cfn_change_set *cs = NULL;
	struct aws_error err;
	size_t i;

	memset(&err, 0, sizeof err);
	if (cfn_describe_change_set(aws, NULL, id, &cs, &err) != 0) {
		log_warn("the changes inside nested stack %s are not shown: "
		    "%s: %s", child, err.code, err.message);
		return;
	}
	for (i = 0; i < cs->nchanges; i++) {
		struct cfn_change *c;
		char *inner = cs->changes[i].change_set_id;

		out->changes = xgrow(out->changes, cap, out->nchanges + 1,
		    sizeof *out->changes);
		c = &out->changes[out->nchanges++];
		*c = cs->changes[i];
		memset(&cs->changes[i], 0, sizeof cs->changes[i]);
		free(c->nested);
		c->nested = xstrdup(child);
		if (inner && depth + 1 < NESTED_MAX_DEPTH && c->resource_type &&
		    strcmp(c->resource_type, NESTED_STACK_TYPE) == 0) {
			char *name = xasprintf("%s/%s", child,
			    c->logical_id ? c->logical_id : "?");

			expand_one(aws, inner, name, out, cap, depth + 1);
			free(name);
		}
	}
	cfn_change_set_free(cs);
}

int
nested_expand(struct aws *aws, struct cfn_change_set *cs)
{
	struct cfn_change_set all;
	size_t i, cap = 0;

	memset(&all, 0, sizeof all);
	for (i = 0; i < cs->nchanges; i++)
		if (cs->changes[i].change_set_id)
			break;
	if (i == cs->nchanges)
		return 0; /* nothing nested: leave the list as it is */
	for (i = 0; i < cs->nchanges; i++) {
		struct cfn_change *c;

		all.changes = xgrow(all.changes, &cap, all.nchanges + 1,
		    sizeof *all.changes);
		c = &all.changes[all.nchanges++];
		*c = cs->changes[i];
		if (c->change_set_id && c->resource_type &&
		    strcmp(c->resource_type, NESTED_STACK_TYPE) == 0)
			expand_one(aws, c->change_set_id,
			    c->logical_id ? c->logical_id : "?", &all, &cap, 0);
	}
	free(cs->changes);
	cs->changes = all.changes;
	cs->nchanges = all.nchanges;
	return 0;
}

/* Moves src's items to the end of dst, each marked as inside child. */
static void
append_marked(cJSON *dst, cJSON *src, const char *child)
{
	cJSON *it;

	while ((it = cJSON_DetachItemFromArray(src, 0)) != NULL) {
		cJSON_AddStringToObject(it, "stack", child);
		cJSON_AddItemToArray(dst, it);
	}
	cJSON_Delete(src);
}

static cJSON *
child_read(const struct nested_child *c)
{
	cJSON *t = NULL;
	char *body;
	size_t len;

	if (file_read(c->path, MARSHAL_TEMPLATE_S3_MAX * 2, &body, &len) == 0) {
		t = cJSON_ParseWithLength(body, len);
		free(body);
	}
	return t;
}

void
nested_diff(const struct nested *n, cJSON **rows, cJSON *iam,
    const char *old_code, const char *new_code, nested_old_fn *old_child,
    void *arg)
{
	cJSON *all = cJSON_CreateArray(), *row, *old, *new;
	const char *id, *action;
	char why[512];
	size_t i;

	while ((row = cJSON_DetachItemFromArray(*rows, 0)) != NULL) {
		cJSON_AddItemToArray(all, row);
		id = cJSON_GetStringValue(cJSON_GetObjectItem(row, "logicalId"));
		action = cJSON_GetStringValue(cJSON_GetObjectItem(row, "action"));
		for (i = 0; id && i < n->n; i++)
			if (strcmp(n->v[i].logical_id, id) == 0)
				break;
		if (id == NULL || i == n->n || action == NULL ||
		    strcmp(action, "Remove") == 0)
			continue;
		why[0] = '\0';
		old = strcmp(action, "Add") == 0 ? cJSON_CreateObject() :
		    old_child(arg, id, why, sizeof why);
		if (old == NULL) {
			log_warn("the changes inside nested stack %s are not "
			    "shown: %s", id, why);
			continue;
		}
		if ((new = child_read(&n->v[i])) != NULL) {
			append_marked(all, plan_diff(old, new, old_code,
			    new_code), id);
			append_marked(iam, plan_iam_broadening(old, new), id);
		}
		cJSON_Delete(old);
		cJSON_Delete(new);
	}
	cJSON_Delete(*rows);
	*rows = all;
}

int
nested_keep(const struct nested *n, const char *dir)
{
	char *sdir, *path, *body;
	size_t i, len;
	int rc = 0;

	if (n->n == 0)
		return 0;
	sdir = xasprintf("%s/deployed/stacks", dir);
	if (path_mkdir_p(sdir) != 0) {
		free(sdir);
		return -1;
	}
	for (i = 0; i < n->n && rc == 0; i++) {
		path = xasprintf("%s/%s.json", sdir, n->v[i].sha256);
		if (access(path, F_OK) != 0) {
			if ((rc = file_read(n->v[i].path,
			    MARSHAL_TEMPLATE_S3_MAX * 2, &body, &len)) == 0) {
				rc = file_write_atomic(path, body, len, 0644);
				free(body);
			}
		}
		free(path);
	}
	free(sdir);
	return rc;
}

cJSON *
nested_kept(const char *dir, const cJSON *root, const char *logical_id,
    char *why, size_t size)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(root, "Resources"), logical_id);
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(res, "Properties");
	struct nested_child c = {0};
	char hex[DIGEST_HEX_LEN + 1];
	cJSON *t;

	if (res == NULL)
		return cJSON_CreateObject();
	if (url_sha256(cJSON_GetObjectItemCaseSensitive(props, "TemplateURL"),
	    hex) == NULL) {
		snprintf(why, size, "the deployed root does not name %s's "
		    "template", logical_id);
		return NULL;
	}
	c.path = xasprintf("%s/deployed/stacks/%s.json", dir, hex);
	if ((t = child_read(&c)) == NULL)
		snprintf(why, size, "%s: not kept here (deployed by an older "
		    "spartac, or from elsewhere)", c.path);
	free(c.path);
	return t;
}

void
nested_free(struct nested *n)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		free(n->v[i].logical_id);
		free(n->v[i].path);
		free(n->v[i].sha256);
	}
	free(n->v);
	memset(n, 0, sizeof *n);
}
