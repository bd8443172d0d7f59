/* sigv4_hash.c - sigv4_hash.h for spartac, with OpenSSL. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "aws/sigv4_hash.h"

void
sigv4_sha256(const void *data, size_t len, unsigned char out[32])
{
	SHA256(data, len, out);
}

void
sigv4_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char out[32])
{
	unsigned int outlen = 32;

	HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, out, &outlen);
}
