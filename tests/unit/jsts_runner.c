/*
 * jsts_runner.c - runs the official JSON-Schema-Test-Suite (draft7) through
 * schema_load and schema_validate and prints one line per file plus a TOTAL
 * line.
 *
 *   jsts_runner SUITE_DIR [METASCHEMA]
 *
 * SUITE_DIR holds tests/draft7 and remotes (Debian: /usr/share/json-schema-
 * test-suite). The remotes are handed to schema_load_ex under the
 * http://localhost:1234/ URIs the suite expects, so refRemote.json runs
 * without a server; METASCHEMA (the draft-07 meta-schema, which pytest takes
 * from Python's jsonschema) is registered as http://json-schema.org/draft-07/
 * schema for the cases that reference it.
 *
 * Every case is checked twice, through schema_validate (which must report
 * at least one located diagnostic exactly when the case is invalid) and
 * through schema_is_valid; both must give the suite's answer. Exit status 0
 * only when every case of every file that is run passes.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/json.h"
#include "front/schema.h"
#include "base/util.h"

/* Files not run, with the reason printed in the report. */
static const struct {
	const char *file;
	const char *why;
} skipped[] = {
	{"optional/bignum.json", "numbers beyond 64-bit integers and doubles "
	    "(arbitrary precision is out of scope; manifests never need it)"},
	{"optional/content.json", "contentMediaType/contentEncoding are "
	    "annotations only in our validator, as draft-07 section 8 allows"},
	{"optional/ecmascript-regex.json", "tests format: regex; format is an "
	    "annotation only, as draft-07 allows"},
	{"optional/format/", "format is an annotation only, as draft-07 allows"},
};

struct remote {
	char *uri;
	char *text;
	size_t len;
};

static struct remote *remotes;
static size_t nremotes, capremotes;

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists *.json under dir/rel (recursing when recurse), sorted, as rel paths. */
static void
list_json(const char *dir, const char *rel, int recurse, char ***out, size_t *n,
    size_t *cap)
{
	char *path = xasprintf("%s/%s", dir, rel);
	DIR *dp = opendir(path);
	struct dirent *e;

	if (dp == NULL) {
		free(path);
		return;
	}
	while ((e = readdir(dp)) != NULL) {
		char *sub;

		if (e->d_name[0] == '.')
			continue;
		sub = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		if (str_has_suffix(e->d_name, ".json")) {
			*out = xgrow(*out, cap, *n + 1, sizeof(**out));
			(*out)[(*n)++] = sub;
			continue;
		}
		if (recurse) {
			char *full = xasprintf("%s/%s", dir, sub);
			DIR *t = opendir(full);

			if (t != NULL) {
				closedir(t);
				list_json(dir, sub, recurse, out, n, cap);
			}
			free(full);
		}
		free(sub);
	}
	closedir(dp);
	free(path);
}

static void
remote_add(const char *uri, const char *path)
{
	struct remote *r;

	remotes = xgrow(remotes, &capremotes, nremotes + 1, sizeof(*remotes));
	r = &remotes[nremotes];
	if (file_read(path, 16u << 20, &r->text, &r->len) != 0) {
		fprintf(stderr, "jsts_runner: cannot read %s\n", path);
		exit(2);
	}
	r->uri = xstrdup(uri);
	nremotes++;
}

static const char *
skip_reason(const char *rel)
{
	for (size_t i = 0; i < NELEM(skipped); i++)
		if (strcmp(rel, skipped[i].file) == 0 ||
		    (str_has_suffix(skipped[i].file, "/") &&
		    str_has_prefix(rel, skipped[i].file)))
			return skipped[i].why;
	return NULL;
}

static int
check_diags(const struct diags *d, size_t count, const char **why)
{
	if (d->n != count) {
		*why = "schema_validate's count differs from the diagnostics recorded";
		return 0;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].loc.line == 0 || d->v[i].loc.col == 0 ||
		    d->v[i].loc.file == NULL || d->v[i].msg == NULL ||
		    d->v[i].msg[0] == '\0') {
			*why = "a diagnostic without location or message";
			return 0;
		}
	}
	return 1;
}

/* Runs one suite file; returns the number of failed cases. */
static size_t
run_file(const char *path, const char *rel, const struct schema_doc *docs,
    size_t ndocs, size_t *ncases)
{
	struct diags d = {0};
	struct doc *doc;
	char *text;
	size_t len, failed = 0, cases = 0;
	const struct node *root;

	if (file_read(path, 16u << 20, &text, &len) != 0) {
		printf("FAIL %s: cannot read\n", rel);
		return 1;
	}
	doc = json_load_buffer(rel, text, len, &d);
	free(text);
	root = doc->root;
	if (root == NULL || root->kind != NODE_SEQ) {
		printf("FAIL %s: not a JSON array of groups\n", rel);
		doc_free(doc);
		diags_free(&d);
		return 1;
	}
	for (size_t g = 0; g < root->n; g++) {
		const struct node *grp = root->items[g];
		const struct node *tests = node_get(grp, "tests");
		const char *gdesc = node_str(node_get(grp, "description"));
		struct arena a = {0};
		cJSON *cj = node_to_cjson(&a, node_get(grp, "schema"));
		char *stext = cj ? cJSON_PrintUnformatted(cj) : NULL;
		char *err = NULL;
		struct schema *s = NULL;

		arena_free_all(&a);
		if (stext != NULL)
			s = schema_load_ex(stext, strlen(stext), docs, ndocs, &err);
		for (size_t t = 0; tests != NULL && t < tests->n; t++) {
			const struct node *tc = tests->items[t];
			const struct node *data = node_get(tc, "data");
			const struct node *want = node_get(tc, "valid");
			const char *tdesc = node_str(node_get(tc, "description"));
			const char *why = NULL;
			struct diags vd = {0};
			int ok;

			cases++;
			if (s == NULL) {
				why = err ? err : "schema not serialisable";
			} else {
				size_t count = schema_validate(s, data, rel, &vd);
				int by_emit = count == 0, by_check = schema_is_valid(s, data);

				if (!check_diags(&vd, count, &why))
					;
				else if (by_emit != by_check)
					why = "schema_validate and schema_is_valid disagree";
				else if (want == NULL || by_emit != want->v.b)
					why = by_emit ? "accepted, should be rejected"
					              : "rejected, should be accepted";
			}
			ok = why == NULL;
			if (!ok) {
				failed++;
				printf("FAIL %s: %s / %s: %s\n", rel, gdesc ? gdesc : "?",
				    tdesc ? tdesc : "?", why);
				for (size_t i = 0; i < vd.n; i++)
					printf("     %s: %s\n", vd.v[i].path ? vd.v[i].path : "",
					    vd.v[i].msg);
			}
			diags_free(&vd);
		}
		free(err);
		free(stext);
		schema_free(s);
	}
	doc_free(doc);
	diags_free(&d);
	*ncases = cases;
	return failed;
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/usr/share/json-schema-test-suite";
	char *tdir = xasprintf("%s/tests/draft7", dir);
	char *rdir = xasprintf("%s/remotes", dir);
	char **files = NULL, **rfiles = NULL;
	size_t nfiles = 0, cap = 0, nr = 0, rcap = 0;
	size_t total = 0, failed = 0, nskipped = 0;
	struct schema_doc *docs;

	list_json(tdir, "", 1, &files, &nfiles, &cap);
	list_json(rdir, "", 1, &rfiles, &nr, &rcap);
	if (nfiles == 0) {
		printf("FAIL no suite files under %s: run 'sh tools/setup.sh test'\n",
		    tdir);
		return 1;
	}
	qsort(files, nfiles, sizeof(*files), str_cmp);
	for (size_t i = 0; i < nr; i++) {
		char *uri = xasprintf("http://localhost:1234/%s", rfiles[i]);
		char *path = xasprintf("%s/%s", rdir, rfiles[i]);

		remote_add(uri, path);
		free(uri);
		free(path);
		free(rfiles[i]);
	}
	free(rfiles);
	if (argc > 2)
		remote_add("http://json-schema.org/draft-07/schema", argv[2]);
	docs = xcalloc(nremotes + 1, sizeof(*docs));
	for (size_t i = 0; i < nremotes; i++) {
		docs[i].uri = remotes[i].uri;
		docs[i].text = remotes[i].text;
		docs[i].len = remotes[i].len;
	}
	for (size_t i = 0; i < nfiles; i++) {
		const char *why = skip_reason(files[i]);
		char *path;
		size_t cases = 0, f;

		if (why != NULL) {
			printf("SKIP %s: %s\n", files[i], why);
			nskipped++;
			free(files[i]);
			continue;
		}
		path = xasprintf("%s/%s", tdir, files[i]);
		f = run_file(path, files[i], docs, nremotes, &cases);
		printf("%s %s: %zu/%zu\n", f ? "FILE-FAIL" : "PASS", files[i],
		    cases - f, cases);
		total += cases;
		failed += f;
		free(path);
		free(files[i]);
	}
	printf("TOTAL %zu/%zu passed, %zu files skipped\n", total - failed, total,
	    nskipped);
	for (size_t i = 0; i < nremotes; i++) {
		free(remotes[i].uri);
		free(remotes[i].text);
	}
	free(remotes);
	free(docs);
	free(files);
	free(tdir);
	free(rdir);
	return failed == 0 && total > 0 ? 0 : 1;
}
