/* test_elfsym.c - the ELF reader on a real binary, and on broken input. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "compile/elfsym.h"
#include "compile/site.h"
#include "unit.h"
#include "base/util.h"

/* This test program itself: unstripped, dynamically linked against glibc. */
static void
test_self(const char *self)
{
	struct elf_info info;
	char *err = NULL;
	size_t i;
	int main_found = 0, libc_needed = 0, versioned = 0;

	CHECK(elf_info_read(self, ELFSYM_STATIC, &info, &err) == 0);
	CHECK(err == NULL);
	for (i = 0; i < info.nsyms; i++)
		if (strcmp(info.syms[i].name, "main") == 0)
			main_found = info.syms[i].defined &&
			    info.syms[i].bind == STB_GLOBAL &&
			    info.syms[i].type == STT_FUNC;
	CHECK(main_found);
	elf_info_free(&info);

	CHECK(elf_info_read(self, ELFSYM_DYNAMIC, &info, &err) == 0);
	for (i = 0; i < info.nneeded; i++)
		libc_needed |= strcmp(info.needed[i], "libc.so.6") == 0;
	CHECK(libc_needed);
	for (i = 0; i < info.nsyms; i++) {
		/* Versioned in every glibc build, sanitizers or not. */
		if (strcmp(info.syms[i].name, "__libc_start_main") != 0)
			continue;
		CHECK(!info.syms[i].defined);
		CHECK(info.syms[i].version != NULL &&
		    str_has_prefix(info.syms[i].version, "GLIBC_2."));
		CHECK_STR(info.syms[i].version_file, "libc.so.6");
		versioned = 1;
	}
	CHECK(versioned);
	CHECK(info.nverneed > 0);
	elf_info_free(&info);
}

/* Every prefix, and single-byte corruptions: errors, never a crash. */
static void
test_broken(const char *self)
{
	struct elf_info info;
	char *data, *err;
	unsigned char *copy;
	size_t len, n, i, step;
	int ok = 0, failed = 0;

	CHECK(file_read(self, (size_t)64 << 20, &data, &len) == 0);
	step = len / 3000 + 1;
	for (n = 0; n < len; n += step) {
		err = NULL;
		if (elf_info_parse((const unsigned char *)data, n, ELFSYM_DYNAMIC,
		    &info, &err) == 0) {
			ok++;
			elf_info_free(&info);
		} else {
			failed++;
			CHECK(err != NULL);
		}
		free(err);
	}
	CHECK(failed > 0);
	copy = xmalloc(len);
	srand(42);
	for (i = 0; i < 2000; i++) {
		memcpy(copy, data, len);
		/* Corrupt the headers, where the offsets live. */
		copy[(size_t)rand() % 64] ^= (unsigned char)(1 + rand() % 255);
		copy[len - 1 - (size_t)rand() % 4096] ^= (unsigned char)(1 + rand() % 255);
		err = NULL;
		if (elf_info_parse(copy, len, i % 2, &info, &err) == 0)
			elf_info_free(&info);
		free(err);
	}
	free(copy);
	free(data);
	(void)ok;
	err = NULL;
	CHECK(elf_info_parse((const unsigned char *)"#!/bin/sh\n", 10,
	    ELFSYM_STATIC, &info, &err) == -1);
	CHECK_STR(err, "not an ELF file");
	free(err);
}

static void
test_content_types(void)
{
	CHECK_STR(site_content_type("index.html"), "text/html; charset=utf-8");
	CHECK_STR(site_content_type("a/b/APP.CSS"), "text/css; charset=utf-8");
	CHECK_STR(site_content_type("x.woff2"), "font/woff2");
	CHECK_STR(site_content_type("logo.svg"), "image/svg+xml");
	CHECK_STR(site_content_type("noext"), "application/octet-stream");
	CHECK_STR(site_content_type(".htaccess"), "application/octet-stream");
	CHECK_STR(site_content_type("dir.d/file"), "application/octet-stream");
	CHECK_STR(site_content_type("x.verylongextension"), "application/octet-stream");
	CHECK_STR(site_content_type("trailing."), "application/octet-stream");
}

int
main(int argc, char **argv)
{
	(void)argc;
	test_self(argv[0]);
	test_broken(argv[0]);
	test_content_types();
	return unit_report("test_elfsym");
}
