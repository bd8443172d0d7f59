/*
 * graphviz_lazy.c - Graphviz, loaded when `describe` draws its graph.
 *
 * libgvc and what it pulls in (cgraph, cdt, pathplan, ltdl) cost every
 * start of spartac about 95 page faults and 0.8 ms, a twentieth of
 * validating a 1,000-function manifest, while only `describe` uses them.
 * The dozen functions describe.c calls are defined here and forwarded to
 * the library, opened by graphviz_load (as curl_lazy.c does for libcurl;
 * docs/decisions.md, "Start-up cost").
 */
#include <stddef.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "describe/graphviz_lazy.h"
#include "base/util.h"

#define GVC_SONAME "libgvc.so.6"

static struct {
	void *lib;
	Agraph_t *(*open)(char *, Agdesc_t, Agdisc_t *);
	int (*close)(Agraph_t *);
	Agraph_t *(*subg)(Agraph_t *, char *, int);
	Agnode_t *(*node)(Agraph_t *, char *, int);
	Agedge_t *(*edge)(Agraph_t *, Agnode_t *, Agnode_t *, char *, int);
	int (*safeset)(void *, char *, char *, char *);
	GVC_t *(*context)(void);
	int (*layout)(GVC_t *, graph_t *, const char *);
	int (*render_data)(GVC_t *, graph_t *, const char *, char **, unsigned int *);
	void (*free_render_data)(char *);
	int (*free_layout)(GVC_t *, graph_t *);
	int (*free_context)(GVC_t *);
} gv;

int
graphviz_load(char *why, size_t n)
{
	void **slots[] = {
		(void **)&gv.open, (void **)&gv.close, (void **)&gv.subg,
		(void **)&gv.node, (void **)&gv.edge, (void **)&gv.safeset,
		(void **)&gv.context, (void **)&gv.layout, (void **)&gv.render_data,
		(void **)&gv.free_render_data, (void **)&gv.free_layout,
		(void **)&gv.free_context,
	};
	static const char *const names[] = {
		"agopen", "agclose", "agsubg", "agnode", "agedge", "agsafeset",
		"gvContext", "gvLayout", "gvRenderData", "gvFreeRenderData",
		"gvFreeLayout", "gvFreeContext",
	};

	if (gv.lib != NULL)
		return 0;
	gv.lib = lazy_open(GVC_SONAME, "libgvc6", names, slots,
	    sizeof(names) / sizeof(names[0]), why, n);
	return gv.lib != NULL ? 0 : -1;
}

Agdesc_t
graphviz_directed(void)
{
	Agdesc_t d;

	/* What libcgraph's Agdirected holds: a directed main graph. */
	memset(&d, 0, sizeof(d));
	d.directed = 1;
	d.maingraph = 1;
	return d;
}

Agraph_t *
agopen(char *name, Agdesc_t desc, Agdisc_t *disc)
{
	return gv.open(name, desc, disc);
}

int
agclose(Agraph_t *g)
{
	return gv.close(g);
}

Agraph_t *
agsubg(Agraph_t *g, char *name, int cflag)
{
	return gv.subg(g, name, cflag);
}

Agnode_t *
agnode(Agraph_t *g, char *name, int cflag)
{
	return gv.node(g, name, cflag);
}

Agedge_t *
agedge(Agraph_t *g, Agnode_t *t, Agnode_t *h, char *name, int cflag)
{
	return gv.edge(g, t, h, name, cflag);
}

int
agsafeset(void *obj, char *name, char *value, char *def)
{
	return gv.safeset(obj, name, value, def);
}

GVC_t *
gvContext(void)
{
	return gv.context();
}

int
gvLayout(GVC_t *gvc, graph_t *g, const char *engine)
{
	return gv.layout(gvc, g, engine);
}

int
gvRenderData(GVC_t *gvc, graph_t *g, const char *format, char **result,
    unsigned int *length)
{
	return gv.render_data(gvc, g, format, result, length);
}

void
gvFreeRenderData(char *data)
{
	gv.free_render_data(data);
}

int
gvFreeLayout(GVC_t *gvc, graph_t *g)
{
	return gv.free_layout(gvc, g);
}

int
gvFreeContext(GVC_t *gvc)
{
	return gv.free_context(gvc);
}
