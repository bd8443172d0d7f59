/*
 * dump_tree.c - loads one manifest with the real loader and prints its tree
 * as JSON on stdout, then the loader's diagnostics as JSON on stderr.
 *
 * tests/test_loader_limits.py builds it against libspartac.a to check what
 * the loader makes of CloudFormation short-form tags, since no verb shows
 * the loaded tree yet. Exit status: 0 loaded without errors, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "base/diag.h"
#include "front/json.h"
#include "front/loader.h"
#include "front/node.h"

int
main(int argc, char **argv)
{
	struct diags d = {0};
	struct arena a = {0};
	struct doc *doc;
	cJSON *j;
	char *text;
	int status;

	if (argc != 2) {
		fputs("usage: dump_tree FILE\n", stderr);
		return 2;
	}
	doc = yaml_load_file(argv[1], &d);
	if (doc->root != NULL && d.nerrors == 0) {
		j = node_to_cjson(&a, doc->root);
		text = cJSON_PrintUnformatted(j);
		printf("%s\n", text);
		free(text);
		arena_free_all(&a);
	}
	diags_print(stderr, &d, DIAG_FORMAT_JSON, 0);
	status = d.nerrors ? 1 : 0;
	diags_free(&d);
	doc_free(doc);
	return status;
}
