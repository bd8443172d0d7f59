/*
 * logs.h - CloudWatch Logs FilterLogEvents (JSON protocol, target
 * Logs_20140328), for `spartac logs`: one page of a log group's events.
 */
#ifndef SPARTAC_AWS_LOGS_H
#define SPARTAC_AWS_LOGS_H

#include <stddef.h>

#include "aws/aws.h"

struct logs_query {
	const char *group;      /* logGroupName */
	long long start_ms;     /* startTime; 0: none */
	long long end_ms;       /* endTime; 0: none */
	const char *pattern;    /* filterPattern, or NULL */
	const char *next_token; /* nextToken of the page before, or NULL */
	int limit;              /* 0: the service's (10,000 events) */
};

struct logs_event {
	char *stream;           /* logStreamName */
	char *id;               /* eventId */
	char *message;
	long long timestamp;    /* ms since the epoch */
};

struct logs_page {
	struct logs_event *v;
	size_t n;
	char *next_token;       /* NULL on the last page */
};

/* One page. Returns 0, or -1 with err set (ResourceNotFoundException when
 * the group does not exist). */
int logs_filter_events(struct aws *aws, const struct logs_query *q,
    struct logs_page *out, struct aws_error *err);
void logs_page_free(struct logs_page *p);

#endif
