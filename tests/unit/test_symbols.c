/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of unwind/symbols on ELF files built for the test: the
 * fixture library tests/unit/fixtures/symfix.S (see the layout there), a
 * stripped copy of it, a copy without a build-id, and a stripped copy
 * whose .gnu_debuglink names its debug file.  The expected file
 * offsets are computed here, independently of symbols.c: each symbol's
 * st_value from the fixture's own .symtab (read with libelf), turned into
 * a file offset through the PT_LOAD that holds it,
 *
 *	offset = st_value - p_vaddr + p_offset
 *
 * The fixture is linked at 0x10000000, so an offset is never its address.
 */
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unittest.h"

#include "symbols.h"
#include "util.h"

#if !defined(SYMFIX_PATH) || !defined(SYMFIX_LINKED_PATH)
#error "SYMFIX_PATH...: the fixture libraries, set by tests/CMakeLists.txt"
#endif

/* What the test itself reads from one ELF file. */
struct elf_load {
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
};

struct elf_sym {
	char name[64];
	uint64_t value;
	uint64_t size;
	unsigned char bind;
	bool dynamic; /* from .dynsym, else .symtab */
};

struct elf_facts {
	struct elf_load loads[16];
	size_t nloads;
	struct elf_sym syms[64];
	size_t nsyms;
	bool has_symtab;
	char build_id[2 * 64 + 1]; /* lowercase hex, "" if none */
	uint64_t build_id_end;	   /* where its note ends in the file */
};

static struct elf_facts full_facts, stripped_facts, noid_facts, linked_facts;

static void read_note_build_id(Elf_Scn *scn, struct elf_facts *facts)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t pos = 0;

	assert_non_null(data);
	/* Elf64_Nhdr, then the name and the descriptor, each padded to 4 bytes. */
	while (pos + sizeof(Elf64_Nhdr) <= data->d_size) {
		Elf64_Nhdr nhdr;
		const unsigned char *name, *desc;
		size_t desc_len;

		memcpy(&nhdr, (const char *)data->d_buf + pos, sizeof(nhdr));
		name = (const unsigned char *)data->d_buf + pos + sizeof(nhdr);
		desc = name + ((nhdr.n_namesz + 3) & ~3U);
		pos += sizeof(nhdr) + ((nhdr.n_namesz + 3) & ~3U) + ((nhdr.n_descsz + 3) & ~3U);
		assert_true(pos <= data->d_size);
		if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_namesz != 4 ||
		    memcmp(name, "GNU", 4) != 0)
			continue;
		desc_len = nhdr.n_descsz;
		assert_true(desc_len > 0 && 2 * desc_len < sizeof(facts->build_id));
		for (size_t i = 0; i < desc_len; i++) {
			static const char hex[] = "0123456789abcdef";

			facts->build_id[2 * i] = hex[desc[i] >> 4];
			facts->build_id[2 * i + 1] = hex[desc[i] & 0xf];
		}
		facts->build_id[2 * desc_len] = '\0';
	}
}

static void read_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr, struct elf_facts *facts)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count = shdr->sh_size / shdr->sh_entsize;

	assert_non_null(data);
	for (size_t i = 0; i < count; i++) {
		GElf_Sym sym;
		const char *name;
		struct elf_sym *out;
		int len;

		assert_non_null(gelf_getsym(data, (int)i, &sym));
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		name = elf_strptr(elf, shdr->sh_link, sym.st_name);
		assert_non_null(name);
		assert_true(facts->nsyms < ARRAY_SIZE(facts->syms));
		out = &facts->syms[facts->nsyms++];
		len = snprintf(out->name, sizeof(out->name), "%s", name);
		assert_true(len > 0 && (size_t)len < sizeof(out->name));
		out->value = sym.st_value;
		out->size = sym.st_size;
		out->bind = GELF_ST_BIND(sym.st_info);
		out->dynamic = shdr->sh_type == SHT_DYNSYM;
	}
}

/* Reads path's PT_LOADs, function symbols and build-id into *facts. */
static void read_facts(const char *path, struct elf_facts *facts)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;
	size_t nphdr, shstrndx;
	Elf_Scn *scn = NULL;

	if (fd < 0)
		fail_msg("%s: cannot open the fixture", path);
	memset(facts, 0, sizeof(*facts));
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_kind(elf), ELF_K_ELF);
	assert_int_equal(elf_getphdrnum(elf, &nphdr), 0);
	for (size_t i = 0; i < nphdr; i++) {
		GElf_Phdr phdr;

		assert_non_null(gelf_getphdr(elf, (int)i, &phdr));
		if (phdr.p_type != PT_LOAD)
			continue;
		assert_true(facts->nloads < ARRAY_SIZE(facts->loads));
		facts->loads[facts->nloads++] =
			(struct elf_load){ phdr.p_vaddr, phdr.p_offset, phdr.p_filesz };
	}
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr;
		const char *name;

		assert_non_null(gelf_getshdr(scn, &shdr));
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		assert_non_null(name);
		if (shdr.sh_type == SHT_SYMTAB || shdr.sh_type == SHT_DYNSYM)
			read_symtab(elf, scn, &shdr, facts);
		if (shdr.sh_type == SHT_SYMTAB)
			facts->has_symtab = true;
		if (strcmp(name, ".note.gnu.build-id") == 0) {
			read_note_build_id(scn, facts);
			facts->build_id_end = shdr.sh_offset + shdr.sh_size;
		}
	}
	(void)elf_end(elf);
	(void)close(fd);
}

/* The symbol named name, from .symtab if the file has one, else .dynsym; or NULL. */
static const struct elf_sym *find_sym(const struct elf_facts *facts, const char *name)
{
	const struct elf_sym *found = NULL;

	for (size_t i = 0; i < facts->nsyms; i++)
		if (strcmp(facts->syms[i].name, name) == 0 && (!found || found->dynamic))
			found = &facts->syms[i];
	return found;
}

static const struct elf_sym *must_find_sym(const struct elf_facts *facts, const char *name)
{
	const struct elf_sym *sym = find_sym(facts, name);

	if (!sym)
		fail_msg("the fixture has no function symbol %s", name);
	return sym;
}

/* The file offset of address vaddr, through the PT_LOAD of facts that holds it. */
static uint64_t file_offset(const struct elf_facts *facts, uint64_t vaddr)
{
	for (size_t i = 0; i < facts->nloads; i++) {
		const struct elf_load *load = &facts->loads[i];

		if (vaddr >= load->vaddr && vaddr < load->vaddr + load->filesz)
			return vaddr - load->vaddr + load->offset;
	}
	fail_msg("no PT_LOAD holds %#" PRIx64, vaddr);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	read_facts(SYMFIX_PATH, &full_facts);
	read_facts(SYMFIX_STRIPPED_PATH, &stripped_facts);
	read_facts(SYMFIX_NOID_PATH, &noid_facts);
	read_facts(SYMFIX_LINKED_PATH, &linked_facts);
	return 0;
}

/* The fixtures' indexes, each read once per test. */
struct indexes {
	struct symbols *full;
	struct symbols *stripped;
	struct symbols *noid;
};

static int setup(void **state)
{
	struct indexes *ix = calloc(1, sizeof(*ix));

	if (!ix)
		return -1;
	ix->full = symbols_read(SYMFIX_PATH, NULL, NULL);
	ix->stripped = symbols_read(SYMFIX_STRIPPED_PATH, NULL, NULL);
	ix->noid = symbols_read(SYMFIX_NOID_PATH, NULL, NULL);
	*state = ix;
	return 0;
}

static int teardown(void **state)
{
	struct indexes *ix = *state;

	symbols_free(ix->full);
	symbols_free(ix->stripped);
	symbols_free(ix->noid);
	free(ix);
	return 0;
}

/*
 * The fixture is what the cases below assume (symfix.S):
 *
 *   global |gap| local |gap| nosize | alias | first|second |gap| grow | entry |
 *
 *   | outer  (inner)   nested   outer |gap| vimpl | only | sect (in_sect) |
 *
 *   | looping (loop) |gap|
 *
 * and the stripped copy has lost .symtab, symfix_local with it.
 */
static void test_fixture_layout(void **state)
{
	const struct elf_sym *global = must_find_sym(&full_facts, "symfix_global");
	const struct elf_sym *local = must_find_sym(&full_facts, "symfix_local");
	const struct elf_sym *nosize = must_find_sym(&full_facts, "symfix_nosize");
	const struct elf_sym *alias = must_find_sym(&full_facts, "symfix_alias");
	const struct elf_sym *ualias = must_find_sym(&full_facts, "__symfix_alias");
	const struct elf_sym *first = must_find_sym(&full_facts, "symfix_first");
	const struct elf_sym *second = must_find_sym(&full_facts, "symfix_second");
	const struct elf_sym *grow = must_find_sym(&full_facts, "_ZN5shape6Widget4growEm");
	const struct elf_sym *outer = must_find_sym(&full_facts, "symfix_outer");
	const struct elf_sym *entry = must_find_sym(&full_facts, "symfix_entry");
	const struct elf_sym *uentry = must_find_sym(&full_facts, "__symfix_entry");
	const struct elf_sym *inner = must_find_sym(&full_facts, "symfix_inner");
	const struct elf_sym *nested = must_find_sym(&full_facts, "symfix_nested");
	bool moved = false;

	(void)state;
	assert_true(full_facts.has_symtab);
	assert_int_equal(global->bind, STB_GLOBAL);
	assert_int_equal(global->size, 48);
	assert_int_equal(local->bind, STB_LOCAL);
	assert_int_equal(local->size, 32);
	assert_true(global->value + global->size < local->value); /* a gap */
	assert_true(local->value + local->size < nosize->value);  /* a gap */
	assert_int_equal(nosize->size, 0);
	assert_int_equal(nosize->value + 32, alias->value);
	assert_int_equal(alias->bind, STB_WEAK);
	assert_int_equal(ualias->bind, STB_GLOBAL);
	assert_int_equal(alias->value, ualias->value);
	assert_int_equal(alias->size, ualias->size);
	assert_int_equal(first->value + first->size, second->value); /* adjacent */
	assert_true(second->value + second->size < grow->value);     /* a gap */
	assert_int_equal(grow->size, 32);
	assert_int_equal(entry->value, uentry->value);
	assert_int_equal(entry->bind, STB_GLOBAL);
	assert_int_equal(entry->size, 0);
	assert_int_equal(uentry->size, 32);
	assert_int_equal(inner->size, 0);
	assert_true(inner->value > outer->value && inner->value < outer->value + outer->size);
	/* nested is strictly inside outer, after inner. */
	assert_true(nested->value > inner->value);
	assert_true(nested->value + nested->size < outer->value + outer->size);
	/* Addresses are not offsets: symbols.c must convert them. */
	for (size_t i = 0; i < full_facts.nloads; i++)
		if (full_facts.loads[i].vaddr != full_facts.loads[i].offset)
			moved = true;
	assert_true(moved);
	assert_true(file_offset(&full_facts, global->value) != global->value);

	assert_false(stripped_facts.has_symtab);
	assert_null(find_sym(&stripped_facts, "symfix_local"));
	assert_non_null(find_sym(&stripped_facts, "symfix_global"));
	assert_true(must_find_sym(&stripped_facts, "symfix_global")->dynamic);
}

/* Where a case looks, relative to its anchor symbol [start, start + size). */
enum where {
	AT_START, /* start */
	AT_LAST,  /* start + size - 1 */
	AT_END,	  /* start + size */
	AT_FILE,  /* delta from the start of the file (no anchor) */
};

struct lookup_case {
	const char *anchor; /* a symbol of the fixture, as the file spells it */
	enum where where;
	int32_t delta;	    /* added to where */
	const char *want;   /* the expected name, or NULL for none */
	const char *holder; /* the symbol (as spelled in the file) *into counts from */
	bool local;	    /* only in .symtab: none for the stripped copy */
};

#define GROW "_ZN5shape6Widget4growEm"
#define GROW_DEMANGLED "shape::Widget::grow(unsigned long)"

static const struct lookup_case lookup_cases[] = {
	/* A global function with a .size. */
	{ "symfix_global", AT_START, 0, "symfix_global", "symfix_global", false },
	{ "symfix_global", AT_START, 17, "symfix_global", "symfix_global", false },
	{ "symfix_global", AT_LAST, 0, "symfix_global", "symfix_global", false },
	/* The gap after it: never the preceding name. */
	{ "symfix_global", AT_END, 0, NULL, NULL, false },
	{ "symfix_local", AT_START, -1, NULL, NULL, false },
	/* A local (static) function with a .size; only .symtab has it. */
	{ "symfix_local", AT_START, 0, "symfix_local", "symfix_local", true },
	{ "symfix_local", AT_START, 5, "symfix_local", "symfix_local", true },
	{ "symfix_local", AT_LAST, 0, "symfix_local", "symfix_local", true },
	{ "symfix_local", AT_END, 0, NULL, NULL, false },
	/*
	 * No .size, no sized symbol holding it: named up to the next symbol
	 * (symfix_alias); the gap before it is not.  From .symtab only:
	 * .dynsym lacks the static functions that would end its code.
	 */
	{ "symfix_nosize", AT_START, -1, NULL, NULL, false },
	{ "symfix_nosize", AT_START, 0, "symfix_nosize", "symfix_nosize", true },
	{ "symfix_nosize", AT_START, 1, "symfix_nosize", "symfix_nosize", true },
	{ "symfix_nosize", AT_START, 31, "symfix_nosize", "symfix_nosize", true },
	/* A weak name and a global __name at one address: the public name wins. */
	{ "symfix_alias", AT_START, 0, "symfix_alias", "symfix_alias", false },
	{ "__symfix_alias", AT_START, 9, "symfix_alias", "symfix_alias", false },
	{ "__symfix_alias", AT_LAST, 0, "symfix_alias", "symfix_alias", false },
	/* first's end is second's start: its last byte is first's, the next second's. */
	{ "symfix_first", AT_START, 0, "symfix_first", "symfix_first", false },
	{ "symfix_first", AT_LAST, 0, "symfix_first", "symfix_first", false },
	{ "symfix_first", AT_END, 0, "symfix_second", "symfix_second", false },
	{ "symfix_second", AT_START, 0, "symfix_second", "symfix_second", false },
	{ "symfix_second", AT_START, 1, "symfix_second", "symfix_second", false },
	{ "symfix_second", AT_LAST, 0, "symfix_second", "symfix_second", false },
	{ "symfix_second", AT_END, 0, NULL, NULL, false },
	{ GROW, AT_START, -1, NULL, NULL, false },
	/* C++: demangled. */
	{ GROW, AT_START, 0, GROW_DEMANGLED, GROW, false },
	{ GROW, AT_LAST, 0, GROW_DEMANGLED, GROW, false },
	/* A zero-size name at a sized one's address: never named, even ranked first. */
	{ "symfix_entry", AT_START, 0, "__symfix_entry", "__symfix_entry", false },
	{ "__symfix_entry", AT_LAST, 0, "__symfix_entry", "__symfix_entry", false },
	/* A zero-size symbol inside a sized one: the sized one holds it. */
	{ "symfix_outer", AT_START, 0, "symfix_outer", "symfix_outer", false },
	{ "symfix_inner", AT_START, -1, "symfix_outer", "symfix_outer", false },
	{ "symfix_inner", AT_START, 0, "symfix_outer", "symfix_outer", false },
	{ "symfix_inner", AT_START, 1, "symfix_outer", "symfix_outer", false },
	/* A sized symbol inside a sized one: the inner one, then the outer again. */
	{ "symfix_nested", AT_START, -1, "symfix_outer", "symfix_outer", false },
	{ "symfix_nested", AT_START, 0, "symfix_nested", "symfix_nested", false },
	{ "symfix_nested", AT_LAST, 0, "symfix_nested", "symfix_nested", false },
	{ "symfix_nested", AT_END, 0, "symfix_outer", "symfix_outer", false },
	{ "symfix_outer", AT_LAST, 0, "symfix_outer", "symfix_outer", false },
	{ "symfix_outer", AT_END, 0, NULL, NULL, false },
	/* A function with a versioned alias too: its own name. */
	{ "symfix_vimpl", AT_START, 0, "symfix_vimpl", "symfix_vimpl", true },
	{ "symfix_vimpl", AT_LAST, 0, "symfix_vimpl", "symfix_vimpl", true },
	/* Only a versioned name: shown without the version. */
	{ "symfix_only@@VERS_1", AT_START, 3, "symfix_only", "symfix_only@@VERS_1", false },
	{ "symfix_only@@VERS_1", AT_LAST, 0, "symfix_only", "symfix_only@@VERS_1", false },
	{ "symfix_only@@VERS_1", AT_END, 0, "symfix_in_sect", "symfix_in_sect", true },
	/* A section's symbol holding a function: the function, then the section. */
	{ "symfix_in_sect", AT_START, 0, "symfix_in_sect", "symfix_in_sect", true },
	{ "symfix_in_sect", AT_LAST, 0, "symfix_in_sect", "symfix_in_sect", true },
	{ "symfix_in_sect", AT_END, 0, "symfix_sect(.text)", "symfix_sect(.text)", true },
	/* A local label inside a function: the function's, and nothing past it. */
	{ "symfix_looping", AT_START, 17, "symfix_looping", "symfix_looping", false },
	{ "symfix_looping", AT_LAST, 0, "symfix_looping", "symfix_looping", false },
	{ "symfix_looping", AT_END, 0, NULL, NULL, false },
	{ "symfix_looping", AT_END, 15, NULL, NULL, false },
	/* The ELF header, and far past the end of the file. */
	{ NULL, AT_FILE, 0, NULL, NULL, false },
	{ NULL, AT_FILE, 0x10, NULL, NULL, false },
	{ NULL, AT_FILE, INT32_MAX, NULL, NULL, false },
};

static const uint64_t huge_offsets[] = { UINT64_C(1) << 32, UINT64_C(1) << 40, INT64_MAX,
					 UINT64_MAX - 1, UINT64_MAX };

static const char *where_name(enum where where)
{
	switch (where) {
	case AT_START:
		return "start";
	case AT_LAST:
		return "last byte";
	case AT_END:
		return "end";
	case AT_FILE:
		break;
	}
	return "file";
}

/* The file offset a case looks at, in the file whose program headers are facts. */
static uint64_t case_offset(const struct lookup_case *lc, const struct elf_facts *facts)
{
	const struct elf_sym *anchor;
	uint64_t offset;

	if (lc->where == AT_FILE)
		return (uint64_t)lc->delta;
	anchor = must_find_sym(&full_facts, lc->anchor);
	offset = file_offset(facts, anchor->value);
	if (lc->where == AT_LAST)
		offset += anchor->size - 1;
	else if (lc->where == AT_END)
		offset += anchor->size;
	return offset + (uint64_t)lc->delta;
}

/* Runs every case on syms, the index of a file whose program headers are facts. */
static void run_lookup_cases(const struct symbols *syms, const struct elf_facts *facts,
			     bool stripped)
{
	size_t failed = 0;

	for (size_t i = 0; i < ARRAY_SIZE(lookup_cases); i++) {
		const struct lookup_case *lc = &lookup_cases[i];
		uint64_t offset = case_offset(lc, facts), into = UINT64_MAX, want_into = 0;
		const char *want = stripped && lc->local ? NULL : lc->want;
		const char *got = symbols_lookup(syms, offset, &into);

		if (want)
			want_into =
				offset -
				file_offset(facts, must_find_sym(&full_facts, lc->holder)->value);
		if (!want && !got)
			continue;
		if (want && got && strcmp(want, got) == 0 && into == want_into)
			continue;
		print_error("%s: %s %s%+" PRId64 " = offset %#" PRIx64 ":\n"
			    "  expected %s+%#" PRIx64 "\n"
			    "  got      %s+%#" PRIx64 "\n",
			    stripped ? "stripped" : "full", lc->anchor ? lc->anchor : "(file)",
			    where_name(lc->where), (int64_t)lc->delta, offset,
			    want ? want : "(none)", want ? want_into : 0, got ? got : "(none)",
			    got ? into : 0);
		failed++;
	}
	/* Offsets no file has. */
	for (size_t i = 0; i < ARRAY_SIZE(huge_offsets); i++) {
		uint64_t into = 0;
		const char *got = symbols_lookup(syms, huge_offsets[i], &into);

		if (got) {
			print_error("%s: offset %#" PRIx64 ": expected (none), got %s+%#" PRIx64
				    "\n",
				    stripped ? "stripped" : "full", huge_offsets[i], got, into);
			failed++;
		}
	}
	if (failed)
		fail_msg("%zu of %zu lookups wrong", failed,
			 ARRAY_SIZE(lookup_cases) + ARRAY_SIZE(huge_offsets));
}

static void test_lookup(void **state)
{
	run_lookup_cases(((struct indexes *)*state)->full, &full_facts, false);
}

/* Without .symtab, .dynsym still names the exported functions, not the local one. */
static void test_lookup_stripped(void **state)
{
	run_lookup_cases(((struct indexes *)*state)->stripped, &stripped_facts, true);
}

/* Both files looked up in turn: each keeps its own index. */
static void test_lookup_interleaved(void **state)
{
	const struct indexes *ix = *state;
	const struct elf_sym *local = must_find_sym(&full_facts, "symfix_local");
	uint64_t full_off = file_offset(&full_facts, local->value);
	uint64_t stripped_off = file_offset(&stripped_facts, local->value);
	uint64_t into = UINT64_MAX;
	const char *first;

	for (int round = 0; round < 3; round++) {
		const char *name = symbols_lookup(ix->full, full_off + 3, &into);

		assert_non_null(name);
		assert_string_equal(name, "symfix_local");
		assert_int_equal(into, 3);
		assert_null(symbols_lookup(ix->stripped, stripped_off + 3, &into));
	}
	/* The name is borrowed until symbols_free: the same string each time. */
	first = symbols_lookup(ix->full, full_off, &into);
	assert_ptr_equal(symbols_lookup(ix->full, full_off + 1, &into), first);
}

/* The build-id is the fixture's NT_GNU_BUILD_ID note, as the test reads it, in hex. */
static void test_build_id(void **state)
{
	const struct indexes *ix = *state;
	const char *got;

	/* -Wl,--build-id=sha1: 20 bytes. */
	assert_int_equal(strlen(full_facts.build_id), 40);
	got = symbols_build_id(ix->full);
	assert_non_null(got);
	assert_string_equal(got, full_facts.build_id);
	for (const char *hex = got; *hex; hex++)
		if (!((*hex >= '0' && *hex <= '9') || (*hex >= 'a' && *hex <= 'f')))
			fail_msg("build-id %s: '%c' is not lowercase hex", got, *hex);
	/* strip keeps the note (it is allocated): the same id. */
	assert_string_equal(stripped_facts.build_id, full_facts.build_id);
	got = symbols_build_id(ix->stripped);
	assert_non_null(got);
	assert_string_equal(got, full_facts.build_id);
	/* Asked after a lookup, from the same index. */
	assert_null(symbols_lookup(ix->full, 0, &(uint64_t){ 0 }));
	assert_string_equal(symbols_build_id(ix->full), full_facts.build_id);
	/* No debug file: the names are the file's own. */
	assert_null(symbols_debug_file(ix->full));
	assert_null(symbols_debug_file(ix->stripped));
}

/* -Wl,--build-id=none: no build-id, but the symbols are still there. */
static void test_build_id_none(void **state)
{
	const struct indexes *ix = *state;
	const struct elf_sym *global = must_find_sym(&noid_facts, "symfix_global");
	uint64_t into = UINT64_MAX;
	const char *name;

	assert_string_equal(noid_facts.build_id, "");
	assert_null(symbols_build_id(ix->noid));
	name = symbols_lookup(ix->noid, file_offset(&noid_facts, global->value) + 2, &into);
	assert_non_null(name);
	assert_string_equal(name, "symfix_global");
	assert_int_equal(into, 2);
}

/*
 * Files that are not ELF, or not whole: no name, no crash, and no
 * build-id but the one a truncated file still holds whole (elfutils
 * reads it through the program headers, as a loader would).
 */
struct bad_files {
	off_t truncated_size;
	char dir[64];
	char text[96];
	char empty[96];
	char header_only[96];
	char truncated[96];
};

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		fail_msg("%s: cannot create", path);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* The first len bytes of the fixture, at path. */
static void write_fixture_prefix(const char *path, size_t len)
{
	int fd = open(SYMFIX_PATH, O_RDONLY | O_CLOEXEC);
	char *buf = malloc(len);

	assert_true(fd >= 0);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	write_file(path, buf, len);
	free(buf);
}

static int bad_files_setup(void **state)
{
	struct bad_files *files = calloc(1, sizeof(*files));
	static const char text[] = "localhost\nnot an ELF file\n";
	off_t size;
	int fd;

	if (!files)
		return -1;
	if (unittest_tmpdir(files->dir, sizeof(files->dir), "test_symbols") < 0) {
		free(files);
		return -1;
	}
	/* dir is at most 40 + 19 characters: each name fits. */
	(void)snprintf(files->text, sizeof(files->text), "%s/hostname", files->dir);
	(void)snprintf(files->empty, sizeof(files->empty), "%s/empty.so", files->dir);
	(void)snprintf(files->header_only, sizeof(files->header_only), "%s/header.so", files->dir);
	(void)snprintf(files->truncated, sizeof(files->truncated), "%s/half.so", files->dir);
	*state = files; /* from here on, bad_files_teardown removes what exists */
	write_file(files->text, text, sizeof(text) - 1);
	write_file(files->empty, "", 0);
	/* The ELF header alone: the program and section headers it points at are missing. */
	write_fixture_prefix(files->header_only, sizeof(Elf64_Ehdr));
	/* Half the file: the section headers, at its end, are missing. */
	fd = open(SYMFIX_PATH, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	size = lseek(fd, 0, SEEK_END);
	(void)close(fd);
	assert_true(size > 0);
	files->truncated_size = size / 2;
	write_fixture_prefix(files->truncated, (size_t)files->truncated_size);
	return 0;
}

static int bad_files_teardown(void **state)
{
	struct bad_files *files = *state;

	(void)unlink(files->text);
	(void)unlink(files->empty);
	(void)unlink(files->header_only);
	(void)unlink(files->truncated);
	(void)rmdir(files->dir);
	free(files);
	return 0;
}

static void test_bad_files(void **state)
{
	const struct bad_files *files = *state;
	const char *const paths[] = {
		"/nonexistent/libsymfix.so", /* no such file */
		"/",			     /* a directory */
		files->text,		     /* text, like /etc/hostname */
		files->empty,
		files->header_only,
		files->truncated,
	};
	const struct elf_sym *global = must_find_sym(&full_facts, "symfix_global");
	const uint64_t offsets[] = { 0, 1, sizeof(Elf64_Ehdr),
				     file_offset(&full_facts, global->value), UINT64_MAX };
	/* The half file has its headers and the build-id note when that lies in its half. */
	const char *truncated_id = full_facts.build_id_end <= (uint64_t)files->truncated_size
					   ? full_facts.build_id
					   : NULL;
	struct symbols *syms;

	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
			const char *want_id = paths[i] == files->truncated ? truncated_id : NULL;
			const char *got;

			syms = symbols_read(paths[i], NULL, NULL);
			assert_non_null(syms);
			assert_int_equal(symbols_count(syms), 0);

			for (size_t j = 0; j < ARRAY_SIZE(offsets); j++) {
				uint64_t into = 0;

				got = symbols_lookup(syms, offsets[j], &into);
				if (got)
					fail_msg("%s+%#" PRIx64 ": expected no name, got %s",
						 paths[i], offsets[j], got);
			}
			got = symbols_build_id(syms);
			if (want_id ? !got || strcmp(got, want_id) != 0 : got != NULL)
				fail_msg("%s: expected build-id %s, got %s", paths[i],
					 want_id ? want_id : "(none)", got ? got : "(none)");
			assert_null(symbols_debug_file(syms));
			symbols_free(syms);
		}
	}
}

/*
 * Read with the identity stat() gave: the file itself; with another (a
 * file replaced at the path since), nothing rather than its names.
 */
static void test_identity(void **state)
{
	const struct elf_sym *global = must_find_sym(&full_facts, "symfix_global");
	uint64_t offset = file_offset(&full_facts, global->value);
	struct symbols_identity want, other;
	struct symbols *syms;
	struct stat st;
	uint64_t into = UINT64_MAX;

	(void)state;
	assert_int_equal(stat(SYMFIX_PATH, &st), 0);
	symbols_identity_of(&st, &want);
	syms = symbols_read(SYMFIX_PATH, &want, NULL);
	assert_string_equal(symbols_lookup(syms, offset, &into), "symfix_global");
	assert_string_equal(symbols_build_id(syms), full_facts.build_id);
	symbols_free(syms);
	for (int field = 0; field < 5; field++) {
		other = want;
		switch (field) {
		case 0:
			other.dev++;
			break;
		case 1:
			other.ino++;
			break;
		case 2:
			other.size++;
			break;
		case 3:
			other.mtime.tv_sec++;
			break;
		default:
			other.mtime.tv_nsec = (other.mtime.tv_nsec + 1) % 1000000000;
			break;
		}
		assert_false(symbols_identity_equal(&want, &other));
		syms = symbols_read(SYMFIX_PATH, &other, NULL);
		if (symbols_count(syms) || symbols_build_id(syms) ||
		    symbols_lookup(syms, offset, &into))
			fail_msg("identity field %d differs, yet the file was read", field);
		symbols_free(syms);
	}
}

/* The file at from, copied to to (the test's own copies; the build tree is never written). */
static void copy_file(const char *from, const char *to, bool spoil)
{
	int fd = open(from, O_RDONLY | O_CLOEXEC);
	off_t size;
	char *buf;

	if (fd < 0)
		fail_msg("%s: cannot open", from);
	size = lseek(fd, 0, SEEK_END);
	assert_true(size > 0);
	buf = malloc((size_t)size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)size, 0), (ssize_t)size);
	assert_int_equal(close(fd), 0);
	if (spoil)
		buf[size - 1] ^= 1; /* one bit: another CRC, the same ELF file */
	write_file(to, buf, (size_t)size);
	free(buf);
}

/*
 * A stripped library and its debug file, where gdb looks for the name its
 * .gnu_debuglink gives (gdb's "Separate Debug Files"):
 *
 *	dir/.debug/libsymfix.debug	found
 *	bad/libsymfix.debug		one bit changed: its CRC is not the link's
 */
struct linked_files {
	char dir[64];
	char debug_dir[80];
	char lib[96];
	char debug[128];
	char bad_dir[80];
	char bad_lib[128];
	char bad_debug[128];
};

static int linked_files_setup(void **state)
{
	struct linked_files *files = calloc(1, sizeof(*files));

	if (!files)
		return -1;
	if (unittest_tmpdir(files->dir, sizeof(files->dir), "test_symbols") < 0) {
		free(files);
		return -1;
	}
	*state = files; /* from here on, linked_files_teardown removes what exists */
	/* dir is at most 40 + 19 characters: each name fits. */
	(void)snprintf(files->debug_dir, sizeof(files->debug_dir), "%s/.debug", files->dir);
	(void)snprintf(files->lib, sizeof(files->lib), "%s/libsymfix.so", files->dir);
	(void)snprintf(files->debug, sizeof(files->debug), "%s/libsymfix.debug", files->debug_dir);
	(void)snprintf(files->bad_dir, sizeof(files->bad_dir), "%s/bad", files->dir);
	(void)snprintf(files->bad_lib, sizeof(files->bad_lib), "%s/libsymfix.so", files->bad_dir);
	(void)snprintf(files->bad_debug, sizeof(files->bad_debug), "%s/libsymfix.debug",
		       files->bad_dir);
	assert_int_equal(mkdir(files->debug_dir, 0700), 0);
	assert_int_equal(mkdir(files->bad_dir, 0700), 0);
	copy_file(SYMFIX_LINKED_PATH, files->lib, false);
	copy_file(SYMFIX_DEBUG_PATH, files->debug, false);
	copy_file(SYMFIX_LINKED_PATH, files->bad_lib, false);
	copy_file(SYMFIX_DEBUG_PATH, files->bad_debug, true);
	return 0;
}

static int linked_files_teardown(void **state)
{
	struct linked_files *files = *state;

	(void)unlink(files->lib);
	(void)unlink(files->debug);
	(void)unlink(files->bad_lib);
	(void)unlink(files->bad_debug);
	(void)rmdir(files->debug_dir);
	(void)rmdir(files->bad_dir);
	(void)rmdir(files->dir);
	free(files);
	return 0;
}

/*
 * Stripped, but its .gnu_debuglink names a debug file with the right CRC:
 * the local function, which only .symtab has, is named; with a debug file
 * whose CRC is wrong, only .dynsym's names are.
 */
static void test_debuglink(void **state)
{
	const struct linked_files *files = *state;
	const struct elf_sym *local = must_find_sym(&full_facts, "symfix_local");
	const struct elf_sym *global = must_find_sym(&full_facts, "symfix_global");
	uint64_t local_off = file_offset(&linked_facts, local->value);
	uint64_t global_off = file_offset(&linked_facts, global->value);
	const char *const found[][2] = { { SYMFIX_LINKED_PATH, SYMFIX_DEBUG_PATH },
					 { files->lib, files->debug } };
	uint64_t into = UINT64_MAX;
	struct symbols *syms;
	const char *name;

	assert_false(linked_facts.has_symtab);
	for (size_t i = 0; i < ARRAY_SIZE(found); i++) {
		syms = symbols_read(found[i][0], NULL, NULL);
		name = symbols_lookup(syms, local_off + 3, &into);
		if (!name || strcmp(name, "symfix_local") != 0 || into != 3)
			fail_msg("%s: expected symfix_local+0x3, got %s+%#" PRIx64, found[i][0],
				 name ? name : "(none)", name ? into : 0);
		assert_non_null(symbols_debug_file(syms));
		assert_string_equal(symbols_debug_file(syms), found[i][1]);
		symbols_free(syms);
	}
	syms = symbols_read(files->bad_lib, NULL, NULL);
	name = symbols_lookup(syms, local_off + 3, &into);
	if (name)
		fail_msg("%s: a debug file with the wrong CRC was read: got %s", files->bad_lib,
			 name);
	assert_null(symbols_debug_file(syms));
	name = symbols_lookup(syms, global_off + 1, &into);
	assert_non_null(name);
	assert_string_equal(name, "symfix_global");
	assert_int_equal(into, 1);
	symbols_free(syms);
}

/*
 * A file as a process in another root sees it: its path there has no
 * file on the tracer's side, and its debug file lies under the process's
 * root, where the .gnu_debuglink is looked for first.
 */
static void test_debuglink_in_root(void **state)
{
	const struct linked_files *files = *state;
	const struct elf_sym *local = must_find_sym(&full_facts, "symfix_local");
	uint64_t local_off = file_offset(&linked_facts, local->value);
	struct symbols_file file = { .open = files->lib, .path = "/lib/libsymfix.so" };
	char root[80], lib_dir[96], debug_dir[112], debug[144];
	uint64_t into = UINT64_MAX;
	struct symbols *syms;
	const char *name;

	(void)snprintf(root, sizeof(root), "%s/root", files->dir);
	(void)snprintf(lib_dir, sizeof(lib_dir), "%s/lib", root);
	(void)snprintf(debug_dir, sizeof(debug_dir), "%s/.debug", lib_dir);
	(void)snprintf(debug, sizeof(debug), "%s/libsymfix.debug", debug_dir);
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(mkdir(lib_dir, 0700), 0);
	assert_int_equal(mkdir(debug_dir, 0700), 0);
	copy_file(SYMFIX_DEBUG_PATH, debug, false);

	/* Without the root, the debug file is nowhere: only .dynsym's names. */
	syms = symbols_read_file(&file, NULL, NULL);
	assert_null(symbols_lookup(syms, local_off + 3, &into));
	assert_null(symbols_debug_file(syms));
	assert_false(symbols_debug_in_root(syms));
	symbols_free(syms);

	file.root = root;
	syms = symbols_read_file(&file, NULL, NULL);
	name = symbols_lookup(syms, local_off + 3, &into);
	if (!name || strcmp(name, "symfix_local") != 0 || into != 3)
		fail_msg("under the root: expected symfix_local+0x3, got %s",
			 name ? name : "(none)");
	assert_non_null(symbols_debug_file(syms));
	assert_string_equal(symbols_debug_file(syms), "/lib/.debug/libsymfix.debug");
	assert_true(symbols_debug_in_root(syms));
	symbols_free(syms);

	(void)unlink(debug);
	(void)rmdir(debug_dir);
	(void)rmdir(lib_dir);
	(void)rmdir(root);
}

static void test_free_null(void **state)
{
	(void)state;
	symbols_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_layout),
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_stripped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_interleaved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_id_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, bad_files_setup,
						bad_files_teardown),
		cmocka_unit_test(test_identity),
		cmocka_unit_test_setup_teardown(test_debuglink, linked_files_setup,
						linked_files_teardown),
		cmocka_unit_test_setup_teardown(test_debuglink_in_root, linked_files_setup,
						linked_files_teardown),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
