/*
 * local.h - how a manifest function runs on this machine: the emulator
 * configuration shared by `spartac invoke` and `spartac serve` (its
 * environment, memory, timeout, region, and qemu for arm64 on x86_64).
 */
#ifndef SPARTAC_LOCAL_H
#define SPARTAC_LOCAL_H

#include "local/emulator.h"
#include "front/manifest.h"

struct params;

/* AWS::AccountId here: the account of the function's ARN and of serve's
 * request context. */
#define LOCAL_ACCOUNT_ID EMULATOR_ACCOUNT_ID

/*
 * The values given on the command line for running functions here:
 * --parameter values (checked), and --env NAME=VALUE settings (--env-file
 * lines first, the command line after; a later one wins).
 */
struct local_values {
	const struct params *params; /* or NULL */
	char **env;                  /* NAME=VALUE */
	size_t nenv;
	char **warned;               /* names already warned about */
	size_t nwarned;
};

struct local_function {
	struct emulator_config cfg; /* points into the fields below */
	const char *argv[3];
	char **env;                 /* KEY=VALUE, NULL-terminated */
	char *function_name;        /* SERVICE-FUNCTION, as deployed */
};

/*
 * Fills lf for f, running bootstrap in task_root (may be NULL). The model,
 * bootstrap and task_root must outlive lf. Environment values that are
 * intrinsics only have a value once deployed: they are left out, with a
 * warning.
 */
void local_function_init(struct local_function *lf, const struct manifest *m,
    const struct manifest_function *f, const char *bootstrap,
    const char *task_root, const char *region, int log_fd,
    struct local_values *vals);
/*
 * f's environment, KEY=VALUE, NULL-terminated (local_env.c): the
 * manifest's values with parameters (vals->params, else Default),
 * pseudo-parameters (AWS::AccountId is LOCAL_ACCOUNT_ID) and spartac's
 * variables resolved in Ref, Fn::Sub and Fn::Join, then vals->env on top.
 * A value only known once deployed is left out with a warning naming
 * --env, once per name over the life of vals. vals may be NULL.
 */
char **local_env_build(const struct manifest *m,
    const struct manifest_function *f, const char *region,
    struct local_values *vals);
/*
 * One manifest value resolved as local_env_build resolves environment
 * values (parameters, pseudo-parameters, Ref, Fn::Sub, Fn::Join): a new
 * string, or NULL with why (whylen bytes) saying what has no local value.
 */
char *local_value_resolve(const struct manifest *m, const struct node *v,
    const char *region, const struct local_values *vals, char *why,
    size_t whylen);
void local_values_free(struct local_values *vals);
/* --env NAME=VALUE and --env-file FILE (KEY=VALUE lines, # comments,
 * "double" or 'single' quotes, an optional "export "): appended to *env.
 * Return 0, or -1 with one line per problem appended to errs. */
int local_env_arg(const char *arg, char ***env, size_t *n, struct buf *errs);
int local_env_file(const char *path, char ***env, size_t *n,
    struct buf *errs);
void local_function_free(struct local_function *lf);

/* region (--region) if set, else AWS_REGION, AWS_DEFAULT_REGION, us-east-1. */
const char *local_region(const char *region);

#endif
