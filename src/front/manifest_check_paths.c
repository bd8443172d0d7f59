/*
 * manifest_check_paths.c - the files a manifest names (sources, include
 * directories, libraries, the site, hook programs) must stay inside the
 * project directory.
 */
#include <string.h>

#include "front/manifest_int.h"


/*
 * How many directories below the project a relative path ends: 0 for the
 * project itself ("." or "a/.."), -1 when it climbs out or is absolute.
 */
static long
path_depth(const char *p)
{
	long depth = 0;
	const char *seg;

	if (*p == '/')
		return -1;
	while (*p) {
		seg = p;
		while (*p && *p != '/')
			p++;
		if (p - seg == 2 && seg[0] == '.' && seg[1] == '.') {
			if (--depth < 0)
				return -1;
		} else if (!(p - seg == 1 && seg[0] == '.') && p != seg)
			depth++;
		while (*p == '/')
			p++;
	}
	return depth;
}

/* Does a relative path stay inside the project? (".." may not climb out) */
static int
path_stays_inside(const char *p)
{
	return *p == '\0' || path_depth(p) >= 0;
}

static void
check_path(struct mf_ctx *c, const char *p, struct loc loc, const char *path,
    const char *what)
{
	if (p && !path_stays_inside(p))
		diag_add(c->d, DIAG_PATH_ESCAPE, loc, path,
		    "%s '%s' leaves the project directory", what, p);
}

void
mf_check_paths(struct mf_ctx *c)
{
	struct manifest *m = c->m;
	size_t i;

	for (i = 0; m->build.sources.node && i < m->build.sources.n; i++)
		check_path(c, m->build.sources.v[i], m->build.sources.locs[i],
		    mf_path(c, "build.sources", NULL, "[%zu]", i),
		    "source pattern");
	for (i = 0; i < m->build.include_dirs.n; i++)
		check_path(c, m->build.include_dirs.v[i],
		    m->build.include_dirs.locs[i],
		    mf_path(c, "build.include_dirs", NULL, "[%zu]", i),
		    "include directory");
	for (i = 0; i < m->build.libs.n; i++) {
		const char *l = m->build.libs.v[i];

		/* Absolute libraries are the system's; relative ones the project's. */
		if (l[0] != '-' && l[0] != '/' && strchr(l, '/'))
			check_path(c, l, m->build.libs.locs[i],
			    mf_path(c, "build.libs", NULL, "[%zu]", i),
			    "library");
	}
	if (m->site) {
		check_path(c, m->site->root, m->site->root_loc, "site.root",
		    "site root");
		/* The project directory holds the manifest, .spartac/ and the
		 * sources: as a public site root it would publish them all. */
		if (m->site->root && path_depth(m->site->root) == 0)
			diag_add(c->d, DIAG_SITE_ROOT, m->site->root_loc,
			    "site.root", "site root '%s' is the project "
			    "directory, which holds the manifest; put the site "
			    "in a directory of its own", m->site->root);
		if (strstr(m->site->index, "..") || m->site->index[0] == '/')
			diag_add(c->d, DIAG_PATH_ESCAPE, m->site->loc,
			    "site.index", "index document '%s' must be a path inside the site",
			    m->site->index);
		if (m->site->error_document &&
		    (strstr(m->site->error_document, "..") ||
		    m->site->error_document[0] == '/'))
			diag_add(c->d, DIAG_PATH_ESCAPE, m->site->loc,
			    "site.error_document",
			    "error document '%s' must be a path inside the site",
			    m->site->error_document);
	}
	for (i = 0; i < MANIFEST_HOOK__COUNT; i++) {
		const struct manifest_strlist *a = &m->hooks[i].argv;
		/* The argv list elsewhere than the hook: {command: [...]}. */
		int mapping = a->node != NULL &&
		    (a->node->loc.line != m->hooks[i].loc.line ||
		    a->node->loc.col != m->hooks[i].loc.col);

		/* Absolute programs are the system's; relative ones are the project's. */
		if (a->n && a->v[0][0] != '/' && strchr(a->v[0], '/'))
			check_path(c, a->v[0], a->locs[0],
			    mf_path(c, "hooks",
			    manifest_hook_name((enum manifest_hook_kind)i), "%s[0]",
			    mapping ? ".command" : ""),
			    "hook program");
	}
}

