/*
 * s3.h - S3 (REST-XML) calls for publishing artifacts: bucket set-up,
 * content-addressed uploads, listing and clean-up.
 *
 * Addressing: virtual-hosted on AWS for DNS-compatible bucket names,
 * path-style on custom endpoints (moto, LocalStack) and for names with dots.
 * Every call returns 0 on success or -1 with err filled in; the Head calls
 * return 1 when the bucket or object does not exist.
 */
#ifndef SPARTAC_AWS_S3_H
#define SPARTAC_AWS_S3_H

#include <stddef.h>
#include <time.h>

#include "aws/aws.h"

/* *region (may be NULL) gets the bucket's region from x-amz-bucket-region
 * whenever S3 says it, also on a 301 or 403. */
int s3_head_bucket(struct aws *aws, const char *bucket, char **region,
    struct aws_error *err);

struct s3_object {
	char *key;
	char *etag;            /* with its quotes, as S3 sends it */
	char *checksum_sha256; /* base64, when S3 has one */
	long long size;
	time_t last_modified;
};

void s3_object_free(struct s3_object *o); /* frees the members only */

int s3_head_object(struct aws *aws, const char *bucket, const char *key,
    struct s3_object *out, struct aws_error *err);

/* Uploads with x-amz-checksum-sha256 and a signed payload hash, so neither
 * a proxy nor S3 can store other bytes. *etag (may be NULL) gets the ETag. */
int s3_put_object(struct aws *aws, const char *bucket, const char *key,
    const void *data, size_t len, const char *content_type, char **etag,
    struct aws_error *err);

struct s3_objects {
	struct s3_object *v;
	size_t n, cap;
};

/* Every page of ListObjectsV2 under prefix (NULL: the whole bucket). */
int s3_list_objects(struct aws *aws, const char *bucket, const char *prefix,
    struct s3_objects *out, struct aws_error *err);
void s3_objects_free(struct s3_objects *l);

/* Deletes in batches of 1000; fails on the first key S3 could not delete. */
int s3_delete_objects(struct aws *aws, const char *bucket,
    const char *const *keys, size_t n, struct aws_error *err);

/* The object's URL as this client addresses it (for a CloudFormation
 * TemplateURL); NULL with err set when the endpoint is refused. */
char *s3_object_url(struct aws *aws, const char *bucket, const char *key,
    struct aws_error *err);

/* Creates the bucket in the client's region; a bucket we already own is
 * success. */
int s3_create_bucket(struct aws *aws, const char *bucket, struct aws_error *err);
/* Default encryption SSE-S3 (AES256) with a bucket key. */
int s3_put_bucket_encryption(struct aws *aws, const char *bucket,
    struct aws_error *err);
/* All four public-access blocks on. */
int s3_put_public_access_block(struct aws *aws, const char *bucket,
    struct aws_error *err);
/* One rule: objects under prefix expire after days (and incomplete
 * multipart uploads after one day). */
int s3_put_bucket_lifecycle(struct aws *aws, const char *bucket,
    const char *rule_id, const char *prefix, int days, struct aws_error *err);

#endif
