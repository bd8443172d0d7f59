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

void
marshal_types_check(struct mctx *c)
{
	const struct node *res = c->m->resources, *type;
	const struct cfn_type *t;
	struct buf path = {0};
	size_t i;

	if (res == NULL || res->kind != NODE_MAP)
		return;
	for (i = 0; i < res->n; i++) {
		type = node_get(res->pairs[i].value, "Type");
		if (type == NULL || type->kind != NODE_STRING)
			continue;
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
