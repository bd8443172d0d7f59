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
#include <openssl/evp.h>

#include "aws/s3.h"
#include "base/diag.h"
#include "base/util.h"
#include "publish/publish.h"

#define SITE_LIST_MAX ((size_t)1 << 26) /* the largest site.json read */
#define SITE_FILE_MAX ((size_t)1 << 31) /* the largest site file read */

static void
md5_hex(const void *p, size_t n, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	/* S3's ETag of a single-part upload is the MD5 of its bytes: the
	 * cheap way to know an object is unchanged without reading it. */
	EVP_Digest(p, n, md, &len, EVP_md5(), NULL);
	for (i = 0; i < len && i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[32] = '\0';
}

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

/* One file: put unless the object has its size and MD5 already. Returns
 * 1 when put, 0 when kept, -1 on failure. */
static int
site_put_one(struct publish *p, const char *bucket, const char *root,
    const cJSON *f, const struct s3_objects *have)
{
	const char *key = file_field(f, "path");
	const char *type = file_field(f, "content_type");
	const struct s3_object *o;
	char *path, *data = NULL, md5[33], etag[36];
	size_t n;
	int rc;

	path = xasprintf("%s/%s", root, key);
	if (file_read(path, SITE_FILE_MAX, &data, &n) != 0) {
		aws_error_set(p->err, NULL, NULL, "FileRead", "%s: %s", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	md5_hex(data, n, md5);
	snprintf(etag, sizeof etag, "\"%s\"", md5);
	o = find_object(have, key);
	if (o && o->size == (long long)n && o->etag &&
	    strcmp(o->etag, etag) == 0)
		rc = 0;
	else if (s3_put_object(p->aws, bucket, key, data, n,
	    type ? type : "application/octet-stream", NULL, p->err) != 0)
		rc = -1;
	else
		rc = 1;
	free(data);
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
	size_t ngone = 0, put = 0, kept = 0;
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
		if ((one = site_put_one(p, site_bucket, root, f, &have)) < 0)
			goto out;
		if (one)
			put++;
		else
			kept++;
	}
	gone = site_gone(files, &have, &ngone);
	if (ngone && s3_delete_objects(p->aws, site_bucket, gone, ngone,
	    p->err) != 0)
		goto out;
	p->uploads += (unsigned)put;
	log_info("site: %zu uploaded, %zu unchanged, %zu deleted", put, kept,
	    ngone);
	rc = 0;
out:
	free(gone);
	s3_objects_free(&have);
	cJSON_Delete(site);
	return rc;
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
