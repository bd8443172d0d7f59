/* test_archive.c - the deterministic ZIP: order, modes, times, refusals. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "compile/archive.h"
#include "unit.h"
#include "base/util.h"

/* Removes a test directory tree (files, links, subdirectories). */
static void
rmtree(const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *dp;
	char *p;

	if (lstat(path, &st) == -1)
		return;
	if (S_ISDIR(st.st_mode) && (dp = opendir(path)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			p = xasprintf("%s/%s", path, de->d_name);
			rmtree(p);
			free(p);
		}
		closedir(dp);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static char *
mkfile(const char *dir, const char *name, const char *text, int mode)
{
	char *p = xasprintf("%s/%s", dir, name);

	CHECK(file_write_atomic(p, text, strlen(text), mode) == 0);
	return p;
}

/* Writes a tree with bootstrap and a staging dir under root; zips it. */
static void
build_in(const char *root, const char *zip_path, char hex[DIGEST_HEX_LEN + 1])
{
	struct archive a = {0};
	struct diags d = {0};
	struct loc loc = {"sparta.yaml", 1, 1};
	char *boot, *stage, *sub, *p1, *p2, *p3;

	stage = xasprintf("%s/staging", root);
	sub = xasprintf("%s/staging/conf", root);
	CHECK(mkdir(stage, 0755) == 0);
	CHECK(mkdir(sub, 0755) == 0);
	boot = mkfile(root, "bootstrap", "\x7f" "ELF pretend binary", 0700);
	p1 = mkfile(stage, "zeta.txt", "last\n", 0600);
	p2 = mkfile(sub, "app.json", "{\"a\":1}\n", 0644);
	p3 = mkfile(stage, "run.sh", "#!/bin/sh\n", 0750);
	/* Added out of order on purpose: the archive sorts. */
	CHECK_INT(archive_add_tree(&a, stage, "", loc, &d), 0);
	archive_add_file(&a, "bootstrap", boot, 0755);
	CHECK_INT(archive_check(&a, loc, &d), 0);
	CHECK_INT(a.n, 4);
	CHECK_STR(a.v[0].name, "bootstrap");
	CHECK_STR(a.v[1].name, "conf/app.json");
	CHECK_STR(a.v[2].name, "run.sh");
	CHECK_STR(a.v[3].name, "zeta.txt");
	CHECK_INT(archive_write(&a, zip_path, hex), 0);
	CHECK_INT(strlen(hex), 64);
	archive_free(&a);
	diags_free(&d);
	free(boot), free(p1), free(p2), free(p3), free(sub), free(stage);
}

static void
check_entries(const char *zip_path)
{
	static const struct {
		const char *name;
		unsigned mode;
	} want[] = {
		{"bootstrap", 0755}, {"conf/app.json", 0644},
		{"run.sh", 0755}, {"zeta.txt", 0644},
	};
	zip_t *za;
	zip_stat_t st;
	zip_uint8_t opsys;
	zip_uint32_t attr;
	size_t i;
	int err;

	za = zip_open(zip_path, ZIP_RDONLY, &err);
	CHECK(za != NULL);
	if (za == NULL)
		return;
	CHECK_INT(zip_get_num_entries(za, 0), NELEM(want));
	for (i = 0; i < NELEM(want); i++) {
		CHECK_STR(zip_get_name(za, i, 0), want[i].name);
		CHECK(zip_file_get_external_attributes(za, i, 0, &opsys, &attr) == 0);
		CHECK_INT(opsys, ZIP_OPSYS_UNIX);
		CHECK_INT((attr >> 16) & 07777, want[i].mode);
		CHECK_INT((attr >> 16) & S_IFMT, S_IFREG);
		zip_stat_init(&st);
		CHECK(zip_stat_index(za, i, 0, &st) == 0);
		CHECK_INT(st.comp_method, ZIP_CM_DEFLATE);
	}
	zip_discard(za);
}

static void
test_deterministic(void)
{
	char d1[] = "/tmp/spartac-arch-XXXXXX", d2[] = "/tmp/spartac-arch2-XXXXXX";
	char h1[DIGEST_HEX_LEN + 1], h2[DIGEST_HEX_LEN + 1], *z1, *z2, *b1, *b2;
	size_t l1, l2;

	CHECK(mkdtemp(d1) != NULL);
	CHECK(mkdtemp(d2) != NULL);
	z1 = xasprintf("%s/code.zip", d1);
	z2 = xasprintf("%s/code.zip", d2);
	build_in(d1, z1, h1);
	sleep(1); /* a different mtime must not matter */
	setenv("TZ", "Pacific/Kiritimati", 1);
	build_in(d2, z2, h2);
	unsetenv("TZ");
	CHECK_STR(h1, h2);
	CHECK(file_read(z1, 1 << 20, &b1, &l1) == 0);
	CHECK(file_read(z2, 1 << 20, &b2, &l2) == 0);
	CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
	check_entries(z1);
	free(b1), free(b2), free(z1), free(z2);
	rmtree(d1);
	rmtree(d2);
}

static void
test_refusals(void)
{
	struct archive a = {0};
	struct diags d = {0};
	struct loc loc = {"sparta.yaml", 3, 5};
	char dir[] = "/tmp/spartac-arch3-XXXXXX", *p, *link;

	CHECK(mkdtemp(dir) != NULL);
	p = mkfile(dir, "x", "x", 0644);
	link = xasprintf("%s/escape", dir);
	CHECK(symlink("/etc/passwd", link) == 0);
	CHECK_INT(archive_add_tree(&a, dir, "", loc, &d), 1);
	CHECK_INT(d.nerrors, 1);
	CHECK(d.n == 1 && d.v[0].code == DIAG_ARCHIVE_ENTRY);
	archive_add_file(&a, "x", p, 0644);
	archive_add_file(&a, "../up", p, 0644);
	archive_add_file(&a, "/abs", p, 0644);
	archive_add_file(&a, "a//b", p, 0644);
	CHECK_INT(archive_check(&a, loc, &d), 4); /* dup x, ../up, /abs, a//b */
	archive_free(&a);
	diags_free(&d);
	free(p), free(link);
	rmtree(dir);
}

static void
test_empty(void)
{
	struct archive a = {0};
	char dir[] = "/tmp/spartac-arch4-XXXXXX", hex[DIGEST_HEX_LEN + 1], *z;
	zip_t *za;
	int err;

	CHECK(mkdtemp(dir) != NULL);
	z = xasprintf("%s/empty.zip", dir);
	CHECK_INT(archive_write(&a, z, hex), 0);
	za = zip_open(z, ZIP_RDONLY, &err);
	CHECK(za != NULL);
	if (za != NULL) {
		CHECK_INT(zip_get_num_entries(za, 0), 0);
		zip_discard(za);
	}
	free(z);
	rmtree(dir);
}

int
main(void)
{
	test_deterministic();
	test_refusals();
	test_empty();
	return unit_report("test_archive");
}
