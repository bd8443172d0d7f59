/*
 * tls.c - the TLS client of the bootstrap (BearSSL), for fetch.c.
 *
 * Verification is always on: the server's chain must end at a certificate
 * of the CA bundle, be valid now, and name the host (SNI is sent with the
 * same name). The bundle is provided.al2023's, RT_CA_BUNDLE; SSL_CERT_FILE
 * names another one (the tests' own CA). It is read once per process, on
 * the first HTTPS request, and kept.
 *
 * Only fetch.c calls in here, and the link drops this object's sections
 * (and BearSSL's archive members) from a bootstrap whose handlers never
 * fetch, so a hello function pays nothing for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime.h"

#if defined(__has_include)
#if __has_include(<bearssl.h>)
#define RT_HAVE_BEARSSL 1
#endif
#endif

const char *
rt_tls_bundle_path(void)
{
	const char *p = getenv("SSL_CERT_FILE");

	return p != NULL && *p != '\0' ? p : RT_CA_BUNDLE;
}

#ifndef RT_HAVE_BEARSSL
/* Built where BearSSL was missing: HTTPS fails with a reason, not a crash. */
struct rt_tls *
rt_tls_open(int fd, const char *host, char *err, size_t errlen)
{
	(void)fd;
	snprintf(err, errlen, "TLS with %s: this bootstrap was built without "
	    "BearSSL (install libbearssl-dev: sh tools/setup.sh)", host);
	return NULL;
}

int
rt_tls_write(struct rt_tls *t, const void *p, size_t n)
{
	(void)t;
	(void)p;
	(void)n;
	return -1;
}

long
rt_tls_read(struct rt_tls *t, void *p, size_t n)
{
	(void)t;
	(void)p;
	(void)n;
	return 0;
}

void
rt_tls_close(struct rt_tls *t)
{
	(void)t;
}
#else
#include <bearssl.h>

/* The trust anchors decoded from the bundle: owned here, process-long. */
static br_x509_trust_anchor *tas;
static size_t ntas, tacap;
static int tas_loaded;

struct rt_tls {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	br_sslio_context io;
	int fd;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

static void
append_bytes(void *ctx, const void *p, size_t n)
{
	rt_buf_append(ctx, p, n);
}

static unsigned char *
dup_bytes(const void *p, size_t n)
{
	unsigned char *d = malloc(n ? n : 1);

	if (d != NULL && n > 0)
		memcpy(d, p, n);
	return d;
}

/* One DER certificate of the bundle becomes a trust anchor. */
static int
anchor_add(const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	struct rt_buf dn = {0};
	br_x509_trust_anchor *ta;
	const br_x509_pkey *pk;

	br_x509_decoder_init(&dc, append_bytes, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || dn.oom) {
		rt_buf_free(&dn);
		return 0; /* not a certificate BearSSL can use: skipped */
	}
	if (ntas == tacap) {
		size_t cap = tacap ? tacap * 2 : 64;
		br_x509_trust_anchor *n = realloc(tas, cap * sizeof(*n));

		if (n == NULL) {
			rt_buf_free(&dn);
			return -1;
		}
		tas = n;
		tacap = cap;
	}
	ta = &tas[ntas];
	memset(ta, 0, sizeof(*ta));
	ta->dn.data = dup_bytes(dn.data, dn.len);
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	rt_buf_free(&dn);
	ntas++;
	return 0;
}

static void
anchors_free(void)
{
	size_t i;

	for (i = 0; i < ntas; i++) {
		free(tas[i].dn.data);
		if (tas[i].pkey.key_type == BR_KEYTYPE_RSA) {
			free(tas[i].pkey.key.rsa.n);
			free(tas[i].pkey.key.rsa.e);
		} else {
			free(tas[i].pkey.key.ec.q);
		}
	}
	free(tas);
	tas = NULL;
	ntas = tacap = 0;
}

/* Decodes every CERTIFICATE block of the PEM text. */
static int
anchors_parse(const unsigned char *p, size_t len)
{
	br_pem_decoder_context pc;
	struct rt_buf der = {0};
	int in_cert = 0, rc = 0;

	br_pem_decoder_init(&pc);
	while (len > 0 && rc == 0) {
		size_t used = br_pem_decoder_push(&pc, p, len);

		p += used;
		len -= used;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			rt_buf_reset(&der);
			in_cert = strcmp(br_pem_decoder_name(&pc),
			    "CERTIFICATE") == 0 ||
			    strcmp(br_pem_decoder_name(&pc),
			    "X509 CERTIFICATE") == 0;
			br_pem_decoder_setdest(&pc, in_cert ? append_bytes
			    : NULL, &der);
			break;
		case BR_PEM_END_OBJ:
			if (in_cert && !der.oom)
				rc = anchor_add((unsigned char *)der.data,
				    der.len);
			in_cert = 0;
			break;
		case BR_PEM_ERROR:
			rc = -1;
			break;
		default:
			break;
		}
	}
	rt_buf_free(&der);
	return rc;
}

static int
anchors_load(char *err, size_t errlen)
{
	const char *path = rt_tls_bundle_path();
	struct rt_buf text = {0};
	char chunk[8192];
	size_t n;
	FILE *f;

	if (tas_loaded)
		return ntas > 0 ? 0 : -1;
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "cannot read the CA bundle %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rt_buf_append(&text, chunk, n);
	fclose(f);
	tas_loaded = 1;
	if (text.oom || anchors_parse((unsigned char *)text.data, text.len) < 0)
		anchors_free();
	rt_buf_free(&text);
	if (ntas == 0) {
		snprintf(err, errlen, "the CA bundle %s has no usable "
		    "certificate", path);
		tas_loaded = 0;
		return -1;
	}
	atexit(anchors_free);
	return 0;
}

static int
sock_read(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(*(int *)ctx, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n <= 0 ? -1 : (int)n;
}

static int
sock_write(void *ctx, const unsigned char *buf, size_t len)
{
	ssize_t n;

	do
		n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n <= 0 ? -1 : (int)n;
}

/* BearSSL's error codes a user may meet, in words. */
static const char *
tls_error_name(int e)
{
	switch (e) {
	case BR_ERR_X509_NOT_TRUSTED:
		return "certificate not trusted (not issued by a CA of the "
		    "bundle)";
	case BR_ERR_X509_BAD_SERVER_NAME:
		return "certificate does not name the host";
	case BR_ERR_X509_EXPIRED:
		return "certificate expired or not yet valid";
	case BR_ERR_X509_BAD_SIGNATURE:
		return "certificate signature does not verify";
	case BR_ERR_BAD_VERSION:
	case BR_ERR_BAD_CIPHER_SUITE:
		return "no TLS 1.2 cipher suite in common";
	case BR_ERR_IO:
		return "connection closed during the handshake";
	default:
		return "handshake failed";
	}
}

struct rt_tls *
rt_tls_open(int fd, const char *host, char *err, size_t errlen)
{
	struct rt_tls *t;
	int e;

	if (anchors_load(err, errlen) < 0)
		return NULL;
	if ((t = malloc(sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->fd = fd;
	br_ssl_client_init_full(&t->cc, &t->xc, tas, ntas);
	br_ssl_engine_set_buffer(&t->cc.eng, t->iobuf, sizeof(t->iobuf), 1);
	br_ssl_client_reset(&t->cc, host, 0);
	br_sslio_init(&t->io, &t->cc.eng, sock_read, &t->fd, sock_write,
	    &t->fd);
	/* Flushing nothing runs the handshake to its end. */
	if (br_sslio_flush(&t->io) < 0 ||
	    br_ssl_engine_current_state(&t->cc.eng) == BR_SSL_CLOSED) {
		e = br_ssl_engine_last_error(&t->cc.eng);
		snprintf(err, errlen, "TLS with %s: %s (BearSSL error %d)",
		    host, tls_error_name(e), e);
		free(t);
		return NULL;
	}
	return t;
}

int
rt_tls_write(struct rt_tls *t, const void *p, size_t n)
{
	if (br_sslio_write_all(&t->io, p, n) < 0)
		return -1;
	return br_sslio_flush(&t->io);
}

long
rt_tls_read(struct rt_tls *t, void *p, size_t n)
{
	int r = br_sslio_read(&t->io, p, n);

	/* A close_notify or a dropped connection both end the stream. */
	return r < 0 ? 0 : r;
}

void
rt_tls_close(struct rt_tls *t)
{
	if (t == NULL)
		return;
	free(t);
}

#ifndef __GLIBC__
/*
 * Debian builds its static libbearssl.a with _FORTIFY_SOURCE, so the archive
 * calls glibc's checked copies; musl has none. These are the same checks.
 */
void *__memcpy_chk(void *, const void *, size_t, size_t);
void *__memmove_chk(void *, const void *, size_t, size_t);
void *__memset_chk(void *, int, size_t, size_t);

void *
__memcpy_chk(void *d, const void *s, size_t n, size_t dlen)
{
	if (n > dlen)
		abort();
	return memcpy(d, s, n);
}

void *
__memmove_chk(void *d, const void *s, size_t n, size_t dlen)
{
	if (n > dlen)
		abort();
	return memmove(d, s, n);
}

void *
__memset_chk(void *d, int c, size_t n, size_t dlen)
{
	if (n > dlen)
		abort();
	return memset(d, c, n);
}
#endif
#endif /* RT_HAVE_BEARSSL */
