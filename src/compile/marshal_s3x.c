/*
 * marshal_s3x.c - s3 events on buckets that exist outside the stack
 * (existing: true): CloudFormation cannot set their notifications, so each
 * event becomes a Custom::SpartaS3Notification resource served by a
 * built-in function of the service's bootstrap (runtime/s3notify.c).
 *
 * Per event (PREFIX is the event's, e.g. ResizeEvent1):
 *	PREFIXPermission    AWS::Lambda::Permission for s3.amazonaws.com with
 *	                    SourceArn arn:PARTITION:s3:::BUCKET and SourceAccount
 *	PREFIXNotification  Custom::SpartaS3Notification {Bucket, Id, FunctionArn,
 *	                    Events, Prefix, Suffix}, after the permission (S3
 *	                    checks it may invoke the function when it is set)
 * Once, when there is any:
 *	SpartaS3NotificationsFunction, its LogGroup and Role. The role may only
 *	write its log group and s3:GetBucketNotification and
 *	s3:PutBucketNotification on exactly those buckets.
 * The notifications on one bucket depend on each other in turn (each is a
 * read, change and write of the bucket's whole configuration).
 * The Id is STACK-PREFIX: stable across updates, unique per stack and event,
 * so the handler finds and removes its own entry and only it.
 */
#include <stdlib.h>
#include <string.h>

#include "compile/marshal_int.h"

#define S3X_FN "SpartaS3NotificationsFunction"
#define S3X_ROLE "SpartaS3NotificationsRole"
#define S3X_LOGS "SpartaS3NotificationsLogGroup"
#define S3X_WHAT "%s of spartac's function for s3 events on existing buckets"

void
marshal_s3x_event(struct mctx *c, const struct manifest_event *e,
    const char *prefix, const char *fid, const char *fname)
{
	static const char *const dflt[] = {MANIFEST_DEFAULT_S3_EVENT};
	const char *const *events = e->u.s3.events.n ? e->u.s3.events.v : dflt;
	size_t nevents = e->u.s3.events.n ? e->u.s3.events.n : 1;
	char *pid = xasprintf("%sPermission", prefix);
	char *nid = xasprintf("%sNotification", prefix);
	cJSON *res, *props, *prev, *dep;

	mres_add(c, pid, "AWS::Lambda::Permission", e->loc,
	    "the s3 event permission of function '%s'", fname, &props);
	mj_add_lit(c, props, "Action", "lambda:InvokeFunction");
	mj_add(props, "FunctionName", mj_getatt(c, fid, "Arn"));
	mj_add_lit(c, props, "Principal", "s3.amazonaws.com");
	mj_add(props, "SourceAccount", mj_ref(c, "AWS::AccountId"));
	mj_add(props, "SourceArn", mj_sub(c, "arn:${AWS::Partition}:s3:::%s",
	    e->u.s3.bucket));

	res = mres_add(c, nid, "Custom::SpartaS3Notification", e->loc,
	    "the s3 notification of function '%s'", fname, &props);
	mj_add(props, "ServiceToken", mj_getatt(c, S3X_FN, "Arn"));
	mj_add_str(c, props, "Bucket", e->u.s3.bucket);
	mj_add(props, "Id", mj_sub(c, "${AWS::StackName}-%s", prefix));
	mj_add(props, "FunctionArn", mj_getatt(c, fid, "Arn"));
	mj_add(props, "Events", mj_strings(c, events, nevents));
	if (e->u.s3.prefix != NULL)
		mj_add_str(c, props, "Prefix", e->u.s3.prefix);
	if (e->u.s3.suffix != NULL)
		mj_add_str(c, props, "Suffix", e->u.s3.suffix);
	/* One bucket's notifications are read and written whole: the stack's
	 * entries on one bucket go one after the other, not at once. */
	if (c->s3x_last == NULL)
		c->s3x_last = mj_obj(c);
	prev = cJSON_GetObjectItemCaseSensitive(c->s3x_last, e->u.s3.bucket);
	if (prev != NULL) {
		dep = mj_add_arr(c, res, "DependsOn");
		jtree_push(dep, mj_str(c, pid));
		jtree_push(dep, mj_str(c, prev->valuestring));
		cJSON_DetachItemViaPointer(c->s3x_last, prev);
	} else
		mj_add_str(c, res, "DependsOn", pid);
	jtree_add(c->a, c->s3x_last, e->u.s3.bucket, mj_str(c, nid));

	if (c->s3x_buckets == NULL)
		c->s3x_loc = e->loc;
	mj_array_push(c, &c->s3x_buckets, mj_sub(c,
	    "arn:${AWS::Partition}:s3:::%s", e->u.s3.bucket));
	free(pid);
	free(nid);
}

static void
statement_push(struct mctx *c, cJSON *stmts, const char *sid,
    const char *action1, const char *action2, cJSON *resources)
{
	cJSON *st = mj_obj(c), *a;

	mj_add_lit(c, st, "Sid", sid);
	mj_add_lit(c, st, "Effect", "Allow");
	a = mj_add_arr(c, st, "Action");
	jtree_push(a, mj_lit(c, action1));
	jtree_push(a, mj_lit(c, action2));
	mj_add(st, "Resource", resources);
	jtree_push(stmts, st);
}

static void
s3x_role(struct mctx *c)
{
	cJSON *props, *stmts, *logs;

	mres_add(c, S3X_ROLE, "AWS::IAM::Role", c->s3x_loc, S3X_WHAT,
	    "the role", &props);
	marshal_iam_trust_add(c, props);
	mj_add_lit(c, props, "Description", "Execution role of spartac's "
	    "built-in function for s3 events on existing buckets");
	if (c->m->permissions_boundary != NULL)
		mj_add(props, "PermissionsBoundary",
		    mj_node(c, c->m->permissions_boundary));

	stmts = mj_arr(c);
	logs = mj_arr(c);
	jtree_push(logs, mj_getatt(c, S3X_LOGS, "Arn"));
	statement_push(c, stmts, "Logs", "logs:CreateLogStream",
	    "logs:PutLogEvents", logs);
	mj_array_dedupe(c->s3x_buckets, 0);
	statement_push(c, stmts, "BucketNotifications", "s3:GetBucketNotification",
	    "s3:PutBucketNotification", c->s3x_buckets);
	marshal_iam_policy_add(c, props, stmts);
}

/* The built-in function, its log group and role, when any event needs it. */
void
marshal_s3x_provider(struct mctx *c)
{
	cJSON *props, *o;

	if (c->s3x_buckets == NULL)
		return;
	mres_add(c, S3X_LOGS, "AWS::Logs::LogGroup", c->s3x_loc, S3X_WHAT,
	    "the log group", &props);
	mj_add(props, "LogGroupName", mj_subs(c, "/aws/lambda/${AWS::StackName}/",
	    MANIFEST_S3_NOTIFY_HANDLER, NULL));
	mj_add_num(c, props, "RetentionInDays", 14);

	mres_add(c, S3X_FN, "AWS::Lambda::Function", c->s3x_loc, S3X_WHAT,
	    "the function", &props);
	mj_add_lit(c, props, "Description", "spartac: adds and removes the "
	    "notifications of s3 events on existing buckets");
	marshal_lambda_code_add(c, props, MANIFEST_S3_NOTIFY_HANDLER);
	mj_add(props, "Role", mj_getatt(c, S3X_ROLE, "Arn"));
	mj_add_num(c, props, "MemorySize", 128);
	mj_add_num(c, props, "Timeout", 60);
	o = mj_add_obj(c, props, "LoggingConfig");
	mj_add(o, "LogGroup", mj_ref(c, S3X_LOGS));
	s3x_role(c);
	c->s3x_buckets = NULL; /* the template's arena's */
	c->s3x_last = NULL;
}
