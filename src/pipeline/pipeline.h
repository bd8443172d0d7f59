/*
 * pipeline.h - the one owner of the pipeline: every verb runs the manifest
 * through pipeline_run() as far as it needs, and nothing else strings the
 * stages together.
 *
 *	load the manifest, check it against the embedded schema, build the
 *	typed model for the stage                          (PIPELINE_MODEL)
 *	the template marshalled in memory with every template check
 *	(references, logical-ID clashes, cycles, quotas); no hook runs
 *	and nothing is written                             (PIPELINE_CHECK)
 *	the output directory, .spartac/ or --output      (PIPELINE_OUTDIR)
 *	the code: prebuild hook, compile, postbuild hook, archive hook,
 *	code.zip + code.sha256, site.json                  (PIPELINE_CODE)
 *	the template: premarshal hook, marshal, template.json written,
 *	postmarshal hook                               (PIPELINE_TEMPLATE)
 *
 * The goals that write the template (TEMPLATE, ALL) run the check first,
 * before any hook or compiler, so a manifest's errors are all reported
 * before anything is built; the template it made is the one written
 * later, between the premarshal and postmarshal hooks. validate runs the
 * check and no hook: hooks may do anything, and validate only reads.
 *
 * The checks (MODEL, CHECK) report every independent error in one run:
 * after errors of the schema or the model, the later checks still run on
 * what passed (pipeline.c). Each step after them runs only when the one
 * before it found no error. What it made
 * is in p: the model, and in p->out the artifacts (paths of the bootstrap,
 * code.zip, template.json, site.json, the project directory, the digests)
 * and p->template_len. Stages already run are not run again, so a verb may
 * look at the model before it asks for more:
 *
 *	struct pipeline p = {0};
 *	struct pipeline_options o = {path, stage, NULL, PIPELINE_MODEL};
 *
 *	if (pipeline_run(&p, &o, &d) != PIPELINE_OK)
 *		goto out;                       // diagnostics are in d
 *	check(p.manifest);
 *	o.goal = PIPELINE_ALL;
 *	if (pipeline_run(&p, &o, &d) != PIPELINE_OK)
 *		goto out;
 *	use(p.manifest, &p.out);
 *   out:
 *	report d while p.doc is alive
 *	pipeline_free(&p);
 */
#ifndef SPARTAC_PIPELINE_H
#define SPARTAC_PIPELINE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/diag.h"
#include "compile/build.h"
#include "compile/marshal.h"
#include "front/node.h"

struct manifest;

enum pipeline_goal {
	PIPELINE_MODEL,    /* the checked model only */
	PIPELINE_CHECK,    /* validate: and the template checked in memory */
	PIPELINE_OUTDIR,   /* and the output directory (paths in p->out) */
	PIPELINE_CODE,     /* and the code: bootstrap, code.zip, site.json */
	PIPELINE_TEMPLATE, /* and template.json, without building the code */
	PIPELINE_ALL,      /* the code, then template.json */
};

enum pipeline_status {
	PIPELINE_OK,
	PIPELINE_INVALID,  /* the manifest has errors: load, schema, model */
	PIPELINE_IO,       /* a directory or template.json could not be
			    * made (logged, not in d), or the code stage
			    * could not write a file (E-BUILD-IO in d) */
	PIPELINE_BUILD,    /* the code: a build hook, compiling, archiving */
	PIPELINE_MARSHAL,  /* the template has errors */
	PIPELINE_HOOK,     /* the premarshal or postmarshal hook failed */
};

struct pipeline_options {
	const char *manifest_path;
	const char *stage;       /* --stage, or NULL */
	const char *out_dir;     /* NULL: the project's .spartac/ */
	enum pipeline_goal goal;
};

struct pipeline {
	struct doc *doc;           /* the loaded file (kept for quoting) */
	struct manifest *manifest; /* NULL when there were errors */
	struct build_out out;      /* the artifacts, once have_out */
	size_t template_len;       /* bytes of template.json, once written */
	cJSON *template;           /* the checked template, until written */
	struct marshal_split split; /* its nested stacks (split.n 0: none) */
	struct arena template_arena; /* its nodes and strings (jtree.h) */
	int checked;               /* the template check: 1 passed, -1 failed */
	int have_out;              /* out is filled */
	int built;                 /* the code stage ran without error */
	int marshalled;            /* the template stage ran without error */
};

/*
 * Runs the stages that o->goal needs and p has not run yet, adding
 * diagnostics to d. p starts zeroed. Returns PIPELINE_OK or the stage that
 * failed; p->manifest is set once the model stage succeeded.
 */
enum pipeline_status pipeline_run(struct pipeline *p,
    const struct pipeline_options *o, struct diags *d);
void pipeline_free(struct pipeline *p);

#endif
