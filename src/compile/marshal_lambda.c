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
environment_add(const struct manifest_function *f, cJSON *props)
{
	cJSON *vars = cJSON_CreateObject(), *env, *v;
	size_t i;
	char *name, *p, *id;

	cJSON_AddItemToObjectCS(vars, "SPARTA_STACK_NAME", mj_ref("AWS::StackName"));
	cJSON_AddItemToObjectCS(vars, "SPARTA_REGION", mj_ref("AWS::Region"));
	for (i = 0; i < f->ndepends_on; i++) {
		const struct manifest_ref *r = &f->depends_on[i];

		name = xasprintf("SPARTA_REF_%s", r->name);
		for (p = name; *p; p++)
			if (!isalnum((unsigned char)*p))
				*p = '_';
		if (r->function != NULL) {
			id = marshal_function_id(r->function);
			v = mj_ref_take(id);
		} else
			v = mj_ref(r->name);
		if (cJSON_GetObjectItemCaseSensitive(vars, name) == NULL)
			cJSON_AddItemToObject(vars, name, v);
		else
			cJSON_Delete(v);
		free(name);
	}
	for (i = 0; i < f->environment.n; i++)
		cJSON_AddItemToObject(vars, f->environment.v[i].key,
		    mj_env_value(f->environment.v[i].value));
	env = mj_add_obj(props, "Environment");
	cJSON_AddItemToObjectCS(env, "Variables", vars);
}

static cJSON *
values_array(const struct manifest_values *vals)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < vals->n; i++)
		cJSON_AddItemToArray(a, mj_node(vals->v[i]));
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
	cJSON_AddItemToObjectCS(props, "FunctionName", mj_ref_take(xstrdup(fid)));
	mj_add_lit(props, "Qualifier", "$LATEST");
	if (f->async.retries != MANIFEST_UNSET)
		mj_add_num(props, "MaximumRetryAttempts", (double)f->async.retries);
	if (f->async.max_event_age != MANIFEST_UNSET)
		mj_add_num(props, "MaximumEventAgeInSeconds",
		    (double)f->async.max_event_age);
	if (f->async.on_success != NULL || f->async.on_failure != NULL) {
		dc = mj_add_obj(props, "DestinationConfig");
		if (f->async.on_failure != NULL)
			cJSON_AddItemToObjectCS(mj_add_obj(dc, "OnFailure"),
			    "Destination", mj_node(f->async.on_failure));
		if (f->async.on_success != NULL)
			cJSON_AddItemToObjectCS(mj_add_obj(dc, "OnSuccess"),
			    "Destination", mj_node(f->async.on_success));
	}
	marshal_iam_destination(c, r, f->async.on_success,
	    "sqs sns lambda events");
	marshal_iam_destination(c, r, f->async.on_failure,
	    "sqs sns lambda events");
	free(id);
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
	cJSON_AddItemToObjectCS(props, "LogGroupName",
	    mj_subs("/aws/lambda/${AWS::StackName}/", f->name, NULL));
	mj_add_num(props, "RetentionInDays", (double)f->log_retention);

	mres_add(c, fid, "AWS::Lambda::Function", f->key_loc, "function '%s'",
	    f->name, &props);
	if (f->description != NULL)
		mj_add_lit(props, "Description", f->description);
	if (f->physical_name != NULL)
		cJSON_AddItemToObjectCS(props, "FunctionName",
		    mj_node(f->physical_name));
	mj_add_lit(props, "Runtime", "provided.al2023");
	mj_add_lit(props, "Handler", f->name);
	o = mj_add_arr(props, "Architectures");
	cJSON_AddItemToArray(o, mj_lit(
	    c->m->build.arch == MANIFEST_ARCH_ARM64 ? "arm64" : "x86_64"));
	o = mj_add_obj(props, "Code");
	cJSON_AddItemToObjectCS(o, "S3Bucket", mj_ref(MARSHAL_PARAM_BUCKET));
	cJSON_AddItemToObjectCS(o, "S3Key", mj_ref(MARSHAL_PARAM_CODE_KEY));
	cJSON_AddItemToObjectCS(props, "Role", marshal_iam_role_arn(c, fi));
	mj_add_num(props, "MemorySize", (double)f->memory);
	mj_add_num(props, "Timeout", (double)f->timeout);
	o = mj_add_obj(props, "EphemeralStorage");
	mj_add_num(o, "Size", (double)f->ephemeral_storage);
	environment_add(f, props);
	o = mj_add_obj(props, "LoggingConfig");
	cJSON_AddItemToObjectCS(o, "LogGroup", mj_ref_take(xstrdup(lid)));
	if (f->tracing == MANIFEST_TRACING_ACTIVE) {
		o = mj_add_obj(props, "TracingConfig");
		mj_add_lit(o, "Mode", "Active");
	}
	if (f->reserved_concurrency >= 0)
		mj_add_num(props, "ReservedConcurrentExecutions",
		    (double)f->reserved_concurrency);
	if (f->layers.n > 0)
		cJSON_AddItemToObjectCS(props, "Layers", values_array(&f->layers));
	if (f->has_vpc) {
		o = mj_add_obj(props, "VpcConfig");
		cJSON_AddItemToObjectCS(o, "SecurityGroupIds",
		    values_array(&f->security_groups));
		cJSON_AddItemToObjectCS(o, "SubnetIds", values_array(&f->subnets));
	}
	if (f->dead_letter != NULL) {
		o = mj_add_obj(props, "DeadLetterConfig");
		cJSON_AddItemToObjectCS(o, "TargetArn", mj_node(f->dead_letter));
	}
	if ((tags = mj_tags(&f->tags)) != NULL)
		cJSON_AddItemToObjectCS(props, "Tags", tags);

	if (r != NULL) {
		const char *svc;

		r->nfunctions++;
		/* One log group per function: nothing to deduplicate, and a
		 * role shared by thousands must not cost a quadratic search. */
		if (r->logs == NULL)
			r->logs = cJSON_CreateArray();
		cJSON_AddItemToArray(r->logs, mj_getatt(lid, "Arn"));
		if (f->tracing == MANIFEST_TRACING_ACTIVE)
			r->xray = 1;
		if (f->has_vpc) {
			r->vpc = 1;
			for (i = 0; i < f->subnets.n; i++)
				mj_array_push(&r->eni, mj_sub_value("arn:${AWS::Partition}"
				    ":ec2:${AWS::Region}:${AWS::AccountId}:subnet/${V}",
				    f->subnets.v[i]));
			for (i = 0; i < f->security_groups.n; i++)
				mj_array_push(&r->eni, mj_sub_value("arn:${AWS::Partition}"
				    ":ec2:${AWS::Region}:${AWS::AccountId}:security-group/${V}",
				    f->security_groups.v[i]));
		}
		if (f->dead_letter != NULL) {
			svc = mj_arn_service(c, f->dead_letter);
			/* An ARN whose service cannot be told gets both grants,
			 * each still limited to that one ARN. */
			if (svc == NULL || strcmp(svc, "sqs") == 0)
				mj_array_push(&r->dlq_sqs, mj_node(f->dead_letter));
			if (svc == NULL || strcmp(svc, "sns") == 0)
				mj_array_push(&r->dlq_sns, mj_node(f->dead_letter));
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
