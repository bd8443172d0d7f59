/* elfsym.c - see elfsym.h. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile/elfsym.h"
#include "base/util.h"

/* Larger inputs than this are not objects we built. */
#define ELFSYM_MAX_FILE ((size_t)512 * 1024 * 1024)

struct elf_file {
	const unsigned char *p;
	size_t len;
	const Elf64_Shdr *sh;
	size_t nsh;
};

/* Is [off, off+n) inside the file? */
static int
in_file(const struct elf_file *f, Elf64_Off off, size_t n)
{
	return off <= f->len && n <= f->len - off;
}

/* The NUL-terminated string at off in a string table section, or NULL. */
static const char *
str_at(const struct elf_file *f, const Elf64_Shdr *strtab, size_t off)
{
	const char *s;

	if (strtab == NULL || strtab->sh_type != SHT_STRTAB ||
	    !in_file(f, strtab->sh_offset, strtab->sh_size) ||
	    off >= strtab->sh_size)
		return NULL;
	s = (const char *)f->p + strtab->sh_offset + off;
	if (memchr(s, '\0', strtab->sh_size - off) == NULL)
		return NULL;
	return s;
}

static const Elf64_Shdr *
section_link(const struct elf_file *f, const Elf64_Shdr *sh)
{
	return sh->sh_link < f->nsh ? &f->sh[sh->sh_link] : NULL;
}

static const Elf64_Shdr *
section_of_type(const struct elf_file *f, Elf64_Word type)
{
	size_t i;

	for (i = 0; i < f->nsh; i++)
		if (f->sh[i].sh_type == type)
			return &f->sh[i];
	return NULL;
}

/* Reads the version needs: every (file, version) and index -> pair. */
static int
read_verneed(const struct elf_file *f, struct elf_info *info,
    size_t **by_index, size_t *nindex)
{
	const Elf64_Shdr *sh = section_of_type(f, SHT_GNU_verneed), *strtab;
	const Elf64_Verneed *vn;
	const Elf64_Vernaux *va;
	Elf64_Off off, aoff;
	size_t cap = 0, i, j, k, n;
	const char *file, *ver;

	*by_index = NULL;
	*nindex = 0;
	if (sh == NULL)
		return 0;
	strtab = section_link(f, sh);
	off = sh->sh_offset;
	/* sh_info holds the number of entries; bound the walk by it. */
	for (i = 0; i < sh->sh_info; i++) {
		if (!in_file(f, off, sizeof *vn) || (off & 3))
			return -1;
		vn = (const Elf64_Verneed *)(f->p + off);
		if ((file = str_at(f, strtab, vn->vn_file)) == NULL)
			return -1;
		aoff = off + vn->vn_aux;
		for (j = 0; j < vn->vn_cnt; j++) {
			if (!in_file(f, aoff, sizeof *va) || (aoff & 3))
				return -1;
			va = (const Elf64_Vernaux *)(f->p + aoff);
			if ((ver = str_at(f, strtab, va->vna_name)) == NULL)
				return -1;
			info->verneed = xgrow(info->verneed, &cap,
			    info->nverneed + 1, sizeof *info->verneed);
			info->verneed[info->nverneed].file = xstrdup(file);
			info->verneed[info->nverneed].version = xstrdup(ver);
			k = va->vna_other & 0x7fff;
			if (k >= *nindex) {
				n = k + 1;
				*by_index = xrealloc(*by_index, n * sizeof **by_index);
				while (*nindex < n)
					(*by_index)[(*nindex)++] = (size_t)-1;
			}
			(*by_index)[k] = info->nverneed;
			info->nverneed++;
			if (va->vna_next == 0)
				break;
			aoff += va->vna_next;
		}
		if (vn->vn_next == 0)
			break;
		off += vn->vn_next;
	}
	return 0;
}

static int
read_symbols(const struct elf_file *f, int which, struct elf_info *info,
    char **err)
{
	const Elf64_Shdr *symsh, *strtab, *versh;
	const Elf64_Sym *sym;
	const Elf64_Half *versym = NULL;
	size_t i, n, cap = 0, *by_index = NULL, nindex = 0, k;
	const char *name;

	symsh = section_of_type(f, which == ELFSYM_DYNAMIC ? SHT_DYNSYM : SHT_SYMTAB);
	if (symsh == NULL)
		return 0; /* a fully stripped or static file has none */
	if (symsh->sh_entsize != sizeof *sym ||
	    !in_file(f, symsh->sh_offset, symsh->sh_size) ||
	    (symsh->sh_offset & 7)) {
		*err = xstrdup("malformed symbol table");
		return -1;
	}
	strtab = section_link(f, symsh);
	n = symsh->sh_size / sizeof *sym;
	if (which == ELFSYM_DYNAMIC) {
		if (read_verneed(f, info, &by_index, &nindex) == -1) {
			free(by_index);
			*err = xstrdup("malformed version needs (.gnu.version_r)");
			return -1;
		}
		versh = section_of_type(f, SHT_GNU_versym);
		if (versh != NULL && in_file(f, versh->sh_offset, versh->sh_size) &&
		    versh->sh_size / sizeof *versym >= n && !(versh->sh_offset & 1))
			versym = (const Elf64_Half *)(f->p + versh->sh_offset);
	}
	sym = (const Elf64_Sym *)(f->p + symsh->sh_offset);
	for (i = 1; i < n; i++) {
		name = str_at(f, strtab, sym[i].st_name);
		if (name == NULL || *name == '\0')
			continue;
		if (ELF64_ST_TYPE(sym[i].st_info) == STT_SECTION ||
		    ELF64_ST_TYPE(sym[i].st_info) == STT_FILE)
			continue;
		info->syms = xgrow(info->syms, &cap, info->nsyms + 1,
		    sizeof *info->syms);
		memset(&info->syms[info->nsyms], 0, sizeof *info->syms);
		info->syms[info->nsyms].name = xstrdup(name);
		info->syms[info->nsyms].bind = ELF64_ST_BIND(sym[i].st_info);
		info->syms[info->nsyms].type = ELF64_ST_TYPE(sym[i].st_info);
		info->syms[info->nsyms].defined = sym[i].st_shndx != SHN_UNDEF;
		if (versym != NULL) {
			k = versym[i] & 0x7fff;
			if (k < nindex && by_index[k] != (size_t)-1) {
				info->syms[info->nsyms].version = xstrdup(
				    info->verneed[by_index[k]].version);
				info->syms[info->nsyms].version_file = xstrdup(
				    info->verneed[by_index[k]].file);
			}
		}
		info->nsyms++;
	}
	free(by_index);
	return 0;
}

static int
read_dynamic(const struct elf_file *f, struct elf_info *info, char **err)
{
	const Elf64_Shdr *sh = section_of_type(f, SHT_DYNAMIC), *strtab;
	const Elf64_Dyn *dyn;
	const char *s;
	size_t i, n, cap = 0;

	if (sh == NULL)
		return 0;
	if (!in_file(f, sh->sh_offset, sh->sh_size) || (sh->sh_offset & 7)) {
		*err = xstrdup("malformed dynamic section");
		return -1;
	}
	strtab = section_link(f, sh);
	dyn = (const Elf64_Dyn *)(f->p + sh->sh_offset);
	n = sh->sh_size / sizeof *dyn;
	for (i = 0; i < n && dyn[i].d_tag != DT_NULL; i++) {
		if (dyn[i].d_tag != DT_NEEDED && dyn[i].d_tag != DT_RPATH &&
		    dyn[i].d_tag != DT_RUNPATH)
			continue;
		if ((s = str_at(f, strtab, dyn[i].d_un.d_val)) == NULL) {
			*err = xstrdup("malformed dynamic string");
			return -1;
		}
		if (dyn[i].d_tag == DT_NEEDED) {
			info->needed = xgrow(info->needed, &cap, info->nneeded + 1,
			    sizeof *info->needed);
			info->needed[info->nneeded++] = xstrdup(s);
		} else if (info->rpath == NULL) {
			info->rpath = xstrdup(s);
		}
	}
	return 0;
}

int
elf_info_parse(const unsigned char *data, size_t len, int which,
    struct elf_info *info, char **err)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
	struct elf_file f = {data, len, NULL, 0};

	memset(info, 0, sizeof *info);
	*err = NULL;
	if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
		*err = xstrdup("not an ELF file");
		return -1;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		*err = xstrdup("not a 64-bit little-endian ELF file");
		return -1;
	}
	info->machine = eh->e_machine;
	if (eh->e_shnum == 0)
		return 0;
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || (eh->e_shoff & 7) ||
	    !in_file(&f, eh->e_shoff, (size_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
		*err = xstrdup("malformed section headers");
		return -1;
	}
	f.sh = (const Elf64_Shdr *)(data + eh->e_shoff);
	f.nsh = eh->e_shnum;
	if (read_symbols(&f, which, info, err) == -1 ||
	    (which == ELFSYM_DYNAMIC && read_dynamic(&f, info, err) == -1)) {
		elf_info_free(info);
		return -1;
	}
	return 0;
}

int
elf_info_read(const char *path, int which, struct elf_info *info, char **err)
{
	char *data;
	size_t len;
	int rc;

	memset(info, 0, sizeof *info);
	if (file_read(path, ELFSYM_MAX_FILE, &data, &len) == -1) {
		*err = xstrdup(strerror(errno));
		return -1;
	}
	rc = elf_info_parse((const unsigned char *)data, len, which, info, err);
	free(data);
	return rc;
}

void
elf_info_free(struct elf_info *info)
{
	size_t i;

	for (i = 0; i < info->nsyms; i++) {
		free(info->syms[i].name);
		free(info->syms[i].version);
		free(info->syms[i].version_file);
	}
	free(info->syms);
	for (i = 0; i < info->nneeded; i++)
		free(info->needed[i]);
	free(info->needed);
	for (i = 0; i < info->nverneed; i++) {
		free(info->verneed[i].file);
		free(info->verneed[i].version);
	}
	free(info->verneed);
	free(info->rpath);
	memset(info, 0, sizeof *info);
}
