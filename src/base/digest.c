/* digest.c - see digest.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/digest.h"
#include "base/util.h"

void
digest_init(struct digest *d)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		/* Only out of memory makes these fail: xmalloc's one OOM path. */
		(void)xmalloc(SIZE_MAX);
	}
	d->ctx = ctx;
}

void
digest_update(struct digest *d, const void *p, size_t n)
{
	if (n > 0)
		EVP_DigestUpdate(d->ctx, p, n);
}

void
digest_field(struct digest *d, const char *s)
{
	unsigned char len[8];
	uint64_t n = s != NULL ? (uint64_t)strlen(s) : UINT64_MAX;
	int i;

	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i));
	digest_update(d, len, sizeof len);
	if (s != NULL)
		digest_update(d, s, strlen(s));
}

void
digest_final_hex(struct digest *d, char hex[DIGEST_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	EVP_DigestFinal_ex(d->ctx, md, &mdlen);
	EVP_MD_CTX_free(d->ctx);
	d->ctx = NULL;
	for (i = 0; i < mdlen && i < DIGEST_HEX_LEN / 2; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * i] = '\0';
}

void
digest_sha256_hex(const void *p, size_t n, char hex[DIGEST_HEX_LEN + 1])
{
	struct digest d;

	digest_init(&d);
	digest_update(&d, p, n);
	digest_final_hex(&d, hex);
}

void
digest_prepare(void)
{
	char hex[DIGEST_HEX_LEN + 1];

	digest_sha256_hex("", 0, hex);
}

int
digest_file_hex(const char *path, char hex[DIGEST_HEX_LEN + 1],
    unsigned long long *size)
{
	struct digest d;
	char chunk[65536];
	unsigned long long total = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	digest_init(&d);
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			digest_final_hex(&d, hex);
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		digest_update(&d, chunk, (size_t)n);
		total += (unsigned long long)n;
	}
	close(fd);
	digest_final_hex(&d, hex);
	if (size != NULL)
		*size = total;
	return 0;
}
