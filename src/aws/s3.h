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
#include <stdio.h>
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

/* ---- uploads streamed from a file (s3_file.c) ---- */

#define S3_PUT_MAX (5ULL << 30)    /* the largest single PutObject */
#define S3_OBJECT_MAX (5ULL << 40) /* the largest object */
#define S3_PART_MIN (5ULL << 20)   /* the smallest part but the last */
#define S3_PARTS_MAX 10000ULL

struct s3_file {
	FILE *fp;
	unsigned long long size;
	unsigned char sha256[32];
	char etag[48];              /* the ETag S3 will give it, quoted */
	int multipart;              /* above the threshold, or 5 GiB */
	unsigned long long part_size;
	struct s3_part {
		unsigned char sha256[32];
	} *parts;                   /* multipart: each part's SHA-256 */
	size_t nparts, cap;
};

/*
 * Opens the file and hashes it in one streaming pass (SHA-256, the ETag
 * S3 will give the object and, for a multipart upload, each part's
 * SHA-256). Above threshold bytes (0: never, but past S3_PUT_MAX) it is
 * uploaded in parts of s3_part_size(). -1 with errno set on failure.
 */
int s3_file_open(struct s3_file *f, const char *path,
    unsigned long long threshold);
void s3_file_close(struct s3_file *f);
/* The part size for a file: threshold (at least S3_PART_MIN), doubled
 * until S3_PARTS_MAX parts hold the file. */
unsigned long long s3_part_size(unsigned long long size,
    unsigned long long threshold);
/* PutObject (or a multipart upload, when f->multipart) from the file; the
 * bytes are read again as they go, each request signed with their hash. */
int s3_put_file(struct aws *aws, const char *bucket, const char *key,
    const struct s3_file *f, const char *content_type, struct aws_error *err);
/* CreateMultipartUpload, UploadPart per part, CompleteMultipartUpload;
 * AbortMultipartUpload when one fails (but after an interruption). */
int s3_put_file_multipart(struct aws *aws, const char *bucket,
    const char *key, const struct s3_file *f, const char *content_type,
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
