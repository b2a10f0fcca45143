/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of unwind/srclines (the DWARF reader) on the test program
 * tests/programs/inlines.c, built with -O2 -g: the label inline_marker
 * lies in map_here(), inlined into middle(), inlined into outer().  The
 * expected lines are the source's "at:" comments, found here by reading
 * the source; the label's file offset comes from the program's own
 * .symtab (libelf), through the PT_LOAD that holds it.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "srclines.h"
#include "util.h"

#if !defined(INLINES_PATH) || !defined(INLINES_SOURCE)
#error "INLINES_PATH, INLINES_SOURCE: the test program, set by tests/CMakeLists.txt"
#endif

/* The line of the source with the comment "at: what", or 0. */
static uint32_t line_of(const char *what)
{
	char want[64], text[512];
	FILE *src = fopen(INLINES_SOURCE, "r");
	uint32_t line = 0, found = 0;

	assert_non_null(src);
	(void)snprintf(want, sizeof(want), "/* at: %s */", what);
	while (!found && fgets(text, sizeof(text), src)) {
		line++;
		if (strstr(text, want))
			found = line;
	}
	(void)fclose(src);
	assert_int_not_equal(found, 0);
	return found;
}

/* The file offset of the program's symbol name (its .symtab and PT_LOADs, read here). */
static uint64_t offset_of(const char *name)
{
	int fd = open(INLINES_PATH, O_RDONLY);
	Elf *elf;
	Elf_Scn *scn = NULL;
	uint64_t value = 0, offset = 0;
	size_t nphdr;

	assert_true(fd >= 0);
	(void)elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr;
		Elf_Data *data = elf_getdata(scn, NULL);

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB || !data)
			continue;
		for (size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym sym;

			if (gelf_getsym(data, (int)i, &sym) &&
			    !strcmp(elf_strptr(elf, shdr.sh_link, sym.st_name), name))
				value = sym.st_value;
		}
	}
	assert_int_not_equal(value, 0);
	assert_int_equal(elf_getphdrnum(elf, &nphdr), 0);
	for (size_t i = 0; i < nphdr; i++) {
		GElf_Phdr phdr;

		if (gelf_getphdr(elf, (int)i, &phdr) && phdr.p_type == PT_LOAD &&
		    value >= phdr.p_vaddr && value < phdr.p_vaddr + phdr.p_filesz)
			offset = value - phdr.p_vaddr + phdr.p_offset;
	}
	(void)elf_end(elf);
	(void)close(fd);
	return offset;
}

static void expect_frame(const struct srclines_frame *frame, const char *function, const char *at)
{
	assert_non_null(frame->function);
	assert_string_equal(frame->function, function);
	assert_null(frame->linkage_name);
	assert_non_null(frame->file);
	assert_string_equal(base_name(frame->file), "inlines.c");
	assert_int_equal(frame->line, line_of(at));
}

/* The marker: map_here at its own line, inlined into middle, inlined into outer. */
static void test_inline_chain(void **state)
{
	struct srclines *src = srclines_open(INLINES_PATH, NULL, NULL);
	struct srclines_frame frames[SRCLINES_MAX_FRAMES];
	size_t n;

	(void)state;
	assert_true(srclines_present(src));
	n = srclines_lookup(src, offset_of("inline_marker"), frames, SRCLINES_MAX_FRAMES);
	assert_int_equal(n, 3);
	expect_frame(&frames[0], "map_here", "marker");
	expect_frame(&frames[1], "middle", "map_here");
	expect_frame(&frames[2], "outer", "middle");

	/* Room for two: the innermost goes, the function itself stays last. */
	n = srclines_lookup(src, offset_of("inline_marker"), frames, 2);
	assert_int_equal(n, 2);
	expect_frame(&frames[0], "middle", "map_here");
	expect_frame(&frames[1], "outer", "middle");
	srclines_free(src);
}

/* A byte of a function with nothing inlined there: one frame, the function's own. */
static void test_plain_function(void **state)
{
	struct srclines *src = srclines_open(INLINES_PATH, NULL, NULL);
	struct srclines_frame frames[SRCLINES_MAX_FRAMES];
	size_t n = srclines_lookup(src, offset_of("spawn_worker"), frames, SRCLINES_MAX_FRAMES);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(frames[0].function, "spawn_worker");
	assert_non_null(frames[0].file);
	assert_string_equal(base_name(frames[0].file), "inlines.c");
	/* Its first instruction is on the line that opens it, before the call. */
	assert_true(frames[0].line > 0 && frames[0].line < line_of("pthread_create"));
	srclines_free(src);
}

/* Bytes the debug info does not cover, and files without DWARF: nothing. */
static void test_nothing_known(void **state)
{
	struct srclines *src = srclines_open(INLINES_PATH, NULL, NULL);
	struct srclines *none = srclines_open("/nonexistent/file", NULL, NULL);
	struct srclines_frame frames[SRCLINES_MAX_FRAMES];

	(void)state;
	/* The ELF header: no code at all. */
	assert_int_equal(srclines_lookup(src, 0, frames, SRCLINES_MAX_FRAMES), 0);
	/* Past the end of the file. */
	assert_int_equal(srclines_lookup(src, UINT64_MAX / 2, frames, SRCLINES_MAX_FRAMES), 0);
	assert_false(srclines_present(none));
	assert_int_equal(srclines_lookup(none, 0x1000, frames, SRCLINES_MAX_FRAMES), 0);
	srclines_free(src);
	srclines_free(none);
	srclines_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inline_chain),
		cmocka_unit_test(test_plain_function),
		cmocka_unit_test(test_nothing_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
