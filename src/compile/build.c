/*
 * build.c - see build.h: the paths under .spartac, the archive and the
 * output directory's lock. The pipeline (pipeline.c) runs the steps and
 * the hooks in order; the bootstrap itself is build_compile.c's
 * (build_int.h lists the files).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/path.h"
#include "base/util.h"
#include "compile/archive.h"
#include "compile/build.h"

/* ---- paths ---- */

int
build_out_init_in(struct build_out *out, const char *manifest_path,
    const char *dir, int make_work)
{
	char *pdir, *work;

	memset(out, 0, sizeof *out);
	if (dir != NULL && (path_mkdir_p(dir) == -1 ||
	    (out->dir = realpath(dir, NULL)) == NULL)) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	pdir = path_dir_alloc(manifest_path);
	out->project_dir = realpath(pdir, NULL);
	if (out->project_dir == NULL) {
		log_error("cannot resolve the project directory %s: %s", pdir,
		    strerror(errno));
		free(pdir);
		build_out_free(out);
		return -1;
	}
	free(pdir);
	if (out->dir == NULL)
		out->dir = xasprintf("%s/.spartac", out->project_dir);
	out->bootstrap_path = xasprintf("%s/bootstrap", out->dir);
	out->archive_path = xasprintf("%s/code.zip", out->dir);
	out->sha256_path = xasprintf("%s/code.sha256", out->dir);
	out->template_path = xasprintf("%s/template.json", out->dir);
	out->site_path = xasprintf("%s/site.json", out->dir);
	if (!make_work)
		return 0;
	work = xasprintf("%s/work", out->dir);
	if (path_mkdir_p(work) == -1) {
		log_error("cannot create %s: %s", work, strerror(errno));
		free(work);
		build_out_free(out);
		return -1;
	}
	free(work);
	return 0;
}

int
build_out_init(struct build_out *out, const char *manifest_path)
{
	return build_out_init_in(out, manifest_path, NULL, 1);
}

void
build_out_free(struct build_out *out)
{
	free(out->project_dir);
	free(out->dir);
	free(out->bootstrap_path);
	free(out->archive_path);
	free(out->sha256_path);
	free(out->template_path);
	free(out->site_path);
	while (out->n_children > 0)
		free(out->child_paths[--out->n_children]);
	free(out->child_paths);
	memset(out, 0, sizeof *out);
}

/* ---- archive ---- */

/* Adds bootstrap and the bundled lib/ files (glibc mode) to a. */
static void
archive_add_outputs(struct archive *a, const struct manifest *m,
    const struct build_out *out)
{
	struct dirent *de;
	char *libdir;
	DIR *dp;

	archive_add_file(a, "bootstrap", out->bootstrap_path, 0755);
	if (m->build.link != MANIFEST_LINK_GLIBC)
		return;
	/* archive_check sorts the entries; readdir's order does not matter. */
	libdir = xasprintf("%s/lib", out->dir);
	if ((dp = opendir(libdir)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			char *name, *path;

			if (de->d_name[0] == '.')
				continue;
			name = xasprintf("lib/%s", de->d_name);
			path = xasprintf("%s/%s", libdir, de->d_name);
			archive_add_file(a, name, path, 0755);
			free(name);
			free(path);
		}
		closedir(dp);
	}
	free(libdir);
}

char *
build_staging_alloc(const struct manifest *m, const struct build_out *out,
    struct diags *d)
{
	char *staging = xasprintf("%s/work/staging", out->dir);

	if (path_remove_tree(staging) == -1 || path_mkdir_p(staging) == -1) {
		diag_add(d, DIAG_BUILD_IO, m->hooks[MANIFEST_HOOK_ARCHIVE].loc,
		    "hooks.archive", "cannot prepare %s: %s", staging,
		    strerror(errno));
		free(staging);
		return NULL;
	}
	return staging;
}

int
build_archive(const struct manifest *m, struct build_out *out,
    const char *staging, struct diags *d)
{
	struct archive a = {0};
	const struct loc hook_loc = m->hooks[MANIFEST_HOOK_ARCHIVE].loc;
	char *stamp_path = NULL, *old = NULL, *line = NULL;
	char inputs[DIGEST_HEX_LEN + 1], zhex[DIGEST_HEX_LEN + 1];
	size_t len;
	int errors = 0;

	out->archived = 0;
	out->code_sha256[0] = '\0';
	archive_add_outputs(&a, m, out);
	if (staging != NULL &&
	    (errors = archive_add_tree(&a, staging, "", hook_loc, d)) > 0)
		goto out;
	if ((errors = archive_check(&a, hook_loc, d)) > 0)
		goto out;
	if (archive_inputs_hash(&a, inputs) == -1) {
		diag_add(d, DIAG_BUILD_IO, m->build.loc, "build",
		    "cannot read the archive's files");
		errors++;
		goto out;
	}
	/* code.stamp: "<inputs> <zip sha256>"; both must still hold. */
	stamp_path = xasprintf("%s/work/code.stamp", out->dir);
	if (file_read(stamp_path, 1024, &old, &len) == 0 &&
	    len == 2 * DIGEST_HEX_LEN + 2 &&
	    strncmp(old, inputs, DIGEST_HEX_LEN) == 0 &&
	    digest_file_hex(out->archive_path, zhex, NULL) == 0 &&
	    strncmp(old + DIGEST_HEX_LEN + 1, zhex, DIGEST_HEX_LEN) == 0) {
		memcpy(out->code_sha256, zhex, sizeof zhex);
	} else {
		if (archive_write(&a, out->archive_path, zhex) == -1) {
			diag_add(d, DIAG_BUILD_IO, m->build.loc, "build",
			    "cannot write %s", out->archive_path);
			errors++;
			goto out;
		}
		memcpy(out->code_sha256, zhex, sizeof zhex);
		out->archived = 1;
		line = xasprintf("%s %s\n", inputs, zhex);
		if (path_write_if_changed(stamp_path, line, strlen(line),
		    0644) == -1)
			log_warn("cannot write %s: %s", stamp_path, strerror(errno));
		free(line);
	}
	line = xasprintf("%s\n", out->code_sha256);
	if (path_write_if_changed(out->sha256_path, line, strlen(line),
	    0644) == -1) {
		diag_add(d, DIAG_BUILD_IO, m->build.loc, "build",
		    "cannot write %s: %s", out->sha256_path, strerror(errno));
		errors++;
	}
out:
	free(line);
	free(old);
	free(stamp_path);
	archive_free(&a);
	return errors;
}

int
build_lock(const struct build_out *out)
{
	char *path = xasprintf("%s/work/lock", out->dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	free(path);
	if (fd == -1)
		return -1;
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

void
build_unlock(int lock)
{
	if (lock != -1)
		close(lock); /* releases the lock */
}
