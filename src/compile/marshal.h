/*
 * marshal.h - the model marshalled to a CloudFormation template.
 *
 * marshal_template() turns the const model of manifest.h into one cJSON
 * template: parameters for the code artifact, one role, log group and
 * function per function (or a shared role), the event sources, the REST
 * API, the S3 site and the manifest's raw parameters, resources and
 * outputs. Logical IDs follow docs/logical-ids.md; a raw entry whose ID a
 * generated one already uses is a diagnostic at the manifest line.
 *
 * Determinism: nothing in the template depends on the time, the directory,
 * the environment or the order of hash tables. Parameters, Resources and
 * Outputs are sorted by logical ID (strcmp); the keys inside a generated
 * resource come in a fixed order; raw fragments keep the manifest's order.
 * marshal_print() writes the same bytes for the same tree on any machine.
 */
#ifndef SPARTAC_MARSHAL_H
#define SPARTAC_MARSHAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/diag.h"
#include "front/manifest.h"
#include "base/util.h"

/* The template Parameters that deploy fills in (Sparta did the same). */
#define MARSHAL_PARAM_BUCKET "ArtifactBucket"   /* S3 bucket of code.zip */
#define MARSHAL_PARAM_CODE_KEY "CodeKey"        /* S3 key of code.zip */
/*
 * The digest of what was deployed, set by deploy and read back from
 * DescribeStacks for the one-call no-op check. A parameter, not a stack
 * tag: CloudFormation copies stack tags onto every resource, so a tag that
 * changes with each deploy would modify every resource each time. Echoed as
 * an output so it is visible and used (cfn-lint refuses unused parameters).
 */
#define MARSHAL_PARAM_DIGEST "SpartacDigest"
#define MARSHAL_OUTPUT_DIGEST "SpartacDigest"

/* Outputs deploy and status read back. */
#define MARSHAL_OUTPUT_API_URL "ApiUrl"
#define MARSHAL_OUTPUT_API_DOMAIN_TARGET "ApiDomainTarget"
#define MARSHAL_OUTPUT_SITE_URL "SiteUrl"
#define MARSHAL_OUTPUT_SITE_BUCKET "SiteBucketName"
#define MARSHAL_SITE_BUCKET_ID "SiteBucket"

/*
 * spartac's template variables (marshal_vars.c): ${spartac:stage} and
 * ${spartac:service} in Fn::Sub, {"Ref": "spartac:stage"} and
 * {"Ref": "spartac:service"}, replaced at compile time. The stage is
 * --stage's name, or this one without --stage.
 */
#define MARSHAL_DEFAULT_STAGE "default"
/* The value of the variable name ("spartac:stage") in m, or NULL. */
const char *marshal_var(const struct manifest *m, const char *name);

/* CloudFormation quotas the size checks compare against. */
#define MARSHAL_TEMPLATE_BODY_MAX 51200u      /* TemplateBody; above: S3 */
#define MARSHAL_TEMPLATE_S3_MAX 1048576u      /* TemplateURL (1 MB) */
#define MARSHAL_RESOURCES_MAX 500u
#define MARSHAL_PARAMETERS_MAX 200u
#define MARSHAL_OUTPUTS_MAX 200u
#define MARSHAL_MAPPINGS_MAX 200u
#define MARSHAL_LOGICAL_ID_MAX 255u
#define MARSHAL_DESCRIPTION_MAX 1024u

/*
 * A service over the limits is split (marshal_split.c): the root template
 * keeps what is shared, and each child (an AWS::CloudFormation::Stack of
 * the root, logical ID MARSHAL_CHILD_PREFIX + the bits of its functions'
 * name hashes) holds whole functions. See docs/decisions.md.
 */
#define MARSHAL_CHILD_PREFIX "Functions"
#define MARSHAL_CHILD_DIR "stacks"

struct marshal_child {
	char *id;         /* its logical ID in the root (malloc'ed) */
	struct buf text;  /* the child template as written */
	char sha256[65];  /* of text: the key it is uploaded under */
	size_t nresources;
	size_t nfunctions;
	char **functions; /* the names of its functions (the model's) */
};

struct marshal_split {
	struct marshal_child *v;
	size_t n;         /* 0: not split */
};

/* Frees the children marshal_template put in s. */
void marshal_split_free(struct marshal_split *s);
/*
 * Writes each child to <out_dir>/stacks/<Id>.json (an unchanged one is
 * left untouched) and removes the files of children no longer made (the
 * directory too when none is left). *paths gets the s->n paths
 * (malloc'ed, each and the array). Returns 0, or -1 after logging.
 */
int marshal_split_write(const struct marshal_split *s, const char *out_dir,
    char ***paths);
/* Does the file at path hold exactly the len bytes at p? (Compared in
 * chunks, as marshal_write compares the template.) */
int marshal_file_holds(const char *path, const char *p, size_t len);
/* The length of one Resources entry's line in marshal_print_lines's
 * layout (its indentation, key and value; not the newline and comma). */
size_t marshal_entry_length(const cJSON *entry);

/*
 * Builds the template of m. Returns the number of errors added to d; on
 * success *out is the template, on errors *out is NULL.
 *
 * With split, a template over a CloudFormation limit or with more
 * resources than the manifest's nested_stacks.max_resources is split:
 * *out is the root, and split gets the printed children, whose
 * TemplateURLs the root names by their SHA-256 (split->n 0: not split;
 * marshal_split_free frees it, errors or not). A template still over a
 * limit after the split is an error.
 *
 * Its nodes and strings are taken from a (base/jtree.h), whose owner frees them with
 * arena_free_all -- whether or not there were errors -- and never with
 * cJSON_Delete. The template points into m and its document rather than
 * copying their strings: free it before freeing them.
 */
int marshal_template(const struct manifest *m, struct arena *a,
    struct diags *d, cJSON **out, struct marshal_split *split);

/*
 * Prints tpl as JSON with two-space indentation and a final newline,
 * appending to out. Integers print without a fraction, other numbers
 * with round-trip precision; strings keep UTF-8 and escape only what JSON
 * requires. A container whose one-line form fits in 80 columns (with
 * its indentation and key) is printed on one line; to decide, the
 * containers' valueint (unused by cJSON) is overwritten with that width.
 */
void marshal_print(cJSON *tpl, struct buf *out);
/*
 * The same in the layout of a nested stack's template: one member per line
 * for the sections and their entries (a resource, a parameter, an
 * output), each entry's value on one line. Needs no width pass: a child is
 * read by CloudFormation, not by people, and this takes half the time.
 */
void marshal_print_lines(cJSON *tpl, struct buf *out);

/*
 * Prints tpl to path, as marshal_print would, without holding the whole
 * text: while it matches the file already there it is only compared, so
 * an unchanged template is left untouched (same inode and time); from the
 * first difference it goes to a temporary file that replaces path
 * atomically (not fsynced: the next build repairs a file torn by a crash).
 * Returns the length, or -1 with errno set and path as it was.
 */
long long marshal_write(cJSON *tpl, const char *path);

/* The length marshal_print would give tpl, without holding the text. */
size_t marshal_length(cJSON *tpl);

/*
 * The quota checks on a printed template of len bytes: a note above
 * MARSHAL_TEMPLATE_BODY_MAX (deploy sends it through S3), a warning
 * naming the resource counts by type above MARSHAL_TEMPLATE_S3_MAX bytes or
 * MARSHAL_RESOURCES_MAX resources. Returns the number of warnings added.
 */
int marshal_check_size(const struct manifest *m, const cJSON *tpl, size_t len,
    struct diags *d);

/* The resources of tpl counted by type ("AWS::IAM::Role 3, ..."), appended
 * to b, most first; returns the number of resources. */
size_t marshal_type_counts(const cJSON *tpl, struct buf *b);
/* The same for the n types of types (NULL counts as "?"). */
void marshal_type_counts_of(const char *const *types, size_t n,
    struct buf *b);

/* Logical IDs other stages need (malloc'ed): "HelloFunction", "HelloLogGroup". */
char *marshal_function_id(const struct manifest_function *f);
char *marshal_log_group_id(const struct manifest_function *f);

#endif
