/*
 * marshal_events.c - event sources.
 *
 * Push sources (schedules, EventBridge, SNS, S3, CloudWatch Logs) invoke
 * the function through an AWS::Lambda::Permission scoped with SourceArn
 * (and SourceAccount where the source ARN has no account: S3, Logs). Pull
 * sources (SQS, Kinesis, DynamoDB streams) are event source mappings, and
 * the function's role gets exactly the read privileges on that queue or
 * stream. Logical IDs are <Function>Event<N><Kind>, N the 1-based position
 * in the function's events list.
 *
 * S3: the notification lives on the bucket, which must be one of the
 * manifest's resources (CloudFormation cannot configure a bucket it does
 * not manage). S3 checks the destination when the notification is set, so
 * the bucket depends on the permission, and the permission may not refer
 * to the bucket (a cycle). With a BucketName, its SourceArn is built from
 * that name; without one (CloudFormation picks the name), the permission
 * is scoped by SourceAccount alone, as SAM does (docs/decisions.md). The
 * role privileges that name such a bucket go into a policy of their own
 * (marshal_iam.c), so the function need not wait for the bucket.
 */
#include <stdlib.h>
#include <string.h>

#include "compile/marshal_int.h"

#define EVENT_WHAT "an event of function '%s'"

static cJSON *
permission_add(struct mctx *c, const char *id, const char *fid,
    const char *principal, cJSON *source_arn, int source_account,
    struct loc loc, const char *fname)
{
	cJSON *props;

	mres_add(c, id, "AWS::Lambda::Permission", loc, EVENT_WHAT, fname, &props);
	mj_add_lit(c, props, "Action", "lambda:InvokeFunction");
	mj_add(props, "FunctionName", mj_getatt(c, fid, "Arn"));
	mj_add_str(c, props, "Principal", principal);
	if (source_account)
		mj_add(props, "SourceAccount", mj_ref(c, "AWS::AccountId"));
	if (source_arn != NULL)
		mj_add(props, "SourceArn", source_arn);
	return props;
}

static void
rule_add(struct mctx *c, const struct manifest_event *e, const char *prefix,
    const char *fid, const char *fname)
{
	char *id = xasprintf("%sRule", prefix), *pid = xasprintf("%sPermission", prefix);
	cJSON *props, *targets, *t;
	const struct node *input;
	char *text;
	int enabled;

	mres_add(c, id, "AWS::Events::Rule", e->loc, EVENT_WHAT, fname, &props);
	if (e->kind == MANIFEST_EVENT_SCHEDULE) {
		if (e->u.schedule.description != NULL)
			mj_add_str(c, props, "Description",
			    e->u.schedule.description);
		mj_add_str(c, props, "ScheduleExpression",
		    e->u.schedule.expression);
		enabled = e->u.schedule.enabled;
		input = e->u.schedule.input;
	} else {
		if (e->u.eventbridge.bus != NULL)
			mj_add(props, "EventBusName",
			    mj_node(c, e->u.eventbridge.bus));
		mj_add(props, "EventPattern",
		    mj_node(c, e->u.eventbridge.pattern));
		enabled = e->u.eventbridge.enabled;
		input = e->u.eventbridge.input;
	}
	mj_add_str(c, props, "State", enabled ? "ENABLED" : "DISABLED");
	targets = mj_add_arr(c, props, "Targets");
	t = mj_obj(c);
	mj_add_lit(c, t, "Id", "Function");
	mj_add(t, "Arn", mj_getatt(c, fid, "Arn"));
	if (input != NULL) {
		/* Targets take the constant input as JSON text. */
		cJSON *j = mj_node(c, input);

		text = cJSON_PrintUnformatted(j);
		mj_add_str(c, t, "Input", text);
		cJSON_free(text);
	}
	jtree_push(targets, t);
	permission_add(c, pid, fid, "events.amazonaws.com", mj_getatt(c, id, "Arn"),
	    0, e->loc, fname);
	free(id);
	free(pid);
}

/* Partial batch responses, filters and the enabled switch of a mapping. */
static void
poll_add(struct mctx *c, const struct manifest_poll *p, cJSON *props)
{
	cJSON *filters, *f;
	size_t i;
	char *text;

	if (!p->enabled)
		mj_add_bool(c, props, "Enabled", 0);
	if (p->report_failures)
		jtree_push(mj_add_arr(c, props, "FunctionResponseTypes"),
		    mj_lit(c, "ReportBatchItemFailures"));
	if (p->filters == NULL)
		return;
	filters = mj_add_arr(c, mj_add_obj(c, props, "FilterCriteria"),
	    "Filters");
	for (i = 0; i < p->filters->n; i++) {
		/* Lambda takes each pattern as JSON text (the tree printed is
		 * left to the arena). */
		text = cJSON_PrintUnformatted(mj_node(c, p->filters->items[i]));
		f = mj_obj(c);
		mj_add_str(c, f, "Pattern", text);
		jtree_push(filters, f);
		cJSON_free(text);
	}
}

/* A stream's error handling; an on-failure destination is one more thing
 * the function's role may send to. */
static void
stream_options_add(struct mctx *c, struct mrole *r,
    const struct manifest_event *e, cJSON *props)
{
	cJSON *o;

	if (e->u.stream.on_failure != NULL) {
		o = mj_add_obj(c, mj_add_obj(c, props, "DestinationConfig"),
		    "OnFailure");
		mj_add(o, "Destination", mj_node(c, e->u.stream.on_failure));
		marshal_iam_destination(c, r, e->u.stream.on_failure, "sqs sns");
	}
	if (e->u.stream.bisect)
		mj_add_bool(c, props, "BisectBatchOnFunctionError", 1);
	if (e->u.stream.retries != MANIFEST_UNSET)
		mj_add_num(c, props, "MaximumRetryAttempts",
		    (double)e->u.stream.retries);
	if (e->u.stream.max_record_age != MANIFEST_UNSET)
		mj_add_num(c, props, "MaximumRecordAgeInSeconds",
		    (double)e->u.stream.max_record_age);
	if (e->u.stream.parallelization != MANIFEST_UNSET)
		mj_add_num(c, props, "ParallelizationFactor",
		    (double)e->u.stream.parallelization);
	if (e->u.stream.tumbling_window != MANIFEST_UNSET)
		mj_add_num(c, props, "TumblingWindowInSeconds",
		    (double)e->u.stream.tumbling_window);
	poll_add(c, &e->u.stream.poll, props);
}

static void
mapping_add(struct mctx *c, struct mrole *r, const struct manifest_event *e,
    const char *prefix, const char *fid, const char *fname)
{
	char *id = xasprintf("%sMapping", prefix);
	cJSON *props;
	const struct node *arn;
	long batch, window;

	mres_add(c, id, "AWS::Lambda::EventSourceMapping", e->loc, EVENT_WHAT,
	    fname, &props);
	if (e->kind == MANIFEST_EVENT_SQS) {
		arn = e->u.sqs.queue;
		batch = e->u.sqs.batch;
		window = e->u.sqs.window;
	} else {
		arn = e->u.stream.stream;
		batch = e->u.stream.batch;
		window = e->u.stream.window;
	}
	mj_add(props, "EventSourceArn", mj_node(c, arn));
	mj_add(props, "FunctionName", mj_ref_take(c, xstrdup(fid)));
	mj_add_num(c, props, "BatchSize", (double)batch);
	if (window > 0)
		mj_add_num(c, props, "MaximumBatchingWindowInSeconds",
		    (double)window);
	if (e->kind != MANIFEST_EVENT_SQS)
		mj_add_str(c, props, "StartingPosition",
		    e->u.stream.start == MANIFEST_START_TRIM_HORIZON ?
		    "TRIM_HORIZON" : "LATEST");
	if (e->kind == MANIFEST_EVENT_SQS) {
		poll_add(c, &e->u.sqs.poll, props);
		if (e->u.sqs.max_concurrency != MANIFEST_UNSET)
			mj_add_num(c, mj_add_obj(c, props, "ScalingConfig"),
			    "MaximumConcurrency", (double)e->u.sqs.max_concurrency);
	} else
		stream_options_add(c, r, e, props);
	if (r != NULL) {
		if (e->kind == MANIFEST_EVENT_SQS)
			mj_array_push(c, &r->sqs, mj_node(c, arn));
		else if (e->kind == MANIFEST_EVENT_KINESIS)
			mj_array_push(c, &r->kinesis, mj_node(c, arn));
		else
			mj_array_push(c, &r->dynamodb, mj_node(c, arn));
	}
	free(id);
}

static void
sns_add(struct mctx *c, const struct manifest_event *e, const char *prefix,
    const char *fid, const char *fname)
{
	char *id = xasprintf("%sSubscription", prefix);
	char *pid = xasprintf("%sPermission", prefix);
	cJSON *props;

	mres_add(c, id, "AWS::SNS::Subscription", e->loc, EVENT_WHAT, fname, &props);
	mj_add_lit(c, props, "Protocol", "lambda");
	mj_add(props, "Endpoint", mj_getatt(c, fid, "Arn"));
	mj_add(props, "TopicArn", mj_node(c, e->u.sns.topic));
	if (e->u.sns.filter != NULL)
		mj_add(props, "FilterPolicy", mj_node(c, e->u.sns.filter));
	permission_add(c, pid, fid, "sns.amazonaws.com", mj_node(c, e->u.sns.topic),
	    0, e->loc, fname);
	free(id);
	free(pid);
}

static void
s3_add(struct mctx *c, struct mrole *r, const struct manifest_event *e,
    const char *prefix, const char *fid, const char *fname)
{
	static const char *const dflt[] = {MANIFEST_DEFAULT_S3_EVENT};
	const char *const *events = e->u.s3.events.v;
	size_t nevents = e->u.s3.events.n, i;
	const struct node *name;
	char *pid = xasprintf("%sPermission", prefix);
	cJSON *pending, *configs, *cfg, *filter, *rules, *rule;

	name = node_get(node_get(e->u.s3.resource, "Properties"), "BucketName");
	permission_add(c, pid, fid, "s3.amazonaws.com", name == NULL ? NULL :
	    mj_sub_value(c, "arn:${AWS::Partition}:s3:::${V}", name), 1, e->loc,
	    fname);

	if (nevents == 0) {
		events = dflt;
		nevents = 1;
	}
	if (c->s3_pending == NULL)
		c->s3_pending = mj_obj(c);
	if ((pending = cJSON_GetObjectItemCaseSensitive(c->s3_pending,
	    e->u.s3.bucket)) == NULL) {
		pending = jtree_add(c->a, c->s3_pending, e->u.s3.bucket, mj_obj(c));
		mj_add_arr(c, pending, "LambdaConfigurations");
		mj_add_arr(c, pending, "DependsOn");
	}
	configs = cJSON_GetObjectItemCaseSensitive(pending, "LambdaConfigurations");
	for (i = 0; i < nevents; i++) {
		cfg = mj_obj(c);
		mj_add_str(c, cfg, "Event", events[i]);
		mj_add(cfg, "Function", mj_getatt(c, fid, "Arn"));
		if (e->u.s3.prefix != NULL || e->u.s3.suffix != NULL) {
			filter = mj_add_obj(c, cfg, "Filter");
			rules = mj_add_arr(c, mj_add_obj(c, filter, "S3Key"),
			    "Rules");
			if (e->u.s3.prefix != NULL) {
				rule = mj_obj(c);
				mj_add_lit(c, rule, "Name", "prefix");
				mj_add_str(c, rule, "Value", e->u.s3.prefix);
				jtree_push(rules, rule);
			}
			if (e->u.s3.suffix != NULL) {
				rule = mj_obj(c);
				mj_add_lit(c, rule, "Name", "suffix");
				mj_add_str(c, rule, "Value", e->u.s3.suffix);
				jtree_push(rules, rule);
			}
		}
		jtree_push(configs, cfg);
	}
	jtree_push(cJSON_GetObjectItemCaseSensitive(pending, "DependsOn"),
	    mj_str(c, pid));
	if (r != NULL)
		mj_array_push(c, &r->buckets, mj_lit(c, e->u.s3.bucket));
	free(pid);
}

/* Adds the recorded notifications and dependencies to the raw buckets. */
void
marshal_events_s3_apply(struct mctx *c)
{
	cJSON *pending, *bucket, *props, *nc, *lc, *dep, *it, *arr;
	size_t start;

	if (c->s3_pending == NULL)
		return;
	cJSON_ArrayForEach(pending, c->s3_pending) {
		bucket = cJSON_GetObjectItemCaseSensitive(c->raw_resources,
		    pending->string);
		if (bucket == NULL)
			continue; /* manifest_build checked it; nothing to patch */
		if ((props = cJSON_GetObjectItemCaseSensitive(bucket, "Properties")) == NULL)
			props = mj_add_obj(c, bucket, "Properties");
		if ((nc = cJSON_GetObjectItemCaseSensitive(props,
		    "NotificationConfiguration")) == NULL)
			nc = mj_add_obj(c, props, "NotificationConfiguration");
		if ((lc = cJSON_GetObjectItemCaseSensitive(nc,
		    "LambdaConfigurations")) == NULL)
			lc = mj_add_arr(c, nc, "LambdaConfigurations");
		arr = cJSON_GetObjectItemCaseSensitive(pending, "LambdaConfigurations");
		while (arr->child != NULL)
			jtree_push(lc, cJSON_DetachItemViaPointer(arr, arr->child));

		dep = cJSON_GetObjectItemCaseSensitive(bucket, "DependsOn");
		if (dep != NULL && cJSON_IsString(dep)) {
			it = mj_arr(c);
			jtree_push(it, mj_str(c, dep->valuestring));
			/* the new item takes the member's key */
			jtree_replace(bucket, dep, it);
			dep = it;
		} else if (dep == NULL)
			dep = mj_add_arr(c, bucket, "DependsOn");
		arr = cJSON_GetObjectItemCaseSensitive(pending, "DependsOn");
		start = (size_t)cJSON_GetArraySize(dep);
		while (arr->child != NULL)
			jtree_push(dep, cJSON_DetachItemViaPointer(arr, arr->child));
		mj_array_dedupe(dep, start); /* the manifest's own stay as written */
	}
	c->s3_pending = NULL; /* its nodes are the template's arena's */
}

static void
logs_add(struct mctx *c, const struct manifest_event *e, const char *prefix,
    const char *fid, const char *fname)
{
	char *id = xasprintf("%sFilter", prefix), *pid = xasprintf("%sPermission", prefix);
	cJSON *res, *props;

	permission_add(c, pid, fid, "logs.amazonaws.com",
	    mj_sub_value(c, "arn:${AWS::Partition}:logs:${AWS::Region}:"
	    "${AWS::AccountId}:log-group:${V}:*", e->u.logs.log_group), 1,
	    e->loc, fname);
	res = mres_add(c, id, "AWS::Logs::SubscriptionFilter", e->loc,
	    EVENT_WHAT, fname, &props);
	mj_add(props, "DestinationArn", mj_getatt(c, fid, "Arn"));
	mj_add_str(c, props, "FilterPattern",
	    e->u.logs.filter ? e->u.logs.filter : "");
	mj_add(props, "LogGroupName", mj_node(c, e->u.logs.log_group));
	/* Logs checks that it may invoke the function when the filter is made. */
	mj_add_str(c, res, "DependsOn", pid);
	free(id);
	free(pid);
}

void
marshal_events(struct mctx *c)
{
	size_t fi, i;
	char *prefix, *fid;

	for (fi = 0; fi < c->m->nfunctions; fi++) {
		const struct manifest_function *f = &c->m->functions[fi];
		struct mrole *r = marshal_iam_role_of(c, fi);

		if (f->nevents == 0)
			continue;
		fid = marshal_function_id(f);
		for (i = 0; i < f->nevents; i++) {
			const struct manifest_event *e = &f->events[i];

			prefix = xasprintf("%sEvent%zu", f->id, e->index + 1);
			switch (e->kind) {
			case MANIFEST_EVENT_SCHEDULE:
			case MANIFEST_EVENT_EVENTBRIDGE:
				rule_add(c, e, prefix, fid, f->name);
				break;
			case MANIFEST_EVENT_SQS:
			case MANIFEST_EVENT_KINESIS:
			case MANIFEST_EVENT_DYNAMODB:
				mapping_add(c, r, e, prefix, fid, f->name);
				break;
			case MANIFEST_EVENT_SNS:
				sns_add(c, e, prefix, fid, f->name);
				break;
			case MANIFEST_EVENT_S3:
				if (e->u.s3.existing)
					marshal_s3x_event(c, e, prefix, fid, f->name);
				else
					s3_add(c, r, e, prefix, fid, f->name);
				break;
			case MANIFEST_EVENT_LOGS:
				logs_add(c, e, prefix, fid, f->name);
				break;
			}
			free(prefix);
		}
		free(fid);
	}
}
