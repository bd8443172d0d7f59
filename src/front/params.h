/*
 * params.h - deploy-time values of the manifest's parameters: the
 * --parameter NAME=VALUE and --parameters-file FILE options of deploy,
 * plan, status, invoke and serve.
 *
 * A file is a map of NAME: value, in JSON (read with json.h, when the name
 * ends in .json or the text starts with '{') or YAML (loader.h). A value is
 * a scalar, or a list of scalars for the list types (joined with commas,
 * as CloudFormation takes them). The command line wins over a file, and a
 * later value over an earlier one for the same name.
 *
 * params_check() holds every value against the declaration under
 * parameters: before any AWS call: the name must be declared (else "did
 * you mean"), and the value must fit its Type (String, Number,
 * List<Number>, CommaDelimitedList; AWS-specific types are strings),
 * AllowedValues, AllowedPattern (the whole value, with the schema's
 * ECMA-262 engine), MinLength/MaxLength (code points) and
 * MinValue/MaxValue. Each refusal names the parameter, where the value
 * came from (--parameter, or FILE:LINE:COL) and the constraint.
 */
#ifndef SPARTAC_PARAMS_H
#define SPARTAC_PARAMS_H

#include <stddef.h>

#include "base/diag.h"
#include "base/util.h"
#include "front/node.h"

struct param_value {
	char *name;
	char *value;
	char *source; /* "--parameter" or "FILE:LINE:COL" */
};

struct params {
	struct param_value *v;
	size_t n, cap;
	struct doc **docs; /* the files read, kept for their diagnostics */
	size_t ndocs;
};

/* NAME=VALUE. Returns 0, or -1 with a message appended to errs. */
int params_add_arg(struct params *p, const char *arg, struct buf *errs);
/*
 * Reads a file of NAME: value. Returns 0, or -1 when it could not be read
 * (a message in errs) or has errors (diagnostics in d, which may quote the
 * file until params_free).
 */
int params_add_file(struct params *p, const char *path, struct buf *errs,
    struct diags *d);
/*
 * Checks every value against declared (the manifest's parameters: map, or
 * NULL). Returns the number of refusals, one line each appended to errs.
 */
int params_check(const struct params *p, const struct node *declared,
    struct buf *errs);
/*
 * The declared parameters that have neither a Default nor a value here
 * (CloudFormation refuses a ChangeSet without them). Returns how many,
 * one line each appended to errs.
 */
int params_missing(const struct params *p, const struct node *declared,
    struct buf *errs);
/* The value given for name, or NULL. */
const char *params_get(const struct params *p, const char *name);
void params_free(struct params *p);

#endif
