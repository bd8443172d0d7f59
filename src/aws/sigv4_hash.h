/*
 * sigv4_hash.h - the two hashes sigv4.c needs, behind a seam.
 *
 * sigv4.c is compiled into spartac and into every bootstrap that calls AWS
 * (<sparta/aws.h>): one signer for both. spartac implements this with
 * OpenSSL (aws/sigv4_hash.c); the bootstrap, which links no OpenSSL, with
 * BearSSL (runtime/aws_hash.c).
 */
#ifndef SPARTAC_AWS_SIGV4_HASH_H
#define SPARTAC_AWS_SIGV4_HASH_H

#include <stddef.h>

void sigv4_sha256(const void *data, size_t len, unsigned char out[32]);
void sigv4_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char out[32]);

#endif
