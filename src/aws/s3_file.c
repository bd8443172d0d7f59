/*
 * s3_file.c - uploads streamed from a file (s3.h): hashing in one read
 * pass, PutObject and multipart upload, never the whole file in memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aws/internal.h"
#include "aws/s3.h"
#include "base/util.h"

#define S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3_READ_CHUNK ((size_t)1 << 16)

static void
hex_of(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

unsigned long long
s3_part_size(unsigned long long size, unsigned long long threshold)
{
	unsigned long long part = threshold < S3_PART_MIN ? S3_PART_MIN :
	    threshold;

	/* at most S3_PARTS_MAX parts, whatever the file's size */
	while (part * S3_PARTS_MAX < size)
		part *= 2;
	return part;
}

/* Feeds the parts' digests: one SHA-256 and MD5 per part. */
static void
part_end(struct s3_file *f, EVP_MD_CTX *sha, EVP_MD_CTX *md5,
    EVP_MD_CTX *md5s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n;

	f->parts = xgrow(f->parts, &f->cap, f->nparts + 1, sizeof *f->parts);
	EVP_DigestFinal_ex(sha, f->parts[f->nparts].sha256, &n);
	EVP_DigestFinal_ex(md5, md, &n);
	EVP_DigestUpdate(md5s, md, n);
	f->nparts++;
	EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
	EVP_DigestInit_ex(md5, EVP_md5(), NULL);
}

int
s3_file_open(struct s3_file *f, const char *path, unsigned long long threshold)
{
	EVP_MD_CTX *sha = EVP_MD_CTX_new(), *md5 = EVP_MD_CTX_new();
	EVP_MD_CTX *psha = EVP_MD_CTX_new(), *pmd5 = EVP_MD_CTX_new();
	EVP_MD_CTX *md5s = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned long long in_part = 0;
	unsigned int n;
	char *chunk;
	size_t got;
	int rc = -1, saved;

	memset(f, 0, sizeof *f);
	errno = ENOMEM;
	if (sha == NULL || md5 == NULL || psha == NULL || pmd5 == NULL ||
	    md5s == NULL || (f->fp = fopen(path, "rb")) == NULL)
		goto out;
	if (fseeko(f->fp, 0, SEEK_END) != 0)
		goto out;
	f->size = (unsigned long long)ftello(f->fp);
	rewind(f->fp);
	f->multipart = threshold > 0 && f->size > threshold;
	if (f->size > S3_PUT_MAX)
		f->multipart = 1;
	f->part_size = f->multipart ? s3_part_size(f->size, threshold ?
	    threshold : S3_PUT_MAX) : 0;
	EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
	EVP_DigestInit_ex(md5, EVP_md5(), NULL);
	EVP_DigestInit_ex(psha, EVP_sha256(), NULL);
	EVP_DigestInit_ex(pmd5, EVP_md5(), NULL);
	EVP_DigestInit_ex(md5s, EVP_md5(), NULL);
	chunk = xmalloc(S3_READ_CHUNK);
	while ((got = fread(chunk, 1, S3_READ_CHUNK, f->fp)) > 0) {
		size_t off = 0;

		EVP_DigestUpdate(sha, chunk, got);
		EVP_DigestUpdate(md5, chunk, got);
		while (f->multipart && off < got) {
			size_t take = got - off;

			if (take > f->part_size - in_part)
				take = (size_t)(f->part_size - in_part);
			EVP_DigestUpdate(psha, chunk + off, take);
			EVP_DigestUpdate(pmd5, chunk + off, take);
			off += take;
			if ((in_part += take) == f->part_size) {
				part_end(f, psha, pmd5, md5s);
				in_part = 0;
			}
		}
	}
	free(chunk);
	if (ferror(f->fp))
		goto out;
	if (f->multipart && (in_part > 0 || f->nparts == 0))
		part_end(f, psha, pmd5, md5s);
	EVP_DigestFinal_ex(sha, f->sha256, &n);
	EVP_DigestFinal_ex(md5, md, &n);
	/* S3's ETag: the MD5 of the bytes for one PUT; for a multipart
	 * upload, the MD5 of the parts' MD5s and their count */
	f->etag[0] = '"';
	hex_of(md, 16, f->etag + 1);
	if (f->multipart) {
		EVP_DigestFinal_ex(md5s, md, &n);
		hex_of(md, 16, f->etag + 1);
		snprintf(f->etag + 33, sizeof f->etag - 33, "-%zu\"",
		    f->nparts);
	} else {
		snprintf(f->etag + 33, sizeof f->etag - 33, "\"");
	}
	rc = 0;
out:
	saved = errno;
	EVP_MD_CTX_free(sha);
	EVP_MD_CTX_free(md5);
	EVP_MD_CTX_free(psha);
	EVP_MD_CTX_free(pmd5);
	EVP_MD_CTX_free(md5s);
	if (rc != 0) {
		s3_file_close(f);
		errno = saved ? saved : EIO;
	}
	return rc;
}

void
s3_file_close(struct s3_file *f)
{
	if (f->fp)
		fclose(f->fp);
	free(f->parts);
	memset(f, 0, sizeof *f);
}

/* One request whose body is len bytes of the file from off. */
static int
send_slice(struct aws *aws, const char *op, const char *method, char *url,
    const struct sigv4_header *hdr, size_t nhdr, const struct s3_file *f,
    off_t off, unsigned long long len, const unsigned char sha256[32],
    struct aws_response *resp, struct aws_error *err)
{
	struct aws_request req;
	char hex[65];
	size_t i;
	int rc;

	memset(&req, 0, sizeof req);
	hex_of(sha256, 32, hex);
	req.service = "s3";
	req.operation = op;
	req.method = method;
	req.url = url;
	req.is_s3 = 1;
	req.body_fp = f->fp;
	req.body_off = off;
	req.body_len = (size_t)len;
	req.payload_hash = hex;
	for (i = 0; i < nhdr && i < NELEM(req.hdr); i++)
		req.hdr[req.nhdr++] = hdr[i];
	/* an upload may be large: allow a minute per 8 MiB beyond the default */
	req.timeout_ms = aws->timeout_ms + (long)(len / (8u << 20)) * 60000L;
	rc = aws_send(aws, &req, resp, err);
	free(url);
	return rc;
}

int
s3_put_file(struct aws *aws, const char *bucket, const char *key,
    const struct s3_file *f, const char *content_type, struct aws_error *err)
{
	struct aws_response resp = {0};
	struct sigv4_header h[2];
	char b64[48], *url;
	int rc;

	if (f->multipart)
		return s3_put_file_multipart(aws, bucket, key, f, content_type,
		    err);
	if ((url = s3_url(aws, bucket, key, NULL, err, "PutObject")) == NULL)
		return -1;
	EVP_EncodeBlock((unsigned char *)b64, f->sha256, 32);
	h[0].name = "Content-Type";
	h[0].value = content_type ? content_type : "application/octet-stream";
	h[1].name = "x-amz-checksum-sha256";
	h[1].value = b64;
	rc = send_slice(aws, "PutObject", "PUT", url, h, 2, f, 0, f->size,
	    f->sha256, &resp, err);
	aws_response_free(&resp);
	return rc;
}

/* CreateMultipartUpload: *id gets the UploadId (owned). */
static int
mpu_create(struct aws *aws, const char *bucket, const char *key,
    const char *content_type, char **id, struct aws_error *err)
{
	struct aws_response resp = {0};
	struct aws_request req;
	struct xml_node *x;
	char why[160];
	int rc;

	*id = NULL;
	memset(&req, 0, sizeof req);
	if ((req.url = s3_url(aws, bucket, key, "uploads", err,
	    "CreateMultipartUpload")) == NULL)
		return -1;
	req.service = "s3";
	req.operation = "CreateMultipartUpload";
	req.method = "POST";
	req.is_s3 = 1;
	req.hdr[0].name = "Content-Type";
	req.hdr[0].value = content_type ? content_type :
	    "application/octet-stream";
	req.nhdr = 1;
	rc = aws_send(aws, &req, &resp, err);
	free(req.url);
	if (rc == 0) {
		x = xml_parse(resp.body.data ? resp.body.data : "",
		    resp.body.len, why, sizeof why);
		if ((*id = xml_dup(xml_search(x, "UploadId"), "")) == NULL ||
		    **id == '\0') {
			aws_error_set(err, "s3", "CreateMultipartUpload",
			    "MalformedResponse", "no UploadId in the answer");
			free(*id);
			*id = NULL;
			rc = -1;
		}
		xml_free(x);
	}
	aws_response_free(&resp);
	return rc;
}

static char *
upload_query(const char *id, size_t part)
{
	struct buf q = {0};

	if (part)
		buf_printf(&q, "partNumber=%zu&", part);
	buf_puts(&q, "uploadId=");
	aws_uri_encode(&q, id, strlen(id), NULL);
	return buf_take(&q);
}

/* UploadPart of part number i + 1: *etag gets its ETag (owned). */
static int
mpu_part(struct aws *aws, const char *bucket, const char *key, const char *id,
    const struct s3_file *f, size_t i, char **etag, struct aws_error *err)
{
	struct aws_response resp = {0};
	unsigned long long off = (unsigned long long)i * f->part_size;
	unsigned long long len = f->size - off < f->part_size ? f->size - off :
	    f->part_size;
	char *q = upload_query(id, i + 1), *url;
	const char *v;
	int rc;

	url = s3_url(aws, bucket, key, q, err, "UploadPart");
	free(q);
	if (url == NULL)
		return -1;
	rc = send_slice(aws, "UploadPart", "PUT", url, NULL, 0, f, (off_t)off,
	    len, f->parts[i].sha256, &resp, err);
	if (rc == 0 && (v = aws_response_header(&resp, "ETag")) != NULL)
		*etag = xstrdup(v);
	else if (rc == 0) {
		aws_error_set(err, "s3", "UploadPart", "MalformedResponse",
		    "no ETag for part %zu", i + 1);
		rc = -1;
	}
	aws_response_free(&resp);
	return rc;
}

static int
mpu_finish(struct aws *aws, const char *bucket, const char *key,
    const char *id, char *const *etags, size_t n, struct aws_error *err)
{
	struct aws_response resp = {0};
	struct aws_request req;
	struct buf body = {0};
	char *q = upload_query(id, 0);
	size_t i;
	int rc;

	memset(&req, 0, sizeof req);
	req.url = s3_url(aws, bucket, key, q, err, "CompleteMultipartUpload");
	free(q);
	if (req.url == NULL)
		return -1;
	buf_puts(&body, "<CompleteMultipartUpload xmlns=\"" S3_NS "\">");
	for (i = 0; i < n; i++) {
		buf_printf(&body, "<Part><PartNumber>%zu</PartNumber><ETag>",
		    i + 1);
		xml_escape(&body, etags[i]);
		buf_puts(&body, "</ETag></Part>");
	}
	buf_puts(&body, "</CompleteMultipartUpload>");
	req.service = "s3";
	req.operation = "CompleteMultipartUpload";
	req.method = "POST";
	req.is_s3 = 1;
	req.body = body.data;
	req.body_len = body.len;
	req.hdr[0].name = "Content-Type";
	req.hdr[0].value = "application/xml";
	req.nhdr = 1;
	rc = aws_send(aws, &req, &resp, err);
	/* a 200 can still carry an error document: S3 says so */
	if (rc == 0 && resp.body.data && strstr(resp.body.data, "<Error>")) {
		aws_error_set(err, "s3", "CompleteMultipartUpload",
		    "InternalError", "S3 answered 200 with an error document");
		rc = -1;
	}
	buf_free(&body);
	free(req.url);
	aws_response_free(&resp);
	return rc;
}

/* AbortMultipartUpload; its own failure is only logged by the caller. */
static int
mpu_abort(struct aws *aws, const char *bucket, const char *key,
    const char *id, struct aws_error *err)
{
	struct aws_response resp = {0};
	struct aws_request req;
	char *q = upload_query(id, 0);
	int rc;

	memset(&req, 0, sizeof req);
	req.url = s3_url(aws, bucket, key, q, err, "AbortMultipartUpload");
	free(q);
	if (req.url == NULL)
		return -1;
	req.service = "s3";
	req.operation = "AbortMultipartUpload";
	req.method = "DELETE";
	req.is_s3 = 1;
	rc = aws_send(aws, &req, &resp, err);
	free(req.url);
	aws_response_free(&resp);
	return rc;
}

int
s3_put_file_multipart(struct aws *aws, const char *bucket, const char *key,
    const struct s3_file *f, const char *content_type, struct aws_error *err)
{
	struct aws_error aborted;
	char **etags, *id;
	size_t i;
	int rc = 0;

	if (mpu_create(aws, bucket, key, content_type, &id, err) != 0)
		return -1;
	etags = xcalloc(f->nparts + 1, sizeof *etags);
	for (i = 0; i < f->nparts && rc == 0; i++)
		rc = mpu_part(aws, bucket, key, id, f, i, &etags[i], err);
	if (rc == 0)
		rc = mpu_finish(aws, bucket, key, id, etags, f->nparts, err);
	if (rc != 0) {
		/* S3 keeps (and bills) the parts of an unfinished upload;
		 * an interrupted one is left to the bucket's lifecycle rule,
		 * as the abort itself would be cancelled */
		memset(&aborted, 0, sizeof aborted);
		if (!aws_error_is_interrupted(err) &&
		    mpu_abort(aws, bucket, key, id, &aborted) != 0)
			aws_error_log(&aborted);
	}
	for (i = 0; i < f->nparts; i++)
		free(etags[i]);
	free(etags);
	free(id);
	return rc;
}
