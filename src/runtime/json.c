/*
 * json.c - the runtime's JSON reader (into the invocation arena), the JSON
 * writer over the response body, and base64 decoding.
 *
 * The reader is a recursive descent parser bounded at RT_JSON_MAX_DEPTH.
 * Children are collected on one malloc'ed value stack and copied into the
 * arena when their container closes, so the arena holds no wasted growth.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

struct sparta_json {
	enum sparta_json_type type;
	size_t n; /* string length, or member/element count */
	union {
		double num;
		int b;
		const char *str;
		const struct sparta_json *items; /* n values */
	} u;
	const char **keys; /* objects: n keys */
};

struct jparser {
	const char *p, *end;
	struct rt_arena *arena;
	int depth;
	/* The value stack. */
	struct sparta_json *vals;
	const char **keys;
	size_t nvals, cap;
	int oom;
};

static int jp_value(struct jparser *jp, struct sparta_json *out);

static void
jp_ws(struct jparser *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' ||
	    *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static int
jp_push(struct jparser *jp, const struct sparta_json *v, const char *key)
{
	size_t cap;
	void *nv, *nk;

	if (jp->nvals == jp->cap) {
		cap = jp->cap ? jp->cap * 2 : 64;
		if ((nv = realloc(jp->vals, cap * sizeof(*jp->vals))) == NULL)
			goto oom;
		jp->vals = nv;
		if ((nk = realloc(jp->keys, cap * sizeof(*jp->keys))) == NULL)
			goto oom;
		jp->keys = nk;
		jp->cap = cap;
	}
	jp->vals[jp->nvals] = *v;
	jp->keys[jp->nvals] = key;
	jp->nvals++;
	return 0;
oom:
	jp->oom = 1;
	return -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
jp_hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	int i, h;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)p[i])) < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

static size_t
utf8_put(char *q, unsigned cp)
{
	if (cp < 0x80) {
		q[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		q[0] = (char)(0xc0 | cp >> 6);
		q[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		q[0] = (char)(0xe0 | cp >> 12);
		q[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		q[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	q[0] = (char)(0xf0 | cp >> 18);
	q[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	q[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	q[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Parses a string at jp->p (on the opening quote) into the arena. */
static int
jp_string(struct jparser *jp, const char **out, size_t *outlen)
{
	const char *s = jp->p + 1, *e;
	char *buf, *q;
	unsigned cp, lo;

	/* Find the end first: the decoded text is never longer. */
	for (e = s; e < jp->end && *e != '"'; e++) {
		if ((unsigned char)*e < 0x20)
			return -1;
		if (*e == '\\' && ++e >= jp->end)
			return -1;
	}
	if (e >= jp->end)
		return -1;
	if ((buf = rt_arena_alloc(jp->arena, (size_t)(e - s) + 1)) == NULL) {
		jp->oom = 1;
		return -1;
	}
	q = buf;
	while (s < e) {
		if (*s != '\\') {
			*q++ = *s++;
			continue;
		}
		s++;
		switch (*s++) {
		case '"': *q++ = '"'; break;
		case '\\': *q++ = '\\'; break;
		case '/': *q++ = '/'; break;
		case 'b': *q++ = '\b'; break;
		case 'f': *q++ = '\f'; break;
		case 'n': *q++ = '\n'; break;
		case 'r': *q++ = '\r'; break;
		case 't': *q++ = '\t'; break;
		case 'u':
			if (jp_hex4(s, e, &cp) < 0)
				return -1;
			s += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && e - s >= 6 &&
			    s[0] == '\\' && s[1] == 'u' &&
			    jp_hex4(s + 2, e, &lo) == 0 && lo >= 0xdc00 &&
			    lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd; /* an unpaired surrogate */
			}
			q += utf8_put(q, cp);
			break;
		default:
			return -1;
		}
	}
	*q = '\0';
	*out = buf;
	*outlen = (size_t)(q - buf);
	jp->p = e + 1;
	return 0;
}

static int
jp_number(struct jparser *jp, double *out)
{
	const char *s = jp->p, *p = s;
	char small[64], *tmp;
	size_t n;

	if (p < jp->end && *p == '-')
		p++;
	if (p >= jp->end)
		return -1;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (p < jp->end && *p >= '0' && *p <= '9')
			p++;
	else
		return -1;
	if (p < jp->end && *p == '.') {
		p++;
		if (p >= jp->end || *p < '0' || *p > '9')
			return -1;
		while (p < jp->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < jp->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < jp->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= jp->end || *p < '0' || *p > '9')
			return -1;
		while (p < jp->end && *p >= '0' && *p <= '9')
			p++;
	}
	/* strtod needs a terminated copy: the text may go on past the number. */
	n = (size_t)(p - s);
	if (n < sizeof(small)) {
		tmp = small;
	} else if ((tmp = rt_arena_alloc(jp->arena, n + 1)) == NULL) {
		jp->oom = 1;
		return -1;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*out = strtod(tmp, NULL);
	jp->p = p;
	return 0;
}

static int
jp_literal(struct jparser *jp, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
		return -1;
	jp->p += n;
	return 0;
}

/* Moves the top n stack entries into the arena as v's children. */
static int
jp_collect(struct jparser *jp, size_t base, struct sparta_json *v, int object)
{
	size_t n = jp->nvals - base;
	struct sparta_json *items = NULL;
	const char **keys = NULL;

	if (n > 0) {
		if ((items = rt_arena_alloc(jp->arena, n * sizeof(*items))) == NULL)
			goto oom;
		memcpy(items, jp->vals + base, n * sizeof(*items));
		if (object) {
			if ((keys = rt_arena_alloc(jp->arena, n * sizeof(*keys))) == NULL)
				goto oom;
			memcpy(keys, jp->keys + base, n * sizeof(*keys));
		}
	}
	v->n = n;
	v->u.items = items;
	v->keys = keys;
	jp->nvals = base;
	return 0;
oom:
	jp->oom = 1;
	return -1;
}

static int
jp_container(struct jparser *jp, struct sparta_json *out, int object)
{
	size_t base = jp->nvals, klen;
	struct sparta_json child;
	const char *key = NULL;

	if (++jp->depth > RT_JSON_MAX_DEPTH)
		return -1;
	jp->p++; /* '{' or '[' */
	out->type = object ? SPARTA_JSON_OBJECT : SPARTA_JSON_ARRAY;
	jp_ws(jp);
	if (jp->p < jp->end && *jp->p == (object ? '}' : ']')) {
		jp->p++;
		jp->depth--;
		return jp_collect(jp, base, out, object);
	}
	for (;;) {
		jp_ws(jp);
		if (object) {
			if (jp->p >= jp->end || *jp->p != '"' ||
			    jp_string(jp, &key, &klen) < 0)
				return -1;
			jp_ws(jp);
			if (jp->p >= jp->end || *jp->p != ':')
				return -1;
			jp->p++;
			jp_ws(jp);
		}
		if (jp_value(jp, &child) < 0 || jp_push(jp, &child, key) < 0)
			return -1;
		jp_ws(jp);
		if (jp->p >= jp->end)
			return -1;
		if (*jp->p == ',') {
			jp->p++;
			continue;
		}
		if (*jp->p != (object ? '}' : ']'))
			return -1;
		jp->p++;
		break;
	}
	jp->depth--;
	return jp_collect(jp, base, out, object);
}

static int
jp_value(struct jparser *jp, struct sparta_json *out)
{
	memset(out, 0, sizeof(*out));
	if (jp->p >= jp->end)
		return -1;
	switch (*jp->p) {
	case '{':
		return jp_container(jp, out, 1);
	case '[':
		return jp_container(jp, out, 0);
	case '"':
		out->type = SPARTA_JSON_STRING;
		return jp_string(jp, &out->u.str, &out->n);
	case 't':
		out->type = SPARTA_JSON_BOOL;
		out->u.b = 1;
		return jp_literal(jp, "true");
	case 'f':
		out->type = SPARTA_JSON_BOOL;
		return jp_literal(jp, "false");
	case 'n':
		out->type = SPARTA_JSON_NULL;
		return jp_literal(jp, "null");
	default:
		out->type = SPARTA_JSON_NUMBER;
		return jp_number(jp, &out->u.num);
	}
}

const struct sparta_json *
sparta_json_parse(struct sparta_context *ctx, const char *text, size_t len)
{
	struct jparser jp;
	struct sparta_json *root, v;
	int rc;

	memset(&jp, 0, sizeof(jp));
	jp.p = text;
	jp.end = text + len;
	jp.arena = &ctx->priv->arena;
	jp_ws(&jp);
	rc = jp_value(&jp, &v);
	jp_ws(&jp);
	free(jp.vals);
	free(jp.keys);
	if (rc < 0 || jp.p != jp.end)
		return NULL;
	if ((root = rt_arena_alloc(jp.arena, sizeof(*root))) == NULL)
		return NULL;
	*root = v;
	return root;
}

enum sparta_json_type
sparta_json_type(const struct sparta_json *v)
{
	return v ? v->type : SPARTA_JSON_NULL;
}

const struct sparta_json *
sparta_json_get(const struct sparta_json *obj, const char *key)
{
	size_t i;

	if (obj == NULL || obj->type != SPARTA_JSON_OBJECT || key == NULL)
		return NULL;
	for (i = obj->n; i-- > 0;)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->u.items[i];
	return NULL;
}

size_t
sparta_json_count(const struct sparta_json *v)
{
	if (v == NULL || (v->type != SPARTA_JSON_OBJECT &&
	    v->type != SPARTA_JSON_ARRAY))
		return 0;
	return v->n;
}

const struct sparta_json *
sparta_json_at(const struct sparta_json *v, size_t i)
{
	if (i >= sparta_json_count(v))
		return NULL;
	return &v->u.items[i];
}

const char *
sparta_json_key_at(const struct sparta_json *obj, size_t i)
{
	if (obj == NULL || obj->type != SPARTA_JSON_OBJECT || i >= obj->n)
		return NULL;
	return obj->keys[i];
}

const char *
sparta_json_string(const struct sparta_json *v, size_t *len)
{
	if (v == NULL || v->type != SPARTA_JSON_STRING)
		return NULL;
	if (len != NULL)
		*len = v->n;
	return v->u.str;
}

int
sparta_json_number(const struct sparta_json *v, double *out)
{
	if (v == NULL || v->type != SPARTA_JSON_NUMBER)
		return -1;
	*out = v->u.num;
	return 0;
}

int
sparta_json_bool(const struct sparta_json *v)
{
	if (v == NULL || v->type != SPARTA_JSON_BOOL)
		return -1;
	return v->u.b;
}

/* ---- Base64 decoding ---- */

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

const unsigned char *
sparta_base64_decode(struct sparta_context *ctx, const char *text, size_t len,
    size_t *out_len)
{
	unsigned char *out, *q;
	unsigned acc = 0;
	int bits = 0, v, pad = 0;
	size_t i;

	if ((out = rt_arena_alloc(&ctx->priv->arena, len / 4 * 3 + 4)) == NULL)
		return NULL;
	q = out;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64val(c)) < 0)
			return NULL; /* data after padding, or not base64 */
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*q++ = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* 6 leftover bits cannot come from whole bytes. */
	if (bits >= 6 || pad > 2)
		return NULL;
	*q = '\0';
	if (out_len != NULL)
		*out_len = (size_t)(q - out);
	return out;
}

/* ---- The JSON writer ---- */

static int
w_fail(struct sparta_response *res)
{
	res->w.misuse = 1;
	return SPARTA_FAIL;
}

/* Separator and checks before a value. */
static int
w_before_value(struct sparta_response *res)
{
	struct rt_writer *w = &res->w;

	w->used = 1;
	if (w->misuse)
		return SPARTA_FAIL;
	if (w->depth == 0) {
		if (w->has_items[0])
			return w_fail(res); /* a second top-level value */
		w->has_items[0] = 1;
		return 0;
	}
	if (w->kind[w->depth - 1] == 'o') {
		if (!w->after_key)
			return w_fail(res);
		w->after_key = 0;
		return 0;
	}
	if (w->has_items[w->depth] && rt_buf_putc(&res->body, ',') < 0)
		return SPARTA_FAIL;
	w->has_items[w->depth] = 1;
	return 0;
}

static int
w_begin(struct sparta_response *res, int kind)
{
	struct rt_writer *w = &res->w;

	if (w_before_value(res) < 0)
		return SPARTA_FAIL;
	if (w->depth >= RT_WRITER_MAX_DEPTH)
		return w_fail(res);
	w->kind[w->depth++] = (unsigned char)kind;
	w->has_items[w->depth] = 0;
	return rt_buf_putc(&res->body, kind == 'o' ? '{' : '[') < 0 ?
	    SPARTA_FAIL : 0;
}

static int
w_end(struct sparta_response *res, int kind)
{
	struct rt_writer *w = &res->w;

	w->used = 1;
	if (w->misuse || w->depth == 0 || w->kind[w->depth - 1] != kind ||
	    w->after_key)
		return w_fail(res);
	w->depth--;
	return rt_buf_putc(&res->body, kind == 'o' ? '}' : ']') < 0 ?
	    SPARTA_FAIL : 0;
}

int
sparta_write_object_begin(struct sparta_response *res)
{
	return w_begin(res, 'o');
}

int
sparta_write_object_end(struct sparta_response *res)
{
	return w_end(res, 'o');
}

int
sparta_write_array_begin(struct sparta_response *res)
{
	return w_begin(res, 'a');
}

int
sparta_write_array_end(struct sparta_response *res)
{
	return w_end(res, 'a');
}

int
sparta_write_key(struct sparta_response *res, const char *key)
{
	struct rt_writer *w = &res->w;

	w->used = 1;
	if (w->misuse || key == NULL || w->depth == 0 ||
	    w->kind[w->depth - 1] != 'o' || w->after_key)
		return w_fail(res);
	if (w->has_items[w->depth] && rt_buf_putc(&res->body, ',') < 0)
		return SPARTA_FAIL;
	w->has_items[w->depth] = 1;
	w->after_key = 1;
	if (rt_json_escape(&res->body, key, strlen(key)) < 0 ||
	    rt_buf_putc(&res->body, ':') < 0)
		return SPARTA_FAIL;
	return 0;
}

int
sparta_write_stringn(struct sparta_response *res, const char *s, size_t len)
{
	if (s == NULL)
		return sparta_write_null(res);
	if (w_before_value(res) < 0)
		return SPARTA_FAIL;
	return rt_json_escape(&res->body, s, len) < 0 ? SPARTA_FAIL : 0;
}

int
sparta_write_string(struct sparta_response *res, const char *s)
{
	return sparta_write_stringn(res, s, s ? strlen(s) : 0);
}

int
sparta_write_int(struct sparta_response *res, long long v)
{
	if (w_before_value(res) < 0)
		return SPARTA_FAIL;
	return rt_buf_printf(&res->body, "%lld", v) < 0 ? SPARTA_FAIL : 0;
}

int
sparta_write_double(struct sparta_response *res, double v)
{
	char tmp[40];

	if (!isfinite(v))
		return sparta_write_null(res);
	if (w_before_value(res) < 0)
		return SPARTA_FAIL;
	/* The shortest of %.15g / %.17g that reads back as the same double. */
	snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		snprintf(tmp, sizeof(tmp), "%.17g", v);
	return rt_buf_puts(&res->body, tmp) < 0 ? SPARTA_FAIL : 0;
}

int
sparta_write_bool(struct sparta_response *res, int v)
{
	if (w_before_value(res) < 0)
		return SPARTA_FAIL;
	return rt_buf_puts(&res->body, v ? "true" : "false") < 0 ? SPARTA_FAIL : 0;
}

int
sparta_write_null(struct sparta_response *res)
{
	if (w_before_value(res) < 0)
		return SPARTA_FAIL;
	return rt_buf_puts(&res->body, "null") < 0 ? SPARTA_FAIL : 0;
}
