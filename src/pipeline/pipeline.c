/*
 * pipeline.c - the one owner of the pipeline. See pipeline.h.
 *
 * Each stage runs only when the one before it found no error: a schema
 * check over a tree that failed to load, or reference checks over a tree
 * that failed the schema, would only add noise that follows from the first
 * problem. Within a stage every error is reported.
 */
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "compile/build.h"
#include "compile/marshal.h"
#include "front/loader.h"
#include "front/manifest.h"
#include "front/schema.h"
#include "pipeline/pipeline.h"

static struct schema *
manifest_schema(void)
{
	const struct embedded_file *f = embedded_find("schema/sparta.schema.json");
	struct schema *s;
	char *err = NULL;

	if (f == NULL)
		return NULL;
	if ((s = schema_load((const char *)f->data, f->len, &err)) == NULL) {
		log_error("the embedded schema does not load: %s", err ? err : "?");
		free(err);
	}
	return s;
}

/* Load, schema, model. Returns the number of errors. */
static size_t
pipeline_check(struct pipeline *p, const struct pipeline_options *o,
    struct diags *d)
{
	struct schema *schema;
	size_t errors;

	p->doc = yaml_load_file(o->manifest_path, d);
	if (d->nerrors || p->doc->root == NULL)
		return d->nerrors;
	if ((schema = manifest_schema()) == NULL)
		abort(); /* a build defect: tests/test_cli.py covers it */
	errors = schema_validate(schema, p->doc->root, p->doc->file, d);
	schema_free(schema);
	if (errors)
		return d->nerrors;
	p->manifest = manifest_build(p->doc, o->stage, d);
	return d->nerrors;
}

static int
has_hook_error(const struct diags *d, size_t from)
{
	size_t i;

	for (i = from; i < d->n; i++)
		if (d->v[i].code == DIAG_HOOK_FAILED || d->v[i].code == DIAG_HOOK_NOT_FOUND)
			return 1;
	return 0;
}

static int
goal_has_code(enum pipeline_goal g)
{
	return g == PIPELINE_CODE || g == PIPELINE_ALL;
}

static int
goal_has_template(enum pipeline_goal g)
{
	return g == PIPELINE_TEMPLATE || g == PIPELINE_ALL;
}

enum pipeline_status
pipeline_run(struct pipeline *p, const struct pipeline_options *o,
    struct diags *d)
{
	size_t mark;
	int rc;

	if (p->manifest == NULL && pipeline_check(p, o, d) > 0)
		return PIPELINE_INVALID;
	if (o->goal == PIPELINE_MODEL)
		return PIPELINE_OK;
	if (!p->have_out) {
		/* work/ is made in another directory only to build code */
		rc = o->out_dir ? build_out_init_in(&p->out, o->manifest_path,
		    o->out_dir, goal_has_code(o->goal)) :
		    build_out_init(&p->out, o->manifest_path);
		p->have_out = 1;
		if (rc < 0)
			return PIPELINE_IO;
	}
	if (goal_has_code(o->goal) && !p->built) {
		if (build_code(p->manifest, &p->out, d) > 0)
			return PIPELINE_BUILD;
		p->built = 1;
	}
	if (goal_has_template(o->goal) && !p->marshalled) {
		mark = d->n;
		rc = marshal_build(p->manifest, &p->out, d, &p->template_len);
		if (rc < 0)
			return PIPELINE_IO;
		if (rc > 0)
			return has_hook_error(d, mark) ? PIPELINE_HOOK :
			    PIPELINE_MARSHAL;
		p->marshalled = 1;
	}
	return PIPELINE_OK;
}

void
pipeline_free(struct pipeline *p)
{
	if (p->have_out)
		build_out_free(&p->out);
	manifest_free(p->manifest);
	doc_free(p->doc);
	memset(p, 0, sizeof(*p));
}
