/*
 * serve.c - a local API Gateway on loopback. See serve.h.
 *
 * One thread accepts; each connection gets a thread that reads requests,
 * routes them (router.c), builds the REST proxy event, borrows a warm
 * emulator from the function's pool, and writes the proxy response back.
 * The built service (model, router, pools) is reference-counted so that
 * --watch can swap in a rebuilt one while requests on the old one finish.
 */
#define _GNU_SOURCE /* accept4, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cjson/cJSON.h>

#include "base/cors.h"
#include "base/digest.h"
#include "compile/watch.h"
#include "local/emulator.h"
#include "local/local.h"
#include "pipeline/pipeline.h"
#include "local/router.h"
#include "local/serve.h"
#include "local/serve_int.h"

#define SERVE_MAX_CONNECTIONS 512
#define SERVE_API_TIMEOUT_S 29 /* API Gateway's integration limit */

struct pool {
	struct local_function lf;
	struct emulator **em;
	unsigned char *busy;
	size_t n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

struct service {
	struct pipeline p;  /* the model and the built code */
	struct router *router;
	struct pool *pools; /* one per function, index as in manifest->functions */
	size_t npools;
	struct gate *gate;  /* authorizers, API keys, validation */
	int refs;           /* requests using it, plus one while current */
	char fingerprint[DIGEST_HEX_LEN + 1];
};

struct server {
	const struct serve_options *opt;
	int listen_fd;
	int port;
	pthread_mutex_t mu;
	pthread_cond_t idle;
	struct service *current;
	int connections;
	int clients[SERVE_MAX_CONNECTIONS];
	unsigned long request_seq;
	volatile sig_atomic_t stopping;
	int wake[2]; /* self-pipe: signals wake the accept loop */
};

static int wake_fd = -1;

/* ---- the built service ---- */

static void
service_free(struct service *s)
{
	size_t i, j;

	if (s == NULL)
		return;
	for (i = 0; i < s->npools; i++) {
		for (j = 0; j < s->pools[i].n; j++)
			emulator_free(s->pools[i].em[j]);
		free(s->pools[i].em);
		free(s->pools[i].busy);
		local_function_free(&s->pools[i].lf);
		pthread_mutex_destroy(&s->pools[i].mu);
		pthread_cond_destroy(&s->pools[i].cv);
	}
	free(s->pools);
	gate_free(s->gate);
	router_free(s->router);
	pipeline_free(&s->p);
	free(s);
}

static int
pool_size(const struct serve_options *opt)
{
	long n = opt->pool > 0 ? opt->pool : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* 1 when a route or an authorizer runs f. */
static int
function_used(const struct manifest_api *api, const struct manifest_function *f)
{
	size_t k;

	for (k = 0; k < api->nroutes; k++)
		if (api->routes[k].function == f)
			return 1;
	for (k = 0; k < api->nauthorizers; k++)
		if (api->authorizers[k].function == f)
			return 1;
	return 0;
}

/*
 * Loads, builds and readies the service: a pool of emulators for each
 * function a route or an authorizer names. Returns NULL after reporting why.
 */
static struct service *
service_load(struct server *sv)
{
	struct service *s = xcalloc(1, sizeof(*s));
	struct pipeline_options po = sv->opt->pipeline;
	const struct manifest *m;
	struct diags d = {0};
	struct pool *pl;
	size_t i, j;

	po.goal = PIPELINE_MODEL;
	if (pipeline_run(&s->p, &po, &d) != PIPELINE_OK)
		goto fail;
	m = s->p.manifest;
	if (sv->opt->check && sv->opt->check(sv->opt->report_arg, m) != 0)
		goto fail;
	if (m->api == NULL || m->api->nroutes == 0) {
		log_error("%s has no api routes to serve", po.manifest_path);
		goto fail;
	}
	po.goal = PIPELINE_CODE; /* the template is not served */
	if (pipeline_run(&s->p, &po, &d) != PIPELINE_OK || d.nerrors)
		goto fail;
	sv->opt->report(sv->opt->report_arg, &d); /* warnings */
	diags_free(&d);
	s->router = router_alloc(m->api);
	s->pools = xcalloc(m->nfunctions, sizeof(*s->pools));
	s->npools = m->nfunctions;
	for (i = 0; i < m->nfunctions; i++) {
		pl = &s->pools[i];
		pthread_mutex_init(&pl->mu, NULL);
		pthread_cond_init(&pl->cv, NULL);
		if (!function_used(m->api, &m->functions[i]))
			continue;
		local_function_init(&pl->lf, m, &m->functions[i], s->p.out.bootstrap_path,
		    s->p.out.dir, local_region(sv->opt->region), STDERR_FILENO,
		    sv->opt->values);
		/* API Gateway gives up after 29 s whatever the function's timeout */
		if (pl->lf.cfg.timeout_s > SERVE_API_TIMEOUT_S)
			pl->lf.cfg.timeout_s = SERVE_API_TIMEOUT_S;
		pl->n = (size_t)pool_size(sv->opt);
		pl->em = xcalloc(pl->n, sizeof(*pl->em));
		pl->busy = xcalloc(pl->n, 1);
		for (j = 0; j < pl->n; j++)
			if ((pl->em[j] = emulator_alloc(&pl->lf.cfg)) == NULL)
				goto fail;
	}
	if ((s->gate = gate_alloc(m, local_region(sv->opt->region), &sv->opt->gate,
	    sv->opt->values)) == NULL)
		goto fail;
	s->refs = 1;
	return s;
fail:
	sv->opt->report(sv->opt->report_arg, &d);
	diags_free(&d);
	service_free(s);
	return NULL;
}

static struct service *
service_acquire(struct server *sv)
{
	struct service *s;

	pthread_mutex_lock(&sv->mu);
	s = sv->current;
	s->refs++;
	pthread_mutex_unlock(&sv->mu);
	return s;
}

static void
service_release(struct server *sv, struct service *s)
{
	int last;

	pthread_mutex_lock(&sv->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&sv->mu);
	if (last)
		service_free(s);
}

static struct emulator *
pool_take(struct pool *pl, size_t *slot)
{
	size_t i;

	pthread_mutex_lock(&pl->mu);
	for (;;) {
		for (i = 0; i < pl->n; i++) {
			if (!pl->busy[i]) {
				pl->busy[i] = 1;
				pthread_mutex_unlock(&pl->mu);
				*slot = i;
				return pl->em[i];
			}
		}
		pthread_cond_wait(&pl->cv, &pl->mu);
	}
}

static void
pool_give(struct pool *pl, size_t slot)
{
	pthread_mutex_lock(&pl->mu);
	pl->busy[slot] = 0;
	pthread_cond_signal(&pl->cv);
	pthread_mutex_unlock(&pl->mu);
}

/* ---- CORS: base/cors.c decides, as in the deployed runtime ---- */

static void
join(struct buf *b, const struct manifest_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		buf_printf(b, "%s%s", i ? "," : "", l->v[i]);
}

/* The CORS of a resource: its routes' (one per path), or NULL when off. */
static const struct manifest_cors *
resource_cors(const struct manifest_api *api, const char *resource)
{
	size_t i;

	for (i = 0; i < api->nroutes; i++)
		if (strcmp(api->routes[i].path, resource) == 0)
			return api->routes[i].cors;
	return api->cors.enabled ? &api->cors : NULL;
}

/* Adds the CORS headers of a preflight (m != NULL) or an actual response. */
static void
cors_apply(const struct manifest_api *api, const struct manifest_cors *cors,
    const struct request *rq, const struct router_match *m, struct response *r)
{
	struct buf origins = {0}, headers = {0}, methods = {0}, expose = {0};
	struct cors_config cfg = {.max_age = cors->max_age};
	struct cors_headers h;
	char *v;
	size_t i;

	join(&origins, &cors->origins);
	cfg.origins = origins.data;
	cfg.credentials = cors->credentials;
	join(&expose, &cors->expose_headers);
	cfg.expose_headers = expose.data;
	if (m != NULL) {
		join(&headers, &cors->headers);
		cfg.allow_headers = headers.data;
		if (cors->methods.n)
			join(&methods, &cors->methods);
		else
			buf_printf(&methods, "%s,OPTIONS", m->allow[0] ? m->allow : "GET");
		cfg.allow_methods = methods.data;
		r->status = cors_preflight(&cfg, serve_request_header(rq, "Origin"), &h);
		if (api->kind == MANIFEST_API_HTTP)
			r->status = 204; /* an HTTP API answers preflight itself */
		else
			serve_response_header(r, "Content-Type", "application/json");
	} else {
		cors_actual(&cfg, serve_request_header(rq, "Origin"), &h);
	}
	for (i = 0; i < h.n; i++) {
		v = xasprintf("%.*s", (int)h.value_len[i], h.value[i]);
		serve_response_header(r, h.name[i], v);
		free(v);
	}
	buf_free(&origins);
	buf_free(&headers);
	buf_free(&methods);
	buf_free(&expose);
}

/* ---- one request ---- */

int
serve_invoke(struct service *s, const struct manifest_function *f, const char *event,
    struct emulator_result *res, long *timeout_s)
{
	struct pool *pl = &s->pools[f - s->p.manifest->functions];
	struct emulator *em;
	size_t slot;
	int rc;

	*timeout_s = pl->lf.cfg.timeout_s;
	em = pool_take(pl, &slot);
	rc = emulator_invoke(em, event, strlen(event), res);
	pool_give(pl, slot);
	return rc;
}

/* The error answers differ: REST says 502/504, an HTTP API 500/503. */
static void
integration_failed(const struct exchange *x, struct response *r, int timeout)
{
	int v2 = x->api->kind == MANIFEST_API_HTTP;

	buf_free(&r->head);
	buf_free(&r->body);
	r->has_cors = 0;
	if (timeout)
		serve_response_message(r, v2 ? 503 : 504,
		    v2 ? "Service Unavailable" : "Endpoint request timed out");
	else
		serve_response_message(r, v2 ? 500 : 502,
		    v2 ? "Internal Server Error" : "Internal server error");
}

/* Runs the route's function; 1 when r is the function's own response. */
static int
integrate(struct service *s, const struct exchange *x, struct response *r)
{
	const struct request *rq = x->rq;
	const struct manifest_function *f = x->m->route->function;
	int v2 = x->api->kind == MANIFEST_API_HTTP;
	struct emulator_result res;
	char *event = v2 ? serve_event_v2(x) : serve_event_v1(x);
	long timeout_s;
	int rc, own = 0;

	rc = serve_invoke(s, f, event, &res, &timeout_s);
	free(event);
	if (rc == -1) {
		integration_failed(x, r, 0);
		return 0;
	}
	if (res.outcome == EMULATOR_TIMEOUT) {
		log_warn("%s %s: %s timed out after %ld s", rq->method, rq->path,
		    f->name, timeout_s);
		integration_failed(x, r, 1);
	} else if (res.outcome == EMULATOR_ERROR) {
		log_warn("%s %s: %s failed: %s: %s", rq->method, rq->path,
		    f->name, res.error_type ? res.error_type : "Unknown",
		    res.error_message ? res.error_message : "");
		integration_failed(x, r, 0);
	} else if ((v2 ? serve_response_v2 : serve_response_v1)(res.payload, res.len, r) == -1) {
		log_warn("%s %s: %s returned a malformed %s", rq->method, rq->path, f->name,
		    v2 ? "response (payload format 2.0)" :
		    "proxy response (statusCode, headers, body, isBase64Encoded)");
		integration_failed(x, r, 0);
	} else {
		own = 1;
	}
	log_debug("%s %s -> %d (%s, %.2f ms%s)", rq->method, rq->path, r->status,
	    f->name, res.duration_ms, res.cold ? ", cold" : "");
	emulator_result_free(&res);
	return own;
}

static void
handle(struct server *sv, const struct request *rq, struct response *r)
{
	struct service *s = service_acquire(sv);
	const struct manifest_api *api = s->p.manifest->api;
	int v2 = api->kind == MANIFEST_API_HTTP, from_function = 0;
	const struct manifest_cors *cors = NULL;
	struct router_match m;
	struct exchange x;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	router_match(s->router, rq->method, rq->path, &m);
	if (m.status == ROUTER_NOT_FOUND) {
		serve_response_message(r, 404, "Not Found");
		goto done;
	}
	cors = resource_cors(api, m.resource);
	if (strcmp(rq->method, "OPTIONS") == 0 && cors &&
	    !router_has_options(s->router, m.resource)) {
		cors_apply(api, cors, rq, &m, r);
		cors = NULL;
		goto done;
	}
	if (m.status == ROUTER_METHOD_NOT_ALLOWED) {
		/* an HTTP API has routes, not resources: no 405 */
		serve_response_message(r, v2 ? 404 : 405, v2 ? "Not Found" : "Method Not Allowed");
		if (!v2)
			serve_response_header(r, "Allow", m.allow);
		goto done;
	}
	x.port = sv->port;
	x.api = api;
	x.rq = rq;
	x.m = &m;
	pthread_mutex_lock(&sv->mu);
	x.id = ++sv->request_seq;
	pthread_mutex_unlock(&sv->mu);
	if (gate_check(s->gate, s, &x, r) == 0)
		from_function = integrate(s, &x, r);
done:
	/* As deployed: the runtime adds CORS to the function's responses; API
	 * Gateway's own answers (404, 502, 504, authorizer and API key
	 * refusals, validation errors) carry none. */
	if (cors && from_function && !r->has_cors)
		cors_apply(api, cors, rq, NULL, r);
	cJSON_Delete(x.authorizer);
	router_match_free(&m);
	service_release(sv, s);
}

/* ---- connections ---- */

struct client {
	struct server *sv;
	int fd;
	int slot;
};

static void *
client_main(void *arg)
{
	struct client *cl = arg;
	struct server *sv = cl->sv;
	struct conn *c = xcalloc(1, sizeof(*c));
	struct request rq;
	struct response r;
	int rc;

	c->fd = cl->fd;
	while (!sv->stopping) {
		rc = serve_request_read(c, &rq);
		if (rc == -1) {
			serve_request_clear(&rq);
			break;
		}
		if (rc > 0) {
			memset(&r, 0, sizeof(r));
			serve_response_message(&r, rc, serve_status_text(rc));
			serve_response_send(c->fd, &r, 0, 0);
			serve_request_clear(&rq);
			break;
		}
		handle(sv, &rq, &r);
		rc = serve_response_send(c->fd, &r, rq.keep_alive && !sv->stopping,
		    strcmp(rq.method, "HEAD") == 0);
		if (rc == -1 || !rq.keep_alive) {
			serve_request_clear(&rq);
			break;
		}
		serve_request_clear(&rq);
	}
	close(c->fd);
	free(c);
	pthread_mutex_lock(&sv->mu);
	sv->clients[cl->slot] = -1;
	if (--sv->connections == 0)
		pthread_cond_broadcast(&sv->idle);
	pthread_mutex_unlock(&sv->mu);
	free(cl);
	return NULL;
}

static void
on_signal(int sig)
{
	char c = (char)sig;
	ssize_t n;

	if (wake_fd >= 0)
		n = write(wake_fd, &c, 1);
	(void)n;
}

static int
listen_on(struct server *sv, int port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1;

	if ((sv->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(sv->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((unsigned short)port);
	if (bind(sv->listen_fd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(sv->listen_fd, 512) == -1 ||
	    getsockname(sv->listen_fd, (struct sockaddr *)&a, &alen) == -1)
		return -1;
	sv->port = ntohs(a.sin_port);
	return 0;
}

/* ---- --watch ---- */

/* What a rebuild depends on: the manifest and every source it names. */
static void
service_fingerprint(const struct service *s, const char *manifest_path,
    char hex[DIGEST_HEX_LEN + 1])
{
	watch_fingerprint(s->p.manifest, s->p.out.project_dir, manifest_path,
	    hex);
}

static void *
watch_main(void *arg)
{
	struct server *sv = arg;
	struct service *s, *old, *fresh;
	char now[DIGEST_HEX_LEN + 1];
	struct timespec tick = {0, 300 * 1000000L};

	while (!sv->stopping) {
		nanosleep(&tick, NULL);
		s = service_acquire(sv);
		service_fingerprint(s, sv->opt->pipeline.manifest_path, now);
		if (strcmp(now, s->fingerprint) == 0) {
			service_release(sv, s);
			continue;
		}
		/* remember what we tried, so a broken edit is reported once */
		memcpy(s->fingerprint, now, sizeof(now));
		service_release(sv, s);
		log_info("change detected: rebuilding");
		if ((fresh = service_load(sv)) == NULL) {
			log_error("rebuild failed; still serving the previous build");
			continue;
		}
		service_fingerprint(fresh, sv->opt->pipeline.manifest_path,
		    fresh->fingerprint);
		pthread_mutex_lock(&sv->mu);
		old = sv->current;
		sv->current = fresh;
		pthread_mutex_unlock(&sv->mu);
		service_release(sv, old);
		log_info("rebuilt: serving the new code");
	}
	return NULL;
}

static void
print_routes(const struct service *s, int port)
{
	const struct manifest_api *api = s->p.manifest->api;
	const struct manifest_route *r;
	size_t i;

	log_info("serving %s on http://127.0.0.1:%d (%s API, stage %s, %zu routes)",
	    s->p.manifest->service, port, api->kind == MANIFEST_API_HTTP ? "HTTP" : "REST",
	    api->stage, api->nroutes);
	for (i = 0; i < api->nroutes; i++) {
		r = api->routes_sorted[i];
		log_info("  %-7s http://127.0.0.1:%d%s -> %s%s%s%s%s%s", r->method_name, port,
		    r->path, r->function->name, r->authorizer ? " (auth " : "",
		    r->authorizer ? r->authorizer->name : "", r->authorizer ? ")" : "",
		    r->authorization == MANIFEST_AUTH_AWS_IAM ? " (auth iam, not checked)" : "",
		    r->api_key ? " (api key)" : "");
	}
}

enum serve_status
serve_run(const struct serve_options *opt)
{
	struct server sv;
	struct client *cl;
	struct pollfd pfd[2];
	struct sigaction sa;
	pthread_t t, watcher;
	pthread_attr_t attr;
	int fd, i, slot, have_watcher = 0;
	enum serve_status status = SERVE_OK;
	char sig;
	ssize_t n;

	memset(&sv, 0, sizeof(sv));
	sv.opt = opt;
	sv.listen_fd = -1;
	for (i = 0; i < SERVE_MAX_CONNECTIONS; i++)
		sv.clients[i] = -1;
	pthread_mutex_init(&sv.mu, NULL);
	pthread_cond_init(&sv.idle, NULL);
	if ((sv.current = service_load(&sv)) == NULL)
		return SERVE_LOAD_FAILED;
	if (listen_on(&sv, opt->port) == -1) {
		log_error("cannot listen on 127.0.0.1:%d: %s", opt->port, strerror(errno));
		service_free(sv.current);
		if (sv.listen_fd >= 0)
			close(sv.listen_fd);
		return SERVE_LISTEN_FAILED;
	}
	if (pipe2(sv.wake, O_CLOEXEC) == -1) {
		log_error("pipe: %s", strerror(errno));
		service_free(sv.current);
		close(sv.listen_fd);
		return SERVE_INTERNAL;
	}
	wake_fd = sv.wake[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	service_fingerprint(sv.current, opt->pipeline.manifest_path,
	    sv.current->fingerprint);
	print_routes(sv.current, sv.port);
	if (opt->watch && pthread_create(&watcher, NULL, watch_main, &sv) == 0)
		have_watcher = 1;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);

	pfd[0].fd = sv.listen_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sv.wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			status = SERVE_INTERNAL;
			break;
		}
		if (pfd[1].revents) {
			n = read(sv.wake[0], &sig, 1);
			(void)n;
			log_info("stopping");
			break;
		}
		fd = accept4(sv.listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1)
			continue;
		i = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &i, sizeof(i));
		pthread_mutex_lock(&sv.mu);
		for (slot = 0; slot < SERVE_MAX_CONNECTIONS && sv.clients[slot] != -1; slot++)
			;
		if (slot == SERVE_MAX_CONNECTIONS) {
			pthread_mutex_unlock(&sv.mu);
			close(fd); /* past the connection limit */
			continue;
		}
		sv.clients[slot] = fd;
		sv.connections++;
		pthread_mutex_unlock(&sv.mu);
		cl = xmalloc(sizeof(*cl));
		cl->sv = &sv;
		cl->fd = fd;
		cl->slot = slot;
		if (pthread_create(&t, &attr, client_main, cl) != 0) {
			pthread_mutex_lock(&sv.mu);
			sv.clients[slot] = -1;
			sv.connections--;
			pthread_mutex_unlock(&sv.mu);
			close(fd);
			free(cl);
		}
	}
	sv.stopping = 1;
	close(sv.listen_fd);
	/* wake the connection threads blocked in read() and wait for them */
	pthread_mutex_lock(&sv.mu);
	for (i = 0; i < SERVE_MAX_CONNECTIONS; i++)
		if (sv.clients[i] != -1)
			shutdown(sv.clients[i], SHUT_RDWR);
	while (sv.connections > 0)
		pthread_cond_wait(&sv.idle, &sv.mu);
	pthread_mutex_unlock(&sv.mu);
	if (have_watcher)
		pthread_join(watcher, NULL);
	pthread_attr_destroy(&attr);
	service_release(&sv, sv.current);
	wake_fd = -1;
	close(sv.wake[0]);
	close(sv.wake[1]);
	pthread_mutex_destroy(&sv.mu);
	pthread_cond_destroy(&sv.idle);
	return status;
}
