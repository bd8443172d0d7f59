/*
 * test_yamlfast.c - the loader's quick reader against libyaml.
 *
 * Every corpus manifest, the example and a set of snippets are loaded
 * twice, with yamlfast allowed and with libyaml only: the trees (text,
 * order, lines, columns) and the printed diagnostics must be identical.
 * The snippets also pin which path each construct takes, so the subset
 * cannot shrink unnoticed (the example and the benchmark's manifests
 * must be read by yamlfast, or the speed is gone).
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/loader.h"
#include "unit.h"
#include "base/util.h"

static int fast_files, slow_files;

static char *
diag_text(struct diags *d)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	diags_print(fp, d, DIAG_FORMAT_JSON, 0);
	fclose(fp);
	return out;
}

/* Loads text both ways; returns whether yamlfast read it. */
static int
same_both_ways(const char *name, const char *text, size_t len)
{
	struct diags d1 = {0}, d2 = {0};
	struct doc *fast, *slow;
	char *t1, *t2;
	int took_fast = yaml_fast_accepts(text, len);

	yaml_fast_reader = 1;
	fast = yaml_load_buffer(name, text, len, &d1);
	yaml_fast_reader = 0;
	slow = yaml_load_buffer(name, text, len, &d2);
	yaml_fast_reader = 1;
	t1 = diag_text(&d1);
	t2 = diag_text(&d2);
	CHECK(node_identical(fast->root, slow->root));
	CHECK_STR(t1, t2);
	if (!node_identical(fast->root, slow->root) || strcmp(t1, t2) != 0)
		fprintf(stderr, "  in %s (read by %s)\n", name,
		    took_fast ? "yamlfast" : "libyaml");
	free(t1);
	free(t2);
	diags_free(&d1);
	diags_free(&d2);
	doc_free(fast);
	doc_free(slow);
	return took_fast;
}

static void
corpus(const char *pattern)
{
	glob_t g;
	size_t i, len;
	char *text;

	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		if (file_read(g.gl_pathv[i], YAML_MAX_BYTES * 2, &text, &len) != 0)
			continue;
		if (same_both_ways(g.gl_pathv[i], text, len))
			fast_files++;
		else
			slow_files++;
		free(text);
	}
	globfree(&g);
}

/* Snippets the quick reader must read, identically. */
static const char *const fast_cases[] = {
	"service: a\n",
	"# comment\n\nservice: a   # trailing\nn: 12\nf: 1.5\nb: true\nz: ~\n",
	"a:\n  b:\n    c: d\n  e: f\ng: h\n",
	"list:\n- a\n- b\nnext: 1\n",
	"list:\n  - a\n  -   b\n  - c: 1\n    d: 2\n  - - x\n    - y\n",
	"- a\n- b: c\n  d: e\n",
	"q: \"a\\\"b\\\\c\\n\\t\\u00e9\\x41 \\/\"\ns: 'it''s'\nk: \"\"\nm: ''\n",
	"\"quoted key\": 1\n'single key': 2\n",
	"f: [a, b, [c, d], {e: f, 'g': \"h\"}]\ne: []\no: {}\n",
	"r: !Ref Thing\ng: !GetAtt A.Arn\ns: !Sub 'x-${AWS::Region}'\n",
	"i: !If [c, !Ref A, !Ref AWS::NoValue]\nj: !Join ['', [a, !Ref B]]\n",
	"seq: !If\n  - c\n  - a\n  - b\nmap: !Base64\n  Fn::Sub: x\n",
	"arn: [arn:aws:s3:::bucket/*, 'arn:aws:sqs:us-east-1:1:q']\n",
	"url: http://example.com/a#b\npath: /items/{id}\nGET /a/{b}: fn\n",
	"caf\xc3\xa9: cr\xc3\xa8me # \xc3\xa9\nx: [\xc3\xa9, b]\n",
	"key with spaces   : v\n-dash: -1\n",
	"a:\n  - b\n\n  # between\n  - c\n",
	"dup: 1\ndup: 2\n",
	"1: a\n2: b\n",
	"a: b\n  # comment deeper\nc: d\n",
	"a:    # comment\n  b: c\n",
};

/* Snippets it must leave to libyaml (which reports what is wrong). */
static const char *const slow_cases[] = {
	"",
	"# only a comment\n",
	"---\na: b\n",
	"a: b\n...\n",
	"%YAML 1.1\n---\na: b\n",
	"a: &x 1\nb: *x\n",
	"a: |\n  text\n",
	"a: >\n  text\n",
	"a: multi\n  line\n",
	"a: \"multi\n  line\"\n",
	"a: [b,\n  c]\n",
	"a:\nb: c\n",
	"a:\tb\n",
	"a: b\r\n",
	"a: b: c\n",
	"a: b:\n",
	"? complex\n: key\n",
	"a: !!str b\n",
	"a: !Unknown b\n",
	"a: !Ref\nb: c\n",
	"a: \"\\U0001F600\"\n",
	"a: \"\\ud800\"\n",
	"a: [b, ]\n",
	"a: [b: c]\n",
	"a: [b # c\n  ]\n",
	"just a scalar\n",
	"[a, b]\n",
	"a: b\n c: d\n",
	"  a: b\nc: d\n",
	"a: - b\n",
	"a: 'unterminated\n",
	"a: \"x\"y\n",
	"a: b\xc2\x85\n",
	"a: \xef\xbb\xbf\n",
	"a: @b\n",
	"a: `b\n",
	"key:value\n",
	"- \n- b\n",
};

static void
snippets(void)
{
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(fast_cases) / sizeof(fast_cases[0]); i++) {
		snprintf(name, sizeof(name), "fast-%zu.yaml", i);
		if (!same_both_ways(name, fast_cases[i], strlen(fast_cases[i]))) {
			CHECK(!"yamlfast should read this");
			fprintf(stderr, "  fast case %zu: %s", i, fast_cases[i]);
		}
	}
	for (i = 0; i < sizeof(slow_cases) / sizeof(slow_cases[0]); i++) {
		snprintf(name, sizeof(name), "slow-%zu.yaml", i);
		if (same_both_ways(name, slow_cases[i], strlen(slow_cases[i]))) {
			CHECK(!"yamlfast should leave this to libyaml");
			fprintf(stderr, "  slow case %zu: %s", i, slow_cases[i]);
		}
	}
}

/* Deep nesting: at the loader's limit yamlfast still reads; past it,
 * libyaml does and the loader refuses with the same diagnostic. */
static void
depth(void)
{
	struct buf b = {0};
	int i;

	for (i = 0; i < YAML_MAX_DEPTH - 1; i++)
		buf_printf(&b, "%*sk:\n", i * 2, "");
	buf_printf(&b, "%*sk: v\n", i * 2, "");
	CHECK(same_both_ways("deep.yaml", b.data, b.len));
	b.len = 0;
	buf_puts(&b, "a: ");
	for (i = 0; i < 100; i++)
		buf_putc(&b, '[');
	for (i = 0; i < 100; i++)
		buf_putc(&b, ']');
	buf_putc(&b, '\n');
	CHECK(!same_both_ways("deep-flow.yaml", b.data, b.len));
	buf_free(&b);
}

static void
example(void)
{
	size_t len;
	char *text;

	CHECK(file_read("sparta.yaml.example", YAML_MAX_BYTES, &text, &len) == 0);
	CHECK(yaml_fast_accepts(text, len));
	free(text);
}

int
main(void)
{
	snippets();
	depth();
	example();
	corpus("sparta.yaml.example");
	corpus("tests/manifests/valid/*.yaml");
	corpus("tests/manifests/invalid/*.yaml");
	corpus("tests/marshal/*.yaml");
	corpus("tests/manifests/*/*.yml");
	fprintf(stderr, "test_yamlfast: %d corpus files read by yamlfast, %d by libyaml\n",
	    fast_files, slow_files);
	CHECK(fast_files > 0);
	return unit_report("test_yamlfast");
}
