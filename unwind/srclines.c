/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The source lines of one ELF file: see srclines.h.  The inline chain is
 * found as elfutils' eu-addr2line -i finds it: dwarf_getscopes() gives
 * the innermost function scope at the address, and dwarf_getscopes_die()
 * the scopes that hold that very DIE (dwarf_getscopes() itself goes on
 * from an inlined subroutine to its abstract definition, not to the
 * function it was inlined into).  Each inlined subroutine's
 * DW_AT_call_file and DW_AT_call_line say where its caller is.
 */
#include "srclines.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "demangler.h"
#include "util.h"

/* A range of addresses of one compile unit, for files without .debug_aranges. */
struct cu_range {
	uint64_t low, high; /* [low, high) */
	Dwarf_Off die;	    /* the unit's DIE */
};

struct srclines {
	Elf *elf; /* the file the DWARF is in: the debug file or the file itself */
	int fd;
	Dwarf *dw; /* NULL: no DWARF */
	struct symbols_load loads[SYMBOLS_MAX_LOADS];
	size_t nloads;
	struct cu_range *ranges; /* built at the first address .debug_aranges misses */
	size_t nranges;
	size_t ranges_cap;
	bool ranges_built;
	char *owned[SRCLINES_MAX_FRAMES]; /* the demangled names of the last lookup */
	size_t nowned;
};

/* Whether the build-ids of a and b agree (a file without one agrees with anything). */
static bool same_build(Elf *a, Elf *b)
{
	const void *ida, *idb;
	ssize_t la = dwelf_elf_gnu_build_id(a, &ida), lb = dwelf_elf_gnu_build_id(b, &idb);

	return la <= 0 || lb <= 0 || (la == lb && !memcmp(ida, idb, (size_t)la));
}

/* The DWARF of debug_file, when it is elf's (same build-id) and has some. */
static void open_debug(struct srclines *src, Elf *elf, const char *debug_file)
{
	src->elf = symbols_open_elf(debug_file, NULL, &src->fd);
	if (src->elf && same_build(elf, src->elf))
		src->dw = dwarf_begin_elf(src->elf, DWARF_C_READ, NULL);
	if (!src->dw) {
		symbols_close_elf(src->elf, src->fd);
		src->elf = NULL;
		src->fd = -1;
	}
}

struct srclines *srclines_open(const char *path, const struct symbols_identity *want,
			       const char *debug_file)
{
	struct srclines *src = xcalloc(1, sizeof(*src));
	Elf *elf;
	int fd;

	src->fd = -1;
	(void)elf_version(EV_CURRENT);
	elf = symbols_open_elf(path, want, &fd);
	if (!elf)
		return src;
	/* DWARF addresses are the mapped file's virtual addresses: its PT_LOADs map offsets there. */
	src->nloads = symbols_loads(elf, src->loads, ARRAY_SIZE(src->loads));
	if (debug_file)
		open_debug(src, elf, debug_file);
	if (!src->dw) {
		src->dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
		if (src->dw) {
			src->elf = elf;
			src->fd = fd;
			return src;
		}
	}
	symbols_close_elf(elf, fd);
	return src;
}

static void drop_owned(struct srclines *src)
{
	for (size_t i = 0; i < src->nowned; i++)
		free(src->owned[i]);
	src->nowned = 0;
}

void srclines_free(struct srclines *src)
{
	if (!src)
		return;
	drop_owned(src);
	if (src->dw)
		(void)dwarf_end(src->dw);
	symbols_close_elf(src->elf, src->fd);
	free(src->ranges);
	free(src);
}

bool srclines_present(const struct srclines *src)
{
	return src->dw != NULL;
}

/* The virtual address of byte offset of the file, through the PT_LOAD that holds it. */
static bool vaddr_of(const struct srclines *src, uint64_t offset, Dwarf_Addr *pc)
{
	for (size_t i = 0; i < src->nloads; i++) {
		const struct symbols_load *load = &src->loads[i];

		if (offset >= load->offset && offset - load->offset < load->filesz) {
			*pc = offset - load->offset + load->vaddr;
			return true;
		}
	}
	return false;
}

static int range_cmp(const void *left, const void *right)
{
	const struct cu_range *a = left, *b = right;

	return a->low < b->low ? -1 : a->low > b->low;
}

/*
 * Every compile unit's address ranges, sorted: what .debug_aranges would
 * say, for files built without it (clang's default) or with a partial one.
 */
static void build_ranges(struct srclines *src)
{
	Dwarf_Off off = 0, next;
	size_t header;

	src->ranges_built = true;
	while (dwarf_nextcu(src->dw, off, &next, &header, NULL, NULL, NULL) == 0) {
		Dwarf_Addr base, low, high;
		Dwarf_Die cu;
		ptrdiff_t pos = 0;

		if (dwarf_offdie(src->dw, off + header, &cu))
			while ((pos = dwarf_ranges(&cu, pos, &base, &low, &high)) > 0) {
				xgrowarray((void **)&src->ranges, &src->ranges_cap,
					   src->nranges + 1, sizeof(*src->ranges));
				src->ranges[src->nranges++] =
					(struct cu_range){ low, high, off + header };
			}
		off = next;
	}
	if (src->nranges)
		qsort(src->ranges, src->nranges, sizeof(*src->ranges), range_cmp);
}

/* How many of the ranges start at or below pc. */
static size_t ranges_by(const struct srclines *src, Dwarf_Addr pc)
{
	return upper_bound_u64(src->ranges, src->nranges, sizeof(*src->ranges),
			       offsetof(struct cu_range, low), pc);
}

/* The compile unit holding pc into *cu. */
static bool unit_of(struct srclines *src, Dwarf_Addr pc, Dwarf_Die *cu)
{
	size_t last;

	if (dwarf_addrdie(src->dw, pc, cu))
		return true;
	if (!src->ranges_built)
		build_ranges(src);
	/* Ranges seldom nest: a short scan back from the last one starting at or below pc. */
	last = ranges_by(src, pc);
	for (size_t i = last; i > 0 && last - i < 64; i--)
		if (pc < src->ranges[i - 1].high)
			return dwarf_offdie(src->dw, src->ranges[i - 1].die, cu) != NULL;
	return false;
}

/* An attribute's string, through DW_AT_abstract_origin and DW_AT_specification. */
static const char *attr_string(Dwarf_Die *die, unsigned int name)
{
	Dwarf_Attribute attr;

	return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

/*
 * The name of the function of die into frame: its linkage name
 * demangled (C++, Rust, D), else DW_AT_name.
 */
static void name_frame(struct srclines *src, Dwarf_Die *die, struct srclines_frame *frame)
{
	const char *linkage = attr_string(die, DW_AT_linkage_name);
	const char *name = attr_string(die, DW_AT_name);
	char *demangled;

	if (!linkage)
		linkage = attr_string(die, DW_AT_MIPS_linkage_name);
	demangled = linkage ? demangler_demangle(linkage) : NULL;
	if (demangled && src->nowned < ARRAY_SIZE(src->owned)) {
		src->owned[src->nowned++] = demangled;
		frame->function = demangled;
	} else {
		free(demangled);
		frame->function = name ? name : linkage;
	}
	frame->linkage_name = linkage && frame->function && strcmp(linkage, frame->function) != 0
				      ? linkage
				      : NULL;
}

/* Where the caller of the inlined subroutine die is: its DW_AT_call_file and DW_AT_call_line. */
static void call_site(Dwarf_Die *die, Dwarf_Files *files, size_t nfiles, const char **file,
		      uint32_t *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word value;

	*file = NULL;
	*line = 0;
	if (files && dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &value) == 0 &&
	    value < nfiles)
		*file = dwarf_filesrc(files, value, NULL, NULL);
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &value) == 0 &&
	    value <= UINT32_MAX)
		*line = (uint32_t)value;
}

/* Adds a frame; past max, the innermost goes (the function itself must stay last). */
static void add_frame(struct srclines_frame *frames, size_t max, size_t *n,
		      const struct srclines_frame *frame)
{
	if (*n == max) {
		memmove(frames, frames + 1, (max - 1) * sizeof(*frames));
		(*n)--;
	}
	frames[(*n)++] = *frame;
}

/*
 * The chain from the innermost function scope at pc (scope) out to the
 * function it is inlined into, starting at file:line.
 */
static size_t chain(struct srclines *src, Dwarf_Die *cu, Dwarf_Die *scope, const char *file,
		    uint32_t line, struct srclines_frame *frames, size_t max)
{
	Dwarf_Files *files = NULL;
	Dwarf_Die *scopes = NULL;
	size_t nfiles = 0, n = 0;
	bool outermost = false;
	int nscopes;

	if (dwarf_tag(scope) == DW_TAG_subprogram) {
		/* Nothing inlined here: no second walk of the unit's DIEs. */
		struct srclines_frame frame = { NULL, NULL, file, line };

		name_frame(src, scope, &frame);
		frames[0] = frame;
		return 1;
	}
	nscopes = dwarf_getscopes_die(scope, &scopes);

	if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0)
		files = NULL;
	for (int i = 0; i < nscopes && !outermost; i++) {
		int tag = dwarf_tag(&scopes[i]);
		struct srclines_frame frame = { NULL, NULL, file, line };

		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		name_frame(src, &scopes[i], &frame);
		add_frame(frames, max, &n, &frame);
		outermost = tag == DW_TAG_subprogram;
		if (!outermost)
			call_site(&scopes[i], files, nfiles, &file, &line);
	}
	free(scopes);
	if (!outermost) {
		/* No function holds the chain: the last frame is the caller's, unnamed. */
		struct srclines_frame frame = { NULL, NULL, file, line };

		add_frame(frames, max, &n, &frame);
	}
	return n;
}

/* The innermost function scope at pc (an inlined subroutine or a function) into *scope. */
static bool function_scope(Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *scope)
{
	Dwarf_Die *scopes = NULL;
	int nscopes = dwarf_getscopes(cu, pc, &scopes);
	bool found = false;

	for (int i = 0; i < nscopes && !found; i++) {
		int tag = dwarf_tag(&scopes[i]);

		if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram) {
			*scope = scopes[i];
			found = true;
		}
	}
	free(scopes);
	return found;
}

size_t srclines_lookup(struct srclines *src, uint64_t offset, struct srclines_frame *frames,
		       size_t max)
{
	struct srclines_frame own = { NULL, NULL, NULL, 0 };
	Dwarf_Die cu, scope;
	Dwarf_Line *line;
	Dwarf_Addr pc;
	int lineno = 0;

	drop_owned(src);
	if (!src->dw || !max || !vaddr_of(src, offset, &pc) || !unit_of(src, pc, &cu))
		return 0;
	line = dwarf_getsrc_die(&cu, pc);
	if (line) {
		own.file = dwarf_linesrc(line, NULL, NULL);
		if (dwarf_lineno(line, &lineno) == 0 && lineno > 0)
			own.line = (uint32_t)lineno;
	}
	if (function_scope(&cu, pc, &scope))
		return chain(src, &cu, &scope, own.file, own.line, frames, max);
	if (!own.file && !own.line)
		return 0;
	frames[0] = own;
	return 1;
}
