/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The source lines of one ELF file, from its DWARF (elfutils' libdw):
 * for a byte of code, the functions inlined there, innermost first, and
 * the file and line of each, as eu-addr2line -i -f and perf print them.
 * The DWARF is the file's separate debug file's (the one its symbols came
 * from, unwind/symbols.h) or, without one, the file's own .debug_info.
 *
 * Opening costs the program headers and libdw's section table; libdw
 * reads a compile unit's DIEs and line table at its first lookup, and
 * keeps them.  Which file a mapping holds, and each file opened once and
 * only when one of its frames is printed or reported, is the module
 * table's business (unwind/modules.h).
 */
#ifndef MEMTRACE_SRCLINES_H
#define MEMTRACE_SRCLINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbols.h"

/* The most frames one byte of code is given: deeper inlining is cut at its innermost end. */
#define SRCLINES_MAX_FRAMES 32

/* One function at a byte of code, and where in its source that byte is. */
struct srclines_frame {
	const char *function;	  /* as shown (demangled), or NULL: the debug info does not say */
	const char *linkage_name; /* DW_AT_linkage_name, when it is not function; or NULL */
	const char *file;	  /* the source file's path, as the debug info gives it; or NULL */
	uint32_t line;		  /* 0: none known */
};

struct srclines;

/*
 * Opens the DWARF of the ELF file at path (that very file when want is
 * not NULL), from debug_file when it is not NULL and has .debug_info,
 * else from the file itself.  Returns it, owned by the caller
 * (srclines_free); never NULL: a file without DWARF gives an empty one.
 */
struct srclines *srclines_open(const char *path, const struct symbols_identity *want,
			       const char *debug_file);
/* Closes it.  Accepts NULL. */
void srclines_free(struct srclines *src);

/*
 * The frames at byte offset of the file (a return address less one, for
 * a caller's frame), innermost first, at most max (at least 1): the
 * functions inlined there, each with the line it is at, and last the
 * function they are inlined into, with its own line.  Returns how many;
 * 0 when the debug info knows nothing of the byte.  A byte the line
 * table covers but no function does gives one frame, without a name.
 * The strings are borrowed: valid until the next srclines_lookup() or
 * srclines_free().
 */
size_t srclines_lookup(struct srclines *src, uint64_t offset, struct srclines_frame *frames,
		       size_t max);

/* Whether it has DWARF to look in. */
bool srclines_present(const struct srclines *src);

#endif /* MEMTRACE_SRCLINES_H */
