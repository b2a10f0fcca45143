/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stacks as text, one frame per line under an --events line, with names
 * that are right (unwind/symbols.c) and never per event: each distinct
 * (module, offset) is symbolized once and its text kept.
 *
 *     > allocate_stack (inlined) allocatestack.c:374 (libc.so.6)
 *     > __pthread_create_2_1+0x8ae pthread_create.c:647 (libc.so.6)
 *     > worker_loop+0x1d (demo)      no line known: no debug info
 *     > libfoo.so+0x1234             no symbol holds it: file and offset
 *     > 0x7f3a1c002000               no file holds it (JIT code, ...)
 *
 * A frame is one line per function: those inlined at its address first
 * (innermost first, marked "(inlined)"), then the one that holds it,
 * whose name is the symbol table's (unwind/symbols.h), never a guess from
 * the debug info.  The file and line of each come from the debug info
 * (unwind/srclines.h), read only for frames that are printed or reported.
 */
#ifndef MEMTRACE_STACKFMT_H
#define MEMTRACE_STACKFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../tracer/aspace.h"
#include "../tracer/runtime.h"
#include "../tracer/strtab.h"
#include "../unwind/modules.h"
#include "../unwind/stacks.h"

struct stackfmt;

/*
 * Returns a new formatter (owned by the caller: stackfmt_free); paths
 * (the modules' strtab) and mods are borrowed.
 */
struct stackfmt *stackfmt_new(const struct strtab *paths, struct modules *mods);
/* Frees it.  Accepts NULL. */
void stackfmt_free(struct stackfmt *fmt);

/*
 * The text of one frame, its own function's line: addr is the program counter (innermost frame) or
 * a return address (the others, looked up as addr - 1 so that a call at
 * the very end of a function is not taken for the next one); module (a
 * module id, 0 for none) and offset say where the looked-up address was
 * when the stack was taken (unwind/stacks.h).  Returns a string borrowed
 * until the next call.
 */
const char *stackfmt_frame(struct stackfmt *fmt, uint64_t addr, uint32_t module, uint64_t offset,
			   bool return_address);

/*
 * Gives the frame at (module, offset) the text the symbolizer would: name
 * and into the offset in its function (the name NULL: none known), and
 * src[0..nsrc) as modules_source() gives them (inlined functions, then
 * the frame's own file and line; src NULL when nsrc is 0).  For a trace
 * read back, whose frames were symbolized when it was written.
 */
void stackfmt_preset(struct stackfmt *fmt, uint32_t module, uint64_t offset, bool return_address,
		     const char *name, uint64_t into, const struct srclines_frame *src,
		     size_t nsrc);

/* Writes the frames of stack id, one function per line, each as "    > TEXT". */
void stackfmt_write(struct stackfmt *fmt, FILE *out, const struct stacks *stacks, uint32_t id);

/* One function at a frame, as stackfmt_functions() gives it. */
struct stackfmt_function {
	/* Its name as the frame shows it, or "module+0x34", or "0x7f3a1c002000". */
	const char *name;
	const char *file; /* its source file as the debug info gives it; NULL: not known */
	uint32_t line;	  /* 0: not known */
	bool inlined;	  /* inlined at the frame's address; else the frame's own function */
	bool named;	  /* name is a function's name, not a file and offset nor an address */
};

/*
 * The functions at frame (0: the innermost) of stack id, as
 * stackfmt_write() shows them: those inlined there, innermost first,
 * then the frame's own, last, at most max (the own kept when they are
 * more).  Returns how many, 0 past the last frame.  The strings are
 * borrowed until the next call.
 */
size_t stackfmt_functions(struct stackfmt *fmt, const struct stacks *stacks, uint32_t id,
			  size_t frame, struct stackfmt_function *out, size_t max);
/*
 * Writes the frames of stack id on one line, innermost first, at most max
 * of them: "f3+0x12 < f2+0x8 < main+0x1d", each the function that holds
 * the frame's address, without the functions inlined there, files and
 * lines.
 */
void stackfmt_write_line(struct stackfmt *fmt, FILE *out, const struct stacks *stacks, uint32_t id,
			 size_t max);

/*
 * The site of stack id, as the report shows it: function names only,
 * inlined functions as frames of their own, the allocator's own frames
 * folded (the leading frames in the innermost frame's module, then those
 * of allocators and runtimes (runtime.h), and the functions inlined into
 * the last of them, into that last one's own function: "malloc <
 * worker_alloc < worker_main < start_thread", not "mmap < new_heap < ...
 * < malloc < ...", and "pthread_create < ...", not "allocate_stack <
 * pthread_create < ..."), ending at a runtime's site end (main,
 * start_thread), at most max frames (then " < ...").  Returns it whole,
 * however long its names, owned by the caller (free()); "" for a stack
 * without frames.
 */
char *stackfmt_site(struct stackfmt *fmt, const struct stacks *stacks, uint32_t id, size_t max);

/*
 * Who made the memory of stack id's call: the maker of its innermost
 * frame that an allocator's or a runtime's rule names (runtime.h:
 * glibc's new_heap, Go's mheap), by the names of the functions each
 * frame holds; else the program, when the caller of the innermost frame
 * (the system call's wrapper) is no allocator's nor runtime's code; else
 * that caller's heap, when its allocator's every mapping is
 * (runtime_desc.maps_heap: jemalloc's, under whatever called malloc);
 * else not known.  Asked once per stack.
 */
enum aspace_maker stackfmt_maker(struct stackfmt *fmt, const struct stacks *stacks, uint32_t id);
/* Whose code made it, as far as stackfmt_maker() could tell: the runtime, or NULL. */
const struct runtime_desc *stackfmt_maker_runtime(struct stackfmt *fmt, const struct stacks *stacks,
						  uint32_t id);
/*
 * The rule of its runtime (stackfmt_maker_runtime()) that said so, when
 * it names the part it makes (the JVM's code cache); else NULL.
 */
const struct runtime_maker_rule *stackfmt_maker_part(struct stackfmt *fmt,
						     const struct stacks *stacks, uint32_t id);

/*
 * The allocator or runtime the program called into at stack id's call:
 * whose own code the first frame of its site is ("malloc < f": glibc;
 * "libjemalloc.so.2+0x2248b < f": jemalloc); for a stack all of
 * runtimes' code, the one past the system call's wrapper.  NULL: none.
 */
const struct runtime_desc *stackfmt_runtime(struct stackfmt *fmt, const struct stacks *stacks,
					    uint32_t id);

/* stackfmt_maker() as struct aspace_kind_cache's maker, whose maker_ctx is one of these. */
struct stackfmt_maker_ctx {
	struct stackfmt *fmt;
	const struct stacks *stacks;
};
enum aspace_maker stackfmt_kind_maker(void *fmt_and_stacks, uint32_t stack_id);

#endif /* MEMTRACE_STACKFMT_H */
