/*
 * sigv4.c - AWS Signature Version 4.
 *
 * The rules follow the published SigV4 specification; where the services
 * and the SDKs disagree with a literal reading of it, botocore is the
 * reference (tests/test_aws_sigv4.py checks every difference that matters):
 * non-S3 paths are normalised and encoded a second time, S3 paths are signed
 * as sent; the query string is split on '&' and sorted by key, then value,
 * without re-encoding; header values have every run of white space folded to
 * one space; a few hop-by-hop headers are never signed.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* explicit_bzero, also in the bootstrap build */
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/sigv4.h"
#include "aws/sigv4_hash.h"
#include "base/util.h"

/* Headers a proxy may change or drop; signing them would break requests. */
static const char *const sigv4_unsigned[] = {
	"connection", "expect", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
	"user-agent", "x-amzn-trace-id",
};

void
aws_uri_encode(struct buf *b, const char *s, size_t n, const char *safe)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' || (c != '\0' && safe && strchr(safe, c))) {
			buf_putc(b, c);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}

static void
hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
aws_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[32];

	sigv4_sha256(data, len, md);
	hex_encode(md, sizeof md, hex);
}

static void
hmac_sha256(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
	sigv4_hmac_sha256(key, keylen, msg, strlen(msg), out);
}

/* Python's str.split() white space, limited to ASCII. */
static int
is_py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Trims and folds runs of white space to one space. */
static void
header_value_fold(struct buf *b, const char *v)
{
	int pending = 0, any = 0;

	for (; *v; v++) {
		if (is_py_space((unsigned char)*v)) {
			pending = any;
			continue;
		}
		if (pending)
			buf_putc(b, ' ');
		pending = 0;
		any = 1;
		buf_putc(b, *v);
	}
}

/* RFC 3986 5.2.4 plus the removal of empty segments that AWS wants. */
static void
path_normalize(struct buf *out, const char *p, size_t n)
{
	const char **seg = NULL;
	size_t *len = NULL, nseg = 0, cap = 0, cap2 = 0, i = 0, j;

	if (n == 0) {
		buf_putc(out, '/');
		return;
	}
	while (i <= n) {
		size_t s = i;
		while (i < n && p[i] != '/')
			i++;
		if (i > s && !(i - s == 1 && p[s] == '.')) {
			if (i - s == 2 && p[s] == '.' && p[s + 1] == '.') {
				if (nseg > 0)
					nseg--;
			} else {
				seg = xgrow(seg, &cap, nseg + 1, sizeof *seg);
				len = xgrow(len, &cap2, nseg + 1, sizeof *len);
				seg[nseg] = p + s;
				len[nseg++] = i - s;
			}
		}
		i++;
	}
	if (p[0] == '/')
		buf_putc(out, '/');
	for (j = 0; j < nseg; j++) {
		if (j > 0)
			buf_putc(out, '/');
		buf_append(out, seg[j], len[j]);
	}
	if (p[n - 1] == '/' && nseg > 0)
		buf_putc(out, '/');
	if (out->data == NULL)
		buf_puts(out, "");
	free(seg);
	free(len);
}

struct kv {
	const char *k, *v;
	size_t klen, vlen;
	size_t order;
};

static int
bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
kv_cmp(const void *x, const void *y)
{
	const struct kv *a = x, *b = y;
	int c = bytes_cmp(a->k, a->klen, b->k, b->klen);
	if (c == 0)
		c = bytes_cmp(a->v, a->vlen, b->v, b->vlen);
	if (c == 0)
		c = a->order < b->order ? -1 : a->order > b->order;
	return c;
}

static void
query_canonical(struct buf *out, const char *q, size_t n)
{
	struct kv *kv = NULL;
	size_t nkv = 0, cap = 0, i = 0, j;

	if (n == 0)
		return;
	while (i <= n) {
		size_t s = i, eq;
		while (i < n && q[i] != '&')
			i++;
		kv = xgrow(kv, &cap, nkv + 1, sizeof *kv);
		for (eq = s; eq < i && q[eq] != '='; eq++)
			;
		kv[nkv].k = q + s;
		kv[nkv].klen = eq - s;
		kv[nkv].v = eq < i ? q + eq + 1 : q + i;
		kv[nkv].vlen = eq < i ? i - eq - 1 : 0;
		kv[nkv].order = nkv;
		nkv++;
		i++;
	}
	qsort(kv, nkv, sizeof *kv, kv_cmp);
	for (j = 0; j < nkv; j++) {
		if (j > 0)
			buf_putc(out, '&');
		buf_append(out, kv[j].k, kv[j].klen);
		buf_putc(out, '=');
		buf_append(out, kv[j].v, kv[j].vlen);
	}
	free(kv);
}

struct hdr {
	char *name; /* lower case, owned */
	const char *value;
	size_t order;
};

static int
hdr_cmp(const void *x, const void *y)
{
	const struct hdr *a = x, *b = y;
	int c = strcmp(a->name, b->name);
	if (c == 0)
		c = a->order < b->order ? -1 : a->order > b->order;
	return c;
}

static char *
str_lower(const char *s)
{
	char *r = xstrdup(s), *p;

	for (p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

static int
is_unsigned_header(const char *lname)
{
	size_t i;

	for (i = 0; i < NELEM(sigv4_unsigned); i++)
		if (strcmp(lname, sigv4_unsigned[i]) == 0)
			return 1;
	return 0;
}

/* The headers to sign, as botocore sees them after
 * _modify_request_before_signing: the ones the signer owns are dropped from
 * the input and set anew. Sorted by name; sets out->amz_date and, for S3,
 * out->content_sha256, and *body_hash to the payload hash to sign. */
struct header_set {
	struct hdr *h;
	size_t n, cap;
	char *host; /* owned, when the input had no Host */
};

static void
header_add(struct header_set *hs, char *lname, const char *value)
{
	hs->h = xgrow(hs->h, &hs->cap, hs->n + 1, sizeof *hs->h);
	hs->h[hs->n].name = lname;
	hs->h[hs->n].value = value;
	hs->h[hs->n].order = hs->n;
	hs->n++;
}

static void
signed_headers(const struct sigv4_input *in, const struct aws_url *u,
    struct header_set *hs, struct sigv4_output *out, const char **body_hash)
{
	const char *xsha = NULL;
	int have_host = 0;
	size_t i;

	for (i = 0; i < in->nheaders; i++) {
		char *ln = str_lower(in->headers[i].name);
		if (strcmp(ln, "authorization") == 0 ||
		    strcmp(ln, "x-amz-date") == 0 ||
		    (in->session_token && strcmp(ln, "x-amz-security-token") == 0) ||
		    (in->is_s3 && strcmp(ln, "x-amz-content-sha256") == 0)) {
			free(ln);
			continue;
		}
		if (!in->is_s3 && xsha == NULL && strcmp(ln, "x-amz-content-sha256") == 0)
			xsha = in->headers[i].value;
		if (is_unsigned_header(ln)) {
			free(ln);
			continue;
		}
		if (strcmp(ln, "host") == 0)
			have_host = 1;
		header_add(hs, ln, in->headers[i].value);
	}
	header_add(hs, xstrdup("x-amz-date"), out->amz_date);
	if (in->session_token)
		header_add(hs, xstrdup("x-amz-security-token"), in->session_token);
	*body_hash = in->payload_hash;
	if (in->is_s3) {
		out->content_sha256 = xstrdup(in->payload_hash);
		header_add(hs, xstrdup("x-amz-content-sha256"), out->content_sha256);
		*body_hash = out->content_sha256;
	} else if (xsha != NULL) {
		*body_hash = xsha;
	}
	if (!have_host) {
		/* lower case, the port only when not the scheme's default: the
		 * Host header wire.c sends for u->href, as botocore derives it */
		hs->host = xstrdup(u->authority);
		header_add(hs, xstrdup("host"), hs->host);
	}
	qsort(hs->h, hs->n, sizeof *hs->h, hdr_cmp);
}

/* The canonical request into cr, the signed header names into names. */
static void
canonical_request(const struct sigv4_input *in, const struct aws_url *u,
    const struct header_set *hs, const char *body_hash, struct buf *cr,
    struct buf *names)
{
	size_t i;

	for (i = 0; in->method[i]; i++) {
		char c = in->method[i];
		buf_putc(cr, c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
	}
	buf_putc(cr, '\n');
	if (in->is_s3) {
		buf_puts(cr, u->path);
	} else {
		struct buf np = {0};
		path_normalize(&np, u->path, strlen(u->path));
		aws_uri_encode(cr, np.data, np.len, "/~");
		buf_free(&np);
	}
	buf_putc(cr, '\n');
	if (u->query != NULL)
		query_canonical(cr, u->query, strlen(u->query));
	buf_putc(cr, '\n');
	for (i = 0; i < hs->n; i++) {
		if (i > 0 && strcmp(hs->h[i].name, hs->h[i - 1].name) == 0) {
			buf_putc(cr, ',');
		} else {
			if (i > 0) {
				buf_putc(cr, '\n');
				buf_putc(names, ';');
			}
			buf_puts(names, hs->h[i].name);
			buf_puts(cr, hs->h[i].name);
			buf_putc(cr, ':');
		}
		header_value_fold(cr, hs->h[i].value);
	}
	buf_puts(cr, "\n\n");
	buf_puts(cr, names->data);
	buf_putc(cr, '\n');
	buf_puts(cr, body_hash);
}

/* HMAC chain: the signing key from the secret, then the signature of sts. */
static void
signature(const struct sigv4_input *in, const char *date, const char *sts,
    char sig[65])
{
	unsigned char k1[32], k2[32], k3[32], k4[32], ks[32];
	char *secret;

	secret = xasprintf("AWS4%s", in->secret_key);
	hmac_sha256(secret, strlen(secret), date, k1);
	explicit_bzero(secret, strlen(secret));
	free(secret);
	hmac_sha256(k1, 32, in->region, k2);
	hmac_sha256(k2, 32, in->service, k3);
	hmac_sha256(k3, 32, "aws4_request", k4);
	hmac_sha256(k4, 32, sts, ks);
	hex_encode(ks, 32, sig);
	explicit_bzero(k1, sizeof k1);
	explicit_bzero(k4, sizeof k4);
}

int
sigv4_sign(const struct sigv4_input *in, struct sigv4_output *out)
{
	struct header_set hs = {0};
	struct buf cr = {0}, sts = {0}, signed_names = {0}, auth = {0};
	char stamp[17], date[9], hash[65], sig[65];
	const char *body_hash;
	struct tm tm;
	size_t i;

	memset(out, 0, sizeof *out);
	if (in->url == NULL || in->url->href == NULL)
		return -1;
	gmtime_r(&in->when, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	memcpy(date, stamp, 8);
	date[8] = '\0';
	out->amz_date = xstrdup(stamp);

	signed_headers(in, in->url, &hs, out, &body_hash);
	canonical_request(in, in->url, &hs, body_hash, &cr, &signed_names);
	aws_sha256_hex(cr.data, cr.len, hash);
	buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", stamp,
	    date, in->region, in->service, hash);
	signature(in, date, sts.data, sig);
	buf_printf(&auth,
	    "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
	    "SignedHeaders=%s, Signature=%s",
	    in->access_key, date, in->region, in->service, signed_names.data, sig);

	out->canonical_request = buf_take(&cr);
	out->string_to_sign = buf_take(&sts);
	out->signature = xstrdup(sig);
	out->authorization = buf_take(&auth);
	for (i = 0; i < hs.n; i++)
		free(hs.h[i].name);
	free(hs.h);
	free(hs.host);
	buf_free(&signed_names);
	return 0;
}

void
sigv4_output_free(struct sigv4_output *out)
{
	free(out->canonical_request);
	free(out->string_to_sign);
	free(out->signature);
	free(out->authorization);
	free(out->amz_date);
	free(out->content_sha256);
	memset(out, 0, sizeof *out);
}
