/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The symbolizer (libelf): which function holds a given offset of an ELF
 * file.  Each file is opened and indexed once, whatever process maps it:
 * its program headers from the file itself, its symbols from a separate
 * debug file found by build-id (/usr/lib/debug/.build-id/xx/yyyy.debug)
 * or .gnu_debuglink (CRC checked), else its own .symtab, else .dynsym.
 * Symbols are kept in file-offset space (st_value - p_vaddr + p_offset of
 * the PT_LOAD that holds them), so an address maps by
 * address - mapping start + mapping offset, for PIE, non-PIE and shared
 * objects alike.  A name is given only when the offset lies inside the
 * symbol (st_size): never the nearest preceding one.
 */
#ifndef MEMTRACE_SYMBOLS_H
#define MEMTRACE_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct symbols;

/* Returns a new, empty symbolizer, owned by the caller (symbols_free). */
struct symbols *symbols_new(void);
/* Frees it and every indexed file.  Accepts NULL. */
void symbols_free(struct symbols *syms);

/*
 * The function holding byte offset of the ELF file at path.  Returns its
 * name (borrowed, valid until symbols_free) and sets *into to offset's
 * distance from the function's start; NULL when no symbol holds it or the
 * file cannot be read as ELF (the caller prints path+0xoffset).
 */
const char *symbols_lookup(struct symbols *syms, const char *path, uint64_t offset, uint64_t *into);

/*
 * The build-id of the ELF file at path as lowercase hex (borrowed, valid
 * until symbols_free), or NULL when it has none or cannot be read.
 */
const char *symbols_build_id(struct symbols *syms, const char *path);

#endif /* MEMTRACE_SYMBOLS_H */
