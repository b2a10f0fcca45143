/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The unwind table of one ELF file, read once and kept by the module
 * table (perf's dso data, elfutils' Dwarf_CFI): for each function its
 * Frame Description Entry (FDE) in .eh_frame, found by a binary search
 * of a sorted table.  The table is the file's own .eh_frame_hdr (found
 * through PT_GNU_EH_FRAME, the one the runtime's unwinder searches),
 * else one built here from .eh_frame (static executables have no
 * PT_GNU_EH_FRAME).  .eh_frame itself is copied: libunwind parses the
 * FDE and its CIE from that copy, never from the traced process.
 *
 * Code built without unwind tables (-fno-asynchronous-unwind-tables, as
 * kernels, boot loaders and some embedded builds are) has its FDEs in
 * .debug_frame instead, in the file or in its separate debug file, and
 * often beside an .eh_frame that covers only the C runtime's start
 * files.  A second table holds those, and a lookup takes the closer of
 * the two.  .debug_frame is copied too, rewritten into .eh_frame's form
 * (see read_debug_frame() in cfi.c) so that one parser serves both.
 *
 * Addresses here are the file's ELF virtual addresses; cfi_vaddr() gives
 * the one of a byte of the file, so that a mapping of it at start
 * (offset off) has the load bias start - cfi_vaddr(off).  .eh_frame is
 * position-independent (its pointers are pc-relative), so one table
 * serves every process that maps the file, wherever.
 */
#ifndef MEMTRACE_CFI_H
#define MEMTRACE_CFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbols.h"

struct cfi;

/* Where the table came from. */
enum cfi_source {
	CFI_NONE,	  /* the file has no .eh_frame, or could not be read */
	CFI_EH_FRAME_HDR, /* the binary search table of PT_GNU_EH_FRAME */
	CFI_EH_FRAME,	  /* built from .eh_frame's FDEs */
};

/* The FDE of a function. */
struct cfi_fde {
	uint64_t pc_begin; /* the first address it covers */
	uint64_t fde;	   /* where it lies in .eh_frame, or its offset in .debug_frame's copy */
	uint64_t segbase;  /* where the table's offsets count from; 0 for .debug_frame */
	/*
	 * From .debug_frame: its copy is read with cfi_debug_word(), and
	 * its addresses are absolute ones (plus the load bias), never
	 * pc-relative.
	 */
	bool debug_frame;
};

/*
 * Reads the ELF file at path (when want is not NULL, only if the file
 * opened is that one): returns its table, owned by the caller
 * (cfi_free); never NULL (a file that cannot be read has CFI_NONE).
 * With use_hdr false, the table is built from .eh_frame even when the
 * file has its own (the tests compare the two).  .debug_frame is read
 * from the file, else from debug_path (its separate debug file, found
 * by the symbols: unwind/symbols.h) when not NULL.
 */
struct cfi *cfi_read(const char *path, const struct symbols_identity *want, bool use_hdr,
		     const char *debug_path);
/* Frees it.  Accepts NULL. */
void cfi_free(struct cfi *cfi);

enum cfi_source cfi_source(const struct cfi *cfi);
/* How many FDEs the table of .eh_frame holds. */
size_t cfi_count(const struct cfi *cfi);
/* The FDE at index i (below cfi_count()) of that table, in address order. */
void cfi_entry(const struct cfi *cfi, size_t i, struct cfi_fde *fde);
/* How many FDEs the table of .debug_frame holds (0 without one). */
size_t cfi_debug_count(const struct cfi *cfi);

/*
 * The virtual address of the byte at file offset (the PT_LOAD that
 * holds it).  Returns false when no PT_LOAD holds it.
 */
bool cfi_vaddr(const struct cfi *cfi, uint64_t offset, uint64_t *vaddr);

/*
 * The FDE of the function holding vaddr: the last whose pc_begin is at
 * or below vaddr, in either table (the caller's unwinder checks its
 * end).  Returns false when there is none.
 */
bool cfi_find(const struct cfi *cfi, uint64_t vaddr, struct cfi_fde *fde);

/*
 * Whether an FDE covers vaddr: cfi_find()'s, whose end is checked.  What
 * tells a function written without unwind information (a system call
 * wrapper in assembly, musl's libc) from one that has it.
 */
bool cfi_covers(const struct cfi *cfi, uint64_t vaddr);
/* The same, setting [*begin, *end) to the addresses that FDE covers. */
bool cfi_range(const struct cfi *cfi, uint64_t vaddr, uint64_t *begin, uint64_t *end);

/*
 * The eight bytes of .eh_frame at vaddr (8-aligned), as the file has
 * them, from the copy.  Returns false when the copy does not hold them.
 */
bool cfi_word(const struct cfi *cfi, uint64_t vaddr, uint64_t *word);
/* The eight bytes at offset of .debug_frame's copy, as rewritten; false past it. */
bool cfi_debug_word(const struct cfi *cfi, uint64_t offset, uint64_t *word);

/*
 * The CFA program [start, end) with each DW_CFA_AARCH64_negate_ra_state
 * made a DW_CFA_nop, in place (done to the copies of an aarch64 file's
 * tables).  The operands of every other instruction are skipped (DWARF 5,
 * 6.4.2, and GNU's); at one not known here (DW_CFA_set_loc's encoded
 * address, a vendor's) or one cut short by end, the rest is left as it is.
 */
void cfi_nop_ra_state(uint8_t *start, const uint8_t *end);

#endif /* MEMTRACE_CFI_H */
