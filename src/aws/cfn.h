/*
 * cfn.h - CloudFormation (Query protocol, 2010-05-15), the calls converge
 * needs. Shapes follow botocore's cloudformation service model; strings
 * are owned by the structs and freed by the matching _free.
 *
 * Every call returns 0 on success or -1 with err filled in.
 */
#ifndef SPARTAC_AWS_CFN_H
#define SPARTAC_AWS_CFN_H

#include <stddef.h>
#include <time.h>

#include "aws/aws.h"

struct cfn_kv {
	char *key;
	char *value;
};

struct cfn_output {
	char *key;
	char *value;
	char *description;
	char *export_name;
};

struct cfn_stack {
	char *id;
	char *name;
	char *status;        /* CREATE_COMPLETE, UPDATE_ROLLBACK_FAILED, ... */
	char *status_reason;
	char *description;
	char *change_set_id;
	char *role_arn;
	time_t created;
	time_t updated;      /* 0 when never updated */
	int termination_protection;
	struct cfn_output *outputs;
	size_t noutputs;
	struct cfn_kv *params;
	size_t nparams;
	struct cfn_kv *tags;
	size_t ntags;
};

/* *out is NULL (and 0 returned) when the stack does not exist. */
int cfn_describe_stacks(struct aws *aws, const char *name,
    struct cfn_stack **out, struct aws_error *err);
void cfn_stack_free(struct cfn_stack *s);

/* Input strings are borrowed. */
struct cfn_param_in {
	const char *key;
	const char *value;
};

struct cfn_change_set_input {
	const char *stack_name;
	const char *change_set_name;
	const char *change_set_type; /* "CREATE" or "UPDATE" */
	const char *template_body;   /* one of body or URL */
	const char *template_url;
	const char *description;
	const char *client_token;
	const char *role_arn;
	const struct cfn_param_in *params;
	size_t nparams;
	const struct cfn_param_in *tags;
	size_t ntags;
	const char *const *capabilities; /* CAPABILITY_IAM, ... */
	size_t ncapabilities;
	int include_nested;              /* IncludeNestedStacks=true */
};

/* *id and *stack_id (either may be NULL) receive owned strings. */
int cfn_create_change_set(struct aws *aws,
    const struct cfn_change_set_input *in, char **id, char **stack_id,
    struct aws_error *err);

struct cfn_change {
	char *action;        /* Add, Modify, Remove, Import, Dynamic */
	char *logical_id;
	char *physical_id;
	char *resource_type;
	char *replacement;   /* True, False, Conditional, or NULL */
	char *change_set_id; /* a nested stack's own change set, or NULL */
	char *nested;        /* the nested stack's logical ID when the change
			      * is inside one (set by the caller), or NULL */
};

struct cfn_change_set {
	char *id;
	char *name;
	char *stack_id;
	char *status;           /* CREATE_PENDING ... CREATE_COMPLETE, FAILED */
	char *status_reason;
	char *execution_status; /* AVAILABLE, UNAVAILABLE, EXECUTE_COMPLETE ... */
	struct cfn_change *changes; /* every page, in order */
	size_t nchanges;
};

/* Follows NextToken through every page. stack may be NULL when name is a
 * change set's ARN (a nested stack's change set). */
int cfn_describe_change_set(struct aws *aws, const char *stack,
    const char *name, struct cfn_change_set **out, struct aws_error *err);
void cfn_change_set_free(struct cfn_change_set *cs);

int cfn_execute_change_set(struct aws *aws, const char *stack,
    const char *name, const char *client_token, struct aws_error *err);
int cfn_delete_change_set(struct aws *aws, const char *stack, const char *name,
    struct aws_error *err);

struct cfn_event {
	char *id;
	char *stack_name;
	char *logical_id;
	char *physical_id;
	char *resource_type;
	char *status;
	char *status_reason;
	char *client_token;
	time_t timestamp;
};

#define CFN_EVENTS_PAGE 100 /* events in a full DescribeStackEvents page */

struct cfn_events {
	struct cfn_event *v; /* newest first, as CloudFormation returns them */
	size_t n, cap;
};

/*
 * Pages back from the newest event until since_id (excluded) is reached, or
 * through the whole history when since_id is NULL or never seen. A page
 * holds up to CFN_EVENTS_PAGE events; max_pages > 0 stops after that many pages (1: the
 * newest page only), 0 pages on until the end.
 */
int cfn_describe_stack_events(struct aws *aws, const char *stack,
    const char *since_id, int max_pages, struct cfn_events *out,
    struct aws_error *err);
void cfn_events_free(struct cfn_events *ev);

struct cfn_resource {
	char *logical_id;
	char *physical_id;   /* NULL or "" until the resource exists */
	char *resource_type;
	char *status;
	char *status_reason;
};

struct cfn_resources {
	struct cfn_resource *v;
	size_t n, cap;
};

/* DescribeStackResources: the stack's resources (up to 100, unpaged), or
 * only logical_id's when it is not NULL. */
int cfn_describe_stack_resources(struct aws *aws, const char *stack,
    const char *logical_id, struct cfn_resources *out, struct aws_error *err);
void cfn_resources_free(struct cfn_resources *l);

/* ListStackResources: every resource of the stack, all pages. */
int cfn_list_stack_resources(struct aws *aws, const char *stack,
    struct cfn_resources *out, struct aws_error *err);

/* stage: "Original", "Processed" or NULL. */
int cfn_get_template(struct aws *aws, const char *stack, const char *stage,
    char **body, struct aws_error *err);
int cfn_delete_stack(struct aws *aws, const char *stack,
    const char *client_token, struct aws_error *err);
int cfn_continue_update_rollback(struct aws *aws, const char *stack,
    const char *const *skip, size_t nskip, const char *client_token,
    struct aws_error *err);
int cfn_update_termination_protection(struct aws *aws, const char *stack,
    int enable, struct aws_error *err);

#endif
