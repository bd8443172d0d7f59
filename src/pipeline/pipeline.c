/*
 * pipeline.c - load, schema, model. See pipeline.h.
 *
 * Each stage runs only when the one before it found no error: a schema
 * check over a tree that failed to load, or reference checks over a tree
 * that failed the schema, would only add noise that follows from the first
 * problem. Within a stage every error is reported.
 */
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "front/loader.h"
#include "front/manifest.h"
#include "pipeline/pipeline.h"
#include "front/schema.h"

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

size_t
pipeline_check(struct pipeline *p, struct cli *cli, struct diags *d)
{
	struct schema *schema;
	size_t errors;

	memset(p, 0, sizeof(*p));
	p->doc = yaml_load_file(cli->file, d);
	if (d->nerrors || p->doc->root == NULL)
		return d->nerrors;
	if ((schema = manifest_schema()) == NULL)
		abort(); /* a build defect: tests/test_cli.py covers it */
	errors = schema_validate(schema, p->doc->root, p->doc->file, d);
	schema_free(schema);
	if (errors)
		return d->nerrors;
	p->manifest = manifest_build(p->doc, cli->stage, d);
	return d->nerrors;
}

void
pipeline_free(struct pipeline *p)
{
	manifest_free(p->manifest);
	doc_free(p->doc);
	memset(p, 0, sizeof(*p));
}
