/*
 * test_progress.c - the change table and event lines converge prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "converge/progress.h"
#include "unit.h"

static char *
table(const struct cfn_change *v, size_t n, int color)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	progress_changes_print(fp, v, n, color);
	fclose(fp);
	return out;
}

/* cfn.h's structs own their strings. */
static void
change(struct cfn_change *c, const char *action, const char *id,
    const char *type, const char *replacement)
{
	memset(c, 0, sizeof *c);
	c->action = strdup(action);
	c->logical_id = strdup(id);
	c->resource_type = strdup(type);
	c->replacement = replacement ? strdup(replacement) : NULL;
}

/* The live view keeps one row per resource, in the order resources first
 * appear, with the newest status; enough resources to grow its index. */
static void
test_live_rows(void)
{
	static const char *const statuses[] = {
		"CREATE_IN_PROGRESS", "CREATE_FAILED", "CREATE_COMPLETE",
	};
	struct cfn_event v[3 * 300];
	struct cfn_events ev = {v, NELEM(v), NELEM(v)};
	struct progress_live p;
	char id[32];
	size_t i, k, n = 0;
	int ok = 1;

	memset(v, 0, sizeof(v));
	/* newest first: each resource's last status comes first */
	for (k = 3; k-- > 0;)
		for (i = 300; i-- > 0;) {
			snprintf(id, sizeof(id), "Resource%03zu", i);
			v[n].logical_id = strdup(id);
			v[n].resource_type = (char *)"AWS::Logs::LogGroup";
			v[n++].status = (char *)statuses[k];
		}
	progress_live_init(&p, stdout, 0);
	progress_live_update(&p, &ev);
	progress_live_update(&p, &ev); /* a page read twice adds no row */
	CHECK_INT((int)p.n, 300);
	for (i = 0; i < p.n; i++) {
		snprintf(id, sizeof(id), "Resource%03zu", i);
		ok &= strcmp(p.v[i].logical_id, id) == 0 &&
		    strcmp(p.v[i].status, "CREATE_COMPLETE") == 0;
	}
	CHECK(ok);
	progress_live_free(&p);
	for (i = 0; i < n; i++)
		free(v[i].logical_id);
}

int
main(void)
{
	struct cfn_change v[5];
	struct cfn_event e;
	char *s, *line = NULL;
	size_t len = 0;
	FILE *fp;
	cJSON *j;
	size_t i;

	change(&v[0], "Add", "Queue", "AWS::SQS::Queue", NULL);
	change(&v[1], "Modify", "HelloFunction", "AWS::Lambda::Function", "False");
	change(&v[2], "Modify", "SiteBucket", "AWS::S3::Bucket", "Conditional");
	change(&v[3], "Modify", "Table", "AWS::DynamoDB::Table", "True");
	change(&v[4], "Remove", "Old", "AWS::SNS::Topic", NULL);
	memset(&e, 0, sizeof e);
	e.logical_id = strdup("HelloFunction");
	e.resource_type = strdup("AWS::Lambda::Function");
	e.status = strdup("CREATE_FAILED");
	e.status_reason = strdup("Resource handler returned message: boom");

	CHECK(!progress_change_is_risky(&v[0]));
	CHECK(!progress_change_is_risky(&v[1]));
	CHECK(progress_change_is_risky(&v[2]));
	CHECK(progress_change_is_risky(&v[3]));

	s = table(v, 5, 0);
	CHECK(strstr(s, "ACTION") && strstr(s, "LOGICAL ID") &&
	    strstr(s, "REPLACEMENT"));
	/* Risky rows carry '!', the others do not; no colour asked, none given. */
	CHECK(strstr(s, "! Modify SiteBucket") != NULL);
	CHECK(strstr(s, "! Modify Table") != NULL);
	CHECK(strstr(s, "  Modify HelloFunction") != NULL);
	CHECK(strchr(s, '\033') == NULL);
	CHECK(strstr(s, "1 to add, 3 to modify, 1 to remove; 2 may be "
	    "replaced (marked !)") != NULL);
	free(s);
	s = table(v, 5, 1);
	CHECK(strstr(s, "\033[31m\033[1m!") != NULL);
	free(s);
	s = table(v, 0, 0);
	CHECK(strstr(s, "0 to add, 0 to modify, 0 to remove\n") != NULL);
	free(s);

	j = progress_changes_json(v, 5);
	CHECK_INT(cJSON_GetArraySize(j), 5);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 3), "risky")));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0),
	    "replacement")));
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 1), "logicalId")->valuestring,
	    "HelloFunction");
	cJSON_Delete(j);

	fp = open_memstream(&line, &len);
	progress_event_line(fp, &e, 0);
	fclose(fp);
	CHECK(strncmp(line, "--:--:-- CREATE_FAILED", 22) == 0);
	CHECK(strstr(line, "HelloFunction: Resource handler returned message: boom\n")
	    != NULL);
	free(line);
	for (i = 0; i < 5; i++) {
		free(v[i].action);
		free(v[i].logical_id);
		free(v[i].resource_type);
		free(v[i].replacement);
	}
	free(e.logical_id);
	free(e.resource_type);
	free(e.status);
	free(e.status_reason);
	test_live_rows();
	return unit_report("test_progress");
}
