/*
 * fuzz_schema.c - libFuzzer target for the JSON loader and the schema
 * compiler: the input is tried as a schema (then validated against a few
 * fixed instances, through both validation paths, which must agree) and as
 * a JSON instance (validated against a fixed schema, and converted to cJSON
 * and printed).
 *
 *   make BUILD=build-fuzz CC=clang SANITIZER=address,undefined \
 *       CFLAGS="-O1 -g -fsanitize=fuzzer-no-link" build-fuzz/libspartac.a
 *   clang -fsanitize=fuzzer,address,undefined -Isrc -I/usr/include/cjson \
 *       -o build-fuzz/fuzz_schema tests/fuzz/fuzz_schema.c build-fuzz/libspartac.a \
 *       $(pkg-config --libs yaml-0.1 libcjson libzip expat openssl) -lm
 *   build-fuzz/fuzz_schema -max_total_time=60 CORPUS_DIR
 *
 * A good seed corpus is the suite's schemas, one per file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "front/json.h"
#include "front/schema.h"

static const char *const instances[] = {
	"null", "true", "0", "-1.5", "\"abc\"", "\"\"", "[]", "[1, \"a\", [null]]",
	"{}", "{\"a\": 1, \"b\": [1, 2, 2], \"c\": {\"d\": \"x\"}}",
	"{\"Ref\": \"X\"}", "\"\\u00e9\\ud83d\\ude00\"", "12345678901234567890",
};

static const char fixed_schema[] =
    "{\"type\": [\"object\", \"array\", \"string\"], \"properties\": {\"a\": "
    "{\"$ref\": \"#\"}, \"b\": {\"pattern\": \"^(a|b)*c?$\"}}, \"items\": "
    "{\"anyOf\": [{\"type\": \"integer\"}, {\"$ref\": \"#\"}]}, "
    "\"additionalProperties\": {\"oneOf\": [{\"maxLength\": 3}, {\"minLength\": 2}]},"
    " \"uniqueItems\": true}";

static struct schema *fixed;

static void
check(const struct schema *s, const struct node *n)
{
	struct diags d = {0};
	size_t errs = schema_validate(s, n, "fuzz", &d);

	/* The reporting path and the fast path must give the same answer;
	 * every error is kept, or counted as dropped past the limit. */
	if ((errs == 0) != schema_is_valid(s, n) || errs != d.n + d.dropped)
		abort();
	diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = {0};
	struct schema *s;
	struct doc *doc;
	char *err = NULL;

	if (fixed == NULL) {
		fixed = schema_load(fixed_schema, strlen(fixed_schema), &err);
		if (fixed == NULL)
			abort();
	}
	s = schema_load((const char *)data, size, &err);
	if (s != NULL) {
		for (size_t i = 0; i < sizeof(instances) / sizeof(instances[0]); i++) {
			doc = json_load_buffer("i", instances[i], strlen(instances[i]), &d);
			check(s, doc->root);
			doc_free(doc);
		}
		schema_free(s);
	}
	free(err);
	diags_free(&d);
	memset(&d, 0, sizeof(d));

	doc = json_load_buffer("fuzz", (const char *)data, size, &d);
	if (doc->root != NULL) {
		struct arena a = {0};
		cJSON *j = node_to_cjson(&a, doc->root);
		char *out = j ? cJSON_PrintUnformatted(j) : NULL;

		check(fixed, doc->root);
		free(out);
		arena_free_all(&a);
	}
	doc_free(doc);
	diags_free(&d);
	return 0;
}
