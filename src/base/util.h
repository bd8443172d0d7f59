/*
 * util.h - memory, growable buffers, files and small string helpers.
 *
 * Out-of-memory is handled here and only here: every x* allocator (and the
 * arena) either returns memory or calls die_oom.
 */
#ifndef SPARTAC_UTIL_H
#define SPARTAC_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Out of memory is the one error that no stage reports upward: die_oom
 * prints one line and calls the handler set with oom_handler_set (main's
 * ends the process with EXIT_INTERNAL, so that only main exits); with no
 * handler (unit tests, the fuzz targets), or if it returns, it aborts.
 */
_Noreturn void die_oom(size_t n);
void oom_handler_set(void (*fn)(void));

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows *p (an array of *cap elements of elsize bytes) to hold at least need. */
void *xgrow(void *p, size_t *cap, size_t need, size_t elsize);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);

/* A growable byte buffer; always NUL-terminated after any append. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, int c);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Gives the caller the NUL-terminated string and resets the buffer. */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

/*
 * Reads a whole file into memory, refusing files larger than max bytes.
 * Returns 0 on success; otherwise -1 with errno set (EFBIG past the limit).
 * On success *out is NUL-terminated and owned by the caller.
 */
int file_read(const char *path, size_t max, char **out, size_t *len);

/*
 * Writes data to path atomically: a temporary file in the same directory,
 * fsync, then rename(2). Readers never see a partial file; on failure the
 * old file (if any) is left as it was. Returns 0 or -1 with errno set.
 */
int file_write_atomic(const char *path, const void *data, size_t len, int mode);

/*
 * The same, a piece at a time: atomic_open creates the temporary file,
 * atomic_write appends to it, atomic_commit gives it mode, fsyncs it if
 * sync is set and renames it over path; atomic_abort removes it. Each
 * returns 0 or -1 with errno set; after a failed write or commit, call
 * atomic_abort.
 */
struct atomic_file {
	char *path, *tmp;
	int fd;
};
int atomic_open(struct atomic_file *f, const char *path);
int atomic_write(struct atomic_file *f, const void *data, size_t len);
int atomic_commit(struct atomic_file *f, int mode, int sync);
void atomic_abort(struct atomic_file *f);

/*
 * An arena: many small blocks that are freed together, taken from 64 KiB
 * chunks of malloc'ed memory; a block over a quarter of a chunk gets a
 * chunk of its own. Blocks are 16-byte aligned (arena_alloc_bytes's
 * are not). A zeroed struct arena is
 * empty; arena_free_all releases every block.
 */
struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	size_t chunks;
};
void *arena_alloc(struct arena *a, size_t n);
/* The same without alignment, for strings: a short key takes its length. */
void *arena_alloc_bytes(struct arena *a, size_t n);
void arena_free_all(struct arena *a);

/* Milliseconds of CLOCK_MONOTONIC: for deadlines and durations. */
long long mono_ms(void);

/* Levenshtein distance, capped: returns cap+1 once the distance exceeds cap. */
size_t str_distance(const char *a, const char *b, size_t cap);
/* The candidate closest to name, or NULL when none is close enough to suggest. */
const char *str_suggest(const char *name, const char *const *candidates, size_t n);

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the
 * bytes there are not valid UTF-8; *why (if not NULL) then says what is wrong.
 */
size_t utf8_seq(const unsigned char *s, size_t n, const char **why);

/* The value of a hexadecimal digit, or -1. */
int hex_digit(int c);
/*
 * Decodes %XX escapes in n bytes of s (and '+' as a space when form is set,
 * as in query strings); a '%' without two hex digits stays as it is.
 * Returns a malloc'ed, NUL-terminated string.
 */
char *percent_decode(const char *s, size_t n, int form);

/* Standard base64 (with padding), NUL-terminated, malloc'ed. */
char *base64_encode(const void *p, size_t n);
/*
 * Decodes standard base64 (padding optional, whitespace ignored), appending
 * to out. Returns 0, or -1 when the text is not base64 (out is then unchanged
 * in length).
 */
int base64_decode(const char *s, size_t n, struct buf *out);

int str_has_prefix(const char *s, const char *prefix);
int str_has_suffix(const char *s, const char *suffix);

#endif
