/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The symbols of one ELF file (libelf): which function holds a given
 * offset of it.  Its program headers come from the file itself, its
 * symbols from a separate debug file found by build-id
 * (/usr/lib/debug/.build-id/xx/yyyy.debug) or .gnu_debuglink (CRC
 * checked), else its own .symtab, else .dynsym.  Symbols are kept in
 * file-offset space (st_value - p_vaddr + p_offset of the PT_LOAD that
 * holds them), so an address maps by address - mapping start + mapping
 * offset, for PIE, non-PIE and shared objects alike.  A name is given
 * only when the offset lies inside the symbol (st_size): never the
 * nearest preceding one.  Where no function with a size holds it, a
 * zero-size symbol in code (an assembly entry point such as ld.so's
 * _start) names the code from it up to the next symbol or its section's
 * end.  Names are shown without their symbol version, and a versioned
 * alias is the last choice among the names of one address.  A file
 * mapped by a process in another mount namespace or under another root
 * is read as that process sees it (struct symbols_file), its debug files
 * looked for under its root first.  Which file a mapping holds, and each
 * file read once, is the module table's business (unwind/modules.h).
 */
#ifndef MEMTRACE_SYMBOLS_H
#define MEMTRACE_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <gelf.h>
#include <libelf.h>

/*
 * Which file a path named (stat(2)'s st_dev, st_ino, st_size, st_mtim):
 * a package upgrade or a rebuild may put another file at the same path,
 * as a new inode (rename) or over the old one (same inode, new size or
 * mtime).
 */
struct symbols_identity {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* Sets *id from st. */
void symbols_identity_of(const struct stat *st, struct symbols_identity *id);
/* Whether a and b are the same file. */
bool symbols_identity_equal(const struct symbols_identity *a, const struct symbols_identity *b);

/*
 * An ELF handle on path (libelf), or NULL; when want is not NULL, only
 * if the file opened is that one (fstat: no window between the check and
 * the read).  Close it with symbols_close_elf(elf, *fd_out).
 */
Elf *symbols_open_elf(const char *path, const struct symbols_identity *want, int *fd_out);
/* elf_end() and close(); either may be NULL or -1. */
void symbols_close_elf(Elf *elf, int fd);

/* A PT_LOAD: where its bytes lie in the file and in memory. */
struct symbols_load {
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
};

/* The most PT_LOADs read of one file. */
#define SYMBOLS_MAX_LOADS 16

/* The PT_LOADs of elf, at most max of them, into loads.  Returns how many. */
size_t symbols_loads(Elf *elf, struct symbols_load *loads, size_t max);

/* The first program header of elf of type type into *phdr.  Returns false when there is none. */
bool symbols_phdr(Elf *elf, uint32_t type, GElf_Phdr *phdr);

struct symbols;

struct dbgfetch;

/*
 * Reads the ELF file at path, and its debug file: returns its index,
 * owned by the caller (symbols_free); never NULL.  When want is not NULL,
 * the file opened must still be that one.  A file that is another, or
 * cannot be opened or read as ELF, gives an empty index: no symbol, no
 * build-id.  With fetch (not NULL), a debug file installed nowhere is
 * asked of debuginfod servers (unwind/dbgfetch.h).
 */
struct symbols *symbols_read(const char *path, const struct symbols_identity *want,
			     struct dbgfetch *fetch);

/*
 * A file as a traced process sees it: what to open for it (its path, or
 * /proc/self/fd/N for the file held open on N), its path as the process's
 * mapping names it (where its .gnu_debuglink file is looked for), and the
 * process's root directory (its name to open through, such as
 * /proc/self/fd/N for the root held open; NULL for the tracer's own),
 * under which debug files are looked for first, then under the tracer's.
 */
struct symbols_file {
	const char *open;
	const char *path;
	const char *root;
};

/* symbols_read() of such a file: the file opened must be want (when not NULL). */
struct symbols *symbols_read_file(const struct symbols_file *file,
				  const struct symbols_identity *want, struct dbgfetch *fetch);
/* Frees it.  Accepts NULL. */
void symbols_free(struct symbols *syms);

/*
 * The function holding byte offset of the file.  Returns its name
 * (borrowed, valid until symbols_free; demangled for C++) and sets *into
 * to offset's distance from the function's start; NULL when no symbol
 * holds it (the caller prints file+0xoffset).
 */
const char *symbols_lookup(const struct symbols *syms, uint64_t offset, uint64_t *into);

/*
 * The name in the symbol table of the function symbols_lookup() gives
 * for offset, when it differs from the one shown (C++'s mangled name, a
 * name with its symbol version); NULL when it does not, or when no symbol
 * holds offset.  Borrowed, as above.
 */
const char *symbols_linkage_name(const struct symbols *syms, uint64_t offset);

/* The file's build-id as lowercase hex (borrowed, valid until symbols_free), or NULL. */
const char *symbols_build_id(const struct symbols *syms);

/*
 * The separate debug file its symbols came from (borrowed, as above), or
 * NULL: its path under the root it was found in (symbols_debug_in_root()).
 */
const char *symbols_debug_file(const struct symbols *syms);

/* Whether that debug file lies under the process's root (symbols_file), not the tracer's. */
bool symbols_debug_in_root(const struct symbols *syms);

/* How many function symbols it holds (aliases counted). */
size_t symbols_count(const struct symbols *syms);

#endif /* MEMTRACE_SYMBOLS_H */
