/*
 * site.h - the static site's assets, hashed per file.
 *
 * site_hash walks site.root (inside the project directory) and writes
 * .spartac/site.json:
 *
 *   {"root": "site", "index": "index.html", "sha256": "<of the list>",
 *    "files": [{"path": "css/app.css", "size": 1234,
 *               "sha256": "<hex>", "content_type": "text/css; charset=utf-8"}, ...]}
 *
 * Files are sorted by path (bytewise) and paths are '/'-separated and
 * relative to the root, so the file is the same on any machine; the
 * top-level sha256 (over every path, size, hash and content type) changes
 * exactly when the site does. Deploy uploads by these hashes and nothing
 * else, so this list decides what is public. The file is rewritten only
 * when its content changes.
 *
 * Left out: names starting with '.' (.env, .git/) unless a site->include
 * pattern matches them, anything a site->exclude pattern matches (exclude
 * wins), and the build directory (out_path's) if it is under the root. A
 * root that is the project directory itself (it holds the manifest and
 * .spartac/) is an E-SITE-ROOT error.
 */
#ifndef SPARTAC_SITE_H
#define SPARTAC_SITE_H

#include "base/diag.h"
#include "base/digest.h"
#include "front/manifest.h"

#define SITE_FILE_MAX (5ULL << 40) /* S3's largest object, 5 TiB */

/* The largest site file build accepts: SITE_FILE_MAX, or the lower
 * SPARTAC_SITE_FILE_MAX (bytes) when set. A larger file is an
 * E-SITE-FILE-SIZE error at build, before anything is deployed. */
unsigned long long site_file_max(void);

/* The Content-Type for a file name, by extension (application/octet-stream
 * when unknown). Text types carry "; charset=utf-8". */
const char *site_content_type(const char *name);

/*
 * Checks that site->root (relative to project_dir) exists, resolves inside
 * project_dir, is a directory and is not project_dir itself; each failure
 * has its own message.
 * Returns the number of errors added to d.
 */
int site_check_root(const struct manifest_site *site, const char *project_dir,
    struct diags *d);

/*
 * Hashes site->root (relative to project_dir) into out_path. Symbolic
 * links are followed only to regular files inside the project directory.
 * Fills hex (may be NULL) with the site's sha256. Returns the number of
 * errors added to d; I/O errors are E-BUILD-IO diagnostics.
 */
int site_hash(const struct manifest_site *site, const char *project_dir,
    const char *out_path, char hex[DIGEST_HEX_LEN + 1], struct diags *d);

#endif
