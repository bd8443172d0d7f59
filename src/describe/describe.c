/*
 * describe.c - one self-contained HTML page that pictures the service.
 *
 * The graph is laid out by Graphviz (libgvc's dot layout, rendered to SVG
 * in-process) and inlined; the page carries a Content-Security-Policy that
 * forbids every fetch, so it opens offline and cannot phone home. A second
 * view lists the generated template resource by resource.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "describe/describe_int.h"
#include "compile/marshal.h"

#define FONT "Helvetica,Arial,sans-serif"

struct graph {
	Agraph_t *g;
	Agraph_t *api, *functions, *resources;
	const struct manifest *m;
};

/* Graphviz's API takes char * for strings it only reads. */
static void
set(void *obj, const char *name, const char *value)
{
	static char none[] = "";

	agsafeset(obj, (char *)name, (char *)value, none);
}

static Agraph_t *
cluster(Agraph_t *g, const char *name, const char *label)
{
	Agraph_t *sub = agsubg(g, (char *)name, 1);

	set(sub, "label", label);
	set(sub, "style", "rounded,dashed");
	set(sub, "fontname", FONT);
	return sub;
}

static Agnode_t *
add_node(struct graph *G, Agraph_t *where, const char *id, const char *label,
    const char *shape, const char *fill, const char *cls)
{
	Agnode_t *n = agnode(where ? where : G->g, (char *)id, 1);

	set(n, "label", label);
	set(n, "shape", shape);
	set(n, "style", "filled,rounded");
	set(n, "fillcolor", fill);
	set(n, "fontname", FONT);
	set(n, "class", cls);
	return n;
}

static void
add_edge(struct graph *G, Agnode_t *from, Agnode_t *to, const char *label)
{
	Agedge_t *e = agedge(G->g, from, to, NULL, 1);

	/* data-flow edges drawn against the left-to-right ranks stay out of them */
	if (strcmp(label, "reads") == 0 || strcmp(label, "grants") == 0)
		set(e, "constraint", "false");
	set(e, "label", label);
	set(e, "fontname", FONT);
	set(e, "fontsize", "10");
	set(e, "color", "#5b6770");
}

/* The logical ID a value refers to: {Ref: X}, {Fn::GetAtt: [X, a]}. */
static const char *
ref_target(const struct node *v)
{
	const struct node *x;

	if (v == NULL || v->kind != NODE_MAP || v->n != 1)
		return NULL;
	if ((x = node_get(v, "Ref")) != NULL)
		return node_str(x);
	if ((x = node_get(v, "Fn::GetAtt")) != NULL && x->kind == NODE_SEQ && x->n == 2)
		return node_str(x->items[0]);
	return NULL;
}

/* The raw resource a value names, when the manifest declares it. */
static Agnode_t *
resource_node(struct graph *G, const struct node *v)
{
	const char *id = ref_target(v);
	char *key;
	Agnode_t *n;

	if (id == NULL || node_get(G->m->resources, id) == NULL)
		return NULL;
	key = xasprintf("res:%s", id);
	n = agnode(G->g, key, 0);
	free(key);
	return n;
}

/* Text for a value that may be an intrinsic: "queue ARN" or "!Ref X". */
char *
describe_value_text(const struct node *v)
{
	const char *id = ref_target(v);

	if (node_str(v))
		return xstrdup(node_str(v));
	if (id)
		return xasprintf("%s %s", node_get(v, "Ref") ? "!Ref" : "!GetAtt", id);
	return xstrdup("(intrinsic)");
}

static void
add_resources(struct graph *G)
{
	const struct node *r = G->m->resources, *type;
	char *id, *label;
	size_t i;

	if (r == NULL || r->kind != NODE_MAP)
		return;
	for (i = 0; i < r->n; i++) {
		type = node_get(r->pairs[i].value, "Type");
		id = xasprintf("res:%s", r->pairs[i].key->str);
		label = xasprintf("%s\n%s", r->pairs[i].key->str,
		    node_str(type) ? node_str(type) : "");
		add_node(G, G->resources, id, label, "box", "#eef1f4", "resource");
		free(id);
		free(label);
	}
}

static Agnode_t *
role_node(struct graph *G, const struct manifest_function *f)
{
	char *id, *label;
	Agnode_t *n;
	size_t i, j;

	if (f->role) {
		id = xasprintf("role:%s", f->role->name);
		if ((n = agnode(G->g, id, 0)) == NULL) {
			label = f->role->arn ? xasprintf("role %s\n%s", f->role->name, f->role->arn)
			    : xasprintf("role %s", f->role->name);
			n = add_node(G, NULL, id, label, "ellipse", "#fff4d6", "role");
			free(label);
			/* what the role's privileges reach among our resources */
			for (i = 0; i < f->role->nprivileges; i++)
				for (j = 0; j < f->role->privileges[i].resources.n; j++) {
					Agnode_t *to = resource_node(G,
					    f->role->privileges[i].resources.v[j]);
					if (to && agedge(G->g, n, to, NULL, 0) == NULL)
						add_edge(G, n, to, "grants");
				}
		}
		free(id);
		return n;
	}
	id = xasprintf("genrole:%s", f->name);
	label = xasprintf("%s role\n(generated, least privilege)", f->name);
	n = add_node(G, NULL, id, label, "ellipse", "#fff4d6", "role");
	free(label);
	free(id);
	return n;
}

static const char *
event_verb(enum manifest_event_kind k)
{
	switch (k) {
	case MANIFEST_EVENT_SCHEDULE:
		return "schedules";
	case MANIFEST_EVENT_S3:
	case MANIFEST_EVENT_SNS:
	case MANIFEST_EVENT_EVENTBRIDGE:
	case MANIFEST_EVENT_LOGS:
		return "triggers";
	default:
		return "feeds";
	}
}

static void
add_event(struct graph *G, const struct manifest_function *f, Agnode_t *fn,
    const struct manifest_event *ev)
{
	const struct node *src = NULL;
	Agnode_t *from = NULL;
	char *id, *label, *text;

	switch (ev->kind) {
	case MANIFEST_EVENT_SQS:
		src = ev->u.sqs.queue;
		break;
	case MANIFEST_EVENT_SNS:
		src = ev->u.sns.topic;
		break;
	case MANIFEST_EVENT_KINESIS:
	case MANIFEST_EVENT_DYNAMODB:
		src = ev->u.stream.stream;
		break;
	case MANIFEST_EVENT_LOGS:
		src = ev->u.logs.log_group;
		break;
	case MANIFEST_EVENT_S3:
		id = xasprintf("res:%s", ev->u.s3.bucket);
		from = agnode(G->g, id, 0);
		free(id);
		break;
	default:
		break;
	}
	if (src)
		from = resource_node(G, src);
	if (from == NULL) {
		id = xasprintf("ev:%s:%zu", f->name, ev->index);
		if (ev->kind == MANIFEST_EVENT_SCHEDULE)
			label = xasprintf("schedule\n%s", ev->u.schedule.expression);
		else if (ev->kind == MANIFEST_EVENT_EVENTBRIDGE)
			label = xstrdup("EventBridge rule\n(event pattern)");
		else {
			text = src ? describe_value_text(src) : xstrdup("");
			label = xasprintf("%s\n%s", manifest_event_kind_name(ev->kind), text);
			free(text);
		}
		from = add_node(G, NULL, id, label, "box", "#e6f4ea", "event");
		free(label);
		free(id);
	}
	add_edge(G, from, fn, event_verb(ev->kind));
}

/* Where f sends what fails or succeeds: async destinations and the
 * on-failure targets of its streams, when they are resources of the file
 * (a dead-letter target too). */
static void
add_destinations(struct graph *G, const struct manifest_function *f,
    Agnode_t *fn)
{
	Agnode_t *to;
	size_t i;

	if ((to = resource_node(G, f->async.on_success)) != NULL)
		add_edge(G, fn, to, "on success");
	if ((to = resource_node(G, f->async.on_failure)) != NULL)
		add_edge(G, fn, to, "on failure");
	if ((to = resource_node(G, f->dead_letter)) != NULL)
		add_edge(G, fn, to, "dead letters");
	for (i = 0; i < f->nevents; i++) {
		const struct manifest_event *e = &f->events[i];

		if ((e->kind == MANIFEST_EVENT_KINESIS ||
		    e->kind == MANIFEST_EVENT_DYNAMODB) &&
		    (to = resource_node(G, e->u.stream.on_failure)) != NULL)
			add_edge(G, fn, to, "failed records");
	}
}

/* The custom domain, in front of the API. */
static void
add_api_extras(struct graph *G)
{
	const struct manifest_api *api = G->m->api;
	char *label, *name;

	if (api == NULL || api->domain.name == NULL)
		return;
	name = describe_value_text(api->domain.name);
	label = xasprintf("domain %s/%s", name,
	    api->domain.base_path ? api->domain.base_path : "");
	add_node(G, G->api, "domain", label, "cds", "#e8f6ee", "domain");
	free(label);
	free(name);
}

static void
build_graph(struct graph *G)
{
	const struct manifest *m = G->m;
	const struct manifest_function *f;
	Agnode_t *fn, *to;
	char *id, *label;
	size_t i, j;

	G->g = agopen((char *)m->service, Agdirected, NULL);
	set(G->g, "rankdir", "LR");
	set(G->g, "fontname", FONT);
	set(G->g, "nodesep", "0.3");
	set(G->g, "ranksep", "0.9");
	set(G->g, "bgcolor", "transparent");
	if (m->api) {
		label = xasprintf("%s API %s (stage %s)",
		    m->api->kind == MANIFEST_API_HTTP ? "HTTP" : "REST",
		    m->api->name, m->api->stage);
		G->api = cluster(G->g, "cluster_api", label);
		free(label);
	}
	G->functions = cluster(G->g, "cluster_functions", "functions");
	G->resources = cluster(G->g, "cluster_resources", "resources");

	add_resources(G);
	for (i = 0; i < m->nfunctions; i++) {
		f = &m->functions[i];
		id = xasprintf("fn:%s", f->name);
		label = xasprintf("%s\n%s()  %ld MB, %ld s", f->name, f->symbol, f->memory,
		    f->timeout);
		fn = add_node(G, G->functions, id, label, "box", "#dbe9ff", "function");
		free(label);
		free(id);
		add_edge(G, fn, role_node(G, f), "assumes");
		for (j = 0; j < f->nevents; j++)
			add_event(G, f, fn, &f->events[j]);
		add_destinations(G, f, fn);
		for (j = 0; j < f->ndepends_on; j++) {
			id = f->depends_on[j].function ?
			    xasprintf("fn:%s", f->depends_on[j].function->name) :
			    xasprintf("res:%s", f->depends_on[j].name);
			if ((to = agnode(G->g, id, 0)) != NULL)
				add_edge(G, fn, to, "reads");
			free(id);
		}
	}
	for (i = 0; m->api && i < m->api->nauthorizers; i++) {
		const struct manifest_authorizer *z = &m->api->authorizers[i];

		id = xasprintf("authorizer:%s", z->name);
		label = xasprintf("authorizer %s\n%s", z->name, z->kind_name);
		to = add_node(G, G->api, id, label, "octagon", "#fff4d6",
		    "authorizer");
		free(label);
		free(id);
		if (z->function) {
			id = xasprintf("fn:%s", z->function->name);
			add_edge(G, to, agnode(G->g, id, 0), "asks");
			free(id);
		}
	}
	for (i = 0; m->api && i < m->api->nroutes; i++) {
		const struct manifest_route *r = m->api->routes_sorted[i];

		id = xasprintf("route:%s %s", r->method_name, r->path);
		label = xasprintf("%s %s", r->method_name, r->path);
		to = add_node(G, G->api, id, label, "box", "#f3e8fd", "route");
		free(label);
		free(id);
		id = xasprintf("fn:%s", r->function->name);
		add_edge(G, to, agnode(G->g, id, 0), "invokes");
		free(id);
		if (r->authorizer) {
			id = xasprintf("authorizer:%s", r->authorizer->name);
			add_edge(G, to, agnode(G->g, id, 0), "authorized by");
			free(id);
		}
	}
	add_api_extras(G);
	if (m->site) {
		label = xasprintf("S3 site\n%s/ (index %s)", m->site->root, m->site->index);
		add_node(G, NULL, "site", label, "folder", "#fde8e8", "site");
		free(label);
	}
}

/* Renders the graph to SVG with Graphviz; returns 0 or -1. */
static int
render_svg(struct graph *G, struct buf *svg)
{
	GVC_t *gvc = gvContext();
	char *data = NULL;
	unsigned int len = 0;
	int rc = -1;

	if (gvc == NULL)
		return -1;
	if (gvLayout(gvc, G->g, "dot") == 0) {
		if (gvRenderData(gvc, G->g, "svg", &data, &len) == 0 && data) {
			/* drop the XML prolog and DOCTYPE: the SVG is inlined in HTML */
			const char *start = strstr(data, "<svg");

			if (start) {
				buf_append(svg, start, len - (size_t)(start - data));
				rc = 0;
			}
		}
		gvFreeRenderData(data);
		gvFreeLayout(gvc, G->g);
	}
	gvFreeContext(gvc);
	return rc;
}

static void
html_escape(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		default:
			buf_putc(b, s[i]);
		}
	}
}

void
describe_html_text(struct buf *b, const char *s)
{
	html_escape(b, s, strlen(s));
}

static const char style[] =
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "color:#1d2733;background:#fafbfc}"
    "header{padding:18px 28px;background:#1d2733;color:#fff}"
    "header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c9d3dd}"
    "main{padding:12px 28px 40px}"
    "input[name=view]{display:none}"
    "label.tab{display:inline-block;padding:8px 16px;margin:8px 6px 0 0;border:1px solid #c9d3dd;"
    "border-bottom:none;border-radius:6px 6px 0 0;cursor:pointer;background:#eef1f4}"
    "#v-graph:checked~nav label[for=v-graph],#v-list:checked~nav label[for=v-list],"
    "#v-tpl:checked~nav label[for=v-tpl]{background:#fff;font-weight:600}"
    ".view{display:none;background:#fff;border:1px solid #c9d3dd;padding:16px;overflow:auto}"
    "#v-graph:checked~#graph,#v-list:checked~#list,#v-tpl:checked~#template{display:block}"
    "#graph svg{max-width:100%;height:auto}"
    "table{border-collapse:collapse;margin:6px 0 18px}th,td{text-align:left;padding:4px 12px 4px 0;"
    "border-bottom:1px solid #eef1f4;vertical-align:top}th{font-weight:600}"
    "code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}"
    "details{margin:4px 0;border:1px solid #eef1f4;border-radius:4px;padding:4px 8px}"
    "summary{cursor:pointer}summary small{color:#5b6770}"
    "pre{margin:6px 0;white-space:pre-wrap}";

/* Which nested stack holds each function ([i] for m->functions[i]). */
static const char **
stack_of_functions(const struct manifest *m, const struct marshal_split *sp)
{
	const char **v = xcalloc(m->nfunctions + 1, sizeof(*v));
	const struct manifest_function *f;
	size_t i, j;

	for (i = 0; i < m->nfunctions; i++)
		v[i] = "root";
	for (i = 0; i < sp->n; i++)
		for (j = 0; j < sp->v[i].nfunctions; j++)
			if ((f = manifest_function_find(m, sp->v[i].functions[j])) != NULL)
				v[f - m->functions] = sp->v[i].id;
	return v;
}

static void
stacks_view(struct buf *b, const struct marshal_split *sp)
{
	size_t i;

	if (sp->n == 0)
		return;
	buf_puts(b, "<h2>Nested stacks</h2><p>The service is over a "
	    "CloudFormation limit (or <code>nested_stacks.max_resources</code>), "
	    "so the root template holds what is shared and these hold whole "
	    "functions (<code>.spartac/stacks/</code>).</p><table><tr>"
	    "<th>stack</th><th>functions</th><th>resources</th><th>bytes</th>"
	    "<th>SHA-256</th></tr>");
	for (i = 0; i < sp->n; i++) {
		buf_puts(b, "<tr><td><code>");
		describe_html_text(b, sp->v[i].id);
		buf_printf(b, "</code></td><td>%zu</td><td>%zu</td><td>%zu</td>"
		    "<td><code>%.12s</code></td></tr>", sp->v[i].nfunctions,
		    sp->v[i].nresources, sp->v[i].text.len, sp->v[i].sha256);
	}
	buf_puts(b, "</table>");
}

static void
list_view(struct buf *b, const struct manifest *m, const struct marshal_split *sp)
{
	const struct manifest_function *f;
	const char **stack = stack_of_functions(m, sp);
	size_t i, j;

	buf_printf(b, "<h2>Functions</h2><table><tr><th>name</th>%s<th>deployed as</th>"
	    "<th>C symbol</th><th>memory</th>"
	    "<th>timeout</th><th>role</th><th>events</th></tr>",
	    sp->n ? "<th>stack</th>" : "");
	for (i = 0; i < m->nfunctions; i++) {
		f = m->functions_sorted[i];
		buf_puts(b, "<tr><td>");
		describe_html_text(b, f->name);
		if (sp->n) {
			buf_puts(b, "</td><td><code>");
			describe_html_text(b, stack[f - m->functions]);
			buf_puts(b, "</code>");
		}
		buf_puts(b, "</td><td>");
		/* name: as written, a template value, or CloudFormation's choice */
		if (f->physical_name == NULL)
			buf_puts(b, "<small>a generated name</small>");
		else if (f->physical_name->kind == NODE_STRING)
			describe_html_text(b, f->physical_name->str);
		else
			buf_puts(b, "<small>a template value</small>");
		buf_puts(b, "</td><td><code>");
		describe_html_text(b, f->symbol);
		buf_printf(b, "()</code></td><td>%ld MB</td><td>%ld s</td><td>", f->memory,
		    f->timeout);
		describe_html_text(b, f->role ? f->role->name : "generated");
		buf_puts(b, "</td><td>");
		if (f->custom_resource) {
			buf_puts(b, "serves <code>Custom::");
			describe_html_text(b, f->name);
			buf_puts(b, "</code>");
		}
		for (j = 0; j < f->nevents; j++) {
			const struct manifest_event *e = &f->events[j];

			buf_puts(b, j ? ", " : "");
			describe_html_text(b, manifest_event_kind_name(e->kind));
			if (e->kind == MANIFEST_EVENT_S3 && e->u.s3.existing) {
				buf_puts(b, " (existing bucket ");
				describe_html_text(b, e->u.s3.bucket);
				buf_puts(b, ")");
			}
		}
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</table>");
	free(stack);
	stacks_view(b, sp);
	if (m->api) {
		buf_puts(b, "<h2>Routes</h2><table><tr><th>method</th><th>path</th><th>function</th>"
		    "<th>auth</th></tr>");
		for (i = 0; i < m->api->nroutes; i++) {
			const struct manifest_route *r = m->api->routes_sorted[i];

			buf_printf(b, "<tr><td>%s</td><td><code>", r->method_name);
			describe_html_text(b, r->path);
			buf_puts(b, "</code></td><td>");
			describe_html_text(b, r->function->name);
			buf_puts(b, "</td><td>");
			describe_route_auth(b, r);
			buf_puts(b, "</td></tr>");
		}
		buf_puts(b, "</table>");
		describe_api_tables(b, m);
	}
	if (m->roles && m->nroles) {
		buf_puts(b, "<h2>Roles</h2><table><tr><th>name</th><th>kind</th></tr>");
		for (i = 0; i < m->nroles; i++) {
			buf_puts(b, "<tr><td>");
			describe_html_text(b, m->roles_sorted[i]->name);
			buf_puts(b, "</td><td>");
			if (m->roles_sorted[i]->arn)
				describe_html_text(b, m->roles_sorted[i]->arn);
			else {
				const struct manifest_role *r = m->roles_sorted[i];

				buf_printf(b, "%zu inline statement%s", r->nprivileges,
				    r->nprivileges == 1 ? "" : "s");
				if (r->managed_policies.n)
					buf_printf(b, ", %zu managed polic%s",
					    r->managed_policies.n,
					    r->managed_policies.n == 1 ? "y" : "ies");
			}
			buf_puts(b, "</td></tr>");
		}
		buf_puts(b, "</table>");
	}
}

static void
template_view(struct buf *b, const cJSON *tpl)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(tpl, "Resources"), *r, *t;
	struct buf json = {0};
	cJSON *copy;

	buf_printf(b, "<p>%d resources. Parameters and outputs are under their own headings; "
	    "the whole file is <code>.spartac/template.json</code>.</p>",
	    cJSON_GetArraySize(res));
	static const char *const sections[] = {"Parameters", "Outputs"};
	for (size_t i = 0; i < NELEM(sections); i++) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(tpl, sections[i]);

		if (s == NULL)
			continue;
		copy = cJSON_Duplicate(s, 1);
		marshal_print(copy, &json);
		cJSON_Delete(copy);
		buf_printf(b, "<details><summary>%s</summary><pre>", sections[i]);
		html_escape(b, json.data, json.len);
		buf_puts(b, "</pre></details>");
		json.len = 0;
	}
	cJSON_ArrayForEach(r, res) {
		t = cJSON_GetObjectItemCaseSensitive(r, "Type");
		copy = cJSON_Duplicate(r, 1);
		marshal_print(copy, &json);
		cJSON_Delete(copy);
		buf_puts(b, "<details><summary><b>");
		describe_html_text(b, r->string);
		buf_puts(b, "</b> <small>");
		describe_html_text(b, cJSON_IsString(t) ? t->valuestring : "");
		buf_puts(b, "</small></summary><pre>");
		html_escape(b, json.data, json.len);
		buf_puts(b, "</pre></details>");
		json.len = 0;
	}
	buf_free(&json);
}

int
describe_html(const struct manifest *m, struct diags *d, struct buf *out)
{
	struct graph G = {0};
	struct buf svg = {0};
	struct arena a = {0};
	struct marshal_split sp = {0};
	cJSON *tpl = NULL;
	int errors;

	if ((errors = marshal_template(m, &a, d, &tpl, &sp)) > 0) {
		marshal_split_free(&sp);
		arena_free_all(&a);
		return errors;
	}
	G.m = m;
	build_graph(&G);
	if (render_svg(&G, &svg) == -1) {
		agclose(G.g);
		marshal_split_free(&sp);
		arena_free_all(&a);
		log_error("Graphviz could not lay out the graph (is the dot plugin installed?)");
		return -1;
	}
	agclose(G.g);

	buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src data:\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	describe_html_text(out, m->service);
	buf_printf(out, " — spartac describe</title>\n<style>%s</style></head>\n<body>\n<header><h1>",
	    style);
	describe_html_text(out, m->service);
	buf_puts(out, "</h1><p>");
	if (m->description)
		describe_html_text(out, m->description);
	buf_printf(out, "</p><p>%zu function%s, %zu route%s, %zu role%s%s%s</p></header>\n<main>\n",
	    m->nfunctions, m->nfunctions == 1 ? "" : "s",
	    m->api ? m->api->nroutes : 0, m->api && m->api->nroutes == 1 ? "" : "s",
	    m->nroles, m->nroles == 1 ? "" : "s", m->site ? ", a static site" : "",
	    m->stage ? "" : "");
	buf_puts(out, "<input type=\"radio\" name=\"view\" id=\"v-graph\" checked>"
	    "<input type=\"radio\" name=\"view\" id=\"v-list\">"
	    "<input type=\"radio\" name=\"view\" id=\"v-tpl\">\n"
	    "<nav><label class=\"tab\" for=\"v-graph\">Graph</label>"
	    "<label class=\"tab\" for=\"v-list\">Inventory</label>"
	    "<label class=\"tab\" for=\"v-tpl\">Template</label></nav>\n"
	    "<section class=\"view\" id=\"graph\">\n");
	buf_append(out, svg.data, svg.len);
	buf_puts(out, "</section>\n<section class=\"view\" id=\"list\">\n");
	list_view(out, m, &sp);
	buf_puts(out, "</section>\n<section class=\"view\" id=\"template\">\n");
	template_view(out, tpl);
	buf_puts(out, "</section>\n</main>\n</body></html>\n");
	buf_free(&svg);
	marshal_split_free(&sp);
	arena_free_all(&a);
	return 0;
}
