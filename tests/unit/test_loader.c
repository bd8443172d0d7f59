/* test_loader.c - the YAML loader: types, locations, tags, limits. */
#include <stdlib.h>
#include <string.h>

#include "front/loader.h"
#include "unit.h"

static struct doc *
load(const char *text, struct diags *d)
{
	memset(d, 0, sizeof(*d));
	return yaml_load_buffer("t.yaml", text, strlen(text), d);
}

/* The code of the only diagnostic, or DIAG__COUNT. */
static enum diag_code
only_code(const struct diags *d)
{
	return d->n == 1 ? d->v[0].code : DIAG__COUNT;
}

static void
test_scalars(void)
{
	struct diags d;
	struct doc *doc = load("a: 1\nb: -0x1f\nc: 1.5e3\nd: true\ne: ~\n"
	    "f: '1'\ng: yes\nh: .inf\ni: 0o17\nj: 99999999999999999999\nk:\n", &d);
	const struct node *r = doc->root;

	CHECK_INT(d.nerrors, 0);
	CHECK_INT(node_get(r, "a")->kind, NODE_INT);
	CHECK_INT(node_get(r, "a")->v.i, 1);
	CHECK_INT(node_get(r, "b")->v.i, -31);
	CHECK_INT(node_get(r, "c")->kind, NODE_FLOAT);
	CHECK(node_get(r, "c")->v.f == 1500.0);
	CHECK_INT(node_get(r, "d")->kind, NODE_BOOL);
	CHECK_INT(node_get(r, "e")->kind, NODE_NULL);
	CHECK_INT(node_get(r, "f")->kind, NODE_STRING);
	/* YAML 1.2: yes is a string, not a boolean (the Norway problem) */
	CHECK_STR(node_str(node_get(r, "g")), "yes");
	CHECK_INT(node_get(r, "h")->kind, NODE_FLOAT);
	CHECK_INT(node_get(r, "i")->v.i, 15);
	CHECK_INT(node_get(r, "j")->kind, NODE_FLOAT);
	CHECK_INT(node_get(r, "k")->kind, NODE_NULL);
	doc_free(doc);
	diags_free(&d);
}

static void
test_locations(void)
{
	struct diags d;
	struct doc *doc = load("service: x\nfunctions:\n  hello:\n    memory: 128\n", &d);
	const struct node *mem = node_get(node_get(node_get(doc->root,
	    "functions"), "hello"), "memory");
	const struct node_pair *p = node_find(doc->root, "functions");

	CHECK(mem != NULL);
	CHECK_INT(mem->loc.line, 4);
	CHECK_INT(mem->loc.col, 13);
	CHECK_STR(mem->loc.file, "t.yaml");
	CHECK_INT(p->key->loc.line, 2);
	CHECK_INT(p->key->loc.col, 1);
	doc_free(doc);
	diags_free(&d);
}

static void
test_cfn_tags(void)
{
	struct diags d;
	struct doc *doc = load("a: !Ref Bucket\nb: !GetAtt Role.Arn\n"
	    "c: !GetAtt [Db, Endpoint.Address]\nd: !Sub 'x-${AWS::Region}'\n"
	    "e: !Join [',', [a, b]]\nf: !Select [0, !GetAZs '']\n"
	    "g: !If [C, 1, 2]\nh: !GetAtt Db.Endpoint.Port\n", &d);
	const struct node *r = doc->root, *v;

	CHECK_INT(d.nerrors, 0);
	v = node_get(r, "a");
	CHECK(v->from_tag);
	CHECK_STR(node_str(node_get(v, "Ref")), "Bucket");
	v = node_get(node_get(r, "b"), "Fn::GetAtt");
	CHECK(v && v->kind == NODE_SEQ && v->n == 2);
	CHECK_STR(node_str(v->items[0]), "Role");
	CHECK_STR(node_str(v->items[1]), "Arn");
	v = node_get(node_get(r, "h"), "Fn::GetAtt");
	CHECK_STR(node_str(v->items[1]), "Endpoint.Port");
	CHECK(node_get(node_get(r, "c"), "Fn::GetAtt")->n == 2);
	CHECK_STR(node_str(node_get(node_get(r, "d"), "Fn::Sub")), "x-${AWS::Region}");
	v = node_get(node_get(r, "f"), "Fn::Select");
	CHECK_INT(v->items[0]->kind, NODE_INT);
	CHECK_STR(node_str(node_get(v->items[1], "Fn::GetAZs")), "");
	CHECK_INT(node_get(node_get(r, "g"), "Fn::If")->n, 3);
	doc_free(doc);
	diags_free(&d);
}

static void
test_errors(void)
{
	static const struct {
		const char *text;
		enum diag_code code;
		unsigned line, col;
	} cases[] = {
		{"a: 1\na: 2\n", DIAG_YAML_DUPLICATE_KEY, 2, 1},
		{"a: !Nope x\n", DIAG_YAML_UNKNOWN_TAG, 1, 4},
		{"a: !GetAtt nodot\n", DIAG_YAML_BAD_TAG_VALUE, 1, 4},
		{"a: !If [a, b]\n", DIAG_YAML_BAD_TAG_VALUE, 1, 4},
		{"1: x\n", DIAG_YAML_KEY_TYPE, 1, 1},
		{"? [a]\n: x\n", DIAG_YAML_KEY_TYPE, 1, 3},
		{"a: [1, 2\n", DIAG_YAML_SYNTAX, 2, 1},
		{"a: \"\xc3\x28\"\n", DIAG_YAML_UTF8, 1, 5},
		{"a: 1\n---\nb: 2\n", DIAG_YAML_MULTI_DOCUMENT, 2, 1},
		{"", DIAG_YAML_EMPTY, 1, 1},
		{"a: *nothing\n", DIAG_YAML_SYNTAX, 1, 4},
		{"a: &x 1\n<<: *x\n", DIAG_YAML_MERGE_KEY, 2, 1},
		{"a: !!int abc\n", DIAG_YAML_SYNTAX, 1, 4},
	};
	struct diags d;
	struct doc *doc;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		doc = load(cases[i].text, &d);
		if (only_code(&d) != cases[i].code) {
			fprintf(stderr, "case %zu: %zu diagnostics, first %s\n", i, d.n,
			    d.n ? diag_code_id(d.v[0].code) : "none");
		}
		CHECK_INT(only_code(&d), cases[i].code);
		if (d.n == 1) {
			CHECK_INT(d.v[0].loc.line, cases[i].line);
			CHECK_INT(d.v[0].loc.col, cases[i].col);
		}
		doc_free(doc);
		diags_free(&d);
	}
}

static void
test_limits(void)
{
	struct buf b = {0};
	struct diags d;
	struct doc *doc;
	int i, j;

	/* billion laughs: 10 levels of 10 aliases */
	buf_puts(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i < 10; i++) {
		buf_printf(&b, "a%d: &a%d [", i, i);
		for (j = 0; j < 10; j++)
			buf_printf(&b, "%s*a%d", j ? ", " : "", i - 1);
		buf_puts(&b, "]\n");
	}
	doc = load(b.data, &d);
	CHECK_INT(only_code(&d), DIAG_YAML_ALIAS_BUDGET);
	CHECK(doc->root == NULL);
	doc_free(doc);
	diags_free(&d);
	buf_free(&b);

	for (i = 0; i < 100000; i++)
		buf_putc(&b, '[');
	doc = load(b.data, &d);
	CHECK_INT(only_code(&d), DIAG_YAML_DEPTH);
	doc_free(doc);
	diags_free(&d);
	buf_free(&b);

	/* exactly at the limit is fine */
	for (i = 0; i < YAML_MAX_DEPTH; i++)
		buf_putc(&b, '[');
	for (i = 0; i < YAML_MAX_DEPTH; i++)
		buf_putc(&b, ']');
	doc = load(b.data, &d);
	CHECK_INT(d.nerrors, 0);
	doc_free(doc);
	diags_free(&d);
	buf_free(&b);

	memset(&d, 0, sizeof(d));
	b.data = xcalloc(1, YAML_MAX_BYTES + 2);
	memset(b.data, '#', YAML_MAX_BYTES + 1);
	doc = yaml_load_buffer("big.yaml", b.data, YAML_MAX_BYTES + 1, &d);
	CHECK_INT(only_code(&d), DIAG_FILE_TOO_LARGE);
	doc_free(doc);
	diags_free(&d);
	free(b.data);
}

static void
test_aliases_share(void)
{
	struct diags d;
	struct doc *doc = load("base: &b {memory: 256}\nf: *b\n", &d);

	CHECK_INT(d.nerrors, 0);
	CHECK(node_get(doc->root, "base") == node_get(doc->root, "f"));
	doc_free(doc);
	diags_free(&d);
}

int
main(void)
{
	test_scalars();
	test_locations();
	test_cfn_tags();
	test_errors();
	test_limits();
	test_aliases_share();
	return unit_report("test_loader");
}
