/*
 * proc.h - run a program without a shell (posix_spawnp), wait for it.
 *
 * Every external program spartac starts (compilers, hooks) goes through
 * here: argv is passed as is, so no quoting, globbing or word splitting can
 * happen to a file name or a manifest value.
 *
 * Each child leads a process group of its own and starts with umask 022.
 * While any runs, SIGINT, SIGTERM and SIGHUP to spartac end every child's
 * group (SIGTERM, then SIGKILL after 2 seconds), reap them and exit with
 * 128 + the signal (130, 143, 129): nothing spartac started outlives it.
 */
#ifndef SPARTAC_PROC_H
#define SPARTAC_PROC_H

#include "base/util.h"

/* The child's stdout goes to our stderr, keeping our stdout for results. */
#define PROC_STDOUT_TO_STDERR 0x1u
/* With out != NULL: the child's stderr is captured too (2>&1). */
#define PROC_CAPTURE_STDERR 0x2u
/* The child's stdin is /dev/null rather than ours. */
#define PROC_NULL_STDIN 0x4u

/*
 * Runs argv[0] (searched in PATH unless it holds a '/', relative to dir) in
 * directory dir (NULL: ours), with environment envp (NULL: ours). When out
 * is not NULL the child's stdout is appended to it. On return 0 the child
 * ran and *status is its wait(2) status; -1 means it could not be started
 * (errno says why: ENOENT for a missing program).
 */
int proc_run(const char *const *argv, const char *dir, char *const *envp,
    unsigned flags, struct buf *out, int *status);

/*
 * proc_run with a time limit and no capture: a child still running after
 * timeout_s seconds (0: no limit) has its process group ended (SIGTERM,
 * SIGKILL 2 seconds later), *status is how it ended and *timed_out is 1.
 */
int proc_run_limit(const char *const *argv, const char *dir,
    char *const *envp, unsigned flags, long timeout_s, int *status,
    int *timed_out);

/*
 * Starts argv as proc_run does, without waiting, stdin /dev/null. With
 * log_path, the child's stdout and stderr go to that file (created or
 * truncated); without, its stdout goes to our stderr. Returns the process
 * id, or -1 with errno set. Wait for it with proc_wait.
 */
long proc_spawn(const char *const *argv, const char *dir, const char *log_path);
/* Waits for a process from proc_spawn; returns 0 and its status, or -1. */
int proc_wait(long pid, int *status);

/* Did the child exit with status 0? */
int proc_status_ok(int status);

/*
 * "exited with status 2" or "was killed by signal 9 (SIGKILL)".
 * Returns a malloc'ed string.
 */
char *proc_status_describe(int status);

/* argv joined with spaces, for messages only (never executed). Malloc'ed. */
char *proc_argv_join(const char *const *argv);

#endif
