/*
 * serve_gate.c - what API Gateway checks between routing and the
 * integration, for `spartac serve`, in its order: the route's authorizer
 * (serve_auth.c); the API key (x-api-key) and the throttle and quota of
 * its usage plan; the stage's throttle; request validation (required
 * parameters, the body against the route's model, with spartac's own
 * JSON-schema validator).
 *
 * API key values: API Gateway generates them at deploy time, so serve has
 * its own, printed at start: `--api-key NAME=VALUE` gives one, otherwise
 * each key gets "local-" and 32 hex digits drawn once per serve process
 * (the same across --watch rebuilds).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "base/digest.h"
#include "front/json.h"
#include "front/schema.h"
#include "local/serve.h"
#include "local/serve_int.h"

/* A token bucket: rate tokens a second, at most burst of them. */
struct bucket {
	double rate, burst, tokens, last;
};

struct key {
	const char *name;
	char *value;
	const struct manifest_usage_plan *plan; /* NULL: in no plan (refused) */
	struct bucket bucket;                   /* the plan's throttle */
	long used;                              /* quota: in this period */
	double period_start;
};

struct gate {
	const struct manifest_api *api;
	struct auth *auth;
	struct key *keys;
	size_t nkeys;
	struct bucket stage;
	struct schema **schemas; /* one per api->models entry (NULL: none) */
	pthread_mutex_t mu;      /* buckets and quotas */
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bucket_init(struct bucket *b, const struct manifest_throttle *t)
{
	b->rate = t->set ? t->rate : -1;
	b->burst = t->set ? (double)t->burst : 0;
	b->tokens = b->burst;
	b->last = mono_now();
}

/* 1 when the request may go (a token taken), 0 when throttled. */
static int
bucket_take(struct bucket *b, double now)
{
	if (b->rate < 0)
		return 1;
	b->tokens += (now - b->last) * b->rate;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
	b->last = now;
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

static double
period_seconds(const char *period)
{
	if (period && strcmp(period, "WEEK") == 0)
		return 7 * 86400.0;
	if (period && strcmp(period, "MONTH") == 0)
		return 30 * 86400.0; /* a calendar month deployed */
	return 86400.0;
}

/* ---- API keys ---- */

static char *
generated_value(const char *name)
{
	static unsigned char seed[16];
	static int seeded;
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	char hex[DIGEST_HEX_LEN + 1];
	struct digest d;

	pthread_mutex_lock(&mu);
	if (!seeded) {
		if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
			memset(seed, 0x5a, sizeof(seed)); /* still works, just guessable */
		seeded = 1;
	}
	pthread_mutex_unlock(&mu);
	digest_init(&d);
	digest_update(&d, seed, sizeof(seed));
	digest_field(&d, name);
	digest_final_hex(&d, hex);
	return xasprintf("local-%.32s", hex);
}

static const char *
given_value(const struct serve_gate_options *o, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < o->napi_keys; i++)
		if (strncmp(o->api_keys[i], name, n) == 0 && o->api_keys[i][n] == '=')
			return o->api_keys[i] + n + 1;
	return NULL;
}

static int
keys_init(struct gate *g, const struct serve_gate_options *o)
{
	const struct manifest_api *api = g->api;
	const struct manifest_usage_plan *up;
	const char *v;
	size_t i, j, k;

	for (i = 0; i < o->napi_keys; i++) {
		for (k = 0; k < api->api_keys.n; k++)
			if (strncmp(o->api_keys[i], api->api_keys.v[k], strlen(api->api_keys.v[k])) == 0 &&
			    o->api_keys[i][strlen(api->api_keys.v[k])] == '=')
				break;
		if (k == api->api_keys.n) {
			log_error("--api-key %s: api.api_keys has no key of that name", o->api_keys[i]);
			return -1;
		}
	}
	g->nkeys = api->api_keys.n;
	g->keys = xcalloc(g->nkeys + 1, sizeof(*g->keys));
	for (k = 0; k < g->nkeys; k++) {
		g->keys[k].name = api->api_keys.v[k];
		v = given_value(o, g->keys[k].name);
		g->keys[k].value = v ? xstrdup(v) : generated_value(g->keys[k].name);
		g->keys[k].period_start = mono_now();
		for (i = 0; i < api->nusage_plans && g->keys[k].plan == NULL; i++) {
			up = &api->usage_plans[i];
			for (j = 0; j < up->keys.n; j++)
				if (strcmp(up->keys.v[j], g->keys[k].name) == 0)
					g->keys[k].plan = up;
		}
		if (g->keys[k].plan)
			bucket_init(&g->keys[k].bucket, &g->keys[k].plan->throttle);
		else
			g->keys[k].bucket.rate = -1;
		log_info("api key %s: %s%s", g->keys[k].name, g->keys[k].value,
		    g->keys[k].plan ? "" : " (in no usage plan: refused, as deployed)");
	}
	return 0;
}

/* 0 when the key is good and within its plan; otherwise r is filled. */
static int
key_check(struct gate *g, const struct request *rq, struct response *r)
{
	const char *v = serve_request_header(rq, "x-api-key");
	struct key *k = NULL;
	double now = mono_now(), len;
	size_t i;
	int rc = 0;

	for (i = 0; v && i < g->nkeys; i++)
		if (strcmp(g->keys[i].value, v) == 0)
			k = &g->keys[i];
	if (k == NULL || k->plan == NULL) {
		serve_response_message(r, 403, "Forbidden");
		return -1;
	}
	pthread_mutex_lock(&g->mu);
	if (k->plan->quota_limit != MANIFEST_UNSET) {
		len = period_seconds(k->plan->quota_period);
		if (now - k->period_start >= len) {
			k->period_start = now;
			k->used = 0;
		}
		if (k->used >= k->plan->quota_limit) {
			serve_response_message(r, 429, "Limit Exceeded");
			rc = -1;
		}
	}
	if (rc == 0 && !bucket_take(&k->bucket, now)) {
		serve_response_message(r, 429, "Too Many Requests");
		rc = -1;
	}
	if (rc == 0)
		k->used++;
	pthread_mutex_unlock(&g->mu);
	return rc;
}

/* ---- request validation ---- */

static struct schema *
model_schema(const struct manifest_model *md)
{
	struct arena ar = {0};
	struct schema *sc;
	char *text, *err = NULL;

	text = cJSON_PrintUnformatted(node_to_cjson(&ar, md->schema));
	sc = schema_load(text, strlen(text), &err);
	if (sc == NULL) {
		log_error("api.models.%s is not a schema spartac can use: %s", md->name,
		    err ? err : "?");
		free(err);
	}
	free(text);
	arena_free_all(&ar);
	return sc;
}

/* "query:x" -> the query string has x; "header:X" -> the header; "path:x". */
static int
param_present(const struct exchange *x, const char *p)
{
	cJSON *q, *mq;
	int has;
	size_t i;

	if (strncmp(p, "header:", 7) == 0)
		return serve_request_header(x->rq, p + 7) != NULL;
	if (strncmp(p, "query:", 6) == 0) {
		serve_query_maps(x->rq->query, &q, &mq);
		has = q && cJSON_GetObjectItemCaseSensitive(q, p + 6) != NULL;
		cJSON_Delete(q);
		cJSON_Delete(mq);
		return has;
	}
	if (strncmp(p, "path:", 5) == 0)
		for (i = 0; i < x->m->nparams; i++)
			if (strcmp(x->m->params[i].name, p + 5) == 0)
				return 1;
	return strncmp(p, "path:", 5) != 0;
}

static const struct manifest_model *
body_model(const struct manifest_route *route, const struct request *rq)
{
	const char *ct = serve_request_header(rq, "Content-Type");
	size_t i, n;

	if (ct == NULL)
		ct = "application/json"; /* API Gateway's assumption */
	n = strcspn(ct, "; ");
	for (i = 0; i < route->nmodels; i++)
		if (strlen(route->models[i].content_type) == n &&
		    strncasecmp(route->models[i].content_type, ct, n) == 0)
			return route->models[i].model;
	return NULL;
}

static int
validate(struct gate *g, const struct exchange *x, struct response *r)
{
	const struct manifest_route *route = x->m->route;
	const struct manifest_model *md;
	struct buf missing = {0};
	struct diags d = {0};
	struct doc *doc;
	int ok;
	size_t i;

	for (i = 0; route->validate_params && i < route->required_params.n; i++)
		if (!param_present(x, route->required_params.v[i]))
			buf_printf(&missing, "%s%s", missing.len ? ", " : "",
			    strchr(route->required_params.v[i], ':') + 1);
	if (missing.len) {
		r->status = 400;
		serve_response_header(r, "Content-Type", "application/json");
		buf_printf(&r->body, "{\"message\": \"Missing required request parameters: [%s]\"}",
		    missing.data);
		buf_free(&missing);
		return -1;
	}
	if (!route->validate_body || (md = body_model(route, x->rq)) == NULL ||
	    g->schemas[md - g->api->models] == NULL)
		return 0;
	doc = json_load_buffer("body", x->rq->body.data ? x->rq->body.data : "",
	    x->rq->body.len, &d);
	ok = doc->root != NULL && schema_is_valid(g->schemas[md - g->api->models], doc->root);
	doc_free(doc);
	diags_free(&d);
	if (ok)
		return 0;
	serve_response_message(r, 400, "Invalid request body");
	return -1;
}

/* ---- the gate ---- */

struct gate *
gate_alloc(const struct manifest *m, const char *region, const struct serve_gate_options *o,
    const struct local_values *vals)
{
	struct gate *g = xcalloc(1, sizeof(*g));
	size_t i;

	g->api = m->api;
	pthread_mutex_init(&g->mu, NULL);
	bucket_init(&g->stage, &m->api->throttle);
	g->schemas = xcalloc(m->api->nmodels + 1, sizeof(*g->schemas));
	for (i = 0; i < m->api->nmodels; i++)
		if ((g->schemas[i] = model_schema(&m->api->models[i])) == NULL)
			goto fail;
	if ((g->auth = auth_alloc(m, region, o->jwks_path, vals)) == NULL ||
	    keys_init(g, o) == -1)
		goto fail;
	return g;
fail:
	gate_free(g);
	return NULL;
}

void
gate_free(struct gate *g)
{
	size_t i;

	if (g == NULL)
		return;
	auth_free(g->auth);
	for (i = 0; i < g->nkeys; i++)
		free(g->keys[i].value);
	free(g->keys);
	for (i = 0; g->schemas && i < g->api->nmodels; i++)
		schema_free(g->schemas[i]);
	free(g->schemas);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

int
gate_check(struct gate *g, struct service *s, struct exchange *x, struct response *r)
{
	int ok;

	if (auth_check(g->auth, s, x, r) != 0)
		return -1;
	if (x->m->route->api_key && key_check(g, x->rq, r) != 0)
		return -1;
	pthread_mutex_lock(&g->mu);
	ok = bucket_take(&g->stage, mono_now());
	pthread_mutex_unlock(&g->mu);
	if (!ok) {
		serve_response_message(r, 429, "Too Many Requests");
		return -1;
	}
	return validate(g, x, r);
}
