/*
 * iam.c - IAM GetRole (iam/2010-05-08), Query protocol, signed in the
 * partition's global region.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/iam.h"
#include "aws/internal.h"
#include "base/util.h"

int
iam_get_role(struct aws *aws, const char *name, struct iam_role **out,
    struct aws_error *err)
{
	struct aws_query q;
	struct xml_node *x;
	const struct xml_node *r;
	struct iam_role *role;
	const char *p;

	*out = NULL;
	aws_query_init(&q, "iam", "GetRole");
	aws_query_add(&q, "RoleName", name);
	if (aws_query_send(aws, &q, &x, err) != 0)
		return strcmp(err->code, "NoSuchEntity") == 0 ? 0 : -1;
	r = xml_find(x, "GetRoleResult/Role");
	role = xcalloc(1, sizeof *role);
	role->name = xml_dup(r, "RoleName");
	role->arn = xml_dup(r, "Arn");
	role->id = xml_dup(r, "RoleId");
	role->path = xml_dup(r, "Path");
	p = xml_get(r, "AssumeRolePolicyDocument");
	/* IAM returns policy documents percent-encoded (RFC 3986) */
	role->assume_role_policy = p ? percent_decode(p, strlen(p), 0) : NULL;
	xml_free(x);
	*out = role;
	return 0;
}

void
iam_role_free(struct iam_role *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->arn);
	free(r->id);
	free(r->path);
	free(r->assume_role_policy);
	free(r);
}
