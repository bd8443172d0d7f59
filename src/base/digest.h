/*
 * digest.h - SHA-256 (OpenSSL's EVP) for content hashes: code.zip's S3 key,
 * site assets, build stamps.
 */
#ifndef SPARTAC_DIGEST_H
#define SPARTAC_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX_LEN 64

struct digest {
	void *ctx; /* EVP_MD_CTX */
};

void digest_init(struct digest *d);
void digest_update(struct digest *d, const void *p, size_t n);
/*
 * Adds a field as length + bytes, so that ("ab", "c") and ("a", "bc")
 * hash differently. s may be NULL (hashed as distinct from "").
 */
void digest_field(struct digest *d, const char *s);
/* Writes 64 lower-case hex digits and a NUL; frees the context. */
void digest_final_hex(struct digest *d, char hex[DIGEST_HEX_LEN + 1]);

void digest_sha256_hex(const void *p, size_t n, char hex[DIGEST_HEX_LEN + 1]);
/*
 * Sets the digest up ahead of use: OpenSSL reads its configuration and
 * loads its providers at a process's first digest (0.8 ms), which a
 * thread with nothing else to do can take on. Safe from any thread.
 */
void digest_prepare(void);
/* Hashes a file's contents; returns 0, or -1 with errno set. *size gets its size. */
int digest_file_hex(const char *path, char hex[DIGEST_HEX_LEN + 1],
    unsigned long long *size);

#endif
