/*
 * test_converge.c - the ChangeSet state machine, driven by recorded answer
 * sequences in botocore's CloudFormation shapes (tests/converge/cases.json),
 * and checked against every status of the installed botocore's model
 * (tests/tools/cfn_enums.py), so a status the model gains and spartac does
 * not know fails here.
 */
#define _GNU_SOURCE /* timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "converge/converge.h"
#include "compile/marshal.h"
#include "unit.h"
#include "base/util.h"

#define CASES "tests/converge/cases.json"

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double
num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static int
flag(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static double
iso_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm);
}

/* DescribeStacksOutput -> observation. */
static void
obs_from_stacks(const cJSON *out, struct converge_observation *o)
{
	const cJSON *stack = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(out, "Stacks"), 0);
	const cJSON *param;

	o->kind = CONV_OBS_STACK;
	if (stack == NULL)
		return;
	o->stack_exists = 1;
	o->stack_status = str(stack, "StackStatus");
	o->stack_reason = str(stack, "StackStatusReason");
	o->termination_protection = flag(stack, "EnableTerminationProtection");
	cJSON_ArrayForEach(param, cJSON_GetObjectItemCaseSensitive(stack, "Parameters"))
		if (str(param, "ParameterKey") &&
		    strcmp(str(param, "ParameterKey"), MARSHAL_PARAM_DIGEST) == 0)
			o->digest = str(param, "ParameterValue");
}

/* DescribeChangeSetOutput -> observation. */
static void
obs_from_change_set(const cJSON *out, struct converge_observation *o)
{
	o->kind = CONV_OBS_CHANGE_SET;
	o->cs_status = str(out, "Status");
	o->cs_execution = str(out, "ExecutionStatus");
	o->cs_reason = str(out, "StatusReason");
	o->cs_nchanges = (size_t)cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(out, "Changes"));
}

static enum converge_mode
mode_of(const char *s)
{
	if (s && strcmp(s, "plan") == 0)
		return CONVERGE_PLAN;
	if (s && strcmp(s, "delete") == 0)
		return CONVERGE_DELETE;
	return CONVERGE_DEPLOY;
}

static void
run_case(const cJSON *tc)
{
	const char *name = str(tc, "name");
	struct converge c;
	const cJSON *step, *v;
	enum converge_action a = CONV_DONE;
	int i = 0;

	converge_init(&c, mode_of(str(tc, "mode")), str(tc, "digest"));
	c.force = flag(tc, "force");
	c.continue_rollback = flag(tc, "continue_rollback");
	c.protect = flag(tc, "protect");
	c.has_site = flag(tc, "has_site");
	c.confirm_delete = flag(tc, "confirm_delete");
	c.site_pending = flag(tc, "site_pending");
	c.timeout = num(tc, "timeout", 0);
	cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(tc, "steps")) {
		struct converge_observation o;
		const char *want = str(step, "expect");

		memset(&o, 0, sizeof o);
		o.elapsed = num(step, "elapsed", 1);
		if (flag(step, "start"))
			o.kind = CONV_OBS_START;
		else if ((v = cJSON_GetObjectItemCaseSensitive(step,
		    "DescribeStacks")) != NULL)
			obs_from_stacks(v, &o);
		else if ((v = cJSON_GetObjectItemCaseSensitive(step,
		    "DescribeChangeSet")) != NULL)
			obs_from_change_set(v, &o);
		else if ((v = cJSON_GetObjectItemCaseSensitive(step,
		    "Error")) != NULL) {
			o.kind = CONV_OBS_ERROR;
			o.error_code = str(v, "Code");
			o.error_message = str(v, "Message");
		} else if (flag(step, "declined"))
			o.kind = CONV_OBS_DECLINED;
		else
			o.kind = CONV_OBS_OK;
		a = converge_next(&c, &o);
		unit_checks++;
		if (want == NULL || strcmp(converge_action_name(a), want) != 0) {
			unit_failed++;
			fprintf(stderr, "%s: step %d: got %s, want %s (why: %s)\n",
			    name, i, converge_action_name(a), want ? want : "?",
			    c.why);
			return;
		}
		if ((v = cJSON_GetObjectItemCaseSensitive(step, "delay_ms")))
			CHECK_INT(c.delay_ms, v->valueint);
		if (str(step, "type"))
			CHECK_STR(c.change_set_type, str(step, "type"));
		i++;
	}
	if (str(tc, "result")) {
		unit_checks++;
		if (a != CONV_DONE ||
		    strcmp(converge_result_name(c.result), str(tc, "result"))) {
			unit_failed++;
			fprintf(stderr, "%s: result %s, want %s (why: %s)\n", name,
			    converge_result_name(c.result), str(tc, "result"),
			    c.why);
		}
	}
	if (str(tc, "why")) {
		unit_checks++;
		if (strstr(c.why, str(tc, "why")) == NULL) {
			unit_failed++;
			fprintf(stderr, "%s: why \"%s\" lacks \"%s\"\n", name,
			    c.why, str(tc, "why"));
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(tc, "recreated")))
		CHECK_INT(c.recreated, v->valueint);
	if ((v = cJSON_GetObjectItemCaseSensitive(tc, "stack_existed")))
		CHECK_INT(c.stack_existed, v->valueint);
}

static void
run_root_cause(const cJSON *tc)
{
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(tc, "DescribeStackEvents"),
	    "StackEvents");
	const cJSON *e, *want = cJSON_GetObjectItemCaseSensitive(tc, "expect");
	struct converge_event ev[16];
	size_t n = 0, idx[16], k, i;

	cJSON_ArrayForEach(e, events) {
		if (n == NELEM(ev))
			break;
		ev[n].stack_id = str(e, "StackId");
		ev[n].event_id = str(e, "EventId");
		ev[n].logical_id = str(e, "LogicalResourceId");
		ev[n].physical_id = str(e, "PhysicalResourceId");
		ev[n].type = str(e, "ResourceType");
		ev[n].status = str(e, "ResourceStatus");
		ev[n].reason = str(e, "ResourceStatusReason");
		ev[n].timestamp = iso_time(str(e, "Timestamp"));
		n++;
	}
	k = converge_root_causes(ev, n, idx, NELEM(idx));
	CHECK_INT(k, cJSON_GetArraySize(want));
	for (i = 0; i < k && i < (size_t)cJSON_GetArraySize(want); i++)
		CHECK_STR(ev[idx[i]].logical_id,
		    cJSON_GetArrayItem(want, (int)i)->valuestring);
	if (str(tc, "nested")) {
		CHECK(k == 1 && converge_event_is_nested_stack(&ev[idx[0]]));
	} else {
		for (i = 0; i < k; i++)
			CHECK(!converge_event_is_nested_stack(&ev[idx[i]]));
	}
}

/* One stack status as the first DescribeStacks answer in mode m. */
static enum converge_action
first_action(enum converge_mode m, const char *status, struct converge *c)
{
	struct converge_observation o;

	converge_init(c, m, "new");
	memset(&o, 0, sizeof o);
	o.kind = CONV_OBS_START;
	converge_next(c, &o);
	o.kind = CONV_OBS_STACK;
	o.stack_exists = 1;
	o.stack_status = status;
	o.digest = "old";
	o.elapsed = 1;
	return converge_next(c, &o);
}

/* A change set answer with these statuses, reached the usual way. */
static enum converge_action
cs_action(const char *status, const char *exec, struct converge *c)
{
	struct converge_observation o;

	first_action(CONVERGE_DEPLOY, "UPDATE_COMPLETE", c);
	memset(&o, 0, sizeof o);
	o.kind = CONV_OBS_OK;
	converge_next(c, &o); /* prepared */
	converge_next(c, &o); /* created */
	o.kind = CONV_OBS_CHANGE_SET;
	o.cs_status = status;
	o.cs_execution = exec;
	o.cs_nchanges = 1;
	o.cs_reason = "something else";
	return converge_next(c, &o);
}

static int
expect_action(const cJSON *table, const char *status, const char *got,
    const char *what)
{
	const char *want = str(table, status);

	unit_checks++;
	if (want == NULL) {
		unit_failed++;
		fprintf(stderr, "%s %s: botocore has it, cases.json does not "
		    "say what to do\n", what, status);
		return -1;
	}
	if (strcmp(want, got) != 0) {
		unit_failed++;
		fprintf(stderr, "%s %s: got %s, want %s\n", what, status, got,
		    want);
		return -1;
	}
	return 0;
}

/* Every status of botocore's model, through the machine. */
static void
check_model(const cJSON *first)
{
	FILE *p;
	char line[256], shape[64], value[128];
	size_t nstack = 0, ncs = 0, nexec = 0;
	struct converge c;

	p = popen("python3 tests/tools/cfn_enums.py", "r");
	if (p == NULL) {
		CHECK(!"python3 tests/tools/cfn_enums.py: run 'sh tools/setup.sh test'");
		return;
	}
	while (fgets(line, sizeof line, p)) {
		if (sscanf(line, "%63s %127s", shape, value) != 2)
			continue;
		if (strcmp(shape, "StackStatus") == 0) {
			const cJSON *o = cJSON_GetObjectItemCaseSensitive(first,
			    "outcome");
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, value);

			nstack++;
			if (converge_stack_class(value) == CONV_STACK_UNKNOWN) {
				unit_checks++;
				unit_failed++;
				fprintf(stderr, "StackStatus %s: unknown to "
				    "converge.c\n", value);
			}
			expect_action(cJSON_GetObjectItemCaseSensitive(first,
			    "deploy"), value, converge_action_name(first_action(
			    CONVERGE_DEPLOY, value, &c)), "deploy StackStatus");
			CHECK(strstr(c.why, "internal") == NULL);
			expect_action(cJSON_GetObjectItemCaseSensitive(first,
			    "delete"), value, converge_action_name(first_action(
			    CONVERGE_DELETE, value, &c)), "delete StackStatus");
			CHECK(strstr(c.why, "internal") == NULL);
			/* Plan never mutates the stack itself. */
			first_action(CONVERGE_PLAN, value, &c);
			CHECK(c.action != CONV_DELETE_STACK &&
			    c.action != CONV_CONTINUE_ROLLBACK);
			unit_checks++;
			if (!cJSON_IsNumber(v) ||
			    converge_stack_outcome(value) != v->valueint) {
				unit_failed++;
				fprintf(stderr, "outcome of %s: %d\n", value,
				    converge_stack_outcome(value));
			}
		} else if (strcmp(shape, "ChangeSetStatus") == 0) {
			ncs++;
			CHECK(converge_cs_class(value) != CONV_CS_UNKNOWN);
			expect_action(cJSON_GetObjectItemCaseSensitive(first,
			    "change_set"), value, converge_action_name(cs_action(
			    value, "AVAILABLE", &c)), "ChangeSetStatus");
			CHECK(strstr(c.why, "internal") == NULL &&
			    strstr(c.why, "unknown") == NULL);
		} else if (strcmp(shape, "ExecutionStatus") == 0) {
			nexec++;
			CHECK(converge_exec_class(value) != CONV_EXEC_UNKNOWN);
			expect_action(cJSON_GetObjectItemCaseSensitive(first,
			    "execution"), value, converge_action_name(cs_action(
			    "CREATE_COMPLETE", value, &c)), "ExecutionStatus");
			CHECK(strstr(c.why, "internal") == NULL &&
			    strstr(c.why, "unknown") == NULL);
		}
	}
	unit_checks++;
	if (pclose(p) != 0 || nstack < 20 || ncs < 8 || nexec < 6) {
		unit_failed++;
		fprintf(stderr, "botocore's CloudFormation model was not read "
		    "(%zu stack, %zu change set, %zu execution statuses): run "
		    "'sh tools/setup.sh test'\n", nstack, ncs, nexec);
	}
}

static void
check_helpers(void)
{
	CHECK(converge_error_is_missing("ValidationError",
	    "Stack with id hello does not exist"));
	CHECK(!converge_error_is_missing("ValidationError", "Template error"));
	CHECK(!converge_error_is_missing("AccessDenied", "does not exist"));
	CHECK(converge_error_is_throttle("Throttling"));
	CHECK(!converge_error_is_throttle("ValidationError"));
	CHECK(converge_cs_is_empty("The submitted information didn't contain "
	    "changes. Submit different information to create a change set."));
	CHECK(!converge_cs_is_empty("Template format error"));
	CHECK(!converge_cs_is_empty(NULL));
	CHECK_STR(converge_stack_class("NOPE") == CONV_STACK_UNKNOWN ? "u" : "k", "u");
}

/* Each input moves the digest; order of parameters and tags does not. */
static void
check_digest(void)
{
	static const char tpl[] = "{\"Resources\": {}}";
	struct converge_kv p1[] = {{"CodeKey", "svc/abc.zip"}, {"Stage", "v1"}};
	struct converge_kv p2[] = {{"Stage", "v1"}, {"CodeKey", "svc/abc.zip"}};
	struct converge_kv p3[] = {{"Stage", "v2"}, {"CodeKey", "svc/abc.zip"}};
	struct converge_kv t1[] = {{"team", "a"}};
	struct converge_kv t2[] = {{"team", "b"}};
	struct converge_kv t3[] = {{"tea", "ma"}};
	struct converge_inputs base = {tpl, sizeof tpl - 1, p1, 2, t1, 1, NULL,
	    "svc/abc.zip", "s1", NULL};
	struct converge_inputs in;
	char h0[CONV_DIGEST_LEN + 1], h[CONV_DIGEST_LEN + 1];

	converge_digest(&base, h0);
	CHECK_INT(strlen(h0), 64);
	in = base;
	in.params = p2;
	converge_digest(&in, h);
	CHECK_STR(h, h0);
#define MOVES(field, value)                                               \
	do {                                                              \
		in = base;                                                \
		in.field = value;                                         \
		converge_digest(&in, h);                                  \
		CHECK(strcmp(h, h0) != 0);                                \
	} while (0)
	MOVES(params, p3);
	MOVES(tags, t2);
	MOVES(tags, t3);
	MOVES(ntags, 0);
	MOVES(bucket, "mine");
	MOVES(code_key, "svc/abd.zip");
	MOVES(site_digest, NULL);
	MOVES(site_digest, "");
	MOVES(role_arn, "arn:aws:iam::1:role/cfn");
	MOVES(template_len, sizeof tpl - 2);
#undef MOVES
}

int
main(void)
{
	char *text;
	size_t len;
	cJSON *root, *tc;

	if (file_read(CASES, 1 << 22, &text, &len) != 0) {
		fprintf(stderr, "%s: cannot read (run from the top directory)\n",
		    CASES);
		return 1;
	}
	root = cJSON_Parse(text);
	free(text);
	CHECK(root != NULL);
	if (root == NULL)
		return unit_report("test_converge");
	cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(root, "cases"))
		run_case(tc);
	cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(root,
	    "root_causes"))
		run_root_cause(tc);
	check_model(cJSON_GetObjectItemCaseSensitive(root, "first_action"));
	check_helpers();
	check_digest();
	cJSON_Delete(root);
	return unit_report("test_converge");
}
