/* util.c - see util.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

static void (*oom_handler)(void);

void
oom_handler_set(void (*fn)(void))
{
	oom_handler = fn;
}

_Noreturn void
die_oom(size_t n)
{
	fprintf(stderr, "spartac: out of memory (%zu bytes)\n", n);
	if (oom_handler != NULL)
		oom_handler();
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die_oom(n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		die_oom(nmemb * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		die_oom(n);
	return q;
}

void *
xgrow(void *p, size_t *cap, size_t need, size_t elsize)
{
	size_t ncap = *cap ? *cap : 8;

	if (need <= *cap)
		return p;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			die_oom(SIZE_MAX);
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elsize)
		die_oom(SIZE_MAX);
	*cap = ncap;
	return xrealloc(p, ncap * elsize);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list aq;
	int n;
	char *p;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		die_oom(0);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	b->data = xgrow(b->data, &b->cap, b->len + n + 1, 1);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	buf_append(b, &ch, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap, aq;
	int n;

	va_start(ap, fmt);
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		die_oom(0);
	b->data = xgrow(b->data, &b->cap, b->len + (size_t)n + 1, 1);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	va_end(ap);
}

char *
buf_take(struct buf *b)
{
	char *p = b->data ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
file_read(const char *path, size_t max, char **out, size_t *len)
{
	struct buf b = {0};
	char chunk[65536];
	ssize_t n;
	int fd, saved;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (b.len + (size_t)n > max) {
			errno = EFBIG;
			goto fail;
		}
		buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	*len = b.len;
	*out = buf_take(&b);
	return 0;
fail:
	saved = errno;
	close(fd);
	buf_free(&b);
	errno = saved;
	return -1;
}

int
atomic_open(struct atomic_file *f, const char *path)
{
	int saved;

	f->path = xstrdup(path);
	f->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	if ((f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1) {
		saved = errno;
		free(f->path);
		free(f->tmp);
		f->path = f->tmp = NULL;
		errno = saved;
		return -1;
	}
	return 0;
}

int
atomic_write(struct atomic_file *f, const void *data, size_t len)
{
	const char *p = data;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = write(f->fd, p + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

int
atomic_commit(struct atomic_file *f, int mode, int sync)
{
	if (fchmod(f->fd, (mode_t)mode) == -1 || (sync && fsync(f->fd) == -1))
		return -1;
	if (close(f->fd) == -1) {
		f->fd = -1;
		return -1;
	}
	f->fd = -1;
	if (rename(f->tmp, f->path) == -1)
		return -1;
	free(f->path);
	free(f->tmp);
	f->path = f->tmp = NULL;
	return 0;
}

void
atomic_abort(struct atomic_file *f)
{
	int saved = errno;

	if (f->tmp == NULL)
		return;
	if (f->fd != -1)
		close(f->fd);
	unlink(f->tmp);
	free(f->path);
	free(f->tmp);
	f->path = f->tmp = NULL;
	f->fd = -1;
	errno = saved;
}

int
file_write_atomic(const char *path, const void *data, size_t len, int mode)
{
	struct atomic_file f;

	if (atomic_open(&f, path) == -1)
		return -1;
	if (atomic_write(&f, data, len) == -1 || atomic_commit(&f, mode, 1) == -1) {
		atomic_abort(&f);
		return -1;
	}
	return 0;
}

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	int mapped; /* from mmap (arena_map), not malloc */
	_Alignas(16) unsigned char mem[];
};

#define ARENA_CHUNK ((size_t)64 << 10)
#define ARENA_CHUNK_BIG ((size_t)1 << 20)

/*
 * A chunk of size usable bytes. Once an arena holds a few chunks it is a
 * big one (a template of a large service): its chunks are then 1 MiB,
 * mapped with MAP_POPULATE, so the kernel supplies the pages in one call
 * rather than one page fault each (a 1,000-function build touches ~10 MB).
 */
static struct arena_chunk *
arena_chunk_new(size_t size, int big)
{
	struct arena_chunk *c;

	if (big) {
		c = mmap(NULL, sizeof(*c) + size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (c == MAP_FAILED)
			die_oom(size);
		c->mapped = 1;
	} else {
		c = xmalloc(sizeof(*c) + size);
		c->mapped = 0;
	}
	c->used = 0;
	c->size = size;
	return c;
}

/* n bytes at a multiple of align (1 or 16) in the current chunk, or a new one. */
static void *
arena_take(struct arena *a, size_t n, size_t align)
{
	struct arena_chunk *c = a->head;
	size_t size, off = 0;
	void *p;
	int big, dedicated;

	if (n > SIZE_MAX / 2)
		die_oom(n);
	if (c != NULL)
		off = (c->used + align - 1) & ~(align - 1);
	if (c == NULL || off > c->size || c->size - off < n) {
		big = a->chunks >= 4;
		size = big ? ARENA_CHUNK_BIG - sizeof(*c) : ARENA_CHUNK;
		dedicated = n > size / 4;
		if (dedicated)
			size = (n + 15) & ~(size_t)15;
		c = arena_chunk_new(size, big && !dedicated);
		a->chunks++;
		off = 0;
		if (a->head != NULL && dedicated) {
			/* behind the current chunk, which keeps its free space */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = c->mem + off;
	c->used = off + n;
	return p;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	return arena_take(a, n, 16);
}

void *
arena_alloc_bytes(struct arena *a, size_t n)
{
	return arena_take(a, n, 1);
}

void
arena_free_all(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		if (c->mapped)
			munmap(c, sizeof(*c) + c->size);
		else
			free(c);
	}
	a->head = NULL;
	a->chunks = 0;
}

long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
str_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best, *row, prev, tmp;

	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	row = xmalloc((lb + 1) * sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
			if (row[j] < best)
				best = row[j];
		}
		if (best > cap) {
			free(row);
			return cap + 1;
		}
	}
	best = row[lb];
	free(row);
	return best > cap ? cap + 1 : best;
}

const char *
str_suggest(const char *name, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t i, d, bestd, cap;

	/* Allow about one edit per three characters, at least one, at most three. */
	cap = strlen(name) / 3;
	if (cap < 1)
		cap = 1;
	if (cap > 3)
		cap = 3;
	bestd = cap + 1;
	for (i = 0; i < n; i++) {
		if (candidates[i] == NULL || strcmp(candidates[i], name) == 0)
			continue;
		d = str_distance(name, candidates[i], cap);
		if (d < bestd) {
			bestd = d;
			best = candidates[i];
		}
	}
	return best;
}

size_t
utf8_seq(const unsigned char *s, size_t n, const char **why)
{
	size_t len, i;
	unsigned cp;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else {
		*why = s[0] >= 0x80 && s[0] <= 0xbf ? "a continuation byte with no lead byte" :
		    s[0] == 0xc0 || s[0] == 0xc1 ? "an overlong encoding" :
		    "a byte that never appears in UTF-8";
		return 0;
	}
	for (i = 1; i < len; i++) {
		if (i >= n || (s[i] & 0xc0) != 0x80) {
			*why = "a truncated multi-byte sequence";
			return 0;
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) {
		*why = "an overlong encoding";
		return 0;
	}
	if (cp >= 0xd800 && cp <= 0xdfff) {
		*why = "a UTF-16 surrogate";
		return 0;
	}
	if (cp > 0x10ffff) {
		*why = "a code point past U+10FFFF";
		return 0;
	}
	return len;
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
percent_decode(const char *s, size_t n, int form)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_digit((unsigned char)s[i + 1]) >= 0 &&
		    hex_digit((unsigned char)s[i + 2]) >= 0) {
			*o++ = (char)(hex_digit((unsigned char)s[i + 1]) << 4 |
			    hex_digit((unsigned char)s[i + 2]));
			i += 2;
		} else {
			*o++ = form && s[i] == '+' ? ' ' : s[i];
		}
	}
	*o = '\0';
	return out;
}

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
base64_encode(const void *p, size_t n)
{
	const unsigned char *s = p;
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		*o++ = b64chars[v >> 18 & 63];
		*o++ = b64chars[v >> 12 & 63];
		*o++ = b64chars[v >> 6 & 63];
		*o++ = b64chars[v & 63];
	}
	if (i < n) {
		v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0);
		*o++ = b64chars[v >> 18 & 63];
		*o++ = b64chars[v >> 12 & 63];
		*o++ = i + 1 < n ? b64chars[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

int
base64_decode(const char *s, size_t n, struct buf *out)
{
	size_t i, start = out->len, pad = 0;
	unsigned v = 0, bits = 0;
	const char *c;
	char byte;

	for (i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
			continue;
		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad || s[i] == '\0' || (c = strchr(b64chars, s[i])) == NULL)
			goto bad;
		v = v << 6 | (unsigned)(c - b64chars);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			byte = (char)(v >> bits & 0xff);
			buf_append(out, &byte, 1);
		}
	}
	if (pad > 2 || bits >= 6)
		goto bad;
	return 0;
bad:
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return -1;
}

int
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
str_has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}
