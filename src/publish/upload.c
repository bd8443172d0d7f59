/*
 * upload.c - content-addressed uploads to the artifact bucket (publish.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "base/diag.h"
#include "base/digest.h"
#include "base/meter.h"
#include "base/env.h"
#include "base/util.h"
#include "publish/publish.h"

#define MULTIPART_DEFAULT (64ULL << 20)

unsigned long long
publish_multipart_threshold(void)
{
	return env_bytes("SPARTAC_MULTIPART_THRESHOLD", MULTIPART_DEFAULT,
	    S3_PART_MIN, S3_PUT_MAX);
}

static void
upload_progress(void *arg, unsigned long long sent, unsigned long long total)
{
	(void)total;
	meter_update(arg, sent);
}

int
publish_object(struct publish *p, const char *key, const void *data,
    size_t len, const char *path, const char *content_type)
{
	struct meter meter;
	struct s3_object obj;
	struct s3_file file;
	unsigned long long n = len;
	int rc;

	memset(&obj, 0, sizeof obj);
	rc = s3_head_object(p->aws, p->bucket, key, &obj, p->err);
	s3_object_free(&obj);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		log_debug("s3://%s/%s is there already", p->bucket, key);
		return 0;
	}
	/* a file is streamed from disk, never read whole */
	if (path && s3_file_open(&file, path,
	    publish_multipart_threshold()) != 0) {
		aws_error_set(p->err, NULL, NULL, "FileRead", "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (path)
		n = file.size;
	log_info("uploading s3://%s/%s (%llu bytes)", p->bucket, key, n);
	meter_begin(&meter, "uploading", n, 1);
	aws_set_progress(p->aws, upload_progress, &meter);
	if (path)
		rc = s3_put_file(p->aws, p->bucket, key, &file, content_type,
		    p->err);
	else
		rc = s3_put_object(p->aws, p->bucket, key, data, len,
		    content_type, NULL, p->err);
	aws_set_progress(p->aws, NULL, NULL);
	meter_end(&meter, NULL);
	if (path)
		s3_file_close(&file);
	if (rc == 0)
		p->uploads++;
	return rc;
}

int
publish_template(struct publish *p, const char *stack, const char *tpl,
    size_t len, char **url)
{
	char hex[DIGEST_HEX_LEN + 1];
	char *key;
	int rc;

	*url = NULL;
	digest_sha256_hex(tpl, len, hex);
	key = xasprintf("%s/templates/%s.json", stack, hex);
	rc = publish_object(p, key, tpl, len, NULL, "application/json");
	/* The URL as the client addresses the object, so a configured
	 * endpoint (AWS_ENDPOINT_URL_S3, --endpoint-url) is followed. */
	if (rc == 0 && (*url = s3_object_url(p->aws, p->bucket, key,
	    p->err)) == NULL)
		rc = -1;
	free(key);
	return rc;
}
