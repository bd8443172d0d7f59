/*
 * site_sync.c - the site's files into the site bucket (publish.h).
 *
 * The build wrote the file list (site.json: path and content type of each
 * file under the site's root); the bucket is made to hold exactly those
 * files. An object whose size and ETag match the file is left alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/s3.h"
#include "base/diag.h"
#include "base/util.h"
#include "publish/publish.h"

#define SITE_LIST_MAX ((size_t)1 << 26) /* the largest site.json read */

static const struct s3_object *
find_object(const struct s3_objects *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return &l->v[i];
	return NULL;
}

static const char *
file_field(const cJSON *f, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, name));
}

/*
 * Opens one site file (hashing it by streaming) and tells whether the
 * bucket has it already (same size and ETag): 1 yes, 0 no, -1 when the
 * file cannot be read (logged, naming the file and the key).
 */
static int
site_file_open(const char *bucket, const char *root, const char *key,
    const struct s3_objects *have, struct s3_file *sf)
{
	const struct s3_object *o;
	char *path = xasprintf("%s/%s", root, key);

	int saved;

	if (s3_file_open(sf, path, publish_multipart_threshold()) != 0) {
		saved = errno;
		log_error("site: %s: %s (for s3://%s/%s)", path,
		    strerror(errno), bucket, key);
		free(path);
		errno = saved;
		return -1;
	}
	free(path);
	o = find_object(have, key);
	return o && o->size == (long long)sf->size && o->etag &&
	    strcmp(o->etag, sf->etag) == 0;
}

/* One file: put unless the object has its size and ETag already. Returns
 * 1 when put, 0 when kept, -1 on failure (logged, naming the file, the
 * key and the cause; p->err holds the cause). */
static int
site_put_one(struct publish *p, const char *bucket, const char *root,
    const cJSON *f, const struct s3_objects *have)
{
	const char *key = file_field(f, "path");
	const char *type = file_field(f, "content_type");
	struct s3_file sf;
	int rc;

	if ((rc = site_file_open(bucket, root, key, have, &sf)) < 0) {
		aws_error_set(p->err, NULL, NULL, "FileRead", "%s/%s: %s", root,
		    key, strerror(errno));
		return -1;
	}
	if (rc == 1)
		rc = 0;
	else if (s3_put_file(p->aws, bucket, key, &sf, type ? type :
	    "application/octet-stream", p->err) != 0) {
		if (!aws_error_is_interrupted(p->err))
			log_error("site: %s/%s -> s3://%s/%s: %s %s: %s: %s",
			    root, key, bucket, key, p->err->service,
			    p->err->operation, p->err->code, p->err->message);
		rc = -1;
	} else
		rc = 1;
	s3_file_close(&sf);
	return rc;
}

/* Whatever the bucket holds that the site no longer has; *n of them. */
static const char **
site_gone(const cJSON *files, const struct s3_objects *have, size_t *n)
{
	const char **gone = xcalloc(have->n + 1, sizeof *gone);
	const cJSON *f;
	size_t i;

	*n = 0;
	for (i = 0; i < have->n; i++) {
		int keep = 0;

		cJSON_ArrayForEach(f, files) {
			const char *key = file_field(f, "path");

			if (key && strcmp(key, have->v[i].key) == 0)
				keep = 1;
		}
		if (!keep)
			gone[(*n)++] = have->v[i].key;
	}
	return gone;
}

static cJSON *
site_list_read(struct publish *p, const char *site_json)
{
	char *text = NULL;
	size_t len;
	cJSON *site = NULL;

	if (file_read(site_json, SITE_LIST_MAX, &text, &len) != 0 ||
	    (site = cJSON_Parse(text)) == NULL)
		aws_error_set(p->err, NULL, NULL, "FileRead", "%s: cannot "
		    "read it", site_json);
	free(text);
	return site;
}

int
publish_site_sync(struct publish *p, const char *site_bucket,
    const char *site_json, const char *root)
{
	struct s3_objects have = {0};
	const char **gone = NULL;
	size_t ngone = 0, put = 0, kept = 0, failed = 0;
	cJSON *site, *f, *files;
	int rc = -1, one;

	if ((site = site_list_read(p, site_json)) == NULL)
		return -1;
	if (s3_list_objects(p->aws, site_bucket, NULL, &have, p->err) != 0)
		goto out;
	files = cJSON_GetObjectItemCaseSensitive(site, "files");
	cJSON_ArrayForEach(f, files) {
		if (file_field(f, "path") == NULL)
			continue;
		/* a failed file does not stop the others; an interruption
		 * stops everything at once */
		if ((one = site_put_one(p, site_bucket, root, f, &have)) < 0) {
			if (aws_error_is_interrupted(p->err))
				goto out;
			failed++;
		} else if (one)
			put++;
		else
			kept++;
	}
	gone = site_gone(files, &have, &ngone);
	if (ngone && s3_delete_objects(p->aws, site_bucket, gone, ngone,
	    p->err) != 0)
		goto out;
	p->uploads += (unsigned)put;
	log_info("site: %zu uploaded, %zu unchanged, %zu deleted%s", put, kept,
	    ngone, failed ? ", some failed" : "");
	if (failed) {
		aws_error_set(p->err, NULL, NULL, "SiteSyncFailed", "%zu of %zu "
		    "site files could not be uploaded (each is named above)",
		    failed, failed + put + kept);
		goto out;
	}
	rc = 0;
out:
	free(gone);
	s3_objects_free(&have);
	cJSON_Delete(site);
	return rc;
}

int
publish_site_state(struct publish *p, const char *site_bucket,
    const char *site_json, const char *root, struct publish_site_state *st)
{
	struct s3_objects have = {0};
	struct s3_file sf;
	const char **gone;
	cJSON *site, *f, *files;
	const char *key;
	int one;

	memset(st, 0, sizeof *st);
	if ((site = site_list_read(p, site_json)) == NULL)
		return -1;
	if (s3_list_objects(p->aws, site_bucket, NULL, &have, p->err) != 0) {
		cJSON_Delete(site);
		return -1;
	}
	files = cJSON_GetObjectItemCaseSensitive(site, "files");
	cJSON_ArrayForEach(f, files) {
		if ((key = file_field(f, "path")) == NULL)
			continue;
		st->files++;
		if ((one = site_file_open(site_bucket, root, key, &have,
		    &sf)) == 1)
			st->current++;
		else if (find_object(&have, key) == NULL)
			st->missing++;
		else
			st->differ++;
		if (one >= 0)
			s3_file_close(&sf);
	}
	gone = site_gone(files, &have, &st->extra);
	free(gone);
	s3_objects_free(&have);
	cJSON_Delete(site);
	return 0;
}

int
publish_site_empty(struct publish *p, const char *site_bucket)
{
	struct s3_objects have = {0};
	const char **keys;
	size_t i;
	int rc;

	if (s3_list_objects(p->aws, site_bucket, NULL, &have, p->err) != 0)
		return aws_error_is_not_found(p->err) ? 0 : -1;
	keys = xcalloc(have.n + 1, sizeof *keys);
	for (i = 0; i < have.n; i++)
		keys[i] = have.v[i].key;
	rc = have.n ? s3_delete_objects(p->aws, site_bucket, keys, have.n,
	    p->err) : 0;
	if (rc == 0 && have.n)
		log_info("emptied the site bucket %s (%zu objects)", site_bucket,
		    have.n);
	free(keys);
	s3_objects_free(&have);
	return rc;
}
