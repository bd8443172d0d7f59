/*
 * buf.c - the runtime's buffers, arena, UTF-8 check, JSON escaping and
 * base64. Nothing here aborts: failures are reported to the caller, who
 * turns them into one Runtime.OutOfMemory error.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

static int
rt_buf_reserve(struct rt_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -1;
	if (extra > SIZE_MAX - b->len - 1)
		goto fail;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL)
		goto fail;
	b->data = p;
	b->cap = cap;
	b->data[b->len] = '\0';
	return 0;
fail:
	b->oom = 1;
	return -1;
}

int
rt_buf_append(struct rt_buf *b, const void *p, size_t n)
{
	if (rt_buf_reserve(b, n) < 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
rt_buf_puts(struct rt_buf *b, const char *s)
{
	return rt_buf_append(b, s, strlen(s));
}

int
rt_buf_putc(struct rt_buf *b, int c)
{
	char ch = (char)c;

	return rt_buf_append(b, &ch, 1);
}

int
rt_buf_vprintf(struct rt_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || rt_buf_reserve(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
rt_buf_printf(struct rt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = rt_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
rt_buf_reset(struct rt_buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
rt_buf_free(struct rt_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

/*
 * The length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes
 * there are not one (overlong forms, surrogates and code points above
 * U+10FFFF are invalid, per RFC 3629).
 */
static size_t
utf8_seq(const unsigned char *s, size_t left)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return left >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (left < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (left < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0; /* above U+10FFFF */
		return 4;
	}
	return 0;
}

int
rt_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq(p + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

int
rt_json_escape(struct rt_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, n;
	char esc[7];

	if (rt_buf_putc(b, '"') < 0)
		return -1;
	while (i < len) {
		/* Copy the longest run that needs no escaping in one go. */
		run = i;
		while (run < len && p[run] >= 0x20 && p[run] < 0x80 &&
		    p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i && rt_buf_append(b, p + i, run - i) < 0)
			return -1;
		i = run;
		if (i >= len)
			break;
		if (p[i] >= 0x80) {
			if ((n = utf8_seq(p + i, len - i)) == 0) {
				if (rt_buf_puts(b, "\\ufffd") < 0)
					return -1;
				i++;
			} else {
				if (rt_buf_append(b, p + i, n) < 0)
					return -1;
				i += n;
			}
			continue;
		}
		switch (p[i]) {
		case '"': memcpy(esc, "\\\"", 3); break;
		case '\\': memcpy(esc, "\\\\", 3); break;
		case '\b': memcpy(esc, "\\b", 3); break;
		case '\f': memcpy(esc, "\\f", 3); break;
		case '\n': memcpy(esc, "\\n", 3); break;
		case '\r': memcpy(esc, "\\r", 3); break;
		case '\t': memcpy(esc, "\\t", 3); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[p[i] >> 4];
			esc[5] = hex[p[i] & 15];
			esc[6] = '\0';
		}
		if (rt_buf_puts(b, esc) < 0)
			return -1;
		i++;
	}
	return rt_buf_putc(b, '"');
}

int
rt_base64_encode(struct rt_buf *b, const unsigned char *p, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];
	size_t i;
	unsigned v;

	if (rt_buf_reserve(b, (len + 2) / 3 * 4) < 0)
		return -1;
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		q[0] = tab[v >> 18];
		q[1] = tab[(v >> 12) & 63];
		q[2] = tab[(v >> 6) & 63];
		q[3] = tab[v & 63];
		rt_buf_append(b, q, 4);
	}
	if (i < len) {
		v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0);
		q[0] = tab[v >> 18];
		q[1] = tab[(v >> 12) & 63];
		q[2] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		q[3] = '=';
		rt_buf_append(b, q, 4);
	}
	return b->oom ? -1 : 0;
}

/* ---- Arena ---- */

struct rt_block {
	struct rt_block *next;
	size_t size, used;
	/* Followed by size bytes, aligned for any type. */
	_Alignas(16) unsigned char data[];
};

#define RT_BLOCK_MIN (64 * 1024)

void *
rt_arena_alloc(struct rt_arena *a, size_t n)
{
	struct rt_block *b = a->head, *nb;
	size_t size;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (b == NULL || b->size - b->used < n) {
		size = n > RT_BLOCK_MIN ? n : RT_BLOCK_MIN;
		if (size > SIZE_MAX - sizeof(*nb))
			return NULL;
		if ((nb = malloc(sizeof(*nb) + size)) == NULL)
			return NULL;
		nb->size = size;
		nb->used = 0;
		/*
		 * A big one-off block goes behind the current one so the
		 * current block's free space stays usable.
		 */
		if (b != NULL && size > RT_BLOCK_MIN) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			a->head = nb;
		}
		b = nb;
	}
	p = b->data + b->used;
	b->used += n;
	return p;
}

char *
rt_arena_strndup(struct rt_arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX || (p = rt_arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
rt_arena_reset(struct rt_arena *a)
{
	struct rt_block *b, *next, *keep = NULL;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		if (keep == NULL && b->size == RT_BLOCK_MIN) {
			keep = b;
			continue;
		}
		free(b);
	}
	if (keep != NULL) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->head = keep;
}

void
rt_arena_free(struct rt_arena *a)
{
	struct rt_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

void
rt_invocation_end(struct sparta_invocation *inv)
{
	struct rt_json_buffer *b, *next;

	for (b = inv->buffers; b != NULL; b = next) {
		next = b->next;
		rt_response_free(&b->res);
		free(b);
	}
	inv->buffers = NULL;
	inv->http_version = 0;
	inv->origin = NULL;
	rt_arena_reset(&inv->arena);
}
