/*
 * marshal_graph.c - the resources of the whole template (generated and
 * raw) must not depend on each other in a circle.
 *
 * CloudFormation creates a resource after every resource it names with
 * Ref, Fn::GetAtt, a ${Name} of Fn::Sub or DependsOn, and refuses a
 * template whose dependencies form a cycle (cfn-lint E3004), only at
 * deploy time and without a line. The graph is built from the template as
 * it will be written; each cycle (a strongly connected set of resources)
 * is reported once, as a path of logical IDs, each step with the manifest
 * line that made it.
 */
#include <stdlib.h>
#include <string.h>

#include "compile/marshal_int.h"

/*
 * The edges are the references marshal_xref.c collected: those of each
 * resource's Properties and DependsOn that name a resource (c->xrefs.at
 * maps a claimed ID to its resource).
 */
struct graph {
	struct mctx *c;
	cJSON **res;           /* the resources, by index */
	const struct mid_entry **ent; /* their claims in c->ids, by index */
	size_t n;
	size_t **adj;          /* adj[i]: the resources i depends on, */
	size_t *nadj;          /* nadj[i] of them, in edges: */
	size_t *edges;         /* every resource's, one after another */
};

/* Each resource's edges, from the references: a repeated edge costs a
 * little in the walks; looking for it would cost n^2 at the API
 * deployment, which depends on every method. */
static void
graph_edges(struct graph *g)
{
	const struct mxrefs *r = &g->c->xrefs;
	const struct mxref *x;
	size_t i, j, k = 0;

	g->edges = xcalloc(r->n + 1, sizeof(*g->edges));
	for (i = 0; i < g->n; i++) {
		g->adj[i] = g->edges + k;
		for (j = r->first[i]; j < r->first[i + 1]; j++) {
			x = &r->v[j];
			if ((x->props || x->kind == MXREF_DEPENDS) &&
			    x->target < g->c->ids.n && r->at[x->target] != 0)
				g->edges[k++] = r->at[x->target] - 1;
		}
		g->nadj[i] = (size_t)(g->edges + k - g->adj[i]);
	}
}

/* ---- where an edge comes from in the manifest ---- */

const struct node *
mnode_naming(const struct node *n, const char *id)
{
	const struct node *hit;
	const char *s;
	size_t i, len = strlen(id);

	if (n == NULL)
		return NULL;
	if (n->kind == NODE_STRING) {
		if (strncmp(n->str, id, len) == 0 &&
		    (n->str[len] == '\0' || n->str[len] == '.'))
			return n;
		for (s = n->str; (s = strstr(s, "${")) != NULL; s += 2)
			if (strncmp(s + 2, id, len) == 0 &&
			    (s[2 + len] == '}' || s[2 + len] == '.'))
				return n;
		return NULL;
	}
	for (i = 0; i < n->n; i++) {
		hit = mnode_naming(n->kind == NODE_SEQ ? n->items[i] :
		    n->pairs[i].value, id);
		if (hit != NULL)
			return n->kind == NODE_MAP && n->from_tag ? n : hit;
	}
	return NULL;
}

static int
loc_eq(struct loc a, struct loc b)
{
	return a.line == b.line && a.col == b.col;
}

/* The manifest node a logical ID was claimed for (by its location). */
static const struct node *
node_at(const struct node *n, struct loc at)
{
	const struct node *hit;
	size_t i;

	if (n == NULL || n->kind == NODE_STRING)
		return n != NULL && loc_eq(n->loc, at) ? n : NULL;
	for (i = 0; i < n->n; i++) {
		if (n->kind == NODE_MAP && loc_eq(n->pairs[i].key->loc, at))
			return n->pairs[i].value;
		hit = node_at(n->kind == NODE_SEQ ? n->items[i] :
		    n->pairs[i].value, at);
		if (hit != NULL)
			return hit;
	}
	return loc_eq(n->loc, at) ? n : NULL;
}

/* The first "bucket: id" under n (an s3 event), or NULL. */
static const struct node *
bucket_naming(const struct node *n, const char *id)
{
	const struct node *hit;
	size_t i;

	if (n == NULL || n->kind == NODE_STRING)
		return NULL;
	for (i = 0; i < n->n; i++) {
		if (n->kind == NODE_MAP &&
		    strcmp(n->pairs[i].key->str, "bucket") == 0 &&
		    n->pairs[i].value->kind == NODE_STRING &&
		    strcmp(n->pairs[i].value->str, id) == 0)
			return n->pairs[i].value;
		hit = bucket_naming(n->kind == NODE_SEQ ? n->items[i] :
		    n->pairs[i].value, id);
		if (hit != NULL)
			return hit;
	}
	return NULL;
}

/* The manifest line that makes resource a depend on b: where a's entry
 * names b; else b's s3 event on bucket a (the notification spartac adds
 * to the bucket); else where b's entry names a; else a's entry. */
static struct loc
edge_loc(struct graph *g, size_t a, size_t b)
{
	const struct mid_entry *ea = g->ent[a], *eb = g->ent[b];
	const struct node *root = g->c->m->root, *hit;

	if ((hit = mnode_naming(node_at(root, ea->loc), eb->id)) != NULL)
		return hit->loc;
	if ((hit = bucket_naming(node_at(root, eb->loc), ea->id)) != NULL ||
	    (hit = mnode_naming(node_at(root, eb->loc), ea->id)) != NULL)
		return hit->loc;
	return ea->loc;
}

/* ---- cycles ---- */

/* A path from start back to start inside the set in_scc (BFS: the
 * shortest). Returns its length; path[0] == start. */
static size_t
cycle_path(struct graph *g, size_t start, const unsigned char *in_scc,
    size_t *path)
{
	size_t *prev = xcalloc(g->n, sizeof(*prev)), *queue;
	size_t head = 0, tail = 0, u, v, k, len = 0, end = start;
	unsigned char *seen = xcalloc(g->n, 1);

	queue = xcalloc(g->n + 1, sizeof(*queue));
	queue[tail++] = start;
	while (head < tail && end == start) {
		u = queue[head++];
		for (k = 0; k < g->nadj[u]; k++) {
			v = g->adj[u][k];
			if (!in_scc[v])
				continue;
			if (v == start) {
				end = u;
				break;
			}
			if (!seen[v]) {
				seen[v] = 1;
				prev[v] = u;
				queue[tail++] = v;
			}
		}
	}
	/* end is the last node before start; walk back to start */
	for (u = end; ; u = prev[u]) {
		path[len++] = u;
		if (u == start)
			break;
	}
	for (k = 0; k < len / 2; k++) {
		v = path[k];
		path[k] = path[len - 1 - k];
		path[len - 1 - k] = v;
	}
	free(prev);
	free(queue);
	free(seen);
	return len;
}

/* Is this the cycle of an s3 event whose bucket the function names? */
static int
is_s3_cycle(struct graph *g, const size_t *path, size_t len)
{
	const char *type;
	int bucket = 0, function = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    g->res[path[i]], "Type"));
		if (type == NULL)
			continue;
		bucket |= strcmp(type, "AWS::S3::Bucket") == 0;
		function |= strcmp(type, "AWS::Lambda::Function") == 0 ||
		    strcmp(type, "AWS::Lambda::Permission") == 0;
	}
	return bucket && function;
}

static void
cycle_report(struct graph *g, const size_t *path, size_t len)
{
	struct buf b = {0};
	struct loc at, first = {0};
	size_t i, next;

	buf_puts(&b, g->res[path[0]]->string);
	for (i = 0; i < len; i++) {
		next = path[(i + 1) % len];
		at = edge_loc(g, path[i], next);
		if (i == 0)
			first = at;
		buf_printf(&b, " -> %s (line %u)", g->res[next]->string, at.line);
	}
	if (is_s3_cycle(g, path, len))
		buf_puts(&b, "; the bucket of an s3 event is created after "
		    "the function and its invoke permission, so the function "
		    "must not wait for the bucket: drop it from depends_on, "
		    "and in the environment write the bucket's name (give it "
		    "a BucketName, e.g. !Sub '${AWS::StackName}-images', and "
		    "write that) instead of !Ref or !GetAtt");
	mctx_diag(g->c, DIAG_MARSHAL_DEPENDENCY_CYCLE, first, NULL,
	    "the template's resources depend on each other in a cycle: %s",
	    b.data);
	buf_free(&b);
}

/*
 * Tarjan's strongly connected components, without recursion (a template
 * can hold tens of thousands of resources). Each component of more than
 * one resource, or one that names itself, is a cycle.
 */
struct tarjan {
	size_t *index, *low, *stack, *call, *edge;
	unsigned char *on;
	size_t next, sp;
};

static void
scc_found(struct graph *g, struct tarjan *t, size_t v)
{
	unsigned char *in;
	size_t *path, pos = t->sp, k;
	int self = 0;

	while (t->stack[--pos] != v)
		;
	for (k = 0; k < g->nadj[v]; k++)
		self |= g->adj[v][k] == v;
	if (t->sp - pos > 1 || self) {
		/* rare: the marks and the path cost n only here */
		in = xcalloc(g->n, 1);
		for (k = pos; k < t->sp; k++)
			in[t->stack[k]] = 1;
		path = xcalloc(t->sp - pos + 1, sizeof(*path));
		cycle_report(g, path, cycle_path(g, v, in, path));
		free(path);
		free(in);
	}
	for (k = pos; k < t->sp; k++)
		t->on[t->stack[k]] = 0;
	t->sp = pos;
}

static void
tarjan_from(struct graph *g, struct tarjan *t, size_t root)
{
	size_t depth = 0, v, w;

	t->call[depth++] = root;
	t->index[root] = t->low[root] = ++t->next;
	t->stack[t->sp++] = root;
	t->on[root] = 1;
	t->edge[root] = 0;
	while (depth > 0) {
		v = t->call[depth - 1];
		if (t->edge[v] < g->nadj[v]) {
			w = g->adj[v][t->edge[v]++];
			if (t->index[w] == 0) {
				t->index[w] = t->low[w] = ++t->next;
				t->stack[t->sp++] = w;
				t->on[w] = 1;
				t->edge[w] = 0;
				t->call[depth++] = w;
			} else if (t->on[w] && t->index[w] < t->low[v])
				t->low[v] = t->index[w];
			continue;
		}
		if (t->low[v] == t->index[v])
			scc_found(g, t, v);
		if (--depth > 0 && t->low[v] < t->low[t->call[depth - 1]])
			t->low[t->call[depth - 1]] = t->low[v];
	}
}

void
marshal_graph_check(struct mctx *c, const cJSON *resources)
{
	struct mxrefs *r = &c->xrefs;
	struct graph g = {0};
	struct tarjan t = {0};
	const struct mid_entry *e;
	cJSON *it;
	size_t i, k;

	g.c = c;
	g.n = (size_t)cJSON_GetArraySize(resources);
	if (g.n == 0)
		return;
	r->nres = g.n;
	if (r->res == NULL) /* else last_checks made it, the same */
		r->res = xcalloc(g.n + 1, sizeof(*r->res));
	r->first = xcalloc(g.n + 2, sizeof(*r->first));
	r->at = xcalloc(c->ids.n + 1, sizeof(*r->at));
	g.res = r->res;
	g.ent = xcalloc(g.n, sizeof(*g.ent));
	g.adj = xcalloc(g.n, sizeof(*g.adj));
	g.nadj = xcalloc(g.n, sizeof(*g.nadj));
	i = 0;
	cJSON_ArrayForEach(it, resources) {
		/* every resource was claimed, and without a clash (the check
		 * runs only when marshalling found no error) */
		if ((e = mid_table_get(&c->ids, it->string)) == NULL)
			abort();
		k = (size_t)(e - c->ids.v);
		r->at[k] = i + 1;
		g.ent[i] = e;
		r->res[i] = it;
		r->first[i] = r->n;
		mxref_resource(c, r, it);
		i++;
	}
	r->first[g.n] = r->n;
	graph_edges(&g);
	t.index = xcalloc(g.n, sizeof(*t.index));
	t.low = xcalloc(g.n, sizeof(*t.low));
	t.stack = xcalloc(g.n, sizeof(*t.stack));
	t.call = xcalloc(g.n, sizeof(*t.call));
	t.edge = xcalloc(g.n, sizeof(*t.edge));
	t.on = xcalloc(g.n, 1);
	for (i = 0; i < g.n; i++)
		if (t.index[i] == 0)
			tarjan_from(&g, &t, i);
	free(g.edges);
	free(g.adj);
	free(g.nadj);
	free(g.ent);
	free(t.index);
	free(t.low);
	free(t.stack);
	free(t.call);
	free(t.edge);
	free(t.on);
}
