/*
 * deployed.c - the per-stack records of the last deploy (deployed.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/diag.h"
#include "base/path.h"
#include "base/util.h"
#include "converge/deployed.h"

#define DEPLOYED_DIR "deployed"
#define DEPLOYED_MAX (1u << 24)

int
deployed_save(const char *dir, const char *stack, const char *region,
    const char *tpl, size_t tpl_len, const struct deployed_facts *f)
{
	struct deployed prev;
	const char *bucket = f->bucket;
	cJSON *o, *t;
	char *sub, *path, *s;
	int rc = -1;

	if ((t = cJSON_ParseWithLength(tpl, tpl_len)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* A deploy that found nothing to do never resolved the bucket: the
	 * record keeps the one it had. */
	memset(&prev, 0, sizeof prev);
	if ((bucket == NULL || *bucket == '\0') &&
	    deployed_load(dir, stack, region, &prev) == 0)
		bucket = prev.bucket;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "stack", stack);
	cJSON_AddStringToObject(o, "region", region);
	cJSON_AddStringToObject(o, "code", f->code ? f->code : "");
	cJSON_AddStringToObject(o, "site", f->site ? f->site : "");
	cJSON_AddStringToObject(o, "bucket", bucket ? bucket : "");
	deployed_free(&prev);
	cJSON_AddItemToObject(o, "template", t);
	s = cJSON_Print(o);
	cJSON_Delete(o);
	sub = xasprintf("%s/%s", dir, DEPLOYED_DIR);
	path = xasprintf("%s/%s@%s.json", sub, stack, region);
	if (path_mkdir_p(sub) == 0 &&
	    file_write_atomic(path, s, strlen(s), 0644) == 0)
		rc = 0;
	free(s);
	free(sub);
	free(path);
	return rc;
}

static char *
str_member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return xstrdup(cJSON_IsString(v) ? v->valuestring : "");
}

static int
load_path(const char *path, struct deployed *out)
{
	char *text = NULL;
	size_t len;
	cJSON *o;

	if (file_read(path, DEPLOYED_MAX, &text, &len) != 0) {
		if (errno == ENOENT)
			return 1;
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	o = cJSON_ParseWithLength(text, len);
	free(text);
	if (o == NULL ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "template"))) {
		log_error("%s: not a record of a deploy (delete it; the next "
		    "deploy writes it again)", path);
		cJSON_Delete(o);
		return -1;
	}
	out->path = xstrdup(path);
	out->region = str_member(o, "region");
	out->code = str_member(o, "code");
	out->site = str_member(o, "site");
	out->bucket = str_member(o, "bucket");
	out->template = cJSON_DetachItemFromObjectCaseSensitive(o, "template");
	cJSON_Delete(o);
	return 0;
}

/* The stack's one record when no region is known; 1 when none. */
static int
load_any(const char *sub, const char *stack, struct deployed *out)
{
	DIR *dp;
	struct dirent *e;
	char *prefix = xasprintf("%s@", stack), *found = NULL;
	struct buf regions = {0};
	int n = 0, rc = 1;

	if ((dp = opendir(sub)) != NULL) {
		while ((e = readdir(dp)) != NULL) {
			if (!str_has_prefix(e->d_name, prefix) ||
			    !str_has_suffix(e->d_name, ".json"))
				continue;
			buf_printf(&regions, "%s%.*s", n ? ", " : "",
			    (int)(strlen(e->d_name) - strlen(prefix) - 5),
			    e->d_name + strlen(prefix));
			if (n++ == 0)
				found = xasprintf("%s/%s", sub, e->d_name);
		}
		closedir(dp);
	}
	if (n == 1)
		rc = load_path(found, out);
	else if (n > 1) {
		log_error("%s was deployed from here to several regions (%s): "
		    "name one with --region or AWS_REGION", stack,
		    regions.data);
		rc = -1;
	}
	buf_free(&regions);
	free(found);
	free(prefix);
	return rc;
}

int
deployed_load(const char *dir, const char *stack, const char *region,
    struct deployed *out)
{
	char *sub = xasprintf("%s/%s", dir, DEPLOYED_DIR), *path;
	int rc;

	memset(out, 0, sizeof *out);
	if (region == NULL) {
		rc = load_any(sub, stack, out);
	} else {
		path = xasprintf("%s/%s@%s.json", sub, stack, region);
		rc = load_path(path, out);
		free(path);
	}
	free(sub);
	return rc;
}

void
deployed_free(struct deployed *d)
{
	free(d->path);
	free(d->region);
	free(d->code);
	free(d->site);
	free(d->bucket);
	cJSON_Delete(d->template);
	memset(d, 0, sizeof *d);
}
