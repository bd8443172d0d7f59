/*
 * bucket.c - the artifact bucket (publish.h).
 */
#include <stdlib.h>

#include "aws/s3.h"
#include "aws/sts.h"
#include "base/diag.h"
#include "base/util.h"
#include "publish/publish.h"

#define ARTIFACT_DAYS 90 /* lifecycle of the managed bucket's objects */

char *
publish_bucket_name(const char *account, const char *region)
{
	return xasprintf("spartac-%s-%s", account, region);
}

/* A new managed bucket: private, encrypted, its objects expiring. */
static int
bucket_create(struct publish *p)
{
	log_info("creating the artifact bucket %s (encrypted, private, "
	    "objects expire after %d days)", p->bucket, ARTIFACT_DAYS);
	if (s3_create_bucket(p->aws, p->bucket, p->err) != 0 ||
	    s3_put_public_access_block(p->aws, p->bucket, p->err) != 0 ||
	    s3_put_bucket_encryption(p->aws, p->bucket, p->err) != 0 ||
	    s3_put_bucket_lifecycle(p->aws, p->bucket, "spartac-artifacts", "",
	    ARTIFACT_DAYS, p->err) != 0)
		return -1;
	return 0;
}

int
publish_bucket_resolve(struct publish *p, const char *given, int create)
{
	struct sts_identity id;
	char *region = NULL;
	int rc;

	if (p->bucket)
		return 0;
	if (given) {
		p->bucket = xstrdup(given);
		return 0;
	}
	if (sts_get_caller_identity(p->aws, &id, p->err) != 0)
		return -1;
	p->bucket = publish_bucket_name(id.account, aws_region(p->aws));
	sts_identity_free(&id);
	if (!create)
		return 0;
	rc = s3_head_bucket(p->aws, p->bucket, &region, p->err);
	free(region);
	if (rc < 0)
		return -1;
	return rc == 0 ? 0 : bucket_create(p);
}

void
publish_free(struct publish *p)
{
	free(p->bucket);
	p->bucket = NULL;
}
