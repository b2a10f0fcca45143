/*
 * Stacks as text, one frame per line under an --events line, with names
 * that are right (unwind/symbols.c) and never per event: each distinct
 * (file, offset) is symbolized once and its text kept.
 *
 *     > alloc_new_heap+0x4e (libc.so.6)
 *     > worker_loop+0x1d (demo)
 *     > libfoo.so+0x1234             no symbol holds it: file and offset
 *     > 0x7f3a1c002000               no file holds it (JIT code, ...)
 */
#ifndef MEMTRACE_STACKFMT_H
#define MEMTRACE_STACKFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../tracer/aspace.h"
#include "../tracer/strtab.h"
#include "../unwind/symbols.h"

struct stackfmt;

/* Returns a new formatter (owned by the caller: stackfmt_free); paths and syms are borrowed. */
struct stackfmt *stackfmt_new(const struct strtab *paths, struct symbols *syms);
/* Frees it.  Accepts NULL. */
void stackfmt_free(struct stackfmt *fmt);

/*
 * The text of one frame: addr is the program counter (innermost frame) or
 * a return address (the others, looked up as addr - 1 so that a call at
 * the very end of a function is not taken for the next one), as mapped in
 * as.  Returns a string borrowed until the next call.
 */
const char *stackfmt_frame(struct stackfmt *fmt, const struct aspace *as, uint64_t addr,
			   bool return_address);

/* Writes the frames, one per line, each as "    > TEXT". */
void stackfmt_write(struct stackfmt *fmt, FILE *out, const struct aspace *as,
		    const uint64_t *frames, size_t nframes);

#endif /* MEMTRACE_STACKFMT_H */
