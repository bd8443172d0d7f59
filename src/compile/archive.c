/* archive.c - see archive.h. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zip.h>

#include "compile/archive.h"
#include "base/util.h"

/* Bump when the archive layout changes, so stamps from older spartacs miss. */
#define ARCHIVE_FORMAT "spartac-zip-1"

/* 1980-01-01 00:00:00, the earliest DOS date: (year-1980)<<9 | month<<5 | day. */
#define ARCHIVE_DOS_DATE ((0u << 9) | (1u << 5) | 1u)
#define ARCHIVE_DOS_TIME 0u

/* Larger files than this do not fit a Lambda deployment package anyway. */
#define ARCHIVE_MAX_FILE ((size_t)256 * 1024 * 1024)

void
archive_add_file(struct archive *a, const char *name, const char *path,
    unsigned mode)
{
	struct archive_item *it;

	a->v = xgrow(a->v, &a->cap, a->n + 1, sizeof *a->v);
	it = &a->v[a->n++];
	it->name = xstrdup(name);
	it->path = xstrdup(path);
	it->mode = mode & 07777;
}

static int
name_cmp(const void *x, const void *y)
{
	const struct archive_item *a = x, *b = y;

	return strcmp(a->name, b->name);
}

static int
tree_walk(struct archive *a, const char *dir, const char *prefix,
    struct loc loc, struct diags *d)
{
	DIR *dp;
	struct dirent *de;
	struct stat st;
	char *path, *name;
	int errors = 0;

	if ((dp = opendir(dir)) == NULL) {
		diag_add(d, DIAG_ARCHIVE_ENTRY, loc, NULL,
		    "cannot read directory %s: %s", dir, strerror(errno));
		return 1;
	}
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		name = xasprintf("%s%s", prefix, de->d_name);
		if (lstat(path, &st) == -1) {
			diag_add(d, DIAG_ARCHIVE_ENTRY, loc, NULL,
			    "cannot stat %s: %s", path, strerror(errno));
			errors++;
		} else if (S_ISDIR(st.st_mode)) {
			free(name);
			name = xasprintf("%s%s/", prefix, de->d_name);
			errors += tree_walk(a, path, name, loc, d);
		} else if (S_ISREG(st.st_mode)) {
			archive_add_file(a, name, path,
			    (st.st_mode & S_IXUSR) ? 0755 : 0644);
		} else {
			diag_add(d, DIAG_ARCHIVE_ENTRY, loc, NULL,
			    "%s is %s, not a regular file; it is not archived",
			    path, S_ISLNK(st.st_mode) ? "a symbolic link"
			    : "a special file");
			errors++;
		}
		free(name);
		free(path);
	}
	closedir(dp);
	return errors;
}

int
archive_add_tree(struct archive *a, const char *dir, const char *prefix,
    struct loc loc, struct diags *d)
{
	return tree_walk(a, dir, prefix, loc, d);
}

static int
name_is_safe(const char *name)
{
	const char *p = name, *e;
	size_t n;

	if (*name == '\0' || *name == '/')
		return 0;
	for (;;) {
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (e == NULL)
			return 1;
		p = e + 1;
	}
}

int
archive_check(struct archive *a, struct loc loc, struct diags *d)
{
	size_t i;
	int errors = 0;

	if (a->n > 1)
		qsort(a->v, a->n, sizeof *a->v, name_cmp);
	for (i = 0; i < a->n; i++) {
		if (!name_is_safe(a->v[i].name)) {
			diag_add(d, DIAG_ARCHIVE_ENTRY, loc, NULL,
			    "archive entry name '%s' is not a plain relative path",
			    a->v[i].name);
			errors++;
		} else if (i > 0 && strcmp(a->v[i - 1].name, a->v[i].name) == 0) {
			diag_add(d, DIAG_ARCHIVE_ENTRY, loc, NULL,
			    "two files would be archived as '%s' (%s and %s)",
			    a->v[i].name, a->v[i - 1].path, a->v[i].path);
			errors++;
		}
	}
	return errors;
}

int
archive_inputs_hash(const struct archive *a, char hex[DIGEST_HEX_LEN + 1])
{
	struct digest dg;
	char fhex[DIGEST_HEX_LEN + 1], mode[16];
	size_t i;

	digest_init(&dg);
	digest_field(&dg, ARCHIVE_FORMAT);
	for (i = 0; i < a->n; i++) {
		if (digest_file_hex(a->v[i].path, fhex, NULL) == -1) {
			log_error("cannot read %s: %s", a->v[i].path,
			    strerror(errno));
			digest_final_hex(&dg, hex);
			return -1;
		}
		snprintf(mode, sizeof mode, "%o", a->v[i].mode);
		digest_field(&dg, a->v[i].name);
		digest_field(&dg, mode);
		digest_field(&dg, fhex);
	}
	digest_final_hex(&dg, hex);
	return 0;
}

/* Adds one entry; returns 0 or -1 after logging. */
static int
zip_add_item(zip_t *za, const struct archive_item *it)
{
	zip_source_t *src;
	zip_int64_t idx;
	char *data;
	size_t len;

	if (file_read(it->path, ARCHIVE_MAX_FILE, &data, &len) == -1) {
		log_error("cannot read %s: %s", it->path, strerror(errno));
		return -1;
	}
	/* libzip takes data (freep = 1) and frees it with free(). */
	if ((src = zip_source_buffer(za, data, len, 1)) == NULL) {
		free(data);
		goto fail;
	}
	if ((idx = zip_file_add(za, it->name, src, ZIP_FL_ENC_UTF_8)) < 0) {
		zip_source_free(src);
		goto fail;
	}
	if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9) < 0 ||
	    zip_file_set_dostime(za, (zip_uint64_t)idx, ARCHIVE_DOS_TIME,
	    ARCHIVE_DOS_DATE, 0) < 0 ||
	    zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0,
	    ZIP_OPSYS_UNIX, (zip_uint32_t)(S_IFREG | it->mode) << 16) < 0)
		goto fail;
	return 0;
fail:
	log_error("cannot add %s to the archive: %s", it->name,
	    zip_strerror(za));
	return -1;
}

/* Copies the finished in-memory archive out of src; returns 0 or -1. */
static int
zip_source_take(zip_source_t *src, char **out, size_t *len)
{
	zip_stat_t st;
	zip_int64_t n;
	char *data;

	zip_stat_init(&st);
	if (zip_source_stat(src, &st) < 0 || !(st.valid & ZIP_STAT_SIZE) ||
	    zip_source_open(src) < 0)
		return -1;
	data = xmalloc((size_t)st.size + 1);
	n = zip_source_read(src, data, st.size);
	zip_source_close(src);
	if (n < 0 || (zip_uint64_t)n != st.size) {
		free(data);
		return -1;
	}
	*out = data;
	*len = (size_t)st.size;
	return 0;
}

int
archive_write(const struct archive *a, const char *zip_path,
    char hex[DIGEST_HEX_LEN + 1])
{
	zip_error_t ze;
	zip_source_t *mem;
	zip_t *za;
	char *data = NULL;
	size_t i, len = 0;
	int rc = -1;

	zip_error_init(&ze);
	if ((mem = zip_source_buffer_create(NULL, 0, 0, &ze)) == NULL) {
		log_error("cannot create the archive: %s", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return -1;
	}
	/* Keep the buffer alive past zip_close, which would free it. */
	zip_source_keep(mem);
	if ((za = zip_open_from_source(mem, ZIP_TRUNCATE, &ze)) == NULL) {
		log_error("cannot create the archive: %s", zip_error_strerror(&ze));
		goto out;
	}
	for (i = 0; i < a->n; i++) {
		if (zip_add_item(za, &a->v[i]) == -1) {
			zip_discard(za);
			goto out;
		}
	}
	if (zip_close(za) < 0) {
		log_error("cannot write the archive: %s", zip_strerror(za));
		zip_discard(za);
		goto out;
	}
	if (a->n == 0) {
		/* libzip writes nothing for an empty archive; write the 22-byte EOCD. */
		static const char eocd[22] = {0x50, 0x4b, 0x05, 0x06};

		data = xmalloc(sizeof eocd);
		memcpy(data, eocd, sizeof eocd);
		len = sizeof eocd;
	} else if (zip_source_take(mem, &data, &len) == -1) {
		log_error("cannot read the archive back from memory");
		goto out;
	}
	if (file_write_atomic(zip_path, data, len, 0644) == -1) {
		log_error("cannot write %s: %s", zip_path, strerror(errno));
		goto out;
	}
	digest_sha256_hex(data, len, hex);
	rc = 0;
out:
	free(data);
	zip_source_free(mem);
	zip_error_fini(&ze);
	return rc;
}

void
archive_free(struct archive *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].path);
	}
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}
