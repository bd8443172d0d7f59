/*
 * embedded.h - files compiled into the binary at build time (Makefile's
 * EMBED_FILES): the manifest schema, the Lambda runtime sources and the
 * public handler header. Each is NUL-terminated after len bytes.
 */
#ifndef SPARTAC_EMBEDDED_H
#define SPARTAC_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *path; /* as in the source tree, e.g. "schema/sparta.schema.json" */
	const unsigned char *data;
	size_t len;
};

extern const struct embedded_file embedded_files[]; /* ends with path NULL */

/* The file at path, or NULL. */
const struct embedded_file *embedded_find(const char *path);

#endif
