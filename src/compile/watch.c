/*
 * watch.c - the fingerprint of a build's inputs (watch.h).
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/digest.h"
#include "base/util.h"
#include "compile/watch.h"

static void
fingerprint_file(struct digest *dg, const char *path)
{
	struct stat st;
	char line[64];

	digest_field(dg, path);
	if (stat(path, &st) == 0) {
		snprintf(line, sizeof(line), "%lld.%09ld:%lld",
		    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		    (long long)st.st_size);
		digest_field(dg, line);
	}
}

static void
fingerprint_glob(struct digest *dg, const char *pattern)
{
	glob_t g;
	size_t j;

	if (glob(pattern, 0, NULL, &g) == 0) {
		for (j = 0; j < g.gl_pathc; j++)
			fingerprint_file(dg, g.gl_pathv[j]);
		globfree(&g);
	}
}

void
watch_fingerprint(const struct manifest *m, const char *project_dir,
    const char *manifest_path, char hex[DIGEST_HEX_LEN + 1])
{
	struct digest dg;
	char *pattern;
	size_t i;

	digest_init(&dg);
	fingerprint_file(&dg, manifest_path);
	for (i = 0; i < m->build.sources.n; i++) {
		pattern = xasprintf("%s/%s", project_dir, m->build.sources.v[i]);
		fingerprint_glob(&dg, pattern);
		free(pattern);
	}
	for (i = 0; i < m->build.include_dirs.n; i++) {
		pattern = xasprintf("%s/%s/*.h", project_dir,
		    m->build.include_dirs.v[i]);
		fingerprint_glob(&dg, pattern);
		free(pattern);
	}
	digest_final_hex(&dg, hex);
}
