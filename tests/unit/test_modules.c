/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of unwind/modules: which module a mapping holds, found with
 * one stat(2) per mapping (counted with -Wl,--wrap=stat), and two files
 * at one path as two modules, each with its own build-id and names.  The
 * files are copies of the symbolizer's fixtures (tests/unit/fixtures/
 * symfix.S, with and without a build-id) in a directory of the test's.
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unittest.h"

#include "modules.h"
#include "strtab.h"
#include "util.h"

#if !defined(SYMFIX_PATH) || !defined(SYMFIX_NOID_PATH)
#error "SYMFIX_PATH, SYMFIX_NOID_PATH: the fixture libraries, set by tests/CMakeLists.txt"
#endif

/*
 * stat(2) of a file's path as modules.c calls it, counted (asking a
 * process about itself, under /proc, is not); the test's own calls go to
 * __real_stat.
 */
static int stat_calls;

int __real_stat(const char *path, struct stat *st);
int __wrap_stat(const char *path, struct stat *st);

int __wrap_stat(const char *path, struct stat *st)
{
	if (strncmp(path, "/proc/", 6) != 0)
		stat_calls++;
	return __real_stat(path, st);
}

struct fixture {
	char dir[64];
	char path[96]; /* the library's path: the file there changes */
	char next[96]; /* what is renamed over it */
	struct strtab *paths;
	struct modules *mods;
	uint32_t path_id;
	/* Where symfix_global lies in each build, and the build-id of the first. */
	uint64_t global_off;
	uint64_t noid_global_off;
	char build_id[2 * 64 + 1];
};

/* The file offset of the function name in the ELF file at path (its .symtab and PT_LOADs). */
static uint64_t offset_of(const char *path, const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf_Scn *scn = NULL;
	uint64_t found = UINT64_MAX;
	size_t nphdr;
	Elf *elf;

	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	while ((scn = elf_nextscn(elf, scn)) != NULL && found == UINT64_MAX) {
		GElf_Shdr shdr;
		Elf_Data *data;

		assert_non_null(gelf_getshdr(scn, &shdr));
		if (shdr.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		assert_non_null(data);
		for (size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym sym;
			const char *sname;

			assert_non_null(gelf_getsym(data, (int)i, &sym));
			sname = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (sname && !strcmp(sname, name))
				found = sym.st_value;
		}
	}
	assert_true(found != UINT64_MAX);
	assert_int_equal(elf_getphdrnum(elf, &nphdr), 0);
	for (size_t i = 0; i < nphdr; i++) {
		GElf_Phdr phdr;

		assert_non_null(gelf_getphdr(elf, (int)i, &phdr));
		if (phdr.p_type == PT_LOAD && found >= phdr.p_vaddr &&
		    found < phdr.p_vaddr + phdr.p_filesz) {
			found = found - phdr.p_vaddr + phdr.p_offset;
			(void)elf_end(elf);
			(void)close(fd);
			return found;
		}
	}
	fail_msg("%s: no PT_LOAD holds %s", path, name);
	return 0;
}

/* The bytes of the file at path: *len of them, malloc()ed. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t size;
	char *buf;

	assert_true(fd >= 0);
	size = lseek(fd, 0, SEEK_END);
	assert_true(size > 0);
	buf = malloc((size_t)size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)size, 0), (ssize_t)size);
	assert_int_equal(close(fd), 0);
	*len = (size_t)size;
	return buf;
}

/* Writes the fixture from to path: a new file, or the one there rewritten (same inode). */
static void write_copy(const char *from, const char *path, int flags)
{
	size_t len;
	char *buf = slurp(from, &len);
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	free(buf);
}

/* Puts the fixture from at the library's path as a new file (a new inode), as dpkg does. */
static void replace(struct fixture *fx, const char *from)
{
	write_copy(from, fx->next, O_CREAT | O_TRUNC);
	assert_int_equal(rename(fx->next, fx->path), 0);
}

static struct stat real_stat_of(const char *path)
{
	struct stat st;

	assert_int_equal(__real_stat(path, &st), 0);
	return st;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct symbols *syms;

	if (!fx)
		return -1;
	if (unittest_tmpdir(fx->dir, sizeof(fx->dir), "test_modules") < 0) {
		free(fx);
		return -1;
	}
	*state = fx; /* from here on, teardown removes what exists */
	(void)snprintf(fx->path, sizeof(fx->path), "%s/libmod.so", fx->dir);
	(void)snprintf(fx->next, sizeof(fx->next), "%s/libmod.so.new", fx->dir);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	fx->global_off = offset_of(SYMFIX_PATH, "symfix_global");
	fx->noid_global_off = offset_of(SYMFIX_NOID_PATH, "symfix_global");
	syms = symbols_read(SYMFIX_PATH, NULL, NULL);
	assert_non_null(symbols_build_id(syms));
	(void)snprintf(fx->build_id, sizeof(fx->build_id), "%s", symbols_build_id(syms));
	symbols_free(syms);
	replace(fx, SYMFIX_PATH);
	fx->paths = strtab_new();
	fx->path_id = strtab_intern(fx->paths, fx->path, strlen(fx->path));
	fx->mods = modules_new(fx->paths);
	stat_calls = 0;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	modules_free(fx->mods);
	strtab_free(fx->paths);
	(void)unlink(fx->path);
	(void)unlink(fx->next);
	(void)rmdir(fx->dir);
	free(fx);
	return 0;
}

/* The event that made mapping n: an mmap call, its sequence number n. */
static struct aspace_event mapping(uint64_t n)
{
	return (struct aspace_event){
		.seq = n, .tid = 4242, .kind = ASPACE_ORIGIN_CALL, .time_ns = n * 1000
	};
}

/* Module id names symfix_global at its offset in the file built as off. */
static void expect_global(struct fixture *fx, uint32_t id, uint64_t off)
{
	uint64_t into = UINT64_MAX;
	const char *name = modules_lookup(fx->mods, id, off + 5, &into);

	if (!name || strcmp(name, "symfix_global") != 0 || into != 5)
		fail_msg("module %u: expected symfix_global+0x5, got %s", id,
			 name ? name : "(none)");
}

/*
 * One mapping asked for again and again (each frame of each stack in
 * it): one stat, one module; looking up its names never stats.
 */
static void test_one_stat_per_mapping(void **state)
{
	struct fixture *fx = *state;
	struct aspace_event origin = mapping(7);
	uint32_t id = modules_of_mapping(fx->mods, fx->path_id, &origin, 0, 0);

	assert_int_equal(id, 1);
	assert_int_equal(stat_calls, 1);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(modules_of_mapping(fx->mods, fx->path_id, &origin, 0, 0), id);
		expect_global(fx, id, fx->global_off);
		assert_string_equal(modules_build_id(fx->mods, id), fx->build_id);
	}
	assert_int_equal(stat_calls, 1);
	assert_int_equal(modules_count(fx->mods), 1);
	assert_int_equal(modules_path(fx->mods, id), fx->path_id);
	assert_null(modules_debug_file(fx->mods, id));
}

/*
 * The same file in two mappings (another mmap, another process's exec):
 * a stat for each, one module.
 */
static void test_same_file_one_module(void **state)
{
	struct fixture *fx = *state;
	const struct aspace_event origins[] = {
		mapping(1),
		{ .tid = 4242, .kind = ASPACE_ORIGIN_EXEC, .time_ns = 1000 },
		{ .tid = 4243, .kind = ASPACE_ORIGIN_EXEC, .time_ns = 1000 },
		{ .tid = 4242, .kind = ASPACE_ORIGIN_ATTACH, .time_ns = 1000 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(origins); i++)
		assert_int_equal(modules_of_mapping(fx->mods, fx->path_id, &origins[i], 0, 0), 1);
	assert_int_equal(stat_calls, (int)ARRAY_SIZE(origins));
	assert_int_equal(modules_count(fx->mods), 1);
	/* And each of them is known from then on. */
	for (size_t i = 0; i < ARRAY_SIZE(origins); i++)
		assert_int_equal(modules_of_mapping(fx->mods, fx->path_id, &origins[i], 0, 0), 1);
	assert_int_equal(stat_calls, (int)ARRAY_SIZE(origins));
}

/*
 * A library replaced at its path between two loads, by a rename (a new
 * inode):
 *
 *	mapping 1 ---> module 1: first build, its build-id and names
 *	    (rename the second build over the path)
 *	mapping 2 ---> module 2: second build, no build-id, its own names
 *
 * Module 1 keeps what it read of the first file.
 */
static void test_replaced_by_rename(void **state)
{
	struct fixture *fx = *state;
	struct aspace_event first = mapping(1), second = mapping(2);
	ino_t old_ino = real_stat_of(fx->path).st_ino;
	uint32_t one, two;

	one = modules_of_mapping(fx->mods, fx->path_id, &first, 0, 0);
	expect_global(fx, one, fx->global_off);
	assert_string_equal(modules_build_id(fx->mods, one), fx->build_id);
	replace(fx, SYMFIX_NOID_PATH);
	assert_true(real_stat_of(fx->path).st_ino != old_ino);
	two = modules_of_mapping(fx->mods, fx->path_id, &second, 0, 0);
	assert_int_not_equal(two, one);
	assert_int_equal(modules_path(fx->mods, two), fx->path_id);
	assert_null(modules_build_id(fx->mods, two));
	expect_global(fx, two, fx->noid_global_off);
	/* The first mapping is still the first file. */
	assert_int_equal(modules_of_mapping(fx->mods, fx->path_id, &first, 0, 0), one);
	assert_string_equal(modules_build_id(fx->mods, one), fx->build_id);
	expect_global(fx, one, fx->global_off);
	assert_int_equal(modules_count(fx->mods), 2);
	assert_int_equal(stat_calls, 2);
}

/* Rewritten over the same inode (cp onto it): its size or mtime tell it apart. */
static void test_rewritten_in_place(void **state)
{
	struct fixture *fx = *state;
	struct aspace_event first = mapping(1), second = mapping(2);
	struct stat before = real_stat_of(fx->path), after;
	struct timespec times[2];
	uint32_t one, two;
	int fd;

	one = modules_of_mapping(fx->mods, fx->path_id, &first, 0, 0);
	write_copy(SYMFIX_NOID_PATH, fx->path, O_TRUNC);
	/* A clock too coarse to see the rewrite must not hide it: a second later. */
	times[0].tv_sec = 0;
	times[0].tv_nsec = UTIME_OMIT;
	times[1] = before.st_mtim;
	times[1].tv_sec++;
	fd = open(fx->path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(futimens(fd, times), 0);
	assert_int_equal(close(fd), 0);
	after = real_stat_of(fx->path);
	assert_int_equal(after.st_ino, before.st_ino);
	two = modules_of_mapping(fx->mods, fx->path_id, &second, 0, 0);
	assert_int_not_equal(two, one);
	assert_null(modules_build_id(fx->mods, two));
	expect_global(fx, two, fx->noid_global_off);
}

/*
 * Replaced after the stack saw it but before its names were read: the
 * module's file is gone, so no names and no build-id, rather than the
 * new file's.
 */
static void test_replaced_before_read(void **state)
{
	struct fixture *fx = *state;
	struct aspace_event first = mapping(1), second = mapping(2);
	uint64_t into = 0;
	uint32_t one, two;

	one = modules_of_mapping(fx->mods, fx->path_id, &first, 0, 0);
	replace(fx, SYMFIX_NOID_PATH);
	two = modules_of_mapping(fx->mods, fx->path_id, &second, 0, 0);
	assert_int_not_equal(two, one);
	assert_null(modules_lookup(fx->mods, one, fx->global_off + 5, &into));
	assert_null(modules_lookup(fx->mods, one, fx->noid_global_off + 5, &into));
	assert_null(modules_build_id(fx->mods, one));
	expect_global(fx, two, fx->noid_global_off);
}

/* A path that cannot be stat()ed (gone, "(deleted)"): a module without names, stat()ed once. */
static void test_missing_file(void **state)
{
	struct fixture *fx = *state;
	static const char gone[] = "/nonexistent/libgone.so (deleted)";
	uint32_t path = strtab_intern(fx->paths, gone, strlen(gone));
	struct aspace_event first = mapping(1), second = mapping(2);
	uint64_t into = 0;
	uint32_t id = modules_of_mapping(fx->mods, path, &first, 0, 0);

	assert_int_not_equal(id, 0);
	assert_int_equal(modules_of_mapping(fx->mods, path, &first, 0, 0), id);
	assert_int_equal(stat_calls, 1);
	/* Another mapping of it is the same unknown file. */
	assert_int_equal(modules_of_mapping(fx->mods, path, &second, 0, 0), id);
	assert_null(modules_lookup(fx->mods, id, 0, &into));
	assert_null(modules_build_id(fx->mods, id));
	assert_int_equal(modules_path(fx->mods, id), path);
	/* The real file is another module. */
	assert_int_not_equal(modules_of_mapping(fx->mods, fx->path_id, &first, 0, 0), id);
}

/*
 * Modules from a trace's lines: each a new module, even at one path,
 * with the build-id the trace gives; never stat()ed nor read.
 */
static void test_trace_modules(void **state)
{
	struct fixture *fx = *state;
	uint64_t into = 0;
	uint32_t one = modules_add(fx->mods, fx->path_id, "abcd");
	uint32_t two = modules_add(fx->mods, fx->path_id, NULL);

	assert_int_equal(one, 1);
	assert_int_equal(two, 2);
	assert_string_equal(modules_build_id(fx->mods, one), "abcd");
	assert_null(modules_build_id(fx->mods, two));
	assert_int_equal(modules_path(fx->mods, two), fx->path_id);
	assert_null(modules_lookup(fx->mods, one, fx->global_off + 5, &into));
	assert_int_equal(stat_calls, 0);
}

/* Ids the table does not have: nothing, and no crash. */
static void test_unknown_ids(void **state)
{
	struct fixture *fx = *state;
	struct aspace_event first = mapping(1);
	const uint32_t ids[] = { 0, 2, UINT32_MAX };
	uint64_t into = 0;

	assert_int_equal(modules_of_mapping(fx->mods, fx->path_id, &first, 0, 0), 1);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		assert_int_equal(modules_path(fx->mods, ids[i]), 0);
		assert_null(modules_build_id(fx->mods, ids[i]));
		assert_null(modules_debug_file(fx->mods, ids[i]));
		assert_null(modules_lookup(fx->mods, ids[i], fx->global_off, &into));
	}
	modules_free(NULL);
}

/* Many mappings of one file (the cache grows and rehashes): each stat()ed once, one module. */
static void test_many_mappings(void **state)
{
	struct fixture *fx = *state;
	enum { MANY = 5000 };

	for (int round = 0; round < 2; round++) {
		for (uint64_t n = 1; n <= MANY; n++) {
			struct aspace_event origin = mapping(n);

			assert_int_equal(modules_of_mapping(fx->mods, fx->path_id, &origin, 0, 0),
					 1);
		}
		assert_int_equal(stat_calls, MANY);
	}
	assert_int_equal(modules_count(fx->mods), 1);
}

/*
 * A mapping of a live process: its file is opened through the process
 * (what it maps, whatever is at the path now), never stat()ed at the
 * path, and read from what was opened.  The file replaced at its path
 * while mapped is still the mapped one through /proc/PID/map_files (the
 * same module, named from it); without map_files (no CAP_SYS_ADMIN) the
 * path holds another file, so it is a file found nowhere: a module that
 * is never read.  So is an address where nothing is mapped.
 */
static void test_through_process(void **state)
{
	struct fixture *fx = *state;
	struct aspace_event first = mapping(1), second = mapping(2), third = mapping(3);
	uint32_t id, again;
	char link[64];
	bool map_files;
	void *map;
	int fd;

	if (unittest_emulator()) {
		print_message("under %s: /proc is the emulator's, not checked\n",
			      unittest_emulator());
		skip();
	}
	fd = open(fx->path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(close(fd), 0);
	(void)snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx", (unsigned long)map,
		       (unsigned long)map + 4096);
	fd = open(link, O_RDONLY | O_CLOEXEC);
	map_files = fd >= 0;
	if (fd >= 0)
		assert_int_equal(close(fd), 0);
	id = modules_of_mapping(fx->mods, fx->path_id, &first, getpid(), (uint64_t)map);
	replace(fx, SYMFIX_NOID_PATH);
	again = modules_of_mapping(fx->mods, fx->path_id, &second, getpid(), (uint64_t)map);
	if (map_files) {
		assert_int_equal(again, id);
	} else {
		assert_int_not_equal(again, id);
		assert_null(modules_cfi(fx->mods, again));
	}
	expect_global(fx, id, fx->global_off);
	assert_string_equal(modules_build_id(fx->mods, id), fx->build_id);
	assert_non_null(modules_cfi(fx->mods, id));
	assert_int_equal(munmap(map, 4096), 0);

	/* Nothing mapped there now: no module that could be read. */
	id = modules_of_mapping(fx->mods, fx->path_id, &third, getpid(), (uint64_t)map);
	assert_null(modules_cfi(fx->mods, id));
	assert_null(modules_build_id(fx->mods, id));
	assert_int_equal(stat_calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_stat_per_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_file_one_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaced_by_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaced_before_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_mappings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_through_process, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
