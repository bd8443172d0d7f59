/*
 * cfn.c - CloudFormation calls over the Query protocol.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/cfn.h"
#include "aws/internal.h"
#include "base/util.h"

#define CFN_MAX_PAGES 1000

static void
add_indexed(struct aws_query *q, const char *prefix, size_t i,
    const char *field, const char *value)
{
	char key[128];

	if (field)
		snprintf(key, sizeof key, "%s.member.%zu.%s", prefix, i + 1, field);
	else
		snprintf(key, sizeof key, "%s.member.%zu", prefix, i + 1);
	aws_query_add(q, key, value);
}

static int
simple_call(struct aws *aws, struct aws_query *q, struct aws_error *err)
{
	struct xml_node *x;

	if (aws_query_send(aws, q, &x, err) != 0)
		return -1;
	xml_free(x);
	return 0;
}

/* Reads one page of a paged Query call: RESULT is its <ActionResult> node,
 * PAGE counts from 0. Returns nonzero to stop paging. */
typedef int cfn_page_fn(const struct xml_node *result, int page, void *arg);

/* Calls ACTION with the name/value pairs of PARAMS (NULL-terminated; a NULL
 * value is left out) and NextToken, page after page, until there is no next
 * token, FN asks to stop, or MAX_PAGES pages were read. Returns 0, or -1 with
 * err set when a call fails (what FN gathered is the caller's to free). */
static int
cfn_paged(struct aws *aws, const char *action, const char *const *params,
    int max_pages, cfn_page_fn *fn, void *arg, struct aws_error *err)
{
	char result[64];
	char *next = NULL;
	int page, stop = 0;
	size_t i;

	snprintf(result, sizeof result, "%sResult", action);
	for (page = 0; page < max_pages && !stop; page++) {
		struct aws_query q;
		struct xml_node *x;
		const struct xml_node *r;

		aws_query_init(&q, "cloudformation", action);
		for (i = 0; params[i] != NULL; i += 2)
			aws_query_add(&q, params[i], params[i + 1]);
		aws_query_add(&q, "NextToken", next);
		if (aws_query_send(aws, &q, &x, err) != 0) {
			free(next);
			return -1;
		}
		r = xml_find(x, result);
		stop = fn(r, page, arg);
		free(next);
		next = xml_dup(r, "NextToken");
		xml_free(x);
		if (next == NULL || *next == '\0')
			break;
	}
	free(next);
	return 0;
}

static void
kv_list(const struct xml_node *list, const char *kname, const char *vname,
    struct cfn_kv **out, size_t *n)
{
	const struct xml_node *m;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	for (m = xml_first(list, "member"); m; m = xml_next(m)) {
		*out = xgrow(*out, &cap, *n + 1, sizeof **out);
		(*out)[*n].key = xml_dup(m, kname);
		(*out)[*n].value = xml_dup(m, vname);
		(*n)++;
	}
}

static struct cfn_stack *
stack_from_xml(const struct xml_node *m)
{
	struct cfn_stack *s = xcalloc(1, sizeof *s);
	const struct xml_node *o;
	const char *tp;
	size_t cap = 0;

	s->id = xml_dup(m, "StackId");
	s->name = xml_dup(m, "StackName");
	s->status = xml_dup(m, "StackStatus");
	s->status_reason = xml_dup(m, "StackStatusReason");
	s->description = xml_dup(m, "Description");
	s->change_set_id = xml_dup(m, "ChangeSetId");
	s->role_arn = xml_dup(m, "RoleARN");
	s->created = aws_time_parse(xml_get(m, "CreationTime"));
	s->updated = aws_time_parse(xml_get(m, "LastUpdatedTime"));
	tp = xml_get(m, "EnableTerminationProtection");
	s->termination_protection = tp && strcmp(tp, "true") == 0;
	for (o = xml_first(xml_find(m, "Outputs"), "member"); o; o = xml_next(o)) {
		struct cfn_output *out;
		s->outputs = xgrow(s->outputs, &cap, s->noutputs + 1, sizeof *s->outputs);
		out = &s->outputs[s->noutputs++];
		out->key = xml_dup(o, "OutputKey");
		out->value = xml_dup(o, "OutputValue");
		out->description = xml_dup(o, "Description");
		out->export_name = xml_dup(o, "ExportName");
	}
	kv_list(xml_find(m, "Parameters"), "ParameterKey", "ParameterValue",
	    &s->params, &s->nparams);
	kv_list(xml_find(m, "Tags"), "Key", "Value", &s->tags, &s->ntags);
	return s;
}

static int
is_stack_missing(const struct aws_error *err)
{
	return strcmp(err->code, "ValidationError") == 0 &&
	    strstr(err->message, "does not exist") != NULL;
}

int
cfn_describe_stacks(struct aws *aws, const char *name, struct cfn_stack **out,
    struct aws_error *err)
{
	struct aws_query q;
	struct xml_node *x;
	const struct xml_node *m;

	*out = NULL;
	aws_query_init(&q, "cloudformation", "DescribeStacks");
	aws_query_add(&q, "StackName", name);
	if (aws_query_send(aws, &q, &x, err) != 0)
		return is_stack_missing(err) ? 0 : -1;
	m = xml_first(xml_find(x, "DescribeStacksResult/Stacks"), "member");
	if (m != NULL)
		*out = stack_from_xml(m);
	xml_free(x);
	return 0;
}

static void
kv_free(struct cfn_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void
cfn_stack_free(struct cfn_stack *s)
{
	size_t i;

	if (s == NULL)
		return;
	free(s->id);
	free(s->name);
	free(s->status);
	free(s->status_reason);
	free(s->description);
	free(s->change_set_id);
	free(s->role_arn);
	for (i = 0; i < s->noutputs; i++) {
		free(s->outputs[i].key);
		free(s->outputs[i].value);
		free(s->outputs[i].description);
		free(s->outputs[i].export_name);
	}
	free(s->outputs);
	kv_free(s->params, s->nparams);
	kv_free(s->tags, s->ntags);
	free(s);
}

int
cfn_create_change_set(struct aws *aws, const struct cfn_change_set_input *in,
    char **id, char **stack_id, struct aws_error *err)
{
	struct aws_query q;
	struct xml_node *x;
	const struct xml_node *r;
	size_t i;

	aws_query_init(&q, "cloudformation", "CreateChangeSet");
	aws_query_add(&q, "StackName", in->stack_name);
	aws_query_add(&q, "ChangeSetName", in->change_set_name);
	aws_query_add(&q, "ChangeSetType", in->change_set_type);
	aws_query_add(&q, "TemplateBody", in->template_body);
	aws_query_add(&q, "TemplateURL", in->template_url);
	aws_query_add(&q, "Description", in->description);
	aws_query_add(&q, "ClientToken", in->client_token);
	aws_query_add(&q, "RoleARN", in->role_arn);
	for (i = 0; i < in->nparams; i++) {
		add_indexed(&q, "Parameters", i, "ParameterKey", in->params[i].key);
		add_indexed(&q, "Parameters", i, "ParameterValue", in->params[i].value);
	}
	for (i = 0; i < in->ntags; i++) {
		add_indexed(&q, "Tags", i, "Key", in->tags[i].key);
		add_indexed(&q, "Tags", i, "Value", in->tags[i].value);
	}
	for (i = 0; i < in->ncapabilities; i++)
		add_indexed(&q, "Capabilities", i, NULL, in->capabilities[i]);
	if (in->include_nested)
		aws_query_add(&q, "IncludeNestedStacks", "true");
	if (aws_query_send(aws, &q, &x, err) != 0)
		return -1;
	r = xml_find(x, "CreateChangeSetResult");
	if (id)
		*id = xml_dup(r, "Id");
	if (stack_id)
		*stack_id = xml_dup(r, "StackId");
	xml_free(x);
	return 0;
}

struct change_set_walk {
	struct cfn_change_set *cs;
	size_t cap;
};

static int
change_set_page(const struct xml_node *r, int page, void *arg)
{
	struct change_set_walk *w = arg;
	struct cfn_change_set *cs = w->cs;
	const struct xml_node *m;

	if (page == 0) {
		cs->id = xml_dup(r, "ChangeSetId");
		cs->name = xml_dup(r, "ChangeSetName");
		cs->stack_id = xml_dup(r, "StackId");
		cs->status = xml_dup(r, "Status");
		cs->status_reason = xml_dup(r, "StatusReason");
		cs->execution_status = xml_dup(r, "ExecutionStatus");
	}
	for (m = xml_first(xml_find(r, "Changes"), "member"); m; m = xml_next(m)) {
		const struct xml_node *rc = xml_find(m, "ResourceChange");
		struct cfn_change *c;

		cs->changes = xgrow(cs->changes, &w->cap, cs->nchanges + 1,
		    sizeof *cs->changes);
		c = &cs->changes[cs->nchanges++];
		c->action = xml_dup(rc, "Action");
		c->logical_id = xml_dup(rc, "LogicalResourceId");
		c->physical_id = xml_dup(rc, "PhysicalResourceId");
		c->resource_type = xml_dup(rc, "ResourceType");
		c->replacement = xml_dup(rc, "Replacement");
		c->change_set_id = xml_dup(rc, "ChangeSetId");
		c->nested = NULL;
	}
	return 0;
}

int
cfn_describe_change_set(struct aws *aws, const char *stack, const char *name,
    struct cfn_change_set **out, struct aws_error *err)
{
	const char *params[] = { "StackName", stack, "ChangeSetName", name, NULL };
	struct cfn_change_set *cs = xcalloc(1, sizeof *cs);
	struct change_set_walk w = { cs, 0 };

	*out = NULL;
	if (cfn_paged(aws, "DescribeChangeSet", params, CFN_MAX_PAGES,
	    change_set_page, &w, err) != 0) {
		cfn_change_set_free(cs);
		return -1;
	}
	*out = cs;
	return 0;
}

void
cfn_change_set_free(struct cfn_change_set *cs)
{
	size_t i;

	if (cs == NULL)
		return;
	for (i = 0; i < cs->nchanges; i++) {
		free(cs->changes[i].action);
		free(cs->changes[i].logical_id);
		free(cs->changes[i].physical_id);
		free(cs->changes[i].resource_type);
		free(cs->changes[i].replacement);
		free(cs->changes[i].change_set_id);
		free(cs->changes[i].nested);
	}
	free(cs->changes);
	free(cs->id);
	free(cs->name);
	free(cs->stack_id);
	free(cs->status);
	free(cs->status_reason);
	free(cs->execution_status);
	free(cs);
}

int
cfn_execute_change_set(struct aws *aws, const char *stack, const char *name,
    const char *client_token, struct aws_error *err)
{
	struct aws_query q;

	aws_query_init(&q, "cloudformation", "ExecuteChangeSet");
	aws_query_add(&q, "StackName", stack);
	aws_query_add(&q, "ChangeSetName", name);
	aws_query_add(&q, "ClientRequestToken", client_token);
	return simple_call(aws, &q, err);
}

int
cfn_delete_change_set(struct aws *aws, const char *stack, const char *name,
    struct aws_error *err)
{
	struct aws_query q;

	aws_query_init(&q, "cloudformation", "DeleteChangeSet");
	aws_query_add(&q, "StackName", stack);
	aws_query_add(&q, "ChangeSetName", name);
	return simple_call(aws, &q, err);
}

static void
event_from_xml(struct cfn_event *e, const struct xml_node *m)
{
	e->id = xml_dup(m, "EventId");
	e->stack_name = xml_dup(m, "StackName");
	e->logical_id = xml_dup(m, "LogicalResourceId");
	e->physical_id = xml_dup(m, "PhysicalResourceId");
	e->resource_type = xml_dup(m, "ResourceType");
	e->status = xml_dup(m, "ResourceStatus");
	e->status_reason = xml_dup(m, "ResourceStatusReason");
	e->client_token = xml_dup(m, "ClientRequestToken");
	e->timestamp = aws_time_parse(xml_get(m, "Timestamp"));
}

struct events_walk {
	struct cfn_events *out;
	const char *since_id;
};

static int
events_page(const struct xml_node *r, int page, void *arg)
{
	struct events_walk *w = arg;
	struct cfn_events *out = w->out;
	const struct xml_node *m;

	(void)page;
	for (m = xml_first(xml_find(r, "StackEvents"), "member"); m;
	    m = xml_next(m)) {
		const char *eid = xml_get(m, "EventId");

		if (w->since_id && eid && strcmp(eid, w->since_id) == 0)
			return 1;
		out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof *out->v);
		event_from_xml(&out->v[out->n++], m);
	}
	return 0;
}

int
cfn_describe_stack_events(struct aws *aws, const char *stack,
    const char *since_id, int max_pages, struct cfn_events *out,
    struct aws_error *err)
{
	const char *params[] = { "StackName", stack, NULL };
	struct events_walk w = { out, since_id };

	memset(out, 0, sizeof *out);
	if (max_pages <= 0 || max_pages > CFN_MAX_PAGES)
		max_pages = CFN_MAX_PAGES;
	if (cfn_paged(aws, "DescribeStackEvents", params, max_pages,
	    events_page, &w, err) != 0) {
		cfn_events_free(out);
		return -1;
	}
	return 0;
}

void
cfn_events_free(struct cfn_events *ev)
{
	size_t i;

	for (i = 0; i < ev->n; i++) {
		struct cfn_event *e = &ev->v[i];
		free(e->id);
		free(e->stack_name);
		free(e->logical_id);
		free(e->physical_id);
		free(e->resource_type);
		free(e->status);
		free(e->status_reason);
		free(e->client_token);
	}
	free(ev->v);
	memset(ev, 0, sizeof *ev);
}

/* One StackResource or StackResourceSummary member. */
static void
resource_add(struct cfn_resources *out, const struct xml_node *m)
{
	struct cfn_resource *res;

	out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof *out->v);
	res = &out->v[out->n++];
	res->logical_id = xml_dup(m, "LogicalResourceId");
	res->physical_id = xml_dup(m, "PhysicalResourceId");
	res->resource_type = xml_dup(m, "ResourceType");
	res->status = xml_dup(m, "ResourceStatus");
	res->status_reason = xml_dup(m, "ResourceStatusReason");
}

int
cfn_describe_stack_resources(struct aws *aws, const char *stack,
    const char *logical_id, struct cfn_resources *out, struct aws_error *err)
{
	struct aws_query q;
	struct xml_node *x;
	const struct xml_node *m;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, "cloudformation", "DescribeStackResources");
	aws_query_add(&q, "StackName", stack);
	aws_query_add(&q, "LogicalResourceId", logical_id);
	if (aws_query_send(aws, &q, &x, err) != 0)
		return -1;
	for (m = xml_first(xml_find(x, "DescribeStackResourcesResult/"
	    "StackResources"), "member"); m; m = xml_next(m))
		resource_add(out, m);
	xml_free(x);
	return 0;
}

static int
resources_page(const struct xml_node *r, int page, void *arg)
{
	struct cfn_resources *out = arg;
	const struct xml_node *m;

	(void)page;
	for (m = xml_first(xml_find(r, "StackResourceSummaries"), "member");
	    m; m = xml_next(m))
		resource_add(out, m);
	return 0;
}

int
cfn_list_stack_resources(struct aws *aws, const char *stack,
    struct cfn_resources *out, struct aws_error *err)
{
	const char *params[] = { "StackName", stack, NULL };

	memset(out, 0, sizeof *out);
	if (cfn_paged(aws, "ListStackResources", params, CFN_MAX_PAGES,
	    resources_page, out, err) != 0) {
		cfn_resources_free(out);
		return -1;
	}
	return 0;
}

void
cfn_resources_free(struct cfn_resources *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].logical_id);
		free(l->v[i].physical_id);
		free(l->v[i].resource_type);
		free(l->v[i].status);
		free(l->v[i].status_reason);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

int
cfn_get_template(struct aws *aws, const char *stack, const char *stage,
    char **body, struct aws_error *err)
{
	struct aws_query q;
	struct xml_node *x;

	*body = NULL;
	aws_query_init(&q, "cloudformation", "GetTemplate");
	aws_query_add(&q, "StackName", stack);
	aws_query_add(&q, "TemplateStage", stage);
	if (aws_query_send(aws, &q, &x, err) != 0)
		return -1;
	*body = xml_dup(x, "GetTemplateResult/TemplateBody");
	xml_free(x);
	if (*body == NULL) {
		aws_error_set(err, "cloudformation", "GetTemplate",
		    "MalformedResponse", "the response has no TemplateBody");
		return -1;
	}
	return 0;
}

int
cfn_delete_stack(struct aws *aws, const char *stack, const char *client_token,
    struct aws_error *err)
{
	struct aws_query q;

	aws_query_init(&q, "cloudformation", "DeleteStack");
	aws_query_add(&q, "StackName", stack);
	aws_query_add(&q, "ClientRequestToken", client_token);
	return simple_call(aws, &q, err);
}

int
cfn_continue_update_rollback(struct aws *aws, const char *stack,
    const char *const *skip, size_t nskip, const char *client_token,
    struct aws_error *err)
{
	struct aws_query q;
	size_t i;

	aws_query_init(&q, "cloudformation", "ContinueUpdateRollback");
	aws_query_add(&q, "StackName", stack);
	for (i = 0; i < nskip; i++)
		add_indexed(&q, "ResourcesToSkip", i, NULL, skip[i]);
	aws_query_add(&q, "ClientRequestToken", client_token);
	return simple_call(aws, &q, err);
}

int
cfn_update_termination_protection(struct aws *aws, const char *stack,
    int enable, struct aws_error *err)
{
	struct aws_query q;

	aws_query_init(&q, "cloudformation", "UpdateTerminationProtection");
	aws_query_add(&q, "EnableTerminationProtection", enable ? "true" : "false");
	aws_query_add(&q, "StackName", stack);
	return simple_call(aws, &q, err);
}
