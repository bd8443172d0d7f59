/*
 * marshal_types.c - the manifest's raw resources against the resource
 * types CloudFormation knows (schema/cfn-types.tsv, see cfn_types.h).
 *
 * A Type the table lacks is a warning, not an error: it may be a type
 * newer than the table, or a registry extension of the account deployed
 * to. A known type without one of its required top-level properties is an
 * error, as CloudFormation would refuse the stack -- unless the properties
 * are computed by an intrinsic at that level, which could supply it.
 */
#include <stdlib.h>
#include <string.h>

#include "compile/cfn_types.h"
#include "compile/marshal_int.h"

/* Whether map is an intrinsic ({"Fn::If": ...}) or holds one as a key. */
static int
has_intrinsic_key(const struct node *map)
{
	const char *k;
	size_t i;

	for (i = 0; i < map->n; i++) {
		k = map->pairs[i].key->str;
		if (strcmp(k, "Ref") == 0 || str_has_prefix(k, "Fn::"))
			return 1;
	}
	return 0;
}

/* Properties the type does not have (custom resources take any). */
static void
check_unknown(struct mctx *c, const struct node *props,
    const struct cfn_type *t)
{
	const struct node *v;
	const char *name, *got;
	size_t i;
	int kind;

	if (strcmp(t->name, "AWS::CloudFormation::CustomResource") == 0)
		return;
	for (i = 0; i < props->n; i++) {
		name = props->pairs[i].key->str;
		v = props->pairs[i].value;
		if ((kind = cfn_type_property(t, name)) == 0) {
			mctx_diag(c, DIAG_MARSHAL_PROPERTY_UNKNOWN,
			    props->pairs[i].key->loc, NULL,
			    "%s has no property '%s'%s", t->name, name,
			    diag_suggest(name, t->properties, t->nproperties));
			continue;
		}
		/* an intrinsic may compute any kind of value; null is left out */
		if (v->kind == NODE_NULL || (v->kind == NODE_MAP && v->n == 1 &&
		    has_intrinsic_key(v)))
			continue;
		got = v->kind == NODE_SEQ ? "a list" : v->kind == NODE_MAP ?
		    "a map" : "a scalar";
		if ((kind == 'a' && v->kind != NODE_SEQ) ||
		    (kind == 'o' && v->kind != NODE_MAP) ||
		    (kind == 's' && !node_is_scalar(v)))
			mctx_diag(c, DIAG_MARSHAL_PROPERTY_TYPE, v->loc, NULL,
			    "%s property '%s' takes %s, not %s", t->name, name,
			    kind == 'a' ? "a list" : kind == 'o' ? "a map" :
			    "a scalar (a string, number or boolean)", got);
	}
}

static void
check_required(struct mctx *c, const char *id, const struct node *res,
    const struct node *type, const struct cfn_type *t)
{
	const struct node *props = node_get(res, "Properties");
	const struct node_pair *at = node_find(res, "Properties");
	struct buf missing = {0}, path = {0};
	size_t i, n = 0;

	if (props == NULL && at != NULL)
		return; /* Properties: !If ... or another kind: no verdict */
	if (props != NULL && has_intrinsic_key(props))
		return;
	if (props != NULL)
		check_unknown(c, props, t);
	for (i = 0; i < t->nrequired; i++) {
		if (props != NULL && node_find(props, t->required[i]) != NULL)
			continue;
		buf_printf(&missing, "%s'%s'", n++ ? ", " : "", t->required[i]);
	}
	if (n > 0) {
		buf_puts(&path, "resources");
		node_path_key(&path, id);
		mctx_diag(c, DIAG_MARSHAL_PROPERTY_REQUIRED,
		    at != NULL ? at->key->loc : type->loc, path.data,
		    "%s requires the propert%s %s, which %s missing", t->name,
		    n == 1 ? "y" : "ies", missing.data, n == 1 ? "is" : "are");
	}
	buf_free(&missing);
	buf_free(&path);
}

static void marshal_facts_check(struct mctx *c);

void
marshal_types_check(struct mctx *c)
{
	const struct node *res = c->m->resources, *type;
	const struct cfn_type *t;
	struct buf path = {0};
	size_t i;

	marshal_facts_check(c);
	if (res == NULL || res->kind != NODE_MAP)
		return;
	for (i = 0; i < res->n; i++) {
		type = node_get(res->pairs[i].value, "Type");
		if (type == NULL || type->kind != NODE_STRING)
			continue;
		if (marshal_custom_served(c, type->str))
			continue; /* its ServiceToken is ours (marshal_lambda.c) */
		if ((t = cfn_type_find(type->str)) != NULL) {
			check_required(c, res->pairs[i].key->str,
			    res->pairs[i].value, type, t);
			continue;
		}
		buf_puts(&path, "resources");
		node_path_key(&path, res->pairs[i].key->str);
		node_path_key(&path, "Type");
		mctx_diag(c, DIAG_MARSHAL_TYPE_UNKNOWN, type->loc, path.data,
		    "'%s' is not a resource type spartac knows%s; its table "
		    "is from %s", type->str,
		    diag_did_you_mean(cfn_type_suggest(type->str)),
		    cfn_types_source());
		buf_free(&path);
	}
}

/* ---- facts CloudFormation checks across properties ---- */

/* The raw resource that !GetAtt X.Arn names, when its Type is type. */
static const struct node *
getatt_raw(const struct mctx *c, const struct node *v, const char *type)
{
	const struct node *args, *res;

	if (v == NULL || v->kind != NODE_MAP || v->n != 1 ||
	    strcmp(v->pairs[0].key->str, "Fn::GetAtt") != 0)
		return NULL;
	args = v->pairs[0].value;
	if (args->kind != NODE_SEQ || args->n != 2 ||
	    node_str(args->items[0]) == NULL)
		return NULL;
	res = node_get(c->m->resources, node_str(args->items[0]));
	if (res == NULL || node_str(node_get(res, "Type")) == NULL ||
	    strcmp(node_str(node_get(res, "Type")), type) != 0)
		return NULL;
	return res;
}

/*
 * Lambda refuses an SQS event source whose queue's visibility timeout
 * (30 s unless set) is shorter than the function's timeout: a message
 * would reappear while the function still works on it.
 */
static void
check_sqs_visibility(struct mctx *c, const struct manifest_function *fn,
    const struct manifest_event *e)
{
	const struct node *q = getatt_raw(c, e->u.sqs.queue, "AWS::SQS::Queue");
	const struct node *vis;
	long long seconds = 30;

	if (q == NULL)
		return;
	vis = node_get(node_get(q, "Properties"), "VisibilityTimeout");
	if (vis != NULL && vis->kind != NODE_INT)
		return; /* computed: no verdict */
	if (vis != NULL)
		seconds = vis->v.i;
	if (seconds >= fn->timeout)
		return;
	mctx_diag(c, DIAG_MARSHAL_SQS_VISIBILITY, e->u.sqs.queue->loc, NULL,
	    "the queue's VisibilityTimeout (%lld s%s) is shorter than the "
	    "timeout of function '%s' (%ld s)", seconds,
	    vis == NULL ? ", the default" : "", fn->name, fn->timeout);
}

/* Adds the AttributeName of each item of list to names; -1 if computed. */
static int
attribute_names(const struct node *list, const char **names, size_t *n,
    size_t cap)
{
	const char *name;
	size_t i;

	if (list == NULL)
		return 0;
	if (list->kind != NODE_SEQ)
		return -1;
	for (i = 0; i < list->n; i++) {
		if ((name = node_str(node_get(list->items[i], "AttributeName"))) == NULL)
			return -1;
		if (*n < cap)
			names[(*n)++] = name;
	}
	return 0;
}

static int
name_listed(const char *name, const char **names, size_t n)
{
	while (n-- > 0)
		if (strcmp(names[n], name) == 0)
			return 1;
	return 0;
}

#define DYNAMODB_NAMES_MAX 64

/*
 * A DynamoDB table defines exactly the attributes its key schemas (the
 * table's and its indexes') use: CloudFormation refuses one more or one
 * less. Checked only when every list is written out.
 */
static void
check_dynamodb_keys(struct mctx *c, const char *id, const struct node *res)
{
	const struct node *props = node_get(res, "Properties"), *idx;
	const char *defs[DYNAMODB_NAMES_MAX], *keys[DYNAMODB_NAMES_MAX];
	const char *const sections[] = {"GlobalSecondaryIndexes",
	    "LocalSecondaryIndexes"};
	size_t ndefs = 0, nkeys = 0, i, j;

	if (props == NULL || props->kind != NODE_MAP || has_intrinsic_key(props) ||
	    node_get(props, "KeySchema") == NULL ||
	    attribute_names(node_get(props, "AttributeDefinitions"), defs, &ndefs,
	    NELEM(defs)) == -1 ||
	    attribute_names(node_get(props, "KeySchema"), keys, &nkeys,
	    NELEM(keys)) == -1)
		return;
	for (i = 0; i < NELEM(sections); i++) {
		if ((idx = node_get(props, sections[i])) == NULL)
			continue;
		if (idx->kind != NODE_SEQ)
			return;
		for (j = 0; j < idx->n; j++)
			if (attribute_names(node_get(idx->items[j], "KeySchema"),
			    keys, &nkeys, NELEM(keys)) == -1)
				return;
	}
	if (ndefs == NELEM(defs) || nkeys == NELEM(keys))
		return;
	for (i = 0; i < ndefs; i++)
		if (!name_listed(defs[i], keys, nkeys)) {
			mctx_diag(c, DIAG_MARSHAL_DYNAMODB_KEYS, props->loc, NULL,
			    "table '%s' defines attribute '%s', which no key schema "
			    "uses", id, defs[i]);
			return;
		}
	for (i = 0; i < nkeys; i++)
		if (!name_listed(keys[i], defs, ndefs)) {
			mctx_diag(c, DIAG_MARSHAL_DYNAMODB_KEYS, props->loc, NULL,
			    "table '%s' has key '%s', which AttributeDefinitions "
			    "does not define", id, keys[i]);
			return;
		}
}

/*
 * A DependsOn on a resource with a Condition, from one that may exist
 * without it (no Condition, or one that can be true while the other is
 * false): the dependency is then missing and CloudFormation refuses the
 * template.
 */
static void
depends_condition(struct mctx *c, const char *who, const struct node *on,
    const struct node *own_cond)
{
	const char *own = node_str(own_cond), *dep;

	if (on == NULL || on->kind != NODE_STRING ||
	    (own_cond != NULL && own == NULL))
		return;
	dep = node_str(node_get(node_get(c->m->resources, on->str), "Condition"));
	if (dep == NULL || (own != NULL && strcmp(own, dep) == 0) ||
	    !mcond_may_lack(c, own, dep))
		return;
	if (own == NULL)
		mctx_diag(c, DIAG_MARSHAL_DEPENDS_CONDITION, on->loc, NULL,
		    "%s depends on '%s', which exists only when condition '%s' "
		    "is true", who, on->str, dep);
	else
		mctx_diag(c, DIAG_MARSHAL_DEPENDS_CONDITION, on->loc, NULL,
		    "%s depends on '%s', which exists only when condition '%s' "
		    "is true, but condition '%s' can be true without it", who,
		    on->str, dep, own);
}

static void
check_depends_conditions(struct mctx *c)
{
	const struct manifest *m = c->m;
	const struct node *res = m->resources, *dep, *own;
	char *who;
	size_t i, j;

	for (i = 0; i < m->nfunctions; i++) {
		who = xasprintf("function '%s'", m->functions[i].name);
		for (j = 0; j < m->functions[i].ndepends_on; j++) {
			const struct manifest_ref *r = &m->functions[i].depends_on[j];
			struct node at;

			if (r->resource == NULL)
				continue;
			memset(&at, 0, sizeof(at));
			at.kind = NODE_STRING;
			at.loc = r->loc;
			at.str = r->name;
			depends_condition(c, who, &at, NULL);
		}
		free(who);
	}
	if (res == NULL || res->kind != NODE_MAP)
		return;
	for (i = 0; i < res->n; i++) {
		own = node_get(res->pairs[i].value, "Condition");
		dep = node_get(res->pairs[i].value, "DependsOn");
		who = xasprintf("resource '%s'", res->pairs[i].key->str);
		if (dep != NULL && dep->kind == NODE_SEQ)
			for (j = 0; j < dep->n; j++)
				depends_condition(c, who, dep->items[j], own);
		else
			depends_condition(c, who, dep, own);
		free(who);
	}
}

/*
 * !Ref of a security group gives its ID only when it has a VpcId; without
 * one (a default-VPC group) it gives the group's name, which a function's
 * VpcConfig cannot take.
 */
static void
check_security_groups(struct mctx *c, const struct manifest_function *fn)
{
	const struct node *v, *res, *props;
	const char *id;
	size_t i;

	for (i = 0; i < fn->security_groups.n; i++) {
		v = fn->security_groups.v[i];
		if (v->kind != NODE_MAP || v->n != 1 ||
		    strcmp(v->pairs[0].key->str, "Ref") != 0 ||
		    (id = node_str(v->pairs[0].value)) == NULL)
			continue;
		res = node_get(c->m->resources, id);
		if (node_str(node_get(res, "Type")) == NULL ||
		    strcmp(node_str(node_get(res, "Type")),
		    "AWS::EC2::SecurityGroup") != 0)
			continue;
		props = node_get(res, "Properties");
		if (props != NULL && (props->kind != NODE_MAP ||
		    has_intrinsic_key(props) || node_get(props, "VpcId") != NULL))
			continue;
		mctx_diag(c, DIAG_MARSHAL_SECURITY_GROUP_REF, v->loc, NULL,
		    "function '%s': !Ref %s gives the group's name, not its ID, "
		    "as the group has no VpcId", fn->name, id);
	}
}

/* The Type of logical ID id: a raw resource's, or a function's. */
static const char *
id_type(struct mctx *c, const char *id)
{
	const char *type = node_str(node_get(node_get(c->m->resources, id), "Type"));

	if (type != NULL)
		return type;
	/* the sorted function-ID index, not a scan of the functions per event */
	return marshal_is_function_id(c, id) ? "AWS::Lambda::Function" : NULL;
}

/*
 * An event's source named by !Ref or !GetAtt of a resource of this template
 * must be of the kind the event reads: !Ref of a function gives its name,
 * not a topic's ARN (cfn-lint E1041).
 */
static void
check_event_source(struct mctx *c, const struct manifest_function *fn,
    const struct manifest_event *e)
{
	const struct node *v, *args;
	const char *f, *id, *attr = NULL, *want, *type;

	switch (e->kind) {
	case MANIFEST_EVENT_SQS:
		v = e->u.sqs.queue, want = "AWS::SQS::Queue";
		break;
	case MANIFEST_EVENT_SNS:
		v = e->u.sns.topic, want = "AWS::SNS::Topic";
		break;
	case MANIFEST_EVENT_KINESIS:
		v = e->u.stream.stream, want = "AWS::Kinesis::Stream";
		break;
	case MANIFEST_EVENT_DYNAMODB:
		v = e->u.stream.stream, want = "AWS::DynamoDB::Table";
		break;
	case MANIFEST_EVENT_LOGS:
		v = e->u.logs.log_group, want = "AWS::Logs::LogGroup";
		break;
	default:
		return;
	}
	if (v == NULL || v->kind != NODE_MAP || v->n != 1)
		return;
	f = v->pairs[0].key->str;
	args = v->pairs[0].value;
	if (strcmp(f, "Ref") == 0)
		id = node_str(args);
	else if (strcmp(f, "Fn::GetAtt") == 0 && args->kind == NODE_SEQ &&
	    args->n == 2) {
		id = node_str(args->items[0]);
		attr = node_str(args->items[1]);
	} else
		return;
	if (id == NULL || (type = id_type(c, id)) == NULL)
		return;
	if (strcmp(type, want) == 0) {
		/* a subscription filter names its log group: !Ref, the name */
		if (e->kind == MANIFEST_EVENT_LOGS) {
			if (attr != NULL)
				mctx_diag(c, DIAG_MARSHAL_EVENT_SOURCE, v->loc,
				    NULL, "function '%s': the logs event needs "
				    "!Ref %s, the log group's name", fn->name, id);
			return;
		}
		/* the right resource, but not its ARN (a queue's Ref is its URL) */
		if (e->kind != MANIFEST_EVENT_SNS && (attr == NULL ||
		    strcmp(attr, e->kind == MANIFEST_EVENT_DYNAMODB ?
		    "StreamArn" : "Arn") != 0))
			mctx_diag(c, DIAG_MARSHAL_EVENT_SOURCE, v->loc, NULL,
			    "function '%s': the %s event needs !GetAtt %s.%s, the "
			    "ARN it reads", fn->name,
			    manifest_event_kind_name(e->kind), id,
			    e->kind == MANIFEST_EVENT_DYNAMODB ? "StreamArn" : "Arn");
		return;
	}
	mctx_diag(c, DIAG_MARSHAL_EVENT_SOURCE, v->loc, NULL,
	    "function '%s': the %s event reads %s %s, but %s%s%s is %s",
	    fn->name, manifest_event_kind_name(e->kind),
	    e->kind == MANIFEST_EVENT_DYNAMODB ? "the stream of" : "an", want,
	    id, attr ? "." : "", attr ? attr : "", type);
}

static void
marshal_facts_check(struct mctx *c)
{
	const struct manifest *m = c->m;
	const struct node *res = m->resources;
	const char *type;
	size_t i, j;

	check_depends_conditions(c);
	for (i = 0; i < m->nfunctions; i++) {
		check_security_groups(c, &m->functions[i]);
		for (j = 0; j < m->functions[i].nevents; j++)
			check_event_source(c, &m->functions[i],
			    &m->functions[i].events[j]);
	}
	for (i = 0; i < m->nfunctions; i++)
		for (j = 0; j < m->functions[i].nevents; j++)
			if (m->functions[i].events[j].kind == MANIFEST_EVENT_SQS)
				check_sqs_visibility(c, &m->functions[i],
				    &m->functions[i].events[j]);
	if (res == NULL || res->kind != NODE_MAP)
		return;
	for (i = 0; i < res->n; i++) {
		type = node_str(node_get(res->pairs[i].value, "Type"));
		if (type != NULL && strcmp(type, "AWS::DynamoDB::Table") == 0)
			check_dynamodb_keys(c, res->pairs[i].key->str,
			    res->pairs[i].value);
	}
}
