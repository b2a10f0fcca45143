/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The symbols of one ELF file: see symbols.h.  libelf use after libbpf's
 * src/elf.c.
 * Separate debug files: gdb's "Debugging Information in Separate Files"
 * (build-id directory, then .gnu_debuglink in the file's directory, its
 * .debug/ subdirectory, and /usr/lib/debug + the file's directory).
 */
#include "symbols.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dbgfetch.h"
#include "demangler.h"
#include "util.h"

#define DEBUG_DIR "/usr/lib/debug"

struct sym {
	uint64_t start; /* file offset */
	uint64_t size;
	size_t name;	/* offset of its name in the file's names; demangled for C++ */
	size_t linkage; /* of its name in the symbol table, or SIZE_MAX: the same */
	int rank;	/* which of several names at one address wins: lower */
};

struct symbols {
	char *build_id;	    /* hex, or NULL */
	char *debug_file;   /* where the symbols came from, when not the file itself */
	bool debug_in_root; /* debug_file is under the process's root, not the tracer's */
	struct sym *syms;   /* sorted by start, then rank */
	size_t nsyms;
	size_t syms_cap;
	/*
	 * Zero-size symbols in code (assembly entry points: ld.so's _start),
	 * sorted likewise, each sized up to the next symbol of either kind
	 * or its section's end (fix_labels()): named only where no sized
	 * symbol holds the offset.
	 */
	struct sym *labels;
	size_t nlabels;
	size_t labels_cap;
	char *names; /* every name, NUL-terminated, one after another */
	size_t names_len;
	size_t names_cap;
};

void symbols_identity_of(const struct stat *st, struct symbols_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
}

bool symbols_identity_equal(const struct symbols_identity *a, const struct symbols_identity *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

void symbols_free(struct symbols *syms)
{
	if (!syms)
		return;
	free(syms->build_id);
	free(syms->debug_file);
	free(syms->syms);
	free(syms->labels);
	free(syms->names);
	free(syms);
}

Elf *symbols_open_elf(const char *path, const struct symbols_identity *want, int *fd_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct symbols_identity got;
	struct stat st;
	Elf *elf;

	*fd_out = -1;
	if (fd < 0)
		return NULL;
	if (want) {
		if (fstat(fd, &st) != 0) {
			(void)close(fd);
			return NULL;
		}
		symbols_identity_of(&st, &got);
		if (!symbols_identity_equal(&got, want)) {
			(void)close(fd);
			return NULL;
		}
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			(void)elf_end(elf);
		(void)close(fd);
		return NULL;
	}
	*fd_out = fd;
	return elf;
}

void symbols_close_elf(Elf *elf, int fd)
{
	if (elf)
		(void)elf_end(elf);
	if (fd >= 0)
		(void)close(fd);
}

size_t symbols_loads(Elf *elf, struct symbols_load *loads, size_t max)
{
	size_t nphdr, n = 0;

	if (elf_getphdrnum(elf, &nphdr) != 0)
		return 0;
	for (size_t i = 0; i < nphdr && n < max; i++) {
		GElf_Phdr phdr;

		if (gelf_getphdr(elf, (int)i, &phdr) && phdr.p_type == PT_LOAD)
			loads[n++] = (struct symbols_load){ phdr.p_vaddr, phdr.p_offset,
							    phdr.p_filesz, phdr.p_memsz };
	}
	return n;
}

bool symbols_phdr(Elf *elf, uint32_t type, GElf_Phdr *phdr)
{
	size_t nphdr;

	if (elf_getphdrnum(elf, &nphdr) != 0)
		return false;
	for (size_t i = 0; i < nphdr; i++)
		if (gelf_getphdr(elf, (int)i, phdr) && phdr->p_type == type)
			return true;
	return false;
}

/* The GNU build-id of elf as lowercase hex, or NULL (elfutils reads the note). */
static char *read_build_id(Elf *elf)
{
	const void *bits;
	ssize_t len = dwelf_elf_gnu_build_id(elf, &bits);
	char *hex;

	if (len <= 0)
		return NULL;
	hex = xmalloc(2 * (size_t)len + 1);
	for (ssize_t i = 0; i < len; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)bits)[i]);
	return hex;
}

/*
 * Whether the file on fd has the CRC a .gnu_debuglink asks for: zlib's
 * crc32(), the CRC-32 gdb computes (gdb's gnu_debuglink_crc32).
 */
static bool crc_matches(int fd, uint32_t want)
{
	unsigned char buf[65536];
	uLong crc = crc32(0L, Z_NULL, 0);
	ssize_t got;

	while ((got = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, (uInt)got);
	return got == 0 && (uint32_t)crc == want;
}

/*
 * A debug file for elf (at file->path) under root ("" for the tracer's
 * own), or NULL: by build-id, then by .gnu_debuglink (name, CRC
 * want_crc; NULL for none).  Its path, without root, goes to *found
 * (owned by the caller).
 */
static Elf *open_debug_in(const struct symbols_file *file, const char *root, const char *build_id,
			  const char *name, GElf_Word want_crc, int *fd_out, char **found)
{
	/* Where to look, as prefix + the file's directory + middle + name. */
	const char *const places[][2] = { { "", "/" }, { "", "/.debug/" }, { DEBUG_DIR, "/" } };
	const char *slash = strrchr(file->path, '/');
	char candidate[4096], opened[8192];
	Elf *debug;

	if (build_id && strlen(build_id) > 2) {
		(void)snprintf(candidate, sizeof(candidate), DEBUG_DIR "/.build-id/%.2s/%s.debug",
			       build_id, build_id + 2);
		(void)snprintf(opened, sizeof(opened), "%s%s", root, candidate);
		debug = symbols_open_elf(opened, NULL, fd_out);
		if (debug) {
			*found = xstrdup(candidate);
			return debug;
		}
	}
	for (size_t i = 0; name && i < ARRAY_SIZE(places); i++) {
		bool ok;
		int fd;

		(void)snprintf(candidate, sizeof(candidate), "%s%.*s%s%s", places[i][0],
			       slash ? (int)(slash - file->path) : 0, file->path, places[i][1],
			       name);
		if (strcmp(candidate, file->path) == 0)
			continue;
		(void)snprintf(opened, sizeof(opened), "%s%s", root, candidate);
		fd = open(opened, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ok = crc_matches(fd, want_crc);
		(void)close(fd);
		if (!ok)
			continue;
		debug = symbols_open_elf(opened, NULL, fd_out);
		if (debug) {
			*found = xstrdup(candidate);
			return debug;
		}
	}
	return NULL;
}

/*
 * A debug file for elf (file), or NULL: under the process's root first,
 * then the tracer's.  Its path goes to *found (owned by the caller), and
 * whether it lies under the process's root to *in_root.
 */
static Elf *open_debug_file(Elf *elf, const struct symbols_file *file, const char *build_id,
			    int *fd_out, char **found, bool *in_root)
{
	GElf_Word want_crc = 0;
	const char *name = dwelf_elf_gnu_debuglink(elf, &want_crc);
	Elf *debug = NULL;

	*in_root = false;
	if (file->root) {
		debug = open_debug_in(file, file->root, build_id, name, want_crc, fd_out, found);
		*in_root = debug != NULL;
	}
	if (!debug)
		debug = open_debug_in(file, "", build_id, name, want_crc, fd_out, found);
	return debug;
}

/* Appends name to the names; returns its offset there (the buffer moves as it grows). */
static size_t add_name(struct symbols *syms, const char *name)
{
	size_t len = strlen(name) + 1;

	xgrowarray((void **)&syms->names, &syms->names_cap, syms->names_len + len, 1);
	memcpy(syms->names + syms->names_len, name, len);
	syms->names_len += len;
	return syms->names_len - len;
}

/*
 * Whether name is a section's rather than a function's: Go's linker, when
 * it links C objects itself, gives each of their sections a FUNC symbol
 * named after its package and section ("runtime/cgo(.text)"), which holds
 * the functions in it.
 */
static bool section_like(const char *name)
{
	size_t len = strlen(name);

	return len > 3 && name[len - 1] == ')' && strstr(name, "(.");
}

/*
 * Among names at one address, lower is better: a function's name over a
 * section's, then a name without a symbol version
 * ("pthread_create@@GLIBC_2.34" is an alias of the function's own,
 * __pthread_create_2_1, as perf and gdb name it), then fewer leading
 * underscores (glibc's public mmap is a weak alias of __mmap), then a
 * global or weak name over a local alias, then global over weak.
 */
static int name_rank(const char *name, unsigned char bind)
{
	int rank = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 20;

	if (section_like(name))
		rank += 20000;
	if (strchr(name, '@'))
		rank += 10000;
	while (*name == '_') {
		rank += 100;
		name++;
	}
	return rank;
}

/*
 * The name a symbol is shown by: without its version, demangled when it
 * is mangled.  Returns name itself, or a string owned by *owned.
 */
static const char *shown_name(const char *name, char **owned)
{
	const char *at = strchr(name, '@');
	char *bare = NULL, *demangled;

	*owned = NULL;
	if (at && at > name)
		name = bare = xstrndup(name, (size_t)(at - name));
	demangled = demangler_demangle(name);
	if (!demangled) {
		*owned = bare;
		return name;
	}
	free(bare);
	*owned = demangled;
	return demangled;
}

/*
 * Whether sym (of src) lies in code, a section that holds instructions:
 * sets *end to that section's end address.
 */
static bool in_code(Elf *src, const GElf_Sym *sym, uint64_t *end)
{
	Elf_Scn *scn;
	GElf_Shdr shdr;

	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE)
		return false;
	scn = elf_getscn(src, sym->st_shndx);
	if (!scn || !gelf_getshdr(scn, &shdr) || !(shdr.sh_flags & SHF_EXECINSTR))
		return false;
	*end = shdr.sh_addr + shdr.sh_size;
	return true;
}

/*
 * What a symbol table entry is to the index: a function with a size, a
 * label (a zero-size function or untyped symbol in code, not an
 * assembler's local label or an ARM mapping symbol), or nothing.
 */
enum sym_use { SYM_NONE, SYM_SIZED, SYM_LABEL };

static enum sym_use sym_use(Elf *src, const GElf_Sym *sym, const char *name, uint64_t *section_end)
{
	unsigned char type = GELF_ST_TYPE(sym->st_info);

	if (!name || !name[0] || sym->st_shndx == SHN_UNDEF || sym->st_value == 0)
		return SYM_NONE;
	if (sym->st_size)
		return type == STT_FUNC || type == STT_GNU_IFUNC ? SYM_SIZED : SYM_NONE;
	if ((type != STT_FUNC && type != STT_NOTYPE) || name[0] == '$' ||
	    (name[0] == '.' && name[1] == 'L'))
		return SYM_NONE;
	return in_code(src, sym, section_end) ? SYM_LABEL : SYM_NONE;
}

/*
 * Appends a symbol to *arr; start is a file offset, shown its name as
 * shown, linkage as the symbol table has it.
 */
static void add_sym(struct symbols *syms, struct sym **arr, size_t *n, size_t *cap, uint64_t start,
		    uint64_t size, const char *shown, const char *linkage, int rank)
{
	size_t name = add_name(syms, shown);

	xgrowarray((void **)arr, cap, *n + 1, sizeof(**arr));
	(*arr)[*n] =
		(struct sym){ start, size, name,
			      strcmp(shown, linkage) ? add_name(syms, linkage) : SIZE_MAX, rank };
	(*n)++;
}

/* Reads the function symbols of symtab (in src) into syms, in file-offset space. */
static void read_symbols(struct symbols *syms, Elf *src, Elf_Scn *symtab,
			 const struct symbols_load *loads, size_t nloads)
{
	GElf_Shdr shdr;
	Elf_Data *data;
	size_t count;

	if (!gelf_getshdr(symtab, &shdr) || !shdr.sh_entsize)
		return;
	data = elf_getdata(symtab, NULL);
	if (!data)
		return;
	count = shdr.sh_size / shdr.sh_entsize;
	for (size_t i = 0; i < count; i++) {
		uint64_t section_end = 0;
		const char *name, *shown;
		char *owned;
		enum sym_use use;
		GElf_Sym sym;

		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		name = elf_strptr(src, shdr.sh_link, sym.st_name);
		use = sym_use(src, &sym, name, &section_end);
		/*
		 * Labels from a full table only: .dynsym lacks the static
		 * functions that would end an exported label's code.
		 */
		if (use == SYM_NONE || (use == SYM_LABEL && shdr.sh_type != SHT_SYMTAB))
			continue;
		shown = shown_name(name, &owned);
		for (size_t l = 0; l < nloads; l++) {
			const struct symbols_load *load = &loads[l];
			uint64_t start = sym.st_value - load->vaddr + load->offset;
			int rank = name_rank(name, GELF_ST_BIND(sym.st_info));

			if (sym.st_value < load->vaddr || sym.st_value >= load->vaddr + load->memsz)
				continue;
			if (use == SYM_SIZED)
				add_sym(syms, &syms->syms, &syms->nsyms, &syms->syms_cap, start,
					sym.st_size, shown, name, rank);
			else if (section_end > sym.st_value)
				/* The section's end for now: fix_labels() sets the size. */
				add_sym(syms, &syms->labels, &syms->nlabels, &syms->labels_cap,
					start, section_end - sym.st_value, shown, name, rank);
			break;
		}
		free(owned);
	}
}

/*
 * By offset, then best ranked first, then the shorter name (glibc's
 * __libc_start_main_impl over its __libc_start_main_alias_1), then by
 * name (names: the file's names).
 */
static int sym_cmp(const void *left, const void *right, void *names)
{
	const struct sym *a = left, *b = right;
	const char *na = (const char *)names + a->name, *nb = (const char *)names + b->name;
	size_t la, lb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	la = strlen(na);
	lb = strlen(nb);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(na, nb);
}

/* The symbol tables of elf, .symtab and .dynsym (NULL: none, or empty), in one pass. */
static void find_symtabs(Elf *elf, Elf_Scn **symtab, Elf_Scn **dynsym)
{
	Elf_Scn *scn = NULL;

	*symtab = NULL;
	*dynsym = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_size == 0)
			continue;
		if (shdr.sh_type == SHT_SYMTAB)
			*symtab = scn;
		else if (shdr.sh_type == SHT_DYNSYM)
			*dynsym = scn;
	}
}

/* How many of the n symbols of arr (sorted by start) start at or below offset. */
static size_t starting_by(const struct sym *arr, size_t n, uint64_t offset)
{
	return upper_bound_u64(arr, n, sizeof(*arr), offsetof(struct sym, start), offset);
}

/*
 * The symbol of arr (n of them, sorted by start, then rank) holding
 * offset: the last starting at or below it, or an earlier, larger one
 * that still holds it (nested symbols).  NULL when none does.
 */
static const struct sym *holding(const struct sym *arr, size_t n, uint64_t offset)
{
	size_t lo = starting_by(arr, n, offset);

	for (size_t i = lo; i > 0 && lo - i < 8; i--) {
		const struct sym *sym = &arr[i - 1];

		if (offset < sym->start + sym->size) {
			/*
			 * Among names at one address the best ranked comes first;
			 * take it only if it, too, holds the offset.
			 */
			for (size_t j = i - 1; j > 0 && arr[j - 1].start == sym->start; j--)
				if (offset < arr[j - 1].start + arr[j - 1].size)
					sym = &arr[j - 1];
			return sym;
		}
	}
	return NULL;
}

/* The symbol that names offset, or NULL. */
static const struct sym *naming(const struct symbols *syms, uint64_t offset)
{
	const struct sym *sym = holding(syms->syms, syms->nsyms, offset);

	/* A label only where no function with a size holds the offset. */
	return sym ? sym : holding(syms->labels, syms->nlabels, offset);
}

/*
 * Sizes each label up to the next symbol's start, sized or label, or its
 * section's end (its size until now), whichever comes first: the code
 * from an entry point up to the next one is its.  A label inside a sized
 * function is one of its local labels (a loop's, in assembly): it names
 * nothing, not even the code past that function's end.
 */
static void fix_labels(struct symbols *syms)
{
	for (size_t i = 0; i < syms->nlabels; i++) {
		struct sym *label = &syms->labels[i];
		uint64_t end = label->start + label->size;
		size_t next = starting_by(syms->labels, syms->nlabels, label->start);
		size_t sized = starting_by(syms->syms, syms->nsyms, label->start);

		if (holding(syms->syms, syms->nsyms, label->start)) {
			label->size = 0;
			continue;
		}
		if (next < syms->nlabels && syms->labels[next].start < end)
			end = syms->labels[next].start;
		if (sized < syms->nsyms && syms->syms[sized].start < end)
			end = syms->syms[sized].start;
		label->size = end - label->start;
	}
}

/* The debug file of elf (at path, build-id build_id) from debuginfod: NULL when none. */
static Elf *fetch_debug_file(struct dbgfetch *fetch, const char *path, const char *build_id,
			     int *fd_out, char **found)
{
	char *got;
	Elf *debug;

	if (!fetch || !build_id)
		return NULL;
	got = dbgfetch_debuginfo(fetch, build_id, path);
	debug = got ? symbols_open_elf(got, NULL, fd_out) : NULL;
	if (!debug) {
		free(got);
		return NULL;
	}
	*found = got;
	return debug;
}

struct symbols *symbols_read(const char *path, const struct symbols_identity *want,
			     struct dbgfetch *fetch)
{
	const struct symbols_file file = { .open = path, .path = path, .root = NULL };

	return symbols_read_file(&file, want, fetch);
}

struct symbols *symbols_read_file(const struct symbols_file *file,
				  const struct symbols_identity *want, struct dbgfetch *fetch)
{
	struct symbols *syms = xcalloc(1, sizeof(*syms));
	struct symbols_load loads[SYMBOLS_MAX_LOADS];
	struct {
		Elf *src;
		Elf_Scn *scn;
	} tables[3] = { { NULL, NULL } };
	size_t nloads;
	Elf *elf, *debug;
	Elf_Scn *unused;
	int fd, debug_fd = -1;

	(void)elf_version(EV_CURRENT);
	elf = symbols_open_elf(file->open, want, &fd);
	if (!elf)
		return syms;
	/* Program headers always come from the mapped file: a debug file's are NOBITS. */
	nloads = symbols_loads(elf, loads, ARRAY_SIZE(loads));
	syms->build_id = read_build_id(elf);
	debug = open_debug_file(elf, file, syms->build_id, &debug_fd, &syms->debug_file,
				&syms->debug_in_root);
	if (!debug)
		debug = fetch_debug_file(fetch, file->path, syms->build_id, &debug_fd,
					 &syms->debug_file);
	/* The debug file's .symtab, else the file's own, else its .dynsym: the first with functions. */
	if (debug)
		find_symtabs(debug, &tables[0].scn, &unused);
	tables[0].src = debug;
	find_symtabs(elf, &tables[1].scn, &tables[2].scn);
	tables[1].src = elf;
	tables[2].src = elf;
	for (size_t i = 0; i < ARRAY_SIZE(tables) && !syms->nsyms; i++) {
		/* Labels only from the table the functions come from. */
		syms->nlabels = 0;
		if (tables[i].scn)
			read_symbols(syms, tables[i].src, tables[i].scn, loads, nloads);
		if (i == 0 && !syms->nsyms) {
			/* The debug file had no functions after all: not where the names come from. */
			free(syms->debug_file);
			syms->debug_file = NULL;
		}
	}
	symbols_close_elf(debug, debug_fd);
	symbols_close_elf(elf, fd);
	if (syms->nsyms)
		qsort_r(syms->syms, syms->nsyms, sizeof(*syms->syms), sym_cmp, syms->names);
	if (syms->nlabels) {
		qsort_r(syms->labels, syms->nlabels, sizeof(*syms->labels), sym_cmp, syms->names);
		fix_labels(syms);
	}
	return syms;
}

const char *symbols_lookup(const struct symbols *syms, uint64_t offset, uint64_t *into)
{
	const struct sym *sym = naming(syms, offset);

	if (!sym)
		return NULL;
	*into = offset - sym->start;
	return syms->names + sym->name;
}

const char *symbols_linkage_name(const struct symbols *syms, uint64_t offset)
{
	const struct sym *sym = naming(syms, offset);

	return sym && sym->linkage != SIZE_MAX ? syms->names + sym->linkage : NULL;
}

const char *symbols_build_id(const struct symbols *syms)
{
	return syms->build_id;
}

const char *symbols_debug_file(const struct symbols *syms)
{
	return syms->debug_file;
}

bool symbols_debug_in_root(const struct symbols *syms)
{
	return syms->debug_file && syms->debug_in_root;
}

size_t symbols_count(const struct symbols *syms)
{
	return syms->nsyms;
}
