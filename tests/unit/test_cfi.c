/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of unwind/cfi: the unwind tables of real files.  The table
 * built from .eh_frame must give, FDE for FDE, what the linker's own
 * .eh_frame_hdr gives (this test's executable, and the C library), the
 * copy of .eh_frame must hold the bytes this process has mapped, and the
 * functions this test and the static test programs define must be found
 * where their symbols say (read here with libelf, independently of cfi.c),
 * and so must those of the programs whose FDEs are in .debug_frame only.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
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

#include "cfi.h"
#include "util.h"

#if !defined(STATIC_GLIBC_PATH) || !defined(STATIC_MUSL_PATH) || !defined(DEBUG_FRAME_DIR)
#error "STATIC_GLIBC_PATH, STATIC_MUSL_PATH, DEBUG_FRAME_DIR: set by tests/CMakeLists.txt"
#endif

/* The loaded objects this test looks at: its executable and the C library. */
struct loaded {
	char exe[4096];
	uint64_t exe_bias;
	char libc[4096];
	uint64_t libc_bias;
};

static int find_loaded(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct loaded *l = arg;

	(void)size;
	if (!info->dlpi_name[0] && !l->exe[0]) {
		ssize_t len = readlink("/proc/self/exe", l->exe, sizeof(l->exe) - 1);

		if (len > 0)
			l->exe[len] = '\0';
		l->exe_bias = info->dlpi_addr;
	} else if (strstr(info->dlpi_name, "/libc.so")) {
		(void)snprintf(l->libc, sizeof(l->libc), "%s", info->dlpi_name);
		l->libc_bias = info->dlpi_addr;
	}
	return 0;
}

static struct loaded loaded_objects(void)
{
	struct loaded l;

	memset(&l, 0, sizeof(l));
	(void)dl_iterate_phdr(find_loaded, &l);
	assert_true(l.exe[0] != '\0');
	assert_true(l.libc[0] != '\0');
	return l;
}

/* The st_value of function name in path's .symtab, or 0. */
static uint64_t symbol_value(const char *path, const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf_Scn *scn = NULL;
	uint64_t value = 0;
	Elf *elf;

	assert_true(fd >= 0);
	(void)elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	while (!value && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym sym;
			const char *sname;

			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			sname = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (sname && !strcmp(sname, name) &&
			    GELF_ST_TYPE(sym.st_info) == STT_FUNC) {
				value = sym.st_value;
				break;
			}
		}
	}
	(void)elf_end(elf);
	(void)close(fd);
	return value;
}

/* A function of this test's own, found by address. */
static __attribute__((noinline)) int own_function(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

static void expect_same_tables(const char *path)
{
	struct cfi *hdr = cfi_read(path, NULL, true, NULL);
	struct cfi *built = cfi_read(path, NULL, false, NULL);

	assert_int_equal(cfi_source(hdr), CFI_EH_FRAME_HDR);
	assert_int_equal(cfi_source(built), CFI_EH_FRAME);
	assert_true(cfi_count(hdr) > 10);
	assert_int_equal(cfi_count(built), cfi_count(hdr));
	for (size_t i = 0; i < cfi_count(hdr); i++) {
		struct cfi_fde a, b;

		cfi_entry(hdr, i, &a);
		cfi_entry(built, i, &b);
		if (a.pc_begin != b.pc_begin || a.fde != b.fde)
			fail_msg("%s: FDE %zu: the linker's table has %#lx at %#lx, the built one "
				 "%#lx at %#lx",
				 path, i, (unsigned long)a.pc_begin, (unsigned long)a.fde,
				 (unsigned long)b.pc_begin, (unsigned long)b.fde);
		/* Each FDE covers its first address, in both. */
		assert_true(cfi_covers(hdr, a.pc_begin));
		assert_true(cfi_covers(built, a.pc_begin));
	}
	cfi_free(hdr);
	cfi_free(built);
}

static void test_built_matches_hdr(void **state)
{
	struct loaded l = loaded_objects();

	(void)state;
	expect_same_tables(l.exe);
	expect_same_tables(l.libc);
}

static void test_own_function(void **state)
{
	struct loaded l = loaded_objects();
	struct cfi *cfi = cfi_read(l.exe, NULL, true, NULL);
	uint64_t vaddr = (uint64_t)(uintptr_t)&own_function - l.exe_bias;
	struct cfi_fde fde;

	(void)state;
	assert_int_equal(own_function(1), 2);
	assert_int_equal(vaddr, symbol_value(l.exe, "own_function"));
	assert_true(cfi_find(cfi, vaddr, &fde));
	assert_int_equal(fde.pc_begin, vaddr);
	assert_true(cfi_find(cfi, vaddr + 3, &fde));
	assert_int_equal(fde.pc_begin, vaddr);
	assert_true(cfi_covers(cfi, vaddr + 3));
	/* Nothing lies below the first FDE. */
	assert_false(cfi_find(cfi, 0, &fde));
	assert_false(cfi_covers(cfi, 0));
	cfi_free(cfi);
}

/* The copy of .eh_frame holds what this process has mapped, word for word. */
static void test_words_match_memory(void **state)
{
	struct loaded l = loaded_objects();
	const struct {
		const char *path;
		uint64_t bias;
	} objs[] = { { l.exe, l.exe_bias }, { l.libc, l.libc_bias } };

	(void)state;
	for (size_t o = 0; o < ARRAY_SIZE(objs); o++) {
		struct cfi *cfi = cfi_read(objs[o].path, NULL, true, NULL);
		size_t step = cfi_count(cfi) / 97 + 1;

		for (size_t i = 0; i < cfi_count(cfi); i += step) {
			struct cfi_fde fde;
			uint64_t word, mapped;
			uint64_t at = 0;

			cfi_entry(cfi, i, &fde);
			at = fde.fde & ~(uint64_t)7;
			assert_true(cfi_word(cfi, at, &word));
			memcpy(&mapped, (const void *)(uintptr_t)(at + objs[o].bias),
			       sizeof(mapped));
			assert_int_equal(word, mapped);
		}
		/* Outside .eh_frame: not held. */
		assert_false(cfi_word(cfi, 0, &(uint64_t){ 0 }));
		cfi_free(cfi);
	}
}

static int first_load(struct dl_phdr_info *info, size_t size, void *arg)
{
	GElf_Phdr *out = arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type == PT_LOAD && (info->dlpi_phdr[i].p_flags & PF_X)) {
			out->p_vaddr = info->dlpi_phdr[i].p_vaddr;
			out->p_offset = info->dlpi_phdr[i].p_offset;
			out->p_filesz = info->dlpi_phdr[i].p_filesz;
			return 1;
		}
	}
	return 1;
}

static void test_vaddr(void **state)
{
	struct loaded l = loaded_objects();
	struct cfi *cfi = cfi_read(l.exe, NULL, true, NULL);
	GElf_Phdr text = { 0 };
	uint64_t vaddr;

	(void)state;
	(void)dl_iterate_phdr(first_load, &text);
	assert_true(text.p_filesz > 16);
	assert_true(cfi_vaddr(cfi, text.p_offset + 16, &vaddr));
	assert_int_equal(vaddr, text.p_vaddr + 16);
	assert_false(cfi_vaddr(cfi, (uint64_t)1 << 40, &vaddr));
	cfi_free(cfi);
}

/*
 * glibc -static: gcc links it without PT_GNU_EH_FRAME (clang's driver
 * asks for one): the table is built from .eh_frame, and with either the
 * function is found.
 */
static void test_static_glibc(void **state)
{
	struct cfi *cfi = cfi_read(STATIC_GLIBC_PATH, NULL, true, NULL);
	struct cfi *built = cfi_read(STATIC_GLIBC_PATH, NULL, false, NULL);
	uint64_t main_vaddr = symbol_value(STATIC_GLIBC_PATH, "main");
	const struct cfi *each[] = { cfi, built };
	struct cfi_fde fde;

	(void)state;
	assert_true(cfi_source(cfi) == CFI_EH_FRAME || cfi_source(cfi) == CFI_EH_FRAME_HDR);
	assert_int_equal(cfi_source(built), CFI_EH_FRAME);
	assert_true(cfi_count(built) > 100);
	assert_true(main_vaddr != 0);
	for (size_t i = 0; i < ARRAY_SIZE(each); i++) {
		assert_true(cfi_find(each[i], main_vaddr + 1, &fde));
		assert_int_equal(fde.pc_begin, main_vaddr);
		assert_true(cfi_covers(each[i], main_vaddr + 1));
	}
	cfi_free(cfi);
	cfi_free(built);
}

/* musl's mmap has no FDE: cfi_find() gives another function's, cfi_covers() says no. */
static void test_static_musl(void **state)
{
	struct cfi *cfi;
	uint64_t mmap_vaddr, main_vaddr;

	(void)state;
	if (access(STATIC_MUSL_PATH, X_OK) != 0)
		skip();
	cfi = cfi_read(STATIC_MUSL_PATH, NULL, true, NULL);
	mmap_vaddr = symbol_value(STATIC_MUSL_PATH, "mmap");
	main_vaddr = symbol_value(STATIC_MUSL_PATH, "main");
	assert_int_equal(cfi_source(cfi), CFI_EH_FRAME);
	assert_true(mmap_vaddr != 0 && main_vaddr != 0);
	assert_true(cfi_covers(cfi, main_vaddr));
	assert_false(cfi_covers(cfi, mmap_vaddr + 4));
	cfi_free(cfi);
}

/* The 4 bytes at offset of .debug_frame's copy. */
static uint32_t debug_u32(const struct cfi *cfi, uint64_t offset)
{
	uint64_t word;

	assert_true(cfi_debug_word(cfi, offset, &word));
	return (uint32_t)word;
}

/*
 * A program without unwind tables: its functions' FDEs are found in
 * .debug_frame (the file's, compressed or not, or its debug file's), with
 * the function's range, and the copy names each FDE's CIE as .eh_frame
 * does: id 0, version 1 or 3 (4 made 3), found by distance back.
 */
static void test_debug_frame(void **state)
{
	static const struct {
		const char *name;
		const char *debug;
	} progs[] = {
		{ "debug_frame", NULL },
		{ "debug_frame_v4gz", NULL },
		{ "debug_frame_split", "debug_frame_split.debug" },
	};
	static const char *const funcs[] = { "inner", "outer", "main" };

	(void)state;
	for (size_t p = 0; p < ARRAY_SIZE(progs); p++) {
		char path[4096], debug[4096];
		struct cfi *cfi;

		(void)snprintf(path, sizeof(path), "%s/%s", DEBUG_FRAME_DIR, progs[p].name);
		(void)snprintf(debug, sizeof(debug), "%s/%s", DEBUG_FRAME_DIR,
			       progs[p].debug ? progs[p].debug : "");
		cfi = cfi_read(path, NULL, true, progs[p].debug ? debug : NULL);
		assert_true(cfi_debug_count(cfi) >= ARRAY_SIZE(funcs));
		for (size_t f = 0; f < ARRAY_SIZE(funcs); f++) {
			uint64_t vaddr = symbol_value(path, funcs[f]), begin, end, cie;
			struct cfi_fde fde;

			assert_true(vaddr != 0);
			assert_true(cfi_find(cfi, vaddr + 1, &fde));
			assert_true(fde.debug_frame);
			assert_int_equal(fde.pc_begin, vaddr);
			assert_true(cfi_range(cfi, vaddr + 1, &begin, &end));
			assert_int_equal(begin, vaddr);
			assert_true(end > vaddr + 1);
			/* 32-bit DWARF: the length, then the CIE pointer. */
			assert_true(debug_u32(cfi, fde.fde) < 0xfffffff0U);
			cie = fde.fde + 4 - debug_u32(cfi, fde.fde + 4);
			assert_int_equal(debug_u32(cfi, cie + 4), 0);
			assert_true((uint8_t)debug_u32(cfi, cie + 8) == 1 ||
				    (uint8_t)debug_u32(cfi, cie + 8) == 3);
		}
		cfi_free(cfi);
	}
	/* The split program without its debug file: nothing covers main. */
	{
		char path[4096];
		struct cfi *cfi;

		(void)snprintf(path, sizeof(path), "%s/debug_frame_split", DEBUG_FRAME_DIR);
		cfi = cfi_read(path, NULL, true, NULL);
		assert_int_equal(cfi_debug_count(cfi), 0);
		assert_false(cfi_covers(cfi, symbol_value(path, "main") + 1));
		cfi_free(cfi);
	}
}

/* What cannot be read has no table, and says so without failing. */
static void test_unreadable(void **state)
{
	struct loaded l = loaded_objects();
	const char *paths[] = { "/nonexistent/file", "/proc/self/status" };
	struct symbols_identity other = { 0 };
	struct cfi_fde fde;
	uint64_t word;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		struct cfi *cfi = cfi_read(paths[i], NULL, true, NULL);

		assert_int_equal(cfi_source(cfi), CFI_NONE);
		assert_int_equal(cfi_count(cfi), 0);
		assert_false(cfi_find(cfi, 0x1000, &fde));
		assert_false(cfi_covers(cfi, 0x1000));
		assert_false(cfi_word(cfi, 0x1000, &word));
		cfi_free(cfi);
	}
	/* Another file than the one wanted is not read. */
	{
		struct cfi *cfi = cfi_read(l.exe, &other, true, NULL);

		assert_int_equal(cfi_source(cfi), CFI_NONE);
		cfi_free(cfi);
	}
	cfi_free(NULL);
}

/*
 * DW_CFA_AARCH64_negate_ra_state (0x2d) becomes DW_CFA_nop wherever it is
 * an instruction, never where the byte is another's operand: gcc's
 * aarch64 CFI with PACIASP and an epilogue block, each operand form.
 */
static void test_nop_ra_state(void **state)
{
	static const uint8_t prog[] = {
		0x41,			      /* advance_loc 1 */
		0x2d,			      /* negate_ra_state: nop */
		0x02, 0x2d,		      /* advance_loc1 0x2d */
		0x0e, 0x2d,		      /* def_cfa_offset 45 */
		0x03, 0x2d, 0x00,	      /* advance_loc2 0x2d */
		0x9e, 0x2d,		      /* offset x30, 45 * data_align */
		0x0a,			      /* remember_state */
		0x04, 0x2d, 0x2d, 0x2d, 0x2d, /* advance_loc4 */
		0x11, 0x1d, 0x7f,	      /* offset_extended_sf x29, -1 */
		0x13, 0x2d,		      /* def_cfa_offset_sf 45 */
		0x10, 0x1e, 0x02, 0x2d, 0x2d, /* expression x30, 2 bytes */
		0x2d,			      /* negate_ra_state: nop */
		0xde,			      /* restore x30 */
		0x0b,			      /* restore_state */
		0x2e, 0x2d,		      /* GNU_args_size 45 */
		0x2d,			      /* negate_ra_state: nop */
	};
	static const size_t nops[] = { 1, 27, 32 };
	uint8_t got[sizeof(prog)], want[sizeof(prog)];
	/* At DW_CFA_set_loc (an encoded address) the rest is left as it is. */
	uint8_t stop[] = { 0x2d, 0x01, 0x2d, 0x2d };
	/* An advance_loc2 cut short by the end: nothing read past it. */
	uint8_t cut[] = { 0x2d, 0x03, 0x2d };

	(void)state;
	memcpy(got, prog, sizeof(prog));
	memcpy(want, prog, sizeof(prog));
	for (size_t i = 0; i < sizeof(nops) / sizeof(nops[0]); i++)
		want[nops[i]] = 0x00;
	cfi_nop_ra_state(got, got + sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
	cfi_nop_ra_state(stop, stop + sizeof(stop));
	assert_int_equal(stop[0], 0x00);
	assert_int_equal(stop[2], 0x2d);
	assert_int_equal(stop[3], 0x2d);
	cfi_nop_ra_state(cut, cut + 2);
	assert_int_equal(cut[0], 0x00);
	assert_int_equal(cut[2], 0x2d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_built_matches_hdr),  cmocka_unit_test(test_own_function),
		cmocka_unit_test(test_words_match_memory), cmocka_unit_test(test_vaddr),
		cmocka_unit_test(test_static_glibc),	   cmocka_unit_test(test_static_musl),
		cmocka_unit_test(test_debug_frame),	   cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_nop_ra_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
