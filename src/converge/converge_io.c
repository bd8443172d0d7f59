/*
 * converge_io.c - the I/O loop of plan, deploy and delete (converge_io.h).
 *
 * converge.c decides; this file performs. Each action maps to one or a few
 * AWS calls (or to the publish stage, for uploads and the site), whose
 * answer goes back into converge_next(); report.c tells the result. All
 * waiting is here, in slices, so Ctrl-C stops it at once: the stack is left
 * to CloudFormation and the user is told how to follow it (exit 130).
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/diag.h"
#include "base/exit_status.h"
#include "base/util.h"
#include "front/manifest.h"
#include "front/node.h"
#include "front/params.h"
#include "compile/build.h"
#include "compile/marshal.h"
#include "aws/aws.h"
#include "aws/cfn.h"
#include "aws/iam.h"
#include "publish/publish.h"
#include "converge/converge.h"
#include "converge/converge_io.h"
#include "converge/progress.h"
#include "converge/run.h"

#define SITE_RECORD_NAME "site-synced" /* in .spartac/: see decisions.md */

/* The signal that interrupted the run (SIGINT, SIGTERM), and the flag the
 * AWS client watches to abandon its request in flight (aws_set_cancel);
 * the clean-up after an interruption clears the second, and a second
 * signal sets it again. */
static volatile sig_atomic_t interrupted;
static volatile sig_atomic_t cancel;

static void
on_signal(int sig)
{
	interrupted = sig;
	cancel = 1;
}

static double
elapsed(const struct run *r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - r->t0.tv_sec) +
	    (now.tv_nsec - r->t0.tv_nsec) / 1e9;
}

/* Sleeps ms in slices; returns -1 as soon as Ctrl-C was pressed. */
static int
nap(long ms)
{
	struct timespec ts;

	while (ms > 0 && !interrupted) {
		long step = ms > 100 ? 100 : ms;

		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000L;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return interrupted ? -1 : 0;
}

const char *
run_stack_ref(const struct run *r)
{
	return r->stack_id ? r->stack_id : r->stack;
}

static void
obs_error(struct run *r, struct converge_observation *obs)
{
	obs->kind = CONV_OBS_ERROR;
	obs->error_code = r->err.code;
	obs->error_message = r->err.message;
	/* A throttle is retried by the machine; everything else is news. */
	if (r->err.service[0] && !converge_error_is_throttle(r->err.code) &&
	    !converge_error_is_missing(r->err.code, r->err.message))
		aws_error_log(&r->err);
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

static const char *
stack_param(const struct cfn_stack *s, const char *key)
{
	size_t i;

	for (i = 0; s && i < s->nparams; i++)
		if (s->params[i].key && strcmp(s->params[i].key, key) == 0)
			return s->params[i].value;
	return NULL;
}

static const char *
stack_output(const struct cfn_stack *s, const char *key)
{
	size_t i;

	for (i = 0; s && i < s->noutputs; i++)
		if (s->outputs[i].key && strcmp(s->outputs[i].key, key) == 0)
			return s->outputs[i].value;
	return NULL;
}

/* ---- events ---- */

static void
events_take(struct run *r, struct cfn_events *ev)
{
	size_t i;

	/* Keep them all, newest first, for the root causes at the end. */
	for (i = ev->n; i-- > 0;) {
		r->seen.v = xgrow(r->seen.v, &r->seen.cap, r->seen.n + 1,
		    sizeof *r->seen.v);
		memmove(&r->seen.v[1], &r->seen.v[0],
		    r->seen.n * sizeof *r->seen.v);
		r->seen.v[0] = ev->v[i];
		r->seen.n++;
	}
	free(ev->v);
	memset(ev, 0, sizeof *ev);
}

/* Fetches the events since the last one shown and shows them. */
static void
events_follow(struct run *r)
{
	struct cfn_events ev;
	struct aws_error e;
	size_t i;

	if (cfn_describe_stack_events(r->aws, run_stack_ref(r), r->last_event, 0,
	    &ev, &e) != 0) {
		/* Only decoration: the status poll decides. */
		log_debug("events: %s: %s", e.code, e.message);
		return;
	}
	if (ev.n > 0)
		set_str(&r->last_event, ev.v[0].id);
	if (r->use_live) {
		char head[160];

		progress_live_update(&r->live, &ev);
		snprintf(head, sizeof head, "%s: %s (%.0f s)", r->stack,
		    r->st && r->st->status ? r->st->status : "waiting",
		    elapsed(r));
		progress_live_draw(&r->live, head);
	} else {
		FILE *fp = r->text ? stdout : stderr;

		for (i = ev.n; i-- > 0;)
			progress_event_line(fp, &ev.v[i], r->o->color);
		fflush(fp);
	}
	events_take(r, &ev);
}

static void
events_baseline(struct run *r)
{
	struct cfn_events ev;
	struct aws_error e;

	if (r->last_event || !r->c.stack_existed)
		return;
	/* The newest page is enough: only this run's events are shown. */
	if (cfn_describe_stack_events(r->aws, run_stack_ref(r), NULL, 1, &ev,
	    &e) != 0) {
		log_debug("events: %s: %s", e.code, e.message);
		return;
	}
	if (ev.n > 0)
		set_str(&r->last_event, ev.v[0].id);
	cfn_events_free(&ev);
}

/* ---- before the change set ---- */

/* Roles named by ARN must exist; each is looked up once per run. */
static int
roles_check(struct run *r)
{
	size_t i;
	int missing = 0;

	for (i = 0; i < r->m->nroles; i++) {
		const struct manifest_role *role = &r->m->roles[i];
		struct iam_role *got = NULL;
		const char *name;
		char *path;

		if (role->arn == NULL || role->nusers == 0)
			continue;
		name = strrchr(role->arn, '/');
		name = name ? name + 1 : role->arn;
		if (iam_get_role(r->aws, name, &got, &r->err) != 0)
			return -1;
		if (got == NULL) {
			path = xasprintf("roles.%s.arn", role->name);
			diag_add(r->d, DIAG_DEPLOY_ROLE_MISSING, role->arn_loc,
			    path, "role '%s' does not exist in this account",
			    role->arn);
			free(path);
			missing++;
		}
		iam_role_free(got);
	}
	if (missing) {
		aws_error_set(&r->err, NULL, NULL, "RoleMissing", "%d role(s) "
		    "named in the manifest do not exist", missing);
		return -1;
	}
	return 0;
}

static int
prepare(struct run *r)
{
	int deploy = r->o->mode == CONVERGE_DEPLOY;

	/* plan never creates anything but its change set. */
	if (publish_bucket_resolve(&r->pub, r->o->bucket ? r->o->bucket :
	    r->m->bucket, deploy) != 0)
		return -1;
	if (roles_check(r) != 0)
		return -1;
	if (deploy && publish_object(&r->pub, r->code_key, NULL, 0,
	    r->out->archive_path, "application/zip") != 0)
		return -1;
	/* plan too: CloudFormation reads the children to make their
	 * change sets */
	if (nested_upload(&r->pub, r->stack, &r->nested) != 0)
		return -1;
	if (r->tpl_len > MARSHAL_TEMPLATE_BODY_MAX && r->template_url == NULL &&
	    publish_template(&r->pub, r->stack, r->tpl, r->tpl_len,
	    &r->template_url) != 0)
		return -1;
	return 0;
}

/* ---- the change set ---- */

static void
capabilities(const char *tpl, const struct nested *nested, const char **caps,
    size_t *n)
{
	cJSON *t = cJSON_Parse(tpl), *res, *x;
	int iam = nested->iam;

	*n = 0;
	res = cJSON_GetObjectItemCaseSensitive(t, "Resources");
	cJSON_ArrayForEach(x, res) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(x, "Type");

		if (cJSON_IsString(type) &&
		    strncmp(type->valuestring, "AWS::IAM::", 10) == 0)
			iam = 1;
	}
	/* The root acknowledges what its nested stacks declare too. Named
	 * roles need the named acknowledgement; giving both is what `aws
	 * cloudformation deploy` users do. */
	if (iam) {
		caps[(*n)++] = "CAPABILITY_IAM";
		caps[(*n)++] = "CAPABILITY_NAMED_IAM";
	}
	if (nested->transform ||
	    cJSON_GetObjectItemCaseSensitive(t, "Transform"))
		caps[(*n)++] = "CAPABILITY_AUTO_EXPAND";
	cJSON_Delete(t);
}

static int
create_change_set(struct run *r)
{
	struct cfn_change_set_input in;
	struct cfn_param_in *params, *tags;
	const struct params *user = r->o->params;
	const char *caps[3];
	size_t ncaps, i, nparams = 0;
	char *desc, *stack_id = NULL;
	int rc;

	free(r->cs_name);
	r->cs_name = xasprintf("spartac-%.12s-%lld", r->digest,
	    (long long)time(NULL));
	params = xcalloc(3 + (user ? user->n : 0), sizeof(*params));
	params[nparams].key = MARSHAL_PARAM_DIGEST;
	params[nparams++].value = r->digest;
	/* --parameter values; the others take their Default */
	for (i = 0; user && i < user->n; i++) {
		params[nparams].key = user->v[i].name;
		params[nparams++].value = user->v[i].value;
	}
	if (r->m->nfunctions > 0) {
		/* the template declares the code parameters only for functions */
		params[nparams].key = MARSHAL_PARAM_BUCKET;
		params[nparams++].value = r->pub.bucket;
		params[nparams].key = MARSHAL_PARAM_CODE_KEY;
		params[nparams++].value = r->code_key;
	}
	/* only the user's tags: CloudFormation copies stack tags to resources */
	tags = xcalloc(r->ntags + 1, sizeof *tags);
	for (i = 0; i < r->ntags; i++) {
		tags[i].key = r->tags[i].key;
		tags[i].value = r->tags[i].value;
	}
	capabilities(r->tpl, &r->nested, caps, &ncaps);
	desc = xasprintf("spartac %s", SPARTAC_VERSION);
	memset(&in, 0, sizeof in);
	in.stack_name = r->stack;
	in.change_set_name = r->cs_name;
	in.change_set_type = r->c.change_set_type;
	in.template_body = r->template_url ? NULL : r->tpl;
	in.template_url = r->template_url;
	in.description = desc;
	in.client_token = r->cs_name;
	in.role_arn = r->o->role_arn;
	in.params = params;
	in.nparams = nparams;
	in.tags = tags;
	in.ntags = i;
	in.capabilities = caps;
	in.ncapabilities = ncaps;
	/* plan shows the changes inside the children (nested.c) */
	in.include_nested = r->nested.n > 0;
	free(r->cs_id);
	r->cs_id = NULL;
	rc = cfn_create_change_set(r->aws, &in, &r->cs_id, &stack_id, &r->err);
	if (rc == 0 && stack_id)
		set_str(&r->stack_id, stack_id);
	free(stack_id);
	free(tags);
	free(params);
	free(desc);
	return rc;
}

/*
 * Waits for the answer in a way Ctrl-C ends. SIGINT stays blocked from the
 * check of the flag until pselect() unblocks it atomically, so a Ctrl-C
 * that comes after the prompt but before the wait ends the wait too (a
 * plain read(2) would sit there until killed). Returns the bytes read,
 * 0 at end of file, or -1 when interrupted or on an error.
 */
static ssize_t
answer_read(char *line, size_t size)
{
	sigset_t block, orig;
	fd_set rd;
	int ready = 0, rc;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, &orig) != 0)
		return -1;
	while (!interrupted && !ready) {
		FD_ZERO(&rd);
		FD_SET(STDIN_FILENO, &rd);
		rc = pselect(STDIN_FILENO + 1, &rd, NULL, NULL, NULL, &orig);
		if (rc > 0)
			ready = 1;
		else if (rc < 0 && errno != EINTR)
			break;
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	if (!ready || interrupted)
		return -1;
	/* A terminal in canonical mode has a whole line ready: no wait. */
	return read(STDIN_FILENO, line, size - 1);
}

int
converge_will_ask(const struct converge_opts *o)
{
	return !o->yes && isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

/* One answer to the question on stderr: only "y" or "yes" says yes;
 * anything else, end of file or Ctrl-C says no. */
static int
answer_yes(void)
{
	char line[16];
	ssize_t n;

	fflush(stderr);
	if ((n = answer_read(line, sizeof line)) <= 0)
		return 0;
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		n--;
	line[n] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

/*
 * On a terminal (both ends) without --yes, ask, and ask again when the
 * changes widen access; never otherwise (delete refuses to start off a
 * terminal without --yes: cmd_delete.c).
 */
static int
confirm(struct run *r)
{
	if (!converge_will_ask(r->o))
		return 1;
	if (r->o->mode == CONVERGE_DELETE) {
		fprintf(stderr, "Delete the stack %s and all its resources? "
		    "[y/N] ", r->stack);
		return answer_yes();
	}
	review_load(r);
	fprintf(stderr, "Execute these changes on %s? [y/N] ", r->stack);
	if (!answer_yes())
		return 0;
	if (review_widened(r) == 0)
		return 1;
	/* Access widened (listed above): a second, explicit yes. */
	fprintf(stderr, "These changes widen access (%d, listed above). "
	    "Deploy them? [y/N] ", review_widened(r));
	return answer_yes();
}

/* ---- the site ---- */

/*
 * The site bucket's name: the stack's output, or, when the outputs are not
 * there (yet), the SiteBucket resource's physical ID. Owned by the caller;
 * NULL when the stack has no site bucket.
 */
static char *
site_bucket(struct run *r, int *failed)
{
	const char *out = stack_output(r->st, MARSHAL_OUTPUT_SITE_BUCKET);
	struct cfn_resources l;
	char *name = NULL;
	size_t i;

	*failed = 0;
	if (out)
		return xstrdup(out);
	/* a failed call is reported as itself (r->err), never as "no
	 * bucket" */
	if (cfn_describe_stack_resources(r->aws, run_stack_ref(r),
	    MARSHAL_SITE_BUCKET_ID, &l, &r->err) != 0) {
		*failed = 1;
		return NULL;
	}
	for (i = 0; i < l.n && name == NULL; i++)
		if (l.v[i].logical_id && l.v[i].physical_id &&
		    *l.v[i].physical_id &&
		    strcmp(l.v[i].logical_id, MARSHAL_SITE_BUCKET_ID) == 0)
			name = xstrdup(l.v[i].physical_id);
	cfn_resources_free(&l);
	return name;
}

/* Where a deploy records that the site of a digest is complete. */
static char *
site_record_path(const struct run *r)
{
	return xasprintf("%s/%s", r->out->dir, SITE_RECORD_NAME);
}

/* The record's line: the digest and the stack's ARN, so that the same
 * project deployed to another account, region or a re-created stack
 * never matches. */
static char *
site_record_line(const struct run *r)
{
	return xasprintf("%s %s\n", r->digest, run_stack_ref(r));
}

/* 1 when the last complete site sync here was of this digest, to this
 * stack. */
static int
site_record_matches(const struct run *r)
{
	char *path = site_record_path(r), *text = NULL, *want;
	size_t len;
	int same;

	want = site_record_line(r);
	same = r->stack_id != NULL && file_read(path, 4096, &text, &len) == 0 &&
	    len == strlen(want) && memcmp(text, want, len) == 0;
	free(want);
	free(text);
	free(path);
	return same;
}

static void
site_record(const struct run *r)
{
	char *path = site_record_path(r), *line = site_record_line(r);

	if (file_write_atomic(path, line, strlen(line), 0644) != 0)
		log_warn("%s: %s (the next deploy checks the site again)", path,
		    strerror(errno));
	free(line);
	free(path);
}

static int
site_sync(struct run *r)
{
	int failed;
	char *bucket = site_bucket(r, &failed);
	char *root;
	int rc;

	if (failed)
		return -1;
	if (bucket == NULL) {
		aws_error_set(&r->err, NULL, NULL, "NoSiteBucket", "the stack "
		    "has neither a %s output nor a %s resource",
		    MARSHAL_OUTPUT_SITE_BUCKET, MARSHAL_SITE_BUCKET_ID);
		return -1;
	}
	root = xasprintf("%s/%s", r->out->project_dir, r->m->site->root);
	rc = publish_site_sync(&r->pub, bucket, r->out->site_path, root);
	if (rc == 0)
		site_record(r);
	free(root);
	free(bucket);
	return rc;
}

static int
site_empty(struct run *r)
{
	int failed;
	char *bucket = site_bucket(r, &failed);
	int rc;

	if (failed)
		return -1;
	if (bucket == NULL)
		return 0;
	rc = publish_site_empty(&r->pub, bucket);
	free(bucket);
	return rc;
}

/* ---- one action ---- */

/* DescribeStacks, by name first and by ARN once known. */
static void
observe_stack(struct run *r, enum converge_action a,
    struct converge_observation *obs)
{
	cfn_stack_free(r->st);
	r->st = NULL;
	if (cfn_describe_stacks(r->aws, a == CONV_WAIT_STACK ?
	    run_stack_ref(r) : r->stack, &r->st, &r->err) != 0) {
		obs_error(r, obs);
		return;
	}
	obs->kind = CONV_OBS_STACK;
	if (r->st) {
		obs->stack_exists = 1;
		obs->stack_status = r->st->status;
		obs->stack_reason = r->st->status_reason;
		obs->digest = stack_param(r->st, MARSHAL_PARAM_DIGEST);
		obs->termination_protection = r->st->termination_protection;
		if (r->st->id)
			set_str(&r->stack_id, r->st->id);
		/* known only now: is the site of this digest complete in
		 * this very stack? */
		if (r->c.has_site && r->o->mode == CONVERGE_DEPLOY)
			r->c.site_pending = !site_record_matches(r);
		/* Delete empties the site bucket first when the manifest
		 * has a site (found via the stack). */
		if (r->o->mode == CONVERGE_DELETE)
			r->c.has_site = r->m->site != NULL ||
			    stack_output(r->st, MARSHAL_OUTPUT_SITE_BUCKET) !=
			    NULL;
	}
	if (r->following)
		events_follow(r);
}

static void
observe_change_set(struct run *r, struct converge_observation *obs)
{
	cfn_change_set_free(r->cs);
	r->cs = NULL;
	if (cfn_describe_change_set(r->aws, run_stack_ref(r), r->cs_id, &r->cs,
	    &r->err) != 0) {
		obs_error(r, obs);
		return;
	}
	obs->kind = CONV_OBS_CHANGE_SET;
	obs->cs_status = r->cs->status;
	obs->cs_execution = r->cs->execution_status;
	obs->cs_reason = r->cs->status_reason;
	obs->cs_nchanges = r->cs->nchanges;
	if (r->cs->nchanges) {
		/* Kept for the prompt and the report. */
		cfn_change_set_free(r->shown);
		r->shown = r->cs;
		r->cs = NULL;
		/* the children's change sets are complete with the root's */
		if (converge_cs_class(r->shown->status) == CONV_CS_READY)
			nested_expand(r->aws, r->shown);
	}
}

static void
perform(struct run *r, enum converge_action a,
    struct converge_observation *obs)
{
	int rc = 0;

	memset(obs, 0, sizeof *obs);
	memset(&r->err, 0, sizeof r->err);
	switch (a) {
	case CONV_DESCRIBE_STACK:
	case CONV_WAIT_STACK:
		observe_stack(r, a, obs);
		break;
	case CONV_PREPARE:
		rc = prepare(r);
		break;
	case CONV_DELETE_STACK:
		if (r->c.phase != CONV_PH_CLEANUP) {
			events_baseline(r);
			r->following = 1;
			if (r->o->mode != CONVERGE_DELETE)
				log_info("%s is ROLLBACK_COMPLETE (its first "
				    "create failed): deleting it to create it "
				    "again", r->stack);
		}
		rc = cfn_delete_stack(r->aws, run_stack_ref(r), r->token, &r->err);
		break;
	case CONV_CONTINUE_ROLLBACK:
		log_info("%s is UPDATE_ROLLBACK_FAILED: continuing the rollback "
		    "(--continue-rollback)", r->stack);
		events_baseline(r);
		r->following = 1;
		rc = cfn_continue_update_rollback(r->aws, r->stack, NULL, 0,
		    r->token, &r->err);
		break;
	case CONV_CREATE_CHANGE_SET:
		rc = create_change_set(r);
		break;
	case CONV_DESCRIBE_CHANGE_SET:
		observe_change_set(r, obs);
		break;
	case CONV_CONFIRM:
		if (r->o->mode != CONVERGE_DELETE)
			report_changes(r);
		if (!confirm(r)) {
			obs->kind = CONV_OBS_DECLINED;
			return;
		}
		events_baseline(r);
		break;
	case CONV_EXECUTE_CHANGE_SET:
		r->following = 1;
		if (r->use_live)
			progress_live_draw(&r->live, r->stack);
		rc = cfn_execute_change_set(r->aws, run_stack_ref(r), r->cs_id,
		    r->token, &r->err);
		break;
	case CONV_DELETE_CHANGE_SET:
		rc = cfn_delete_change_set(r->aws, run_stack_ref(r), r->cs_id,
		    &r->err);
		break;
	case CONV_PROTECT:
		log_info("turning termination protection on (--protect)");
		rc = cfn_update_termination_protection(r->aws, run_stack_ref(r), 1,
		    &r->err);
		break;
	case CONV_EMPTY_SITE:
		rc = site_empty(r);
		break;
	case CONV_SYNC_SITE:
		rc = site_sync(r);
		break;
	case CONV_DONE:
		return;
	}
	if (obs->kind == CONV_OBS_START) { /* not set above: a plain call */
		if (rc == 0)
			obs->kind = CONV_OBS_OK;
		else
			obs_error(r, obs);
	}
}

/* ---- the built artifacts and their digest ---- */

static int
digest_inputs(struct run *r)
{
	const struct manifest *m = r->m;
	const struct params *user = r->o->params;
	struct converge_inputs in;
	struct converge_kv *param;
	const char *site = NULL;
	char why[512];
	size_t i, nparam = 0;

	if (file_read(r->out->template_path, MARSHAL_TEMPLATE_S3_MAX * 2,
	    &r->tpl, &r->tpl_len) != 0) {
		log_error("%s: %s", r->out->template_path, strerror(errno));
		return EXIT_IO;
	}
	/* The root names each child's SHA-256: the digest below covers
	 * them (nested.h). */
	if (nested_load(&r->nested, r->tpl, r->out->template_path, why,
	    sizeof why) != 0) {
		log_error("%s", why);
		return EXIT_IO;
	}
	r->code_key = xasprintf("%s/%s.zip", m->service, r->out->code_sha256);
	r->tags = xcalloc(m->tags.n + 1, sizeof *r->tags);
	for (i = 0; i < m->tags.n; i++) {
		const struct node *v = m->tags.v[i].value;

		if (!node_is_scalar(v) || v->str == NULL) {
			log_warn("stack tag '%s' is not a plain value; left out",
			    m->tags.v[i].key);
			continue;
		}
		r->tags[r->ntags].key = m->tags.v[i].key;
		r->tags[r->ntags++].value = v->str;
	}
	if (m->site && r->out->site_sha256[0])
		site = r->out->site_sha256;
	/* The code key and the --parameter values: a changed value is a
	 * change even when the template is the same. */
	param = xcalloc(1 + (user ? user->n : 0), sizeof(*param));
	param[nparam].key = MARSHAL_PARAM_CODE_KEY;
	param[nparam++].value = r->code_key;
	for (i = 0; user && i < user->n; i++) {
		param[nparam].key = user->v[i].name;
		param[nparam++].value = user->v[i].value;
	}
	memset(&in, 0, sizeof in);
	in.template_body = r->tpl;
	in.template_len = r->tpl_len;
	in.params = param;
	in.nparams = nparam;
	in.tags = r->tags;
	in.ntags = r->ntags;
	in.bucket = r->o->bucket ? r->o->bucket : m->bucket;
	in.code_key = r->code_key;
	in.site_digest = site;
	in.role_arn = r->o->role_arn;
	converge_digest(&in, r->digest);
	free(param);
	log_debug("digest %s", r->digest);
	return EXIT_OK;
}

static void
run_free(struct run *r)
{
	free(r->tpl);
	free(r->code_key);
	nested_free(&r->nested);
	free(r->tags);
	publish_free(&r->pub);
	free(r->template_url);
	free(r->cs_name);
	free(r->cs_id);
	free(r->stack_id);
	free(r->last_event);
	cfn_stack_free(r->st);
	cfn_change_set_free(r->cs);
	cfn_change_set_free(r->shown);
	cJSON_Delete(r->review);
	cfn_events_free(&r->seen);
	progress_live_free(&r->live);
	if (r->aws)
		aws_close(r->aws);
}

/*
 * Removes the change set this run made (or may have made: the answer to
 * CreateChangeSet may be what the signal cut off), or the
 * REVIEW_IN_PROGRESS stack a CREATE change set made. 0 when it is gone.
 */
static int
change_set_remove(struct run *r)
{
	const char *cs = r->cs_id ? r->cs_id : r->cs_name;

	memset(&r->err, 0, sizeof r->err);
	if (cs == NULL)
		return 0;
	if (!r->c.stack_existed && r->c.change_set_type &&
	    strcmp(r->c.change_set_type, "CREATE") == 0)
		return cfn_delete_stack(r->aws, run_stack_ref(r), r->token,
		    &r->err);
	return cfn_delete_change_set(r->aws, run_stack_ref(r), cs, &r->err);
}

/*
 * SIGINT or SIGTERM: the request in flight was abandoned; say truthfully
 * where the run stopped, and leave nothing behind that was not executed.
 */
static void
interrupted_stop(struct run *r)
{
	const char *site = r->c.has_site ? ", the site included" : "";

	fputc('\n', stderr);
	cancel = 0; /* the clean-up may call; a second signal stops it */
	switch (r->c.phase) {
	case CONV_PH_SYNC_SITE:
		log_error("interrupted during the site sync: the stack is "
		    "deployed, the site is incomplete; the next 'spartac "
		    "deploy' completes it");
		return;
	case CONV_PH_CREATE_CS:
	case CONV_PH_WAIT_CS:
	case CONV_PH_CONFIRM:
	case CONV_PH_CLEANUP:
		if (change_set_remove(r) != 0)
			log_error("interrupted; nothing was executed, but the "
			    "change set %s could not be removed: %s: %s",
			    r->cs_name, r->err.code, r->err.message);
		else
			log_error("interrupted; nothing was executed (the change "
			    "set was removed)");
		return;
	case CONV_PH_EXECUTE:
		/* ExecuteChangeSet may have been sent: a change set that
		 * can still be deleted was not executed */
		if (change_set_remove(r) == 0) {
			log_error("interrupted; nothing was executed (the "
			    "change set was removed)");
			return;
		}
		log_error("interrupted after ExecuteChangeSet: the change set "
		    "was executed and the stack goes on converging in "
		    "CloudFormation (follow it with 'spartac status'); the "
		    "next 'spartac deploy' completes the rest%s", site);
		return;
	default:
		break;
	}
	if (r->following && r->o->mode == CONVERGE_DEPLOY)
		log_error("interrupted: the change set was executed and the "
		    "stack goes on converging in CloudFormation (follow it "
		    "with 'spartac status'); the next 'spartac deploy' "
		    "completes the rest%s", site);
	else if (r->following)
		log_error("interrupted: stopped waiting; the stack operation "
		    "goes on in CloudFormation. Follow it with 'spartac "
		    "status'");
	else
		log_error("interrupted; nothing was executed");
}

int
converge_run(const struct converge_opts *o, const struct manifest *m,
    const struct build_out *out, struct diags *d)
{
	struct run r;
	struct converge_observation obs;
	struct sigaction sa, old, old_term;
	enum converge_action a;
	enum diag_format format;
	int status = EXIT_OK, have_sig = 0, reported = 0;

	memset(&r, 0, sizeof r);
	r.o = o;
	r.d = d;
	r.text = o->format == DIAG_FORMAT_TEXT;
	r.t0 = o->started;
	r.m = m;
	r.out = out;
	r.stack = o->stack_name ? o->stack_name : r.m->service;
	if (o->mode != CONVERGE_DELETE &&
	    (status = digest_inputs(&r)) != EXIT_OK)
		goto out;
	if ((r.aws = aws_open(&o->aws, &r.err)) == NULL) {
		aws_error_log(&r.err);
		status = EXIT_AWS;
		goto out;
	}
	r.pub.aws = r.aws;
	r.pub.err = &r.err;
	snprintf(r.token, sizeof r.token, "spartac-%.12s-%lld",
	    r.digest[0] ? r.digest : "delete", (long long)time(NULL));
	r.use_live = r.text && isatty(STDOUT_FILENO) && log_use_color() &&
	    getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
	progress_live_init(&r.live, stdout, o->color);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = 0; /* no SA_RESTART: a call in progress ends, EINTR */
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	cancel = 0;
	have_sig = sigaction(SIGINT, &sa, &old) == 0 &&
	    sigaction(SIGTERM, &sa, &old_term) == 0;
	aws_set_cancel(r.aws, &cancel);

	converge_init(&r.c, o->mode, r.digest[0] ? r.digest : NULL);
	r.c.force = o->force;
	r.c.protect = o->protect;
	r.c.continue_rollback = o->continue_rollback;
	r.c.timeout = o->timeout;
	r.c.has_site = o->mode == CONVERGE_DEPLOY && r.m->site != NULL;
	r.c.confirm_delete = o->mode == CONVERGE_DELETE && converge_will_ask(o);
	r.c.site_pending = r.c.has_site; /* until the stack is seen */
	memset(&obs, 0, sizeof obs);
	obs.kind = CONV_OBS_START;
	while ((a = converge_next(&r.c, &obs)) != CONV_DONE) {
		log_debug("converge: %s (after %ld ms)", converge_action_name(a),
		    r.c.delay_ms);
		if (nap(r.c.delay_ms) != 0 || interrupted)
			break;
		perform(&r, a, &obs);
		obs.elapsed = elapsed(&r);
		/* a step that finished before the signal counts: the run
		 * stops at the next one (or reports, when that was the last) */
		if (interrupted && obs.kind != CONV_OBS_OK &&
		    obs.kind != CONV_OBS_STACK && obs.kind != CONV_OBS_CHANGE_SET)
			break;
	}
	if (r.use_live && r.live.drawn) {
		char head[160];

		snprintf(head, sizeof head, "%s: %s", r.stack,
		    r.c.final_status[0] ? r.c.final_status : "done");
		progress_live_draw(&r.live, head);
	}
	if (a != CONV_DONE) {
		interrupted_stop(&r);
		status = interrupted == SIGTERM ? EXIT_TERMINATED :
		    EXIT_INTERRUPTED;
		goto out;
	}
	status = report_result(&r);
	reported = 1;
out:
	if (have_sig) {
		sigaction(SIGINT, &old, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (r.aws)
		aws_set_cancel(r.aws, NULL);
	/* Once reported, stdout holds one JSON document (the result) or the
	 * text lines: the warnings (a run that reached the end has no
	 * errors) go to stderr in text. */
	format = reported ? DIAG_FORMAT_TEXT : o->format;
	if (d->n || format == DIAG_FORMAT_JSON)
		diags_print(format == DIAG_FORMAT_TEXT ? stderr : stdout, d,
		    format, o->color);
	if (status == EXIT_OK && d->nerrors)
		status = EXIT_INVALID;
	run_free(&r);
	return status;
}
