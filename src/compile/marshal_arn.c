/*
 * marshal_arn.c - which AWS service an ARN value belongs to: from the ARN
 * text, or from the Type of the resource (or the manifest function) an
 * intrinsic names. The destinations' and dead-letter targets' privileges
 * are chosen by it.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "compile/marshal.h"
#include "compile/marshal_int.h"

static const char *
arn_service_of_type(const char *type)
{
	static const char *const types[][2] = {
		{"AWS::SQS::Queue", "sqs"},
		{"AWS::SNS::Topic", "sns"},
		{"AWS::Kinesis::Stream", "kinesis"},
		{"AWS::DynamoDB::Table", "dynamodb"},
		{"AWS::S3::Bucket", "s3"},
		{"AWS::Logs::LogGroup", "logs"},
		{"AWS::Events::EventBus", "events"},
		{"AWS::Lambda::Function", "lambda"},
	};
	size_t i;

	for (i = 0; i < NELEM(types); i++)
		if (type != NULL && strcmp(types[i][0], type) == 0)
			return types[i][1];
	return NULL;
}

/* "arn:aws:sqs:..." (or "arn:${AWS::Partition}:sqs:...") -> "sqs". */
static const char *
arn_service_of_string(const char *s)
{
	static const char *const services[] = {
		"sqs", "sns", "kinesis", "dynamodb", "s3", "logs", "events",
		"lambda",
	};
	const char *p;
	size_t i, n;

	if (strncmp(s, "arn:", 4) != 0)
		return NULL;
	p = s + 4;
	/* the partition may be ${AWS::Partition}, whose colons are not fields */
	if (strncmp(p, "${", 2) == 0 && (p = strchr(p, '}')) == NULL)
		return NULL;
	if ((p = strchr(p, ':')) == NULL)
		return NULL;
	p++;
	for (i = 0; i < NELEM(services); i++) {
		n = strlen(services[i]);
		if (strncmp(p, services[i], n) == 0 && p[n] == ':')
			return services[i];
	}
	return NULL;
}

static int
str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Whether id is the logical ID of one of the manifest's functions
 * (<Name>Function), marshalled yet or not: a destination may name a
 * function declared after the one that sends to it. The IDs are listed and
 * sorted on first use, so each question is a bisection.
 */
int
marshal_is_function_id(struct mctx *c, const char *id)
{
	const struct manifest *m = c->m;
	size_t i;

	if (m->nfunctions == 0)
		return 0;
	if (c->function_ids == NULL) {
		c->function_ids = xcalloc(m->nfunctions,
		    sizeof(*c->function_ids));
		for (i = 0; i < m->nfunctions; i++)
			c->function_ids[i] = marshal_function_id(&m->functions[i]);
		qsort(c->function_ids, m->nfunctions,
		    sizeof(*c->function_ids), str_ptr_cmp);
	}
	return bsearch(&id, c->function_ids, m->nfunctions,
	    sizeof(*c->function_ids), str_ptr_cmp) != NULL;
}

void
marshal_function_ids_free(struct mctx *c)
{
	size_t i;

	if (c->function_ids == NULL)
		return;
	for (i = 0; i < c->m->nfunctions; i++)
		free(c->function_ids[i]);
	free(c->function_ids);
	c->function_ids = NULL;
}

const char *
mj_arn_service(struct mctx *c, const struct node *n)
{
	const struct node *v, *res;
	const char *id = NULL;

	if (n == NULL)
		return NULL;
	if (n->kind == NODE_STRING)
		return arn_service_of_string(n->str);
	if (n->kind != NODE_MAP || n->n != 1)
		return NULL;
	v = n->pairs[0].value;
	if (strcmp(n->pairs[0].key->str, "Ref") == 0 && v->kind == NODE_STRING)
		id = v->str;
	else if (strcmp(n->pairs[0].key->str, "Fn::GetAtt") == 0 &&
	    v->kind == NODE_SEQ && v->n >= 1 && v->items[0]->kind == NODE_STRING)
		id = v->items[0]->str;
	else if (strcmp(n->pairs[0].key->str, "Fn::Sub") == 0) {
		if (v->kind == NODE_STRING)
			return arn_service_of_string(v->str);
		if (v->kind == NODE_SEQ && v->n >= 1 &&
		    v->items[0]->kind == NODE_STRING)
			return arn_service_of_string(v->items[0]->str);
	}
	if (id == NULL)
		return NULL;
	if ((res = node_get(c->m->resources, id)) == NULL)
		return marshal_is_function_id(c, id) ? "lambda" : NULL;
	return arn_service_of_type(node_str(node_get(res, "Type")));
}
