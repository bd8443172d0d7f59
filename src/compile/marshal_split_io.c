/*
 * marshal_split_io.c - the children written to <out>/stacks/<Id>.json.
 *
 * A child whose bytes did not change is left untouched (same inode and
 * time, like template.json); a changed one is replaced atomically; a child
 * the service no longer has is removed, so the directory always holds
 * exactly the root's children.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/util.h"
#include "compile/marshal.h"

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes the *.json files of dir that names (sorted) does not list. */
static void
remove_stale(const char *dir, char **names, size_t n)
{
	DIR *dp;
	struct dirent *e;
	char *path, *key;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (!str_has_suffix(e->d_name, ".json") || e->d_name[0] == '.')
			continue;
		key = e->d_name;
		if (n > 0 && bsearch(&key, names, n, sizeof(*names), name_cmp))
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (unlink(path) == -1 && errno != ENOENT)
			log_error("cannot remove %s: %s", path, strerror(errno));
		free(path);
	}
	closedir(dp);
}

int
marshal_split_write(const struct marshal_split *s, const char *out_dir,
    char ***paths)
{
	char *dir = xasprintf("%s/" MARSHAL_CHILD_DIR, out_dir), **names;
	size_t i;
	int rc = 0;

	*paths = NULL;
	names = xcalloc(s->n + 1, sizeof(*names));
	if (s->n > 0 && mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		free(names);
		free(dir);
		return -1;
	}
	*paths = xcalloc(s->n + 1, sizeof(**paths));
	for (i = 0; i < s->n; i++) {
		names[i] = xasprintf("%s.json", s->v[i].id);
		(*paths)[i] = xasprintf("%s/%s", dir, names[i]);
		if (marshal_file_holds((*paths)[i], s->v[i].text.data,
		    s->v[i].text.len))
			continue;
		if (file_write_atomic((*paths)[i], s->v[i].text.data,
		    s->v[i].text.len, 0644) == -1) {
			log_error("cannot write %s: %s", (*paths)[i], strerror(errno));
			rc = -1;
		}
	}
	qsort(names, s->n, sizeof(*names), name_cmp);
	remove_stale(dir, names, s->n);
	for (i = 0; i < s->n; i++)
		free(names[i]);
	free(names);
	rmdir(dir); /* only when empty: no child left */
	free(dir);
	return rc;
}
