/*
 * test_schema.c - the validator's messages, paths and positions, its regex
 * subset, its load-time refusals and its recursion bounds. Correctness per
 * keyword is the JSON-Schema-Test-Suite's job (jsts_runner).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/embedded.h"
#include "front/json.h"
#include "front/loader.h"
#include "front/schema.h"
#include "unit.h"
#include "base/util.h"

static struct schema *
load_schema(const char *json)
{
	char *err = NULL;
	struct schema *s = schema_load(json, strlen(json), &err);

	if (s == NULL)
		fprintf(stderr, "schema does not load: %s\n", err);
	free(err);
	return s;
}

/* Loads json as a schema expecting failure; the error must contain part. */
static void
expect_load_error(const char *json, const char *part)
{
	char *err = NULL;
	struct schema *s = schema_load(json, strlen(json), &err);

	CHECK(s == NULL);
	CHECK(err != NULL && strstr(err, part) != NULL);
	if (err != NULL && strstr(err, part) == NULL)
		fprintf(stderr, "load error '%s' lacks '%s'\n", err, part);
	free(err);
	schema_free(s);
}

struct run {
	struct diags d;
	struct doc *doc;
	size_t errors;
};

static void
run_yaml(struct run *r, const struct schema *s, const char *yaml)
{
	memset(r, 0, sizeof(*r));
	r->doc = yaml_load_buffer("m.yaml", yaml, strlen(yaml), &r->d);
	CHECK_INT(r->d.n, 0);
	r->errors = schema_validate(s, r->doc->root, "m.yaml", &r->d);
	/* The fast path must agree with the reporting one. */
	CHECK_INT(schema_is_valid(s, r->doc->root), r->errors == 0);
	CHECK_INT(r->errors, r->d.n);
}

static void
run_free(struct run *r)
{
	doc_free(r->doc);
	diags_free(&r->d);
}

/* Finds the diagnostic at path and checks it. */
static void
expect(const struct run *r, const char *path, const char *code, unsigned line,
    unsigned col, const char *msg)
{
	const struct diag *g = NULL;

	for (size_t i = 0; i < r->d.n; i++)
		if (r->d.v[i].path != NULL && strcmp(r->d.v[i].path, path) == 0)
			g = &r->d.v[i];
	CHECK(g != NULL);
	if (g == NULL) {
		fprintf(stderr, "no diagnostic at %s; got:\n", path);
		for (size_t i = 0; i < r->d.n; i++)
			fprintf(stderr, "  %s: %s\n", r->d.v[i].path ? r->d.v[i].path : "",
			    r->d.v[i].msg);
		return;
	}
	CHECK_STR(diag_code_id(g->code), code);
	CHECK_INT(g->loc.line, line);
	CHECK_INT(g->loc.col, col);
	CHECK_STR(g->loc.file, "m.yaml");
	CHECK_STR(g->msg, msg);
}

static const char mini[] =
    "{\"type\": \"object\", \"required\": [\"service\"], \"additionalProperties\": false,"
    " \"properties\": {"
    "  \"service\": {\"type\": \"string\", \"pattern\": \"^[A-Za-z][A-Za-z0-9-]*$\", \"maxLength\": 20},"
    "  \"arch\": {\"enum\": [\"x86_64\", \"arm64\"]},"
    "  \"functions\": {\"type\": \"object\", \"additionalProperties\": {\"$ref\": \"#/definitions/function\"}},"
    "  \"roles\": {\"type\": \"object\", \"additionalProperties\": {\"$ref\": \"#/definitions/role\"}},"
    "  \"routes\": {\"type\": \"object\", \"propertyNames\": {\"pattern\": \"^(GET|POST) /\"}},"
    "  \"tags\": {\"type\": \"object\", \"maxProperties\": 2, \"additionalProperties\": {\"type\": [\"string\", \"number\"]}},"
    "  \"name\": {\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"object\", \"required\": [\"Ref\"]}]},"
    "  \"queue\": {\"anyOf\": [{\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"null\"}]},"
    "    {\"type\": \"object\", \"properties\": {\"arn\": {\"type\": \"string\"}}}]},"
    "  \"stage\": {\"const\": \"prod\"},"
    "  \"ratio\": {\"type\": \"number\", \"exclusiveMinimum\": 0, \"multipleOf\": 0.5},"
    "  \"vpc\": {\"type\": \"object\", \"dependencies\": {\"subnets\": [\"security_groups\"]},"
    "          \"not\": {\"description\": \"an empty VPC does nothing\", \"maxProperties\": 0}},"
    "  \"empty\": false"
    " },"
    " \"definitions\": {"
    "  \"function\": {\"type\": \"object\", \"required\": [\"symbol\"], \"additionalProperties\": false,"
    "   \"properties\": {\"symbol\": {\"type\": \"string\", \"minLength\": 1},"
    "    \"memory\": {\"type\": \"integer\", \"minimum\": 128, \"maximum\": 10240},"
    "    \"events\": {\"type\": \"array\", \"maxItems\": 4, \"uniqueItems\": true, \"items\": {\"$ref\": \"#/definitions/event\"}}}},"
    "  \"event\": {\"oneOf\": ["
    "   {\"type\": \"object\", \"required\": [\"schedule\"], \"additionalProperties\": false,"
    "    \"properties\": {\"schedule\": {\"type\": \"string\"}}},"
    "   {\"type\": \"object\", \"required\": [\"sqs\"], \"additionalProperties\": false,"
    "    \"properties\": {\"sqs\": {\"type\": \"object\", \"additionalProperties\": false,"
    "     \"properties\": {\"queue\": {\"type\": \"string\"}, \"batch\": {\"type\": \"integer\", \"minimum\": 1}}}}}]},"
    "  \"role\": {\"type\": \"object\", \"oneOf\": [{\"required\": [\"arn\"]}, {\"required\": [\"privileges\"]}]}"
    " }}";

static void
test_messages(void)
{
	struct schema *s = load_schema(mini);
	struct run r;

	if (s == NULL)
		return;
	run_yaml(&r, s,
	    "service: 9lives\n"
	    "arch: x86-64\n"
	    "functions:\n"
	    "  hello:\n"
	    "    memroy: 256\n"
	    "    memory: 20\n"
	    "    events:\n"
	    "      - schedule: rate(5 minutes)\n"
	    "      - sqs: {queue: q, batchh: 10}\n"
	    "      - 42\n"
	    "      - sqs: {queue: q, batch: 0}\n"
	    "      - schedule: x\n"
	    "  world: []\n");
	expect(&r, "service", "E-SCHEMA-PATTERN", 1, 10,
	    "'9lives' does not match the pattern '^[A-Za-z][A-Za-z0-9-]*$'");
	expect(&r, "arch", "E-SCHEMA-ENUM", 2, 7,
	    "'x86-64' is not one of 'x86_64', 'arm64' (did you mean 'x86_64'?)");
	expect(&r, "functions.hello", "E-SCHEMA-REQUIRED", 5, 5,
	    "missing required property 'symbol'");
	expect(&r, "functions.hello.memroy", "E-SCHEMA-UNKNOWN-PROPERTY", 5, 5,
	    "unknown property 'memroy' (did you mean 'memory'?)");
	expect(&r, "functions.hello.memory", "E-SCHEMA-RANGE", 6, 13,
	    "20 is below the minimum 128");
	expect(&r, "functions.hello.events", "E-SCHEMA-COUNT", 8, 7,
	    "has 5 items, at most 4 allowed");
	/* oneOf: the branch whose keys match is the one reported. */
	expect(&r, "functions.hello.events[1].sqs.batchh", "E-SCHEMA-UNKNOWN-PROPERTY",
	    9, 25, "unknown property 'batchh' (did you mean 'batch'?)");
	expect(&r, "functions.hello.events[2]", "E-SCHEMA-TYPE", 10, 9,
	    "expected a mapping, got 42 (an integer)");
	expect(&r, "functions.hello.events[3].sqs.batch", "E-SCHEMA-RANGE", 11, 32,
	    "0 is below the minimum 1");
	expect(&r, "functions.world", "E-SCHEMA-TYPE", 13, 10,
	    "expected a mapping, got a list");
	CHECK_INT(r.errors, 10);
	run_free(&r);

	run_yaml(&r, s,
	    "service: a-very-long-service-name\n"
	    "roles:\n"
	    "  both: {arn: x, privileges: []}\n"
	    "  none: {}\n"
	    "routes:\n"
	    "  GET /a: f\n"
	    "  GOT /b: f\n"
	    "tags: {a: 1, b: x, c: [z]}\n"
	    "name: 5\n"
	    "stage: dev\n"
	    "ratio: 0\n"
	    "vpc: {subnets: [a]}\n"
	    "empty: 1\n"
	    "functions:\n"
	    "  f:\n"
	    "    symbol: f\n"
	    "    events: [{schedule: a}, {sqs: {queue: q}}, {schedule: a}]\n");
	expect(&r, "service", "E-SCHEMA-LENGTH", 1, 10,
	    "'a-very-long-service-name' is too long (24 characters, maximum 20)");
	expect(&r, "roles.both", "E-SCHEMA-ONE-OF", 3, 9,
	    "matches more than one of the allowed forms: the one with 'arn' and "
	    "the one with 'privileges'");
	expect(&r, "roles.none", "E-SCHEMA-REQUIRED", 4, 9,
	    "needs exactly one of 'arn' or 'privileges'");
	expect(&r, "routes[\"GOT /b\"]", "E-SCHEMA-PATTERN", 7, 3,
	    "'GOT /b' does not match the pattern '^(GET|POST) /'");
	expect(&r, "tags", "E-SCHEMA-COUNT", 8, 7,
	    "has 3 properties (a, b, c), at most 2 allowed");
	expect(&r, "tags.c", "E-SCHEMA-TYPE", 8, 23,
	    "expected a string or a number, got a list");
	expect(&r, "name", "E-SCHEMA-TYPE", 9, 7,
	    "expected a mapping or a string, got 5 (an integer)");
	expect(&r, "stage", "E-SCHEMA-ENUM", 10, 8, "expected 'prod', got 'dev'");
	expect(&r, "ratio", "E-SCHEMA-RANGE", 11, 8, "0 must be greater than 0");
	expect(&r, "vpc.subnets", "E-SCHEMA-DEPENDENCY", 12, 7,
	    "property 'subnets' requires property 'security_groups'");
	expect(&r, "empty", "E-SCHEMA-UNKNOWN-PROPERTY", 13, 8,
	    "property 'empty' is not allowed");
	expect(&r, "functions.f.events[2]", "E-SCHEMA-UNIQUE", 17, 48,
	    "duplicate of item 0");
	CHECK_INT(r.errors, 12);
	run_free(&r);

	run_yaml(&r, s, "service: !Ref Name\nfunctions:\n  f: {symbol: !Sub '${A}'}\n");
	expect(&r, "service", "E-SCHEMA-TYPE", 1, 10, "expected a string, got the "
	    "intrinsic function Ref, which is not accepted here");
	expect(&r, "functions.f.symbol", "E-SCHEMA-TYPE", 3, 15, "expected a string, "
	    "got the intrinsic function Fn::Sub, which is not accepted here");
	run_free(&r);

	run_yaml(&r, s, "service: ok\nvpc: {}\nratio: 1.25\nqueue: [a]\n");
	/* Types are gathered through nested typeless anyOf branches. */
	expect(&r, "queue", "E-SCHEMA-TYPE", 4, 8,
	    "expected a mapping, a string or null, got a list");
	expect(&r, "vpc", "E-SCHEMA-NOT", 2, 6,
	    "is not allowed: an empty VPC does nothing");
	expect(&r, "ratio", "E-SCHEMA-RANGE", 3, 8, "1.25 is not a multiple of 0.5");
	run_free(&r);

	/* A valid manifest gives nothing. */
	run_yaml(&r, s, "service: ok\nfunctions:\n  f: {symbol: f, memory: 128.0}\n"
	    "roles: {r: {arn: x}}\nname: !Ref Param\n");
	CHECK_INT(r.errors, 0);
	run_free(&r);

	/* An empty document is null at file:1:1. */
	{
		struct diags d = {0};

		CHECK_INT(schema_validate(s, NULL, "empty.yaml", &d), 1);
		CHECK_INT(d.n, 1);
		if (d.n == 1) {
			CHECK_STR(d.v[0].msg, "expected a mapping, got null");
			CHECK_STR(d.v[0].loc.file, "empty.yaml");
			CHECK_INT(d.v[0].loc.line, 1);
			CHECK(d.v[0].path == NULL);
		}
		diags_free(&d);
	}
	schema_free(s);
}

/* The real manifest schema, embedded in the binary. */
static void
test_manifest_schema(void)
{
	const struct embedded_file *f = embedded_find("schema/sparta.schema.json");
	struct schema *s;
	char *err = NULL;
	struct run r;
	struct buf big = {0};
	struct doc *doc;
	struct diags d = {0};
	clock_t t0;
	double ms;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	s = schema_load((const char *)f->data, f->len, &err);
	CHECK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return;
	}
	run_yaml(&r, s,
	    "service: hello\n"
	    "functions:\n"
	    "  hello:\n"
	    "    symbol: hello_world\n"
	    "    memroy: 256\n"
	    "    memory: 20\n");
	expect(&r, "functions.hello.memory", "E-SCHEMA-RANGE", 6, 13,
	    "20 is below the minimum 128");
	expect(&r, "functions.hello.memroy", "E-SCHEMA-UNKNOWN-PROPERTY", 5, 5,
	    "unknown property 'memroy' (did you mean 'memory'?)");
	run_free(&r);

	/* Compiled once, validating 1,000 functions is a few milliseconds. */
	buf_puts(&big, "service: big\nfunctions:\n");
	for (int i = 0; i < 1000; i++)
		buf_printf(&big, "  f%d:\n    symbol: f%d\n    memory: 256\n    timeout: 30\n"
		    "    environment: {TABLE: !Ref Table, LEVEL: debug}\n"
		    "    events:\n      - schedule: rate(5 minutes)\n"
		    "      - sqs: {queue: !GetAtt Jobs.Arn, batch: 10}\n", i, i);
	doc = yaml_load_buffer("big.yaml", big.data, big.len, &d);
	CHECK(doc->root != NULL);
	t0 = clock();
	CHECK_INT(schema_validate(s, doc->root, "big.yaml", &d), 0);
	ms = (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC;
	printf("validate 1000 functions: %.2f ms (CPU)\n", ms);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "  %s: %s\n", d.v[i].path ? d.v[i].path : "", d.v[i].msg);
	doc_free(doc);
	diags_free(&d);
	buf_free(&big);
	schema_free(s);
}

static int
pattern_matches(const char *pattern, const char *subject)
{
	struct buf b = {0};
	struct schema *s;
	struct diags d = {0};
	struct doc *doc;
	char *esc;
	int ok = -1;

	buf_puts(&b, "{\"pattern\": \"");
	for (const char *p = pattern; *p; p++) {
		if (*p == '\\' || *p == '"')
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	buf_puts(&b, "\"}");
	s = load_schema(b.data);
	buf_free(&b);
	if (s == NULL)
		return -1;
	esc = xasprintf("\"%s\"", subject);
	/* Subjects are given JSON-escaped. */
	doc = json_load_buffer("s", esc, strlen(esc), &d);
	if (doc->root != NULL)
		ok = schema_is_valid(s, doc->root);
	doc_free(doc);
	diags_free(&d);
	free(esc);
	schema_free(s);
	return ok;
}

static void
test_regex(void)
{
	static const struct {
		const char *re, *subject;
		int match;
	} cases[] = {
		{"^a*$", "aaa", 1}, {"^a*$", "aab", 0}, {"b", "abc", 1},
		{"^\\d{2,3}$", "12", 1}, {"^\\d{2,3}$", "1234", 0},
		{"^(?=.*\\d)(?=.*[a-z]).{6,}$", "abc123", 1},
		{"^(?=.*\\d)(?=.*[a-z]).{6,}$", "abcdef", 0},
		{"^(?!foo)\\w+$", "foobar", 0}, {"^(?!foo)\\w+$", "barfoo", 1},
		{"^a+?b$", "aaab", 1}, {"^(a|ab)(c|bcd)(d*)$", "abcd", 1},
		{"^[^/ ]+/[^/ ]+$", "a/b", 1}, {"^[^/ ]+/[^/ ]+$", "a /b", 0},
		{"\\bfoo\\b", "a foo b", 1}, {"\\bfoo\\b", "afoob", 0},
		{"\\Bfoo", "afoo", 1},
		{"^.$", "\\u00e9", 1}, {"^.$", "\\ud83d\\ude00", 1}, {"^..$", "\\u00e9", 0},
		{"^.$", "\\n", 0}, {"^\\s$", "\\u00a0", 1}, {"^\\S$", "\\u3000", 0},
		{"^[a-c-e]+$", "a-e", 1}, {"^[\\d-z]+$", "1-z", 1},
		{"^\\u00e9$", "\\u00e9", 1}, {"^\\x41$", "A", 1}, {"^\\cJ$", "\\n", 1},
		{"^[\\u00e0-\\u00ff]+$", "\\u00e9\\u00e8", 1},
		{"^\\ud83d\\ude00$", "\\ud83d\\ude00", 1},
		{"^a{2}$", "aa", 1}, {"^a{2}$", "aaa", 0}, {"a{,2}", "a{,2}", 1},
		{"^a{2,}$", "aaaa", 1}, {"^(ab){1,2}$", "ababab", 0},
		{"^(ab)*$", "ababab", 1}, {"^(ab)*$", "ababa", 0},
		{"^(a*)*$", "aaaa", 1}, {"^(a*)+b$", "aaaa", 0},
		{"^[]$", "a", 0}, {"^[^]$", "x", 1},
		{"^(?:a|b)+$", "abba", 1}, {"^(?<year>\\d{4})$", "2024", 1},
		{"^\\.$", ".", 1}, {"^\\.$", "x", 0}, {"^\\/$", "/", 1},
		{"^[\\]]$", "]", 1}, {"^[\\w.-]+$", "a.b-c_d", 1},
		{"^a|b$", "xb", 1}, {"^a|b$", "xa", 0},
		{"^(rate|cron)\\(.+\\)$", "rate(5 minutes)", 1},
		{"^(rate|cron)\\(.+\\)$", "every(5)", 0},
		{"^[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*$", "AWS::S3::Bucket", 1},
		{"^[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*$", "AWS::S3:Bucket", 0},
		{"x*?y", "xxy", 1}, {"^(a+)(b?)$", "aab", 1}, {"[0-9]{2,}", "a12", 1},
		{"^\\W+$", "!-", 1}, {"^\\D$", "5", 0}, {"^$", "", 1}, {"", "x", 1},
	};
	static const struct {
		const char *re, *part;
	} bad[] = {
		{"(a)\\1", "backreferences"}, {"(?<=a)b", "lookbehind"},
		{"\\p{L}", "property"}, {"a**", "nothing to repeat"},
		{"(", "missing ')'"}, {"a)", "unmatched ')'"},
		{"[b-a]", "out of order"}, {"*a", "nothing to repeat"},
		{"\\u{41}", "unicode flag"}, {"^*", "anchor cannot be repeated"},
		{"[a", "unterminated"}, {"a{3,1}", "out of order"}, {"(?i)a", "unknown group"},
		{"\\k<x>", "named backreferences"}, {"a\\", "may not end"},
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		int got = pattern_matches(cases[i].re, cases[i].subject);

		CHECK_INT(got, cases[i].match);
		if (got != cases[i].match)
			fprintf(stderr, "  pattern /%s/ on \"%s\"\n", cases[i].re,
			    cases[i].subject);
	}
	for (size_t i = 0; i < NELEM(bad); i++) {
		struct buf b = {0};

		buf_puts(&b, "{\"properties\": {\"x\": {\"pattern\": \"");
		for (const char *p = bad[i].re; *p; p++) {
			if (*p == '\\' || *p == '"')
				buf_putc(&b, '\\');
			buf_putc(&b, *p);
		}
		buf_puts(&b, "\"}}}");
		expect_load_error(b.data, bad[i].part);
		/* The error names the schema position of the pattern. */
		expect_load_error(b.data, "schema:1:34: pattern");
		buf_free(&b);
	}
}

static void
test_limits(void)
{
	struct schema *s;
	struct run r;
	struct buf subj = {0};
	clock_t t0;

	/* Catastrophic backtracking stops at the step limit, reported as such. */
	s = load_schema("{\"properties\": {\"k\": {\"pattern\": \"^(a|a)*b$\"}}}");
	buf_puts(&subj, "k: ");
	for (int i = 0; i < 40; i++)
		buf_putc(&subj, 'a');
	buf_putc(&subj, '\n');
	t0 = clock();
	run_yaml(&r, s, subj.data);
	CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
	CHECK_INT(r.errors, 1);
	if (r.d.n == 1) {
		CHECK_STR(diag_code_id(r.d.v[0].code), "E-SCHEMA-LIMIT");
		CHECK(strstr(r.d.v[0].msg, "too complex") != NULL);
	}
	run_free(&r);
	buf_free(&subj);
	schema_free(s);

	/* An allOf/$ref loop that consumes nothing is cut at SCHEMA_MAX_DEPTH. */
	s = load_schema("{\"$ref\": \"#/definitions/a\", \"definitions\": "
	    "{\"a\": {\"allOf\": [{\"$ref\": \"#/definitions/a\"}]}}}");
	CHECK(s != NULL);
	if (s != NULL) {
		run_yaml(&r, s, "x: 1\n");
		CHECK_INT(r.errors, 1);
		if (r.d.n == 1)
			CHECK_STR(diag_code_id(r.d.v[0].code), "E-SCHEMA-LIMIT");
		run_free(&r);
		schema_free(s);
	}
	/* anyOf over recursive branches: stopped by the depth or step bound, fast. */
	{
		static const char *const runaway[] = {
			"{\"anyOf\": [{\"$ref\": \"#\"}, {\"$ref\": \"#\"}]}",
			"{\"type\": \"object\", \"additionalProperties\": {\"anyOf\": "
			    "[{\"$ref\": \"#\"}, {\"$ref\": \"#\"}, {\"$ref\": \"#\"}]}}",
		};
		struct buf deep = {0};

		for (int i = 0; i < 40; i++)
			buf_puts(&deep, "{a: ");
		buf_puts(&deep, "1");
		for (int i = 0; i < 40; i++)
			buf_puts(&deep, "}");
		buf_puts(&deep, "\n");
		for (size_t i = 0; i < NELEM(runaway); i++) {
			s = load_schema(runaway[i]);
			t0 = clock();
			run_yaml(&r, s, deep.data);
			/* CPU seconds; generous for valgrind (SPARTAC_VALGRIND=1). */
			CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 60.0);
			CHECK(r.errors >= 1);
			CHECK(r.d.n >= 1 && strcmp(diag_code_id(r.d.v[r.d.n - 1].code),
			    "E-SCHEMA-LIMIT") == 0);
			if (r.d.n >= 1)
				CHECK(strstr(r.d.v[r.d.n - 1].msg, "validation stopped") != NULL);
			run_free(&r);
			schema_free(s);
		}
		buf_free(&deep);
	}
	/* uniqueItems on long lists: hashed, n log n; same answers as pairwise. */
	{
		struct buf arr = {0};
		struct diags d = {0};
		struct doc *doc;

		s = load_schema("{\"uniqueItems\": true}");
		buf_puts(&arr, "[");
		for (int i = 0; i < 100000; i++)
			buf_printf(&arr, "%s%d", i ? ", " : "", i);
		/* 5.0 equals item 5; {"b":1,"a":[1]} equals its reordering. */
		buf_puts(&arr, ", 5.0, {\"a\": [1], \"b\": 1}, \"x\", {\"b\": 1, \"a\": [1]}, true, 1]");
		doc = json_load_buffer("long.json", arr.data, arr.len, &d);
		t0 = clock();
		CHECK_INT(schema_validate(s, doc->root, "long.json", &d), 3);
		CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 30.0);
		CHECK_INT(schema_is_valid(s, doc->root), 0);
		CHECK_INT(d.n, 3);
		for (size_t i = 0; i < d.n; i++)
			CHECK_STR(diag_code_id(d.v[i].code), "E-SCHEMA-UNIQUE");
		if (d.n == 3) {
			/* Emitted in hash order; each names the first equal item. */
			int seen5 = 0, seen_map = 0, seen1 = 0;

			for (size_t i = 0; i < 3; i++) {
				seen5 |= strcmp(d.v[i].path, "[100000]") == 0 &&
				    strcmp(d.v[i].msg, "duplicate of item 5") == 0;
				seen_map |= strcmp(d.v[i].path, "[100003]") == 0 &&
				    strcmp(d.v[i].msg, "duplicate of item 100001") == 0;
				seen1 |= strcmp(d.v[i].path, "[100005]") == 0 &&
				    strcmp(d.v[i].msg, "duplicate of item 1") == 0;
			}
			CHECK(seen5 && seen_map && seen1);
		}
		doc_free(doc);
		diags_free(&d);
		buf_free(&arr);
		schema_free(s);
	}
	/* Past the diagnostics' limit (1,000) the errors are counted as
	 * dropped, not lost: 1,500 duplicates (the fuzzer's find). */
	{
		struct buf arr = {0};
		struct diags d = {0};
		struct doc *doc;

		s = load_schema("{\"uniqueItems\": true}");
		buf_puts(&arr, "[1");
		for (int i = 0; i < 1500; i++)
			buf_puts(&arr, ", 1");
		buf_puts(&arr, "]");
		doc = json_load_buffer("dups.json", arr.data, arr.len, &d);
		CHECK_INT(schema_validate(s, doc->root, "dups.json", &d), 1500);
		CHECK_INT(schema_is_valid(s, doc->root), 0);
		CHECK_INT(d.n, 1000);
		CHECK_INT(d.n + d.dropped, 1500);
		doc_free(doc);
		diags_free(&d);
		buf_free(&arr);
		schema_free(s);
	}
	/* Recursion that consumes the instance is fine. */
	s = load_schema("{\"type\": \"object\", \"additionalProperties\": {\"$ref\": \"#\"}}");
	run_yaml(&r, s, "a: {b: {c: {d: {}}}}\n");
	CHECK_INT(r.errors, 0);
	run_free(&r);
	run_yaml(&r, s, "a: {b: {c: {d: 1}}}\n");
	expect(&r, "a.b.c.d", "E-SCHEMA-TYPE", 1, 16, "expected a mapping, got 1 (an integer)");
	run_free(&r);
	schema_free(s);
}

static void
test_load_errors(void)
{
	expect_load_error("{\"$ref\": \"#/definitions/a\", \"definitions\": {"
	    "\"a\": {\"$ref\": \"#/definitions/b\"}, \"b\": {\"$ref\": \"#/definitions/a\"}}}",
	    "$ref cycle");
	expect_load_error("{\"$ref\": \"http://example.com/s.json\"}",
	    "schema:1:10: cannot resolve $ref 'http://example.com/s.json'");
	expect_load_error("{\"items\": {\"$ref\": \"#/definitions/nope\"}}",
	    "$ref '#/definitions/nope' points to nothing");
	expect_load_error("{\"type\": \"strin\"}", "schema:1:10: unknown type 'strin'");
	expect_load_error("{\"minimum\": \"1\"}", "'minimum' must be a number");
	expect_load_error("{\"maxLength\": -1}", "non-negative integer");
	expect_load_error("{\"multipleOf\": 0}", "greater than 0");
	expect_load_error("{\"anyOf\": []}", "non-empty array");
	expect_load_error("{\"properties\": {\"a\": 3}}", "schema:1:22: a schema must be");
	expect_load_error("{\"required\": [1]}", "must list strings");
	expect_load_error("{\"type\": \"object\",}", "schema:1:19:");
	expect_load_error("", "schema:1:1:");

	/* Escaped pointers, $id-relative refs and plain-name fragments resolve. */
	{
		struct schema *s = load_schema(
		    "{\"$id\": \"http://x.test/root.json\", \"properties\": {"
		    "\"a\": {\"$ref\": \"#/definitions/a~1b\"},"
		    "\"b\": {\"$ref\": \"#/definitions/p%25c\"},"
		    "\"c\": {\"$ref\": \"#named\"},"
		    "\"d\": {\"$ref\": \"other.json#/definitions/x\"}},"
		    "\"definitions\": {\"a/b\": {\"type\": \"integer\"},"
		    "\"p%c\": {\"type\": \"string\"},"
		    "\"n\": {\"$id\": \"#named\", \"type\": \"boolean\"},"
		    "\"o\": {\"$id\": \"other.json\", \"definitions\": {\"x\": {\"type\": \"null\"}}}}}");
		struct run r;

		CHECK(s != NULL);
		if (s != NULL) {
			run_yaml(&r, s, "a: 1\nb: x\nc: true\nd: null\n");
			CHECK_INT(r.errors, 0);
			run_free(&r);
			run_yaml(&r, s, "a: x\nb: 1\nc: 1\nd: 1\n");
			CHECK_INT(r.errors, 4);
			run_free(&r);
			schema_free(s);
		}
	}
}

int
main(void)
{
	test_messages();
	test_manifest_schema();
	test_regex();
	test_limits();
	test_load_errors();
	return unit_report("test_schema");
}
