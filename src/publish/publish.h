/*
 * publish.h - the publish stage: puts the built artifacts where
 * CloudFormation and the site's visitors read them.
 *
 *   bucket.c     the artifact bucket: the one given, or the one spartac
 *                manages per account and region (created on first deploy)
 *   upload.c     content-addressed uploads: the code ZIP and, when it is too
 *                big to send inline, the template
 *   site_sync.c  the site's files into the site bucket, and emptying it
 *
 * Every call returns 0, or -1 with *p->err filled in. Nothing here decides
 * what to deploy: converge asks, this stage performs.
 */
#ifndef SPARTAC_PUBLISH_H
#define SPARTAC_PUBLISH_H

#include <stddef.h>

#include "aws/aws.h"

struct publish {
	struct aws *aws;       /* borrowed */
	struct aws_error *err; /* borrowed: where a failure is described */
	char *bucket;          /* the artifact bucket, once resolved (owned) */
	unsigned uploads;      /* objects put by this run */
};

/* The artifact bucket spartac manages for an account and region (owned). */
char *publish_bucket_name(const char *account, const char *region);

/*
 * Resolves p->bucket: given (--bucket or the manifest's) when not NULL,
 * else the managed bucket of the caller's account. create: make the managed
 * bucket (encrypted, private, objects expiring) when it does not exist.
 */
int publish_bucket_resolve(struct publish *p, const char *given, int create);

/*
 * Content-addressed upload to the artifact bucket: HeadObject, then
 * PutObject only when the key is absent (the key names the content). The
 * bytes are data/len, or the file at path when path is not NULL.
 */
int publish_object(struct publish *p, const char *key, const void *data,
    size_t len, const char *path, const char *content_type);

/* Uploads a template under <stack>/templates/<sha256>.json; *url gets the
 * TemplateURL CloudFormation reads it from (owned). */
int publish_template(struct publish *p, const char *stack, const char *tpl,
    size_t len, char **url);

/*
 * Makes the site bucket hold exactly the site: site_json is the file list
 * the build wrote (path and content_type of each file, relative to root).
 * Files whose size and MD5 match the object are not uploaded again.
 */
int publish_site_sync(struct publish *p, const char *site_bucket,
    const char *site_json, const char *root);

/* Deletes every object of the site bucket (before its stack is deleted);
 * a bucket already gone is success. */
int publish_site_empty(struct publish *p, const char *site_bucket);

void publish_free(struct publish *p);

#endif
