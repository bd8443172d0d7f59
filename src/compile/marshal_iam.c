/*
 * marshal_iam.c - execution roles, least privilege.
 *
 * A function without role: gets a role of its own; a function naming a
 * role under roles: shares that role; a role given as an ARN is used as is
 * and gets nothing from us. While the other areas marshal, they record in
 * the role's accumulator (struct mrole) what the function needs: its log
 * group, the queues and streams its event sources read, its dead-letter
 * target, X-Ray, VPC networking. marshal_iam_emit() then writes one inline
 * policy per role with one statement per purpose, each naming exactly the
 * resources recorded.
 *
 * Generated statements never use "*" for an action, and use "*" as a
 * resource only where AWS offers no narrower resource (docs/logical-ids.md,
 * "IAM wildcard exceptions"): the X-Ray writes, the EC2 Describe calls of
 * VPC networking, and the network interfaces Lambda creates in the
 * function's subnets (network-interface/ID with any ID: unknown in advance). The
 * role's declared privileges (those of defaults:, then a shared role's or
 * a function's own privileges: on its generated role) are the user's and are copied as
 * written, under Sids "Declared1", "Declared2", ...; so are its managed
 * policies (ManagedPolicyArns). The service's permissions_boundary goes on
 * every role generated here.
 */
#include <stdlib.h>
#include <string.h>

#include "compile/marshal_int.h"

int
marshal_iam_prepare(struct mctx *c)
{
	const struct manifest *m = c->m;
	size_t i;

	c->roles = xcalloc(m->nroles + 1, sizeof(*c->roles));
	c->fnroles = xcalloc(m->nfunctions + 1, sizeof(*c->fnroles));
	for (i = 0; i < m->nroles; i++) {
		const struct manifest_role *r = &m->roles[i];

		c->roles[i].role = r;
		c->roles[i].loc = r->key_loc;
		if (r->arn != NULL)
			continue;
		c->roles[i].id = mstr(r->id, "Role", NULL);
		mid_claim(c, c->roles[i].id, r->key_loc, "role '%s'", r->name);
	}
	for (i = 0; i < m->nfunctions; i++) {
		const struct manifest_function *f = &m->functions[i];

		if (f->role != NULL)
			continue;
		c->fnroles[i].fn = f;
		c->fnroles[i].loc = f->key_loc;
		c->fnroles[i].id = mstr(f->id, "FunctionRole", NULL);
		mid_claim(c, c->fnroles[i].id, f->key_loc,
		    "the role of function '%s'", f->name);
	}
	return 0;
}

struct mrole *
marshal_iam_role_of(struct mctx *c, size_t fi)
{
	const struct manifest_function *f = &c->m->functions[fi];
	struct mrole *r;

	if (f->role == NULL)
		return &c->fnroles[fi];
	r = &c->roles[f->role - c->m->roles];
	return r->id != NULL ? r : NULL;
}

cJSON *
marshal_iam_role_arn(struct mctx *c, size_t fi)
{
	const struct manifest_function *f = &c->m->functions[fi];
	struct mrole *r = marshal_iam_role_of(c, fi);

	if (r == NULL)
		return mj_str(c, f->role->arn);
	return mj_getatt(c, r->id, "Arn");
}

/* sid and actions are literals (kept, not copied). */
static void
statement_add(struct mctx *c, cJSON *stmts, const char *sid, const char *const *actions,
    size_t nactions, cJSON *resources)
{
	cJSON *s = mj_obj(c);

	mj_add_lit(c, s, "Sid", sid);
	mj_add_lit(c, s, "Effect", "Allow");
	mj_add(s, "Action", mj_strings(c, actions, nactions));
	mj_add(s, "Resource", resources);
	jtree_push(stmts, s);
}

/* Adds a statement over the recorded resources, which it takes. */
static void
statement_take(struct mctx *c, cJSON *stmts, const char *sid, const char *const *actions,
    size_t nactions, cJSON **resources)
{
	if (*resources == NULL)
		return;
	statement_add(c, stmts, sid, actions, nactions, *resources);
	*resources = NULL;
}

static cJSON *
star(struct mctx *c)
{
	cJSON *a = mj_arr(c);

	jtree_push(a, mj_lit(c, "*"));
	return a;
}

/* Does the privilege name a bucket with an s3 event for one of the role's
 * functions? That bucket waits for the function, which waits for the role. */
static int
names_event_bucket(const struct mrole *r, const struct manifest_privilege *p)
{
	const cJSON *b;
	size_t j;

	cJSON_ArrayForEach(b, r->buckets) {
		if (mnode_naming(p->condition, b->valuestring) != NULL)
			return 1;
		for (j = 0; j < p->resources.n; j++)
			if (mnode_naming(p->resources.v[j], b->valuestring) != NULL)
				return 1;
	}
	return 0;
}

/*
 * The declared privileges, copied as written under Sids Declared<N> (N
 * counts on from *seq). A statement naming an s3 event's bucket goes to
 * *late instead: the bucket is created after the function, which waits
 * for its role, so that statement lives in a policy of its own.
 */
static void
declared_add(struct mctx *c, const struct mrole *r, cJSON *stmts,
    cJSON **late, const struct manifest_privilege *privs, size_t n,
    size_t *seq)
{
	size_t i, j;
	char sid[32];
	cJSON *s, *res;

	for (i = 0; i < n; i++) {
		const struct manifest_privilege *p = &privs[i];

		snprintf(sid, sizeof(sid), "Declared%zu", ++*seq);
		res = mj_arr(c);
		for (j = 0; j < p->resources.n; j++)
			jtree_push(res, mj_node(c, p->resources.v[j]));
		s = mj_obj(c);
		mj_add_str(c, s, "Sid", sid);
		mj_add_lit(c, s, "Effect", "Allow");
		mj_add(s, "Action",
		    mj_strings(c, p->actions.v, p->actions.n));
		mj_add(s, "Resource", res);
		if (p->condition != NULL)
			mj_add(s, "Condition", mj_node(c, p->condition));
		if (names_event_bucket(r, p))
			mj_array_push(c, late, s);
		else
			jtree_push(stmts, s);
	}
}

/* The statements that name s3 event buckets: a policy attached to the
 * role, which waits for the buckets while the function does not. */
static void
late_emit(struct mctx *c, struct mrole *r, cJSON *late)
{
	char *id = mstr(r->id, "BucketPolicy", NULL);
	cJSON *props, *doc;

	if (r->fn != NULL)
		mres_add(c, id, "AWS::IAM::Policy", r->loc,
		    "the event-bucket policy of function '%s'", r->fn->name,
		    &props);
	else
		mres_add(c, id, "AWS::IAM::Policy", r->loc,
		    "the event-bucket policy of role '%s'", r->role->name,
		    &props);
	mj_add_lit(c, props, "PolicyName", "spartac-event-buckets");
	doc = mj_add_obj(c, props, "PolicyDocument");
	mj_add_lit(c, doc, "Version", "2012-10-17");
	mj_add(doc, "Statement", late);
	jtree_push(mj_add_arr(c, props, "Roles"),
	    mj_ref_take(c, xstrdup(r->id)));
	free(id);
}

/* The kinds of destination and where r records each. */
static void
destination_push(struct mctx *c, struct mrole *r, const char *svc,
    const char *services, const struct node *n)
{
	struct {
		const char *svc;
		cJSON **to;
	} kinds[] = {
		{"sqs", &r->dest_sqs}, {"sns", &r->dest_sns},
		{"lambda", &r->dest_lambda}, {"events", &r->dest_events},
	};
	size_t k;

	for (k = 0; k < NELEM(kinds); k++)
		if (svc != NULL ? strcmp(svc, kinds[k].svc) == 0 :
		    strstr(services, kinds[k].svc) != NULL)
			mj_array_push(c, kinds[k].to, mj_node(c, n));
}

void
marshal_iam_destination(struct mctx *c, struct mrole *r, const struct node *n,
    const char *services)
{
	const char *svc;

	if (r == NULL || n == NULL)
		return;
	svc = mj_arn_service(c, n);
	if (svc != NULL && strstr(services, svc) == NULL)
		svc = NULL; /* the checks refused a literal; grant what may be */
	destination_push(c, r, svc, services, n);
}

/* What destinations need: send to each recorded ARN, nothing else. */
static void
destinations_emit(struct mctx *c, cJSON *stmts, struct mrole *r)
{
	static const char *const sqs[] = {"sqs:SendMessage"};
	static const char *const sns[] = {"sns:Publish"};
	static const char *const lambda[] = {"lambda:InvokeFunction"};
	static const char *const events[] = {"events:PutEvents"};

	mj_array_dedupe(r->dest_sqs, 0);
	mj_array_dedupe(r->dest_sns, 0);
	mj_array_dedupe(r->dest_lambda, 0);
	mj_array_dedupe(r->dest_events, 0);
	statement_take(c, stmts, "DestinationSqs", sqs, NELEM(sqs), &r->dest_sqs);
	statement_take(c, stmts, "DestinationSns", sns, NELEM(sns), &r->dest_sns);
	statement_take(c, stmts, "DestinationLambda", lambda, NELEM(lambda),
	    &r->dest_lambda);
	statement_take(c, stmts, "DestinationEvents", events, NELEM(events),
	    &r->dest_events);
}

/* The managed policies of defaults: and the role's own, and the service's
 * permissions boundary. */
static void
attachments_add(struct mctx *c, const struct mrole *r, cJSON *props)
{
	const struct manifest_values *mp = r->role != NULL ?
	    &r->role->managed_policies : &r->fn->managed_policies;
	const struct manifest_values *dp = &c->m->default_managed_policies;
	cJSON *a;
	size_t i;

	if (mp->n + dp->n > 0) {
		a = mj_add_arr(c, props, "ManagedPolicyArns");
		for (i = 0; i < dp->n; i++)
			jtree_push(a, mj_node(c, dp->v[i]));
		for (i = 0; i < mp->n; i++)
			jtree_push(a, mj_node(c, mp->v[i]));
		mj_array_dedupe(a, 0);
	}
	if (c->m->permissions_boundary != NULL)
		mj_add(props, "PermissionsBoundary",
		    mj_node(c, c->m->permissions_boundary));
}

/* AssumeRolePolicyDocument: Lambda, and only Lambda, may assume it. */
void
marshal_iam_trust_add(struct mctx *c, cJSON *props)
{
	cJSON *trust, *st, *pr;

	trust = mj_add_obj(c, props, "AssumeRolePolicyDocument");
	mj_add_lit(c, trust, "Version", "2012-10-17");
	st = mj_obj(c);
	mj_add_lit(c, st, "Effect", "Allow");
	pr = mj_add_obj(c, st, "Principal");
	mj_add_lit(c, pr, "Service", "lambda.amazonaws.com");
	mj_add_lit(c, st, "Action", "sts:AssumeRole");
	jtree_push(mj_add_arr(c, trust, "Statement"), st);
}

/* The role's inline policy "spartac" with the statements stmts. */
void
marshal_iam_policy_add(struct mctx *c, cJSON *props, cJSON *stmts)
{
	cJSON *pol, *doc;

	pol = mj_obj(c);
	mj_add_lit(c, pol, "PolicyName", "spartac");
	doc = mj_add_obj(c, pol, "PolicyDocument");
	mj_add_lit(c, doc, "Version", "2012-10-17");
	mj_add(doc, "Statement", stmts);
	jtree_push(mj_add_arr(c, props, "Policies"), pol);
}

static void
role_emit(struct mctx *c, struct mrole *r)
{
	static const char *const logs[] = {"logs:CreateLogStream", "logs:PutLogEvents"};
	static const char *const discovery[] = {
		"cloudformation:DescribeStackResource", "cloudformation:DescribeStacks",
	};
	static const char *const xray[] = {
		"xray:PutTelemetryRecords", "xray:PutTraceSegments",
	};
	static const char *const vpc_describe[] = {
		"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
	};
	static const char *const vpc_eni[] = {
		"ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface",
		"ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses",
	};
	static const char *const sqs[] = {
		"sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage",
	};
	static const char *const kinesis[] = {
		"kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
		"kinesis:GetRecords", "kinesis:GetShardIterator",
		"kinesis:ListShards", "kinesis:SubscribeToShard",
	};
	static const char *const dynamodb[] = {
		"dynamodb:DescribeStream", "dynamodb:GetRecords",
		"dynamodb:GetShardIterator",
	};
	static const char *const dlq_sqs[] = {"sqs:SendMessage"};
	static const char *const dlq_sns[] = {"sns:Publish"};
	cJSON *props, *pr, *stmts, *eni, *late = NULL;
	char *desc;
	size_t seq;

	mres_put(c, r->id, "AWS::IAM::Role", &props); /* claimed in prepare */
	marshal_iam_trust_add(c, props);
	if (r->fn != NULL)
		desc = mstr("Execution role of function ", r->fn->name,
		    " (spartac)", NULL);
	else
		desc = xasprintf("Execution role %s, shared by %zu function%s "
		    "(spartac)", r->role->name, r->nfunctions,
		    r->nfunctions == 1 ? "" : "s");
	mj_add_str(c, props, "Description", desc);
	free(desc);
	attachments_add(c, r, props);

	stmts = mj_arr(c);
	statement_take(c, stmts, "Logs", logs, NELEM(logs), &r->logs);
	if (r->nfunctions > 0) {
		/* Runtime discovery: this stack only, by its exact ARN. */
		pr = mj_arr(c);
		jtree_push(pr, mj_ref(c, "AWS::StackId"));
		statement_add(c, stmts, "Discovery", discovery, NELEM(discovery), pr);
	}
	if (r->xray)
		statement_add(c, stmts, "XRay", xray, NELEM(xray), star(c));
	if (r->vpc) {
		statement_add(c, stmts, "VpcDescribe", vpc_describe,
		    NELEM(vpc_describe), star(c));
		eni = mj_arr(c);
		jtree_push(eni, mj_sub(c, "arn:${AWS::Partition}:ec2:"
		    "${AWS::Region}:${AWS::AccountId}:network-interface/*"));
		if (r->eni != NULL) {
			mj_array_dedupe(r->eni, 0);
			while (r->eni->child != NULL)
				jtree_push(eni,
				    cJSON_DetachItemViaPointer(r->eni, r->eni->child));
			r->eni = NULL;
		}
		statement_add(c, stmts, "VpcNetworkInterfaces", vpc_eni,
		    NELEM(vpc_eni), eni);
	}
	mj_array_dedupe(r->sqs, 0);
	mj_array_dedupe(r->kinesis, 0);
	mj_array_dedupe(r->dynamodb, 0);
	mj_array_dedupe(r->dlq_sqs, 0);
	mj_array_dedupe(r->dlq_sns, 0);
	mj_array_dedupe(r->buckets, 0); /* read by declared_add */
	statement_take(c, stmts, "SqsRead", sqs, NELEM(sqs), &r->sqs);
	statement_take(c, stmts, "KinesisRead", kinesis, NELEM(kinesis), &r->kinesis);
	statement_take(c, stmts, "DynamoDbStreamRead", dynamodb, NELEM(dynamodb),
	    &r->dynamodb);
	statement_take(c, stmts, "DeadLetterSqs", dlq_sqs, NELEM(dlq_sqs), &r->dlq_sqs);
	statement_take(c, stmts, "DeadLetterSns", dlq_sns, NELEM(dlq_sns), &r->dlq_sns);
	destinations_emit(c, stmts, r);
	seq = 0;
	declared_add(c, r, stmts, &late, c->m->default_privileges,
	    c->m->ndefault_privileges, &seq);
	if (r->role != NULL)
		declared_add(c, r, stmts, &late, r->role->privileges,
		    r->role->nprivileges, &seq);
	else
		declared_add(c, r, stmts, &late, r->fn->privileges,
		    r->fn->nprivileges, &seq);
	if (late != NULL)
		late_emit(c, r, late);
	if (stmts->child == NULL)
		return;
	marshal_iam_policy_add(c, props, stmts);
}

void
marshal_iam_emit(struct mctx *c)
{
	size_t i;

	for (i = 0; i < c->m->nroles; i++)
		if (c->roles[i].id != NULL)
			role_emit(c, &c->roles[i]);
	for (i = 0; i < c->m->nfunctions; i++)
		if (c->fnroles[i].id != NULL)
			role_emit(c, &c->fnroles[i]);
}

static void
mrole_free(struct mrole *r)
{
	/* the accumulated arrays are the template's arena's */
	free(r->id);
}

void
marshal_iam_free(struct mctx *c)
{
	size_t i;

	for (i = 0; c->roles && i < c->m->nroles; i++)
		mrole_free(&c->roles[i]);
	for (i = 0; c->fnroles && i < c->m->nfunctions; i++)
		mrole_free(&c->fnroles[i]);
	free(c->roles);
	free(c->fnroles);
}
