/*
 * marshal_lambda.c - one AWS::Lambda::Function and one AWS::Logs::LogGroup
 * per function.
 *
 * The log group is explicit, named /aws/lambda/STACK/NAME and given to the
 * function through LoggingConfig, so its retention is ours and the role
 * needs neither logs:CreateLogGroup nor a wildcard over log groups: the
 * role names the group by its ARN. (Naming the group after a generated
 * function name would need FunctionName, which has a 64-character limit
 * that a long stack name breaks at deploy time.)
 *
 * Discovery: every function's environment carries SPARTA_STACK_NAME,
 * SPARTA_REGION and, for each depends_on entry, SPARTA_REF_<name> holding
 * that function's or resource's Ref. The Ref is also what orders creation,
 * so no DependsOn is written (cfn-lint calls a redundant one obsolete).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compile/marshal_int.h"

static void
environment_add(struct mctx *c, const struct manifest_function *f, cJSON *props)
{
	cJSON *vars = mj_obj(c), *env, *v;
	size_t i;
	char *name, *p, *id;

	mj_add(vars, "SPARTA_STACK_NAME", mj_ref(c, "AWS::StackName"));
	mj_add(vars, "SPARTA_REGION", mj_ref(c, "AWS::Region"));
	for (i = 0; i < f->ndepends_on; i++) {
		const struct manifest_ref *r = &f->depends_on[i];

		name = xasprintf("SPARTA_REF_%s", r->name);
		for (p = name; *p; p++)
			if (!isalnum((unsigned char)*p))
				*p = '_';
		if (r->function != NULL) {
			id = marshal_function_id(r->function);
			v = mj_ref_take(c, id);
		} else
			v = mj_ref(c, r->name);
		if (cJSON_GetObjectItemCaseSensitive(vars, name) == NULL)
			jtree_add(c->a, vars, name, v);
		free(name);
	}
	marshal_api_cors_env(c, f, vars);
	for (i = 0; i < f->environment.n; i++)
		jtree_add(c->a, vars, f->environment.v[i].key,
		    mj_env_value(c, f->environment.v[i].value));
	env = mj_add_obj(c, props, "Environment");
	mj_add(env, "Variables", vars);
}

static cJSON *
values_array(struct mctx *c, const struct manifest_values *vals)
{
	cJSON *a = mj_arr(c);
	size_t i;

	for (i = 0; i < vals->n; i++)
		jtree_push(a, mj_node(c, vals->v[i]));
	return a;
}

/* async: one AWS::Lambda::EventInvokeConfig on $LATEST; the role may send
 * to its destinations. */
static void
async_add(struct mctx *c, const struct manifest_function *f, struct mrole *r,
    const char *fid)
{
	char *id = mstr(f->id, "EventInvokeConfig", NULL);
	cJSON *props, *dc;

	mres_add(c, id, "AWS::Lambda::EventInvokeConfig", f->async.node->loc,
	    "the asynchronous invocation settings of function '%s'", f->name,
	    &props);
	mj_add(props, "FunctionName", mj_ref_take(c, xstrdup(fid)));
	mj_add_lit(c, props, "Qualifier", "$LATEST");
	if (f->async.retries != MANIFEST_UNSET)
		mj_add_num(c, props, "MaximumRetryAttempts", (double)f->async.retries);
	if (f->async.max_event_age != MANIFEST_UNSET)
		mj_add_num(c, props, "MaximumEventAgeInSeconds",
		    (double)f->async.max_event_age);
	if (f->async.on_success != NULL || f->async.on_failure != NULL) {
		dc = mj_add_obj(c, props, "DestinationConfig");
		if (f->async.on_failure != NULL)
			mj_add(mj_add_obj(c, dc, "OnFailure"),
			    "Destination", mj_node(c, f->async.on_failure));
		if (f->async.on_success != NULL)
			mj_add(mj_add_obj(c, dc, "OnSuccess"),
			    "Destination", mj_node(c, f->async.on_success));
	}
	marshal_iam_destination(c, r, f->async.on_success,
	    "sqs sns lambda events");
	marshal_iam_destination(c, r, f->async.on_failure,
	    "sqs sns lambda events");
	free(id);
}

void
marshal_lambda_code_add(struct mctx *c, cJSON *props, const char *handler)
{
	cJSON *o;

	mj_add_lit(c, props, "Runtime", "provided.al2023");
	mj_add_lit(c, props, "Handler", handler);
	o = mj_add_arr(c, props, "Architectures");
	jtree_push(o, mj_lit(c,
	    c->m->build.arch == MANIFEST_ARCH_ARM64 ? "arm64" : "x86_64"));
	o = mj_add_obj(c, props, "Code");
	mj_add(o, "S3Bucket", mj_ref(c, MARSHAL_PARAM_BUCKET));
	mj_add(o, "S3Key", mj_ref(c, MARSHAL_PARAM_CODE_KEY));
}

static void
function_marshal(struct mctx *c, size_t fi)
{
	const struct manifest_function *f = &c->m->functions[fi];
	struct mrole *r = marshal_iam_role_of(c, fi);
	char *fid = marshal_function_id(f), *lid = marshal_log_group_id(f);
	cJSON *props, *o, *tags;
	size_t i;

	mres_add(c, lid, "AWS::Logs::LogGroup", f->key_loc,
	    "the log group of function '%s'", f->name, &props);
	mj_add(props, "LogGroupName",
	    mj_subs(c, "/aws/lambda/${AWS::StackName}/", f->name, NULL));
	mj_add_num(c, props, "RetentionInDays", (double)f->log_retention);

	mres_add(c, fid, "AWS::Lambda::Function", f->key_loc, "function '%s'",
	    f->name, &props);
	if (f->description != NULL)
		mj_add_lit(c, props, "Description", f->description);
	if (f->physical_name != NULL)
		mj_add(props, "FunctionName", mj_node(c, f->physical_name));
	marshal_lambda_code_add(c, props, f->name);
	mj_add(props, "Role", marshal_iam_role_arn(c, fi));
	mj_add_num(c, props, "MemorySize", (double)f->memory);
	mj_add_num(c, props, "Timeout", (double)f->timeout);
	o = mj_add_obj(c, props, "EphemeralStorage");
	mj_add_num(c, o, "Size", (double)f->ephemeral_storage);
	environment_add(c, f, props);
	o = mj_add_obj(c, props, "LoggingConfig");
	mj_add(o, "LogGroup", mj_ref_take(c, xstrdup(lid)));
	if (f->tracing == MANIFEST_TRACING_ACTIVE) {
		o = mj_add_obj(c, props, "TracingConfig");
		mj_add_lit(c, o, "Mode", "Active");
	}
	if (f->reserved_concurrency >= 0)
		mj_add_num(c, props, "ReservedConcurrentExecutions",
		    (double)f->reserved_concurrency);
	if (f->layers.n > 0)
		mj_add(props, "Layers", values_array(c, &f->layers));
	if (f->has_vpc) {
		o = mj_add_obj(c, props, "VpcConfig");
		mj_add(o, "SecurityGroupIds",
		    values_array(c, &f->security_groups));
		mj_add(o, "SubnetIds", values_array(c, &f->subnets));
	}
	if (f->dead_letter != NULL) {
		o = mj_add_obj(c, props, "DeadLetterConfig");
		mj_add(o, "TargetArn", mj_node(c, f->dead_letter));
	}
	if ((tags = mj_tags(c, &f->tags)) != NULL)
		mj_add(props, "Tags", tags);

	if (r != NULL) {
		const char *svc;

		r->nfunctions++;
		/* One log group per function: nothing to deduplicate, and a
		 * role shared by thousands must not cost a quadratic search. */
		if (r->logs == NULL)
			r->logs = mj_arr(c);
		jtree_push(r->logs, mj_getatt(c, lid, "Arn"));
		if (f->tracing == MANIFEST_TRACING_ACTIVE)
			r->xray = 1;
		if (f->has_vpc) {
			r->vpc = 1;
			for (i = 0; i < f->subnets.n; i++)
				mj_array_push(c, &r->eni, mj_sub_value(c, "arn:${AWS::Partition}"
				    ":ec2:${AWS::Region}:${AWS::AccountId}:subnet/${V}",
				    f->subnets.v[i]));
			for (i = 0; i < f->security_groups.n; i++)
				mj_array_push(c, &r->eni, mj_sub_value(c, "arn:${AWS::Partition}"
				    ":ec2:${AWS::Region}:${AWS::AccountId}:security-group/${V}",
				    f->security_groups.v[i]));
		}
		if (f->dead_letter != NULL) {
			svc = mj_arn_service(c, f->dead_letter);
			/* An ARN whose service cannot be told gets both grants,
			 * each still limited to that one ARN. */
			if (svc == NULL || strcmp(svc, "sqs") == 0)
				mj_array_push(c, &r->dlq_sqs, mj_node(c, f->dead_letter));
			if (svc == NULL || strcmp(svc, "sns") == 0)
				mj_array_push(c, &r->dlq_sns, mj_node(c, f->dead_letter));
		}
	}
	if (f->async.node != NULL)
		async_add(c, f, r, fid);
	free(fid);
	free(lid);
}

void
marshal_lambda(struct mctx *c)
{
	size_t i;

	for (i = 0; i < c->m->nfunctions; i++)
		function_marshal(c, i);
}

int
marshal_custom_served(const struct mctx *c, const char *type)
{
	const struct manifest_function *f;

	if (!str_has_prefix(type, "Custom::"))
		return 0;
	f = manifest_function_find(c->m, type + strlen("Custom::"));
	return f != NULL && f->custom_resource;
}

/*
 * Each resource of type Custom::NAME under resources: gets ServiceToken:
 * !GetAtt of the function custom_resources.NAME, unless it names its own
 * (another provider). One without either is reported by the type check.
 */
void
marshal_custom_apply(struct mctx *c)
{
	const struct node *res = c->m->resources, *type;
	cJSON *raw, *props;
	char *fid;
	size_t i;

	for (i = 0; res != NULL && i < res->n; i++) {
		type = node_get(res->pairs[i].value, "Type");
		if (type == NULL || type->kind != NODE_STRING ||
		    !marshal_custom_served(c, type->str))
			continue;
		raw = cJSON_GetObjectItemCaseSensitive(c->raw_resources,
		    res->pairs[i].key->str);
		if (raw == NULL || !cJSON_IsObject(raw))
			continue;
		if ((props = cJSON_GetObjectItemCaseSensitive(raw,
		    "Properties")) == NULL)
			props = mj_add_obj(c, raw, "Properties");
		if (!cJSON_IsObject(props) ||
		    cJSON_GetObjectItemCaseSensitive(props, "ServiceToken") != NULL)
			continue;
		fid = marshal_function_id(manifest_function_find(c->m,
		    type->str + strlen("Custom::")));
		jtree_add(c->a, props, "ServiceToken", mj_getatt(c, fid, "Arn"));
		free(fid);
	}
}
