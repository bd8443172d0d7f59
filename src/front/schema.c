/*
 * schema.c - JSON Schema draft-07: compile once, validate the located tree.
 *
 * Three parts: an ECMA-262-subset regex engine (rx_*), the compiler from a
 * schema document to struct sch (sc_*), and the validator (v_*). The
 * validator runs in one of three modes: CHECK stops at the first problem
 * (used for anyOf/oneOf/not/if and by schema_is_valid), COUNT tallies
 * problems without recording them (used to rank anyOf/oneOf branches), EMIT
 * records diagnostics.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "front/schema.h"
#include "base/util.h"

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */
/* ------------------------------------------------------------------ */

/* Decodes the code point at *pos and advances; a stray byte stands for itself. */
static uint32_t
u8_next(const char *s, size_t len, size_t *pos)
{
	const unsigned char *p = (const unsigned char *)s + *pos;
	size_t left = len - *pos, n;
	uint32_t c = p[0];

	if (c < 0x80)
		n = 1;
	else if (c >= 0xc0 && c < 0xe0 && left >= 2)
		n = 2, c &= 0x1f;
	else if (c >= 0xe0 && c < 0xf0 && left >= 3)
		n = 3, c &= 0x0f;
	else if (c >= 0xf0 && c < 0xf8 && left >= 4)
		n = 4, c &= 0x07;
	else
		n = 1;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*pos += 1;
			return p[0];
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	*pos += n;
	return c;
}

static size_t
u8_prev(const char *s, size_t pos)
{
	if (pos == 0)
		return 0;
	pos--;
	while (pos > 0 && ((unsigned char)s[pos] & 0xc0) == 0x80)
		pos--;
	return pos;
}

static size_t
u8_count(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* ------------------------------------------------------------------ */
/* Regular expressions: the ECMA-262 subset described in schema.h      */
/* ------------------------------------------------------------------ */

enum rx_op {
	RX_CHAR,
	RX_ANY,
	RX_CLASS,
	RX_BOL,
	RX_EOL,
	RX_WORDB,
	RX_NWORDB,
	RX_GROUP,
	RX_AHEAD,
	RX_NAHEAD,
};

/* A class item: a range, or (lo == RX_CL_ESC) one of \d \D \w \W \s \S in hi. */
#define RX_CL_ESC UINT32_MAX
enum { RX_CL_D = 1, RX_CL_ND, RX_CL_W, RX_CL_NW, RX_CL_S, RX_CL_NS };

struct rx_range {
	uint32_t lo, hi;
};

struct rx_alt;

struct rx_node {
	enum rx_op op;
	uint32_t c;
	struct rx_range *ranges;
	size_t nranges;
	int negated;
	struct rx_alt *alt;
	unsigned min, max; /* 1, 1 when not quantified; max UINT_MAX = unbounded */
	int greedy;
};

struct rx_seq {
	struct rx_node *v;
	size_t n, cap;
};

struct rx_alt {
	struct rx_seq *v;
	size_t n, cap;
};

struct rx {
	struct rx_alt *root;
	int anchored; /* every alternative starts with ^: try position 0 only */
};

struct rxp {
	const char *s;
	size_t len, pos;
	char *err;
};

static void
rx_alt_free(struct rx_alt *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n; i++) {
		for (size_t j = 0; j < a->v[i].n; j++) {
			free(a->v[i].v[j].ranges);
			rx_alt_free(a->v[i].v[j].alt);
		}
		free(a->v[i].v);
	}
	free(a->v);
	free(a);
}

static void
rx_free(struct rx *re)
{
	if (re == NULL)
		return;
	rx_alt_free(re->root);
	free(re);
}

static void PRINTF_LIKE(2, 3)
rxp_fail(struct rxp *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err != NULL)
		return;
	va_start(ap, fmt);
	p->err = xvasprintf(fmt, ap);
	va_end(ap);
}

static int
rxp_hex(struct rxp *p, size_t at, int ndig, uint32_t *out)
{
	uint32_t v = 0;

	if (at + (size_t)ndig > p->len)
		return -1;
	for (int i = 0; i < ndig; i++) {
		int h = hex_digit((unsigned char)p->s[at + (size_t)i]);

		if (h < 0)
			return -1;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return 0;
}

/*
 * Parses the escape after a backslash at p->pos (which points past it).
 * Returns the code point, or sets *cls to a class escape, or *assert to
 * RX_WORDB/RX_NWORDB (outside classes only). Returns UINT32_MAX on error.
 */
static uint32_t
rxp_escape(struct rxp *p, int in_class, int *cls, int *assert)
{
	char e;
	uint32_t v, lo;

	*cls = 0;
	*assert = -1;
	if (p->pos >= p->len) {
		rxp_fail(p, "a pattern may not end with '\\'");
		return UINT32_MAX;
	}
	e = p->s[p->pos++];
	switch (e) {
	case 'd': *cls = RX_CL_D; return 0;
	case 'D': *cls = RX_CL_ND; return 0;
	case 'w': *cls = RX_CL_W; return 0;
	case 'W': *cls = RX_CL_NW; return 0;
	case 's': *cls = RX_CL_S; return 0;
	case 'S': *cls = RX_CL_NS; return 0;
	case 'b':
		if (in_class)
			return 0x08;
		*assert = RX_WORDB;
		return 0;
	case 'B':
		if (in_class)
			return 'B';
		*assert = RX_NWORDB;
		return 0;
	case 't': return '\t';
	case 'n': return '\n';
	case 'v': return '\v';
	case 'f': return '\f';
	case 'r': return '\r';
	case '0':
		if (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
			rxp_fail(p, "octal escapes are not supported");
			return UINT32_MAX;
		}
		return 0;
	case 'c':
		if (p->pos < p->len && ((p->s[p->pos] >= 'a' && p->s[p->pos] <= 'z') ||
		    (p->s[p->pos] >= 'A' && p->s[p->pos] <= 'Z')))
			return (uint32_t)(p->s[p->pos++] % 32);
		return '\\'; /* Annex B: "\c" without a letter is a backslash */
	case 'x':
		if (rxp_hex(p, p->pos, 2, &v) == 0) {
			p->pos += 2;
			return v;
		}
		return 'x';
	case 'u':
		if (p->pos < p->len && p->s[p->pos] == '{') {
			rxp_fail(p, "\\u{...} needs the unicode flag, which JSON Schema patterns do not have");
			return UINT32_MAX;
		}
		if (rxp_hex(p, p->pos, 4, &v) < 0)
			return 'u';
		p->pos += 4;
		if (v >= 0xd800 && v <= 0xdbff && p->pos + 6 <= p->len &&
		    p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u' &&
		    rxp_hex(p, p->pos + 2, 4, &lo) == 0 && lo >= 0xdc00 &&
		    lo <= 0xdfff) {
			p->pos += 6;
			v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
		}
		return v;
	case 'p':
	case 'P':
		rxp_fail(p, "unicode property escapes (\\%c) are not supported", e);
		return UINT32_MAX;
	case 'k':
		if (p->pos < p->len && p->s[p->pos] == '<') {
			rxp_fail(p, "named backreferences (\\k<...>) are not supported");
			return UINT32_MAX;
		}
		return 'k';
	default:
		if (e >= '1' && e <= '9' && !in_class) {
			rxp_fail(p, "backreferences (\\%c) are not supported", e);
			return UINT32_MAX;
		}
		p->pos--;
		return u8_next(p->s, p->len, &p->pos);
	}
}

static void
rx_node_add_range(struct rx_node *n, size_t *cap, uint32_t lo, uint32_t hi)
{
	n->ranges = xgrow(n->ranges, cap, n->nranges + 1, sizeof(*n->ranges));
	n->ranges[n->nranges].lo = lo;
	n->ranges[n->nranges].hi = hi;
	n->nranges++;
}

/* Parses [...] with p->pos just past '['. */
static void
rxp_class(struct rxp *p, struct rx_node *n)
{
	size_t cap = 0;

	n->op = RX_CLASS;
	if (p->pos < p->len && p->s[p->pos] == '^') {
		n->negated = 1;
		p->pos++;
	}
	for (;;) {
		uint32_t lo, hi;
		int cls, assert, cls2;

		if (p->pos >= p->len) {
			rxp_fail(p, "unterminated character class");
			return;
		}
		if (p->s[p->pos] == ']') {
			p->pos++;
			return;
		}
		if (p->s[p->pos] == '\\') {
			p->pos++;
			lo = rxp_escape(p, 1, &cls, &assert);
			if (p->err != NULL)
				return;
		} else {
			lo = u8_next(p->s, p->len, &p->pos);
			cls = 0;
		}
		if (cls) {
			rx_node_add_range(n, &cap, RX_CL_ESC, (uint32_t)cls);
			continue;
		}
		/* A '-' before ']' or after a class escape is literal (Annex B). */
		if (p->pos + 1 < p->len && p->s[p->pos] == '-' &&
		    p->s[p->pos + 1] != ']') {
			p->pos++;
			if (p->s[p->pos] == '\\') {
				p->pos++;
				hi = rxp_escape(p, 1, &cls2, &assert);
				if (p->err != NULL)
					return;
				if (cls2) {
					rx_node_add_range(n, &cap, lo, lo);
					rx_node_add_range(n, &cap, '-', '-');
					rx_node_add_range(n, &cap, RX_CL_ESC,
					    (uint32_t)cls2);
					continue;
				}
			} else {
				hi = u8_next(p->s, p->len, &p->pos);
			}
			if (hi < lo) {
				rxp_fail(p, "range out of order in character class");
				return;
			}
			rx_node_add_range(n, &cap, lo, hi);
			continue;
		}
		rx_node_add_range(n, &cap, lo, lo);
	}
}

/* Parses {n}, {n,} or {n,m} at p->pos; returns 0 and leaves pos alone if not one. */
static int
rxp_braces(struct rxp *p, unsigned *min, unsigned *max)
{
	size_t i = p->pos + 1;
	unsigned long a = 0, b;
	int digits = 0;

	while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') {
		if (a < 100000)
			a = a * 10 + (unsigned long)(p->s[i] - '0');
		i++, digits++;
	}
	if (!digits)
		return 0;
	b = a;
	if (i < p->len && p->s[i] == ',') {
		i++;
		digits = 0;
		b = 0;
		while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') {
			if (b < 100000)
				b = b * 10 + (unsigned long)(p->s[i] - '0');
			i++, digits++;
		}
		if (!digits)
			b = UINT_MAX;
	}
	if (i >= p->len || p->s[i] != '}')
		return 0;
	if (a > 100000 || (b != UINT_MAX && b > 100000)) {
		rxp_fail(p, "repetition count above 100000");
		return 0;
	}
	*min = (unsigned)a;
	*max = (unsigned)b;
	p->pos = i + 1;
	return 1;
}

static struct rx_alt *rxp_alt(struct rxp *p, unsigned depth);

static struct rx_node *
rx_seq_push(struct rx_seq *s)
{
	struct rx_node *n;

	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	n = &s->v[s->n++];
	memset(n, 0, sizeof(*n));
	n->min = n->max = 1;
	n->greedy = 1;
	return n;
}

static void
rxp_seq(struct rxp *p, struct rx_seq *seq, unsigned depth)
{
	while (p->pos < p->len && p->err == NULL) {
		char ch = p->s[p->pos];
		struct rx_node *n;
		unsigned min, max;
		int cls, assert;

		if (ch == '|' || ch == ')')
			return;
		if (ch == '*' || ch == '+' || ch == '?') {
			rxp_fail(p, "nothing to repeat before '%c'", ch);
			return;
		}
		if (ch == '{' && rxp_braces(p, &min, &max)) {
			rxp_fail(p, "nothing to repeat before '{'");
			return;
		}
		n = rx_seq_push(seq);
		switch (ch) {
		case '^':
			n->op = RX_BOL;
			p->pos++;
			break;
		case '$':
			n->op = RX_EOL;
			p->pos++;
			break;
		case '.':
			n->op = RX_ANY;
			p->pos++;
			break;
		case '[':
			p->pos++;
			rxp_class(p, n);
			break;
		case '(':
			p->pos++;
			n->op = RX_GROUP;
			if (p->pos < p->len && p->s[p->pos] == '?') {
				const char *r = p->s + p->pos;
				size_t left = p->len - p->pos;

				if (left >= 2 && r[1] == ':') {
					p->pos += 2;
				} else if (left >= 2 && r[1] == '=') {
					n->op = RX_AHEAD;
					p->pos += 2;
				} else if (left >= 2 && r[1] == '!') {
					n->op = RX_NAHEAD;
					p->pos += 2;
				} else if (left >= 3 && r[1] == '<' &&
				    (r[2] == '=' || r[2] == '!')) {
					rxp_fail(p, "lookbehind (?<%c...) is not supported", r[2]);
					return;
				} else if (left >= 2 && r[1] == '<') {
					const char *gt = memchr(r, '>', left);

					if (gt == NULL) {
						rxp_fail(p, "unterminated group name");
						return;
					}
					p->pos += (size_t)(gt - r) + 1;
				} else {
					rxp_fail(p, "unknown group type '(?%c'",
					    left >= 2 ? r[1] : ' ');
					return;
				}
			}
			if (depth >= 64) {
				rxp_fail(p, "groups nested deeper than 64 levels");
				return;
			}
			n->alt = rxp_alt(p, depth + 1);
			if (p->err != NULL)
				return;
			if (p->pos >= p->len || p->s[p->pos] != ')') {
				rxp_fail(p, "missing ')'");
				return;
			}
			p->pos++;
			break;
		case '\\':
			p->pos++;
			n->c = rxp_escape(p, 0, &cls, &assert);
			if (p->err != NULL)
				return;
			if (assert >= 0) {
				n->op = (enum rx_op)assert;
			} else if (cls) {
				size_t cap = 0;

				n->op = RX_CLASS;
				rx_node_add_range(n, &cap, RX_CL_ESC, (uint32_t)cls);
			} else {
				n->op = RX_CHAR;
			}
			break;
		default:
			n->op = RX_CHAR;
			n->c = u8_next(p->s, p->len, &p->pos);
			break;
		}
		if (p->err != NULL || p->pos >= p->len)
			continue;
		/* Quantifier. */
		ch = p->s[p->pos];
		if (ch == '*') {
			min = 0, max = UINT_MAX, p->pos++;
		} else if (ch == '+') {
			min = 1, max = UINT_MAX, p->pos++;
		} else if (ch == '?') {
			min = 0, max = 1, p->pos++;
		} else if (ch == '{' && rxp_braces(p, &min, &max)) {
			if (max < min) {
				rxp_fail(p, "numbers out of order in {%u,%u}", min, max);
				return;
			}
		} else {
			continue;
		}
		if (n->op == RX_BOL || n->op == RX_EOL || n->op == RX_WORDB ||
		    n->op == RX_NWORDB) {
			rxp_fail(p, "an anchor cannot be repeated");
			return;
		}
		n->min = min;
		n->max = max;
		if (p->pos < p->len && p->s[p->pos] == '?') {
			n->greedy = 0;
			p->pos++;
		}
		if (p->pos < p->len && (p->s[p->pos] == '*' || p->s[p->pos] == '+' ||
		    p->s[p->pos] == '?')) {
			rxp_fail(p, "nothing to repeat before '%c'", p->s[p->pos]);
			return;
		}
	}
}

static struct rx_alt *
rxp_alt(struct rxp *p, unsigned depth)
{
	struct rx_alt *a = xcalloc(1, sizeof(*a));

	for (;;) {
		a->v = xgrow(a->v, &a->cap, a->n + 1, sizeof(*a->v));
		memset(&a->v[a->n], 0, sizeof(a->v[a->n]));
		rxp_seq(p, &a->v[a->n++], depth);
		if (p->err != NULL || p->pos >= p->len || p->s[p->pos] != '|')
			return a;
		p->pos++;
	}
}

/* Compiles src; on error returns NULL and sets *err (caller frees). */
static struct rx *
rx_compile(const char *src, size_t len, char **err)
{
	struct rxp p = {src, len, 0, NULL};
	struct rx *re = xcalloc(1, sizeof(*re));

	re->root = rxp_alt(&p, 0);
	if (p.err == NULL && p.pos < p.len)
		rxp_fail(&p, "unmatched ')'");
	if (p.err != NULL) {
		*err = p.err;
		rx_free(re);
		return NULL;
	}
	re->anchored = 1;
	for (size_t i = 0; i < re->root->n; i++)
		if (re->root->v[i].n == 0 || re->root->v[i].v[0].op != RX_BOL)
			re->anchored = 0;
	return re;
}

struct rx_m {
	const char *s;
	size_t len;
	unsigned long steps;
	unsigned depth;
};

/* What to match after the current sequence ends, as a linked stack. */
struct rx_k {
	const struct rx_seq *seq; /* continue seq at i ... */
	size_t i;
	const struct rx_node *rep; /* ... or: one iteration of rep just ended */
	unsigned count;
	size_t start;
	const struct rx_k *next;
};

static int
rx_is_word(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static int
rx_is_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	    c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 ||
	    c == 0xfeff;
}

static int
rx_class_has(const struct rx_node *a, uint32_t c)
{
	for (size_t i = 0; i < a->nranges; i++) {
		const struct rx_range *r = &a->ranges[i];
		int in;

		if (r->lo != RX_CL_ESC) {
			in = c >= r->lo && c <= r->hi;
		} else {
			switch (r->hi) {
			case RX_CL_D: in = c >= '0' && c <= '9'; break;
			case RX_CL_ND: in = !(c >= '0' && c <= '9'); break;
			case RX_CL_W: in = rx_is_word(c); break;
			case RX_CL_NW: in = !rx_is_word(c); break;
			case RX_CL_S: in = rx_is_space(c); break;
			default: in = !rx_is_space(c); break;
			}
		}
		if (in)
			return !a->negated;
	}
	return a->negated;
}

/* Matches one code point for RX_CHAR/RX_ANY/RX_CLASS. */
static int
rx_one(const struct rx_m *m, const struct rx_node *a, size_t *pos)
{
	size_t p = *pos;
	uint32_t c;

	if (p >= m->len)
		return 0;
	c = u8_next(m->s, m->len, &p);
	switch (a->op) {
	case RX_CHAR:
		if (c != a->c)
			return 0;
		break;
	case RX_ANY:
		if (c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029)
			return 0;
		break;
	default:
		if (!rx_class_has(a, c))
			return 0;
		break;
	}
	*pos = p;
	return 1;
}

static int rx_seq_match(struct rx_m *m, const struct rx_seq *s, size_t i,
    size_t pos, const struct rx_k *k);

static int
rx_alt_match(struct rx_m *m, const struct rx_alt *a, size_t pos,
    const struct rx_k *k)
{
	for (size_t i = 0; i < a->n; i++) {
		int r = rx_seq_match(m, &a->v[i], 0, pos, k);

		if (r != 0)
			return r;
	}
	return 0;
}

static int rx_rep(struct rx_m *m, const struct rx_node *a, unsigned count,
    size_t pos, const struct rx_k *k);

static int
rx_cont(struct rx_m *m, size_t pos, const struct rx_k *k)
{
	if (k == NULL)
		return 1;
	if (k->rep == NULL)
		return rx_seq_match(m, k->seq, k->i, pos, k->next);
	/* An iteration past the minimum that matched nothing ends the loop. */
	if (pos == k->start && k->count > k->rep->min)
		return 0;
	return rx_rep(m, k->rep, k->count, pos, k->next);
}

/* One iteration of a group, then k. */
static int
rx_once(struct rx_m *m, const struct rx_node *a, size_t pos,
    const struct rx_k *k)
{
	if (a->op == RX_GROUP)
		return rx_alt_match(m, a->alt, pos, k);
	if (!rx_one(m, a, &pos))
		return 0;
	return rx_cont(m, pos, k);
}

static int
rx_rep(struct rx_m *m, const struct rx_node *a, unsigned count, size_t pos,
    const struct rx_k *k)
{
	struct rx_k it = {NULL, 0, a, count + 1, pos, k};
	int r;

	if (++m->steps > SCHEMA_RX_STEPS)
		return -1;
	if (a->greedy && count < a->max && (r = rx_once(m, a, pos, &it)) != 0)
		return r;
	if (count >= a->min && (r = rx_cont(m, pos, k)) != 0)
		return r;
	if (!a->greedy && count < a->max)
		return rx_once(m, a, pos, &it);
	return 0;
}

static int
rx_seq_match(struct rx_m *m, const struct rx_seq *s, size_t i, size_t pos,
    const struct rx_k *k)
{
	int r = 0;

	if (++m->depth > 4000) {
		m->depth--;
		return -1;
	}
	for (; i < s->n; i++) {
		const struct rx_node *a = &s->v[i];
		struct rx_k nk = {s, i + 1, NULL, 0, 0, k};

		if (++m->steps > SCHEMA_RX_STEPS) {
			r = -1;
			goto out;
		}
		switch (a->op) {
		case RX_BOL:
			if (pos != 0)
				goto out;
			continue;
		case RX_EOL:
			if (pos != m->len)
				goto out;
			continue;
		case RX_WORDB:
		case RX_NWORDB: {
			int before = pos > 0 && rx_is_word((unsigned char)m->s[pos - 1]);
			int after = pos < m->len && rx_is_word((unsigned char)m->s[pos]);

			if ((before != after) != (a->op == RX_WORDB))
				goto out;
			continue;
		}
		case RX_AHEAD:
		case RX_NAHEAD:
			if (a->min == 0)
				continue;
			r = rx_alt_match(m, a->alt, pos, NULL);
			if (r < 0)
				goto out;
			if ((r == 1) != (a->op == RX_AHEAD)) {
				r = 0;
				goto out;
			}
			r = 0;
			continue;
		case RX_GROUP:
			if (a->min == 1 && a->max == 1)
				r = rx_alt_match(m, a->alt, pos, &nk);
			else
				r = rx_rep(m, a, 0, pos, &nk);
			goto out;
		default:
			break;
		}
		if (a->min == 1 && a->max == 1) {
			if (!rx_one(m, a, &pos))
				goto out;
			continue;
		}
		/* A repeated single-character atom: iterate, then backtrack. */
		if (a->greedy) {
			unsigned n = 0;

			while (n < a->max && rx_one(m, a, &pos))
				n++;
			if (n < a->min)
				goto out;
			for (;;) {
				if ((r = rx_seq_match(m, s, i + 1, pos, k)) != 0)
					goto out;
				if (n == a->min || ++m->steps > SCHEMA_RX_STEPS) {
					r = n == a->min ? 0 : -1;
					goto out;
				}
				n--;
				pos = u8_prev(m->s, pos);
			}
		} else {
			unsigned n = 0;

			while (n < a->min) {
				if (!rx_one(m, a, &pos))
					goto out;
				n++;
			}
			for (;;) {
				if ((r = rx_seq_match(m, s, i + 1, pos, k)) != 0)
					goto out;
				if (n >= a->max || !rx_one(m, a, &pos))
					goto out;
				if (++m->steps > SCHEMA_RX_STEPS) {
					r = -1;
					goto out;
				}
				n++;
			}
		}
	}
	r = rx_cont(m, pos, k);
out:
	m->depth--;
	return r;
}

/* ECMA RegExp.test: 1 when re matches somewhere in s, 0 if not, -1 past the limit. */
static int
rx_search(const struct rx *re, const char *s, size_t len)
{
	struct rx_m m = {s, len, 0, 0};
	size_t pos = 0;

	for (;;) {
		int r = rx_alt_match(&m, re->root, pos, NULL);

		if (r != 0)
			return r;
		if (pos >= len || re->anchored)
			return 0;
		u8_next(s, len, &pos);
	}
}

/* ------------------------------------------------------------------ */
/* Compiled schemas                                                    */
/* ------------------------------------------------------------------ */

enum {
	TY_NULL = 1 << 0,
	TY_BOOL = 1 << 1,
	TY_INT = 1 << 2,
	TY_NUM = 1 << 3,
	TY_STR = 1 << 4,
	TY_ARR = 1 << 5,
	TY_OBJ = 1 << 6,
};

enum {
	HAS_MIN = 1 << 0,
	HAS_MAX = 1 << 1,
	HAS_XMIN = 1 << 2,
	HAS_XMAX = 1 << 3,
	HAS_MULT = 1 << 4,
	HAS_MINLEN = 1 << 5,
	HAS_MAXLEN = 1 << 6,
	HAS_MINITEMS = 1 << 7,
	HAS_MAXITEMS = 1 << 8,
	HAS_MINPROPS = 1 << 9,
	HAS_MAXPROPS = 1 << 10,
	HAS_UNIQUE = 1 << 11,
	HAS_ENUM = 1 << 12,
	HAS_CONST = 1 << 13,
};

struct sch;

struct sch_prop {
	const char *name; /* points into the schema document */
	size_t len;
	struct sch *s;
};

struct sch_pat {
	struct rx *re;
	struct sch *s;
};

struct sch_dep {
	const char *name;
	size_t len;
	const struct node *required; /* array form */
	struct sch *s;               /* schema form */
};

struct sch_list {
	struct sch **v;
	size_t n;
};

struct sch {
	const struct node *src;
	int is_bool, bool_val;
	struct sch *ref;
	unsigned has;
	unsigned types;
	const struct node *enum_v, *const_v;
	double minimum, maximum, xmin, xmax, multiple;
	size_t min_len, max_len, min_items, max_items, min_props, max_props;
	struct rx *pattern;
	const char *pattern_src;
	struct sch_prop *props; /* sorted by name for bsearch */
	size_t nprops;
	const char **prop_names; /* in schema order, for suggestions */
	struct sch_pat *pats;
	size_t npats;
	struct sch *addl_props;
	const struct node *required;
	struct sch *prop_names_s;
	struct sch *items;       /* items as one schema */
	struct sch_list items_v; /* items as an array */
	int items_is_array;
	struct sch *addl_items;
	struct sch *contains;
	struct sch_list all_of, any_of, one_of;
	struct sch *not_s, *if_s, *then_s, *else_s;
	struct sch_dep *deps;
	size_t ndeps;
	const char *title, *description;
};

/* node -> compiled schema and base URI, open addressing. */
struct smap_ent {
	const struct node *n;
	struct sch *s;
	const char *base;
};

/* URI (without fragment, or with a plain-name fragment) -> schema node. */
struct sreg_ent {
	const char *uri;
	const struct node *n;
};

struct sref {
	struct sch *s;
	const char *uri;
	const struct node *at; /* the $ref node, for error positions */
};

struct schema {
	struct doc **docs;
	size_t ndocs;
	struct sch *root;
	struct sch **all;
	size_t nall, capall;
	struct smap_ent *map;
	size_t mapn, mapcap;
	struct sreg_ent *reg;
	size_t nreg, capreg;
	char **strs; /* owned strings: URIs */
	size_t nstrs, capstrs;
	struct sref *refs; /* pending $refs */
	size_t nrefs, caprefs;
	struct diags diags; /* JSON syntax errors of the schema documents */
	char *err;
};

static const char *
sc_own(struct schema *S, char *str)
{
	S->strs = xgrow(S->strs, &S->capstrs, S->nstrs + 1, sizeof(*S->strs));
	S->strs[S->nstrs++] = str;
	return str;
}

static void PRINTF_LIKE(3, 4)
sc_fail(struct schema *S, const struct node *at, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (S->err != NULL)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (at != NULL)
		S->err = xasprintf("%s:%u:%u: %s", at->loc.file ? at->loc.file : "schema",
		    at->loc.line, at->loc.col, msg);
	else
		S->err = xasprintf("schema: %s", msg);
	free(msg);
}

static size_t
smap_hash(const struct node *n, size_t cap)
{
	uintptr_t h = (uintptr_t)n;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 7) & (cap - 1);
}

static struct smap_ent *
smap_get(struct schema *S, const struct node *n, int create)
{
	size_t i;

	if (S->mapcap == 0 || (create && (S->mapn + 1) * 2 > S->mapcap)) {
		struct smap_ent *old = S->map;
		size_t oldcap = S->mapcap;

		if (!create && S->mapcap == 0)
			return NULL;
		S->mapcap = oldcap ? oldcap * 2 : 256;
		S->map = xcalloc(S->mapcap, sizeof(*S->map));
		for (size_t j = 0; j < oldcap; j++) {
			if (old[j].n == NULL)
				continue;
			i = smap_hash(old[j].n, S->mapcap);
			while (S->map[i].n != NULL)
				i = (i + 1) & (S->mapcap - 1);
			S->map[i] = old[j];
		}
		free(old);
	}
	i = smap_hash(n, S->mapcap);
	while (S->map[i].n != NULL) {
		if (S->map[i].n == n)
			return &S->map[i];
		i = (i + 1) & (S->mapcap - 1);
	}
	if (!create)
		return NULL;
	S->map[i].n = n;
	S->mapn++;
	return &S->map[i];
}

static void
sreg_add(struct schema *S, const char *uri, const struct node *n)
{
	for (size_t i = 0; i < S->nreg; i++)
		if (strcmp(S->reg[i].uri, uri) == 0)
			return; /* the first one wins */
	S->reg = xgrow(S->reg, &S->capreg, S->nreg + 1, sizeof(*S->reg));
	S->reg[S->nreg].uri = uri;
	S->reg[S->nreg].n = n;
	S->nreg++;
}

static const struct node *
sreg_find(const struct schema *S, const char *uri)
{
	for (size_t i = 0; i < S->nreg; i++)
		if (strcmp(S->reg[i].uri, uri) == 0)
			return S->reg[i].n;
	return NULL;
}

/* ---- URIs, just enough of RFC 3986 for $id and $ref ---- */

static size_t
uri_scheme_len(const char *u)
{
	size_t i = 0;

	if (!((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')))
		return 0;
	while (u[i] && u[i] != ':' && u[i] != '/' && u[i] != '?' && u[i] != '#')
		i++;
	return u[i] == ':' ? i : 0;
}

static char *
uri_strip_fragment(const char *u)
{
	const char *h = strchr(u, '#');

	return h ? xstrndup(u, (size_t)(h - u)) : xstrdup(u);
}

/* Removes "." and ".." segments in place (RFC 3986, 5.2.4, simplified). */
static void
uri_remove_dots(char *u)
{
	char *path = u, *out, *in;
	size_t sl = uri_scheme_len(u);

	if (sl)
		path = u + sl + 1;
	if (path[0] == '/' && path[1] == '/') {
		path = strchr(path + 2, '/');
		if (path == NULL)
			return;
	}
	out = in = path;
	while (*in && *in != '?' && *in != '#') {
		if (strncmp(in, "./", 2) == 0 && (in == path || in[-1] == '/')) {
			in += 2;
		} else if (strncmp(in, "../", 3) == 0 && (in == path || in[-1] == '/')) {
			in += 3;
			if (out > path) {
				out--;
				while (out > path && out[-1] != '/')
					out--;
			}
		} else {
			*out++ = *in++;
		}
	}
	memmove(out, in, strlen(in) + 1);
}

static char *
uri_resolve(const char *base, const char *ref)
{
	char *b, *r, *slash;
	size_t sl;

	if (uri_scheme_len(ref) || base[0] == '\0')
		return xstrdup(ref);
	if (ref[0] == '\0')
		return xstrdup(base);
	b = uri_strip_fragment(base);
	if (ref[0] == '#') {
		r = xasprintf("%s%s", b, ref);
	} else if (ref[0] == '/' && ref[1] == '/') {
		sl = uri_scheme_len(b);
		r = xasprintf("%.*s:%s", (int)sl, b, ref);
	} else if (ref[0] == '/') {
		sl = uri_scheme_len(b);
		if (sl && b[sl + 1] == '/' && b[sl + 2] == '/') {
			slash = strchr(b + sl + 3, '/');
			if (slash != NULL)
				*slash = '\0';
		}
		r = xasprintf("%s%s", b, ref);
	} else {
		sl = uri_scheme_len(b);
		slash = strrchr(b, '/');
		if (sl && b[sl + 1] == '/' && b[sl + 2] == '/' &&
		    (slash == NULL || slash < b + sl + 3))
			r = xasprintf("%s/%s", b, ref); /* authority, no path */
		else if (slash != NULL)
			r = xasprintf("%.*s%s", (int)(slash - b + 1), b, ref);
		else
			r = xstrdup(ref);
	}
	free(b);
	uri_remove_dots(r);
	return r;
}

/* Follows a JSON pointer ("/a/b~1c/0") from n; NULL when it leads nowhere. */
static const struct node *
json_pointer(const struct node *n, const char *ptr)
{
	struct buf tok = {0};

	while (n != NULL && *ptr == '/') {
		ptr++;
		tok.len = 0;
		buf_puts(&tok, "");
		while (*ptr && *ptr != '/') {
			if (ptr[0] == '~' && ptr[1] == '0') {
				buf_putc(&tok, '~');
				ptr += 2;
			} else if (ptr[0] == '~' && ptr[1] == '1') {
				buf_putc(&tok, '/');
				ptr += 2;
			} else {
				buf_putc(&tok, *ptr++);
			}
		}
		if (n->kind == NODE_MAP) {
			n = node_get(n, tok.data);
		} else if (n->kind == NODE_SEQ) {
			char *end;
			unsigned long idx = strtoul(tok.data, &end, 10);

			if (tok.len == 0 || *end != '\0' || idx >= n->n ||
			    (tok.data[0] == '0' && tok.len > 1))
				n = NULL;
			else
				n = n->items[idx];
		} else {
			n = NULL;
		}
	}
	buf_free(&tok);
	return *ptr == '\0' ? n : NULL;
}

/* ---- scan: base URIs and $id registrations ---- */

static int
is_schema_node(const struct node *n)
{
	return n != NULL && (n->kind == NODE_MAP || n->kind == NODE_BOOL);
}

static void sc_scan(struct schema *S, const struct node *n, const char *base,
    unsigned depth);

static void
sc_scan_map_values(struct schema *S, const struct node *m, const char *base,
    unsigned depth)
{
	if (m == NULL || m->kind != NODE_MAP)
		return;
	for (size_t i = 0; i < m->n; i++)
		sc_scan(S, m->pairs[i].value, base, depth);
}

static void
sc_scan_array(struct schema *S, const struct node *a, const char *base,
    unsigned depth)
{
	if (a == NULL || a->kind != NODE_SEQ)
		return;
	for (size_t i = 0; i < a->n; i++)
		sc_scan(S, a->items[i], base, depth);
}

static const char *const sc_single_keys[] = {
	"additionalItems", "additionalProperties", "contains", "propertyNames",
	"not", "if", "then", "else",
};

static void
sc_scan(struct schema *S, const struct node *n, const char *base,
    unsigned depth)
{
	struct smap_ent *e;
	const struct node *id, *items;

	if (!is_schema_node(n) || depth > JSON_MAX_DEPTH)
		return;
	e = smap_get(S, n, 1);
	if (e->base != NULL)
		return; /* reached twice: a YAML alias, keep the first base */
	if (n->kind != NODE_MAP) {
		e->base = base;
		return;
	}
	id = node_get(n, "$id");
	if (id != NULL && id->kind == NODE_STRING && node_get(n, "$ref") == NULL) {
		char *full = uri_resolve(base, id->str);

		sc_own(S, full);
		if (id->str[0] == '#') {
			sreg_add(S, full, n);
		} else {
			char *nb = uri_strip_fragment(full);

			base = sc_own(S, nb);
			sreg_add(S, base, n);
		}
	}
	e->base = base;
	sc_scan_map_values(S, node_get(n, "properties"), base, depth + 1);
	sc_scan_map_values(S, node_get(n, "patternProperties"), base, depth + 1);
	sc_scan_map_values(S, node_get(n, "definitions"), base, depth + 1);
	sc_scan_map_values(S, node_get(n, "dependencies"), base, depth + 1);
	items = node_get(n, "items");
	if (items != NULL && items->kind == NODE_SEQ)
		sc_scan_array(S, items, base, depth + 1);
	else
		sc_scan(S, items, base, depth + 1);
	for (size_t i = 0; i < NELEM(sc_single_keys); i++)
		sc_scan(S, node_get(n, sc_single_keys[i]), base, depth + 1);
	sc_scan_array(S, node_get(n, "allOf"), base, depth + 1);
	sc_scan_array(S, node_get(n, "anyOf"), base, depth + 1);
	sc_scan_array(S, node_get(n, "oneOf"), base, depth + 1);
}

/* ---- compile ---- */

static struct sch *sc_compile(struct schema *S, const struct node *n,
    const char *base);

static const char *
sc_base_of(struct schema *S, const struct node *n, const char *fallback)
{
	struct smap_ent *e = smap_get(S, n, 0);

	return e != NULL && e->base != NULL ? e->base : fallback;
}

static struct sch *
sc_sub(struct schema *S, const struct node *n, const char *base)
{
	return sc_compile(S, n, sc_base_of(S, n, base));
}

static int
sc_number(struct schema *S, const struct node *v, const char *kw, double *out)
{
	if (v->kind == NODE_INT) {
		*out = (double)v->v.i;
		return 0;
	}
	if (v->kind == NODE_FLOAT) {
		*out = v->v.f;
		return 0;
	}
	sc_fail(S, v, "'%s' must be a number", kw);
	return -1;
}

static int
sc_count(struct schema *S, const struct node *v, const char *kw, size_t *out)
{
	if (v->kind == NODE_INT && v->v.i >= 0) {
		*out = (size_t)v->v.i;
		return 0;
	}
	if (v->kind == NODE_FLOAT && v->v.f >= 0 && v->v.f == floor(v->v.f) &&
	    v->v.f < 1e18) {
		*out = (size_t)v->v.f;
		return 0;
	}
	sc_fail(S, v, "'%s' must be a non-negative integer", kw);
	return -1;
}

static void
sc_list(struct schema *S, const struct node *v, const char *kw,
    const char *base, struct sch_list *out)
{
	if (v->kind != NODE_SEQ || v->n == 0) {
		sc_fail(S, v, "'%s' must be a non-empty array of schemas", kw);
		return;
	}
	out->v = xcalloc(v->n, sizeof(*out->v));
	out->n = v->n;
	for (size_t i = 0; i < v->n; i++)
		out->v[i] = sc_sub(S, v->items[i], base);
}

static int
prop_cmp(const void *a, const void *b)
{
	const struct sch_prop *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static unsigned
sc_type_bit(const char *name)
{
	static const struct {
		const char *name;
		unsigned bits;
	} types[] = {
		{"null", TY_NULL}, {"boolean", TY_BOOL}, {"integer", TY_INT},
		{"number", TY_INT | TY_NUM}, {"string", TY_STR},
		{"array", TY_ARR}, {"object", TY_OBJ},
	};

	for (size_t i = 0; i < NELEM(types); i++)
		if (strcmp(name, types[i].name) == 0)
			return types[i].bits;
	return 0;
}

static struct rx *
sc_regex(struct schema *S, const struct node *v, const char *what)
{
	char *err = NULL;
	struct rx *re;

	if (v->kind != NODE_STRING) {
		sc_fail(S, v, "%s must be a string", what);
		return NULL;
	}
	re = rx_compile(v->str, v->len, &err);
	if (re == NULL) {
		sc_fail(S, v, "%s '%s': %s", what, v->str, err);
		free(err);
	}
	return re;
}

static void
sc_keyword(struct schema *S, struct sch *s, const char *kw,
    const struct node *v, const char *base)
{
	if (strcmp(kw, "type") == 0) {
		if (v->kind == NODE_STRING) {
			if ((s->types = sc_type_bit(v->str)) == 0)
				sc_fail(S, v, "unknown type '%s'", v->str);
		} else if (v->kind == NODE_SEQ) {
			for (size_t i = 0; i < v->n; i++) {
				unsigned bit = 0;

				if (v->items[i]->kind == NODE_STRING)
					bit = sc_type_bit(v->items[i]->str);
				if (bit == 0)
					sc_fail(S, v->items[i], "unknown type");
				s->types |= bit;
			}
			if (s->types == 0)
				s->types = 0x80; /* "type": [] admits nothing */
		} else {
			sc_fail(S, v, "'type' must be a string or an array");
		}
	} else if (strcmp(kw, "enum") == 0) {
		if (v->kind != NODE_SEQ)
			sc_fail(S, v, "'enum' must be an array");
		s->enum_v = v;
		s->has |= HAS_ENUM;
	} else if (strcmp(kw, "const") == 0) {
		s->const_v = v;
		s->has |= HAS_CONST;
	} else if (strcmp(kw, "minimum") == 0) {
		if (sc_number(S, v, kw, &s->minimum) == 0)
			s->has |= HAS_MIN;
	} else if (strcmp(kw, "maximum") == 0) {
		if (sc_number(S, v, kw, &s->maximum) == 0)
			s->has |= HAS_MAX;
	} else if (strcmp(kw, "exclusiveMinimum") == 0) {
		if (sc_number(S, v, kw, &s->xmin) == 0)
			s->has |= HAS_XMIN;
	} else if (strcmp(kw, "exclusiveMaximum") == 0) {
		if (sc_number(S, v, kw, &s->xmax) == 0)
			s->has |= HAS_XMAX;
	} else if (strcmp(kw, "multipleOf") == 0) {
		if (sc_number(S, v, kw, &s->multiple) == 0) {
			if (!(s->multiple > 0))
				sc_fail(S, v, "'multipleOf' must be greater than 0");
			s->has |= HAS_MULT;
		}
	} else if (strcmp(kw, "minLength") == 0) {
		if (sc_count(S, v, kw, &s->min_len) == 0)
			s->has |= HAS_MINLEN;
	} else if (strcmp(kw, "maxLength") == 0) {
		if (sc_count(S, v, kw, &s->max_len) == 0)
			s->has |= HAS_MAXLEN;
	} else if (strcmp(kw, "minItems") == 0) {
		if (sc_count(S, v, kw, &s->min_items) == 0)
			s->has |= HAS_MINITEMS;
	} else if (strcmp(kw, "maxItems") == 0) {
		if (sc_count(S, v, kw, &s->max_items) == 0)
			s->has |= HAS_MAXITEMS;
	} else if (strcmp(kw, "minProperties") == 0) {
		if (sc_count(S, v, kw, &s->min_props) == 0)
			s->has |= HAS_MINPROPS;
	} else if (strcmp(kw, "maxProperties") == 0) {
		if (sc_count(S, v, kw, &s->max_props) == 0)
			s->has |= HAS_MAXPROPS;
	} else if (strcmp(kw, "uniqueItems") == 0) {
		if (v->kind != NODE_BOOL)
			sc_fail(S, v, "'uniqueItems' must be a boolean");
		else if (v->v.b)
			s->has |= HAS_UNIQUE;
	} else if (strcmp(kw, "pattern") == 0) {
		s->pattern = sc_regex(S, v, "pattern");
		s->pattern_src = v->str;
	} else if (strcmp(kw, "properties") == 0) {
		if (v->kind != NODE_MAP) {
			sc_fail(S, v, "'properties' must be an object");
			return;
		}
		s->props = xcalloc(v->n ? v->n : 1, sizeof(*s->props));
		s->prop_names = xcalloc(v->n ? v->n : 1, sizeof(*s->prop_names));
		s->nprops = v->n;
		for (size_t i = 0; i < v->n; i++) {
			s->props[i].name = v->pairs[i].key->str;
			s->props[i].len = v->pairs[i].key->len;
			s->props[i].s = sc_sub(S, v->pairs[i].value, base);
			s->prop_names[i] = v->pairs[i].key->str;
		}
		qsort(s->props, s->nprops, sizeof(*s->props), prop_cmp);
	} else if (strcmp(kw, "patternProperties") == 0) {
		if (v->kind != NODE_MAP) {
			sc_fail(S, v, "'patternProperties' must be an object");
			return;
		}
		s->pats = xcalloc(v->n ? v->n : 1, sizeof(*s->pats));
		for (size_t i = 0; i < v->n; i++) {
			s->pats[i].re = sc_regex(S, v->pairs[i].key,
			    "patternProperties key");
			s->pats[i].s = sc_sub(S, v->pairs[i].value, base);
			s->npats++;
		}
	} else if (strcmp(kw, "additionalProperties") == 0) {
		s->addl_props = sc_sub(S, v, base);
	} else if (strcmp(kw, "required") == 0) {
		if (v->kind != NODE_SEQ) {
			sc_fail(S, v, "'required' must be an array of strings");
			return;
		}
		for (size_t i = 0; i < v->n; i++)
			if (v->items[i]->kind != NODE_STRING)
				sc_fail(S, v->items[i], "'required' must list strings");
		s->required = v;
	} else if (strcmp(kw, "propertyNames") == 0) {
		s->prop_names_s = sc_sub(S, v, base);
	} else if (strcmp(kw, "items") == 0) {
		if (v->kind == NODE_SEQ) {
			s->items_is_array = 1;
			s->items_v.n = v->n;
			s->items_v.v = xcalloc(v->n ? v->n : 1, sizeof(*s->items_v.v));
			for (size_t i = 0; i < v->n; i++)
				s->items_v.v[i] = sc_sub(S, v->items[i], base);
		} else {
			s->items = sc_sub(S, v, base);
		}
	} else if (strcmp(kw, "additionalItems") == 0) {
		s->addl_items = sc_sub(S, v, base);
	} else if (strcmp(kw, "contains") == 0) {
		s->contains = sc_sub(S, v, base);
	} else if (strcmp(kw, "allOf") == 0) {
		sc_list(S, v, kw, base, &s->all_of);
	} else if (strcmp(kw, "anyOf") == 0) {
		sc_list(S, v, kw, base, &s->any_of);
	} else if (strcmp(kw, "oneOf") == 0) {
		sc_list(S, v, kw, base, &s->one_of);
	} else if (strcmp(kw, "not") == 0) {
		s->not_s = sc_sub(S, v, base);
	} else if (strcmp(kw, "if") == 0) {
		s->if_s = sc_sub(S, v, base);
	} else if (strcmp(kw, "then") == 0) {
		s->then_s = sc_sub(S, v, base);
	} else if (strcmp(kw, "else") == 0) {
		s->else_s = sc_sub(S, v, base);
	} else if (strcmp(kw, "dependencies") == 0) {
		if (v->kind != NODE_MAP) {
			sc_fail(S, v, "'dependencies' must be an object");
			return;
		}
		s->deps = xcalloc(v->n ? v->n : 1, sizeof(*s->deps));
		s->ndeps = v->n;
		for (size_t i = 0; i < v->n; i++) {
			const struct node *dv = v->pairs[i].value;

			s->deps[i].name = v->pairs[i].key->str;
			s->deps[i].len = v->pairs[i].key->len;
			if (dv->kind == NODE_SEQ) {
				for (size_t j = 0; j < dv->n; j++)
					if (dv->items[j]->kind != NODE_STRING)
						sc_fail(S, dv->items[j],
						    "dependencies must list strings");
				s->deps[i].required = dv;
			} else {
				s->deps[i].s = sc_sub(S, dv, base);
			}
		}
	} else if (strcmp(kw, "definitions") == 0) {
		/* Compiled so that their mistakes are found at load time. */
		if (v->kind != NODE_MAP) {
			sc_fail(S, v, "'definitions' must be an object");
			return;
		}
		for (size_t i = 0; i < v->n; i++)
			sc_sub(S, v->pairs[i].value, base);
	} else if (strcmp(kw, "title") == 0) {
		s->title = node_str(v);
	} else if (strcmp(kw, "description") == 0) {
		s->description = node_str(v);
	}
	/* Anything else is an annotation (format, default, examples, ...). */
}

static struct sch *
sc_compile(struct schema *S, const struct node *n, const char *base)
{
	struct smap_ent *e = smap_get(S, n, 1);
	struct sch *s;
	const struct node *ref;

	if (e->s != NULL)
		return e->s;
	s = xcalloc(1, sizeof(*s));
	e->s = s;
	if (e->base == NULL)
		e->base = base;
	S->all = xgrow(S->all, &S->capall, S->nall + 1, sizeof(*S->all));
	S->all[S->nall++] = s;
	s->src = n;
	if (n->kind == NODE_BOOL) {
		s->is_bool = 1;
		s->bool_val = n->v.b;
		return s;
	}
	if (n->kind != NODE_MAP) {
		sc_fail(S, n, "a schema must be an object or a boolean, not %s",
		    node_kind_name(n->kind));
		s->is_bool = s->bool_val = 1;
		return s;
	}
	if ((ref = node_get(n, "$ref")) != NULL) {
		/* draft-07: $ref makes every sibling keyword ignored. */
		if (ref->kind != NODE_STRING) {
			sc_fail(S, ref, "'$ref' must be a string");
			return s;
		}
		S->refs = xgrow(S->refs, &S->caprefs, S->nrefs + 1, sizeof(*S->refs));
		S->refs[S->nrefs].s = s;
		S->refs[S->nrefs].uri = sc_own(S, uri_resolve(base, ref->str));
		S->refs[S->nrefs].at = ref;
		S->nrefs++;
		/* Definitions next to $ref may still be the target of pointers. */
		return s;
	}
	for (size_t i = 0; i < n->n && S->err == NULL; i++)
		sc_keyword(S, s, n->pairs[i].key->str, n->pairs[i].value, base);
	return s;
}

/* Resolves pending $refs; resolving may compile (and queue) more. */
static void
sc_resolve_refs(struct schema *S)
{
	for (size_t i = 0; i < S->nrefs && S->err == NULL; i++) {
		struct sref *r = &S->refs[i];
		const char *hash = strchr(r->uri, '#');
		char *docuri = hash ? xstrndup(r->uri, (size_t)(hash - r->uri))
		                    : xstrdup(r->uri);
		char *frag = hash ? percent_decode(hash + 1, strlen(hash + 1), 0) : xstrdup("");
		const struct node *doc = sreg_find(S, docuri), *target = NULL;

		if (doc != NULL && frag[0] == '\0')
			target = doc;
		else if (doc != NULL && frag[0] == '/')
			target = json_pointer(doc, frag);
		else if (doc != NULL)
			target = sreg_find(S, r->uri);
		if (target == NULL && doc == NULL)
			sc_fail(S, r->at, "cannot resolve $ref '%s': only references "
			    "inside the schema are supported", r->at->str);
		else if (target == NULL)
			sc_fail(S, r->at, "$ref '%s' points to nothing", r->at->str);
		else {
			/* sc_sub may grow S->refs: do not use r past this call. */
			struct sch *from = r->s;

			from->ref = sc_sub(S, target, sc_base_of(S, doc, ""));
		}
		free(docuri);
		free(frag);
	}
	/* A chain of $refs that comes back to itself can never be evaluated. */
	for (size_t i = 0; i < S->nall && S->err == NULL; i++) {
		const struct sch *s = S->all[i];
		size_t steps = 0;

		while (s->ref != NULL && steps <= S->nall) {
			s = s->ref;
			steps++;
		}
		if (s->ref != NULL)
			sc_fail(S, S->all[i]->src, "$ref cycle: this reference "
			    "never reaches a schema");
	}
}

static void
sch_free(struct sch *s)
{
	free(s->props);
	free(s->prop_names);
	rx_free(s->pattern);
	for (size_t i = 0; i < s->npats; i++)
		rx_free(s->pats[i].re);
	free(s->pats);
	free(s->items_v.v);
	free(s->all_of.v);
	free(s->any_of.v);
	free(s->one_of.v);
	free(s->deps);
	free(s);
}

void
schema_free(struct schema *S)
{
	if (S == NULL)
		return;
	for (size_t i = 0; i < S->nall; i++)
		sch_free(S->all[i]);
	free(S->all);
	free(S->map);
	free(S->reg);
	for (size_t i = 0; i < S->nstrs; i++)
		free(S->strs[i]);
	free(S->strs);
	free(S->refs);
	for (size_t i = 0; i < S->ndocs; i++)
		doc_free(S->docs[i]);
	free(S->docs);
	diags_free(&S->diags);
	free(S->err);
	free(S);
}

static const struct node *
sc_parse(struct schema *S, const char *name, const char *text, size_t len)
{
	struct doc *doc = json_load_buffer(name, text, len, &S->diags);

	S->docs = xrealloc(S->docs, (S->ndocs + 1) * sizeof(*S->docs));
	S->docs[S->ndocs++] = doc;
	if (doc->root == NULL && S->err == NULL) {
		if (S->diags.n > 0) {
			const struct diag *dg = &S->diags.v[0];

			S->err = xasprintf("%s:%u:%u: %s", name, dg->loc.line,
			    dg->loc.col, dg->msg);
		} else {
			S->err = xasprintf("%s: empty schema", name);
		}
	}
	return doc->root;
}

struct schema *
schema_load_ex(const char *json_text, size_t len, const struct schema_doc *docs,
    size_t ndocs, char **err)
{
	struct schema *S = xcalloc(1, sizeof(*S));
	const struct node *root;
	const char **uris = xcalloc(ndocs + 1, sizeof(*uris));
	const struct node **roots = xcalloc(ndocs + 1, sizeof(*roots));

	*err = NULL;
	root = sc_parse(S, "schema", json_text, len);
	for (size_t i = 0; i < ndocs && S->err == NULL; i++) {
		uris[i] = sc_own(S, uri_strip_fragment(docs[i].uri));
		roots[i] = sc_parse(S, docs[i].uri, docs[i].text, docs[i].len);
	}
	if (S->err == NULL) {
		/* Extra documents first: the main schema's own $ids win ties. */
		for (size_t i = 0; i < ndocs; i++) {
			sreg_add(S, uris[i], roots[i]);
			sc_scan(S, roots[i], uris[i], 0);
		}
		sreg_add(S, "", root);
		sc_scan(S, root, "", 0);
		S->root = sc_compile(S, root, sc_base_of(S, root, ""));
		for (size_t i = 0; i < ndocs && S->err == NULL; i++)
			sc_compile(S, roots[i], uris[i]);
		sc_resolve_refs(S);
	}
	free(uris);
	free(roots);
	if (S->err != NULL) {
		*err = S->err;
		S->err = NULL;
		schema_free(S);
		return NULL;
	}
	/* The schema documents' diagnostics are of no further use. */
	diags_free(&S->diags);
	memset(&S->diags, 0, sizeof(S->diags));
	return S;
}

struct schema *
schema_load(const char *json_text, size_t len, char **err)
{
	return schema_load_ex(json_text, len, NULL, 0, err);
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */
/* ------------------------------------------------------------------ */

enum v_mode {
	V_CHECK, /* stop at the first problem, record nothing */
	V_COUNT, /* count problems, record nothing */
	V_EMIT,  /* record every problem in c->d */
};

struct vseg {
	const char *key; /* NULL: an index */
	size_t idx;
};

#define V_PATH_MAX 160
#define NUM2STR_(x) #x
#define NUM2STR(x) NUM2STR_(x)

struct vctx {
	const struct schema *S;
	struct diags *d;
	enum v_mode mode;
	const char *file;
	struct vseg path[V_PATH_MAX];
	size_t npath;
	unsigned depth;
	/*
	 * Past SCHEMA_MAX_DEPTH or SCHEMA_MAX_STEPS every check fails at once,
	 * so that anyOf over a runaway $ref cannot go exponential; v_run then
	 * reports one E-SCHEMA-LIMIT where it happened.
	 */
	unsigned long steps;
	int aborted;
	const char *abort_why;
	const struct node *abort_at;
	struct buf abort_path;
};

static void
v_push_key(struct vctx *c, const char *key)
{
	if (c->npath < V_PATH_MAX)
		c->path[c->npath].key = key;
	c->npath++;
}

static void
v_push_idx(struct vctx *c, size_t idx)
{
	if (c->npath < V_PATH_MAX) {
		c->path[c->npath].key = NULL;
		c->path[c->npath].idx = idx;
	}
	c->npath++;
}

static void
v_pop(struct vctx *c)
{
	c->npath--;
}

static void
v_path_fmt(const struct vctx *c, struct buf *b)
{
	size_t n = c->npath < V_PATH_MAX ? c->npath : V_PATH_MAX;

	buf_puts(b, "");
	for (size_t i = 0; i < n; i++) {
		const struct vseg *g = &c->path[i];

		if (g->key == NULL)
			buf_printf(b, "[%zu]", g->idx);
		else
			node_path_key(b, g->key);
	}
}

static size_t PRINTF_LIKE(4, 5)
v_report(struct vctx *c, enum diag_code code, const struct node *at,
    const char *fmt, ...)
{
	struct buf path = {0};
	struct loc loc = {c->file, 1, 1};
	va_list ap;
	char *msg;

	if (c->mode != V_EMIT)
		return 1;
	if (at != NULL) {
		loc = at->loc;
		if (loc.file == NULL)
			loc.file = c->file;
	}
	v_path_fmt(c, &path);
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_add(c->d, code, loc, path.len ? path.data : NULL, "%s", msg);
	free(msg);
	buf_free(&path);
	return 1;
}

/* A short, quoted rendering of a value for messages. */
static const char *
v_show(const struct node *n, char *buf, size_t cap)
{
	size_t len;

	switch (n->kind) {
	case NODE_STRING:
		len = n->len;
		if (len > 60) {
			len = 57;
			while (len > 0 && ((unsigned char)n->str[len] & 0xc0) == 0x80)
				len--;
			snprintf(buf, cap, "'%.*s...'", (int)len, n->str);
		} else {
			snprintf(buf, cap, "'%s'", n->str);
		}
		return buf;
	case NODE_INT:
		snprintf(buf, cap, "%lld", n->v.i);
		return buf;
	case NODE_FLOAT:
		if (n->str != NULL)
			snprintf(buf, cap, "%s", n->str);
		else
			snprintf(buf, cap, "%.17g", n->v.f);
		return buf;
	case NODE_BOOL:
		return n->v.b ? "true" : "false";
	case NODE_NULL:
		return "null";
	case NODE_SEQ:
		return "a list";
	case NODE_MAP:
		return "a mapping";
	}
	return "?";
}

static const char *
v_kind_phrase(const struct node *n)
{
	switch (n->kind) {
	case NODE_NULL: return "null";
	case NODE_BOOL: return "a boolean";
	case NODE_INT: return "an integer";
	case NODE_FLOAT: return "a number";
	case NODE_STRING: return "a string";
	case NODE_SEQ: return "a list";
	case NODE_MAP: return "a mapping";
	}
	return "?";
}

static void v_types_phrase(unsigned types, struct buf *b);
static const char *v_show(const struct node *n, char *buf, size_t cap);
static const char *v_kind_phrase(const struct node *n);

/* The function of a long-form intrinsic ({"Ref": x}, {"Fn::Sub": ...}), or NULL. */
static const char *
v_intrinsic(const struct node *n)
{
	const char *k;

	if (n->kind != NODE_MAP || n->n != 1)
		return NULL;
	k = n->pairs[0].key->str;
	if (strcmp(k, "Ref") == 0 || strcmp(k, "Condition") == 0 ||
	    str_has_prefix(k, "Fn::"))
		return k;
	return NULL;
}

/* "expected X, got Y" for a value whose type the schema does not admit. */
static size_t
v_type_report(struct vctx *c, unsigned types, const struct node *n)
{
	struct buf want = {0};
	const char *fn = v_intrinsic(n);
	char sh[128];
	size_t e;

	if (c->mode != V_EMIT)
		return 1;
	v_types_phrase(types, &want);
	if (fn != NULL)
		e = v_report(c, DIAG_SCHEMA_TYPE, n, "expected %s, got the intrinsic "
		    "function %s, which is not accepted here", want.data, fn);
	else if (node_is_scalar(n) && n->kind != NODE_NULL)
		e = v_report(c, DIAG_SCHEMA_TYPE, n, "expected %s, got %s (%s)",
		    want.data, v_show(n, sh, sizeof(sh)), v_kind_phrase(n));
	else
		e = v_report(c, DIAG_SCHEMA_TYPE, n, "expected %s, got %s",
		    want.data, v_kind_phrase(n));
	buf_free(&want);
	return e;
}

static void
v_types_phrase(unsigned types, struct buf *b)
{
	static const struct {
		unsigned bit;
		const char *phrase;
	} names[] = {
		{TY_OBJ, "a mapping"}, {TY_ARR, "a list"}, {TY_STR, "a string"},
		{TY_NUM, "a number"}, {TY_INT, "an integer"},
		{TY_BOOL, "a boolean"}, {TY_NULL, "null"},
	};
	const char *v[NELEM(names)];
	size_t n = 0;

	if (types & TY_NUM)
		types &= ~(unsigned)TY_INT;
	for (size_t i = 0; i < NELEM(names); i++)
		if (types & names[i].bit)
			v[n++] = names[i].phrase;
	buf_puts(b, "");
	if (n == 0)
		buf_puts(b, "nothing");
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", v[i]);
}

static void
v_fmt_num(double d, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.15g", d);
}

static unsigned
v_inst_types(const struct node *n)
{
	switch (n->kind) {
	case NODE_NULL: return TY_NULL;
	case NODE_BOOL: return TY_BOOL;
	case NODE_INT: return TY_INT | TY_NUM;
	case NODE_FLOAT:
		/* draft-07: 1.0 is an integer; only the value counts. */
		return isfinite(n->v.f) && n->v.f == floor(n->v.f) ?
		    TY_INT | TY_NUM : TY_NUM;
	case NODE_STRING: return TY_STR;
	case NODE_SEQ: return TY_ARR;
	case NODE_MAP: return TY_OBJ;
	}
	return 0;
}

static const struct sch *
v_deref(const struct sch *s)
{
	while (s->ref != NULL)
		s = s->ref;
	return s;
}

static const struct sch_prop *
v_prop_find(const struct sch *s, const char *name, size_t len)
{
	size_t lo = 0, hi = s->nprops;
	struct sch_prop key = {name, len, NULL};

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = prop_cmp(&key, &s->props[mid]);

		if (c == 0)
			return &s->props[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static size_t v_node(struct vctx *c, const struct sch *s, const struct node *n);

static size_t
v_check(struct vctx *c, const struct sch *s, const struct node *n)
{
	enum v_mode m = c->mode;
	size_t e;

	c->mode = V_CHECK;
	e = v_node(c, s, n);
	c->mode = m;
	return e;
}

static size_t
v_count(struct vctx *c, const struct sch *s, const struct node *n)
{
	enum v_mode m = c->mode;
	size_t e;

	c->mode = V_COUNT;
	e = v_node(c, s, n);
	c->mode = m;
	return e;
}

/* How well a mapping fits a branch's properties; see v_score. */
static long
v_map_fit(const struct sch *b, const struct node *n, int depth)
{
	long fit = 0;

	for (size_t i = 0; i < n->n; i++) {
		const struct node *k = n->pairs[i].key;
		const struct sch_prop *p = v_prop_find(b, k->str, k->len);
		const struct sch *ps;

		if (p == NULL)
			continue;
		fit += 100;
		ps = v_deref(p->s);
		/* A property pinned by const/enum is a discriminator. */
		if ((ps->has & HAS_CONST) && !node_equal(ps->const_v, n->pairs[i].value))
			fit -= 150;
		if (ps->has & HAS_ENUM) {
			int found = 0;

			for (size_t j = 0; j < ps->enum_v->n && !found; j++)
				found = node_equal(ps->enum_v->items[j],
				    n->pairs[i].value);
			if (!found)
				fit -= 150;
		}
	}
	if (b->required != NULL && b->required->n > 0) {
		size_t missing = 0;

		for (size_t i = 0; i < b->required->n; i++)
			if (node_find(n, b->required->items[i]->str) == NULL)
				missing++;
		fit += missing == 0 ? 50 : -10 * (long)missing;
	}
	if (depth > 0)
		for (size_t i = 0; i < b->all_of.n; i++)
			fit += v_map_fit(v_deref(b->all_of.v[i]), n, depth - 1);
	return fit;
}

/*
 * Ranks an anyOf/oneOf branch that n failed: 0 when n has a type the
 * branch does not admit, then higher the more of n's keys the branch knows
 * and the fewer of its discriminators n contradicts.
 */
static long
v_score(const struct sch *b, const struct node *n, int depth)
{
	long score = 2;

	b = v_deref(b);
	if (b->is_bool)
		return b->bool_val;
	if (b->types && !(b->types & v_inst_types(n)))
		return 0;
	if ((b->has & HAS_CONST) && !node_equal(b->const_v, n))
		return 1;
	if (b->types == 0 && depth > 0 && (b->any_of.n || b->one_of.n)) {
		/* A typeless anyOf/oneOf fits as well as its best member. */
		const struct sch_list *l = b->any_of.n ? &b->any_of : &b->one_of;
		long best = 0;

		for (size_t i = 0; i < l->n; i++) {
			long sc = v_score(l->v[i], n, depth - 1);

			if (sc > best)
				best = sc;
		}
		return best;
	}
	if (n->kind == NODE_MAP)
		score += 1000 + v_map_fit(b, n, 2);
	return score;
}

/* The one required key of a branch that says nothing else, or NULL. */
static const char *
v_required_only(const struct sch *b)
{
	b = v_deref(b);
	if (b->is_bool || b->required == NULL || b->required->n != 1)
		return NULL;
	for (size_t i = 0; i < b->src->n; i++) {
		const char *k = b->src->pairs[i].key->str;

		if (strcmp(k, "required") != 0 && strcmp(k, "description") != 0 &&
		    strcmp(k, "title") != 0 && strcmp(k, "$comment") != 0)
			return NULL;
	}
	return b->required->items[0]->str;
}

static const char *
v_branch_name(const struct sch *b, size_t i, char *buf, size_t cap)
{
	const char *req = v_required_only(b);

	b = v_deref(b);
	if (b->title != NULL)
		snprintf(buf, cap, "'%s'", b->title);
	else if (req != NULL)
		snprintf(buf, cap, "the one with '%s'", req);
	else
		snprintf(buf, cap, "form %zu", i + 1);
	return buf;
}

/*
 * "oneOf": [{"required": ["a"]}, {"required": ["b"]}] is the idiom for
 * "exactly one of a and b": say that, rather than that 'a' is missing.
 */
static size_t
v_of_required(struct vctx *c, const struct sch_list *l, const struct node *n,
    int one)
{
	struct buf names = {0};
	size_t e;

	for (size_t i = 0; i < l->n; i++)
		if (v_required_only(l->v[i]) == NULL)
			return 0;
	buf_puts(&names, "");
	for (size_t i = 0; i < l->n; i++)
		buf_printf(&names, "%s'%s'", i == 0 ? "" : i + 1 == l->n ? " or " : ", ",
		    v_required_only(l->v[i]));
	e = v_report(c, DIAG_SCHEMA_REQUIRED, n, "needs %s of %s",
	    one ? "exactly one" : "at least one", names.data);
	buf_free(&names);
	return e;
}

/* The types a branch admits, looking through typeless anyOf/oneOf; 0: any. */
static unsigned
v_branch_types(const struct sch *b, int depth)
{
	const struct sch_list *l;
	unsigned t = 0;

	b = v_deref(b);
	if (b->is_bool)
		return b->bool_val ? 0 : 0x80;
	if (b->types || depth == 0)
		return b->types;
	l = b->any_of.n ? &b->any_of : b->one_of.n ? &b->one_of : NULL;
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		unsigned bt = v_branch_types(l->v[i], depth - 1);

		if (bt == 0)
			return 0;
		t |= bt;
	}
	return t;
}

/* anyOf (one == 0) and oneOf (one == 1). */
static size_t
v_of(struct vctx *c, const struct sch_list *l, const struct node *n, int one)
{
	size_t first = SIZE_MAX, second = SIZE_MAX, best = 0, best_errs = 0, e;
	long best_score = -1;
	unsigned types = 0, bt;
	int any_type = 0;
	char b1[96], b2[96];

	for (size_t i = 0; i < l->n; i++) {
		if (v_check(c, l->v[i], n) != 0)
			continue;
		if (!one)
			return 0;
		if (first == SIZE_MAX) {
			first = i;
		} else {
			second = i;
			break;
		}
	}
	if (first != SIZE_MAX && second == SIZE_MAX)
		return 0;
	if (c->mode != V_EMIT)
		return 1;
	if (second != SIZE_MAX)
		return v_report(c, DIAG_SCHEMA_ONE_OF, n,
		    "matches more than one of the allowed forms: %s and %s",
		    v_branch_name(l->v[first], first, b1, sizeof(b1)),
		    v_branch_name(l->v[second], second, b2, sizeof(b2)));
	if (n->kind == NODE_MAP && v_of_required(c, l, n, one))
		return 1;
	/* No branch matched: report the errors of the most plausible one. */
	for (size_t i = 0; i < l->n; i++) {
		const struct sch *b = v_deref(l->v[i]);
		long score = v_score(b, n, 4);
		size_t errs = 0;

		bt = v_branch_types(b, 4);
		any_type |= bt == 0;
		types |= bt;
		if (score < best_score)
			continue;
		errs = score > 0 ? v_count(c, b, n) : 0;
		if (score > best_score || errs < best_errs) {
			best = i;
			best_score = score;
			best_errs = errs;
		}
	}
	if (best_score <= 0 && !any_type && (types & 0x7f) != 0)
		return v_type_report(c, types & 0x7f, n);
	if ((e = v_node(c, l->v[best], n)) == 0)
		return v_report(c, DIAG_SCHEMA, n,
		    "does not match any of the allowed forms");
	return e;
}

static int
v_enum_has(const struct node *e, const struct node *n)
{
	for (size_t i = 0; i < e->n; i++)
		if (node_equal(e->items[i], n))
			return 1;
	return 0;
}

static size_t
v_enum_report(struct vctx *c, const struct sch *s, const struct node *n)
{
	struct buf list = {0};
	const char *cands[16];
	size_t ncands = 0;
	const char *sug = NULL;
	char sh[128];
	size_t e;

	if (c->mode != V_EMIT)
		return 1; /* messages cost; anyOf branches fail often */
	buf_puts(&list, "");
	for (size_t i = 0; i < s->enum_v->n; i++) {
		const struct node *it = s->enum_v->items[i];

		/* All of them, so the user sees the choice, unless absurdly many. */
		if (i == 32 || list.len > 400) {
			buf_printf(&list, ", ... (%zu values)", s->enum_v->n);
			break;
		}
		buf_printf(&list, "%s%s", i ? ", " : "", v_show(it, sh, sizeof(sh)));
	}
	if (n->kind == NODE_STRING) {
		for (size_t i = 0; i < s->enum_v->n && ncands < NELEM(cands); i++)
			if (s->enum_v->items[i]->kind == NODE_STRING)
				cands[ncands++] = s->enum_v->items[i]->str;
		sug = str_suggest(n->str, cands, ncands);
	}
	if (sug != NULL)
		e = v_report(c, DIAG_SCHEMA_ENUM, n,
		    "%s is not one of %s (did you mean '%s'?)",
		    v_show(n, sh, sizeof(sh)), list.data, sug);
	else
		e = v_report(c, DIAG_SCHEMA_ENUM, n, "%s is not one of %s",
		    v_show(n, sh, sizeof(sh)), list.data);
	buf_free(&list);
	return e;
}

#define V_ERR(expr)                                                   \
	do {                                                          \
		errs += (expr);                                       \
		if (errs != 0 && c->mode == V_CHECK)                  \
			return errs;                                  \
	} while (0)

static size_t
v_number(struct vctx *c, const struct sch *s, const struct node *n)
{
	long double v = n->kind == NODE_INT ? (long double)n->v.i : n->v.f;
	char a[64], b[64];
	size_t errs = 0;

	/* Only failures format; a[] is filled by the first one. */
	a[0] = '\0';
#define V_A (a[0] ? a : v_show(n, a, sizeof(a)))
	if ((s->has & HAS_MIN) && v < s->minimum) {
		v_fmt_num(s->minimum, b, sizeof(b));
		V_ERR(v_report(c, DIAG_SCHEMA_RANGE, n,
		    "%s is below the minimum %s", V_A, b));
	}
	if ((s->has & HAS_MAX) && v > s->maximum) {
		v_fmt_num(s->maximum, b, sizeof(b));
		V_ERR(v_report(c, DIAG_SCHEMA_RANGE, n,
		    "%s is above the maximum %s", V_A, b));
	}
	if ((s->has & HAS_XMIN) && v <= s->xmin) {
		v_fmt_num(s->xmin, b, sizeof(b));
		V_ERR(v_report(c, DIAG_SCHEMA_RANGE, n,
		    "%s must be greater than %s", V_A, b));
	}
	if ((s->has & HAS_XMAX) && v >= s->xmax) {
		v_fmt_num(s->xmax, b, sizeof(b));
		V_ERR(v_report(c, DIAG_SCHEMA_RANGE, n,
		    "%s must be less than %s", V_A, b));
	}
	if (s->has & HAS_MULT) {
		int ok;

		if (n->kind == NODE_INT && s->multiple == floor(s->multiple) &&
		    s->multiple < 9e18) {
			ok = n->v.i % (long long)s->multiple == 0;
		} else {
			double q = (double)v / s->multiple;

			ok = isfinite(q) && q == floor(q);
		}
		if (!ok) {
			v_fmt_num(s->multiple, b, sizeof(b));
			V_ERR(v_report(c, DIAG_SCHEMA_RANGE, n,
			    "%s is not a multiple of %s", V_A, b));
		}
	}
#undef V_A
	return errs;
}

static size_t
v_string(struct vctx *c, const struct sch *s, const struct node *n)
{
	size_t errs = 0, len;
	char sh[128];

	if (s->has & (HAS_MINLEN | HAS_MAXLEN)) {
		len = u8_count(n->str, n->len);
		if ((s->has & HAS_MINLEN) && len < s->min_len)
			V_ERR(v_report(c, DIAG_SCHEMA_LENGTH, n,
			    "%s is too short (%zu characters, minimum %zu)",
			    v_show(n, sh, sizeof(sh)), len, s->min_len));
		if ((s->has & HAS_MAXLEN) && len > s->max_len)
			V_ERR(v_report(c, DIAG_SCHEMA_LENGTH, n,
			    "%s is too long (%zu characters, maximum %zu)",
			    v_show(n, sh, sizeof(sh)), len, s->max_len));
	}
	if (s->pattern != NULL) {
		int r = rx_search(s->pattern, n->str, n->len);

		if (r < 0)
			V_ERR(v_report(c, DIAG_SCHEMA_LIMIT, n,
			    "%s is too complex to match against the pattern '%s'",
			    v_show(n, sh, sizeof(sh)), s->pattern_src));
		else if (r == 0)
			V_ERR(v_report(c, DIAG_SCHEMA_PATTERN, n,
			    "%s does not match the pattern '%s'",
			    v_show(n, sh, sizeof(sh)), s->pattern_src));
	}
	return errs;
}

/* A hash that agrees with node_equal: 1 and 1.0 alike, maps in any order. */
static uint64_t
v_hash(const struct node *n, unsigned depth)
{
	uint64_t h = 1469598103934665603ull;
	double d;

	switch (n->kind) {
	case NODE_NULL:
		return 1;
	case NODE_BOOL:
		return 2 + (uint64_t)n->v.b;
	case NODE_INT:
	case NODE_FLOAT:
		d = n->kind == NODE_INT ? (double)n->v.i : n->v.f;
		if (d == 0)
			d = 0; /* -0.0 equals 0 */
		memcpy(&h, &d, sizeof(h));
		return h * 0x9e3779b97f4a7c15ull + 3;
	case NODE_STRING:
		for (size_t i = 0; i < n->len; i++)
			h = (h ^ (unsigned char)n->str[i]) * 1099511628211ull;
		return h;
	case NODE_SEQ:
		if (depth > 64)
			return 5;
		for (size_t i = 0; i < n->n; i++)
			h = (h ^ v_hash(n->items[i], depth + 1)) * 1099511628211ull;
		return h + 5;
	case NODE_MAP:
		if (depth > 64)
			return 7;
		/* A sum does not depend on the order of the pairs. */
		for (size_t i = 0; i < n->n; i++)
			h += v_hash(n->pairs[i].key, depth + 1) * 31 +
			    v_hash(n->pairs[i].value, depth + 1);
		return h + 7;
	}
	return 0;
}

struct v_hidx {
	uint64_t h;
	size_t i;
};

static int
v_hidx_cmp(const void *a, const void *b)
{
	const struct v_hidx *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * uniqueItems. Short lists compare every pair; long ones sort by hash first,
 * so a list of 100,000 items costs n log n, not n^2 comparisons.
 */
static size_t
v_unique(struct vctx *c, const struct node *n)
{
	struct v_hidx *v;
	size_t errs = 0;

	if (n->n <= 32) {
		for (size_t j = 1; j < n->n; j++) {
			for (size_t i = 0; i < j; i++) {
				if (!node_equal(n->items[i], n->items[j]))
					continue;
				v_push_idx(c, j);
				errs += v_report(c, DIAG_SCHEMA_UNIQUE, n->items[j],
				    "duplicate of item %zu", i);
				v_pop(c);
				if (c->mode == V_CHECK)
					return errs;
				break;
			}
		}
		return errs;
	}
	v = xmalloc(n->n * sizeof(*v));
	for (size_t i = 0; i < n->n; i++) {
		v[i].h = v_hash(n->items[i], 0);
		v[i].i = i;
	}
	qsort(v, n->n, sizeof(*v), v_hidx_cmp);
	/* Within a run of equal hashes, report each item against the first
	 * earlier item it equals, as the pairwise loop does. */
	for (size_t a = 0; a < n->n && !(errs && c->mode == V_CHECK); ) {
		size_t b = a + 1;

		while (b < n->n && v[b].h == v[a].h)
			b++;
		for (size_t j = a + 1; j < b; j++) {
			for (size_t i = a; i < j; i++) {
				if (!node_equal(n->items[v[i].i], n->items[v[j].i]))
					continue;
				v_push_idx(c, v[j].i);
				errs += v_report(c, DIAG_SCHEMA_UNIQUE,
				    n->items[v[j].i], "duplicate of item %zu", v[i].i);
				v_pop(c);
				break;
			}
			if (errs && c->mode == V_CHECK)
				break;
		}
		a = b;
	}
	free(v);
	return errs;
}

static size_t
v_array(struct vctx *c, const struct sch *s, const struct node *n)
{
	size_t errs = 0;

	if ((s->has & HAS_MINITEMS) && n->n < s->min_items)
		V_ERR(v_report(c, DIAG_SCHEMA_COUNT, n,
		    "has %zu item%s, at least %zu required", n->n,
		    n->n == 1 ? "" : "s", s->min_items));
	if ((s->has & HAS_MAXITEMS) && n->n > s->max_items)
		V_ERR(v_report(c, DIAG_SCHEMA_COUNT, n,
		    "has %zu items, at most %zu allowed", n->n, s->max_items));
	if (s->items != NULL) {
		for (size_t i = 0; i < n->n; i++) {
			v_push_idx(c, i);
			errs += v_node(c, s->items, n->items[i]);
			v_pop(c);
			if (errs && c->mode == V_CHECK)
				return errs;
		}
	} else if (s->items_is_array) {
		for (size_t i = 0; i < n->n; i++) {
			const struct sch *is = i < s->items_v.n ? s->items_v.v[i]
			                                         : s->addl_items;

			if (is == NULL)
				break;
			v_push_idx(c, i);
			if (i >= s->items_v.n && v_deref(is)->is_bool &&
			    !v_deref(is)->bool_val)
				errs += v_report(c, DIAG_SCHEMA_COUNT, n->items[i],
				    "unexpected item: at most %zu allowed",
				    s->items_v.n);
			else
				errs += v_node(c, is, n->items[i]);
			v_pop(c);
			if (errs && c->mode == V_CHECK)
				return errs;
		}
	}
	if ((s->has & HAS_UNIQUE) && n->n > 1)
		V_ERR(v_unique(c, n));
	if (s->contains != NULL) {
		int found = 0;

		for (size_t i = 0; i < n->n && !found; i++) {
			v_push_idx(c, i);
			found = v_check(c, s->contains, n->items[i]) == 0;
			v_pop(c);
		}
		if (!found) {
			const struct sch *cs = v_deref(s->contains);

			if (cs->description != NULL)
				V_ERR(v_report(c, DIAG_SCHEMA, n,
				    "no item matches the required form (%s)",
				    cs->description));
			else
				V_ERR(v_report(c, DIAG_SCHEMA, n,
				    "no item matches the required form"));
		}
	}
	return errs;
}

static size_t
v_object(struct vctx *c, const struct sch *s, const struct node *n)
{
	size_t errs = 0;

	if (s->required != NULL) {
		for (size_t i = 0; i < s->required->n; i++) {
			const char *name = s->required->items[i]->str;

			if (node_find(n, name) == NULL)
				V_ERR(v_report(c, DIAG_SCHEMA_REQUIRED, n,
				    "missing required property '%s'", name));
		}
	}
	if ((s->has & HAS_MINPROPS) && n->n < s->min_props)
		V_ERR(v_report(c, DIAG_SCHEMA_COUNT, n,
		    "has %zu propert%s, at least %zu required", n->n,
		    n->n == 1 ? "y" : "ies", s->min_props));
	if ((s->has & HAS_MAXPROPS) && n->n > s->max_props) {
		struct buf keys = {0};

		if (c->mode != V_EMIT) {
			errs++;
			if (c->mode == V_CHECK)
				return errs;
			goto props;
		}
		buf_puts(&keys, "");
		for (size_t i = 0; i < n->n && i < 8; i++)
			buf_printf(&keys, "%s%s", i ? ", " : "", n->pairs[i].key->str);
		errs += v_report(c, DIAG_SCHEMA_COUNT, n,
		    "has %zu properties (%s%s), at most %zu allowed", n->n,
		    keys.data, n->n > 8 ? ", ..." : "", s->max_props);
		buf_free(&keys);
	}
props:
	if (s->nprops || s->npats || s->addl_props) {
		const struct sch *addl = s->addl_props ? v_deref(s->addl_props) : NULL;

		for (size_t i = 0; i < n->n; i++) {
			const struct node *k = n->pairs[i].key;
			const struct node *val = n->pairs[i].value;
			const struct sch_prop *p = v_prop_find(s, k->str, k->len);
			int matched = p != NULL;

			v_push_key(c, k->str);
			if (p != NULL)
				errs += v_node(c, p->s, val);
			for (size_t j = 0; j < s->npats; j++) {
				int r = rx_search(s->pats[j].re, k->str, k->len);

				if (r < 0) {
					errs += v_report(c, DIAG_SCHEMA_LIMIT, k,
					    "property name too complex to match");
				} else if (r > 0) {
					matched = 1;
					errs += v_node(c, s->pats[j].s, val);
				}
			}
			if (!matched && addl != NULL) {
				if (addl->is_bool && !addl->bool_val) {
					const char *sug = str_suggest(k->str,
					    s->prop_names, s->nprops);

					if (sug != NULL)
						errs += v_report(c,
						    DIAG_SCHEMA_UNKNOWN_PROPERTY, k,
						    "unknown property '%s' (did you mean '%s'?)",
						    k->str, sug);
					else
						errs += v_report(c,
						    DIAG_SCHEMA_UNKNOWN_PROPERTY, k,
						    "unknown property '%s'", k->str);
				} else {
					errs += v_node(c, addl, val);
				}
			}
			v_pop(c);
			if (errs && c->mode == V_CHECK)
				return errs;
		}
	}
	if (s->prop_names_s != NULL) {
		for (size_t i = 0; i < n->n; i++) {
			v_push_key(c, n->pairs[i].key->str);
			errs += v_node(c, s->prop_names_s, n->pairs[i].key);
			v_pop(c);
			if (errs && c->mode == V_CHECK)
				return errs;
		}
	}
	for (size_t i = 0; i < s->ndeps; i++) {
		const struct sch_dep *dp = &s->deps[i];
		const struct node_pair *kp = node_find(n, dp->name);

		if (kp == NULL)
			continue;
		if (dp->required != NULL) {
			for (size_t j = 0; j < dp->required->n; j++) {
				const char *need = dp->required->items[j]->str;

				if (node_find(n, need) != NULL)
					continue;
				v_push_key(c, kp->key->str);
				errs += v_report(c, DIAG_SCHEMA_DEPENDENCY, kp->key,
				    "property '%s' requires property '%s'",
				    dp->name, need);
				v_pop(c);
				if (c->mode == V_CHECK)
					return errs;
			}
		} else {
			V_ERR(v_node(c, dp->s, n));
		}
	}
	return errs;
}

static size_t
v_node_inner(struct vctx *c, const struct sch *s, const struct node *n)
{
	size_t errs = 0;
	char sh[128];

	s = v_deref(s);
	if (s->is_bool) {
		if (s->bool_val)
			return 0;
		if (c->npath > 0 && c->npath <= V_PATH_MAX &&
		    c->path[c->npath - 1].key != NULL)
			return v_report(c, DIAG_SCHEMA_UNKNOWN_PROPERTY, n,
			    "property '%s' is not allowed",
			    c->path[c->npath - 1].key);
		return v_report(c, DIAG_SCHEMA, n, "no value is allowed here");
	}
	/* After a type error every other keyword would only repeat it. */
	if (s->types && !(s->types & v_inst_types(n)))
		return v_type_report(c, s->types, n);
	if ((s->has & HAS_ENUM) && !v_enum_has(s->enum_v, n))
		V_ERR(v_enum_report(c, s, n));
	if ((s->has & HAS_CONST) && !node_equal(s->const_v, n)) {
		char want[128];

		V_ERR(v_report(c, DIAG_SCHEMA_ENUM, n, "expected %s, got %s",
		    v_show(s->const_v, want, sizeof(want)),
		    v_show(n, sh, sizeof(sh))));
	}
	switch (n->kind) {
	case NODE_INT:
	case NODE_FLOAT:
		V_ERR(v_number(c, s, n));
		break;
	case NODE_STRING:
		V_ERR(v_string(c, s, n));
		break;
	case NODE_SEQ:
		V_ERR(v_array(c, s, n));
		break;
	case NODE_MAP:
		V_ERR(v_object(c, s, n));
		break;
	default:
		break;
	}
	for (size_t i = 0; i < s->all_of.n; i++)
		V_ERR(v_node(c, s->all_of.v[i], n));
	if (s->any_of.n)
		V_ERR(v_of(c, &s->any_of, n, 0));
	if (s->one_of.n)
		V_ERR(v_of(c, &s->one_of, n, 1));
	if (s->not_s != NULL && v_check(c, s->not_s, n) == 0) {
		const struct sch *ns = v_deref(s->not_s);

		if (ns->description != NULL)
			V_ERR(v_report(c, DIAG_SCHEMA_NOT, n,
			    "is not allowed: %s", ns->description));
		else
			V_ERR(v_report(c, DIAG_SCHEMA_NOT, n,
			    "matches a form that is not allowed here"));
	}
	if (s->if_s != NULL) {
		if (v_check(c, s->if_s, n) == 0) {
			if (s->then_s != NULL)
				V_ERR(v_node(c, s->then_s, n));
		} else if (s->else_s != NULL) {
			V_ERR(v_node(c, s->else_s, n));
		}
	}
	return errs;
}

static size_t
v_node(struct vctx *c, const struct sch *s, const struct node *n)
{
	size_t errs;

	if (c->aborted)
		return 1;
	if (c->depth >= SCHEMA_MAX_DEPTH || ++c->steps > SCHEMA_MAX_STEPS) {
		c->aborted = 1;
		c->abort_why = c->depth >= SCHEMA_MAX_DEPTH ?
		    "schema nesting deeper than " NUM2STR(SCHEMA_MAX_DEPTH)
		    " levels (a $ref cycle?)" :
		    "more than " NUM2STR(SCHEMA_MAX_STEPS) " schema checks";
		c->abort_at = n;
		v_path_fmt(c, &c->abort_path);
		return 1;
	}
	c->depth++;
	errs = v_node_inner(c, s, n);
	c->depth--;
	return errs;
}

static size_t
v_run(const struct schema *S, const struct node *n, const char *file,
    struct diags *d, enum v_mode mode)
{
	struct vctx *c = xcalloc(1, sizeof(*c));
	struct node null_node;
	size_t errs, before;

	if (n == NULL) {
		memset(&null_node, 0, sizeof(null_node));
		null_node.kind = NODE_NULL;
		null_node.loc.file = file;
		null_node.loc.line = 1;
		null_node.loc.col = 1;
		null_node.str = "";
		n = &null_node;
	}
	c->S = S;
	c->d = d;
	c->mode = mode;
	c->file = file;
	before = d != NULL ? d->nerrors : 0;
	errs = v_node(c, S->root, n);
	if (c->aborted && mode == V_EMIT) {
		struct loc loc = c->abort_at->loc;

		if (loc.file == NULL)
			loc.file = file;
		diag_add(d, DIAG_SCHEMA_LIMIT, loc, c->abort_path.data,
		    "validation stopped: %s", c->abort_why);
		/* Checks after the abort failed without a diagnostic: recount. */
		errs = d->nerrors - before;
	}
	buf_free(&c->abort_path);
	free(c);
	return errs;
}

size_t
schema_validate(const struct schema *S, const struct node *instance,
    const char *file, struct diags *d)
{
	return v_run(S, instance, file, d, V_EMIT);
}

int
schema_is_valid(const struct schema *S, const struct node *instance)
{
	return v_run(S, instance, NULL, NULL, V_CHECK) == 0;
}
