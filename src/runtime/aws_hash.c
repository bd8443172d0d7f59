/*
 * aws_hash.c - sigv4_hash.h for the bootstrap, with BearSSL: the signer
 * (src/aws/sigv4.c, shared with spartac) without OpenSSL.
 */
#include <string.h>

#include "aws/sigv4_hash.h"

#if defined(__has_include)
#if __has_include(<bearssl.h>)
#include <bearssl.h>
#define RT_HAVE_BEARSSL 1
#endif
#endif

#ifdef RT_HAVE_BEARSSL
void
sigv4_sha256(const void *data, size_t len, unsigned char out[32])
{
	br_sha256_context c;

	br_sha256_init(&c);
	br_sha256_update(&c, data, len);
	br_sha256_out(&c, out);
}

void
sigv4_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char out[32])
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, keylen);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, msg, msglen);
	br_hmac_out(&hc, out);
	memset(&kc, 0, sizeof(kc));
}
#endif
