/*
 * exit_status.h - spartac's exit statuses, documented in man/spartac.1,
 * EXIT STATUS (tests/test_exit_status.py checks that the two tables
 * agree). A leaf header: stages return these to their caller, and
 * only main() turns one into the process's exit status; the one exception
 * is base/proc.c's signal handler, which must _exit(128 + signal) once it
 * has ended the children (nothing else is safe in a handler).
 */
#ifndef SPARTAC_EXIT_STATUS_H
#define SPARTAC_EXIT_STATUS_H

enum exit_status {
	EXIT_OK = 0,
	EXIT_INVALID = 1,     /* the manifest has errors or cannot be read */
	EXIT_CHANGES = 2,     /* plan --detailed-exitcode: changes present */
	EXIT_BUILD = 3,       /* compiling, archiving or a hook failed */
	EXIT_AWS = 4,         /* an AWS call or the deployment failed */
	EXIT_FUNCTION = 5,    /* invoke: the function failed or timed out */
	EXIT_NO_STACK = 6,    /* status: the stack does not exist */
	EXIT_USAGE = 64,      /* bad verb, option or argument */
	EXIT_INTERNAL = 70,   /* a bug or out of memory */
	EXIT_IO = 74,         /* another file could not be read or written */
	EXIT_INTERRUPTED = 130, /* Ctrl-C */
	/* 128 + signal, from base/proc.c while a hook or compiler runs: */
	EXIT_HANGUP = 129,      /* SIGHUP */
	EXIT_TERMINATED = 143,  /* SIGTERM */
};

#endif
