/*
 * manifest_check_refs.c - what the functions and roles point at: the shape
 * and service of ARN literals, each role's ARN or privileges, a function's
 * role, environment, dead-letter target, layers and depends_on, and each
 * event's source (schedule expression, queue, topic, stream, bucket).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/manifest_int.h"

/* ---- ARNs and roles ---- */

/*
 * Checks the shape of an ARN literal: arn:PARTITION:SERVICE:REGION:ACCOUNT:
 * RESOURCE. With wild, '*' may stand for region and account (IAM policy
 * resources). Returns 0 when the shape is fine and fills svc (the service,
 * NUL-terminated, truncated to its size).
 */
static int
arn_parse(const char *s, int wild, char *svc, size_t svcsize,
    const char **region, size_t *regionlen, const char **resource)
{
	const char *f[5];
	size_t len[5], i;
	const char *p = s;

	for (i = 0; i < 5; i++) {
		const char *colon = strchr(p, ':');

		if (colon == NULL)
			return -1;
		f[i] = p;
		len[i] = (size_t)(colon - p);
		p = colon + 1;
	}
	if (len[0] != 3 || strncmp(f[0], "arn", 3) != 0)
		return -1;
	if (len[1] < 3 || strncmp(f[1], "aws", 3) != 0 ||
	    !mf_all_chars(f[1], len[1], "-"))
		return -1;
	if (len[2] == 0 || !mf_all_chars(f[2], len[2], "-"))
		return -1;
	if (!mf_all_chars(f[3], len[3], wild ? "-*" : "-"))
		return -1;
	if (!(len[4] == 0 || (len[4] == 12 && mf_all_chars(f[4], 12, "")) ||
	    (len[4] == 3 && strncmp(f[4], "aws", 3) == 0) ||
	    (wild && len[4] == 1 && f[4][0] == '*')))
		return -1;
	for (i = 0; i < 12 && len[4] == 12; i++)
		if (!isdigit((unsigned char)f[4][i]))
			return -1;
	if (*p == '\0')
		return -1;
	snprintf(svc, svcsize, "%.*s", (int)len[2], f[2]);
	if (region) {
		*region = f[3];
		*regionlen = len[3];
	}
	if (resource)
		*resource = p;
	return 0;
}

/*
 * Checks a value that must be an ARN of one of the services in want (a
 * space-separated list), unless it is an intrinsic. Returns 0 when fine.
 */
static int
check_arn(struct mf_ctx *c, const struct node *n, const char *want,
    const char *path, const char *what)
{
	char svc[64], pad[80], wanttext[128];
	size_t i;
	const char *region, *resource;
	size_t regionlen;

	if (n == NULL || mf_is_intrinsic(n) || n->kind != NODE_STRING)
		return 0;
	if (arn_parse(n->str, 0, svc, sizeof(svc), &region, &regionlen,
	    &resource) != 0) {
		diag_add(c->d, DIAG_ARN_SHAPE, n->loc, path,
		    "%s '%s' is not an ARN", what, n->str);
		return -1;
	}
	snprintf(pad, sizeof(pad), " %s ", svc);
	{
		char wantpad[128];

		snprintf(wantpad, sizeof(wantpad), " %s ", want);
		if (strstr(wantpad, pad) == NULL) {
			/* "sqs sns" reads "sqs or sns" */
			wanttext[0] = '\0';
			for (i = 0; want[i] && strlen(wanttext) + 5 < sizeof(wanttext);
			    i++)
				if (want[i] == ' ')
					strcat(wanttext, " or ");
				else
					strncat(wanttext, &want[i], 1);
			diag_add(c->d, DIAG_ARN_SERVICE, n->loc, path,
			    "%s '%s' is an ARN of service '%s', not of %s",
			    what, n->str, svc, wanttext);
			return -1;
		}
	}
	if (strcmp(svc, "iam") != 0 && regionlen == 0) {
		diag_add(c->d, DIAG_ARN_SHAPE, n->loc, path,
		    "%s '%s' lacks the region", what, n->str);
		return -1;
	}
	return 0;
}

/* Each declared resource is '*' or an ARN (wildcards allowed). */
static void
check_privileges(struct mf_ctx *c, const struct manifest_privilege *privs,
    size_t n, const char *head, const char *name)
{
	size_t j, k;
	char svc[64];

	for (j = 0; j < n; j++) {
		const struct manifest_privilege *p = &privs[j];

		for (k = 0; k < p->resources.n; k++) {
			const struct node *r = p->resources.v[k];

			if (r->kind != NODE_STRING || strcmp(r->str, "*") == 0)
				continue;
			if (arn_parse(r->str, 1, svc, sizeof(svc), NULL, NULL,
			    NULL) != 0)
				diag_add(c->d, DIAG_ARN_SHAPE, r->loc,
				    mf_path(c, head, name,
				    ".privileges[%zu].resources[%zu]", j, k),
				    "resource '%s' is not an ARN (nor '*')",
				    r->str);
		}
	}
}

void
mf_check_roles(struct mf_ctx *c)
{
	struct manifest *m = c->m;
	size_t i;

	check_privileges(c, m->default_privileges, m->ndefault_privileges,
	    "defaults", NULL);
	for (i = 0; i < m->nroles; i++) {
		const struct manifest_role *r = &m->roles[i];
		const char *res;
		char svc[64];
		int inline_ = r->privileges != NULL || r->nprivileges != 0 ||
		    r->managed_policies.node != NULL;

		if ((r->arn != NULL) == inline_) {
			diag_add(c->d, DIAG_ROLE_SHAPE, r->key_loc,
			    mf_path(c, "roles", r->name, NULL),
			    r->arn ? "role '%s' has both arn: and %s" :
			    "role '%s' has neither arn: nor privileges: nor managed_policies:%s",
			    r->name, !r->arn ? "" : r->nprivileges ? "privileges:" :
			    "managed_policies:");
		}
		if (r->arn && arn_parse(r->arn, 0, svc, sizeof(svc), NULL, NULL,
		    &res) != 0)
			diag_add(c->d, DIAG_ARN_SHAPE, r->arn_loc,
			    mf_path(c, "roles", r->name, ".arn"),
			    "role ARN '%s' is not an ARN", r->arn);
		else if (r->arn && (strcmp(svc, "iam") != 0 ||
		    !str_has_prefix(res, "role/")))
			diag_add(c->d, DIAG_ARN_SERVICE, r->arn_loc,
			    mf_path(c, "roles", r->name, ".arn"),
			    "'%s' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
			    r->arn);
		check_privileges(c, r->privileges, r->nprivileges, "roles",
		    r->name);
		if (r->nusers == 0)
			diag_add(c->d, DIAG_ROLE_UNUSED, r->key_loc,
			    mf_path(c, "roles", r->name, NULL),
			    "role '%s' is not used by any function", r->name);
	}
}

/* ---- functions and events ---- */

static const char *const reserved_env[] = {
	"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION",
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "LAMBDA_RUNTIME_DIR",
	"LAMBDA_TASK_ROOT", "_HANDLER", "_X_AMZN_TRACE_ID",
};

static int
is_reserved_env(const char *s)
{
	return bsearch(&s, reserved_env, NELEM(reserved_env),
	    sizeof(*reserved_env), mf_cmp_str) != NULL ||
	    str_has_prefix(s, "SPARTA_") || str_has_prefix(s, "SPARTAC_");
}

static int
parse_uint(const char **p, long *out)
{
	long v = 0;
	int n = 0;

	while (isdigit((unsigned char)**p) && n < 9) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n > 0 && !isdigit((unsigned char)**p);
}

/* Returns NULL when expr is a valid schedule, else what is wrong. */
static const char *
schedule_problem(const char *expr)
{
	static const char *const units[] = {"minute", "hour", "day"};
	const char *p, *end;
	size_t i, fields = 0, len;
	long v;

	len = strlen(expr);
	if (str_has_prefix(expr, "rate(") && len > 6 && expr[len - 1] == ')') {
		p = expr + 5;
		if (!parse_uint(&p, &v) || v <= 0 || *p != ' ')
			return "rate() needs a positive whole number, a space and a unit";
		p++;
		for (i = 0; i < NELEM(units); i++) {
			size_t ul = strlen(units[i]);

			if (strncmp(p, units[i], ul) != 0)
				continue;
			if (p[ul] == ')' && p + ul + 1 == expr + len)
				return v == 1 ? NULL :
				    "the unit is plural for values above 1 (e.g. rate(5 minutes))";
			if (p[ul] == 's' && p[ul + 1] == ')' &&
			    p + ul + 2 == expr + len)
				return v != 1 ? NULL :
				    "the unit is singular for 1 (rate(1 minute))";
		}
		return "the unit must be minute(s), hour(s) or day(s)";
	}
	if (str_has_prefix(expr, "cron(") && len > 6 && expr[len - 1] == ')') {
		const char *f[6] = {0};
		size_t fl[6] = {0};

		p = expr + 5;
		end = expr + len - 1;
		while (p < end) {
			while (p < end && *p == ' ')
				p++;
			if (p == end)
				break;
			if (fields < 6)
				f[fields] = p;
			while (p < end && *p != ' ') {
				if (!mf_all_chars(p, 1, "*?,-/#"))
					return "cron() fields use digits, names, and * ? , - / # L W";
				p++;
			}
			if (fields < 6)
				fl[fields] = (size_t)(p - f[fields]);
			fields++;
		}
		if (fields != 6)
			return "cron() needs six fields: minute hour day-of-month month day-of-week year";
		if (!(fl[2] == 1 && f[2][0] == '?') &&
		    !(fl[4] == 1 && f[4][0] == '?'))
			return "one of day-of-month and day-of-week must be '?'";
		if (fl[2] == 1 && f[2][0] == '?' && fl[4] == 1 && f[4][0] == '?')
			return "only one of day-of-month and day-of-week may be '?'";
		return NULL;
	}
	return "a schedule is rate(...) or cron(...)";
}

/* S3's bucket naming rules (general purpose buckets). */
static int
s3_bucket_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 3 || n > 63 || !(islower((unsigned char)s[0]) ||
	    isdigit((unsigned char)s[0])) || !(islower((unsigned char)s[n - 1])
	    || isdigit((unsigned char)s[n - 1])))
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i])
		    && s[i] != '.' && s[i] != '-')
			return 0;
	return strstr(s, "..") == NULL;
}

static void
check_event(struct mf_ctx *c, const struct manifest_function *f,
    struct manifest_event *e, const struct node *resources)
{
	const char *ev = manifest_event_kind_name(e->kind);
	const char *problem, *path;

	/* The reports below use this path; only a stream's on_failure, checked
	 * last, rewrites c->path. */
	path = mf_path(c, "functions", f->name, ".events[%zu].%s", e->index,
	    ev);
	switch (e->kind) {
	case MANIFEST_EVENT_SCHEDULE:
		if (e->u.schedule.expression &&
		    (problem = schedule_problem(e->u.schedule.expression)))
			diag_add(c->d, DIAG_SCHEDULE, e->u.schedule.expression_loc,
			    path, "schedule '%s': %s", e->u.schedule.expression,
			    problem);
		break;
	case MANIFEST_EVENT_EVENTBRIDGE:
		if (e->u.eventbridge.bus && e->u.eventbridge.bus->kind ==
		    NODE_STRING && str_has_prefix(e->u.eventbridge.bus->str,
		    "arn:"))
			check_arn(c, e->u.eventbridge.bus, "events", path,
			    "event bus");
		break;
	case MANIFEST_EVENT_SQS:
		check_arn(c, e->u.sqs.queue, "sqs", path, "queue");
		if (e->u.sqs.batch > 10 && e->u.sqs.window < 1)
			diag_add(c->d, DIAG_SQS_WINDOW, e->loc, path,
			    "batch %ld needs a window of at least 1 second",
			    e->u.sqs.batch);
		break;
	case MANIFEST_EVENT_SNS:
		check_arn(c, e->u.sns.topic, "sns", path, "topic");
		break;
	case MANIFEST_EVENT_KINESIS:
		check_arn(c, e->u.stream.stream, "kinesis", path, "stream");
		check_arn(c, e->u.stream.on_failure, "sqs sns",
		    mf_path(c, "functions", f->name, ".events[%zu].%s.on_failure",
		    e->index, ev), "on-failure destination");
		break;
	case MANIFEST_EVENT_DYNAMODB:
		if (check_arn(c, e->u.stream.stream, "dynamodb", path,
		    "stream") == 0 && e->u.stream.stream &&
		    e->u.stream.stream->kind == NODE_STRING &&
		    strstr(e->u.stream.stream->str, "/stream/") == NULL)
			diag_add(c->d, DIAG_ARN_SERVICE, e->u.stream.stream->loc,
			    path, "'%s' is a table ARN, not a stream ARN (.../table/NAME/stream/LABEL); use !GetAtt Table.StreamArn",
			    e->u.stream.stream->str);
		check_arn(c, e->u.stream.on_failure, "sqs sns",
		    mf_path(c, "functions", f->name, ".events[%zu].%s.on_failure",
		    e->index, ev), "on-failure destination");
		break;
	case MANIFEST_EVENT_S3: {
		const struct node *r;
		const char *type;

		if (e->u.s3.bucket == NULL)
			break;
		if (e->u.s3.existing) {
			if (!s3_bucket_name_ok(e->u.s3.bucket))
				diag_add(c->d, DIAG_S3_BUCKET, e->u.s3.bucket_loc,
				    path, "'%s' is not an S3 bucket name (3 to 63 "
				    "lower-case letters, digits, '.' and '-', "
				    "starting and ending with a letter or digit)",
				    e->u.s3.bucket);
			break;
		}
		r = get_map(resources, e->u.s3.bucket);
		type = get_str(r, "Type");
		if (r == NULL) {
			size_t n;
			const char **keys = mf_map_keys(resources, &n);

			diag_add(c->d, DIAG_S3_BUCKET, e->u.s3.bucket_loc,
			    path, "bucket '%s' is not declared under resources:%s",
			    e->u.s3.bucket,
			    diag_suggest(e->u.s3.bucket, keys, n));
			free(keys);
		} else if (type == NULL || strcmp(type, "AWS::S3::Bucket") != 0)
			diag_add(c->d, DIAG_S3_BUCKET, e->u.s3.bucket_loc,
			    path, "resource '%s' is a %s, not an AWS::S3::Bucket",
			    e->u.s3.bucket, type ? type : "resource of no type");
		else
			e->u.s3.resource = r;
		break;
	}
	case MANIFEST_EVENT_LOGS:
		break;
	}
}

void
mf_check_functions(struct mf_ctx *c, const struct node *root)
{
	struct manifest *m = c->m;
	const struct node *resources = get_map(root, "resources");
	const char **rolenames = xcalloc(m->nroles + 1, sizeof(*rolenames));
	const char **refnames;
	size_t i, j, nref, nres;

	for (i = 0; i < m->nroles; i++)
		rolenames[i] = m->roles[i].name;
	/* depends_on candidates: functions, then resources. */
	nres = resources ? resources->n : 0;
	refnames = xcalloc(m->nfunctions + nres + 1, sizeof(*refnames));
	for (i = 0; i < m->nfunctions; i++)
		refnames[i] = m->functions[i].name;
	for (i = 0; i < nres; i++)
		refnames[m->nfunctions + i] = resources->pairs[i].key->str;
	nref = m->nfunctions + nres;

	for (i = 0; i < m->nfunctions; i++) {
		struct manifest_function *f = &m->functions[i];
		const char *rolename = f->role_name;

		if (rolename && (f->nprivileges || f->managed_policies.node))
			diag_add(c->d, DIAG_ROLE_EXTRA, f->nprivileges ?
			    f->privileges[0].loc : f->managed_policies.node->loc,
			    mf_path(c, "functions", f->name, f->nprivileges ?
			    ".privileges" : ".managed_policies"),
			    "function '%s' uses role '%s', so it has no generated role to add %s to",
			    f->name, rolename, f->nprivileges ? "privileges" :
			    "managed policies");
		check_privileges(c, f->privileges, f->nprivileges, "functions",
		    f->name);
		if (rolename) {
			f->role = manifest_role_find(m, rolename);
			if (f->role)
				((struct manifest_role *)f->role)->nusers++;
			else
				diag_add(c->d, DIAG_ROLE_UNKNOWN, f->role_loc,
				    mf_path(c, "functions", f->name, ".role"),
				    "unknown role '%s'%s", rolename,
				    diag_suggest(rolename, rolenames,
				    m->nroles));
		}
		for (j = 0; j < f->environment.n; j++) {
			const struct manifest_kv *kv = &f->environment.v[j];

			if (!is_reserved_env(kv->key))
				continue;
			mf_path(c, "functions", f->name, ".environment");
			diag_add(c->d, DIAG_ENV_RESERVED, kv->key_loc,
			    mf_path_key(c, kv->key),
			    "environment variable '%s' is reserved", kv->key);
		}
		if (f->dead_letter)
			check_arn(c, f->dead_letter, "sqs sns",
			    mf_path(c, "functions", f->name, ".dead_letter"),
			    "dead-letter target");
		if (f->async.on_success)
			check_arn(c, f->async.on_success, "sqs sns lambda events",
			    mf_path(c, "functions", f->name, ".async.on_success"),
			    "destination");
		if (f->async.on_failure)
			check_arn(c, f->async.on_failure, "sqs sns lambda events",
			    mf_path(c, "functions", f->name, ".async.on_failure"),
			    "destination");
		for (j = 0; j < f->layers.n; j++)
			check_arn(c, f->layers.v[j], "lambda",
			    mf_path(c, "functions", f->name, ".layers[%zu]", j),
			    "layer");
		for (j = 0; j < f->ndepends_on; j++) {
			struct manifest_ref *r = &f->depends_on[j];

			r->function = manifest_function_find(m, r->name);
			r->resource = r->function ? NULL :
			    node_get(resources, r->name);
			if (r->function == NULL && r->resource == NULL)
				diag_add(c->d, DIAG_REF_UNKNOWN, r->loc,
				    mf_path(c, "functions", f->name,
				    ".depends_on[%zu]", j),
				    "'%s' is neither a function nor a resource%s",
				    r->name,
				    diag_suggest(r->name, refnames, nref));
			else if (r->function == f)
				diag_add(c->d, DIAG_REF_UNKNOWN, r->loc,
				    mf_path(c, "functions", f->name,
				    ".depends_on[%zu]", j),
				    "function '%s' depends on itself", f->name);
		}
		for (j = 0; j < f->nevents; j++)
			check_event(c, f, &f->events[j], resources);
	}
	free(rolenames);
	free(refnames);
}

/* ---- semantic checks: routes ---- */
