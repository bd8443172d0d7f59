/*
 * converge.c - the ChangeSet state machine (see converge.h). Pure: no I/O.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "converge/converge.h"
#include "base/digest.h"
#include "base/util.h"

struct status_class {
	const char *name;
	int cls;
};

/* Every StackStatus of botocore's CloudFormation model (2010-05-15). */
static const struct status_class stack_classes[] = {
	{"CREATE_IN_PROGRESS", CONV_STACK_IN_PROGRESS},
	{"CREATE_FAILED", CONV_STACK_FAILED},
	{"CREATE_COMPLETE", CONV_STACK_HEALTHY},
	{"ROLLBACK_IN_PROGRESS", CONV_STACK_IN_PROGRESS},
	{"ROLLBACK_FAILED", CONV_STACK_STUCK},
	{"ROLLBACK_COMPLETE", CONV_STACK_ROLLED_BACK},
	{"DELETE_IN_PROGRESS", CONV_STACK_IN_PROGRESS},
	{"DELETE_FAILED", CONV_STACK_DELETE_FAILED},
	{"DELETE_COMPLETE", CONV_STACK_DELETED},
	{"UPDATE_IN_PROGRESS", CONV_STACK_IN_PROGRESS},
	{"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", CONV_STACK_IN_PROGRESS},
	{"UPDATE_COMPLETE", CONV_STACK_HEALTHY},
	{"UPDATE_FAILED", CONV_STACK_FAILED},
	{"UPDATE_ROLLBACK_IN_PROGRESS", CONV_STACK_IN_PROGRESS},
	{"UPDATE_ROLLBACK_FAILED", CONV_STACK_UPDATE_ROLLBACK_FAILED},
	{"UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", CONV_STACK_IN_PROGRESS},
	{"UPDATE_ROLLBACK_COMPLETE", CONV_STACK_HEALTHY},
	{"REVIEW_IN_PROGRESS", CONV_STACK_REVIEW},
	{"IMPORT_IN_PROGRESS", CONV_STACK_IN_PROGRESS},
	{"IMPORT_COMPLETE", CONV_STACK_HEALTHY},
	{"IMPORT_ROLLBACK_IN_PROGRESS", CONV_STACK_IN_PROGRESS},
	{"IMPORT_ROLLBACK_FAILED", CONV_STACK_STUCK},
	{"IMPORT_ROLLBACK_COMPLETE", CONV_STACK_HEALTHY},
};

static const struct status_class cs_classes[] = {
	{"CREATE_PENDING", CONV_CS_PENDING},
	{"CREATE_IN_PROGRESS", CONV_CS_PENDING},
	{"CREATE_COMPLETE", CONV_CS_READY},
	{"DELETE_PENDING", CONV_CS_DELETED},
	{"DELETE_IN_PROGRESS", CONV_CS_DELETED},
	{"DELETE_COMPLETE", CONV_CS_DELETED},
	{"DELETE_FAILED", CONV_CS_DELETED},
	{"FAILED", CONV_CS_FAILED},
};

static const struct status_class exec_classes[] = {
	{"UNAVAILABLE", CONV_EXEC_UNAVAILABLE},
	{"AVAILABLE", CONV_EXEC_AVAILABLE},
	{"EXECUTE_IN_PROGRESS", CONV_EXEC_EXECUTED},
	{"EXECUTE_COMPLETE", CONV_EXEC_EXECUTED},
	{"EXECUTE_FAILED", CONV_EXEC_EXECUTED},
	{"OBSOLETE", CONV_EXEC_OBSOLETE},
};

static int
lookup(const struct status_class *t, size_t n, const char *name)
{
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].cls;
	return 0; /* every *_UNKNOWN is 0 */
}

enum converge_stack_class
converge_stack_class(const char *status)
{
	return lookup(stack_classes, sizeof stack_classes / sizeof *stack_classes,
	    status);
}

enum converge_cs_class
converge_cs_class(const char *status)
{
	return lookup(cs_classes, sizeof cs_classes / sizeof *cs_classes, status);
}

enum converge_exec_class
converge_exec_class(const char *status)
{
	return lookup(exec_classes, sizeof exec_classes / sizeof *exec_classes,
	    status);
}

int
converge_stack_outcome(const char *status)
{
	static const char *const ok[] = {
		"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE",
	};
	size_t i;

	for (i = 0; i < sizeof ok / sizeof *ok; i++)
		if (status && strcmp(status, ok[i]) == 0)
			return 1;
	switch (converge_stack_class(status)) {
	case CONV_STACK_UNKNOWN:
	case CONV_STACK_IN_PROGRESS:
	case CONV_STACK_REVIEW: /* the execution has not started yet */
		return -1;
	default:
		/* Rolled back (even "complete"), failed or deleted. */
		return 0;
	}
}

int
converge_cs_is_empty(const char *reason)
{
	/* CloudFormation's wording has varied; both forms are in the wild. */
	return reason != NULL &&
	    (strstr(reason, "didn't contain changes") != NULL ||
	    strstr(reason, "did not contain changes") != NULL ||
	    strstr(reason, "No updates are to be performed") != NULL);
}

int
converge_error_is_missing(const char *code, const char *message)
{
	return code != NULL && message != NULL &&
	    strcmp(code, "ValidationError") == 0 &&
	    strstr(message, "does not exist") != NULL;
}

int
converge_error_is_throttle(const char *code)
{
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottled", "RequestLimitExceeded", "TooManyRequestsException",
		"SlowDown", "RequestThrottledException",
	};
	size_t i;

	for (i = 0; code && i < sizeof codes / sizeof *codes; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

const char *
converge_action_name(enum converge_action a)
{
	static const char *const names[] = {
		"DescribeStacks", "WaitStack", "Prepare", "DeleteStack",
		"ContinueUpdateRollback", "CreateChangeSet", "DescribeChangeSet",
		"Confirm", "ExecuteChangeSet", "DeleteChangeSet",
		"UpdateTerminationProtection",
		"EmptySite", "SyncSite", "Done",
	};
	return (size_t)a < sizeof names / sizeof *names ? names[a] : "?";
}

const char *
converge_result_name(enum converge_result r)
{
	static const char *const names[] = {
		"none", "no-changes", "changes", "deployed", "deleted",
		"declined", "failed", "timeout",
	};
	return (size_t)r < sizeof names / sizeof *names ? names[r] : "?";
}

void
converge_init(struct converge *c, enum converge_mode mode, const char *digest)
{
	memset(c, 0, sizeof *c);
	c->mode = mode;
	c->digest = digest;
	c->phase = CONV_PH_START;
	c->change_set_type = "UPDATE";
}

/* ---- transitions ---- */

static enum converge_action
act(struct converge *c, enum converge_phase ph, enum converge_action a)
{
	c->phase = ph;
	c->action = a;
	if (a != CONV_WAIT_STACK && a != CONV_DESCRIBE_CHANGE_SET)
		c->delay_ms = 0;
	return a;
}

static enum converge_action
done(struct converge *c, enum converge_result r)
{
	c->result = r;
	c->delay_ms = 0;
	return act(c, CONV_PH_DONE, CONV_DONE);
}

static enum converge_action fail(struct converge *c, const char *fmt, ...)
    PRINTF_LIKE(2, 3);

static enum converge_action
fail(struct converge *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof c->why, fmt, ap);
	va_end(ap);
	return done(c, CONV_RESULT_FAILED);
}

static void
set_status(struct converge *c, const char *status)
{
	snprintf(c->final_status, sizeof c->final_status, "%s",
	    status ? status : "");
}

/* Starts a new wait: the first poll goes out at once. */
static void
wait_begin(struct converge *c)
{
	c->polls = 0;
}

/* The next poll's delay, or -1 when the timeout would pass first. */
static enum converge_action
poll(struct converge *c, const struct converge_observation *obs,
    enum converge_phase ph, enum converge_action a)
{
	static const long steps[] = {0, 1000, 2000, 4000};
	long d;

	if (c->polls < sizeof steps / sizeof *steps)
		d = steps[c->polls];
	else if (obs->elapsed >= CONV_POLL_SLOW_AFTER)
		d = CONV_POLL_SLOW_MS;
	else
		d = CONV_POLL_CAP_MS;
	c->polls++;
	if (c->timeout > 0 && obs->elapsed + d / 1000.0 > c->timeout) {
		snprintf(c->why, sizeof c->why,
		    "still %s after %.0f s (--timeout)",
		    c->final_status[0] ? c->final_status : "waiting",
		    obs->elapsed);
		return done(c, CONV_RESULT_TIMEOUT);
	}
	c->delay_ms = d;
	return act(c, ph, a);
}

/* Where a change set of ours is removed, the run ends with pending. */
static enum converge_action
cleanup(struct converge *c, enum converge_result pending)
{
	c->pending = pending;
	if (!c->stack_existed && c->cs_created) {
		/* Our CREATE change set made a REVIEW_IN_PROGRESS stack:
		 * deleting the stack removes both. */
		return act(c, CONV_PH_CLEANUP, CONV_DELETE_STACK);
	}
	if (c->cs_created)
		return act(c, CONV_PH_CLEANUP, CONV_DELETE_CHANGE_SET);
	return done(c, pending);
}

static enum converge_action
to_prepare(struct converge *c, const char *type)
{
	c->change_set_type = type;
	return act(c, CONV_PH_PREPARE, CONV_PREPARE);
}

/* After a good stack (or an empty change set): the site, then done. */
static enum converge_action
after_site(struct converge *c, enum converge_result r)
{
	c->pending = r;
	if (c->has_site && c->mode == CONVERGE_DEPLOY)
		return act(c, CONV_PH_SYNC_SITE, CONV_SYNC_SITE);
	return done(c, r);
}

/* The stack has this digest: done, unless the site sync of that digest
 * was never seen to finish (interrupted, failed, or another machine). */
static enum converge_action
site_if_pending(struct converge *c)
{
	if (c->mode == CONVERGE_DEPLOY && c->site_pending)
		return after_site(c, CONV_RESULT_NO_CHANGES);
	return done(c, CONV_RESULT_NO_CHANGES);
}

/* Deploy and plan: decide from the stack as it stands. */
static enum converge_action
judge_stack(struct converge *c, const struct converge_observation *obs)
{
	enum converge_stack_class cls;

	if (!obs->stack_exists)
		return to_prepare(c, "CREATE");
	set_status(c, obs->stack_status);
	cls = converge_stack_class(obs->stack_status);
	switch (cls) {
	case CONV_STACK_DELETED:
		c->stack_existed = 0;
		return to_prepare(c, "CREATE");
	case CONV_STACK_HEALTHY:
		if (!c->force && c->digest && obs->digest &&
		    strcmp(c->digest, obs->digest) == 0) {
			if (c->mode == CONVERGE_DEPLOY && c->protect &&
			    !obs->termination_protection) {
				c->pending = CONV_RESULT_NO_CHANGES;
				return act(c, CONV_PH_PROTECT, CONV_PROTECT);
			}
			return site_if_pending(c);
		}
		c->protected_already = obs->termination_protection;
		return to_prepare(c, "UPDATE");
	case CONV_STACK_FAILED:
		/* Rollback was disabled: CloudFormation updates from here. */
		c->protected_already = obs->termination_protection;
		return to_prepare(c, "UPDATE");
	case CONV_STACK_REVIEW:
		/* Created by a change set that never ran: no resources yet. */
		return to_prepare(c, "CREATE");
	case CONV_STACK_IN_PROGRESS:
		wait_begin(c);
		return poll(c, obs, CONV_PH_WAIT_IDLE, CONV_WAIT_STACK);
	case CONV_STACK_ROLLED_BACK:
		if (c->mode == CONVERGE_PLAN) {
			snprintf(c->why, sizeof c->why, "the stack is "
			    "ROLLBACK_COMPLETE (its first create failed): deploy "
			    "will delete it and create it again");
			return done(c, CONV_RESULT_CHANGES);
		}
		c->recreated = 1;
		return act(c, CONV_PH_DELETE_OLD, CONV_DELETE_STACK);
	case CONV_STACK_UPDATE_ROLLBACK_FAILED:
		if (c->mode == CONVERGE_DEPLOY && c->continue_rollback)
			return act(c, CONV_PH_CONTINUE, CONV_CONTINUE_ROLLBACK);
		return fail(c, "the stack is UPDATE_ROLLBACK_FAILED (%s): run "
		    "'spartac deploy --continue-rollback' to finish the rollback "
		    "first", obs->stack_reason ? obs->stack_reason : "no reason given");
	case CONV_STACK_STUCK:
		return fail(c, "the stack is %s and cannot be updated: delete it "
		    "('spartac delete') and deploy again", obs->stack_status);
	case CONV_STACK_DELETE_FAILED:
		return fail(c, "the stack is DELETE_FAILED: run 'spartac delete' "
		    "again, or remove what blocks it");
	case CONV_STACK_UNKNOWN:
		break;
	}
	return fail(c, "unknown stack status '%s'", obs->stack_status);
}

/* Delete, once decided (and confirmed): the site bucket, then the stack. */
static enum converge_action
delete_begin(struct converge *c)
{
	if (c->has_site)
		return act(c, CONV_PH_EMPTY_SITE, CONV_EMPTY_SITE);
	return act(c, CONV_PH_DELETE, CONV_DELETE_STACK);
}

/* Delete: decide from the stack as it stands. */
static enum converge_action
judge_delete(struct converge *c, const struct converge_observation *obs)
{
	enum converge_stack_class cls;

	if (!obs->stack_exists)
		return done(c, CONV_RESULT_DELETED);
	set_status(c, obs->stack_status);
	cls = converge_stack_class(obs->stack_status);
	if (cls == CONV_STACK_DELETED)
		return done(c, CONV_RESULT_DELETED);
	if (cls == CONV_STACK_UNKNOWN)
		return fail(c, "unknown stack status '%s'", obs->stack_status);
	if (obs->termination_protection)
		return fail(c, "termination protection is on: turn it off "
		    "(aws cloudformation update-termination-protection "
		    "--no-enable-termination-protection) to delete");
	if (cls == CONV_STACK_IN_PROGRESS) {
		wait_begin(c);
		if (strcmp(obs->stack_status, "DELETE_IN_PROGRESS") == 0)
			return poll(c, obs, CONV_PH_WAIT_DELETE, CONV_WAIT_STACK);
		return poll(c, obs, CONV_PH_WAIT_IDLE, CONV_WAIT_STACK);
	}
	if (c->confirm_delete)
		return act(c, CONV_PH_CONFIRM, CONV_CONFIRM);
	return delete_begin(c);
}

static enum converge_action
judge(struct converge *c, const struct converge_observation *obs)
{
	return c->mode == CONVERGE_DELETE ? judge_delete(c, obs) :
	    judge_stack(c, obs);
}

static enum converge_action
on_change_set(struct converge *c, const struct converge_observation *obs)
{
	switch (converge_cs_class(obs->cs_status)) {
	case CONV_CS_PENDING:
		return poll(c, obs, CONV_PH_WAIT_CS, CONV_DESCRIBE_CHANGE_SET);
	case CONV_CS_READY:
		switch (converge_exec_class(obs->cs_execution)) {
		case CONV_EXEC_UNAVAILABLE:
			return poll(c, obs, CONV_PH_WAIT_CS,
			    CONV_DESCRIBE_CHANGE_SET);
		case CONV_EXEC_AVAILABLE:
			if (obs->cs_nchanges == 0)
				return cleanup(c, CONV_RESULT_NO_CHANGES);
			c->cs_changes = 1;
			if (c->mode == CONVERGE_PLAN)
				return cleanup(c, CONV_RESULT_CHANGES);
			return act(c, CONV_PH_CONFIRM, CONV_CONFIRM);
		case CONV_EXEC_OBSOLETE:
			snprintf(c->why, sizeof c->why, "the stack changed while "
			    "the change set was being made (OBSOLETE): deploy again");
			return cleanup(c, CONV_RESULT_FAILED);
		case CONV_EXEC_EXECUTED:
			c->cs_created = 0;
			return fail(c, "the change set was executed by someone "
			    "else (%s)", obs->cs_execution);
		case CONV_EXEC_UNKNOWN:
			break;
		}
		snprintf(c->why, sizeof c->why, "unknown execution status '%s'",
		    obs->cs_execution ? obs->cs_execution : "");
		return cleanup(c, CONV_RESULT_FAILED);
	case CONV_CS_FAILED:
		if (converge_cs_is_empty(obs->cs_reason))
			return cleanup(c, CONV_RESULT_NO_CHANGES);
		snprintf(c->why, sizeof c->why, "the change set failed: %s",
		    obs->cs_reason ? obs->cs_reason : "(no reason given)");
		return cleanup(c, CONV_RESULT_FAILED);
	case CONV_CS_DELETED:
		c->cs_created = 0;
		return fail(c, "the change set was deleted by someone else (%s)",
		    obs->cs_status);
	case CONV_CS_UNKNOWN:
		break;
	}
	snprintf(c->why, sizeof c->why, "unknown change set status '%s'",
	    obs->cs_status ? obs->cs_status : "");
	return cleanup(c, CONV_RESULT_FAILED);
}

/* A stack answer while waiting in phase c->phase. */
static enum converge_action
on_wait(struct converge *c, const struct converge_observation *obs)
{
	enum converge_stack_class cls = CONV_STACK_DELETED;
	int outcome;

	if (obs->stack_exists) {
		set_status(c, obs->stack_status);
		cls = converge_stack_class(obs->stack_status);
	}
	if (cls == CONV_STACK_UNKNOWN)
		return fail(c, "unknown stack status '%s'", obs->stack_status);
	switch (c->phase) {
	case CONV_PH_WAIT_IDLE:
		if (cls == CONV_STACK_IN_PROGRESS)
			return poll(c, obs, c->phase, CONV_WAIT_STACK);
		return judge(c, obs);
	case CONV_PH_WAIT_ROLLBACK:
		if (cls == CONV_STACK_IN_PROGRESS)
			return poll(c, obs, c->phase, CONV_WAIT_STACK);
		if (obs->stack_exists &&
		    strcmp(obs->stack_status, "UPDATE_ROLLBACK_COMPLETE") == 0)
			return judge(c, obs);
		return fail(c, "the rollback did not complete: %s; resources "
		    "that cannot roll back must be skipped (aws cloudformation "
		    "continue-update-rollback --resources-to-skip)",
		    obs->stack_exists ? obs->stack_status : "stack gone");
	case CONV_PH_WAIT_OLD:
		if (cls == CONV_STACK_DELETED)
			return to_prepare(c, "CREATE");
		if (cls == CONV_STACK_DELETE_FAILED)
			return fail(c, "deleting the ROLLBACK_COMPLETE stack "
			    "failed: %s", obs->stack_reason ? obs->stack_reason :
			    obs->stack_status);
		/* In progress, or still the old status just after the call. */
		return poll(c, obs, c->phase, CONV_WAIT_STACK);
	case CONV_PH_WAIT_EXEC:
		if (!obs->stack_exists)
			return fail(c, "the stack disappeared while deploying");
		outcome = converge_stack_outcome(obs->stack_status);
		if (outcome < 0) {
			c->seen_in_progress = 1;
			return poll(c, obs, c->phase, CONV_WAIT_STACK);
		}
		if (outcome == 0)
			return fail(c, "the deployment failed: the stack is %s",
			    obs->stack_status);
		if (c->mode == CONVERGE_DEPLOY && c->protect &&
		    !obs->termination_protection) {
			c->pending = CONV_RESULT_DEPLOYED;
			return act(c, CONV_PH_PROTECT, CONV_PROTECT);
		}
		return after_site(c, CONV_RESULT_DEPLOYED);
	case CONV_PH_WAIT_DELETE:
		if (cls == CONV_STACK_DELETED)
			return done(c, CONV_RESULT_DELETED);
		if (cls == CONV_STACK_DELETE_FAILED)
			return fail(c, "the stack could not be deleted: %s",
			    obs->stack_reason ? obs->stack_reason : "DELETE_FAILED");
		/* In progress, or the old status before the delete shows. */
		return poll(c, obs, c->phase, CONV_WAIT_STACK);
	default:
		break;
	}
	return fail(c, "internal: stack answer in phase %d", (int)c->phase);
}

static enum converge_action
on_ok(struct converge *c, const struct converge_observation *obs)
{
	switch (c->phase) {
	case CONV_PH_CONTINUE:
		wait_begin(c);
		return poll(c, obs, CONV_PH_WAIT_ROLLBACK, CONV_WAIT_STACK);
	case CONV_PH_DELETE_OLD:
		wait_begin(c);
		return poll(c, obs, CONV_PH_WAIT_OLD, CONV_WAIT_STACK);
	case CONV_PH_PREPARE:
		return act(c, CONV_PH_CREATE_CS, CONV_CREATE_CHANGE_SET);
	case CONV_PH_CREATE_CS:
		c->cs_created = 1;
		wait_begin(c);
		return poll(c, obs, CONV_PH_WAIT_CS, CONV_DESCRIBE_CHANGE_SET);
	case CONV_PH_CONFIRM:
		if (c->mode == CONVERGE_DELETE)
			return delete_begin(c);
		return act(c, CONV_PH_EXECUTE, CONV_EXECUTE_CHANGE_SET);
	case CONV_PH_EXECUTE:
		c->cs_created = 0;
		wait_begin(c);
		return poll(c, obs, CONV_PH_WAIT_EXEC, CONV_WAIT_STACK);
	case CONV_PH_PROTECT:
		if (c->pending == CONV_RESULT_NO_CHANGES)
			return site_if_pending(c);
		return after_site(c, CONV_RESULT_DEPLOYED);
	case CONV_PH_SYNC_SITE:
		return done(c, c->pending);
	case CONV_PH_CLEANUP:
		/* The stack needs nothing, but the digest differed: the site
		 * may be what changed, and it is not part of the stack. */
		if (c->pending == CONV_RESULT_NO_CHANGES)
			return after_site(c, CONV_RESULT_NO_CHANGES);
		return done(c, c->pending);
	case CONV_PH_EMPTY_SITE:
		return act(c, CONV_PH_DELETE, CONV_DELETE_STACK);
	case CONV_PH_DELETE:
		wait_begin(c);
		return poll(c, obs, CONV_PH_WAIT_DELETE, CONV_WAIT_STACK);
	default:
		break;
	}
	return fail(c, "internal: unexpected success in phase %d",
	    (int)c->phase);
}

static enum converge_action
on_error(struct converge *c, const struct converge_observation *obs)
{
	const char *code = obs->error_code ? obs->error_code : "Error";
	const char *msg = obs->error_message ? obs->error_message : "";
	struct converge_observation absent;

	if (converge_error_is_throttle(code)) {
		if (++c->throttles > CONV_THROTTLE_LIMIT)
			return fail(c, "still throttled after many retries "
			    "(%s)", code);
		c->throttle_ms = c->throttle_ms < 1000 ? 2000 :
		    c->throttle_ms * 2;
		if (c->throttle_ms > CONV_THROTTLE_MAX_MS)
			c->throttle_ms = CONV_THROTTLE_MAX_MS;
		if (c->timeout > 0 &&
		    obs->elapsed + c->throttle_ms / 1000.0 > c->timeout) {
			snprintf(c->why, sizeof c->why, "throttled past the "
			    "--timeout (%s)", code);
			return done(c, CONV_RESULT_TIMEOUT);
		}
		c->delay_ms = c->throttle_ms;
		return c->action; /* the same call again, later */
	}
	/* DescribeStacks says "does not exist" rather than an empty list. */
	if ((c->action == CONV_DESCRIBE_STACK || c->action == CONV_WAIT_STACK) &&
	    converge_error_is_missing(code, msg)) {
		absent = *obs;
		absent.kind = CONV_OBS_STACK;
		absent.stack_exists = 0;
		return converge_next(c, &absent);
	}
	/* UpdateStack's wording for "nothing to do", which some endpoints
	 * also give for CreateChangeSet instead of an empty change set. */
	if (c->phase == CONV_PH_CREATE_CS && converge_cs_is_empty(msg))
		return after_site(c, CONV_RESULT_NO_CHANGES);
	if (c->phase == CONV_PH_CLEANUP) {
		/* The result stands; the leftover is worth a mention. */
		snprintf(c->why, sizeof c->why, "could not remove the change "
		    "set: %s: %s", code, msg);
		return done(c, c->pending);
	}
	if (c->phase == CONV_PH_SYNC_SITE) {
		snprintf(c->why, sizeof c->why, "the stack is deployed but the "
		    "site sync failed: %s: %s; the site is incomplete, and the "
		    "next 'spartac deploy' completes it", code, msg);
		return done(c, CONV_RESULT_FAILED);
	}
	snprintf(c->why, sizeof c->why, "%s failed: %s: %s",
	    converge_action_name(c->action), code, msg);
	if (c->cs_created)
		return cleanup(c, CONV_RESULT_FAILED);
	return done(c, CONV_RESULT_FAILED);
}

enum converge_action
converge_next(struct converge *c, const struct converge_observation *obs)
{
	if (c->phase == CONV_PH_DONE)
		return CONV_DONE;
	if (obs->kind == CONV_OBS_ERROR)
		return on_error(c, obs);
	c->throttles = 0;
	c->throttle_ms = 0;
	switch (obs->kind) {
	case CONV_OBS_START:
		if (c->phase != CONV_PH_START)
			break;
		return act(c, CONV_PH_DESCRIBE, CONV_DESCRIBE_STACK);
	case CONV_OBS_STACK:
		if (c->phase == CONV_PH_DESCRIBE) {
			c->stack_existed = obs->stack_exists &&
			    converge_stack_class(obs->stack_status) !=
			    CONV_STACK_DELETED;
			return judge(c, obs);
		}
		if (c->action == CONV_WAIT_STACK)
			return on_wait(c, obs);
		break;
	case CONV_OBS_CHANGE_SET:
		if (c->phase == CONV_PH_WAIT_CS)
			return on_change_set(c, obs);
		break;
	case CONV_OBS_OK:
		return on_ok(c, obs);
	case CONV_OBS_DECLINED:
		if (c->phase == CONV_PH_CONFIRM)
			return cleanup(c, CONV_RESULT_DECLINED);
		break;
	case CONV_OBS_ERROR:
		break;
	}
	return fail(c, "internal: answer %d does not fit phase %d",
	    (int)obs->kind, (int)c->phase);
}

/* ---- root causes ---- */

int
converge_event_is_failure(const struct converge_event *e)
{
	return e->status != NULL && strstr(e->status, "_FAILED") != NULL;
}

int
converge_event_is_nested_stack(const struct converge_event *e)
{
	return e->type != NULL &&
	    strcmp(e->type, "AWS::CloudFormation::Stack") == 0 &&
	    !(e->physical_id && e->stack_id &&
	    strcmp(e->physical_id, e->stack_id) == 0);
}

static int
is_stack_itself(const struct converge_event *e)
{
	/* The stack's own events carry its ARN as the physical ID. */
	return e->physical_id && e->stack_id &&
	    strcmp(e->physical_id, e->stack_id) == 0;
}

static int
is_cancellation(const struct converge_event *e)
{
	/* "Resource creation cancelled", "Resource update cancelled",
	 * "Resource deletion cancelled", "Resource handler returned message:
	 * ... cancelled": consequences of another failure, not causes. */
	return e->reason != NULL && strstr(e->reason, "cancelled") != NULL &&
	    strncmp(e->reason, "Resource ", 9) == 0 &&
	    strlen(e->reason) < 40;
}

size_t
converge_root_causes(const struct converge_event *ev, size_t n, size_t *idx,
    size_t max)
{
	size_t i, k = 0, fallback = (size_t)-1;
	double first = 0;
	int have_first = 0;

	/* Oldest first: the API lists newest first. */
	for (i = n; i-- > 0 && k < max;) {
		const struct converge_event *e = &ev[i];

		if (!converge_event_is_failure(e) || is_stack_itself(e))
			continue;
		if (is_cancellation(e)) {
			if (fallback == (size_t)-1)
				fallback = i;
			continue;
		}
		/* The first wave of real failures: events within a few
		 * seconds of the first one. Later ones are usually
		 * rollback failures caused by it. */
		if (!have_first) {
			first = e->timestamp;
			have_first = 1;
		} else if (e->timestamp - first > 5.0) {
			break;
		}
		idx[k++] = i;
	}
	if (k == 0 && fallback != (size_t)-1 && max > 0)
		idx[k++] = fallback;
	return k;
}

/* ---- the no-op digest ---- */

static int
kv_cmp(const void *a, const void *b)
{
	const struct converge_kv *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

static void
digest_kvs(struct digest *d, const char *what, const struct converge_kv *kv,
    size_t n)
{
	const struct converge_kv **v;
	char count[32];
	size_t i;

	v = xcalloc(n ? n : 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = &kv[i];
	qsort(v, n, sizeof *v, kv_cmp);
	snprintf(count, sizeof count, "%zu", n);
	digest_field(d, what);
	digest_field(d, count);
	for (i = 0; i < n; i++) {
		digest_field(d, v[i]->key);
		digest_field(d, v[i]->value);
	}
	free(v);
}

void
converge_digest(const struct converge_inputs *in, char hex[CONV_DIGEST_LEN + 1])
{
	struct digest d;
	char len[32];

	digest_init(&d);
	/* Bump the scheme when the inputs change meaning: every stack then
	 * gets one (harmless) change set, never a wrong "no changes". */
	digest_field(&d, "spartac-digest-1");
	snprintf(len, sizeof len, "%zu", in->template_len);
	digest_field(&d, "template");
	digest_field(&d, len);
	digest_update(&d, in->template_body, in->template_len);
	digest_kvs(&d, "parameters", in->params, in->nparams);
	digest_kvs(&d, "tags", in->tags, in->ntags);
	digest_field(&d, "bucket");
	digest_field(&d, in->bucket);
	digest_field(&d, "code");
	digest_field(&d, in->code_key);
	digest_field(&d, "site");
	digest_field(&d, in->site_digest);
	digest_field(&d, "role");
	digest_field(&d, in->role_arn);
	digest_final_hex(&d, hex);
}
