/*
 * dispatch.h - the contract between spartac's build and the runtime: the
 * handler table every bootstrap is linked with.
 *
 * spartac generates one C file from the manifest that defines the table,
 * one entry per function, in any order, ended by {NULL, NULL}:
 *
 *	#include "dispatch.h"
 *
 *	sparta_handler_fn hello_world, get_item;  (the symbols: from sparta.yaml)
 *
 *	const struct sparta_handler_entry sparta_handlers[] = {
 *		{"hello", hello_world},     (function name -> its symbol)
 *		{"get-item", get_item},
 *		{NULL, NULL},
 *	};
 *
 * name is the function's key under functions: in sparta.yaml, which is the
 * Handler property spartac gives the Lambda function, so Lambda passes it
 * to the bootstrap as _HANDLER. Two functions may share one symbol. At
 * start the runtime looks _HANDLER up here (exact, case-sensitive match);
 * when it is absent the runtime reports Runtime.NoSuchHandler through
 * init/error and exits with status 1.
 *
 * Compiling: every .c file of src/runtime plus the table file, with
 * -I<dir containing sparta/lambda.h> -I<src/runtime>, as C11 with
 * _POSIX_C_SOURCE 200809L (the runtime uses only POSIX sockets, so musl
 * static and glibc builds both work). The runtime defines main().
 */
#ifndef SPARTA_DISPATCH_H
#define SPARTA_DISPATCH_H

#include <stddef.h>

#include "sparta/lambda.h"

struct sparta_handler_entry {
	const char *name;       /* the _HANDLER value */
	sparta_handler_fn *fn;  /* the user's C function */
};

extern const struct sparta_handler_entry sparta_handlers[];

/*
 * A function under custom_resources: gets a wrapper in the table that
 * calls this with its symbol (runtime/cr.c): the handler runs in a child
 * and the outcome is PUT to the request's ResponseURL. Only a table with
 * custom resources refers to it, so other bootstraps do not link cr.c.
 */
int sparta_cr_serve(sparta_handler_fn *fn, const char *event, size_t len,
    struct sparta_context *ctx, struct sparta_response *res);

/* The entry for name, or NULL. */
const struct sparta_handler_entry *sparta_handler_find(const char *name);

#endif
