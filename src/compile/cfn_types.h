/*
 * cfn_types.h - what spartac knows of each CloudFormation resource type:
 * the attributes Fn::GetAtt accepts, the required, the create-only and
 * all top-level properties. The facts are schema/cfn-types.tsv, written from AWS's
 * resource provider schemas by tools/gen_cfn_types.py (its header records
 * the cfn-lint version they came from) and compiled into the binary.
 *
 * The table is read on the first cfn_type_find and kept until
 * cfn_types_free; the pointers it gives stay valid until then.
 */
#ifndef SPARTAC_CFN_TYPES_H
#define SPARTAC_CFN_TYPES_H

#include <stddef.h>

struct cfn_type {
	const char *name;                /* "AWS::S3::Bucket" */
	/*
	 * GetAtt attributes, dotted ("Endpoint.Address"), sorted by strcmp.
	 * A '*' stands for one or more characters of any kind: an array
	 * element ("Rules.*.Arn"), a nested stack output ("Outputs.*"), or
	 * any attribute at all ("*", on custom resources).
	 */
	const char *const *attrs;
	size_t nattrs;
	const char *const *required;     /* top-level property names, sorted */
	size_t nrequired;
	const char *const *create_only;  /* dotted property paths, sorted */
	size_t ncreate_only;
	/* every top-level property, sorted; a lone "*" when any is accepted */
	const char *const *properties;
	size_t nproperties;
	/* per property: 'a' a list, 'o' a map, 's' a scalar, '-' any; or NULL */
	const char *kinds;
	const char **names; /* the lists' storage: the table's own */
};

/*
 * The type named type, or NULL when the table lacks it (a type from a
 * later schema, a registry extension, AWS::Serverless::*). Custom::Name is
 * found as AWS::CloudFormation::CustomResource, as CloudFormation reads it.
 */
const struct cfn_type *cfn_type_find(const char *type);

/* The table's type closest to type (for "did you mean"), or NULL. */
const char *cfn_type_suggest(const char *type);

/* Whether Fn::GetAtt accepts attr on t (exactly or through a '*'). */
int cfn_type_has_attribute(const struct cfn_type *t, const char *attr);

/*
 * What Properties may hold as name on t: 0 when t has no such property,
 * else its kind ('a', 'o', 's', or '-' for any, as on a type that admits
 * every name).
 */
int cfn_type_property(const struct cfn_type *t, const char *name);

/* The table's source line ("cfn-lint 1.51.0 ..."), for messages; never NULL. */
const char *cfn_types_source(void);

/* Frees the table; a later cfn_type_find reads it again. */
void cfn_types_free(void);

#endif
