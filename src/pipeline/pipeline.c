/*
 * pipeline.c - the one owner of the pipeline. See pipeline.h.
 *
 * Every independent error of a manifest is reported in one run. Only a
 * file that does not load stops the checks; after schema errors the model
 * and template checks run on what passed the schema, after model errors
 * the template checks run on what the model resolved, and what follows
 * from an earlier error is left out (pipeline_check). Building and writing
 * run only on a manifest without errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "base/parallel.h"
#include "base/path.h"
#include "compile/build.h"
#include "compile/marshal.h"
#include "compile/site.h"
#include "front/loader.h"
#include "front/manifest.h"
#include "front/schema.h"
#include "pipeline/hooks.h"
#include "pipeline/pipeline.h"

static struct schema *
manifest_schema(void)
{
	const struct embedded_file *f = embedded_find("schema/sparta.schema.json");
	struct schema *s;
	char *err = NULL;

	if (f == NULL)
		return NULL;
	if ((s = schema_load((const char *)f->data, f->len, &err)) == NULL) {
		log_error("the embedded schema does not load: %s", err ? err : "?");
		free(err);
	}
	return s;
}

/*
 * The manifest is read while the schema is compiled: the two are
 * independent, and together the larger part of a start (libyaml and the
 * located tree; 72 KB of schema JSON parsed and compiled). Only the
 * reading adds diagnostics.
 */
struct load_jobs {
	const char *path;
	struct diags *d;
	struct doc *doc;
	struct schema *schema;
};

static void
load_job(void *arg, size_t k)
{
	struct load_jobs *j = arg;

	if (k == 0)
		j->doc = yaml_load_file(j->path, j->d);
	else
		j->schema = manifest_schema();
}

/* The environment hooks get, from out (staging_dir NULL). */
static void
hook_env_init(const struct build_out *out, struct hook_env *env)
{
	memset(env, 0, sizeof *env);
	env->project_dir = out->project_dir;
	env->build_dir = out->dir;
	env->template_path = out->template_path;
	env->archive_path = out->archive_path;
}

/*
 * The code: prebuild hook, bootstrap, postbuild hook, archive hook,
 * code.zip and code.sha256, site.json, holding the output directory's lock
 * so concurrent builds of one directory take turns. Returns the number of
 * errors.
 */
static int
pipeline_code(const struct manifest *m, struct build_out *out,
    struct diags *d)
{
	struct hook_env env;
	char *staging = NULL;
	int errors, lock = build_lock(out);

	hook_env_init(out, &env);
	out->site_sha256[0] = '\0';
	if ((errors = hooks_run(m, MANIFEST_HOOK_PREBUILD, &env, d)) > 0)
		goto out;
	if ((errors = build_bootstrap(m, out, d)) > 0)
		goto out;
	if ((errors = hooks_run(m, MANIFEST_HOOK_POSTBUILD, &env, d)) > 0)
		goto out;
	if (hooks_has(m, MANIFEST_HOOK_ARCHIVE)) {
		/* the files the hook leaves in staging go into code.zip */
		if ((staging = build_staging_alloc(m, out, d)) == NULL) {
			errors = 1;
			goto out;
		}
		env.staging_dir = staging;
		errors = hooks_run(m, MANIFEST_HOOK_ARCHIVE, &env, d);
		env.staging_dir = NULL;
		if (errors > 0)
			goto out;
	}
	if ((errors = build_archive(m, out, staging, d)) > 0)
		goto out;
	if (m->site != NULL)
		errors = site_hash(m->site, out->project_dir, out->site_path,
		    out->site_sha256, d);
out:
	build_unlock(lock);
	free(staging);
	return errors;
}

static int
goal_has_code(enum pipeline_goal g)
{
	return g == PIPELINE_CODE || g == PIPELINE_ALL;
}

static int
goal_has_template(enum pipeline_goal g)
{
	return g == PIPELINE_TEMPLATE || g == PIPELINE_ALL;
}

static int
goal_has_check(enum pipeline_goal g)
{
	return g == PIPELINE_CHECK || goal_has_template(g);
}

/*
 * The template check: the site's root, the template marshalled from the
 * model in memory, every check marshal makes (references, logical-ID
 * clashes, depends_on and condition cycles), the split into nested
 * stacks of a template over a limit, and the quota checks on its printed
 * length. No hook runs and nothing is written; the template (and its
 * children) is kept in p for the template stage. The code's digest and key are template parameters that
 * deploy fills in, so nothing here needs the built code.
 */
static int
template_check(const struct manifest *m, const struct pipeline_options *o,
    struct arena *a, struct diags *d, cJSON **tpl, struct marshal_split *split)
{
	char *dir;
	int errors = 0;

	/* The site is read by validate and by the goals that build the code
	 * (not by --template-only). A build hook may make it (npm run build):
	 * then its root is looked for only when it is hashed, after them. */
	if (m->site != NULL && (o->goal == PIPELINE_CHECK ||
	    goal_has_code(o->goal)) && !hooks_has(m, MANIFEST_HOOK_PREBUILD) &&
	    !hooks_has(m, MANIFEST_HOOK_POSTBUILD) &&
	    !hooks_has(m, MANIFEST_HOOK_ARCHIVE)) {
		dir = path_dir_alloc(o->manifest_path);
		errors = site_check_root(m->site, dir, d);
		free(dir);
	}
	return marshal_template(m, a, d, tpl, split) + errors;
}

static enum pipeline_status
pipeline_template_check(struct pipeline *p, const struct pipeline_options *o,
    struct diags *d)
{
	const struct manifest *m = p->manifest;

	if (template_check(m, o, &p->template_arena, d, &p->template,
	    &p->split) > 0)
		return PIPELINE_MARSHAL;
	/* The size check only warns: a goal that writes the template checks
	 * the bytes it wrote (pipeline_template) instead of printing twice. */
	if (!goal_has_template(o->goal))
		marshal_check_size(m, p->template, marshal_length(p->template), d);
	return PIPELINE_OK;
}

/* Does msg quote one of names, or a logical ID made from one? */
static int
mentions(const char *msg, char *const *names, size_t n)
{
	char *id, *q;
	size_t i;
	int found = 0;

	for (i = 0; i < n && !found; i++) {
		q = xasprintf("'%s'", names[i]);
		found = strstr(msg, q) != NULL;
		free(q);
		id = manifest_logical_id(names[i]);
		q = xasprintf("'%s", id);
		found = found || (id[0] != '\0' && strstr(msg, q) != NULL);
		free(q);
		free(id);
	}
	return found;
}

/* Is path, below a top-level section, an ancestor of a pruned node? */
static int
pruned_parent(const char *path, const struct schema_pruned *sp)
{
	size_t i, n;
	char c;

	if (path == NULL || path[strcspn(path, ".[")] == '\0')
		return 0;
	n = strlen(path);
	for (i = 0; i < sp->nparents; i++) {
		if (strncmp(path, sp->parents[i], n) != 0)
			continue;
		c = sp->parents[i][n];
		if (c == '\0' || c == '.' || c == '[')
			return 1;
	}
	return 0;
}

/*
 * A YAML 1.1 trap warning (yes, 0128) on a line where the schema refuses
 * something says less than the error beside it, which the fix will change
 * anyway: leave it out. Schema diagnostics are d->v[first..].
 */
static size_t
drop_trap_warnings(struct diags *d, size_t first)
{
	size_t i, j, k = 0;
	int shadowed;

	for (i = 0; i < d->n; i++) {
		struct diag *g = &d->v[i];

		shadowed = 0;
		if (i < first && (g->code == DIAG_YAML_BOOLEAN_WORD ||
		    g->code == DIAG_YAML_LEADING_ZERO))
			for (j = first; j < d->n && !shadowed; j++)
				shadowed = d->v[j].sev == SEV_ERROR &&
				    d->v[j].loc.line == g->loc.line;
		if (!shadowed) {
			d->v[k++] = *g;
			continue;
		}
		d->nwarnings--;
		free(g->path);
		free(g->msg);
	}
	i = d->n - k;
	d->n = k;
	return i; /* all before first */
}

/*
 * Adds the diagnostics of later to d, but those that follow from an error
 * d has: at a position where d has one already (the template's check
 * finding what the model's did), naming an entry that failed the schema
 * and was pruned (a route to a function that is not there because its own
 * definition failed), or about an entry that lost a part to the schema (a
 * role whose privileges all failed has "no privileges"). Warnings wait
 * until the schema passes: one may be about what was pruned (a role
 * "unused" because its one user failed).
 */
static void
merge_later(struct diags *d, const struct diags *later,
    const struct schema_pruned *sp)
{
	const struct diag *x;
	size_t i, j, n = d->n;

	for (i = 0; i < later->n; i++) {
		x = &later->v[i];
		for (j = 0; j < n; j++)
			if (d->v[j].loc.line == x->loc.line &&
			    d->v[j].loc.col == x->loc.col &&
			    strcmp(d->v[j].loc.file, x->loc.file) == 0)
				break;
		if (j < n || mentions(x->msg, sp->names, sp->nnames) ||
		    pruned_parent(x->path, sp) ||
		    (x->sev != SEV_ERROR && sp->nparents > 0))
			continue;
		diag_add(d, x->code, x->loc, x->path, "%s", x->msg);
	}
}

/*
 * Load, schema, model. Returns the number of errors; 0 sets p->manifest.
 *
 * Every independent error is reported in one run: only a file that does
 * not load stops here. The model is built from what passed the schema
 * (schema_prune), and when the schema or the model found errors the
 * template is still built, in memory and only for its errors, from what
 * the model resolved; errors that follow from an earlier one are left out
 * (merge_later).
 */
static size_t
pipeline_check(struct pipeline *p, const struct pipeline_options *o,
    struct diags *d)
{
	struct schema_pruned sp = {0};
	struct load_jobs jobs = {0};
	struct diags later = {0};
	struct arena a = {0};
	const struct doc *doc = NULL;
	struct schema *schema;
	struct manifest *m;
	size_t first, errors, before;
	cJSON *tpl = NULL;

	jobs.path = o->manifest_path;
	jobs.d = d;
	parallel_for(2, load_job, &jobs);
	p->doc = jobs.doc;
	schema = jobs.schema;
	if (d->nerrors || p->doc->root == NULL) {
		schema_free(schema);
		return d->nerrors;
	}
	if (schema == NULL)
		abort(); /* a build defect: tests/test_cli.py covers it */
	first = d->n;
	errors = schema_validate(schema, p->doc->root, p->doc->file, d);
	if (errors > 0)
		first -= drop_trap_warnings(d, first);
	if (errors == 0)
		doc = p->doc;
	else if (schema_prune(schema, p->doc->root, p->doc->file, d, first,
	    &sp) == 0)
		doc = sp.doc;
	schema_free(schema);
	if (doc == NULL)
		return d->nerrors; /* nothing independent is left */
	before = d->nerrors;
	m = manifest_build_all(doc, o->stage, errors ? &later : d);
	if (errors == 0 && d->nerrors == before) {
		p->manifest = m;
		return 0;
	}
	if (m != NULL) {
		manifest_drop_unresolved(m, errors ? &later : d);
		template_check(m, o, &a, &later, &tpl, NULL);
		arena_free_all(&a);
		manifest_free(m);
	}
	merge_later(d, &later, &sp);
	diags_free(&later);
	schema_pruned_free(&sp);
	return d->nerrors;
}

/*
 * The template: premarshal hook, the checked template written to
 * out->template_path (marshal_write leaves an unchanged file untouched),
 * postmarshal hook.
 */
static enum pipeline_status
pipeline_template(struct pipeline *p, struct diags *d)
{
	const struct manifest *m = p->manifest;
	const char *path = p->out.template_path;
	struct hook_env env;
	long long written;

	hook_env_init(&p->out, &env);
	if (hooks_run(m, MANIFEST_HOOK_PREMARSHAL, &env, d) > 0)
		return PIPELINE_HOOK;
	/* the children first: the root names them by their hashes */
	if (marshal_split_write(&p->split, p->out.dir, &p->out.child_paths) < 0)
		return PIPELINE_IO;
	p->out.n_children = p->split.n;
	written = marshal_write(p->template, path);
	if (written < 0) {
		log_error("cannot write %s: %s", path, strerror(errno));
		return PIPELINE_IO;
	}
	marshal_check_size(m, p->template, (size_t)written, d);
	p->template = NULL;
	arena_free_all(&p->template_arena);
	p->template_len = (size_t)written;
	if (hooks_run(m, MANIFEST_HOOK_POSTMARSHAL, &env, d) > 0)
		return PIPELINE_HOOK;
	return PIPELINE_OK;
}

enum pipeline_status
pipeline_run(struct pipeline *p, const struct pipeline_options *o,
    struct diags *d)
{
	enum pipeline_status status;
	int rc;

	if (p->doc == NULL)
		pipeline_check(p, o, d);
	if (p->manifest == NULL)
		return PIPELINE_INVALID; /* a failed check is not run again */
	if (o->goal == PIPELINE_MODEL)
		return PIPELINE_OK;
	if (goal_has_check(o->goal) && p->checked <= 0) {
		if (p->checked < 0)
			return PIPELINE_MARSHAL; /* not run again either */
		p->checked = -1;
		if ((status = pipeline_template_check(p, o, d)) != PIPELINE_OK)
			return status;
		p->checked = 1;
	}
	if (o->goal == PIPELINE_CHECK)
		return PIPELINE_OK;
	if (!p->have_out) {
		/* work/ is made in another directory only to build code */
		rc = o->out_dir ? build_out_init_in(&p->out, o->manifest_path,
		    o->out_dir, goal_has_code(o->goal)) :
		    build_out_init(&p->out, o->manifest_path);
		p->have_out = 1;
		if (rc < 0)
			return PIPELINE_IO;
	}
	if (goal_has_code(o->goal) && !p->built) {
		size_t from = d->n;

		/* a file that could not be written is an I/O failure (74),
		 * whatever else failed after it */
		if (pipeline_code(p->manifest, &p->out, d) > 0)
			return diags_have_code(d, from, DIAG_BUILD_IO) ?
			    PIPELINE_IO : PIPELINE_BUILD;
		p->built = 1;
	}
	if (goal_has_template(o->goal) && !p->marshalled) {
		if ((status = pipeline_template(p, d)) != PIPELINE_OK)
			return status;
		p->marshalled = 1;
	}
	return PIPELINE_OK;
}

void
pipeline_free(struct pipeline *p)
{
	if (p->have_out)
		build_out_free(&p->out);
	arena_free_all(&p->template_arena);
	marshal_split_free(&p->split);
	manifest_free(p->manifest);
	doc_free(p->doc);
	memset(p, 0, sizeof(*p));
}
