/* test_manifest.c - the manifest model: defaults, stage merge, semantic checks. */
#include <stdlib.h>
#include <string.h>

#include "front/loader.h"
#include "front/manifest.h"
#include "unit.h"

/* A loaded case: the doc, its diagnostics and the model (NULL on errors). */
struct tcase {
	struct doc *doc;
	struct diags d;
	struct manifest *m;
};

static void
tc_build(struct tcase *t, const char *text, const char *stage)
{
	memset(t, 0, sizeof(*t));
	t->doc = yaml_load_buffer("t.yaml", text, strlen(text), &t->d);
	if (t->d.nerrors) {
		if (*text != '\0') /* the empty case is meant not to load */
			fprintf(stderr, "test input does not load: %s\n",
			    t->d.v[0].msg);
		return;
	}
	t->m = manifest_build(t->doc, stage, &t->d);
}

static void
tc_free(struct tcase *t)
{
	manifest_free(t->m);
	doc_free(t->doc);
	diags_free(&t->d);
}

/* The first diagnostic with this code, or NULL. */
static const struct diag *
tc_find(const struct tcase *t, enum diag_code code)
{
	size_t i;

	for (i = 0; i < t->d.n; i++)
		if (t->d.v[i].code == code)
			return &t->d.v[i];
	return NULL;
}

static size_t
tc_count(const struct tcase *t, enum diag_code code)
{
	size_t i, n = 0;

	for (i = 0; i < t->d.n; i++)
		n += t->d.v[i].code == code;
	return n;
}

static void
tc_dump(const struct tcase *t)
{
	size_t i;

	for (i = 0; i < t->d.n; i++)
		fprintf(stderr, "  %u:%u %s: %s: %s\n", t->d.v[i].loc.line,
		    t->d.v[i].loc.col, diag_code_id(t->d.v[i].code),
		    t->d.v[i].path ? t->d.v[i].path : "", t->d.v[i].msg);
}

/* Does msg contain want? (want NULL: anything goes) */
static int
msg_has(const char *msg, const char *want)
{
	return want == NULL || strstr(msg, want) != NULL;
}

/*
 * Expects exactly one diagnostic, with code at line:col, whose message
 * contains want (when not NULL).
 */
#define EXPECT_ONE(text, ecode, eline, ecol, ewant)                            \
	do {                                                               \
		struct tcase t_;                                           \
		tc_build(&t_, (text), NULL);                               \
		CHECK_INT(t_.d.n, 1);                                      \
		if (t_.d.n != 1)                                           \
			tc_dump(&t_);                                      \
		if (t_.d.n >= 1) {                                         \
			CHECK_STR(diag_code_id(t_.d.v[0].code),            \
			    diag_code_id(ecode));                           \
			CHECK_INT(t_.d.v[0].loc.line, (eline));             \
			CHECK_INT(t_.d.v[0].loc.col, (ecol));               \
			if (!msg_has(t_.d.v[0].msg, (ewant))) {            \
				CHECK_STR(t_.d.v[0].msg, (ewant));          \
			}                                                  \
		}                                                          \
		CHECK((t_.m == NULL) ==                                    \
		    (diag_code_severity(ecode) == SEV_ERROR));              \
		tc_free(&t_);                                              \
	} while (0)

/* Expects no diagnostic at all. */
#define EXPECT_CLEAN(text)                                                 \
	do {                                                               \
		struct tcase t_;                                           \
		tc_build(&t_, (text), NULL);                               \
		CHECK_INT(t_.d.n, 0);                                      \
		if (t_.d.n)                                                \
			tc_dump(&t_);                                      \
		CHECK(t_.m != NULL);                                       \
		tc_free(&t_);                                              \
	} while (0)

#define FN "service: svc\nfunctions:\n  hello: {symbol: hello}\n"
/* The same in block style, so that a test can add lines to the function. */
/* The same with a role, for tests that declare one. */
#define FNR "service: svc\nfunctions:\n  hello: {symbol: hello, role: r}\n"
#define FNB "service: svc\nfunctions:\n  hello:\n    symbol: hello\n"

static void
test_defaults(void)
{
	struct tcase t;
	const struct manifest_function *f;

	tc_build(&t, FN, NULL);
	CHECK_INT(t.d.n, 0);
	CHECK(t.m != NULL);
	if (t.m == NULL) {
		tc_free(&t);
		return;
	}
	CHECK_STR(t.m->service, "svc");
	CHECK(t.m->stage == NULL && t.m->bucket == NULL);
	CHECK(t.m->description == NULL);
	CHECK_INT(t.m->build.arch, MANIFEST_ARCH_X86_64);
	CHECK_INT(t.m->build.link, MANIFEST_LINK_STATIC);
	CHECK_INT(t.m->build.sources.n, 1);
	CHECK_STR(t.m->build.sources.v[0], "src/*.c");
	CHECK(t.m->build.sources.node == NULL);
	CHECK_INT(t.m->build.cflags.n, 1);
	CHECK_STR(t.m->build.cflags.v[0], "-O2");
	CHECK_INT(t.m->build.libs.n, 0);
	CHECK_INT(t.m->build.include_dirs.n, 0);
	CHECK_INT(t.m->nfunctions, 1);
	f = &t.m->functions[0];
	CHECK_STR(f->name, "hello");
	CHECK_STR(f->id, "Hello");
	CHECK_STR(f->symbol, "hello");
	CHECK_INT(f->symbol_loc.line, 3);
	CHECK_INT(f->symbol_loc.col, 19);
	CHECK_INT(f->key_loc.line, 3);
	CHECK_INT(f->key_loc.col, 3);
	CHECK_INT(f->memory, 128);
	CHECK_INT(f->timeout, 3);
	CHECK_INT(f->ephemeral_storage, 512);
	CHECK_INT(f->log_retention, 14);
	CHECK_INT(f->reserved_concurrency, -1);
	CHECK_INT(f->tracing, MANIFEST_TRACING_PASSTHROUGH);
	CHECK(f->role == NULL && f->role_name == NULL);
	CHECK(f->description == NULL && f->dead_letter == NULL);
	CHECK_INT(f->has_vpc, 0);
	CHECK_INT(f->environment.n + f->tags.n + f->layers.n, 0);
	CHECK_INT(f->nevents + f->ndepends_on, 0);
	CHECK(t.m->api == NULL && t.m->site == NULL);
	CHECK_INT(t.m->hooks[MANIFEST_HOOK_PREBUILD].argv.n, 0);
	CHECK(t.m->parameters == NULL && t.m->resources == NULL &&
	    t.m->outputs == NULL);
	CHECK(manifest_function_find(t.m, "hello") == f);
	CHECK(manifest_function_find(t.m, "hell") == NULL);
	CHECK(manifest_role_find(t.m, "hello") == NULL);
	tc_free(&t);
}

static const char full[] =
    "service: full\n"                                          /* 1 */
    "description: d\n"
    "bucket: my-artifacts\n"
    "build:\n"
    "  sources: [a/*.c, b.c]\n"                                /* 5 */
    "  include_dirs: [inc]\n"
    "  cflags: [-O3]\n"
    "  libs: [-lm, lib/libx.a]\n"
    "  architecture: arm64\n"
    "  link: glibc\n"                                          /* 10 */
    "roles:\n"
    "  shared:\n"
    "    privileges:\n"
    "      - actions: [s3:GetObject]\n"
    "        resources: arn:aws:s3:::b/*\n"                    /* 15 */
    "        condition: {Bool: {aws:SecureTransport: 'true'}}\n"
    "      - actions: ['sqs:*']\n"
    "        resources: ['*', !GetAtt Q.Arn]\n"
    "functions:\n"
    "  a:\n"                                                   /* 20 */
    "    symbol: fa\n"
    "    role: shared\n"
    "    memory: 1024\n"
    "    timeout: 900\n"
    "    ephemeral_storage: 2048\n"                            /* 25 */
    "    log_retention: 90\n"
    "    reserved_concurrency: 0\n"
    "    tracing: Active\n"
    "    description: the a\n"
    "    environment: {A: x, B: !Ref P, C: 3}\n"               /* 30 */
    "    tags: {t: v}\n"
    "    layers: [arn:aws:lambda:us-east-1:123456789012:layer:l:1]\n"
    "    vpc: {subnets: [subnet-1, subnet-2], security_groups: [sg-1]}\n"
    "    dead_letter: arn:aws:sns:us-east-1:123456789012:dlq\n"
    "    depends_on: [b, Q]\n"                                 /* 35 */
    "    events:\n"
    "      - schedule: rate(5 minutes)\n"
    "      - schedule: {expression: 'cron(0 3 * * ? *)', enabled: false, input: {k: 1}, description: nightly}\n"
    "      - eventbridge: {pattern: {source: [x]}, bus: custom}\n"
    "      - sqs: arn:aws:sqs:us-east-1:123456789012:q\n"      /* 40 */
    "      - sqs: {queue: !GetAtt Q.Arn, batch: 100, window: 5}\n"
    "      - sns: !Ref T\n"
    "      - sns: {topic: arn:aws:sns:eu-west-1:123456789012:t, filter: {k: [v]}}\n"
    "      - s3: {bucket: B}\n"
    "      - s3: {bucket: B, events: ['s3:ObjectRemoved:*'], prefix: in/, suffix: .txt}\n" /* 45 */
    "      - kinesis: {stream: !GetAtt K.Arn}\n"
    "      - dynamodb: {stream: !GetAtt D.StreamArn, starting_position: TRIM_HORIZON, batch: 7, window: 2}\n"
    "      - logs: {log_group: /aws/x}\n"
    "      - logs: {log_group: !Ref G, filter_pattern: ERROR}\n"
    "  b:\n"                                                   /* 50 */
    "    symbol: fb\n"
    "    role: shared\n"
    "api:\n"
    "  name: nm\n"
    "  stage: prod\n"                                          /* 55 */
    "  description: the api\n"
    "  endpoint_type: PRIVATE\n"
    "  cors: {origins: [o], methods: [GET], max_age: 60}\n"
    "  binary_media_types: ['*/*']\n"
    "  routes:\n"                                              /* 60 */
    "    POST /x: a\n"
    "    GET /x: {function: b, authorization: AWS_IAM}\n"
    "    ANY /: a\n"
    "    GET /a/{id}/{proxy+}: b\n"
    "site: {root: web, error_document: err.html}\n"           /* 65 */
    "hooks:\n"
    "  prebuild: [make, gen]\n"
    "  postmarshal: [./tools/fix, x]\n"
    "parameters: {P: {Type: String}}\n"
    "resources:\n"                                             /* 70 */
    "  Q: {Type: 'AWS::SQS::Queue'}\n"
    "  B: {Type: 'AWS::S3::Bucket'}\n"
    "outputs: {O: {Value: !Ref Q}}\n"
    "tags: {team: t}\n";

static void
test_full(void)
{
	struct tcase t;
	const struct manifest_function *a, *b;
	const struct manifest_role *r;
	const struct manifest_event *e;
	const struct manifest_api *api;

	tc_build(&t, full, NULL);
	CHECK_INT(t.d.n, 0);
	tc_dump(&t);
	if (t.m == NULL) {
		tc_free(&t);
		return;
	}
	CHECK_STR(t.m->description, "d");
	CHECK_STR(t.m->bucket, "my-artifacts");
	CHECK_INT(t.m->build.sources.n, 2);
	CHECK_STR(t.m->build.sources.v[1], "b.c");
	CHECK_INT(t.m->build.sources.locs[1].line, 5);
	CHECK_STR(t.m->build.cflags.v[0], "-O3");
	CHECK_INT(t.m->build.libs.n, 2);
	CHECK_INT(t.m->build.arch, MANIFEST_ARCH_ARM64);
	CHECK_INT(t.m->build.link, MANIFEST_LINK_GLIBC);

	CHECK_INT(t.m->nroles, 1);
	r = manifest_role_find(t.m, "shared");
	CHECK(r != NULL);
	if (r) {
		CHECK(r->arn == NULL);
		CHECK_INT(r->nprivileges, 2);
		CHECK_INT(r->nusers, 2);
		CHECK_STR(r->id, "Shared");
		CHECK_INT(r->privileges[0].resources.n, 1);
		CHECK(r->privileges[0].condition != NULL);
		CHECK_INT(r->privileges[1].resources.n, 2);
		CHECK_STR(r->privileges[1].actions.v[0], "sqs:*");
		CHECK(r->privileges[1].condition == NULL);
	}

	a = manifest_function_find(t.m, "a");
	b = manifest_function_find(t.m, "b");
	CHECK(a == &t.m->functions[0] && b == &t.m->functions[1]);
	CHECK(t.m->functions_sorted[0] == a);
	CHECK(a->role == r && b->role == r);
	CHECK_INT(a->memory, 1024);
	CHECK_INT(a->timeout, 900);
	CHECK_INT(a->ephemeral_storage, 2048);
	CHECK_INT(a->log_retention, 90);
	CHECK_INT(a->reserved_concurrency, 0);
	CHECK_INT(a->tracing, MANIFEST_TRACING_ACTIVE);
	CHECK_STR(a->description, "the a");
	CHECK_INT(a->environment.n, 3);
	CHECK_STR(a->environment.v[1].key, "B");
	CHECK(a->environment.v[1].value->kind == NODE_MAP);
	CHECK_INT(a->environment.v[2].value->kind, NODE_INT);
	CHECK_INT(a->tags.n, 1);
	CHECK_INT(a->layers.n, 1);
	CHECK_INT(a->has_vpc, 1);
	CHECK_INT(a->subnets.n, 2);
	CHECK_INT(a->security_groups.n, 1);
	CHECK_STR(node_str(a->dead_letter), "arn:aws:sns:us-east-1:123456789012:dlq");
	CHECK_INT(a->ndepends_on, 2);
	CHECK(a->depends_on[0].function == b);
	CHECK(a->depends_on[1].resource != NULL &&
	    a->depends_on[1].function == NULL);
	CHECK_INT(a->nevents, 13);
	if (a->nevents == 13) {
		e = &a->events[0];
		CHECK_INT(e->kind, MANIFEST_EVENT_SCHEDULE);
		CHECK_STR(e->u.schedule.expression, "rate(5 minutes)");
		CHECK_INT(e->u.schedule.enabled, 1);
		CHECK_INT(e->loc.line, 37);
		e = &a->events[1];
		CHECK_STR(e->u.schedule.expression, "cron(0 3 * * ? *)");
		CHECK_INT(e->u.schedule.enabled, 0);
		CHECK(e->u.schedule.input != NULL);
		CHECK_STR(e->u.schedule.description, "nightly");
		e = &a->events[2];
		CHECK_INT(e->kind, MANIFEST_EVENT_EVENTBRIDGE);
		CHECK(e->u.eventbridge.pattern != NULL);
		CHECK_STR(node_str(e->u.eventbridge.bus), "custom");
		CHECK_INT(e->u.eventbridge.enabled, 1);
		e = &a->events[3];
		CHECK_INT(e->kind, MANIFEST_EVENT_SQS);
		CHECK_INT(e->u.sqs.batch, 10);
		CHECK_INT(e->u.sqs.window, 0);
		CHECK_STR(node_str(e->u.sqs.queue),
		    "arn:aws:sqs:us-east-1:123456789012:q");
		e = &a->events[4];
		CHECK_INT(e->u.sqs.batch, 100);
		CHECK_INT(e->u.sqs.window, 5);
		CHECK(e->u.sqs.queue->kind == NODE_MAP);
		e = &a->events[5];
		CHECK_INT(e->kind, MANIFEST_EVENT_SNS);
		CHECK(e->u.sns.topic->kind == NODE_MAP && e->u.sns.filter == NULL);
		e = &a->events[6];
		CHECK(e->u.sns.filter != NULL);
		e = &a->events[7];
		CHECK_INT(e->kind, MANIFEST_EVENT_S3);
		CHECK_STR(e->u.s3.bucket, "B");
		CHECK(e->u.s3.resource != NULL);
		CHECK_INT(e->u.s3.events.n, 1);
		CHECK_STR(e->u.s3.events.v[0], "s3:ObjectCreated:*");
		CHECK(e->u.s3.prefix == NULL && e->u.s3.suffix == NULL);
		e = &a->events[8];
		CHECK_STR(e->u.s3.events.v[0], "s3:ObjectRemoved:*");
		CHECK_STR(e->u.s3.prefix, "in/");
		CHECK_STR(e->u.s3.suffix, ".txt");
		e = &a->events[9];
		CHECK_INT(e->kind, MANIFEST_EVENT_KINESIS);
		CHECK_INT(e->u.stream.start, MANIFEST_START_LATEST);
		CHECK_INT(e->u.stream.batch, 100);
		e = &a->events[10];
		CHECK_INT(e->kind, MANIFEST_EVENT_DYNAMODB);
		CHECK_INT(e->u.stream.start, MANIFEST_START_TRIM_HORIZON);
		CHECK_INT(e->u.stream.batch, 7);
		CHECK_INT(e->u.stream.window, 2);
		e = &a->events[11];
		CHECK_INT(e->kind, MANIFEST_EVENT_LOGS);
		CHECK_STR(e->u.logs.filter, "");
		CHECK_STR(node_str(e->u.logs.log_group), "/aws/x");
		CHECK_STR(a->events[12].u.logs.filter, "ERROR");
		CHECK_INT(a->events[12].index, 12);
	}

	api = t.m->api;
	CHECK(api != NULL);
	if (api) {
		CHECK_STR(api->name, "nm");
		CHECK_STR(api->stage, "prod");
		CHECK_STR(api->description, "the api");
		CHECK_INT(api->endpoint, MANIFEST_ENDPOINT_PRIVATE);
		CHECK_INT(api->cors.enabled, 1);
		CHECK_STR(api->cors.origins.v[0], "o");
		CHECK_INT(api->cors.headers.n, 5);
		CHECK_INT(api->cors.methods.n, 1);
		CHECK_INT(api->cors.max_age, 60);
		CHECK_STR(api->binary_media_types.v[0], "*/*");
		CHECK_INT(api->nroutes, 4);
		CHECK_STR(api->routes[0].method_name, "POST");
		CHECK_STR(api->routes[0].path, "/x");
		CHECK(api->routes[0].function == a);
		CHECK_INT(api->routes[0].authorization, MANIFEST_AUTH_NONE);
		CHECK(api->routes[1].function == b);
		CHECK_INT(api->routes[1].authorization, MANIFEST_AUTH_AWS_IAM);
		CHECK_INT(api->routes[1].function_loc.line, 62);
		CHECK_INT(api->routes[2].method, MANIFEST_HTTP_ANY);
		/* sorted: "/" ANY, "/a/{id}/{proxy+}", "/x" GET, "/x" POST */
		CHECK_STR(api->routes_sorted[0]->path, "/");
		CHECK_STR(api->routes_sorted[1]->path, "/a/{id}/{proxy+}");
		CHECK_STR(api->routes_sorted[2]->method_name, "GET");
		CHECK_STR(api->routes_sorted[3]->method_name, "POST");
	}
	CHECK(t.m->site != NULL);
	if (t.m->site) {
		CHECK_STR(t.m->site->root, "web");
		CHECK_STR(t.m->site->index, "index.html");
		CHECK_STR(t.m->site->error_document, "err.html");
	}
	CHECK_INT(t.m->hooks[MANIFEST_HOOK_PREBUILD].argv.n, 2);
	CHECK_STR(t.m->hooks[MANIFEST_HOOK_PREBUILD].argv.v[1], "gen");
	CHECK_INT(t.m->hooks[MANIFEST_HOOK_PREBUILD].loc.line, 67);
	CHECK_INT(t.m->hooks[MANIFEST_HOOK_ARCHIVE].argv.n, 0);
	CHECK_STR(t.m->hooks[MANIFEST_HOOK_POSTMARSHAL].argv.v[0], "./tools/fix");
	CHECK(t.m->parameters && t.m->resources && t.m->outputs);
	CHECK_INT(t.m->tags.n, 1);
	CHECK_STR(manifest_hook_name(MANIFEST_HOOK_POSTMARSHAL), "postmarshal");
	CHECK_STR(manifest_event_kind_name(MANIFEST_EVENT_LOGS), "logs");
	tc_free(&t);
}

static void
test_api_defaults(void)
{
	struct tcase t;

	tc_build(&t, FN "api:\n  cors: true\n  routes: {GET /: hello}\n", NULL);
	CHECK(t.m && t.m->api);
	if (t.m && t.m->api) {
		CHECK_STR(t.m->api->name, "svc");
		CHECK_STR(t.m->api->stage, "v1");
		CHECK_INT(t.m->api->endpoint, MANIFEST_ENDPOINT_EDGE);
		CHECK_INT(t.m->api->cors.enabled, 1);
		CHECK_INT(t.m->api->cors.origins.n, 1);
		CHECK_STR(t.m->api->cors.origins.v[0], "*");
		CHECK_INT(t.m->api->cors.headers.n, 5);
		CHECK_STR(t.m->api->cors.headers.v[0], "Content-Type");
		CHECK_INT(t.m->api->cors.methods.n, 0);
		CHECK_INT(t.m->api->cors.max_age, -1);
	}
	tc_free(&t);
	tc_build(&t, FN "api: {cors: false}\nsite: {root: s}\n", NULL);
	CHECK(t.m && t.m->api && !t.m->api->cors.enabled);
	CHECK(t.m && t.m->api && t.m->api->nroutes == 0);
	CHECK(t.m && t.m->site && strcmp(t.m->site->index, "index.html") == 0);
	CHECK(t.m && t.m->site && t.m->site->error_document == NULL);
	tc_free(&t);
}

static const char staged[] =
    "service: svc\n"
    "build: {cflags: [-O2, -g]}\n"
    "roles:\n"
    "  r: {privileges: [{actions: ['s3:GetObject'], resources: '*'}]}\n"
    "functions:\n"                                          /* 5 */
    "  hello:\n"
    "    symbol: hello\n"
    "    role: r\n"
    "    environment: {A: a, B: b}\n"
    "  other: {symbol: other, memory: 256}\n"               /* 10 */
    "api:\n"
    "  routes: {GET /: hello}\n"
    "stages:\n"
    "  prod:\n"
    "    service: svc-prod\n"                               /* 15 */
    "    build: {cflags: [-O3]}\n"
    "    functions:\n"
    "      hello:\n"
    "        memory: 1024\n"
    "        environment: {B: prod, C: new}\n"              /* 20 */
    "    api: {stage: prod, routes: {GET /: other}}\n"
    "  dev: {functions: {other: {timeout: 30}}}\n";

static void
test_stages(void)
{
	struct tcase t;
	const struct manifest_function *f;

	/* No stage: the base as written. */
	tc_build(&t, staged, NULL);
	CHECK_INT(t.d.n, 0);
	CHECK(t.m != NULL);
	if (t.m) {
		CHECK(t.m->stage == NULL);
		CHECK_STR(t.m->service, "svc");
		CHECK_INT(t.m->functions[0].memory, 128);
		CHECK_INT(t.m->build.cflags.n, 2);
	}
	tc_free(&t);

	tc_build(&t, staged, "prod");
	CHECK_INT(t.d.n, 0);
	tc_dump(&t);
	CHECK(t.m != NULL);
	if (t.m) {
		CHECK_STR(t.m->stage, "prod");
		CHECK_STR(t.m->service, "svc-prod");
		CHECK_INT(t.m->service_loc.line, 15);
		/* lists replace */
		CHECK_INT(t.m->build.cflags.n, 1);
		CHECK_STR(t.m->build.cflags.v[0], "-O3");
		f = manifest_function_find(t.m, "hello");
		CHECK(f != NULL);
		if (f) {
			/* scalars replace, base keys stay, base order kept */
			CHECK_INT(f->memory, 1024);
			CHECK_STR(f->symbol, "hello");
			CHECK(f->role != NULL);
			CHECK(f == &t.m->functions[0]);
			/* maps merge key by key, new keys appended */
			CHECK_INT(f->environment.n, 3);
			CHECK_STR(f->environment.v[0].key, "A");
			CHECK_STR(node_str(f->environment.v[1].value), "prod");
			CHECK_INT(f->environment.v[1].value->loc.line, 20);
			CHECK_STR(f->environment.v[2].key, "C");
		}
		CHECK_INT(manifest_function_find(t.m, "other")->memory, 256);
		CHECK_INT(manifest_function_find(t.m, "other")->timeout, 3);
		CHECK_STR(t.m->api->stage, "prod");
		CHECK_STR(t.m->api->routes[0].function->name, "other");
	}
	tc_free(&t);

	tc_build(&t, staged, "dev");
	CHECK(t.m && manifest_function_find(t.m, "other")->timeout == 30);
	CHECK(t.m && strcmp(t.m->service, "svc") == 0);
	tc_free(&t);

	/* --stage naming no stage */
	tc_build(&t, staged, "prd");
	CHECK(t.m == NULL);
	CHECK_INT(tc_count(&t, DIAG_STAGE_UNKNOWN), 1);
	CHECK(tc_find(&t, DIAG_STAGE_UNKNOWN) &&
	    strstr(tc_find(&t, DIAG_STAGE_UNKNOWN)->msg, "did you mean 'prod'"));
	CHECK(tc_find(&t, DIAG_STAGE_UNKNOWN) &&
	    tc_find(&t, DIAG_STAGE_UNKNOWN)->loc.line == 13);
	tc_free(&t);
	tc_build(&t, FN, "prod");
	CHECK(t.m == NULL && tc_count(&t, DIAG_STAGE_UNKNOWN) == 1);
	tc_free(&t);

	/* Overrides naming what the base lacks, reported without --stage too. */
	EXPECT_ONE(FN "stages:\n  prod:\n    functions:\n      helo: {memory: 512}\n",
	    DIAG_STAGE_OVERRIDE_UNKNOWN, 7, 7, "did you mean 'hello'");
	EXPECT_ONE(FNR "roles: {r: {arn: 'arn:aws:iam::123456789012:role/x'}}\n"
	    "stages: {s: {roles: {q: {arn: 'arn:aws:iam::123456789012:role/q'}}}}\n",
	    DIAG_STAGE_OVERRIDE_UNKNOWN, 5, 22, "role 'q'");
	EXPECT_ONE(FN "api: {routes: {GET /: hello}}\n"
	    "stages: {s: {api: {routes: {GET /x: hello}}}}\n",
	    DIAG_STAGE_OVERRIDE_UNKNOWN, 5, 29, "route 'GET /x'");
	/* A stage may add keys to free-form maps. */
	EXPECT_CLEAN(FN "stages: {s: {functions: {hello: {environment: {X: z}}},"
	    " resources: {Q: {Type: 'AWS::SQS::Queue'}}, tags: {a: b}}}\n");
	/* The merged tree is checked: a stage's role must exist. */
	tc_build(&t, FN "stages: {s: {functions: {hello: {role: nope}}}}\n",
	    "s");
	CHECK(t.m == NULL && tc_count(&t, DIAG_ROLE_UNKNOWN) == 1);
	CHECK(t.d.n > 0 && strcmp(t.d.v[0].path, "functions.hello.role") == 0);
	tc_free(&t);
	/* ... and so is every stage without --stage, at the stage's lines. */
	tc_build(&t, FN "roles: {r: {arn: 'arn:aws:iam::123456789012:role/r'}}\n"
	    "stages:\n  s: {functions: {hello: {role: nope}}}\n"
	    "  t: {functions: {hello: {role: r}}}\n"
	    "  u: {functions: {hello: {memory: 512}}}\n", NULL);
	CHECK_INT(t.d.n, 2);
	if (t.d.n != 2)
		tc_dump(&t);
	CHECK(tc_count(&t, DIAG_ROLE_UNKNOWN) == 1);
	CHECK(tc_count(&t, DIAG_ROLE_UNUSED) == 1); /* the base's, once */
	if (tc_find(&t, DIAG_ROLE_UNKNOWN)) {
		CHECK_STR(tc_find(&t, DIAG_ROLE_UNKNOWN)->path,
		    "stages.s.functions.hello.role");
		CHECK_INT(tc_find(&t, DIAG_ROLE_UNKNOWN)->loc.line, 6);
		CHECK(strstr(tc_find(&t, DIAG_ROLE_UNKNOWN)->msg,
		    "did you mean") == NULL);
	}
	tc_free(&t);
	tc_build(&t, FNB "    role: r\nroles: {r: {arn: 'arn:aws:iam::123456789012:role/r'}}\n"
	    "stages:\n  p:\n    functions:\n      hello:\n        memory: 256\n"
	    "        environment: {AWS_REGION: x}\n"
	    "        events: [{schedule: 'rate(1 minutes)'}]\n"
	    "outputs: {O: {Value: x}}\n", NULL);
	CHECK_INT(t.d.n, 2);
	if (t.d.n != 2)
		tc_dump(&t);
	CHECK(tc_find(&t, DIAG_ENV_RESERVED) &&
	    strcmp(tc_find(&t, DIAG_ENV_RESERVED)->path,
	    "stages.p.functions.hello.environment.AWS_REGION") == 0);
	CHECK(tc_find(&t, DIAG_SCHEDULE) &&
	    tc_find(&t, DIAG_SCHEDULE)->loc.line == 13);
	tc_free(&t);
	/* A stage can turn an inline role into an ARN role only by dropping
	 * privileges, which a merge cannot: both set is an error. */
	tc_build(&t, FN "roles: {r: {privileges: [{actions: ['s3:GetObject'], "
	    "resources: '*'}]}}\nstages: {s: {roles: {r: {arn: "
	    "'arn:aws:iam::123456789012:role/x'}}}}\n", "s");
	CHECK(t.m == NULL && tc_count(&t, DIAG_ROLE_SHAPE) == 1);
	tc_free(&t);
}

static void
test_names(void)
{
	char *id;

	id = manifest_logical_id("my-fn");
	CHECK_STR(id, "MyFn");
	free(id);
	id = manifest_logical_id("hello_world2");
	CHECK_STR(id, "HelloWorld2");
	free(id);
	id = manifest_logical_id("getItems");
	CHECK_STR(id, "GetItems");
	free(id);
	id = manifest_logical_id("-_-");
	CHECK_STR(id, "");
	free(id);

	EXPECT_ONE("service: 9lives\n", DIAG_SERVICE_NAME, 1, 10, "9lives");
	EXPECT_ONE("service: my_service\n", DIAG_SERVICE_NAME, 1, 10, NULL);
	EXPECT_CLEAN("service: My-Service-2\n");
	EXPECT_ONE("service: svc\nfunctions:\n  hello.world: {symbol: h}\n",
	    DIAG_NAME_INVALID, 3, 3, "hello.world");
	EXPECT_ONE("service: svc\nfunctions:\n  '-_': {symbol: h}\n",
	    DIAG_NAME_INVALID, 3, 3, NULL);
	EXPECT_ONE("service: svc\nfunctions:\n  "
	    "a1234567890123456789012345678901234567890123456789012345678901234:"
	    " {symbol: h}\n", DIAG_NAME_INVALID, 3, 3, NULL);
	EXPECT_ONE("service: svc\nfunctions:\n  hello: {symbol: hello, role: 'r r'}\n"
	    "roles: {'r r': {arn: 'arn:aws:iam::123456789012:role/x'}}\n",
	    DIAG_NAME_INVALID, 4, 9, "role name");
	EXPECT_ONE("service: svc\nfunctions:\n  my-fn: {symbol: a}\n"
	    "  my_fn: {symbol: b}\n", DIAG_LOGICAL_ID_CLASH, 4, 3,
	    "'my_fn' and 'my-fn' (line 3) both become the logical ID 'MyFn'");
	EXPECT_ONE("service: svc\nfunctions:\n  Hello: {symbol: a}\n"
	    "  hello: {symbol: b}\n", DIAG_LOGICAL_ID_CLASH, 4, 3, NULL);
	EXPECT_ONE(FN "resources: {My-Queue: {Type: 'AWS::SQS::Queue'}}\n",
	    DIAG_LOGICAL_ID, 4, 13, "My-Queue");
	EXPECT_ONE(FN "parameters: {p_1: {Type: String}}\n", DIAG_LOGICAL_ID,
	    4, 14, NULL);
	EXPECT_ONE(FN "outputs: {'Out.1': {Value: x}}\n", DIAG_LOGICAL_ID,
	    4, 11, NULL);
	EXPECT_ONE(FN "parameters: {Q: {Type: String}}\n"
	    "resources: {Q: {Type: 'AWS::SQS::Queue'}}\n",
	    DIAG_LOGICAL_ID_CLASH, 5, 13, "parameter at line 4");
}

/* mappings: and conditions: are kept as nodes; their names are logical IDs
 * in namespaces of their own. */
static void
test_conditions_mappings(void)
{
	struct tcase t;

	EXPECT_ONE(FN "conditions: {is-prod: {Condition: X}}\n",
	    DIAG_LOGICAL_ID, 4, 14, "condition 'is-prod' is not a valid logical ID");
	EXPECT_ONE(FN "mappings: {'M.1': {a: {B: c}}}\n", DIAG_LOGICAL_ID,
	    4, 12, "mapping 'M.1' is not a valid logical ID");
	/* A condition or mapping may share a resource's or parameter's name. */
	EXPECT_CLEAN(FN "parameters: {P: {Type: String}}\n"
	    "resources: {Q: {Type: 'AWS::SQS::Queue', Condition: Q}}\n"
	    "conditions: {Q: {'Fn::Equals': [{Ref: P}, x]}}\n"
	    "mappings: {P: {a: {B: c}}, Q: {a: {B: c}}}\n");

	tc_build(&t, FN "mappings:\n  Sizes: {dev: {Mem: 1}}\n"
	    "conditions:\n  IsProd: {'Fn::Equals': [a, b]}\n"
	    "stages:\n  prod:\n    mappings: {Sizes: {prod: {Mem: 2}}}\n"
	    "    conditions: {IsBig: {Condition: IsProd}}\n", "prod");
	CHECK_INT(t.d.n, 0);
	CHECK(t.m != NULL);
	if (t.m) {
		CHECK(t.m->mappings != NULL && t.m->conditions != NULL);
		CHECK_INT(t.m->mappings->n, 1);
		CHECK_INT(node_get(t.m->mappings, "Sizes")->n, 2);
		CHECK_INT(t.m->conditions->n, 2);
		CHECK(node_get(t.m->conditions, "IsBig") != NULL);
		CHECK_INT(t.m->conditions->pairs[0].key->loc.line, 7);
	}
	tc_free(&t);

	tc_build(&t, FN, NULL);
	CHECK(t.m != NULL && t.m->mappings == NULL && t.m->conditions == NULL);
	tc_free(&t);
}

static void
test_symbols(void)
{
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: 2fast}\n",
	    DIAG_SYMBOL_INVALID, 3, 15, "2fast");
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: my-handler}\n",
	    DIAG_SYMBOL_INVALID, 3, 15, NULL);
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: \"h\\u00e9llo\"}\n",
	    DIAG_SYMBOL_INVALID, 3, 15, NULL);
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: while}\n",
	    DIAG_SYMBOL_KEYWORD, 3, 15, "'while' is a C keyword");
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: _Bool}\n",
	    DIAG_SYMBOL_KEYWORD, 3, 15, NULL);
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: typeof_unqual}\n",
	    DIAG_SYMBOL_KEYWORD, 3, 15, NULL);
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: auto}\n",
	    DIAG_SYMBOL_KEYWORD, 3, 15, NULL);
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: main}\n",
	    DIAG_SYMBOL_RESERVED, 3, 15, NULL);
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: sparta_next}\n",
	    DIAG_SYMBOL_RESERVED, 3, 15, NULL);
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: __x}\n",
	    DIAG_SYMBOL_RESERVED, 3, 15, NULL);
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: _Xy}\n",
	    DIAG_SYMBOL_RESERVED, 3, 15, NULL);
	EXPECT_CLEAN("service: s\nfunctions:\n  a: {symbol: _x1}\n"
	    "  b: {symbol: integer}\n  c: {symbol: whiles}\n");
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: h}\n  b: {symbol: g}\n"
	    "  c: {symbol: h}\n", DIAG_SYMBOL_DUPLICATE, 5, 15,
	    "function 'c' uses symbol 'h', which function 'a' (line 3) already uses");
	EXPECT_CLEAN("service: s\nfunctions:\n  a: {symbol: h}\n"
	    "  b: {symbol: h, share_symbol: true}\n"
	    "  c: {symbol: h, share_symbol: true}\n");
}

static void
test_references(void)
{
	struct tcase t;

	EXPECT_ONE(FN "roles: {reader: {arn: 'arn:aws:iam::123456789012:role/r'}}\n"
	    "stages: {}\n", DIAG_ROLE_UNUSED, 4, 9, "'reader'");
	EXPECT_ONE("service: s\nroles: {reader: {arn: 'arn:aws:iam::123456789012:role/r'}}\n"
	    "functions:\n  a: {symbol: a, role: raeder}\n  b: {symbol: b, role: reader}\n",
	    DIAG_ROLE_UNKNOWN, 4, 24, "unknown role 'raeder' (did you mean 'reader'?)");
	EXPECT_ONE(FNR "roles: {r: {}}\n", DIAG_ROLE_SHAPE, 4, 9,
	    "neither");
	/* the warning alone still gives a model */
	tc_build(&t, FN "roles: {r: {arn: 'arn:aws:iam::123456789012:role/r'}}\n",
	    NULL);
	CHECK(t.m != NULL && t.d.nwarnings == 1 && t.d.nerrors == 0);
	tc_free(&t);

	EXPECT_ONE(FN "api: {routes: {GET /: helo}}\n", DIAG_FUNCTION_UNKNOWN,
	    4, 23, "unknown function 'helo' (did you mean 'hello'?)");
	EXPECT_ONE(FN "api: {routes: {GET /: {authorization: AWS_IAM}}}\n",
	    DIAG_FUNCTION_UNKNOWN, 4, 23, "names no function");
	EXPECT_ONE(FN "api:\n  routes:\n    GET /: {function: nope}\n",
	    DIAG_FUNCTION_UNKNOWN, 6, 23, "'nope'");
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: a, depends_on: [Tble]}\n"
	    "resources: {Table: {Type: 'AWS::DynamoDB::Table'}}\n",
	    DIAG_REF_UNKNOWN, 3, 31, "did you mean 'Table'");
	EXPECT_ONE("service: s\nfunctions:\n  a: {symbol: a, depends_on: [a]}\n",
	    DIAG_REF_UNKNOWN, 3, 31, "depends on itself");
	EXPECT_ONE(FNB "    events: [{s3: {bucket: Uplods}}]\n"
	    "resources: {Uploads: {Type: 'AWS::S3::Bucket'}}\n",
	    DIAG_S3_BUCKET, 5, 28, "did you mean 'Uploads'");
	EXPECT_ONE(FNB "    events: [{s3: {bucket: Q}}]\n"
	    "resources: {Q: {Type: 'AWS::SQS::Queue'}}\n",
	    DIAG_S3_BUCKET, 5, 28, "is a AWS::SQS::Queue");
	EXPECT_ONE(FNB "    events: [{s3: {bucket: B}}]\n", DIAG_S3_BUCKET, 5, 28,
	    "not declared");
}

static void
test_routes(void)
{
	const char *ok[] = {
		"/", "/a", "/a/b-c.d_e~f", "/items/{id}", "/items/{id}/x",
		"/{proxy+}", "/a/{id}/{rest+}", "/v1:batch", "/a/{p.q}",
	};
	struct {
		const char *path, *want;
	} bad[] = {
		{"items", "start with '/'"},
		{"/a//b", "empty segment"},
		{"/a/", "ends with '/'"},
		{"/a/{proxy+}/b", "last segment"},
		{"/a/{}", "{name}"},
		{"/a/{id", "{name}"},
		{"/a/x{id}", "literal segment"},
		{"/a/{i d}", "parameter name"},
		{"/a b", "literal segment"},
		{"/{id}/{id}", "repeats"},
		{"/a?x=1", "literal segment"},
	};
	char text[512];
	size_t i;

	for (i = 0; i < NELEM(ok); i++) {
		snprintf(text, sizeof(text), FN "api:\n  routes:\n    'GET %s': hello\n",
		    ok[i]);
		EXPECT_CLEAN(text);
	}
	for (i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof(text), FN "api:\n  routes:\n    'GET %s': hello\n",
		    bad[i].path);
		EXPECT_ONE(text, DIAG_ROUTE_PATH, 6, 5, bad[i].want);
	}
	EXPECT_ONE(FN "api: {routes: {get /: hello}}\n", DIAG_ROUTE_SYNTAX, 4, 16,
	    "must be upper case: 'GET'");
	EXPECT_ONE(FN "api: {routes: {FETCH /: hello}}\n", DIAG_ROUTE_SYNTAX, 4, 16,
	    "unknown method 'FETCH'");
	EXPECT_ONE(FN "api: {routes: {/hello: hello}}\n", DIAG_ROUTE_SYNTAX, 4, 16,
	    "not \"METHOD /path\"");
	EXPECT_ONE(FN "api: {routes: {'GET  /x': hello}}\n", DIAG_ROUTE_PATH, 4, 16,
	    "start with '/'");
	EXPECT_ONE(FN "api:\n  routes:\n    GET /x: hello\n    ANY /x: hello\n",
	    DIAG_ROUTE_CLASH, 7, 5, "'ANY /x' clashes with route 'GET /x' (line 6)");
	EXPECT_ONE(FN "api:\n  routes:\n    GET /x/{id}: hello\n"
	    "    GET /x/{name}: hello\n", DIAG_ROUTE_CLASH, 7, 5, NULL);
	EXPECT_ONE(FN "api:\n  routes:\n    ANY /{proxy+}: hello\n"
	    "    POST /{p+}: hello\n", DIAG_ROUTE_CLASH, 7, 5, NULL);
	EXPECT_CLEAN(FN "api:\n  routes:\n    GET /x: hello\n    POST /x: hello\n"
	    "    GET /x/{id}: hello\n    GET /x/new: hello\n"
	    "    DELETE /x/{id}: hello\n    GET /x/{id}/y: hello\n");
	EXPECT_ONE(FN "api:\n  routes:\n    GET /x/{id}: hello\n"
	    "    POST /x/{name}: hello\n", DIAG_ROUTE_PARAM_CONFLICT, 7, 5,
	    "'{name}' under '/x' conflicts with '{id}' of route 'GET /x/{id}' (line 6)");
	EXPECT_ONE(FN "api:\n  routes:\n    GET /x/{id}/a: hello\n"
	    "    GET /x/{key}/b: hello\n", DIAG_ROUTE_PARAM_CONFLICT, 7, 5, NULL);
	EXPECT_ONE(FN "api:\n  routes:\n    GET /{id}: hello\n"
	    "    GET /{proxy+}: hello\n", DIAG_ROUTE_PARAM_CONFLICT, 7, 5,
	    "under '/'");
}

static void
test_arns(void)
{
	EXPECT_CLEAN(FNB "    role: r\n"
	    "    dead_letter: arn:aws-us-gov:sqs:us-gov-west-1:123456789012:d\n"
	    "    layers: [arn:aws:lambda:eu-west-1:123456789012:layer:x:2, !Ref L]\n"
	    "    events:\n"
	    "      - sqs: arn:aws:sqs:us-east-1:123456789012:q\n"
	    "      - sns: arn:aws-cn:sns:cn-north-1:123456789012:t\n"
	    "      - kinesis: {stream: 'arn:aws:kinesis:us-east-1:123456789012:stream/s'}\n"
	    "      - dynamodb: {stream: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024'}\n"
	    "      - eventbridge: {pattern: {a: [b]}, bus: 'arn:aws:events:us-east-1:123456789012:event-bus/b'}\n"
	    "roles: {r: {privileges: [{actions: ['s3:*'], resources: ['arn:aws:s3:::b/*',"
	    " 'arn:aws:logs:*:*:*', '*', 'arn:aws:iam::aws:policy/x']}]}}\n"
	    "stages: {s: {functions: {hello: {timeout: 5}}}}\n"
	    "x: 1\n");
	EXPECT_ONE(FNB "    dead_letter: 'arn:aws:sqs:us-east-1:12345:d'\n",
	    DIAG_ARN_SHAPE, 5, 18, "is not an ARN");
	EXPECT_ONE(FNB "    dead_letter: my-queue\n", DIAG_ARN_SHAPE, 5, 18, NULL);
	EXPECT_ONE(FNB "    dead_letter: 'arn:aws:sqs::123456789012:d'\n",
	    DIAG_ARN_SHAPE, 5, 18, "lacks the region");
	EXPECT_ONE(FNB "    dead_letter: 'arn:aws:lambda:us-east-1:123456789012:function:f'\n",
	    DIAG_ARN_SERVICE, 5, 18, "of service 'lambda', not of sqs or sns");
	EXPECT_ONE(FNB "    events: [{sqs: 'arn:aws:sns:us-east-1:123456789012:t'}]\n",
	    DIAG_ARN_SERVICE, 5, 20, NULL);
	EXPECT_ONE(FNB "    events: [{sqs: 'arn:aws:sqs:us-east-1:123456789012:'}]\n",
	    DIAG_ARN_SHAPE, 5, 20, NULL);
	EXPECT_ONE(FNB "    events: [{sns: {topic: 'arn:xyz:sns:us-east-1:123456789012:t'}}]\n",
	    DIAG_ARN_SHAPE, 5, 28, NULL);
	EXPECT_ONE(FNB "    events: [{dynamodb: {stream: 'arn:aws:dynamodb:us-east-1:123456789012:table/t'}}]\n",
	    DIAG_ARN_SERVICE, 5, 34, "not a stream ARN");
	EXPECT_ONE(FNB "    events: [{kinesis: {stream: 'arn:aws:sqs:us-east-1:123456789012:q'}}]\n",
	    DIAG_ARN_SERVICE, 5, 33, NULL);
	EXPECT_ONE(FNB "    layers: ['arn:aws:s3:::b']\n", DIAG_ARN_SERVICE, 5, 14,
	    NULL);
	EXPECT_ONE(FNB "    role: r\nroles: {r: {arn: 'arn:aws:iam::123456789012:user/u'}}\n",
	    DIAG_ARN_SERVICE, 6, 18, "not an IAM role ARN");
	EXPECT_ONE(FNB "    role: r\nroles: {r: {arn: 'role/u'}}\n",
	    DIAG_ARN_SHAPE, 6, 18, NULL);
	EXPECT_ONE(FNB "    role: r\nroles: {r: {privileges: [{actions: ['s3:GetObject'],"
	    " resources: [my-bucket]}]}}\n", DIAG_ARN_SHAPE, 6, 66,
	    "'my-bucket' is not an ARN");
}

static void
test_schedules(void)
{
	const char *ok[] = {
		"rate(1 minute)", "rate(5 minutes)", "rate(1 hour)",
		"rate(12 hours)", "rate(1 day)", "rate(7 days)",
		"cron(0 3 * * ? *)", "cron(0/15 * ? * MON-FRI *)",
		"cron(0 10 ? * 6L 2030)", "cron(0 8 1W * ? *)",
	};
	struct {
		const char *expr, *want;
	} bad[] = {
		{"rate(1 minutes)", "singular"},
		{"rate(5 minute)", "plural"},
		{"rate(0 minutes)", "positive"},
		{"rate(five minutes)", "positive"},
		{"rate(5 weeks)", "unit"},
		{"rate(5minutes)", "positive"},
		{"cron(0 3 * * *)", "six fields"},
		{"cron(0 3 * * * *)", "must be '?'"},
		{"cron(0 3 ? * ? *)", "only one"},
		{"cron(0 3 * * ? * 1)", "six fields"},
		{"cron(0 3 * * ? $)", "fields use"},
		{"every(5 minutes)", "rate(...) or cron(...)"},
	};
	char text[256];
	size_t i;

	for (i = 0; i < NELEM(ok); i++) {
		snprintf(text, sizeof(text), FNB "    events: [{schedule: '%s'}]\n",
		    ok[i]);
		EXPECT_CLEAN(text);
	}
	for (i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof(text), FNB "    events: [{schedule: '%s'}]\n",
		    bad[i].expr);
		EXPECT_ONE(text, DIAG_SCHEDULE, 5, 25, bad[i].want);
	}
	EXPECT_ONE(FNB "    events:\n      - schedule: {expression: 'rate(2 day)'}\n",
	    DIAG_SCHEDULE, 6, 32, NULL);
}

static void
test_misc(void)
{
	EXPECT_ONE(FNB "    environment: {AWS_REGION: x, OK: z}\n", DIAG_ENV_RESERVED,
	    5, 19, "'AWS_REGION'");
	EXPECT_ONE(FNB "    environment: {_HANDLER: x}\n", DIAG_ENV_RESERVED, 5, 19,
	    NULL);
	EXPECT_ONE(FNB "    environment: {SPARTA_X: x}\n", DIAG_ENV_RESERVED, 5, 19,
	    NULL);
	EXPECT_CLEAN(FNB "    environment: {AWS_LAMBDA_EXEC_WRAPPER_NOT: x, TZ: UTC}\n");
	EXPECT_ONE(FNB "    events: [{sqs: {queue: !GetAtt Q.Arn, batch: 11}}]\n",
	    DIAG_SQS_WINDOW, 5, 14, "batch 11");
	EXPECT_CLEAN(FNB "    events: [{sqs: {queue: !GetAtt Q.Arn, batch: 11, window: 1}}]\n");

	EXPECT_ONE(FN "build: {sources: ['../x/*.c']}\n", DIAG_PATH_ESCAPE, 4, 19,
	    "leaves the project");
	EXPECT_ONE(FN "build: {sources: [/usr/src/*.c]}\n", DIAG_PATH_ESCAPE, 4, 19,
	    NULL);
	EXPECT_CLEAN(FN "build: {sources: [src/../lib/*.c, ./a.c, 'x//y.c'],"
	    " libs: [-lm, -L/usr/lib, /usr/lib/libz.a]}\n"
	    "hooks: {prebuild: [/usr/bin/make], postbuild: [make, ../x],"
	    " archive: [tools/pack]}\n");
	EXPECT_ONE(FN "build: {include_dirs: [a/../../b]}\n", DIAG_PATH_ESCAPE, 4, 24,
	    NULL);
	EXPECT_ONE(FN "build: {libs: [../libx.a]}\n", DIAG_PATH_ESCAPE, 4, 16,
	    "library");
	EXPECT_ONE(FN "site: {root: ..}\n", DIAG_PATH_ESCAPE, 4, 14, "site root");
	EXPECT_ONE(FN "site: {root: s, index: ../../etc/passwd}\n", DIAG_PATH_ESCAPE,
	    4, 7, "index document");
	EXPECT_ONE(FN "hooks: {prebuild: [../tools/gen]}\n", DIAG_PATH_ESCAPE, 4, 20,
	    "hook program");
}

/* Wrong shapes (what the schema would refuse) must not crash the model. */
static void
test_robust(void)
{
	const char *cases[] = {
		"- 1\n",
		"service: 5\n",
		"service: s\nfunctions: [1, 2]\n",
		"service: s\nfunctions: {a: 1, b: [x], c: {symbol: 5}}\n",
		"service: s\nfunctions: {a: {symbol: a, events: [1, {}, {a: 1, b: 2},"
		" {sqs: 5}, {s3: 1}, {schedule: {}}, {what: 1}, {sns: [1]},"
		" {logs: 1}, {dynamodb: []}, {eventbridge: x}]}}\n",
		"service: s\nfunctions: {a: {symbol: a, role: [x], memory: big,"
		" environment: [1], vpc: 1, layers: x, depends_on: [1, {}],"
		" tags: 3}}\n",
		"service: s\nroles: {r: 1, q: {privileges: [1, {actions: 1}]}}\n",
		"service: s\napi: {routes: [1]}\n",
		"service: s\napi: {routes: {'': 1, ' ': x, 'GET': y, 'GET ': z}, cors: {headers: 1}}\n",
		"service: s\napi: 1\nsite: 1\nhooks: {prebuild: 1, postbuild: [1, 2]}\n",
		"service: s\nstages: {a: 1, b: {functions: 1, api: {routes: 1}}}\n",
		"service: s\nresources: {B: 1}\nfunctions: {f: {symbol: f, events: [{s3: {bucket: B}}]}}\n",
		"service: s\nbuild: {sources: 1, cflags: [1, {}], architecture: 7}\n",
		"",
	};
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		struct tcase t;

		tc_build(&t, cases[i], NULL);
		tc_free(&t);
		tc_build(&t, cases[i], "b");
		tc_free(&t);
	}
	CHECK(1);
}

/* The example manifest at the top of the tree is valid, in every stage. */
static void
test_example(void)
{
	const char *stages[] = {NULL, "dev", "prod"};
	size_t i;

	for (i = 0; i < NELEM(stages); i++) {
		struct tcase t;

		memset(&t, 0, sizeof(t));
		t.doc = yaml_load_file("sparta.yaml.example" /* cwd: the source tree */, &t.d);
		t.m = t.d.nerrors ? NULL : manifest_build(t.doc, stages[i], &t.d);
		CHECK_INT(t.d.n, 0);
		tc_dump(&t);
		CHECK(t.m != NULL);
		if (t.m && stages[i] && strcmp(stages[i], "prod") == 0) {
			CHECK_INT(manifest_function_find(t.m, "notes")->memory, 1024);
			CHECK_STR(t.m->bucket, "spartac-example-artifacts");
		}
		tc_free(&t);
	}
}

/* The stage passes without --stage stop at a budget on huge manifests. */
static void
test_stage_budget(void)
{
	struct buf b = {0};
	struct tcase t;
	size_t i;

	buf_puts(&b, "service: big\nfunctions:\n");
	for (i = 0; i < 20000; i++)
		buf_printf(&b, "  fn%zu: {symbol: fn%zu}\n", i, i);
	buf_puts(&b, "stages:\n");
	for (i = 0; i < 3; i++)
		buf_printf(&b, "  s%zu: {functions: {fn1: {role: nope}}}\n", i);
	tc_build(&t, b.data, NULL);
	/* 20,001 units a stage: two fit in 50,000, the third is left to --stage */
	CHECK_INT(tc_count(&t, DIAG_ROLE_UNKNOWN), 2);
	tc_free(&t);
	tc_build(&t, b.data, "s2");
	CHECK_INT(tc_count(&t, DIAG_ROLE_UNKNOWN), 1);
	tc_free(&t);
	buf_free(&b);
}

/* Many functions and routes: the checks stay near-linear. */
static void
test_scale(void)
{
	struct buf b = {0};
	struct tcase t;
	size_t i, n = 20000;

	buf_puts(&b, "service: big\nfunctions:\n");
	for (i = 0; i < n; i++)
		buf_printf(&b, "  fn%zu: {symbol: fn%zu, role: r, depends_on: [fn0]}\n",
		    i, i);
	buf_puts(&b, "roles: {r: {arn: 'arn:aws:iam::123456789012:role/r'}}\n"
	    "api:\n  routes:\n");
	for (i = 0; i < n; i++)
		buf_printf(&b, "    GET /items/{id}/f%zu: fn%zu\n", i, i);
	tc_build(&t, b.data, NULL);
	CHECK_INT(t.d.n, 1); /* fn0 depends on itself */
	CHECK(t.m == NULL);
	tc_free(&t);
	buf_free(&b);
}

int
main(void)
{
	test_defaults();
	test_full();
	test_api_defaults();
	test_stages();
	test_names();
	test_conditions_mappings();
	test_symbols();
	test_references();
	test_routes();
	test_arns();
	test_schedules();
	test_misc();
	test_robust();
	test_example();
	test_scale();
	test_stage_budget();
	return unit_report("test_manifest");
}
