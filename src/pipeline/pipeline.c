/*
 * pipeline.c - the one owner of the pipeline. See pipeline.h.
 *
 * Each stage runs only when the one before it found no error: a schema
 * check over a tree that failed to load, or reference checks over a tree
 * that failed the schema, would only add noise that follows from the first
 * problem. Within a stage every error is reported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
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

/* Load, schema, model. Returns the number of errors; 0 sets p->manifest. */
static size_t
pipeline_check(struct pipeline *p, const struct pipeline_options *o,
    struct diags *d)
{
	struct schema *schema;
	size_t errors;

	p->doc = yaml_load_file(o->manifest_path, d);
	if (d->nerrors || p->doc->root == NULL)
		return d->nerrors;
	if ((schema = manifest_schema()) == NULL)
		abort(); /* a build defect: tests/test_cli.py covers it */
	errors = schema_validate(schema, p->doc->root, p->doc->file, d);
	schema_free(schema);
	if (errors)
		return d->nerrors;
	p->manifest = manifest_build(p->doc, o->stage, d);
	return d->nerrors;
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
 * model in memory, every check marshal makes (references, logical-ID clashes, depends_on
 * and condition cycles) and the quota checks on its printed length. No
 * hook runs and nothing is written; the template is kept in p for the
 * template stage. The code's digest and key are template parameters that
 * deploy fills in, so nothing here needs the built code.
 */
static enum pipeline_status
pipeline_template_check(struct pipeline *p, const struct pipeline_options *o,
    struct diags *d)
{
	const struct manifest *m = p->manifest;
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
	if (marshal_template(m, d, &p->template) > 0 || errors > 0)
		return PIPELINE_MARSHAL;
	marshal_check_size(m, p->template, marshal_length(p->template), d);
	return PIPELINE_OK;
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
	written = marshal_write(p->template, path);
	if (written < 0) {
		log_error("cannot write %s: %s", path, strerror(errno));
		return PIPELINE_IO;
	}
	cJSON_Delete(p->template);
	p->template = NULL;
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
		if (pipeline_code(p->manifest, &p->out, d) > 0)
			return PIPELINE_BUILD;
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
	cJSON_Delete(p->template);
	manifest_free(p->manifest);
	doc_free(p->doc);
	memset(p, 0, sizeof(*p));
}
