/*
 * serve_auth.c - the authorizers of `spartac serve`, as API Gateway runs
 * them in front of a route.
 *
 * Lambda authorizers (REST TOKEN and REQUEST, HTTP API REQUEST) run through
 * the warm pool with the event API Gateway sends; their answer is cached by
 * the identity source values for the authorizer's ttl, and (REST) the
 * cached policy is evaluated against each request's method ARN, so a policy
 * that allows one method only denies the next method within the ttl, as
 * deployed. JWT (HTTP API) and Cognito (REST) authorizers verify the token
 * against the keys of --jwks (serve_jwt.c). AWS_IAM is not checked: the
 * request goes through (logged once).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "front/node.h"
#include "local/emulator.h"
#include "local/local.h"
#include "local/serve_int.h"
#include "local/serve_jwt.h"

#define AUTH_CACHE_MAX 4096
#define AUTH_MSG_DENY "User is not authorized to access this resource with an explicit deny"
#define AUTH_MSG_NO_ALLOW "User is not authorized to access this resource"

struct cached {
	char *key;        /* authorizer name, then the identity values */
	double expires;   /* CLOCK_MONOTONIC seconds */
	cJSON *answer;    /* the authorizer's response, parsed */
};

/* A JWT authorizer's issuer and audiences with their intrinsics resolved
 * here (--parameter values, the region); unknown: one has no local value,
 * and every token is refused rather than any accepted. */
struct jwt_conf {
	char *issuer;      /* NULL: no issuer configured */
	char *aud[16];
	size_t naud;
	int unknown;
};

struct auth {
	const struct manifest_api *api;
	const char *region;
	struct jwt_conf *jwt; /* one per authorizer, by index */
	struct jwks *jwks;
	const char *jwks_path;
	pthread_mutex_t mu;
	struct cached *cache;
	size_t ncache;
	int iam_noted;
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resolves the issuer and audiences of each JWT authorizer (see jwt_conf). */
static void
jwt_conf_init(struct auth *a, const struct manifest *m, const char *region,
    const struct local_values *vals)
{
	const struct manifest_authorizer *az;
	struct jwt_conf *jc;
	char why[160];
	size_t i, j;

	a->jwt = xcalloc(m->api->nauthorizers + 1, sizeof(*a->jwt));
	for (i = 0; i < m->api->nauthorizers; i++) {
		az = &m->api->authorizers[i];
		jc = &a->jwt[i];
		if (az->kind != MANIFEST_AUTH_JWT)
			continue;
		if (az->issuer != NULL && (jc->issuer = local_value_resolve(m,
		    az->issuer, region, vals, why, sizeof(why))) == NULL) {
			log_warn("authorizer %s: its issuer has no local value (%s): "
			    "every token is refused", az->name, why);
			jc->unknown = 1;
		}
		for (j = 0; j < az->audience.n && jc->naud < NELEM(jc->aud); j++) {
			if ((jc->aud[jc->naud] = local_value_resolve(m, az->audience.v[j],
			    region, vals, why, sizeof(why))) != NULL) {
				jc->naud++;
				continue;
			}
			log_warn("authorizer %s: an audience has no local value (%s): "
			    "every token is refused", az->name, why);
			jc->unknown = 1;
		}
	}
}

struct auth *
auth_alloc(const struct manifest *m, const char *region, const char *jwks_path,
    const struct local_values *vals)
{
	const struct manifest_api *api = m->api;
	struct auth *a = xcalloc(1, sizeof(*a));
	char err[512];
	size_t i, njwt = 0;

	jwt_conf_init(a, m, region, vals);
	a->api = api;
	a->region = region;
	a->jwks_path = jwks_path;
	pthread_mutex_init(&a->mu, NULL);
	for (i = 0; i < api->nauthorizers; i++)
		njwt += api->authorizers[i].kind == MANIFEST_AUTH_JWT ||
		    api->authorizers[i].kind == MANIFEST_AUTH_COGNITO;
	if (jwks_path) {
		if ((a->jwks = jwks_load(jwks_path, err, sizeof(err))) == NULL) {
			log_error("--jwks %s", err);
			auth_free(a);
			return NULL;
		}
		log_info("JWT and Cognito authorizers verify tokens with %zu key(s) of %s",
		    jwks_count(a->jwks), jwks_path);
	} else if (njwt) {
		log_warn("no --jwks FILE: the JWT and Cognito authorizers refuse every "
		    "token (401); give the issuer's keys as a JWKS file");
	}
	return a;
}

void
auth_free(struct auth *a)
{
	size_t i, j;

	if (a == NULL)
		return;
	for (i = 0; i < a->ncache; i++) {
		free(a->cache[i].key);
		cJSON_Delete(a->cache[i].answer);
	}
	free(a->cache);
	for (i = 0; a->jwt != NULL && i < a->api->nauthorizers; i++) {
		free(a->jwt[i].issuer);
		for (j = 0; j < a->jwt[i].naud; j++)
			free(a->jwt[i].aud[j]);
	}
	free(a->jwt);
	jwks_free(a->jwks);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

/* ---- the cache ---- */

static cJSON *
cache_get(struct auth *a, const char *key)
{
	cJSON *hit = NULL;
	double now = mono_now();
	size_t i;

	pthread_mutex_lock(&a->mu);
	for (i = 0; i < a->ncache; i++)
		if (strcmp(a->cache[i].key, key) == 0 && a->cache[i].expires > now) {
			hit = cJSON_Duplicate(a->cache[i].answer, 1);
			break;
		}
	pthread_mutex_unlock(&a->mu);
	return hit;
}

static void
cache_put(struct auth *a, const char *key, const cJSON *answer, long ttl)
{
	double now = mono_now();
	size_t i, j;

	pthread_mutex_lock(&a->mu);
	for (i = j = 0; i < a->ncache; i++) {
		if (a->cache[i].expires <= now || strcmp(a->cache[i].key, key) == 0) {
			free(a->cache[i].key);
			cJSON_Delete(a->cache[i].answer);
		} else {
			a->cache[j++] = a->cache[i];
		}
	}
	a->ncache = j;
	if (a->ncache == AUTH_CACHE_MAX) { /* full of live entries: drop the oldest */
		free(a->cache[0].key);
		cJSON_Delete(a->cache[0].answer);
		memmove(a->cache, a->cache + 1, --a->ncache * sizeof(*a->cache));
	}
	if (a->cache == NULL)
		a->cache = xcalloc(AUTH_CACHE_MAX, sizeof(*a->cache));
	a->cache[a->ncache].key = xstrdup(key);
	a->cache[a->ncache].expires = now + (double)ttl;
	a->cache[a->ncache].answer = cJSON_Duplicate(answer, 1);
	a->ncache++;
	pthread_mutex_unlock(&a->mu);
}

/* ---- identity sources ---- */

/* The value of one identity source ("header:X", "query:x", ...), or NULL. */
static char *
identity_value(const struct exchange *x, const char *source)
{
	const char *colon = strchr(source, ':'), *v;
	cJSON *q, *mq, *it;
	char *out = NULL;

	if (colon == NULL)
		return NULL;
	if (strncmp(source, "header:", 7) == 0) {
		v = serve_request_header(x->rq, colon + 1);
		return v && *v ? xstrdup(v) : NULL;
	}
	if (strncmp(source, "query:", 6) == 0) {
		serve_query_maps(x->rq->query, &q, &mq);
		it = q ? cJSON_GetObjectItemCaseSensitive(q, colon + 1) : NULL;
		if (cJSON_IsString(it) && *it->valuestring)
			out = xstrdup(it->valuestring);
		cJSON_Delete(q);
		cJSON_Delete(mq);
		return out;
	}
	/* stage variables and context values do not exist locally */
	return NULL;
}

/* All values, in order; -1 when one is missing (API Gateway's 401). */
static int
identity_values(const struct exchange *x, const struct manifest_authorizer *az,
    char **vals)
{
	size_t i;

	for (i = 0; i < az->identity.n; i++)
		if ((vals[i] = identity_value(x, az->identity.v[i])) == NULL)
			return -1;
	return 0;
}

static void
values_free(char **vals, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(vals[i]);
	free(vals);
}

/* ---- answers ---- */

static void
unauthorized(struct response *r)
{
	serve_response_message(r, 401, "Unauthorized");
}

/* REST: 403 with "Message" (capitalised, as API Gateway writes it). */
static void
access_denied(const struct exchange *x, struct response *r, const char *message)
{
	if (x->api->kind == MANIFEST_API_HTTP) {
		serve_response_message(r, 403, "Forbidden");
		return;
	}
	r->status = 403;
	serve_response_header(r, "Content-Type", "application/json");
	buf_printf(&r->body, "{\"Message\":\"%s\"}", message);
}

/* An authorizer that failed or answered nonsense: API Gateway's 500. */
static void
authorizer_failed(const struct exchange *x, struct response *r)
{
	if (x->api->kind == MANIFEST_API_HTTP) {
		serve_response_message(r, 500, "Internal Server Error");
		return;
	}
	r->status = 500;
	serve_response_header(r, "Content-Type", "application/json");
	buf_puts(&r->body, "{\"message\":null}");
}

/* ---- policies ---- */

/* IAM's wildcards: * any run of characters, ? one character. */
static int
glob_match(const char *pat, const char *s, int nocase)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || *pat == *s ||
		    (nocase && *pat && strncasecmp(pat, s, 1) == 0)) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static int
any_matches(const cJSON *v, const char *s, int nocase)
{
	const cJSON *it;

	if (cJSON_IsString(v))
		return glob_match(v->valuestring, s, nocase);
	if (!cJSON_IsArray(v))
		return 0;
	cJSON_ArrayForEach(it, v)
		if (cJSON_IsString(it) && glob_match(it->valuestring, s, nocase))
			return 1;
	return 0;
}

enum verdict { VERDICT_ALLOW, VERDICT_DENY, VERDICT_NO_ALLOW, VERDICT_MALFORMED };

static void
statement_apply(const cJSON *it, const char *arn, int *allow, int *deny)
{
	const cJSON *eff = cJSON_GetObjectItemCaseSensitive(it, "Effect");

	if (!cJSON_IsString(eff) ||
	    !any_matches(cJSON_GetObjectItemCaseSensitive(it, "Action"), "execute-api:Invoke", 1) ||
	    !any_matches(cJSON_GetObjectItemCaseSensitive(it, "Resource"), arn, 0))
		return;
	if (strcmp(eff->valuestring, "Deny") == 0)
		*deny = 1;
	else if (strcmp(eff->valuestring, "Allow") == 0)
		*allow = 1;
}

/* An explicit Deny wins over any Allow; no matching Allow denies. */
static enum verdict
policy_evaluate(const cJSON *answer, const char *arn)
{
	const cJSON *doc = cJSON_GetObjectItemCaseSensitive(answer, "policyDocument");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "Statement"), *it;
	int allow = 0, deny = 0;

	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(answer, "principalId")))
		return VERDICT_MALFORMED;
	if (cJSON_IsObject(st))
		statement_apply(st, arn, &allow, &deny);
	else if (cJSON_IsArray(st))
		cJSON_ArrayForEach(it, st)
			statement_apply(it, arn, &allow, &deny);
	else
		return VERDICT_MALFORMED;
	return deny ? VERDICT_DENY : allow ? VERDICT_ALLOW : VERDICT_NO_ALLOW;
}

/* arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/path */
static char *
method_arn(const struct auth *a, const struct exchange *x)
{
	return xasprintf("arn:aws:execute-api:%s:%s:%s/%s/%s%s", a->region,
	    EMULATOR_ACCOUNT_ID, SERVE_API_ID, x->api->stage, x->rq->method, x->rq->path);
}

/* REST puts the context's values in the event as strings. */
static cJSON *
rest_context(const cJSON *answer)
{
	const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(answer, "context"), *it;
	cJSON *out = cJSON_CreateObject();
	char num[32];

	if (!cJSON_IsObject(ctx))
		ctx = NULL;
	cJSON_ArrayForEach(it, ctx) {
		if (cJSON_IsString(it)) {
			cJSON_AddStringToObject(out, it->string, it->valuestring);
		} else if (cJSON_IsNumber(it)) {
			snprintf(num, sizeof(num), "%.17g", it->valuedouble);
			cJSON_AddStringToObject(out, it->string, num);
		} else if (cJSON_IsBool(it)) {
			cJSON_AddStringToObject(out, it->string, cJSON_IsTrue(it) ? "true" : "false");
		}
	}
	cJSON_AddItemToObject(out, "principalId", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(answer, "principalId"), 1));
	cJSON_AddNumberToObject(out, "integrationLatency", 0);
	return out;
}

/* The answer applied to this request: 0 with x->authorizer, or r filled. */
static int
apply_answer(const struct auth *a, const struct manifest_authorizer *az,
    struct exchange *x, const cJSON *answer, struct response *r)
{
	const cJSON *ok, *ctx;
	enum verdict v;
	char *arn;

	if (x->api->kind == MANIFEST_API_HTTP && az->simple_responses) {
		ok = cJSON_GetObjectItemCaseSensitive(answer, "isAuthorized");
		if (!cJSON_IsBool(ok)) {
			log_warn("authorizer %s: the simple response has no isAuthorized boolean",
			    az->name);
			authorizer_failed(x, r);
			return -1;
		}
		v = cJSON_IsTrue(ok) ? VERDICT_ALLOW : VERDICT_DENY;
	} else {
		arn = method_arn(a, x);
		v = policy_evaluate(answer, arn);
		free(arn);
	}
	switch (v) {
	case VERDICT_MALFORMED:
		log_warn("authorizer %s: the response is not a policy (principalId, "
		    "policyDocument.Statement)", az->name);
		authorizer_failed(x, r);
		return -1;
	case VERDICT_DENY:
		access_denied(x, r, AUTH_MSG_DENY);
		return -1;
	case VERDICT_NO_ALLOW:
		access_denied(x, r, AUTH_MSG_NO_ALLOW);
		return -1;
	case VERDICT_ALLOW:
		break;
	}
	if (x->api->kind == MANIFEST_API_HTTP) {
		ctx = cJSON_GetObjectItemCaseSensitive(answer, "context");
		x->authorizer = cJSON_CreateObject();
		cJSON_AddItemToObject(x->authorizer, "lambda",
		    cJSON_IsObject(ctx) ? cJSON_Duplicate(ctx, 1) : cJSON_CreateObject());
	} else {
		x->authorizer = rest_context(answer);
	}
	return 0;
}

/* ---- Lambda authorizers ---- */

static char *
lambda_event(const struct auth *a, const struct manifest_authorizer *az,
    const struct exchange *x, char **vals)
{
	cJSON *ev, *ids;
	char *arn = method_arn(a, x), *text;
	size_t i;

	if (az->kind == MANIFEST_AUTH_TOKEN) {
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "type", "TOKEN");
		cJSON_AddItemToObject(ev, "authorizationToken", serve_json_text(vals[0]));
		cJSON_AddStringToObject(ev, "methodArn", arn);
	} else if (x->api->kind == MANIFEST_API_HTTP) {
		ev = serve_event_v2_base(x);
		cJSON_AddStringToObject(ev, "type", "REQUEST");
		cJSON_AddStringToObject(ev, "routeArn", arn);
		ids = cJSON_AddArrayToObject(ev, "identitySource");
		for (i = 0; i < az->identity.n; i++)
			cJSON_AddItemToArray(ids, serve_json_text(vals[i]));
	} else {
		ev = serve_event_v1_base(x);
		cJSON_AddStringToObject(ev, "type", "REQUEST");
		cJSON_AddStringToObject(ev, "methodArn", arn);
	}
	free(arn);
	text = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	return text;
}

/* Runs the authorizer: its parsed answer, or NULL with r filled. */
static cJSON *
lambda_run(struct auth *a, struct service *s, const struct manifest_authorizer *az,
    const struct exchange *x, char **vals, struct response *r)
{
	struct emulator_result res;
	char *event = lambda_event(a, az, x, vals);
	cJSON *answer = NULL;
	long timeout_s;
	int rc;

	rc = serve_invoke(s, az->function, event, &res, &timeout_s);
	free(event);
	if (rc == -1) {
		authorizer_failed(x, r);
		return NULL;
	}
	if (res.outcome == EMULATOR_ERROR && res.error_message &&
	    strcmp(res.error_message, "Unauthorized") == 0) {
		unauthorized(r); /* the documented way to answer 401 */
	} else if (res.outcome != EMULATOR_OK) {
		log_warn("authorizer %s (%s) %s", az->name, az->function->name,
		    res.outcome == EMULATOR_TIMEOUT ? "timed out" : "failed");
		authorizer_failed(x, r);
	} else if (!cJSON_IsObject(answer = cJSON_ParseWithLength(res.payload, res.len))) {
		log_warn("authorizer %s (%s) did not answer a JSON object", az->name,
		    az->function->name);
		cJSON_Delete(answer);
		answer = NULL;
		authorizer_failed(x, r);
	}
	emulator_result_free(&res);
	return answer;
}

static int
lambda_check(struct auth *a, struct service *s, const struct manifest_authorizer *az,
    struct exchange *x, struct response *r)
{
	char **vals = xcalloc(az->identity.n + 1, sizeof(*vals));
	int need = az->kind == MANIFEST_AUTH_TOKEN || az->ttl > 0 ||
	    x->api->kind == MANIFEST_API_HTTP;
	struct buf key = {0};
	cJSON *answer = NULL;
	size_t i;
	int rc = -1;

	if (identity_values(x, az, vals) == -1 && need) {
		unauthorized(r);
		goto out;
	}
	if (az->ttl > 0) {
		buf_puts(&key, az->name);
		for (i = 0; i < az->identity.n; i++)
			buf_printf(&key, "\x1f%s", vals[i] ? vals[i] : "");
		answer = cache_get(a, key.data);
	}
	if (answer == NULL) {
		if ((answer = lambda_run(a, s, az, x, vals, r)) == NULL)
			goto out;
		if (az->ttl > 0)
			cache_put(a, key.data, answer, az->ttl);
	}
	rc = apply_answer(a, az, x, answer, r);
out:
	cJSON_Delete(answer);
	buf_free(&key);
	values_free(vals, az->identity.n);
	return rc;
}

/* ---- JWT and Cognito ---- */

/* Cognito's issuer for a user pool ARN: https://cognito-idp.R.amazonaws.com/ID */
static int
issuer_ok(const struct auth *a, const struct manifest_authorizer *az,
    const char *iss)
{
	const char *arn, *region, *pool;
	size_t i, rlen;
	int ok;
	char *want;

	if (az->kind == MANIFEST_AUTH_JWT) {
		arn = a->jwt[az - a->api->authorizers].issuer;
		return arn == NULL || (iss && strcmp(arn, iss) == 0);
	}
	for (i = 0; i < az->user_pools.n; i++) {
		if ((arn = node_str(az->user_pools.v[i])) == NULL)
			return 1; /* an intrinsic: not known locally */
		if (strncmp(arn, "arn:aws:cognito-idp:", 20) != 0 ||
		    (pool = strstr(arn, ":userpool/")) == NULL)
			continue;
		region = arn + 20;
		rlen = strcspn(region, ":");
		want = xasprintf("https://cognito-idp.%.*s.amazonaws.com/%s", (int)rlen,
		    region, pool + 10);
		ok = iss && strcmp(want, iss) == 0;
		free(want);
		if (ok)
			return 1;
	}
	return 0;
}

static int
jwt_check_route(struct auth *a, const struct manifest_authorizer *az,
    struct exchange *x, struct response *r)
{
	const char *aud[16], *src = az->identity.n ? az->identity.v[0] : "header:Authorization";
	const struct jwt_conf *jc;
	struct jwt_check c = {0};
	enum jwt_status st = JWT_MALFORMED;
	cJSON *claims = NULL, *jwt;
	char *token = identity_value(x, src), *www;
	const char *t = token;
	size_t i;

	if (token == NULL || a->jwks == NULL) {
		unauthorized(r);
		goto out;
	}
	if (strncasecmp(t, "Bearer ", 7) == 0)
		t += 7;
	if (az->kind == MANIFEST_AUTH_JWT) {
		jc = &a->jwt[az - a->api->authorizers];
		if (jc->unknown) {
			log_info("%s %s: authorizer %s has an issuer or audience without "
			    "a local value: token refused", x->rq->method, x->rq->path,
			    az->name);
			unauthorized(r);
			goto out;
		}
		for (i = 0; i < jc->naud; i++)
			aud[c.naudience++] = jc->aud[i];
	}
	c.audience = aud;
	c.scopes = (const char *const *)x->m->route->scopes.v;
	c.nscopes = x->m->route->scopes.n;
	c.now = time(NULL);
	st = jwt_verify(a->jwks, t, &c, &claims);
	if ((st == JWT_OK || st == JWT_SCOPE) &&
	    !issuer_ok(a, az, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, "iss"))))
		st = JWT_ISSUER;
	if (st != JWT_OK) {
		log_info("%s %s: authorizer %s refused the token: %s", x->rq->method,
		    x->rq->path, az->name, jwt_status_text(st));
		if (x->api->kind != MANIFEST_API_HTTP || st != JWT_SCOPE)
			unauthorized(r);
		else
			serve_response_message(r, 403, "Forbidden");
		if (x->api->kind == MANIFEST_API_HTTP) {
			www = xasprintf("Bearer scope=\"\" error=\"%s\" error_description=\"%s\"",
			    st == JWT_SCOPE ? "insufficient_scope" : "invalid_token",
			    jwt_status_text(st));
			serve_response_header(r, "WWW-Authenticate", www);
			free(www);
		}
		goto out;
	}
	x->authorizer = cJSON_CreateObject();
	if (az->kind == MANIFEST_AUTH_JWT) {
		jwt = cJSON_AddObjectToObject(x->authorizer, "jwt");
		cJSON_AddItemToObject(jwt, "scopes", jwt_scopes(claims));
		cJSON_AddItemToObject(jwt, "claims", claims);
	} else {
		cJSON_AddItemToObject(x->authorizer, "claims", claims);
	}
	claims = NULL;
out:
	cJSON_Delete(claims);
	free(token);
	return st == JWT_OK ? 0 : -1;
}

int
auth_check(struct auth *a, struct service *s, struct exchange *x, struct response *r)
{
	const struct manifest_route *route = x->m->route;
	const struct manifest_authorizer *az = route->authorizer;

	switch (route->authorization) {
	case MANIFEST_AUTH_NONE:
		return 0;
	case MANIFEST_AUTH_AWS_IAM:
		if (!a->iam_noted) {
			a->iam_noted = 1; /* a benign race: at worst said twice */
			log_warn("AWS_IAM routes are served without checking a signature");
		}
		return 0;
	case MANIFEST_AUTH_JWT:
	case MANIFEST_AUTH_COGNITO:
		return jwt_check_route(a, az, x, r);
	case MANIFEST_AUTH_TOKEN:
	case MANIFEST_AUTH_REQUEST:
		return lambda_check(a, s, az, x, r);
	}
	return 0;
}
