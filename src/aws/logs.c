/*
 * logs.c - CloudWatch Logs FilterLogEvents (logs.h), in the shapes of
 * botocore's logs/2014-03-28 model.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/internal.h"
#include "aws/logs.h"
#include "base/util.h"

static char *
dup_member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return xstrdup(cJSON_IsString(v) ? v->valuestring : "");
}

int
logs_filter_events(struct aws *aws, const struct logs_query *q,
    struct logs_page *out, struct aws_error *err)
{
	cJSON *in = cJSON_CreateObject(), *ans = NULL;
	const cJSON *evs, *e, *tok, *ts;
	size_t i = 0;
	int rc;

	memset(out, 0, sizeof *out);
	cJSON_AddStringToObject(in, "logGroupName", q->group);
	if (q->start_ms > 0)
		cJSON_AddNumberToObject(in, "startTime", (double)q->start_ms);
	if (q->end_ms > 0)
		cJSON_AddNumberToObject(in, "endTime", (double)q->end_ms);
	if (q->pattern && *q->pattern)
		cJSON_AddStringToObject(in, "filterPattern", q->pattern);
	if (q->next_token)
		cJSON_AddStringToObject(in, "nextToken", q->next_token);
	if (q->limit > 0)
		cJSON_AddNumberToObject(in, "limit", q->limit);
	rc = aws_json_send(aws, "logs", "Logs_20140328", "1.1",
	    "FilterLogEvents", in, &ans, err);
	cJSON_Delete(in);
	if (rc != 0)
		return -1;
	evs = cJSON_GetObjectItemCaseSensitive(ans, "events");
	out->v = xcalloc((size_t)cJSON_GetArraySize(evs) + 1, sizeof *out->v);
	cJSON_ArrayForEach(e, evs) {
		ts = cJSON_GetObjectItemCaseSensitive(e, "timestamp");
		out->v[i].stream = dup_member(e, "logStreamName");
		out->v[i].id = dup_member(e, "eventId");
		out->v[i].message = dup_member(e, "message");
		out->v[i].timestamp = cJSON_IsNumber(ts) ?
		    (long long)ts->valuedouble : 0;
		i++;
	}
	out->n = i;
	tok = cJSON_GetObjectItemCaseSensitive(ans, "nextToken");
	if (cJSON_IsString(tok) && *tok->valuestring)
		out->next_token = xstrdup(tok->valuestring);
	cJSON_Delete(ans);
	return 0;
}

void
logs_page_free(struct logs_page *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].stream);
		free(p->v[i].id);
		free(p->v[i].message);
	}
	free(p->v);
	free(p->next_token);
	memset(p, 0, sizeof *p);
}
