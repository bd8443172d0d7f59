/* path.c - see path.h. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/path.h"
#include "base/util.h"

int
path_inside(const char *root_real, const char *path)
{
	char *real = realpath(path, NULL);
	size_t n = strlen(root_real);
	int inside;

	if (real == NULL)
		return -1;
	inside = strcmp(real, root_real) == 0 ||
	    (strncmp(real, root_real, n) == 0 &&
	    (real[n] == '/' || (n == 1 && root_real[0] == '/')));
	free(real);
	return inside;
}

int
path_escapes(const char *p)
{
	const char *s = p;

	if (*p == '/')
		return 1;
	while (*s != '\0') {
		if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
			return 1;
		s = strchr(s, '/');
		if (s == NULL)
			break;
		s++;
	}
	return 0;
}

char *
path_dir_alloc(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

char *
path_exec_lookup(const char *name)
{
	const char *path = getenv("PATH"), *p, *colon;
	char *cand;

	if (strchr(name, '/') != NULL)
		return realpath(name, NULL);
	for (p = path != NULL ? path : "/usr/bin:/bin"; ; p = colon + 1) {
		colon = strchr(p, ':');
		if (colon == NULL)
			colon = p + strlen(p);
		cand = xasprintf("%.*s/%s", (int)(colon - p), colon > p ? p : ".",
		    name);
		if (access(cand, X_OK) == 0) {
			char *real = realpath(cand, NULL);

			free(cand);
			return real;
		}
		free(cand);
		if (*colon == '\0')
			return NULL;
	}
}

int
path_mkdir_p(const char *path)
{
	char *p = xstrdup(path), *s, save;
	int rc = 0, err = 0;

	for (s = p; *s == '/'; s++)
		continue;
	for (;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		save = *s;
		*s = '\0';
		/* The mode is explicit: chmod, as mkdir's is cut by umask. */
		if (mkdir(p, 0755) == 0)
			(void)chmod(p, 0755);
		else if (errno != EEXIST) {
			err = errno;
			rc = -1;
		}
		*s = save;
		if (save == '\0' || rc == -1)
			break;
	}
	free(p);
	if (rc == -1)
		errno = err;
	return rc;
}

int
path_remove_tree(const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *dp;
	char *p;
	int rc = 0;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if ((dp = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", path, de->d_name);
		if (path_remove_tree(p) == -1)
			rc = -1;
		free(p);
	}
	closedir(dp);
	if (rmdir(path) == -1)
		rc = -1;
	return rc;
}

int
path_write_if_changed(const char *path, const void *data, size_t len,
    int mode)
{
	struct stat st;
	char *old;
	size_t oldlen;
	int same = 0;

	if (stat(path, &st) == 0 && (size_t)st.st_size == len &&
	    file_read(path, len + 1, &old, &oldlen) == 0) {
		same = oldlen == len && memcmp(old, data, len) == 0;
		free(old);
		if (same && (st.st_mode & 07777) != (mode_t)mode)
			same = chmod(path, (mode_t)mode) == 0;
	}
	return same ? 0 : file_write_atomic(path, data, len, mode);
}
