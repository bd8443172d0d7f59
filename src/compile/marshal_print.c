/*
 * marshal_print.c - the template as text: the printer (two-space indent,
 * short containers on one line), the length it would print, and
 * marshal_write, which compares with or replaces template.json as it
 * prints. See marshal.h.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/marshal_int.h"

/* ---- printing ---- */

/*
 * The printer writes straight into the buffer's memory: a 20,000-resource
 * template is tens of megabytes, and a function call per character was
 * most of the cost. A container whose one-line form fits in PRINT_WIDTH
 * columns (with its indentation and key) is printed on one line, the way
 * people write {"Ref": "X"} and ["logs:CreateLogStream", ...] by hand;
 * anything longer gets one member per line, indented by two spaces.
 */
#define PRINT_WIDTH 80

/*
 * The printer's output: all of it in b, or, with a sink, a window of
 * OUT_WINDOW bytes handed to the sink whenever it fills (the template is
 * compared or written as it is printed, and never held whole: 3.4 MB at
 * 1,000 functions). After the sink fails, the rest is dropped.
 */
#define OUT_WINDOW ((size_t)64 << 10)

struct out {
	struct buf b;
	size_t flushed; /* bytes given to the sink before b */
	int (*sink)(void *arg, const char *p, size_t n);
	void *arg;
	int failed;
	int lines; /* marshal_print_lines: no width pass, strings by strlen */
};

static void
out_flush(struct out *o)
{
	if (!o->failed && o->b.len > 0 && o->sink(o->arg, o->b.data, o->b.len) != 0)
		o->failed = 1;
	o->flushed += o->b.len;
	o->b.len = 0;
}

static void
out_make_room(struct out *o, size_t n)
{
	if (o->sink != NULL)
		out_flush(o);
	if (o->b.len + n + 1 > o->b.cap)
		o->b.data = xgrow(o->b.data, &o->b.cap, o->b.len + n + 1, 1);
}

/* Called for every piece printed: the test stays inline. */
static inline void
out_reserve(struct out *o, size_t n)
{
	if (o->b.len + n + 1 > o->b.cap)
		out_make_room(o, n);
}

/* Bytes printed so far. */
static size_t
out_pos(const struct out *o)
{
	return o->flushed + o->b.len;
}

static inline void
out_mem(struct out *o, const char *p, size_t n)
{
	out_reserve(o, n);
	memcpy(o->b.data + o->b.len, p, n);
	o->b.len += n;
}

static inline void
out_char(struct out *o, char ch)
{
	out_reserve(o, 1);
	o->b.data[o->b.len++] = ch;
}

/* Does any byte of x need escaping ('"', '\\' or below 0x20)? It may
 * answer yes for a byte after one that does; never no for one that does. */
#define SWAR_ONES 0x0101010101010101ULL
#define SWAR_HIGH 0x8080808080808080ULL
#define SWAR_HAS_LESS(x, n) (((x) - SWAR_ONES * (n)) & ~(x) & SWAR_HIGH)
#define SWAR_HAS_ZERO(x) SWAR_HAS_LESS(x, 1)
#define SWAR_NEEDS_ESCAPE(x) (SWAR_HAS_LESS(x, 0x20) || \
    SWAR_HAS_ZERO((x) ^ (SWAR_ONES * '"')) || SWAR_HAS_ZERO((x) ^ (SWAR_ONES * '\\')))

static inline size_t
plain_prefix(const unsigned char *p, size_t n)
{
	size_t i = 0;
	uint64_t x;

	/* Eight bytes at a time: strings are most of a template's bytes. */
	for (; i + 8 <= n; i += 8) {
		memcpy(&x, p + i, 8);
		if (SWAR_NEEDS_ESCAPE(x))
			break;
	}
	if (i + 8 > n && i < n) {
		/* The tail, padded with a byte that needs no escape. */
		x = SWAR_ONES * 'a';
		memcpy(&x, p + i, n - i);
		if (!SWAR_NEEDS_ESCAPE(x))
			return n;
	}
	for (; i < n && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\'; i++)
		;
	return i;
}

static void
print_string_n(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t k;
	char esc[6];

	out_reserve(o, n + 2);
	o->b.data[o->b.len++] = '"';
	for (;;) {
		k = plain_prefix(p, n);
		out_mem(o, (const char *)p, k);
		p += k;
		n -= k;
		if (n == 0)
			break;
		esc[0] = '\\';
		switch (*p) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			out_mem(o, esc, 6);
			p++;
			n--;
			continue;
		}
		out_mem(o, esc, 2);
		p++;
		n--;
	}
	out_char(o, '"');
}

/* Formats v as JSON into tmp (at least 32 bytes); returns its length. */
static size_t
format_number(char *tmp, double v)
{
	double back;

	if (!isfinite(v)) {
		memcpy(tmp, "null", 5); /* JSON has no infinities; node_to_cjson avoids them */
		return 4;
	}
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		/* Integers are most numbers here; printf is slow for them. */
		long long i = (long long)v;
		unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i :
		    (unsigned long long)i;
		char digits[24], *e = digits + sizeof(digits), *q = e;

		do
			*--q = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (i < 0)
			*--q = '-';
		memcpy(tmp, q, (size_t)(e - q));
		return (size_t)(e - q);
	}
	snprintf(tmp, 32, "%1.15g", v);
	if (sscanf(tmp, "%lg", &back) != 1 || back != v)
		snprintf(tmp, 32, "%1.17g", v);
	return strlen(tmp);
}

static void
print_string(struct out *o, const char *s)
{
	print_string_n(o, s, strlen(s));
}

/* A member's key. Keys added with mj_add are string literals of ours,
 * which need no escaping; the others (raw manifest keys) go the long way. */
static void
print_key(struct out *o, const cJSON *it)
{
	size_t n;

	if (it->string == NULL) {
		out_mem(o, "\"\": ", 4);
		return;
	}
	if (!(it->type & cJSON_StringIsConst)) {
		print_string(o, it->string);
		out_mem(o, ": ", 2);
		return;
	}
	n = strlen(it->string);
	out_reserve(o, n + 4);
	o->b.data[o->b.len] = '"';
	memcpy(o->b.data + o->b.len + 1, it->string, n);
	memcpy(o->b.data + o->b.len + 1 + n, "\": ", 3);
	o->b.len += n + 4;
}

static void
print_number(struct out *o, double v)
{
	char tmp[32];

	out_mem(o, tmp, format_number(tmp, v));
}

static void
print_newline(struct out *o, int depth)
{
	size_t n = (size_t)depth * 2 + 1;

	out_reserve(o, n);
	o->b.data[o->b.len] = '\n';
	memset(o->b.data + o->b.len + 1, ' ', n - 1);
	o->b.len += n;
}

static int
is_container(const cJSON *v)
{
	return (v->type & 0xff) == cJSON_Array || (v->type & 0xff) == cJSON_Object;
}

static void
print_scalar(struct out *o, const cJSON *v)
{
	switch (v->type & 0xff) {
	case cJSON_False: out_mem(o, "false", 5); return;
	case cJSON_True: out_mem(o, "true", 4); return;
	case cJSON_Number: print_number(o, v->valuedouble); return;
	case cJSON_String:
		/* width_pass left the length in valueint. */
		print_string_n(o, v->valuestring ? v->valuestring : "",
		    v->valuestring == NULL ? 0 : o->lines ?
		    strlen(v->valuestring) : (size_t)v->valueint);
		return;
	case cJSON_Raw:
		if (v->valuestring != NULL) {
			out_mem(o, v->valuestring, strlen(v->valuestring));
			return;
		}
		break;
	}
	out_mem(o, "null", 4);
}

/*
 * The one-line width of every container, computed once bottom-up and kept
 * in its valueint (which cJSON leaves unused for arrays and objects),
 * capped so that big containers stop counting. Escapes are not counted; a
 * line with escaped characters may run a little past PRINT_WIDTH.
 */
#define WIDTH_CAP 1000

static size_t
width_pass(cJSON *v)
{
	cJSON *it;
	size_t w;

	switch (v->type & 0xff) {
	case cJSON_String:
		/* valueint is unused for strings too: keep the length for
		 * print_scalar. */
		v->valueint = v->valuestring ? (int)strlen(v->valuestring) : 0;
		return (size_t)v->valueint + 2;
	case cJSON_Number: {
		char tmp[32];

		return format_number(tmp, v->valuedouble);
	}
	case cJSON_Array:
	case cJSON_Object:
		break;
	default:
		return v->valuestring ? strlen(v->valuestring) : 5;
	}
	w = 2;
	for (it = v->child; it != NULL; it = it->next) {
		if (it->string != NULL)
			w += strlen(it->string) + 4;
		w += width_pass(it) + 2;
	}
	v->valueint = w > WIDTH_CAP ? WIDTH_CAP : (int)w;
	return (size_t)v->valueint;
}

static void
print_inline(struct out *o, const cJSON *v)
{
	const cJSON *it;
	int obj;

	if (!is_container(v)) {
		print_scalar(o, v);
		return;
	}
	obj = (v->type & 0xff) == cJSON_Object;
	out_char(o, obj ? '{' : '[');
	for (it = v->child; it != NULL; it = it->next) {
		if (obj)
			print_key(o, it);
		print_inline(o, it);
		if (it->next != NULL)
			out_mem(o, ", ", 2);
	}
	out_char(o, obj ? '}' : ']');
}

/* col: the column v starts at (its indentation and key already written). */
static void
print_value(struct out *o, const cJSON *v, int depth, size_t col)
{
	const cJSON *it;
	size_t line_start;
	int obj;

	if (!is_container(v)) {
		print_scalar(o, v);
		return;
	}
	if (v->child == NULL) {
		out_mem(o, (v->type & 0xff) == cJSON_Object ? "{}" : "[]", 2);
		return;
	}
	if (col + (size_t)v->valueint <= PRINT_WIDTH) {
		print_inline(o, v);
		return;
	}
	obj = (v->type & 0xff) == cJSON_Object;
	out_char(o, obj ? '{' : '[');
	for (it = v->child; it != NULL; it = it->next) {
		print_newline(o, depth + 1);
		line_start = out_pos(o) - (size_t)(depth + 1) * 2;
		if (obj)
			print_key(o, it);
		print_value(o, it, depth + 1, out_pos(o) - line_start);
		if (it->next != NULL)
			out_char(o, ',');
	}
	print_newline(o, depth);
	out_char(o, obj ? '}' : ']');
}

/*
 * The layout of a nested stack's template (marshal_print_lines): one member
 * per line down to LINE_DEPTH (the template's sections, their entries),
 * each deeper value on one line, whatever its width.
 */
#define LINE_DEPTH 2

static void
print_lines(struct out *o, const cJSON *v, int depth)
{
	const cJSON *it;
	int obj = (v->type & 0xff) == cJSON_Object;

	if (!is_container(v) || depth >= LINE_DEPTH) {
		print_inline(o, v);
		return;
	}
	if (v->child == NULL) {
		out_mem(o, obj ? "{}" : "[]", 2);
		return;
	}
	out_char(o, obj ? '{' : '[');
	for (it = v->child; it != NULL; it = it->next) {
		print_newline(o, depth + 1);
		if (obj)
			print_key(o, it);
		print_lines(o, it, depth + 1);
		if (it->next != NULL)
			out_char(o, ',');
	}
	print_newline(o, depth);
	out_char(o, obj ? '}' : ']');
}

void
marshal_print_lines(cJSON *tpl, struct buf *out)
{
	struct out o = {0};

	o.b = *out;
	o.lines = 1;
	print_lines(&o, tpl, 0);
	out_char(&o, '\n');
	o.b.data[o.b.len] = '\0'; /* out_reserve kept room for it */
	*out = o.b;
}

static void
print_template(cJSON *tpl, struct out *o)
{
	width_pass(tpl);
	print_value(o, tpl, 0, 0);
	out_char(o, '\n');
}

void
marshal_print(cJSON *tpl, struct buf *out)
{
	struct out o = {0};

	o.b = *out;
	print_template(tpl, &o);
	o.b.data[o.b.len] = '\0'; /* out_reserve kept room for it */
	*out = o.b;
}

/* Prints tpl through sink; returns the length, or -1 if the sink failed. */
static long long
marshal_print_sink(cJSON *tpl, int (*sink)(void *, const char *, size_t),
    void *arg)
{
	struct out o = {0};

	o.sink = sink;
	o.arg = arg;
	o.b.data = xmalloc(OUT_WINDOW);
	o.b.cap = OUT_WINDOW;
	print_template(tpl, &o);
	out_flush(&o);
	buf_free(&o.b);
	return o.failed ? -1 : (long long)o.flushed;
}

/*
 * The lengths of what the print_* functions above write, computed as they
 * would print, without the bytes: validate needs only the length for the
 * quota checks, and printing it cost as much as building the template.
 * Each mirrors its printer; tests/unit/test_marshal.c checks the two agree.
 */
static size_t
string_length(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = n + 2, k;

	for (;;) {
		k = plain_prefix(p, n);
		p += k;
		n -= k;
		if (n == 0)
			return len;
		/* "\\n" and the like replace one byte by two, "\\u00XX" by six */
		len += strchr("\"\\\n\r\t\b\f", *p) != NULL ? 1 : 5;
		p++;
		n--;
	}
}

static size_t
key_length(const cJSON *it)
{
	if (it->string == NULL)
		return 4;
	if (!(it->type & cJSON_StringIsConst))
		return string_length(it->string, strlen(it->string)) + 2;
	return strlen(it->string) + 4;
}

/* lines: the strings were not measured by a width pass (print_lines). */
static size_t
scalar_length(const cJSON *v, int lines)
{
	char tmp[32];

	switch (v->type & 0xff) {
	case cJSON_False: return 5;
	case cJSON_True: return 4;
	case cJSON_Number: return format_number(tmp, v->valuedouble);
	case cJSON_String:
		return v->valuestring == NULL ? 2 : string_length(v->valuestring,
		    lines ? strlen(v->valuestring) : (size_t)v->valueint);
	case cJSON_Raw:
		if (v->valuestring != NULL)
			return strlen(v->valuestring);
		break;
	}
	return 4;
}

static size_t
inline_length(const cJSON *v, int lines)
{
	const cJSON *it;
	size_t len = 2;
	int obj;

	if (!is_container(v))
		return scalar_length(v, lines);
	obj = (v->type & 0xff) == cJSON_Object;
	for (it = v->child; it != NULL; it = it->next) {
		if (obj)
			len += key_length(it);
		len += inline_length(it, lines) + (it->next != NULL ? 2 : 0);
	}
	return len;
}

static size_t
value_length(const cJSON *v, int depth, size_t col)
{
	const cJSON *it;
	size_t len = 1, key;
	int obj;

	if (!is_container(v))
		return scalar_length(v, 0);
	if (v->child == NULL)
		return 2;
	if (col + (size_t)v->valueint <= PRINT_WIDTH)
		return inline_length(v, 0);
	obj = (v->type & 0xff) == cJSON_Object;
	for (it = v->child; it != NULL; it = it->next) {
		key = obj ? key_length(it) : 0;
		len += (size_t)(depth + 1) * 2 + 1 + key;
		len += value_length(it, depth + 1, (size_t)(depth + 1) * 2 + key);
		if (it->next != NULL)
			len++;
	}
	return len + (size_t)depth * 2 + 1 + 1;
}

size_t
marshal_length(cJSON *tpl)
{
	width_pass(tpl);
	return value_length(tpl, 0, 0) + 1;
}

size_t
marshal_entry_length(const cJSON *entry)
{
	return 4 + key_length(entry) + inline_length(entry, 1);
}

/* ---- the build step ---- */

/*
 * Where marshal_write prints the template: compared with the template on
 * disk while the two agree, and into a new file from the first difference
 * on. An unchanged template is not rewritten (its time stays, so make and
 * watchers see no change); a changed one replaces the old atomically
 * (readers never see a partial file), so a failed build leaves the old one
 * whole.
 */
struct template_sink {
	const char *path;
	FILE *old;              /* while every byte so far matched it */
	size_t same;            /* the bytes that matched */
	struct atomic_file new; /* new.tmp is set once they differ */
};

/* Do the next n bytes of fp equal p? */
static int
file_continues_with(FILE *fp, const char *p, size_t n)
{
	char chunk[16384];
	size_t k;

	while (n > 0) {
		k = n < sizeof(chunk) ? n : sizeof(chunk);
		if (fread(chunk, 1, k, fp) != k || memcmp(chunk, p, k) != 0)
			return 0;
		p += k;
		n -= k;
	}
	return 1;
}

int
marshal_file_holds(const char *path, const char *p, size_t len)
{
	FILE *fp = fopen(path, "rb");
	int same;

	if (fp == NULL)
		return 0;
	same = file_continues_with(fp, p, len) && fgetc(fp) == EOF &&
	    !ferror(fp);
	fclose(fp);
	return same;
}

/* The bytes differ from the old file: start the new one with the part
 * that matched. */
static int
template_diverge(struct template_sink *s)
{
	char chunk[16384];
	size_t left = s->same, k;

	if (atomic_open(&s->new, s->path) == -1)
		return -1;
	if (s->old == NULL)
		return 0;
	rewind(s->old);
	while (left > 0) {
		k = left < sizeof(chunk) ? left : sizeof(chunk);
		if (fread(chunk, 1, k, s->old) != k) {
			errno = EIO; /* the old template shrank under us */
			return -1;
		}
		if (atomic_write(&s->new, chunk, k) == -1)
			return -1;
		left -= k;
	}
	fclose(s->old);
	s->old = NULL;
	return 0;
}

static int
template_sink_write(void *arg, const char *p, size_t n)
{
	struct template_sink *s = arg;

	if (s->old != NULL && file_continues_with(s->old, p, n)) {
		s->same += n;
		return 0;
	}
	if (s->new.tmp == NULL && template_diverge(s) == -1)
		return -1;
	return atomic_write(&s->new, p, n);
}

/* 1: the template on disk was already these bytes; 0: replaced; -1. */
static int
template_sink_finish(struct template_sink *s)
{
	if (s->old != NULL && fgetc(s->old) == EOF && !ferror(s->old))
		return 1;
	if (s->new.tmp == NULL && template_diverge(s) == -1)
		return -1;
	/* No fsync: the template is a function of the manifest, and every
	 * build compares the bytes, so one torn by a crash is replaced by
	 * the next build. Syncing 3.4 MB doubled a 1,000-function build. */
	return atomic_commit(&s->new, 0644, 0);
}

static void
template_sink_close(struct template_sink *s)
{
	if (s->old != NULL)
		fclose(s->old);
	atomic_abort(&s->new); /* nothing left after a commit */
}

long long
marshal_write(cJSON *tpl, const char *path)
{
	struct template_sink s = {0};
	long long len;
	int rc, saved;

	s.path = path;
	s.old = fopen(path, "rb");
	len = marshal_print_sink(tpl, template_sink_write, &s);
	rc = len < 0 ? -1 : template_sink_finish(&s);
	saved = errno;
	template_sink_close(&s);
	errno = saved;
	if (rc == 1)
		log_debug("%s is up to date", path);
	return rc < 0 ? -1 : len;
}
