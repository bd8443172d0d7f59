/*
 * diag.h - the one catalogue of manifest diagnostics and the one printer.
 *
 * Stages never print: they add diagnostics to a struct diags and return an
 * error count. main decides when to print (diags_print) and the exit status
 * follows from the worst severity. Every code is listed in diag_codes.h with
 * its severity and the hint that tells the user what to do; the man page's
 * DIAGNOSTICS section explains each one (a test keeps the two in step).
 *
 * Runtime messages that are not about the manifest (I/O errors, AWS
 * failures, progress) go through log_* below, which honour --level and
 * colour settings.
 */
#ifndef SPARTAC_DIAG_H
#define SPARTAC_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "base/util.h"

/* A position in a source file: 1-based line and column (in characters). */
struct loc {
	const char *file; /* not owned: points into the loaded document */
	unsigned line;
	unsigned col;
};

enum diag_severity {
	SEV_NOTE,
	SEV_WARNING,
	SEV_ERROR,
};

enum diag_code {
#define DIAG(name, sev, id, hint) DIAG_##name,
#include "base/diag_codes.h"
#undef DIAG
	DIAG__COUNT
};

struct diag {
	struct loc loc;
	enum diag_code code;
	enum diag_severity sev;
	char *path; /* manifest path such as functions.hello.role, or NULL */
	char *msg;
};

/* Source text by file name, so the printer can quote the offending line. */
struct diag_source {
	char *file;
	const char *text; /* not owned */
	size_t len;
};

struct diags {
	struct diag *v;
	size_t n, cap;
	size_t nerrors, nwarnings;
	struct diag_source *src;
	size_t nsrc, srccap;
	size_t limit; /* stop recording after this many (0: default 1000) */
	size_t dropped;
};

enum diag_format {
	DIAG_FORMAT_TEXT,
	DIAG_FORMAT_JSON,
	DIAG_FORMAT_GITHUB,
};

/*
 * " (did you mean 'NEAR'?)" when one of the n candidates is near name
 * (str_suggest), else "": the end of a message, printed with "%s". Every
 * "did you mean" goes through it. The text lives in a static buffer until
 * the next call.
 */
const char *diag_suggest(const char *name, const char *const *cands, size_t n);
/* The same text for a near name found another way; "" for NULL. */
const char *diag_did_you_mean(const char *near);

void diag_add(struct diags *d, enum diag_code code, struct loc loc,
    const char *path, const char *fmt, ...) PRINTF_LIKE(5, 6);
/* Registers the text of a loaded file for quoting; the text must outlive d. */
void diags_add_source(struct diags *d, const char *file, const char *text,
    size_t len);
/*
 * Sorts by file, line, column (stable), then prints in the chosen format.
 * Returns 0, or -1 when the JSON format ran out of memory (a line on
 * stderr says so; the caller's status is then EXIT_INTERNAL).
 */
int diags_print(FILE *fp, struct diags *d, enum diag_format fmt, int color);
void diags_free(struct diags *d);
/* 1 when a diagnostic from index from on has this code. */
int diags_have_code(const struct diags *d, size_t from, enum diag_code code);

enum diag_severity diag_code_severity(enum diag_code code);
const char *diag_code_id(enum diag_code code);   /* "E-ROLE-UNKNOWN" */
const char *diag_code_hint(enum diag_code code); /* what to do, or "" */
/* Looks up a code by its id; returns DIAG__COUNT when there is none. */
enum diag_code diag_code_find(const char *id);

/* ---- runtime messages ---- */

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

void log_setup(enum log_level level, int color);
enum log_level log_get_level(void);
int log_use_color(void);
void log_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_debug(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif
