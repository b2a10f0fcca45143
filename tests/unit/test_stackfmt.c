/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the report's sites (report/stackfmt.c, stackfmt_site):
 * the allocator's leading frames fold into the last of them, the site
 * ends at main or start_thread, at most max frames then " < ...", and
 * each name loses its C++ parameters and its symbol version.  Frames are
 * named with stackfmt_preset(), as a trace read back names them, so no
 * file is symbolized here; some with functions inlined into them, shown
 * by --events too.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../report/stackfmt.h"

struct fixture {
	struct strtab *paths;
	struct modules *mods;
	struct stacks *stacks;
	struct stackfmt *fmt;
	uint32_t libc, prog;  /* module ids */
	uint64_t next_offset; /* each frame named at an offset of its own: names are cached by it */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->paths = strtab_new();
	fx->mods = modules_new(fx->paths);
	fx->stacks = stacks_new();
	fx->fmt = stackfmt_new(fx->paths, fx->mods);
	/* Modules as a trace's module lines make them: named by the trace, never read. */
	fx->libc = modules_add(fx->mods, strtab_intern(fx->paths, "/lib/libc.so.6", 14), NULL);
	fx->prog = modules_add(fx->mods, strtab_intern(fx->paths, "/usr/bin/prog", 13), NULL);
	fx->next_offset = 0x1000;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	stackfmt_free(fx->fmt);
	stacks_free(fx->stacks);
	modules_free(fx->mods);
	strtab_free(fx->paths);
	free(fx);
	return 0;
}

/*
 * A frame: the module it lies in (0: none), its function's name (NULL: no
 * symbol), and where: its offset in the file, or its address when no
 * file holds it (0: anywhere).
 */
struct frame {
	uint32_t path; /* a module id */
	const char *name;
	uint64_t at;
};

/* A frame at an offset of its own; one at a given offset, or address. */
#define F(path, name)         \
	{                     \
		path, name, 0 \
	}
#define AT(path, name, at)     \
	{                      \
		path, name, at \
	}

#define MAX_FRAMES 16

/* The stack of frames[0..n) (innermost first), named as the trace reader names them. */
static uint32_t stack_of(struct fixture *fx, const struct frame *frames, size_t n)
{
	uint64_t addrs[MAX_FRAMES], offsets[MAX_FRAMES];
	uint32_t paths[MAX_FRAMES];

	assert_true(n <= MAX_FRAMES);
	for (size_t i = 0; i < n; i++) {
		paths[i] = frames[i].path;
		offsets[i] = 0;
		addrs[i] = frames[i].at;
		if (frames[i].path) {
			offsets[i] = frames[i].at ? frames[i].at : (fx->next_offset += 0x100);
			addrs[i] = 0x7f0000000000ULL + offsets[i];
			stackfmt_preset(fx->fmt, paths[i], offsets[i], i > 0, frames[i].name, 0x10,
					NULL, 0);
		}
	}
	return stacks_intern_located(fx->stacks, addrs, paths, offsets, n);
}

/* Fails unless the site of frames[0..n), at most max frames, reads want. */
static void check_site(struct fixture *fx, const struct frame *frames, size_t n, size_t max,
		       const char *want)
{
	char *got = stackfmt_site(fx->fmt, fx->stacks, stack_of(fx, frames, n), max);
	bool same = strcmp(got, want) == 0;

	if (!same)
		print_error("expected: %s\ngot:      %s\n", want, got);
	free(got);
	if (!same)
		fail_msg("the site differs");
}

#define CHECK_SITE(fx, max, want, ...)                                                        \
	check_site(fx, (const struct frame[]){ __VA_ARGS__ },                                 \
		   sizeof((const struct frame[]){ __VA_ARGS__ }) / sizeof(struct frame), max, \
		   want)

/*
 * The leading frames in the innermost frame's file (libc's, or
 * whichever) fold into the last of them.
 */
static void test_fold(void **state)
{
	struct fixture *fx = *state;

	CHECK_SITE(fx, 6, "malloc < worker_alloc < worker_main < start_thread", F(fx->libc, "mmap"),
		   F(fx->libc, "alloc_new_heap"), F(fx->libc, "arena_get2"), F(fx->libc, "malloc"),
		   F(fx->prog, "worker_alloc"), F(fx->prog, "worker_main"),
		   F(fx->libc, "start_thread"), F(fx->libc, "clone3"));
	CHECK_SITE(fx, 6, "mmap < worker < main", F(fx->libc, "mmap"), F(fx->prog, "worker"),
		   F(fx->prog, "main"), F(fx->libc, "__libc_start_call_main"));
	/* Whatever the innermost file is: the program's own leading frames fold too. */
	CHECK_SITE(fx, 6, "b < c", F(fx->prog, "a"), F(fx->prog, "b"), F(fx->libc, "c"));
	/* All in one file: nothing to fold into, every frame shown. */
	CHECK_SITE(fx, 6, "mmap < _dl_map_object < _dl_start", F(fx->libc, "mmap"),
		   F(fx->libc, "_dl_map_object"), F(fx->libc, "_dl_start"));
	/* The innermost frame in no file: no folding either. */
	CHECK_SITE(fx, 6, "0x7f3a1c002000 < jit_alloc < main", AT(0, NULL, 0x7f3a1c002000),
		   F(fx->prog, "jit_alloc"), F(fx->prog, "main"));
}

/*
 * Beyond the innermost file's frames, an allocator's or a runtime's
 * (runtime.h: by their file, or by their names where they are linked
 * into the program) fold too, into the outermost of them: the call the
 * program made.
 */
static void test_runtime_fold(void **state)
{
	struct fixture *fx = *state;
	uint32_t jemalloc =
		modules_add(fx->mods, strtab_intern(fx->paths, "/lib/libjemalloc.so.2", 21), NULL);
	uint32_t cxx =
		modules_add(fx->mods, strtab_intern(fx->paths, "/lib/libstdc++.so.6", 19), NULL);
	uint32_t ld = modules_add(
		fx->mods, strtab_intern(fx->paths, "/lib64/ld-linux-x86-64.so.2", 27), NULL);

	/* A stripped library: its frames have no names, its file says whose they are. */
	CHECK_SITE(fx, 6, "malloc < worker_alloc < main", F(fx->libc, "mmap"), F(jemalloc, NULL),
		   F(jemalloc, NULL), F(jemalloc, "malloc"), F(fx->prog, "worker_alloc"),
		   F(fx->prog, "main"));
	CHECK_SITE(fx, 6, "operator new < Buffer::grow < main", F(fx->libc, "mmap"),
		   F(fx->libc, "malloc"), F(cxx, "operator new(unsigned long)"),
		   F(fx->prog, "Buffer::grow()"), F(fx->prog, "main"));
	/* jemalloc linked into the program with its je_ prefix, as redis does. */
	CHECK_SITE(fx, 6, "je_malloc_default < zmalloc_usable < main", F(fx->libc, "mmap"),
		   F(fx->prog, "je_pages_map"), F(fx->prog, "je_extent_alloc_wrapper"),
		   F(fx->prog, "je_malloc_default"), F(fx->prog, "zmalloc_usable"),
		   F(fx->prog, "main"));
	/* Go, all in the program's file: the runtime's frames by their names. */
	CHECK_SITE(fx, 6, "runtime.mallocgc < main.fill < main.main", F(fx->prog, "runtime.mmap"),
		   F(fx->prog, "runtime.sysMap"), F(fx->prog, "runtime.(*mheap).grow"),
		   F(fx->prog, "runtime.mallocgc"), F(fx->prog, "main.fill"),
		   F(fx->prog, "main.main"), F(fx->prog, "runtime.main"));
	/* Nothing but the runtime: every frame shown... */
	CHECK_SITE(fx, 6, "runtime.mmap < runtime.sysReserve < runtime.schedinit",
		   F(fx->prog, "runtime.mmap"), F(fx->prog, "runtime.sysReserve"),
		   F(fx->prog, "runtime.schedinit"));
	/* ...from the function that made the memory, when a rule names one. */
	CHECK_SITE(fx, 6, "runtime.(*mheap).grow < runtime.systemstack",
		   F(fx->prog, "runtime.sysMmap"), F(fx->prog, "runtime.sysMap"),
		   F(fx->prog, "runtime.(*mheap).grow"), F(fx->prog, "runtime.systemstack"));
	/* The loader's frames, then libc's dlopen: the program called dlopen. */
	CHECK_SITE(fx, 6, "dlopen < load_plugin < main", F(ld, "mmap"), F(ld, "_dl_map_object"),
		   F(fx->libc, "dlopen"), F(fx->prog, "load_plugin"), F(fx->prog, "main"));
	/* Never past main: libc's start-up frames are no allocator's. */
	CHECK_SITE(fx, 6, "main", F(fx->prog, "raw_mmap"), F(fx->prog, "main"),
		   F(fx->libc, "__libc_start_call_main"), F(fx->libc, "__libc_start_main"),
		   F(fx->prog, "_start"));
	/* A frame without a name is matched by its file alone: runtime.so is no Go. */
	assert_null(stackfmt_runtime(
		fx->fmt, fx->stacks,
		stack_of(fx,
			 (const struct frame[]){
				 F(modules_add(fx->mods,
					       strtab_intern(fx->paths, "/x/runtime.so", 13), NULL),
				   NULL),
				 F(fx->prog, "main") },
			 2)));
	/* A name that only contains a runtime's prefix is the program's. */
	CHECK_SITE(fx, 6, "mmap < my_runtime.init < main", F(fx->libc, "mmap"),
		   F(fx->prog, "my_runtime.init"), F(fx->prog, "main"));
}

/* The id of the stack of these frames. */
#define STACK_OF(fx, ...)                                   \
	stack_of(fx, (const struct frame[]){ __VA_ARGS__ }, \
		 sizeof((const struct frame[]){ __VA_ARGS__ }) / sizeof(struct frame))
#define MAKER(fx, ...) stackfmt_maker((fx)->fmt, (fx)->stacks, STACK_OF(fx, __VA_ARGS__))

/*
 * Who made a call's memory: the innermost frame a runtime's rule names,
 * else the program when its own code called the wrapper, else not known.
 */
static void test_maker(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(MAKER(fx, F(fx->libc, "mmap"), F(fx->libc, "alloc_new_heap"),
			       F(fx->libc, "_int_new_arena"), F(fx->libc, "malloc"),
			       F(fx->prog, "worker")),
			 ASPACE_MAKER_ARENA);
	assert_int_equal(
		MAKER(fx, F(fx->libc, "mmap"), F(fx->prog, "chunk_alloc"), F(fx->prog, "main")),
		ASPACE_MAKER_PROGRAM);
	/* libc without its symbols: its frames tell nothing, the shape will. */
	assert_int_equal(MAKER(fx, F(fx->libc, "mmap"), F(fx->libc, NULL), F(fx->libc, "malloc"),
			       F(fx->prog, "worker")),
			 ASPACE_MAKER_UNKNOWN);
	assert_int_equal(MAKER(fx, F(fx->libc, "mmap"), F(fx->libc, "allocate_stack"),
			       F(fx->libc, "pthread_create@@GLIBC_2.34"), F(fx->prog, "main")),
			 ASPACE_MAKER_THREAD);
	assert_int_equal(MAKER(fx, F(fx->prog, "runtime.sysMmap"), F(fx->prog, "runtime.sysMap"),
			       F(fx->prog, "runtime.(*mheap).grow"),
			       F(fx->prog, "runtime.mallocgc")),
			 ASPACE_MAKER_HEAP);
	/* V8's pages, the Java heap, pymalloc's arenas: their runtimes' heaps. */
	assert_int_equal(MAKER(fx, F(fx->libc, "mmap"), F(fx->prog, "v8::base::OS::Allocate"),
			       F(fx->prog, "v8::internal::MemoryAllocator::AllocateAlignedMemory"),
			       F(fx->prog, "main")),
			 ASPACE_MAKER_HEAP);
	assert_int_equal(MAKER(fx, F(fx->libc, "mmap"), F(fx->prog, "os::commit_memory_or_exit"),
			       F(fx->prog, "G1PageBasedVirtualSpace::commit"), F(fx->prog, "main")),
			 ASPACE_MAKER_HEAP);
	assert_int_equal(MAKER(fx, F(fx->libc, "mmap"), F(fx->prog, "_PyObject_ArenaMmap"),
			       F(fx->prog, "new_arena"), F(fx->prog, "main")),
			 ASPACE_MAKER_HEAP);
	/* No stack: not known. */
	assert_int_equal(stackfmt_maker(fx->fmt, fx->stacks, 0), ASPACE_MAKER_UNKNOWN);
	/* A Go program's own mmap, through the syscall package: the program's. */
	assert_int_equal(MAKER(fx, F(fx->prog, "runtime/internal/syscall.Syscall6"),
			       F(fx->prog, "syscall.RawSyscall6"), F(fx->prog, "syscall.mmap"),
			       F(fx->prog, "syscall.Mmap"), F(fx->prog, "main.f")),
			 ASPACE_MAKER_PROGRAM);
	/* A static glibc's malloc, known by its names: not the program's. */
	assert_int_equal(MAKER(fx, F(fx->prog, "__mmap"), F(fx->prog, "sysmalloc"),
			       F(fx->prog, "_int_malloc"), F(fx->prog, "malloc"),
			       F(fx->prog, "main")),
			 ASPACE_MAKER_UNKNOWN);
	/* A caller without a name says nothing. */
	assert_int_equal(MAKER(fx, F(fx->libc, "mmap"), F(fx->prog, NULL), F(fx->prog, "main")),
			 ASPACE_MAKER_UNKNOWN);
}

#define PART(fx, ...) stackfmt_maker_part((fx)->fmt, (fx)->stacks, STACK_OF(fx, __VA_ARGS__))

/*
 * The part of a runtime's memory a call made, by its innermost frame a
 * rule names: the JVM's class space, reserved through ReservedSpace like
 * the rest; V8's code range, reserved through the VirtualMemoryCage its
 * pointer cage is reserved through too; none for glibc's arenas.
 */
static void test_maker_part(void **state)
{
	struct fixture *fx = *state;
	const struct runtime_maker_rule *rule;

	rule = PART(fx, F(fx->libc, "mmap"), F(fx->prog, "os::reserve_memory"),
		    F(fx->prog, "ReservedSpace::reserve"),
		    F(fx->prog, "ReservedSpace::ReservedSpace"),
		    F(fx->prog, "Metaspace::reserve_address_space_for_compressed_classes"),
		    F(fx->prog, "MetaspaceShared::map_archives"), F(fx->prog, "JavaMain"));
	assert_non_null(rule);
	assert_string_equal(rule->part, "class space");
	assert_string_equal(rule->knob, "-XX:CompressedClassSpaceSize bounds it.");
	rule = PART(fx, F(fx->libc, "mmap"), F(fx->prog, "os::commit_memory"),
		    F(fx->prog, "VirtualSpace::expand_by"), F(fx->prog, "CodeHeap::expand_by"),
		    F(fx->prog, "CodeCache::allocate"), F(fx->prog, "JavaMain"));
	assert_non_null(rule);
	assert_string_equal(rule->part, "code cache");
	rule = PART(fx, F(fx->libc, "mmap"), F(fx->prog, "v8::base::OS::Allocate"),
		    F(fx->prog, "v8::internal::VirtualMemory::VirtualMemory"),
		    F(fx->prog, "v8::internal::VirtualMemoryCage::InitReservation"),
		    F(fx->prog, "v8::internal::CodeRange::InitReservation"),
		    F(fx->prog, "v8::internal::Heap::SetUp"), F(fx->prog, "main"));
	assert_non_null(rule);
	assert_string_equal(rule->part, "code range");
	assert_non_null(strstr(rule->knob, "--jitless"));
	/* glibc's arena rule names no part. */
	assert_null(PART(fx, F(fx->libc, "mmap"), F(fx->libc, "alloc_new_heap"),
			 F(fx->libc, "_int_new_arena"), F(fx->libc, "malloc"),
			 F(fx->prog, "worker")));
	/* The program's own mapping: no rule. */
	assert_null(PART(fx, F(fx->libc, "mmap"), F(fx->prog, "chunk_alloc"), F(fx->prog, "main")));
}

/*
 * An allocator whose every mapping is its heap made it, whoever called
 * it (libc's bindtextdomain, through malloc), and is named as its maker.
 */
static void test_maker_heap(void **state)
{
	struct fixture *fx = *state;
	uint32_t jemalloc =
		modules_add(fx->mods, strtab_intern(fx->paths, "/lib/libjemalloc.so.2", 21), NULL);
	uint32_t id = stack_of(
		fx,
		(const struct frame[]){ F(fx->libc, "mmap"), F(jemalloc, NULL), F(jemalloc, NULL),
					F(fx->libc, "bindtextdomain"), F(fx->prog, "main") },
		5);
	const struct runtime_desc *by;

	assert_int_equal(stackfmt_maker(fx->fmt, fx->stacks, id), ASPACE_MAKER_HEAP);
	by = stackfmt_maker_runtime(fx->fmt, fx->stacks, id);
	assert_non_null(by);
	assert_string_equal(by->name, "jemalloc");
	/* The site is the call the program made: into libc. */
	assert_ptr_equal(stackfmt_runtime(fx->fmt, fx->stacks, id), &runtime_glibc);
	/* glibc's malloc maps no heap of its own but its arenas': not known. */
	id = stack_of(fx,
		      (const struct frame[]){ F(fx->libc, "mmap"), F(fx->libc, NULL),
					      F(fx->libc, "malloc"), F(fx->prog, "main") },
		      4);
	assert_int_equal(stackfmt_maker(fx->fmt, fx->stacks, id), ASPACE_MAKER_UNKNOWN);
	assert_null(stackfmt_maker_runtime(fx->fmt, fx->stacks, id));
}

/* main and start_thread end a site; past max frames, " < ...". */
static void test_ends_and_max(void **state)
{
	struct fixture *fx = *state;

	CHECK_SITE(fx, 6, "malloc < f < main", F(fx->libc, "mmap"), F(fx->libc, "malloc"),
		   F(fx->prog, "f"), F(fx->prog, "main"), F(fx->libc, "__libc_start_main"),
		   F(fx->prog, "_start"));
	CHECK_SITE(fx, 3, "malloc < f1 < f2 < ...", F(fx->libc, "mmap"), F(fx->libc, "malloc"),
		   F(fx->prog, "f1"), F(fx->prog, "f2"), F(fx->prog, "f3"), F(fx->prog, "main"));
	/* Exactly max frames, the last main: whole. */
	CHECK_SITE(fx, 3, "malloc < f1 < main", F(fx->libc, "mmap"), F(fx->libc, "malloc"),
		   F(fx->prog, "f1"), F(fx->prog, "main"));
	/* A name that only starts with main is no end. */
	CHECK_SITE(fx, 6, "mmap < main_loop < main", F(fx->prog, "mmap"), F(fx->prog, "main_loop"),
		   F(fx->prog, "main"));
}

/*
 * Names are cut at their parameters and symbol version: the first '('
 * or '@' outside template arguments that does not follow a '.' or a
 * ':'; operator() keeps its own.  A frame without a symbol is its file
 * and offset, whole.
 */
static void test_names(void **state)
{
	struct fixture *fx = *state;

	CHECK_SITE(fx, 6, "pthread_create < ns::Pool::grow < main",
		   F(fx->libc, "pthread_create@@GLIBC_2.34"),
		   F(fx->prog, "ns::Pool::grow(unsigned long, bool) const"), F(fx->prog, "main"));
	CHECK_SITE(fx, 6, "std::vector<int>::push_back < Run<f(int)>::go < Task::operator() < main",
		   F(fx->prog, "std::vector<int>::push_back(int const&)"),
		   F(fx->prog, "Run<f(int)>::go(int)"), F(fx->prog, "Task::operator()()"),
		   F(fx->prog, "main"));
	/* Parentheses inside a name: Go's receivers, C++'s anonymous namespaces. */
	CHECK_SITE(fx, 6,
		   "runtime.(*pageAlloc).sysInit < v8::internal::(anonymous namespace)::Run < main",
		   F(fx->prog, "runtime.(*pageAlloc).sysInit"),
		   F(fx->prog, "v8::internal::(anonymous namespace)::Run(int)"),
		   F(fx->prog, "main"));
	/* Its offset shown from the address itself: a return address is one past the looked-up. */
	CHECK_SITE(fx, 6, "prog+0x21100 < main", AT(fx->prog, NULL, 0x21100), F(fx->prog, "main"));
	CHECK_SITE(fx, 6, "f < prog+0x22101 < main", F(fx->prog, "f"), AT(fx->prog, NULL, 0x22100),
		   F(fx->prog, "main"));
}

/*
 * Inlined functions: in a site, frames of their own, but those inlined
 * into the frame the allocator's fold into (they are the library's);
 * each on a line of its own in --events, with its file and line; not on
 * the one-line form, whose entries are frames with offsets.
 */
static void test_inlined(void **state)
{
	static const struct srclines_frame create[] = {
		{ "allocate_stack", NULL, "./nptl/allocatestack.c", 366 },
		{ NULL, NULL, "./nptl/pthread_create.c", 650 },
	};
	static const struct srclines_frame spawn[] = {
		{ "start_one", NULL, "/src/w.c", 12 },
		{ "start_all", "_Z9start_allv", "/src/w.c", 20 },
		{ NULL, NULL, "/src/w.c", 31 },
	};
	struct fixture *fx = *state;
	uint64_t addrs[] = { 0x7f0000001010, 0x7f0000002010, 0x7f0000003010, 0x7f0000004010 };
	uint64_t offsets[] = { 0x1010, 0x200f, 0x300f, 0x400f };
	uint32_t mods[] = { fx->libc, fx->libc, fx->prog, fx->prog };
	char *site, *text = NULL;
	size_t len = 0;
	uint32_t id;
	FILE *out;

	stackfmt_preset(fx->fmt, fx->libc, 0x1010, false, "mmap", 0x13, create, 2);
	stackfmt_preset(fx->fmt, fx->libc, 0x200f, true, "__pthread_create_2_1", 0x980, create, 2);
	stackfmt_preset(fx->fmt, fx->prog, 0x300f, true, "spawn", 0x1b, spawn, 3);
	stackfmt_preset(fx->fmt, fx->prog, 0x400f, true, "main", 0x25, NULL, 0);
	id = stacks_intern_located(fx->stacks, addrs, mods, offsets, 4);
	site = stackfmt_site(fx->fmt, fx->stacks, id, 6);
	assert_string_equal(site, "__pthread_create_2_1 < start_one < start_all < spawn < main");
	free(site);
	/* max counts frames: a frame's inlined functions come with it. */
	site = stackfmt_site(fx->fmt, fx->stacks, id, 2);
	assert_string_equal(site, "__pthread_create_2_1 < start_one < start_all < spawn < ...");
	free(site);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	stackfmt_write(fx->fmt, out, fx->stacks, id);
	stackfmt_write_line(fx->fmt, out, fx->stacks, id, 6);
	assert_int_equal(fclose(out), 0);
	assert_string_equal(text,
			    "    > allocate_stack (inlined) allocatestack.c:366 (libc.so.6)\n"
			    "    > mmap+0x13 pthread_create.c:650 (libc.so.6)\n"
			    "    > allocate_stack (inlined) allocatestack.c:366 (libc.so.6)\n"
			    "    > __pthread_create_2_1+0x981 pthread_create.c:650 (libc.so.6)\n"
			    "    > start_one (inlined) w.c:12 (prog)\n"
			    "    > start_all (inlined) w.c:20 (prog)\n"
			    "    > spawn+0x1c w.c:31 (prog)\n"
			    "    > main+0x26 (prog)\n"
			    "mmap+0x13 < __pthread_create_2_1+0x981 < spawn+0x1c < main+0x26");
	free(text);
}

/* A stack without frames, or an id the table does not have: "". */
static void test_empty(void **state)
{
	struct fixture *fx = *state;
	char *site = stackfmt_site(fx->fmt, fx->stacks, 0, 6);

	assert_string_equal(site, "");
	free(site);
	site = stackfmt_site(fx->fmt, fx->stacks, 77, 6);
	assert_string_equal(site, "");
	free(site);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_fold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maker_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maker_heap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ends_and_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inlined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
