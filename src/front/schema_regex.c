/*
 * schema_regex.c - the ECMA-262 regex subset of JSON Schema patterns.
 *
 * rxp_* parses a pattern into alternatives of sequences of atoms (struct
 * rx_node); rx_* matches them by backtracking, with the rest of the match
 * passed down as a continuation (struct rx_k) so that quantified groups can
 * give back what they took. Matching works on code points; a stray byte in
 * the subject stands for itself.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "front/schema_regex.h"

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

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
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

void
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

/*
 * Parses a group with p->pos just past '(': the kind it names after "(?"
 * (none, ':', '=', '!', "<name>"), then its alternatives up to ')'.
 */
static void
rxp_group(struct rxp *p, struct rx_node *n, unsigned depth)
{
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
}

/* Parses an escape outside a class, with p->pos just past the backslash. */
static void
rxp_atom_escape(struct rxp *p, struct rx_node *n)
{
	int cls, assert;

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
}

/* Parses the quantifier after atom n, if there is one, at p->pos. */
static void
rxp_quantifier(struct rxp *p, struct rx_node *n)
{
	char ch = p->s[p->pos];
	unsigned min, max;

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
		return;
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
	    p->s[p->pos] == '?'))
		rxp_fail(p, "nothing to repeat before '%c'", p->s[p->pos]);
}

/* Parses atoms and their quantifiers up to '|', ')' or the end. */
static void
rxp_seq(struct rxp *p, struct rx_seq *seq, unsigned depth)
{
	while (p->pos < p->len && p->err == NULL) {
		char ch = p->s[p->pos];
		struct rx_node *n;
		unsigned min, max;

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
			rxp_group(p, n, depth);
			break;
		case '\\':
			p->pos++;
			rxp_atom_escape(p, n);
			break;
		default:
			n->op = RX_CHAR;
			n->c = u8_next(p->s, p->len, &p->pos);
			break;
		}
		if (p->err == NULL && p->pos < p->len)
			rxp_quantifier(p, n);
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

struct rx *
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

/* ------------------------------------------------------------------ */
/* Matching                                                            */
/* ------------------------------------------------------------------ */

struct rx_m {
	const char *s;
	size_t len;
	unsigned long steps, max_steps;
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

	if (++m->steps > m->max_steps)
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

		if (++m->steps > m->max_steps) {
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
				if (n == a->min || ++m->steps > m->max_steps) {
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
				if (++m->steps > m->max_steps) {
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

int
rx_search(const struct rx *re, const char *s, size_t len,
    unsigned long max_steps)
{
	struct rx_m m = {s, len, 0, max_steps, 0};
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
