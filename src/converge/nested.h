/*
 * nested.h - the nested stacks of a split service (docs/decisions.md,
 * "nested stacks"): the children the root template names, their upload,
 * and their changes in a plan. Not for use outside src/converge/.
 *
 * The root template is the one source of truth: each child is an
 * AWS::CloudFormation::Stack whose TemplateURL ends in
 * <stack>/templates/<sha256>.json, and its file is
 * <dir of template.json>/stacks/<LogicalId>.json. Since the root names
 * every child's SHA-256, the root's digest covers the children: an
 * unchanged service is still one DescribeStacks.
 */
#ifndef SPARTAC_CONVERGE_NESTED_H
#define SPARTAC_CONVERGE_NESTED_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "aws/aws.h"
#include "aws/cfn.h"
#include "publish/publish.h"

#define NESTED_STACK_TYPE "AWS::CloudFormation::Stack"

struct nested_child {
	char *logical_id;
	char *path;   /* stacks/<LogicalId>.json beside the root */
	char *sha256; /* as the root names it; the file was checked */
};

struct nested {
	struct nested_child *v;
	size_t n, cap;
	int iam;       /* a child declares AWS::IAM:: resources */
	int transform; /* a child has a Transform */
};

/*
 * Reads the children the root template tpl names; template_path is
 * where tpl was read from. Each child's file must hash to the SHA-256 in
 * its TemplateURL (else the build is stale or was edited: rebuild).
 * Returns 0, or -1 with why (size bytes) filled in.
 */
int nested_load(struct nested *n, const char *tpl, const char *template_path,
    char *why, size_t size);

/* Uploads every child under <stack>/templates/<sha256>.json, content-
 * addressed (publish_object: HeadObject, PutObject only when absent). */
int nested_upload(struct publish *p, const char *stack,
    const struct nested *n);

/*
 * The changes of a change set made with IncludeNestedStacks, with the
 * changes of each nested change set (ChangeSetId of a nested stack's
 * change) listed after its stack's row, named by the child's logical ID
 * (cfn_change.nested). Replaces cs's changes. A nested change set that
 * cannot be read is logged and left out; returns 0.
 */
int nested_expand(struct aws *aws, struct cfn_change_set *cs);

/*
 * The old template of child logical_id, for nested_diff: owned by the
 * caller ({} when the child is new), or NULL with why filled in.
 */
typedef cJSON *nested_old_fn(void *arg, const char *logical_id, char *why,
    size_t size);

/*
 * plan --fast and --offline of a split service: after the row (plan_diff)
 * of each child added or modified, the rows inside it (its old template,
 * from old_child, against its file), each with "stack" naming the child;
 * what it widens is added to iam. A child whose old template cannot be
 * had is said (log_warn) and its row stays alone. Replaces *rows.
 */
void nested_diff(const struct nested *n, cJSON **rows, cJSON *iam,
    const char *old_code, const char *new_code, nested_old_fn *old_child,
    void *arg);

/*
 * The deploy record (deployed.h) holds the root template, which names each
 * child's SHA-256: a deploy keeps each child's file, content-addressed, as
 * <dir>/deployed/stacks/<sha256>.json (written once), so that plan
 * --offline has the children's old templates. 0, or -1 with errno set.
 */
int nested_keep(const struct nested *n, const char *dir);

/* The kept template of child logical_id as the (deployed) root template
 * names it, parsed; {} when the root has no such child; NULL with why
 * filled in when it is not kept here. */
cJSON *nested_kept(const char *dir, const cJSON *root, const char *logical_id,
    char *why, size_t size);

void nested_free(struct nested *n);

#endif
