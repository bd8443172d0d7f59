/*
 * elfsym.h - just enough ELF reading for the build: the symbols an object
 * file defines (the manifest's handler symbols must be there before we
 * link), and a linked program's dynamic needs (DT_NEEDED, RPATH, and the
 * symbol versions it requires, for the glibc 2.34 ceiling).
 *
 * We read the ELF structures ourselves (<elf.h>) rather than parse nm or
 * readelf output: no program to find for each target architecture, no text
 * format to depend on, and every offset is bounds-checked. ELF64 little
 * endian only: x86_64 and aarch64, the two Lambda architectures.
 */
#ifndef SPARTAC_ELFSYM_H
#define SPARTAC_ELFSYM_H

#include <stddef.h>

struct elf_sym {
	char *name;
	unsigned char bind;  /* STB_LOCAL, STB_GLOBAL, STB_WEAK */
	unsigned char type;  /* STT_FUNC, STT_OBJECT, ... */
	int defined;         /* st_shndx != SHN_UNDEF */
	char *version;       /* dynamic only: the required version ("GLIBC_2.34"), or NULL */
	char *version_file;  /* dynamic only: the library that provides it ("libc.so.6"), or NULL */
};

/* One version an object requires from a library (.gnu.version_r). */
struct elf_verneed {
	char *file;    /* "libc.so.6" */
	char *version; /* "GLIBC_2.34" */
};

struct elf_info {
	unsigned machine;     /* EM_X86_64, EM_AARCH64 */
	struct elf_sym *syms;
	size_t nsyms;
	char **needed;        /* DT_NEEDED, in order */
	size_t nneeded;
	char *rpath;          /* DT_RPATH or DT_RUNPATH, or NULL */
	struct elf_verneed *verneed;
	size_t nverneed;
};

#define ELFSYM_STATIC 0  /* .symtab: what a relocatable object defines */
#define ELFSYM_DYNAMIC 1 /* .dynsym + versions + dynamic section */

/*
 * Reads path's symbols (which = ELFSYM_STATIC or ELFSYM_DYNAMIC) into
 * *info. Returns 0, or -1 with a reason in *err (malloc'ed) when the file
 * cannot be read or is not a well-formed ELF64 little-endian file.
 */
int elf_info_read(const char *path, int which, struct elf_info *info,
    char **err);
void elf_info_free(struct elf_info *info);

/* Same as elf_info_read, over bytes in memory (for tests and fuzzing). */
int elf_info_parse(const unsigned char *data, size_t len, int which,
    struct elf_info *info, char **err);

#endif
