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

/* Files above this size go up in parts (SPARTAC_MULTIPART_THRESHOLD,
 * bytes, 5 MiB to 5 GiB; default 64 MiB); anything over 5 GiB always. */
unsigned long long publish_multipart_threshold(void);

/* Uploads a template under <stack>/templates/<sha256>.json; *url gets the
 * TemplateURL CloudFormation reads it from (owned). */
int publish_template(struct publish *p, const char *stack, const char *tpl,
    size_t len, char **url);

/*
 * Makes the site bucket hold exactly the site: site_json is the file list
 * the build wrote (path and content_type of each file, relative to root).
 * Files whose size and ETag match the object are not uploaded again;
 * files are streamed from disk (multipart above the threshold). A file
 * that fails is named (file, key, call, cause) and the others go on; the
 * call then fails with SiteSyncFailed. An interruption (aws_set_cancel)
 * stops at once.
 */
int publish_site_sync(struct publish *p, const char *site_bucket,
    const char *site_json, const char *root);

/* How far the bucket holds the site (status): files listed, objects up
 * to date, missing, different, and objects the site does not have. */
struct publish_site_state {
	size_t files, current, missing, differ, extra;
};

int publish_site_state(struct publish *p, const char *site_bucket,
    const char *site_json, const char *root, struct publish_site_state *st);

/* Deletes every object of the site bucket (before its stack is deleted);
 * a bucket already gone is success. */
int publish_site_empty(struct publish *p, const char *site_bucket);

void publish_free(struct publish *p);

#endif
