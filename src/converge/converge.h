/*
 * converge.h - the ChangeSet state machine: API answers in, next action out.
 *
 * Nothing here does I/O, sleeps or reads the clock. The I/O loop
 * (converge_io.c) performs the action converge_next() returns, turns the
 * answer into a struct converge_observation and calls converge_next() again,
 * until the action is CONV_DONE. Every path CloudFormation can take (stacks
 * *_IN_PROGRESS when we start, rollbacks, UPDATE_ROLLBACK_FAILED, a
 * ROLLBACK_COMPLETE stack to re-create, throttled polls, empty change sets)
 * is therefore testable from recorded answers (tests/unit/test_converge.c),
 * including the ones a local emulator never produces.
 *
 *	struct converge c;
 *	converge_init(&c, CONVERGE_DEPLOY, digest);
 *	obs = (struct converge_observation){.kind = CONV_OBS_START};
 *	while ((act = converge_next(&c, &obs)) != CONV_DONE)
 *		perform(act, c.delay_ms, &obs);
 *	use(c.result, c.why);
 *
 * Statuses are CloudFormation's strings, exactly as botocore's model spells
 * them (StackStatus, ChangeSetStatus, ExecutionStatus). An unknown status is
 * never guessed at: it ends the run with CONV_RESULT_FAILED and says so.
 */
#ifndef SPARTAC_CONVERGE_H
#define SPARTAC_CONVERGE_H

#include <stddef.h>

/* The stack tags spartac owns. */

enum converge_mode {
	CONVERGE_DEPLOY,
	CONVERGE_PLAN,   /* up to the change set's description; never executes */
	CONVERGE_DELETE,
};

/* What the I/O loop does next. */
enum converge_action {
	CONV_DESCRIBE_STACK,      /* DescribeStacks(StackName) */
	CONV_WAIT_STACK,          /* sleep delay_ms, DescribeStacks, new events */
	CONV_PREPARE,             /* bucket, uploads, role checks */
	CONV_DELETE_STACK,        /* DeleteStack */
	CONV_CONTINUE_ROLLBACK,   /* ContinueUpdateRollback */
	CONV_CREATE_CHANGE_SET,   /* CreateChangeSet of type change_set_type */
	CONV_DESCRIBE_CHANGE_SET, /* sleep delay_ms, DescribeChangeSet (all pages) */
	CONV_CONFIRM,             /* show the changes (delete: the stack); ask
				   * when allowed */
	CONV_EXECUTE_CHANGE_SET,  /* ExecuteChangeSet */
	CONV_DELETE_CHANGE_SET,   /* DeleteChangeSet */
	CONV_PROTECT,             /* UpdateTerminationProtection(true) */
	CONV_EMPTY_SITE,          /* delete: empty the site bucket */
	CONV_SYNC_SITE,           /* deploy: upload changed site assets */
	CONV_DONE,                /* see result and why */
};

enum converge_result {
	CONV_RESULT_NONE,
	CONV_RESULT_NO_CHANGES, /* digest equal, or an empty change set */
	CONV_RESULT_CHANGES,    /* plan: the change set had changes */
	CONV_RESULT_DEPLOYED,
	CONV_RESULT_DELETED,    /* includes "there was no stack" */
	CONV_RESULT_DECLINED,   /* the user said no; nothing executed */
	CONV_RESULT_FAILED,     /* the stack or a call failed: see why */
	CONV_RESULT_TIMEOUT,    /* --timeout passed while waiting */
};

enum converge_obs_kind {
	CONV_OBS_START,      /* first call */
	CONV_OBS_STACK,      /* a DescribeStacks answer (exists or not) */
	CONV_OBS_CHANGE_SET, /* a DescribeChangeSet answer */
	CONV_OBS_OK,         /* the action succeeded (mutations, prepare, yes) */
	CONV_OBS_DECLINED,   /* CONV_CONFIRM: the user said no */
	CONV_OBS_ERROR,      /* the call failed */
};

/* One answer. Strings are borrowed for the duration of converge_next. */
struct converge_observation {
	enum converge_obs_kind kind;
	double elapsed;             /* seconds since the run began */
	/* CONV_OBS_STACK */
	int stack_exists;
	const char *stack_status;   /* StackStatus */
	const char *stack_reason;   /* StackStatusReason, or NULL */
	const char *digest;         /* its SpartacDigest parameter, or NULL */
	int termination_protection;
	/* CONV_OBS_CHANGE_SET */
	const char *cs_status;      /* ChangeSetStatus */
	const char *cs_execution;   /* ExecutionStatus */
	const char *cs_reason;      /* StatusReason, or NULL */
	size_t cs_nchanges;         /* changes over all pages */
	/* CONV_OBS_ERROR */
	const char *error_code;     /* "Throttling", "ValidationError"... */
	const char *error_message;
};

/* How spartac reads a stack status (see docs/decisions.md, "healthy"). */
enum converge_stack_class {
	CONV_STACK_UNKNOWN,     /* not in the model: refuse to guess */
	CONV_STACK_HEALTHY,     /* stable, and its tags describe what runs */
	CONV_STACK_IN_PROGRESS, /* wait for it */
	CONV_STACK_REVIEW,      /* REVIEW_IN_PROGRESS: no resources; CREATE */
	CONV_STACK_ROLLED_BACK, /* ROLLBACK_COMPLETE: delete and re-create */
	CONV_STACK_FAILED,      /* CREATE_FAILED/UPDATE_FAILED (rollback off): UPDATE */
	CONV_STACK_UPDATE_ROLLBACK_FAILED, /* needs ContinueUpdateRollback */
	CONV_STACK_STUCK,       /* ROLLBACK_FAILED, IMPORT_ROLLBACK_FAILED */
	CONV_STACK_DELETE_FAILED,
	CONV_STACK_DELETED,     /* DELETE_COMPLETE: as good as absent */
};

enum converge_cs_class {
	CONV_CS_UNKNOWN,
	CONV_CS_PENDING,   /* CREATE_PENDING, CREATE_IN_PROGRESS */
	CONV_CS_READY,     /* CREATE_COMPLETE */
	CONV_CS_FAILED,    /* FAILED (maybe just empty: converge_cs_is_empty) */
	CONV_CS_DELETED,   /* DELETE_*: someone removed it under us */
};

enum converge_exec_class {
	CONV_EXEC_UNKNOWN,
	CONV_EXEC_UNAVAILABLE, /* not yet executable */
	CONV_EXEC_AVAILABLE,
	CONV_EXEC_EXECUTED,    /* EXECUTE_*: someone ran it under us */
	CONV_EXEC_OBSOLETE,    /* the stack changed since it was made */
};

/* Internal phase; exposed for the tests and the debug log. */
enum converge_phase {
	CONV_PH_START,
	CONV_PH_DESCRIBE,
	CONV_PH_WAIT_IDLE,     /* a stack in progress when we began */
	CONV_PH_CONTINUE,      /* ContinueUpdateRollback sent */
	CONV_PH_WAIT_ROLLBACK, /* waiting for UPDATE_ROLLBACK_COMPLETE */
	CONV_PH_DELETE_OLD,    /* DeleteStack of a ROLLBACK_COMPLETE stack sent */
	CONV_PH_WAIT_OLD,      /* waiting for it to go */
	CONV_PH_PREPARE,
	CONV_PH_CREATE_CS,
	CONV_PH_WAIT_CS,
	CONV_PH_CONFIRM,
	CONV_PH_EXECUTE,
	CONV_PH_WAIT_EXEC,
	CONV_PH_PROTECT,
	CONV_PH_SYNC_SITE,
	CONV_PH_CLEANUP,       /* deleting our change set (or REVIEW stack) */
	CONV_PH_EMPTY_SITE,
	CONV_PH_DELETE,
	CONV_PH_WAIT_DELETE,
	CONV_PH_DONE,
};

/* Polling: first poll at once, then these steps, then the cap. */
#define CONV_POLL_CAP_MS 5000
#define CONV_POLL_SLOW_MS 10000      /* after CONV_POLL_SLOW_AFTER s waiting */
#define CONV_POLL_SLOW_AFTER 120.0
#define CONV_THROTTLE_MAX_MS 30000
#define CONV_THROTTLE_LIMIT 8        /* consecutive throttled answers */

struct converge {
	enum converge_mode mode;
	enum converge_phase phase;
	const char *digest;    /* what we would deploy (borrowed) */
	int force;             /* deploy even when the digest matches */
	int continue_rollback; /* --continue-rollback */
	int protect;           /* --protect */
	int has_site;          /* the manifest has a site to sync or empty */
	int confirm_delete;    /* delete: CONV_CONFIRM before the first change
				* (set when the I/O loop will ask someone) */
	int site_pending;      /* deploy: the site is not known to be complete
				* for this digest: sync it even on a match */
	double timeout;        /* seconds; 0: none */

	/* Outputs for the I/O loop. */
	enum converge_action action;
	long delay_ms;               /* sleep before WAIT_STACK/DESCRIBE_CHANGE_SET */
	const char *change_set_type; /* "CREATE" or "UPDATE" */
	int recreated;               /* a ROLLBACK_COMPLETE stack was deleted */
	int stack_existed;           /* the stack was there when we began */
	int protected_already;       /* termination protection was already on */
	enum converge_result result;
	char why[512];               /* the reason, for FAILED and friends */
	char final_status[64];       /* the last stack status seen */

	/* Private. */
	unsigned polls;     /* polls in the current wait */
	unsigned throttles; /* consecutive throttled answers */
	long throttle_ms;
	int cs_created;     /* our change set exists and must be cleaned up */
	int cs_changes;     /* it has changes */
	enum converge_result pending; /* the result once cleanup is done */
	int seen_in_progress;
};

void converge_init(struct converge *c, enum converge_mode mode,
    const char *digest);
enum converge_action converge_next(struct converge *c,
    const struct converge_observation *obs);

enum converge_stack_class converge_stack_class(const char *status);
enum converge_cs_class converge_cs_class(const char *status);
enum converge_exec_class converge_exec_class(const char *status);
/* After an execution: 1 success, 0 failure, -1 not terminal (or unknown). */
int converge_stack_outcome(const char *status);
/* The FAILED reason CloudFormation gives for a change set with no changes. */
int converge_cs_is_empty(const char *reason);
/* A DescribeStacks error that means "no such stack". */
int converge_error_is_missing(const char *code, const char *message);
int converge_error_is_throttle(const char *code);

const char *converge_action_name(enum converge_action a);
const char *converge_result_name(enum converge_result r);

/* ---- the no-op digest ---- */

struct converge_kv {
	const char *key;
	const char *value;
};

/* What a deployment is made of; equal digests mean an equal deployment. */
struct converge_inputs {
	const char *template_body;
	size_t template_len;
	const struct converge_kv *params; /* as sent, ArtifactBucket excepted */
	size_t nparams;
	const struct converge_kv *tags;   /* the user's stack tags */
	size_t ntags;
	const char *bucket;      /* --bucket or the manifest's; NULL: managed */
	const char *code_key;    /* content-addressed: the code's SHA-256 */
	const char *site_digest; /* site.json's sha256, or NULL */
	const char *role_arn;    /* --role-arn, or NULL */
};

#define CONV_DIGEST_LEN 64

/*
 * SHA-256 over a scheme version and every input, each length-prefixed;
 * parameters and tags are sorted by key first, so their order does not
 * matter. Writes 64 hex digits and a NUL.
 */
void converge_digest(const struct converge_inputs *in,
    char hex[CONV_DIGEST_LEN + 1]);

/* ---- root causes ---- */

/* One stack event (DescribeStackEvents), newest first as the API gives them. */
struct converge_event {
	const char *stack_id;
	const char *event_id;
	const char *logical_id;
	const char *physical_id;
	const char *type;
	const char *status; /* ResourceStatus */
	const char *reason;
	double timestamp;   /* seconds since the epoch */
};

/*
 * The events that explain a failure: the earliest *_FAILED events of
 * resources (not the stack itself), leaving out the ones that merely
 * report a cancellation caused by another failure ("Resource creation
 * cancelled"). When every failure is a cancellation, the earliest one is
 * kept so there is always something to show. Writes up to max indexes
 * into idx (oldest first) and returns how many. A nested stack
 * (AWS::CloudFormation::Stack) among them has its own root causes: the
 * I/O loop descends into its events (physical_id is its stack id).
 */
size_t converge_root_causes(const struct converge_event *ev, size_t n,
    size_t *idx, size_t max);
int converge_event_is_failure(const struct converge_event *e);
int converge_event_is_nested_stack(const struct converge_event *e);

#endif
