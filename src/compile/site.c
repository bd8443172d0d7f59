/* site.c - see site.h. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "base/path.h"
#include "base/env.h"
#include "base/util.h"
#include "compile/site.h"

/* Sorted by extension (lower case) for bsearch. */
static const struct {
	const char *ext;
	const char *type;
} site_types[] = {
	{"avif", "image/avif"},
	{"css", "text/css; charset=utf-8"},
	{"csv", "text/csv; charset=utf-8"},
	{"gif", "image/gif"},
	{"gz", "application/gzip"},
	{"htm", "text/html; charset=utf-8"},
	{"html", "text/html; charset=utf-8"},
	{"ico", "image/vnd.microsoft.icon"},
	{"jpeg", "image/jpeg"},
	{"jpg", "image/jpeg"},
	{"js", "text/javascript; charset=utf-8"},
	{"json", "application/json"},
	{"map", "application/json"},
	{"md", "text/markdown; charset=utf-8"},
	{"mjs", "text/javascript; charset=utf-8"},
	{"mp3", "audio/mpeg"},
	{"mp4", "video/mp4"},
	{"otf", "font/otf"},
	{"pdf", "application/pdf"},
	{"png", "image/png"},
	{"svg", "image/svg+xml"},
	{"ttf", "font/ttf"},
	{"txt", "text/plain; charset=utf-8"},
	{"wasm", "application/wasm"},
	{"webm", "video/webm"},
	{"webmanifest", "application/manifest+json"},
	{"webp", "image/webp"},
	{"woff", "font/woff"},
	{"woff2", "font/woff2"},
	{"xml", "application/xml"},
	{"zip", "application/zip"},
};

const char *
site_content_type(const char *name)
{
	const char *base = strrchr(name, '/'), *dot;
	char ext[16];
	size_t i, n, lo = 0, hi = NELEM(site_types);
	int c;

	base = base != NULL ? base + 1 : name;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base || (n = strlen(dot + 1)) == 0 ||
	    n >= sizeof ext)
		return "application/octet-stream";
	for (i = 0; i <= n; i++)
		ext[i] = (char)((dot[1 + i] >= 'A' && dot[1 + i] <= 'Z')
		    ? dot[1 + i] + 32 : dot[1 + i]);
	while (lo < hi) {
		i = lo + (hi - lo) / 2;
		c = strcmp(ext, site_types[i].ext);
		if (c == 0)
			return site_types[i].type;
		if (c < 0)
			hi = i;
		else
			lo = i + 1;
	}
	return "application/octet-stream";
}

struct site_file {
	char *rel;
	char *path;
};

struct site_walk {
	struct site_file *v;
	size_t n, cap;
	const struct manifest_site *site;
	dev_t out_dev; /* the build directory, never published */
	ino_t out_ino;
	const char *project_real;
	struct loc loc;
	struct diags *d;
	int errors;
};

static void
walk_add(struct site_walk *w, const char *rel, const char *path)
{
	w->v = xgrow(w->v, &w->cap, w->n + 1, sizeof *w->v);
	w->v[w->n].rel = xstrdup(rel);
	w->v[w->n].path = xstrdup(path);
	w->n++;
}

/*
 * Does a pattern of l match? One without '/' matches the name at any
 * depth; one with '/' the path from the root ('*' not crossing '/').
 */
static int
walk_matches(const struct manifest_strlist *l, const char *rel,
    const char *name)
{
	const char *pat;
	size_t i;

	for (i = 0; i < l->n; i++) {
		pat = l->v[i];
		if (strchr(pat, '/') == NULL ? fnmatch(pat, name, 0) == 0 :
		    fnmatch(pat + strspn(pat, "/"), rel, FNM_PATHNAME) == 0)
			return 1;
	}
	return 0;
}

/* Is the entry left out: excluded, or a dot-file include does not name? */
static int
walk_skips(const struct site_walk *w, const char *rel, const char *name)
{
	if (walk_matches(&w->site->exclude, rel, name))
		return 1;
	return name[0] == '.' && !walk_matches(&w->site->include, rel, name);
}

static void
walk_dir(struct site_walk *w, const char *dir, const char *prefix)
{
	DIR *dp;
	struct dirent *de;
	struct stat st;
	char *path, *rel;

	if ((dp = opendir(dir)) == NULL) {
		diag_add(w->d, DIAG_BUILD_IO, w->loc, "site.root",
		    "cannot read directory %s: %s", dir, strerror(errno));
		w->errors++;
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rel = xasprintf("%s%s", prefix, de->d_name);
		if (walk_skips(w, rel, de->d_name)) {
			free(rel);
			continue;
		}
		path = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(path, &st) == -1) {
			diag_add(w->d, DIAG_BUILD_IO, w->loc, "site.root",
			    "cannot stat %s: %s", path, strerror(errno));
			w->errors++;
		} else if (S_ISDIR(st.st_mode) && st.st_dev == w->out_dev &&
		    st.st_ino == w->out_ino) {
			/* The build directory (--out inside the site). */
		} else if (S_ISDIR(st.st_mode)) {
			char *sub = xasprintf("%s/", rel);

			walk_dir(w, path, sub);
			free(sub);
		} else if (S_ISREG(st.st_mode)) {
			walk_add(w, rel, path);
		} else if (S_ISLNK(st.st_mode) &&
		    path_inside(w->project_real, path) == 1 &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			walk_add(w, rel, path);
		} else {
			diag_add(w->d, DIAG_SITE_ROOT, w->loc, "site.root",
			    "%s is not a regular file inside the project; "
			    "it is not published", rel);
			w->errors++;
		}
		free(rel);
		free(path);
	}
	closedir(dp);
}

static int
file_cmp(const void *x, const void *y)
{
	const struct site_file *a = x, *b = y;

	return strcmp(a->rel, b->rel);
}

/* Does path resolve to the directory real? */
static int
same_dir(const char *path, const char *real)
{
	char *p = realpath(path, NULL);
	int same = p != NULL && strcmp(p, real) == 0;

	free(p);
	return same;
}

int
site_check_root(const struct manifest_site *site, const char *project_dir,
    struct diags *d)
{
	char *project_real, *root;
	struct stat st;
	int errors = 1, inside;

	if ((project_real = realpath(project_dir, NULL)) == NULL) {
		diag_add(d, DIAG_BUILD_IO, site->root_loc, "site.root",
		    "cannot resolve %s: %s", project_dir, strerror(errno));
		return 1;
	}
	root = xasprintf("%s/%s", project_dir, site->root);
	memset(&st, 0, sizeof st);
	if (stat(root, &st) == -1 && errno == ENOENT)
		diag_add(d, DIAG_SITE_ROOT, site->root_loc, "site.root",
		    "site root '%s' does not exist: create the directory "
		    "(beside the manifest) with the site's files, or set "
		    "site.root to the directory that holds them", site->root);
	else if ((inside = path_inside(project_real, root)) != 1)
		diag_add(d, DIAG_SITE_ROOT, site->root_loc, "site.root",
		    inside < 0 ? "site root '%s' cannot be resolved" :
		    "site root '%s' is outside the project directory",
		    site->root);
	else if (!S_ISDIR(st.st_mode))
		diag_add(d, DIAG_SITE_ROOT, site->root_loc, "site.root",
		    "site root '%s' is not a directory", site->root);
	else if (same_dir(root, project_real))
		/* Also through a link: the project holds the manifest and
		 * .spartac/. */
		diag_add(d, DIAG_SITE_ROOT, site->root_loc, "site.root",
		    "site root '%s' is the project directory, which holds the "
		    "manifest; put the site in a directory of its own",
		    site->root);
	else
		errors = 0;
	free(root);
	free(project_real);
	return errors;
}

/*
 * Is the root a directory inside the project, other than the project
 * itself (site_check_root)? Notes the build directory (out_path's), which
 * is never published. Returns 0, or 1 with a diagnostic.
 */
static int
walk_root_check(struct site_walk *w, const char *out_path)
{
	char *out_dir = xstrdup(out_path), *slash;
	struct stat st;

	if ((slash = strrchr(out_dir, '/')) != NULL)
		*slash = '\0';
	if (stat(slash != NULL ? out_dir : ".", &st) == 0) {
		w->out_dev = st.st_dev;
		w->out_ino = st.st_ino;
	}
	free(out_dir);
	return site_check_root(w->site, w->project_real, w->d);
}

unsigned long long
site_file_max(void)
{
	/* only lower: S3 stores no bigger object */
	return env_bytes("SPARTAC_SITE_FILE_MAX", SITE_FILE_MAX, 1,
	    SITE_FILE_MAX);
}

int
site_hash(const struct manifest_site *site, const char *project_dir,
    const char *out_path, char hex[DIGEST_HEX_LEN + 1], struct diags *d)
{
	struct site_walk w = {0};
	struct digest all;
	char *project_real = NULL, *root = NULL, *text = NULL;
	char fhex[DIGEST_HEX_LEN + 1], ahex[DIGEST_HEX_LEN + 1], size[32];
	unsigned long long fsize;
	cJSON *doc = NULL, *files, *f;
	size_t i, n;

	w.d = d;
	w.site = site;
	w.loc = site->root_loc;
	if ((project_real = realpath(project_dir, NULL)) == NULL) {
		diag_add(d, DIAG_BUILD_IO, site->root_loc, "site.root",
		    "cannot resolve %s: %s", project_dir, strerror(errno));
		return 1;
	}
	w.project_real = project_real;
	root = xasprintf("%s/%s", project_dir, site->root);
	if ((w.errors = walk_root_check(&w, out_path)) != 0)
		goto out;
	walk_dir(&w, root, "");
	if (w.errors > 0)
		goto out;
	if (w.n > 1)
		qsort(w.v, w.n, sizeof *w.v, file_cmp);
	doc = cJSON_CreateObject();
	/* Trailing slashes are cosmetic: "site/" and "site" are one root. */
	n = strlen(site->root);
	while (n > 1 && site->root[n - 1] == '/')
		n--;
	{
		char *r = xstrndup(site->root, n);

		cJSON_AddStringToObject(doc, "root", r);
		free(r);
	}
	cJSON_AddStringToObject(doc, "index", site->index);
	if (site->error_document != NULL)
		cJSON_AddStringToObject(doc, "error_document",
		    site->error_document);
	files = cJSON_CreateArray();
	digest_init(&all);
	for (i = 0; i < w.n; i++) {
		if (digest_file_hex(w.v[i].path, fhex, &fsize) == -1) {
			diag_add(d, DIAG_BUILD_IO, site->root_loc, "site.root",
			    "cannot read %s: %s", w.v[i].path, strerror(errno));
			w.errors++;
			continue;
		}
		if (fsize > site_file_max()) {
			diag_add(d, DIAG_SITE_FILE_SIZE, site->root_loc,
			    "site.root", "%s is %llu bytes, over the %llu "
			    "bytes a site object may have", w.v[i].path, fsize,
			    site_file_max());
			w.errors++;
			continue;
		}
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "path", w.v[i].rel);
		cJSON_AddNumberToObject(f, "size", (double)fsize);
		cJSON_AddStringToObject(f, "sha256", fhex);
		cJSON_AddStringToObject(f, "content_type",
		    site_content_type(w.v[i].rel));
		cJSON_AddItemToArray(files, f);
		snprintf(size, sizeof size, "%llu", fsize);
		digest_field(&all, w.v[i].rel);
		digest_field(&all, size);
		digest_field(&all, fhex);
		digest_field(&all, site_content_type(w.v[i].rel));
	}
	digest_final_hex(&all, ahex);
	if (w.errors > 0) {
		cJSON_Delete(files);
		goto out;
	}
	cJSON_AddStringToObject(doc, "sha256", ahex);
	cJSON_AddItemToObject(doc, "files", files);
	text = cJSON_Print(doc);
	if (text == NULL)
		(void)xmalloc(SIZE_MAX); /* cJSON fails only out of memory */
	{
		size_t len = strlen(text);
		char *withnl = xmalloc(len + 2);

		memcpy(withnl, text, len);
		withnl[len] = '\n';
		withnl[len + 1] = '\0';
		if (path_write_if_changed(out_path, withnl, len + 1,
		    0644) == -1) {
			diag_add(d, DIAG_BUILD_IO, site->root_loc, "site.root",
			    "cannot write %s: %s", out_path, strerror(errno));
			w.errors++;
		}
		free(withnl);
	}
	if (hex != NULL && w.errors == 0)
		memcpy(hex, ahex, sizeof ahex);
out:
	cJSON_free(text);
	cJSON_Delete(doc);
	for (i = 0; i < w.n; i++) {
		free(w.v[i].rel);
		free(w.v[i].path);
	}
	free(w.v);
	free(root);
	free(project_real);
	return w.errors;
}
