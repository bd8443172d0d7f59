/*
 * fuzz_load.c - libFuzzer target for the front half of every verb: load the
 * bytes as a manifest, validate them against the embedded schema, build the
 * model (plainly, then with the first declared stage applied), and print the
 * diagnostics in every format. Built by `make fuzz` with ASan and UBSan;
 * tests/test_fuzz.py runs it briefly over a seed corpus made from
 * tests/manifests.
 *
 * Nothing here may exit or print to the terminal: diagnostics go to
 * /dev/null, so only crashes, sanitizer reports, leaks and timeouts count.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/diag.h"
#include "base/embedded.h"
#include "front/loader.h"
#include "front/manifest.h"
#include "front/node.h"
#include "front/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct schema *schema;
static FILE *sink;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct embedded_file *f;
	char *err = NULL;

	(void)argc;
	(void)argv;
	f = embedded_find("schema/sparta.schema.json");
	if (f == NULL || (schema = schema_load((const char *)f->data, f->len,
	    &err)) == NULL) {
		fprintf(stderr, "fuzz_load: the embedded schema does not load: %s\n",
		    err ? err : "not embedded");
		abort();
	}
	if ((sink = fopen("/dev/null", "w")) == NULL)
		abort();
	return 0;
}

/* The first key of the top-level stages: mapping, or NULL. */
static const char *
first_stage(const struct node *root)
{
	const struct node *stages = node_get(root, "stages");

	if (stages == NULL || stages->kind != NODE_MAP || stages->n == 0)
		return NULL;
	return stages->pairs[0].key->str;
}

/* Builds the model; the caller frees it after printing the diagnostics. */
static struct manifest *
check(const struct doc *doc, const char *stage, struct diags *d)
{
	struct manifest *m;

	m = manifest_build(doc, stage, d);
	if (m != NULL) {
		/* Touch the look-ups the later stages use. */
		for (size_t i = 0; i < m->nfunctions; i++)
			if (manifest_function_find(m, m->functions[i].name) == NULL)
				abort();
		for (size_t i = 0; i < m->nroles; i++)
			if (manifest_role_find(m, m->roles[i].name) == NULL)
				abort();
	}
	return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = {0};
	struct doc *doc;
	struct manifest *plain = NULL, *staged = NULL;
	const char *stage;

	doc = yaml_load_buffer("fuzz.yaml", (const char *)data, size, &d);
	if (d.nerrors == 0 && doc->root != NULL &&
	    schema_validate(schema, doc->root, doc->file, &d) == 0) {
		plain = check(doc, NULL, &d);
		if ((stage = first_stage(doc->root)) != NULL)
			staged = check(doc, stage, &d);
	}
	/* Printed while the doc and the models are alive, as main does. */
	diags_print(sink, &d, DIAG_FORMAT_TEXT, 1);
	diags_print(sink, &d, DIAG_FORMAT_JSON, 0);
	diags_print(sink, &d, DIAG_FORMAT_GITHUB, 0);
	diags_free(&d);
	manifest_free(staged);
	manifest_free(plain);
	doc_free(doc);
	return 0;
}
