/*
 * serve_jwt.c - JWS compact verification (RS256, ES256) with OpenSSL's EVP
 * and the claim checks of an HTTP API JWT authorizer. See serve_jwt.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "base/util.h"
#include "local/serve_jwt.h"

#define JWKS_MAX_BYTES (1024 * 1024)
#define JWT_MAX_BYTES (64 * 1024)

enum key_type { KEY_RSA, KEY_EC };

struct jwk {
	char *kid; /* or NULL */
	enum key_type type;
	EVP_PKEY *pkey;
};

struct jwks {
	struct jwk *keys;
	size_t n;
};

/* base64url without padding, appended to out; -1 when it is not. */
static int
b64url_decode(const char *s, size_t n, struct buf *out)
{
	char *std = xmalloc(n + 4);
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (s[i] == '+' || s[i] == '/' || s[i] == '=') {
			free(std);
			return -1;
		}
		std[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	}
	while (i % 4)
		std[i++] = '=';
	rc = base64_decode(std, i, out);
	free(std);
	return rc;
}

static const char *
jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
b64url_field(const cJSON *o, const char *name, struct buf *out)
{
	const char *s = jstr(o, name);

	return s == NULL || b64url_decode(s, strlen(s), out) == -1 || out->len == 0 ? -1 : 0;
}

static EVP_PKEY *
pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *
rsa_key(const cJSON *jwk)
{
	struct buf n = {0}, e = {0};
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *pkey = NULL;

	if (b64url_field(jwk, "n", &n) == -1 || b64url_field(jwk, "e", &e) == -1)
		goto out;
	bn = BN_bin2bn((const unsigned char *)n.data, (int)n.len, NULL);
	be = BN_bin2bn((const unsigned char *)e.data, (int)e.len, NULL);
	if (bld == NULL || bn == NULL || be == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		goto out;
	pkey = pkey_fromdata("RSA", bld);
out:
	BN_free(bn);
	BN_free(be);
	OSSL_PARAM_BLD_free(bld);
	buf_free(&n);
	buf_free(&e);
	return pkey;
}

static EVP_PKEY *
ec_key(const cJSON *jwk)
{
	struct buf x = {0}, y = {0};
	unsigned char point[65];
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	const char *crv = jstr(jwk, "crv");

	if (crv == NULL || strcmp(crv, "P-256") != 0 ||
	    b64url_field(jwk, "x", &x) == -1 || b64url_field(jwk, "y", &y) == -1 ||
	    x.len != 32 || y.len != 32)
		goto out;
	point[0] = 0x04; /* uncompressed */
	memcpy(point + 1, x.data, 32);
	memcpy(point + 33, y.data, 32);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)))
		goto out;
	pkey = pkey_fromdata("EC", bld);
out:
	OSSL_PARAM_BLD_free(bld);
	buf_free(&x);
	buf_free(&y);
	return pkey;
}

struct jwks *
jwks_load(const char *path, char *err, size_t errlen)
{
	struct jwks *k;
	cJSON *doc, *keys, *it;
	const char *kty, *kid;
	EVP_PKEY *pkey;
	char *text;
	size_t len, skipped = 0;

	if (file_read(path, JWKS_MAX_BYTES, &text, &len) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	doc = cJSON_ParseWithLength(text, len);
	free(text);
	keys = cJSON_GetObjectItemCaseSensitive(doc, "keys");
	if (!cJSON_IsArray(keys)) {
		snprintf(err, errlen, "%s: not a JWKS document (an object with a \"keys\" list)", path);
		cJSON_Delete(doc);
		return NULL;
	}
	k = xcalloc(1, sizeof(*k));
	k->keys = xcalloc((size_t)cJSON_GetArraySize(keys) + 1, sizeof(*k->keys));
	cJSON_ArrayForEach(it, keys) {
		kty = jstr(it, "kty");
		kid = jstr(it, "kid");
		pkey = NULL;
		if (kty && strcmp(kty, "RSA") == 0)
			pkey = rsa_key(it);
		else if (kty && strcmp(kty, "EC") == 0)
			pkey = ec_key(it);
		if (pkey == NULL) {
			skipped++;
			continue;
		}
		k->keys[k->n].kid = kid ? xstrdup(kid) : NULL;
		k->keys[k->n].type = strcmp(kty, "RSA") == 0 ? KEY_RSA : KEY_EC;
		k->keys[k->n].pkey = pkey;
		k->n++;
	}
	cJSON_Delete(doc);
	if (k->n == 0) {
		snprintf(err, errlen, "%s: no usable key (RSA, or EC on P-256)%s", path,
		    skipped ? "; the keys in it are malformed or of another type" : "");
		jwks_free(k);
		return NULL;
	}
	return k;
}

void
jwks_free(struct jwks *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++) {
		free(k->keys[i].kid);
		EVP_PKEY_free(k->keys[i].pkey);
	}
	free(k->keys);
	free(k);
}

size_t
jwks_count(const struct jwks *k)
{
	return k ? k->n : 0;
}

/* ES256's JWS signature is r || s (32 bytes each); EVP wants DER. */
static int
es256_der(const struct buf *sig, unsigned char **der, size_t *len)
{
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	int n;

	if (sig->len != 64 || (es = ECDSA_SIG_new()) == NULL)
		return -1;
	r = BN_bin2bn((const unsigned char *)sig->data, 32, NULL);
	s = BN_bin2bn((const unsigned char *)sig->data + 32, 32, NULL);
	if (r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return -1;
	}
	*der = NULL;
	n = i2d_ECDSA_SIG(es, der);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

static int
signature_ok(EVP_PKEY *pkey, enum key_type type, const char *input, size_t ilen,
    const struct buf *sig)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	const unsigned char *s = (const unsigned char *)sig->data;
	size_t slen = sig->len;
	int ok = 0;

	if (type == KEY_EC) {
		if (es256_der(sig, &der, &slen) == -1)
			goto out;
		s = der;
	}
	ok = md != NULL && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
	    EVP_DigestVerify(md, s, slen, (const unsigned char *)input, ilen) == 1;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	return ok;
}

static enum jwt_status
check_signature(const struct jwks *k, const cJSON *header, const char *token,
    size_t signed_len, const struct buf *sig)
{
	const char *alg = jstr(header, "alg"), *kid = jstr(header, "kid");
	enum key_type type;
	size_t i, tried = 0;

	if (alg && strcmp(alg, "RS256") == 0)
		type = KEY_RSA;
	else if (alg && strcmp(alg, "ES256") == 0)
		type = KEY_EC;
	else
		return JWT_ALG;
	for (i = 0; i < k->n; i++) {
		if (k->keys[i].type != type)
			continue;
		if (kid && (k->keys[i].kid == NULL || strcmp(kid, k->keys[i].kid) != 0))
			continue;
		tried++;
		if (signature_ok(k->keys[i].pkey, type, token, signed_len, sig))
			return JWT_OK;
	}
	return tried ? JWT_BAD_SIGNATURE : JWT_NO_KEY;
}

static int
in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static int
audience_ok(const cJSON *claims, const struct jwt_check *c)
{
	const cJSON *aud = cJSON_GetObjectItemCaseSensitive(claims, "aud"), *it;

	if (c->naudience == 0)
		return 1;
	if (cJSON_IsString(aud))
		return in_list(aud->valuestring, c->audience, c->naudience);
	if (cJSON_IsArray(aud)) {
		cJSON_ArrayForEach(it, aud)
			if (cJSON_IsString(it) && in_list(it->valuestring, c->audience, c->naudience))
				return 1;
		return 0;
	}
	/* access tokens (Cognito's, for one) name the client instead */
	return in_list(jstr(claims, "client_id"), c->audience, c->naudience);
}

cJSON *
jwt_scopes(const cJSON *claims)
{
	const char *scope = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, "scope"));
	const cJSON *scp = cJSON_GetObjectItemCaseSensitive(claims, "scp");
	const char *p, *e;
	cJSON *list;
	char *one;

	if (cJSON_IsArray(scp))
		return cJSON_Duplicate(scp, 1);
	if (scope == NULL)
		return cJSON_CreateNull();
	list = cJSON_CreateArray();
	for (p = scope; *p; p = e) {
		p += strspn(p, " ");
		e = p + strcspn(p, " ");
		if (e == p)
			break;
		one = xstrndup(p, (size_t)(e - p));
		cJSON_AddItemToArray(list, cJSON_CreateString(one));
		free(one);
	}
	return list;
}

static int
scope_ok(const cJSON *claims, const struct jwt_check *c)
{
	cJSON *have, *it;
	int ok = 0;

	if (c->nscopes == 0)
		return 1;
	have = jwt_scopes(claims);
	if (!cJSON_IsArray(have))
		it = NULL;
	else
		it = have->child;
	for (; it != NULL; it = it->next)
		if (cJSON_IsString(it) && in_list(it->valuestring, c->scopes, c->nscopes))
			ok = 1;
	cJSON_Delete(have);
	return ok;
}

static enum jwt_status
check_claims(const cJSON *claims, const struct jwt_check *c)
{
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
	const cJSON *nbf = cJSON_GetObjectItemCaseSensitive(claims, "nbf");
	const char *iss = jstr(claims, "iss");

	if (!cJSON_IsNumber(exp) || exp->valuedouble + JWT_LEEWAY_S <= (double)c->now)
		return JWT_EXPIRED;
	if (nbf && (!cJSON_IsNumber(nbf) || nbf->valuedouble - JWT_LEEWAY_S > (double)c->now))
		return JWT_NOT_YET;
	if (c->issuer && (iss == NULL || strcmp(iss, c->issuer) != 0))
		return JWT_ISSUER;
	if (!audience_ok(claims, c))
		return JWT_AUDIENCE;
	if (!scope_ok(claims, c))
		return JWT_SCOPE;
	return JWT_OK;
}

enum jwt_status
jwt_verify(const struct jwks *k, const char *token, const struct jwt_check *c,
    cJSON **claims)
{
	const char *d1, *d2;
	struct buf hb = {0}, pb = {0}, sig = {0};
	cJSON *header = NULL, *payload = NULL;
	enum jwt_status st = JWT_MALFORMED;
	size_t len = strlen(token);

	if (claims)
		*claims = NULL;
	if (len > JWT_MAX_BYTES || (d1 = strchr(token, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL)
		return JWT_MALFORMED;
	if (b64url_decode(token, (size_t)(d1 - token), &hb) == -1 ||
	    b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &pb) == -1 ||
	    b64url_decode(d2 + 1, strlen(d2 + 1), &sig) == -1)
		goto out;
	header = cJSON_ParseWithLength(hb.data ? hb.data : "", hb.len);
	payload = cJSON_ParseWithLength(pb.data ? pb.data : "", pb.len);
	if (!cJSON_IsObject(header) || !cJSON_IsObject(payload))
		goto out;
	if ((st = check_signature(k, header, token, (size_t)(d2 - token), &sig)) != JWT_OK)
		goto out;
	st = check_claims(payload, c);
	if ((st == JWT_OK || st == JWT_SCOPE) && claims) {
		*claims = payload;
		payload = NULL;
	}
out:
	cJSON_Delete(header);
	cJSON_Delete(payload);
	buf_free(&hb);
	buf_free(&pb);
	buf_free(&sig);
	return st;
}

const char *
jwt_status_text(enum jwt_status s)
{
	switch (s) {
	case JWT_OK: return "ok";
	case JWT_MALFORMED: return "the token is not a valid JWS in compact form";
	case JWT_ALG: return "the token's alg is not RS256 or ES256";
	case JWT_NO_KEY: return "no key in the JWKS matches the token's kid";
	case JWT_BAD_SIGNATURE: return "signature verification failed";
	case JWT_EXPIRED: return "the token has expired";
	case JWT_NOT_YET: return "the token is not valid yet";
	case JWT_ISSUER: return "the token's issuer is not the authorizer's";
	case JWT_AUDIENCE: return "the token's audience is not the authorizer's";
	case JWT_SCOPE: return "the token has none of the route's scopes";
	}
	return "invalid token";
}
