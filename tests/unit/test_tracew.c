/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the trace writer (report/tracew.c) against its reader
 * (report/traceread.c): a process built by hand -- its calls applied to a
 * model, counted for churn, each written as an event; its stacks in two
 * ELF files (the symbolizer's fixture, tests/unit/fixtures/symfix.S, and
 * its copy without a build-id), in no file, and in a file that is gone;
 * its resident figures and heap walk -- is written as a trace, plain and
 * gzip, and `memtrace report` of that trace must print the report the
 * live run prints, byte for byte, at any width.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/audit.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "../../report/churn.h"
#include "../../report/msgs.h"
#include "../../report/report.h"
#include "../../report/traceread.h"
#include "../../report/tracew.h"
#include "unittest.h"

#ifndef SYMFIX_PATH
#error "SYMFIX_PATH and SYMFIX_NOID_PATH: the fixture libraries, set by tests/CMakeLists.txt"
#endif

#define MIB (1ULL << 20)
#define ARENA (64 * MIB)
#define RW (PROT_READ | PROT_WRITE)
#define USEC 1000ULL
#define CHURN_NS 1000000ULL

struct fixture {
	struct strtab *paths;
	struct modules *mods;
	struct stacks *stacks;
	struct stackfmt *fmt;
	struct aspace *as;
	struct churn *churn;
	struct aspace_changes changes;
	struct report_proc proc;
	struct tracew *trace;
	uint64_t seq;
	char dir[64];
	char path[96];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->paths = strtab_new();
	fx->mods = modules_new(fx->paths);
	fx->stacks = stacks_new();
	fx->fmt = stackfmt_new(fx->paths, fx->mods);
	fx->as = aspace_new();
	fx->churn = churn_new(CHURN_NS);
	fx->proc = (struct report_proc){ .pid = 4242,
					 .exe = "/usr/bin/prog",
					 .end = { .how = NAMES_END_EXITED } };
	(void)snprintf(fx->dir, sizeof(fx->dir), "/tmp/memtrace-test-tracew-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	(void)unlink(fx->path);
	(void)rmdir(fx->dir);
	tracew_free(fx->trace);
	churn_free(fx->churn);
	aspace_changes_free(&fx->changes);
	aspace_free(fx->as);
	stackfmt_free(fx->fmt);
	stacks_free(fx->stacks);
	modules_free(fx->mods);
	strtab_free(fx->paths);
	free(fx);
	return 0;
}

/* The module of the file at path, as a mapping of it makes it (one that is not there: never read). */
static uint32_t module_of(struct fixture *fx, const char *path)
{
	uint32_t path_id = strtab_intern(fx->paths, path, strlen(path));
	struct symbols_identity id;
	struct stat st;

	if (stat(path, &st) < 0)
		return modules_intern(fx->mods, path_id, NULL);
	symbols_identity_of(&st, &id);
	return modules_intern(fx->mods, path_id, &id);
}

/* The file offset of the start of function name in the ELF file at path, found by its symbolizer. */
static uint64_t offset_of(struct fixture *fx, const char *path, const char *name)
{
	uint32_t module = module_of(fx, path);

	for (uint64_t offset = 0; offset < 0x10000; offset++) {
		uint64_t into = 1;
		const char *found = modules_lookup(fx->mods, module, offset, &into);

		if (found && !strcmp(found, name) && into == 0)
			return offset;
	}
	fail_msg("%s has no %s", path, name);
	return 0;
}

/* A frame of a hand-built stack: in the file at path (NULL: none), in function name (NULL: none). */
struct frame {
	const char *path;
	const char *name;
	uint64_t at; /* the offset in its function; or the offset in the file, or the address */
};

#define MAX_FRAMES 8

/* The stack of frames[0..n), innermost first, located as unwind_capture() locates them. */
static uint32_t stack_of(struct fixture *fx, const struct frame *frames, size_t n)
{
	uint64_t addrs[MAX_FRAMES], offsets[MAX_FRAMES];
	uint32_t paths[MAX_FRAMES];

	for (size_t i = 0; i < n; i++) {
		paths[i] = frames[i].path ? module_of(fx, frames[i].path) : 0;
		offsets[i] = paths[i] ? frames[i].at : 0;
		if (frames[i].name)
			offsets[i] += offset_of(fx, frames[i].path, frames[i].name);
		/* The program counter, or a return address: one past the looked-up byte. */
		addrs[i] = paths[i] ? 0x7f0000000000ULL + offsets[i] + (i > 0) : frames[i].at;
	}
	return stacks_intern_located(fx->stacks, addrs, paths, offsets, n);
}

#define STACK(fx, ...)                                      \
	stack_of(fx, (const struct frame[]){ __VA_ARGS__ }, \
		 sizeof((const struct frame[]){ __VA_ARGS__ }) / sizeof(struct frame))

/* A call: decoded, applied to the model as the engine applies it, counted, written. */
struct call {
	uint64_t nr;
	uint64_t args[6];
	uint32_t stack;
	uint64_t time_ns;
	int64_t rval;
	const char *fd_path;
};

static void do_call(struct fixture *fx, const struct call *c, const struct aspace_region *tmpl)
{
	struct aspace_event ev = { .seq = ++fx->seq,
				   .tid = fx->proc.pid,
				   .stack_id = c->stack,
				   .kind = ASPACE_ORIGIN_CALL,
				   .time_ns = c->time_ns };
	struct sysdecode_call decoded;
	struct engine_call call = { .seq = ev.seq,
				    .time_ns = c->time_ns,
				    .pid = fx->proc.pid,
				    .tid = fx->proc.pid,
				    .stack_id = c->stack,
				    .call = &decoded,
				    .fd_path = c->fd_path,
				    .finished = true,
				    .rval = c->rval,
				    .changes = &fx->changes };
	uint64_t start = (uint64_t)c->rval;

	assert_int_equal(sysdecode_entry(&decoded, UNITTEST_ARCH, c->nr, c->args), 0);
	aspace_changes_reset(&fx->changes);
	switch (decoded.ent->kind) {
	case SYSDECODE_MMAP:
		aspace_map(fx->as, &ev, start, c->args[1], tmpl, &fx->changes);
		break;
	case SYSDECODE_MUNMAP:
		aspace_unmap(fx->as, &ev, c->args[0], c->args[1], &fx->changes);
		break;
	case SYSDECODE_MPROTECT:
		aspace_protect(fx->as, &ev, c->args[0], c->args[1], (unsigned int)c->args[2],
			       &fx->changes);
		break;
	case SYSDECODE_BRK:
		aspace_brk(fx->as, &ev, (uint64_t)c->rval, &fx->changes);
		break;
	default:
		fail_msg("a call this test does not apply");
	}
	churn_apply(fx->churn, c->time_ns, &fx->changes);
	fx->proc.calls[decoded.ent->kind]++;
	tracew_event(fx->trace, &call, fx->as);
}

static void anon_mmap(struct fixture *fx, uint64_t addr, uint64_t len, unsigned int prot,
		      unsigned int flags, uint32_t stack, uint64_t time_ns)
{
	struct aspace_region tmpl = { .prot = prot, .flags = flags };
	const struct call c = { SYS_mmap,
				{ 0, len, prot,
				  MAP_PRIVATE | MAP_ANONYMOUS |
					  (flags & ASPACE_NORESERVE ? MAP_NORESERVE : 0),
				  (uint64_t)-1, 0 },
				stack,
				time_ns,
				(int64_t)addr,
				NULL };

	do_call(fx, &c, &tmpl);
}

static void munmap_at(struct fixture *fx, uint64_t addr, uint64_t len, uint32_t stack,
		      uint64_t time_ns)
{
	const struct call c = { SYS_munmap, { addr, len }, stack, time_ns, 0, NULL };

	do_call(fx, &c, NULL);
}

static void mprotect_at(struct fixture *fx, uint64_t addr, uint64_t len, unsigned int prot,
			uint32_t stack, uint64_t time_ns)
{
	const struct call c = { SYS_mprotect, { addr, len, prot }, stack, time_ns, 0, NULL };

	do_call(fx, &c, NULL);
}

/* glibc's new_heap: 128 MiB PROT_NONE, the unaligned head and tail trimmed, 132 KiB made RW. */
static void arena(struct fixture *fx, uint64_t aligned, uint32_t stack, uint64_t time_ns)
{
	anon_mmap(fx, aligned - 16 * MIB, 2 * ARENA, PROT_NONE, ASPACE_NORESERVE, stack, time_ns);
	munmap_at(fx, aligned - 16 * MIB, 16 * MIB, stack, time_ns + USEC);
	munmap_at(fx, aligned + ARENA, ARENA - 16 * MIB, stack, time_ns + 2 * USEC);
	mprotect_at(fx, aligned, 132 * 1024ULL, RW, stack, time_ns + 3 * USEC);
}

/* What the live run does at the end: snapshot, findings, summary. */
static void finish(struct fixture *fx, const struct report_input *in)
{
	struct report *rep = report_compute(in, fx->fmt, fx->stacks);

	tracew_snapshot(fx->trace, in, "final", 900 * USEC);
	tracew_findings(fx->trace, in, rep);
	tracew_summary(fx->trace, in, 1000 * USEC);
	assert_int_equal(tracew_finish(fx->trace), 0);
	report_free(rep);
}

/* The report of in as the live run prints it, at width. */
static char *live_report(struct fixture *fx, const struct report_input *in, size_t width)
{
	const struct report_options opts = { .top = 10, .churn_ns = CHURN_NS, .width = width };
	struct report *rep = report_compute(in, fx->fmt, fx->stacks);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	report_print(out, rep, in, &opts);
	assert_int_equal(fclose(out), 0);
	report_free(rep);
	return text;
}

/* The report of the trace at path, as memtrace report prints it, at width. */
static char *read_report(const char *path, size_t width)
{
	const struct report_options opts = { .top = 10, .width = width };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct msgs msgs = { 0 };
	struct trace *trace;

	assert_non_null(out);
	assert_int_equal(traceread_open(path, 0, false, &trace, &msgs), 0);
	/* A whole trace: nothing to warn of. */
	assert_int_equal(msgs.nwarnings, 0);
	traceread_print(trace, out, &opts);
	traceread_free(trace);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void check_same(const char *live, const char *read)
{
	if (strcmp(live, read) != 0) {
		/* Whole, on stderr: print_error() cuts long messages. */
		(void)fprintf(stderr, "live run:\n%s\nread back:\n%s\n", live, read);
		fail_msg("the report read back differs");
	}
}

/* The resident figures and the heap walk of the process run_process() writes. */
static const struct mm_usage run_usage[] = {
	{ 0x7e0000000000ULL, 0x7e0000021000ULL, 0x21000, 0x21000, 0, false },
	{ 0x7f0000000000ULL, 0x7f0000021000ULL, 0x8000, 0x8000, 0x1000, false },
	{ 0x7f0900000000ULL, 0x7f0900001000ULL, 0x1000, 0x1000, 0, false }, /* no region */
	{ 0x7f1000000000ULL, 0x7f1000200000ULL, 0x100000, 0, 0, true },
};
static const struct mallocheap_info run_heap = { .size = 4 * MIB,
						 .free_bytes = 3 * MIB,
						 .free_chunks = 2,
						 .largest_free = 2 * MIB,
						 .top_size = 0x1000,
						 .last_used_addr = 0x5555553ff000ULL,
						 .last_used_size = 1008,
						 .chunks = 40 };

/* The report of the trace written is the live one, at each width. */
static void compare_reports(struct fixture *fx, const struct report_input *in)
{
	for (size_t width = 0; width <= 120; width += 40) {
		char *live = live_report(fx, in, width);
		char *read = read_report(fx->path, width);

		check_same(live, read);
		free(live);
		free(read);
	}
}

/*
 * The process: two arenas from one site, one grown by another site;
 * mappings unmapped soon by that other one; a thread stack whose thread exited; a file mapping; a brk
 * heap; resident figures, one range outside the model; a heap walk
 * that fires its finding.
 */
static void run_process(struct fixture *fx, bool gzip)
{
	static char prog_arg[] = "/usr/bin/prog", flag_arg[] = "--flag";
	char *const argv[] = { prog_arg, flag_arg, NULL };
	const char *lib = SYMFIX_PATH, *prog = SYMFIX_NOID_PATH;
	/* Through a libc without symbols: who made its arenas is left to their shape. */
	uint32_t by_malloc = STACK(fx, { "/nonexistent/libc.so.6", NULL, 0x1000 },
				   { "/nonexistent/libc.so.6", NULL, 0x1400 },
				   { lib, "symfix_first", 4 }, { lib, "symfix_second", 8 },
				   { prog, "symfix_global", 12 }, { prog, "symfix_outer", 20 });
	uint32_t by_loop = STACK(fx, { prog, "symfix_local", 4 }, { prog, "symfix_alias", 6 });
	uint32_t by_jit = STACK(fx, { NULL, NULL, 0x7f3a1c002000 }, { prog, "symfix_nested", 2 });
	uint32_t by_gone = STACK(fx, { "/nonexistent/libgone.so", NULL, 0x1234 },
				 { prog, "shape::Widget::grow(unsigned long)", 3 });
	const struct report_input in = { .proc = &fx->proc,
					 .as = fx->as,
					 .paths = fx->paths,
					 .churn = fx->churn,
					 .usage = run_usage,
					 .nusage = sizeof(run_usage) / sizeof(run_usage[0]),
					 .heap = &run_heap };
	struct aspace_region file = { .prot = PROT_READ,
				      .flags = ASPACE_SHARED,
				      .backing = ASPACE_BACKING_FILE,
				      .offset = 0x2000 };
	const struct call file_map = {
		SYS_mmap,	  { 0, 2 * MIB, PROT_READ, MAP_SHARED, 3, 0x2000 },
		by_gone,	  300 * USEC,
		0x7f1000000000LL, "/tmp/big.log (deleted)"
	};
	const struct call brk_call = { SYS_brk,	   { 0x555555800000ULL }, 0,
				       400 * USEC, 0x555555800000LL,	  NULL };
	int fd;

	(void)snprintf(fx->path, sizeof(fx->path), "%s/t.json%s", fx->dir, gzip ? ".gz" : "");
	fd = open(fx->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	fx->trace = tracew_new(fd, gzip, fx->paths, fx->mods, fx->stacks, fx->fmt);
	tracew_header(fx->trace, argv, NULL, 0, CHURN_NS);

	arena(fx, 0x7f0000000000ULL, by_malloc, 10 * USEC);
	arena(fx, 0x7f0010000000ULL, by_malloc, 20 * USEC);
	/* The arena grown by a later malloc elsewhere: "protection by". */
	mprotect_at(fx, 0x7f0010021000ULL, 0x10000, RW, by_loop, 30 * USEC);
	for (uint64_t i = 0; i < 3; i++) {
		anon_mmap(fx, 0x7e0000000000ULL, 0x21000, RW, 0, by_loop, (100 + i * 10) * USEC);
		munmap_at(fx, 0x7e0000000000ULL, 0x21000, by_loop, (105 + i * 10) * USEC);
	}
	anon_mmap(fx, 0x7e0000000000ULL, 0x21000, RW, 0, by_loop, 200 * USEC);
	anon_mmap(fx, 0x7f0800000000ULL, 8 * MIB + 4096, PROT_NONE, ASPACE_STACK, by_jit,
		  210 * USEC);
	mprotect_at(fx, 0x7f0800001000ULL, 8 * MIB, RW, by_jit, 211 * USEC);
	assert_int_equal(aspace_set_thread(fx->as, 0x7f0800400000ULL, 4243), 0);
	tracew_thread(fx->trace, fx->proc.pid, 4243, false, 0x7f0800400000ULL, 212 * USEC, fx->as);
	assert_int_equal(aspace_thread_exited(fx->as, 0x7f0800400000ULL, 4243), 0);
	tracew_thread(fx->trace, fx->proc.pid, 4243, true, 0x7f0800400000ULL, 250 * USEC, fx->as);
	file.path = strtab_intern(fx->paths, "/tmp/big.log", 12);
	do_call(fx, &file_map, &file);
	aspace_set_heap(fx->as, 0x555555400000ULL, 0x555555400000ULL);
	do_call(fx, &brk_call, NULL);

	finish(fx, &in);
	tracew_free(fx->trace);
	fx->trace = NULL;
	assert_int_equal(close(fd), 0);

	compare_reports(fx, &in);
}

static void test_plain(void **state)
{
	run_process(*state, false);
}

static void test_gzip(void **state)
{
	run_process(*state, true);
}

/* What the report shows is what the test built: the check above compares something. */
static void test_report_whole(void **state)
{
	struct fixture *fx = *state;
	char *read;

	run_process(fx, false);
	read = read_report(fx->path, 0);
	assert_non_null(strstr(read, "memtrace: [4242] /usr/bin/prog: 20 memory calls (mmap 8, "
				     "munmap 7, mprotect 4, brk 1); exited with 0\n"));
	assert_non_null(strstr(read, "thread stacks: 0 of live threads, 1 of exited ones"));
	assert_non_null(strstr(read, "protection by symfix_local < symfix_alias\n"));
	assert_non_null(strstr(read, "symfix_second < symfix_global < symfix_outer"));
	assert_non_null(strstr(read, "0x7f3a1c002000 < symfix_nested"));
	assert_non_null(strstr(read, "libgone.so+0x1234 < shape::Widget::grow"));
	assert_non_null(strstr(read, "  ! 2 glibc malloc arenas hold 128 MiB"));
	assert_non_null(strstr(read, "  ! 1 mapping of deleted files (2 MiB, 1 MiB resident)"));
	assert_non_null(strstr(read, "  ! the brk heap is 4 MiB"));
	assert_non_null(strstr(read, "3 unmapped within 1 ms"));
	free(read);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_whole, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
