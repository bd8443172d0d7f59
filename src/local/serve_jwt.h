/*
 * serve_jwt.h - verifying JSON Web Tokens for `spartac serve`'s JWT
 * authorizers, against keys from a local JWKS file (--jwks), as an HTTP
 * API's JWT authorizer does with the issuer's published keys.
 *
 * A token is a JWS in compact form (header.payload.signature, base64url)
 * signed with RS256 or ES256; any other alg ("none" included) is refused.
 * The key is the JWKS entry whose kid is the token's kid; a token without a
 * kid is tried against every key of its alg's type. Then the claims: iss
 * equals the authorizer's issuer, aud (a string or a list) or, for access
 * tokens without aud, client_id is one of its audiences, exp is in the
 * future and nbf (when present) in the past, both with JWT_LEEWAY_S of
 * clock skew, and, when the route names scopes, scope (space-separated) or
 * scp (a list) holds at least one of them.
 */
#ifndef SPARTAC_SERVE_JWT_H
#define SPARTAC_SERVE_JWT_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#define JWT_LEEWAY_S 60

struct jwks;

enum jwt_status {
	JWT_OK,
	JWT_MALFORMED,     /* not three base64url parts of JSON */
	JWT_ALG,           /* alg other than RS256 / ES256 */
	JWT_NO_KEY,        /* no JWKS key with its kid (or of its type) */
	JWT_BAD_SIGNATURE,
	JWT_EXPIRED,       /* exp missing or past */
	JWT_NOT_YET,       /* nbf in the future */
	JWT_ISSUER,
	JWT_AUDIENCE,
	JWT_SCOPE,         /* valid, but none of the route's scopes: 403, not 401 */
};

struct jwt_check {
	const char *issuer;              /* NULL: not checked */
	const char *const *audience;     /* NULL or naudience == 0: not checked */
	size_t naudience;
	const char *const *scopes;       /* the route's; none: not checked */
	size_t nscopes;
	time_t now;
};

/*
 * Reads a JWKS file ({"keys": [{kty, kid, n, e} | {kty: EC, crv: P-256,
 * x, y}, ...]}). NULL with why (up to errlen bytes) when the file cannot
 * be read or no key in it is usable.
 */
struct jwks *jwks_load(const char *path, char *err, size_t errlen);
void jwks_free(struct jwks *k);
size_t jwks_count(const struct jwks *k);

/*
 * Verifies token (without any "Bearer " prefix). On JWT_OK (and
 * JWT_SCOPE), *claims (when claims is not NULL) is the payload, to free
 * with cJSON_Delete; otherwise NULL.
 */
enum jwt_status jwt_verify(const struct jwks *k, const char *token,
    const struct jwt_check *c, cJSON **claims);
/* The token's scopes: scope split at spaces, or scp; a JSON null when
 * it has neither. To free with cJSON_Delete. */
cJSON *jwt_scopes(const cJSON *claims);
/* What API Gateway would say in WWW-Authenticate's error_description. */
const char *jwt_status_text(enum jwt_status s);

#endif
