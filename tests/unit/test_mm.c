/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of tracer/mm.c, the model wired to /proc, with the kernel as
 * the oracle.  Each case forks a child that makes, one at a time, the raw
 * system calls the test asks for over a pipe.  The test builds each
 * call's struct sysdecode_call as the engine does, applies the finished
 * call with mm_apply(), checks the pieces it changed, and checks with
 * mm_verify() that the model agrees with /proc/PID/maps.
 *
 * Why a child and not the test process itself: the test allocates
 * (cmocka, the model's nodes, the reader's buffers), and an allocation may
 * map memory (glibc past its mmap threshold, ASan's allocator growing its
 * regions) between a call and its check.  The child allocates nothing once
 * it serves: its address space changes only by the calls it is asked to
 * make, and the figures read from its smaps are exact.
 *
 * Addresses are known in advance: setup maps a PROT_NONE carveout (the
 * first call) and the cases map into it with MAP_FIXED, as the kernel's
 * tools/testing/selftests/mm/merge.c does.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>

#include <cmocka.h>

#include "unittest.h"

#include "aspace.h"
#include "mm.h"
#include "procmaps.h"
#include "strtab.h"
#include "sysdecode.h"
#include "util.h"

#define PAGE ASPACE_PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define CARVEOUT_PAGES 64
#define HUGE_PAGE (2ULL << 20)

/* What the test asks of its child. */
enum request_op {
	REQ_CALL,  /* the system call nr(args) */
	REQ_TOUCH, /* write a byte to each page of [args[0], args[0] + args[1]) */
	REQ_OPEN,  /* open(path, args[0]) */
};

struct request {
	enum request_op op;
	long nr;
	uint64_t args[6];
	char path[256];
};

struct reply {
	int64_t rval; /* as the kernel returns it: -errno on failure */
	int err;      /* the positive errno, or 0 */
};

struct fixture {
	pid_t pid; /* the child making the calls */
	int req_fd;
	int rep_fd;
	struct strtab *paths;
	struct mm_reader *reader;
	struct mm *mm;
	struct aspace_changes changes; /* of the last call applied */
	uint64_t seq;		       /* of the last call applied */
	int err;		       /* of the last request: a positive errno, or 0 */
	uint64_t carveout;	       /* CARVEOUT_PAGES of PROT_NONE, made by call #1 */
	int shmid;		       /* a SysV segment to remove at teardown, or -1 */
};

/* Page n of the carveout. */
#define P(n) (fx->carveout + (uint64_t)(n)*PAGE)

/* The files the cases map, made once for all of them. */
static char tmp_dir[PATH_MAX];
static char elf_path[PATH_MAX];
static char data_path[PATH_MAX];
static char gone_path[PATH_MAX]; /* made, mapped and deleted by test_file_mappings */

/* The child: serves requests until the test closes the pipe. */
static void ATTRIBUTE_NORETURN serve(int req_fd, int rep_fd)
{
	struct request req;

	while (read(req_fd, &req, sizeof(req)) == (ssize_t)sizeof(req)) {
		struct reply rep = { 0 };
		long ret = 0;

		switch (req.op) {
		case REQ_CALL:
			ret = syscall(req.nr, req.args[0], req.args[1], req.args[2], req.args[3],
				      req.args[4], req.args[5]);
			break;
		case REQ_TOUCH:
			for (uint64_t off = 0; off < req.args[1]; off += PAGE)
				*(volatile char *)(uintptr_t)(req.args[0] + off) = 1;
			break;
		case REQ_OPEN:
			ret = open(req.path, (int)req.args[0] | O_CLOEXEC);
			break;
		}
		rep.err = ret == -1 ? errno : 0;
		rep.rval = ret == -1 ? -rep.err : ret;
		if (write(rep_fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
			break;
	}
	_exit(0);
}

static int64_t request(struct fixture *fx, const struct request *req)
{
	struct reply rep;

	assert_int_equal(write(fx->req_fd, req, sizeof(*req)), sizeof(*req));
	assert_int_equal(read(fx->rep_fd, &rep, sizeof(rep)), sizeof(rep));
	fx->err = rep.err;
	return rep.rval;
}

/* The child writes to every page of [addr, addr + len): they become resident. */
static void touch(struct fixture *fx, uint64_t addr, uint64_t len)
{
	struct request req = { .op = REQ_TOUCH, .args = { addr, len } };

	assert_int_equal(request(fx, &req), 0);
}

/* The child opens path; returns its descriptor. */
static int open_in_child(struct fixture *fx, const char *path, int flags)
{
	struct request req = { .op = REQ_OPEN, .args = { (uint64_t)flags } };
	int64_t fd;

	(void)snprintf(req.path, sizeof(req.path), "%s", path);
	fd = request(fx, &req);
	assert_true(fd >= 0);
	return (int)fd;
}

/* What /proc/PID/fd/FD names, as the engine reads it (resolve_fd_path). */
static const char *fd_link(pid_t pid, int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t len;

	(void)snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
	len = readlink(link, buf, size - 1);
	assert_true(len > 0);
	buf[len] = '\0';
	return buf;
}

/*
 * Applies the finished call nr(args), of the child, to mm as the engine
 * does at its exit stop (tracer/engine.c, finish_call): decoded by
 * sysdecode_entry(), the mapped file named through /proc/PID/fd, the
 * result as the kernel returned it.  It is call number fx->seq.
 */
static void apply(struct fixture *fx, struct mm *mm, long nr, const uint64_t args[6],
		  const char *fd_path, int64_t rval, int err)
{
	struct aspace_event ev = {
		.seq = fx->seq, .tid = fx->pid, .kind = ASPACE_ORIGIN_CALL, .time_ns = fx->seq
	};
	struct sysdecode_call decoded;

	assert_int_equal(sysdecode_entry(&decoded, UNITTEST_ARCH, (uint64_t)nr, args), 0);
	aspace_changes_reset(&fx->changes);
	mm_apply(mm, fx->pid, &ev, &decoded, fd_path, rval, err, &fx->changes);
}

/* The child makes system call nr(args); the model learns of it.  Returns the kernel's result. */
static int64_t call(struct fixture *fx, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		    uint64_t a4, uint64_t a5)
{
	struct request req = { .op = REQ_CALL, .nr = nr, .args = { a0, a1, a2, a3, a4, a5 } };
	struct sysdecode_call decoded;
	char buf[PATH_MAX];
	const char *fd_path = NULL;
	int64_t rval;

	/* The engine names the file at the call's entry, before it runs. */
	assert_int_equal(sysdecode_entry(&decoded, UNITTEST_ARCH, (uint64_t)nr, req.args), 0);
	if (sysdecode_has_fd(&decoded))
		fd_path = fd_link(fx->pid, sysdecode_fd(&decoded), buf, sizeof(buf));
	rval = request(fx, &req);
	fx->seq++;
	apply(fx, fx->mm, nr, req.args, fd_path, rval, fx->err);
	return rval;
}

static int64_t do_mmap(struct fixture *fx, uint64_t addr, uint64_t len, int prot, int flags, int fd,
		       uint64_t off)
{
	/* The kernel reads an int argument from the low half of its register. */
	return call(fx, SYS_mmap, addr, len, (uint64_t)(int64_t)prot, (uint64_t)(int64_t)flags,
		    (uint64_t)(int64_t)fd, off);
}

static int64_t do_munmap(struct fixture *fx, uint64_t addr, uint64_t len)
{
	return call(fx, SYS_munmap, addr, len, 0, 0, 0, 0);
}

static int64_t do_mprotect(struct fixture *fx, uint64_t addr, uint64_t len, int prot)
{
	return call(fx, SYS_mprotect, addr, len, (uint64_t)(int64_t)prot, 0, 0, 0);
}

static int64_t do_mremap(struct fixture *fx, uint64_t addr, uint64_t old_len, uint64_t new_len,
			 int flags, uint64_t new_addr)
{
	return call(fx, SYS_mremap, addr, old_len, new_len, (uint64_t)(int64_t)flags, new_addr, 0);
}

static const char *const piece_names[] = {
	[ASPACE_PIECE_MAPPED] = "mapped",	[ASPACE_PIECE_UNMAPPED] = "unmapped",
	[ASPACE_PIECE_PROTECTED] = "protected", [ASPACE_PIECE_MOVED] = "moved",
	[ASPACE_PIECE_RELEASED] = "released",
};

struct want_piece {
	enum aspace_piece_kind kind;
	uint64_t start;
	uint64_t end;
	uint64_t origin_seq;
	uint64_t to; /* MOVED only */
};

static void print_piece(enum aspace_piece_kind kind, uint64_t start, uint64_t end, uint64_t seq,
			uint64_t to)
{
	print_error("  %-9s %#" PRIx64 "-%#" PRIx64 " of #%" PRIu64, piece_names[kind], start, end,
		    seq);
	if (kind == ASPACE_PIECE_MOVED)
		print_error(" to %#" PRIx64, to);
	print_error("\n");
}

/* Checks every piece the last call changed; on a mismatch prints both lists. */
static void check_changes(const struct aspace_changes *changes, const struct want_piece *want,
			  size_t nwant, const char *file, int line)
{
	bool ok = changes->count == nwant;

	for (size_t i = 0; ok && i < nwant; i++) {
		const struct aspace_piece *piece = &changes->pieces[i];

		ok = piece->kind == want[i].kind && piece->start == want[i].start &&
		     piece->end == want[i].end && piece->origin_seq == want[i].origin_seq &&
		     (piece->kind != ASPACE_PIECE_MOVED || piece->to == want[i].to);
	}
	if (ok)
		return;
	print_error("Expected:\n");
	for (size_t i = 0; i < nwant; i++)
		print_piece(want[i].kind, want[i].start, want[i].end, want[i].origin_seq,
			    want[i].to);
	print_error("Got:\n");
	for (size_t i = 0; i < changes->count; i++)
		print_piece(changes->pieces[i].kind, changes->pieces[i].start,
			    changes->pieces[i].end, changes->pieces[i].origin_seq,
			    changes->pieces[i].to);
	_fail(file, line);
}

#define CHANGES(...)                                                                           \
	do {                                                                                   \
		const struct want_piece want_[] = { __VA_ARGS__ };                             \
		check_changes(&fx->changes, want_, sizeof(want_) / sizeof(want_[0]), __FILE__, \
			      __LINE__);                                                       \
	} while (0)

#define NO_CHANGES() check_changes(&fx->changes, NULL, 0, __FILE__, __LINE__)

/* The pieces of a change list: what happened to [start, end) of call #seq's bytes. */
static struct want_piece piece(enum aspace_piece_kind kind, uint64_t start, uint64_t end,
			       uint64_t seq, uint64_t to)
{
	struct want_piece want = { kind, start, end, seq, to };

	return want;
}

#define MAPPED(start, end, seq) piece(ASPACE_PIECE_MAPPED, start, end, seq, 0)
#define UNMAPPED(start, end, seq) piece(ASPACE_PIECE_UNMAPPED, start, end, seq, 0)
#define PROTECTED(start, end, seq) piece(ASPACE_PIECE_PROTECTED, start, end, seq, 0)
#define RELEASED(start, end, seq) piece(ASPACE_PIECE_RELEASED, start, end, seq, 0)
#define MOVED(start, end, seq, to) piece(ASPACE_PIECE_MOVED, start, end, seq, to)

static void print_regions(const char *title, const struct aspace_region *regions, size_t count)
{
	print_error("%s:\n", title);
	for (size_t i = 0; i < count; i++)
		print_error("  %#" PRIx64 "-%#" PRIx64 " prot %u backing %d origin #%" PRIu64 "\n",
			    regions[i].start, regions[i].end, regions[i].prot,
			    (int)regions[i].backing, regions[i].origin.seq);
}

/* The model agrees with /proc/PID/maps; if not, prints where and both sides. */
#define assert_agrees(mm, pid) assert_agrees_at(mm, pid, __FILE__, __LINE__)

static void assert_agrees_at(struct mm *mm, pid_t pid, const char *file, int line)
{
	struct mm_diff diff;
	int ret = mm_verify(mm, pid, &diff);

	if (ret == 1) {
		print_error("the model differs from /proc/%d/maps in %zu range(s):\n", (int)pid,
			    diff.nranges);
		for (size_t i = 0; i < diff.nranges && i < MM_DIFF_MAX_RANGES; i++)
			print_error("  %#" PRIx64 "-%#" PRIx64 "\n", diff.ranges[i].start,
				    diff.ranges[i].end);
		print_regions("model", diff.model, diff.nmodel);
		print_regions("kernel", diff.kernel, diff.nkernel);
	}
	if (ret != 0) {
		print_error("mm_verify: %d\n", ret);
		_fail(file, line);
	}
}

/* The region of the model holding addr; it must exist. */
static const struct aspace_region *region_at(struct mm *mm, uint64_t addr)
{
	const struct aspace_region *region = aspace_find(mm_aspace(mm), addr);

	static const struct aspace_region none;

	if (!region) {
		fail_msg("no region of the model holds %#" PRIx64, addr);
		return &none; /* not reached: fail_msg() leaves the test */
	}
	return region;
}

static uint64_t page_up(uint64_t addr)
{
	return (addr + PAGE - 1) & ~(PAGE - 1);
}

/* One VMA of /proc/PID/smaps, read by the test itself. */
struct smaps_vma {
	uint64_t start;
	uint64_t end;
	uint64_t rss;
	uint64_t private_bytes;
};

/*
 * Reads the VMA of /proc/PID/smaps holding addr (addr 0: none, only the
 * total) and returns the Rss of all of them.
 */
static uint64_t read_smaps(pid_t pid, uint64_t addr, struct smaps_vma *vma)
{
	char path[64], line[512];
	uint64_t total = 0, start, end, kib;
	bool inside = false, found = false;
	FILE *file;

	(void)snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	file = fopen(path, "re");
	assert_non_null(file);
	memset(vma, 0, sizeof(*vma));
	while (fgets(line, sizeof(line), file)) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " ", &start, &end) == 2) {
			inside = start <= addr && addr < end;
			if (inside) {
				vma->start = start;
				vma->end = end;
				found = true;
			}
		} else if (sscanf(line, "Rss: %" SCNu64 " kB", &kib) == 1) {
			total += kib * 1024;
			if (inside)
				vma->rss = kib * 1024;
		} else if (inside && (sscanf(line, "Private_Clean: %" SCNu64 " kB", &kib) == 1 ||
				      sscanf(line, "Private_Dirty: %" SCNu64 " kB", &kib) == 1)) {
			vma->private_bytes += kib * 1024;
		}
	}
	assert_int_equal(fclose(file), 0);
	assert_true(found || !addr);
	return total;
}

/* The range of a snapshot starting at start; it must exist. */
static const struct mm_usage *usage_at(const struct mm_usage *usage, size_t count, uint64_t start)
{
	for (size_t i = 0; i < count; i++)
		if (usage[i].start == start)
			return &usage[i];
	static const struct mm_usage none;

	fail_msg("no resident range starts at %#" PRIx64, start);
	return &none; /* not reached: fail_msg() leaves the test */
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	int req[2], rep[2];

	fx->shmid = -1;
	assert_int_equal(pipe2(req, O_CLOEXEC), 0);
	assert_int_equal(pipe2(rep, O_CLOEXEC), 0);
	fx->pid = fork();
	assert_true(fx->pid >= 0);
	if (fx->pid == 0) {
		(void)close(req[1]);
		(void)close(rep[0]);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		serve(req[0], rep[1]);
	}
	(void)close(req[0]);
	(void)close(rep[1]);
	fx->req_fd = req[1];
	fx->rep_fd = rep[0];
	*state = fx;
	/* Once it has answered, the child only waits for requests. */
	touch(fx, 0, 0);

	fx->paths = strtab_new();
	fx->reader = mm_reader_new(fx->paths);
	fx->mm = mm_new(fx->reader);
	assert_int_equal(mm_seed(fx->mm, fx->pid, ASPACE_ORIGIN_EXEC, 0), 0);
	assert_int_equal(mm_calls_applied(fx->mm), 0);
	assert_agrees(fx->mm, fx->pid);

	fx->carveout = (uint64_t)do_mmap(fx, 0, CARVEOUT_PAGES * PAGE, PROT_NONE,
					 ANON | MAP_NORESERVE, -1, 0);
	assert_int_equal(fx->err, 0);
	CHANGES(MAPPED(P(0), P(CARVEOUT_PAGES), 1));
	assert_int_equal(mm_calls_applied(fx->mm), 1);
	assert_agrees(fx->mm, fx->pid);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int status;

	if (fx->shmid >= 0)
		(void)shmctl(fx->shmid, IPC_RMID, NULL);
	aspace_changes_free(&fx->changes);
	mm_put(fx->mm);
	mm_reader_free(fx->reader);
	strtab_free(fx->paths);
	/* The child's read() returns 0: it exits. */
	(void)close(fx->req_fd);
	(void)close(fx->rep_fd);
	(void)waitpid(fx->pid, &status, 0);
	free(fx);
	return 0;
}

/*
 * Seeded from /proc/PID/maps: the program's own file is an ELF object,
 * [stack] the main stack, [vdso] the kernel's, [vsyscall] left out, and
 * the heap starts at /proc/PID/stat's start_brk, at or below the break.
 */
static void test_seed(void **state)
{
	struct aspace_cursor cur;
	const struct aspace_region *region;
	struct fixture *fx = *state;
	struct mm_reader *reader = mm_reader_new(fx->paths);
	struct mm *seeded = mm_new(reader);
	char exe[PATH_MAX], link[64];
	size_t exe_regions = 0, stacks = 0, vdso = 0;
	uint64_t heap_start, heap_top, brk_now;
	ssize_t len;

	(void)snprintf(link, sizeof(link), "/proc/%d/exe", (int)fx->pid);
	len = readlink(link, exe, sizeof(exe) - 1);
	assert_true(len > 0);
	exe[len] = '\0';

	assert_int_equal(mm_seed(seeded, fx->pid, ASPACE_ORIGIN_ATTACH, 0), 0);
	assert_int_equal(mm_calls_applied(seeded), 0);
	assert_agrees(seeded, fx->pid);
	aspace_for_each (mm_aspace(seeded), 0, &cur, region) {
		const char *path = region->path ? strtab_get(fx->paths, region->path) : "";

		assert_int_equal(region->origin.kind, ASPACE_ORIGIN_ATTACH);
		assert_int_equal(region->origin.seq, 0);
		if (strcmp(path, exe) == 0) {
			assert_int_equal(region->backing, ASPACE_BACKING_FILE);
			assert_true(region->flags & ASPACE_ELF);
			exe_regions++;
		}
		if (region->backing == ASPACE_BACKING_STACK) {
			assert_true(region->flags & ASPACE_GROWSDOWN);
			stacks++;
		}
		if (strcmp(path, "[vdso]") == 0) {
			assert_int_equal(region->backing, ASPACE_BACKING_SPECIAL);
			vdso++;
		}
		/* The carveout: anonymous, private, with the flags /proc/PID/maps can show. */
		if (region->start == P(0)) {
			assert_int_equal(region->end, P(CARVEOUT_PAGES));
			assert_int_equal(region->backing, ASPACE_BACKING_ANON);
			assert_int_equal(region->prot, PROT_NONE);
			assert_int_equal(region->flags, 0);
		}
	}
	assert_true(exe_regions >= 2); /* its code and its data at least */
	assert_int_equal(stacks, 1);
	assert_int_equal(vdso, 1);
	assert_null(aspace_find(mm_aspace(seeded), 0xffffffffff600000ULL));

	/* brk(0) tells the break and changes nothing. */
	aspace_heap(mm_aspace(fx->mm), &heap_start, &heap_top);
	brk_now = (uint64_t)call(fx, SYS_brk, 0, 0, 0, 0, 0, 0);
	NO_CHANGES();
	assert_true(heap_start != 0 && heap_start <= brk_now);
	aspace_heap(mm_aspace(fx->mm), &heap_start, &heap_top);
	assert_int_equal(heap_top, brk_now);
	if (brk_now > heap_start)
		assert_int_equal(region_at(fx->mm, heap_start)->backing, ASPACE_BACKING_HEAP);
	assert_int_equal(mm_calls_applied(fx->mm), 2);

	mm_put(seeded);
	mm_reader_free(reader);
}

/*
 *   #2  mmap(NULL, 5 pages - 100) = A   |A0 A1 A2 A3 A4|   rounded up to pages
 *   #3  munmap(A1, 1 page)              |A0|  |A2 A3 A4|   trims #2: 4 of its 5 pages left
 *   #4  munmap(A0, 5 pages)                                the rest of #2, in two pieces
 */
static void test_map_unmap(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = (uint64_t)do_mmap(fx, 0, 5 * PAGE - 100, RW, ANON, -1, 0);

	assert_int_equal(fx->err, 0);
	CHANGES(MAPPED(a, a + 5 * PAGE, 2));
	assert_int_equal(region_at(fx->mm, a)->end, a + 5 * PAGE);
	assert_int_equal(region_at(fx->mm, a)->prot, RW);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(do_munmap(fx, a + PAGE, PAGE), 0);
	CHANGES(UNMAPPED(a + PAGE, a + 2 * PAGE, 2));
	assert_int_equal(fx->changes.pieces[0].origin_left, 4 * PAGE);
	assert_int_equal(fx->changes.pieces[0].origin_total, 5 * PAGE);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(do_munmap(fx, a, 5 * PAGE), 0);
	CHANGES(UNMAPPED(a, a + PAGE, 2), UNMAPPED(a + 2 * PAGE, a + 5 * PAGE, 2));
	assert_int_equal(fx->changes.pieces[1].origin_left, 0);
	assert_null(aspace_find(mm_aspace(fx->mm), a));
	assert_agrees(fx->mm, fx->pid);
	assert_int_equal(mm_calls_applied(fx->mm), 4);
}

/*
 *   carveout #1  |  ...  |P8 P9 P10 P11 P12 P13|  ...  |
 *   #2 mmap(P8, 4 pages, MAP_FIXED)       |#2 #2 #2 #2|#1 #1|
 *   #3 mmap(P10, 4 pages, MAP_FIXED, PROT_READ)
 *                                         |#2 #2|#3 #3 #3 #3|
 *   #4 mmap(P8, 1 page, MAP_FIXED_NOREPLACE) = -1 EEXIST: nothing changes
 */
static void test_map_fixed(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(do_mmap(fx, P(8), 4 * PAGE, RW, ANON | MAP_FIXED, -1, 0), P(8));
	CHANGES(UNMAPPED(P(8), P(12), 1), MAPPED(P(8), P(12), 2));
	assert_int_equal(region_at(fx->mm, P(0))->end, P(8));
	assert_int_equal(region_at(fx->mm, P(12))->origin.seq, 1);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(do_mmap(fx, P(10), 4 * PAGE, PROT_READ, ANON | MAP_FIXED, -1, 0), P(10));
	CHANGES(UNMAPPED(P(10), P(12), 2), UNMAPPED(P(12), P(14), 1), MAPPED(P(10), P(14), 3));
	assert_int_equal(region_at(fx->mm, P(8))->end, P(10));
	assert_int_equal(region_at(fx->mm, P(10))->end, P(14));
	assert_int_equal(region_at(fx->mm, P(10))->prot, PROT_READ);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(do_mmap(fx, P(8), PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), -EEXIST);
	assert_int_equal(fx->err, EEXIST);
	NO_CHANGES();
	assert_int_equal(region_at(fx->mm, P(8))->origin.seq, 2);
	assert_agrees(fx->mm, fx->pid);
}

/*
 *   #2 mmap(P8, 6 pages)         |rw rw rw rw rw rw|
 *   #3 mprotect(P10, 2, READ)    |rw rw|r  r |rw rw|   origins stay #2
 *   #4 mprotect(P8, 6, RW)       |rw rw rw rw rw rw|   only P10-P12 changed
 */
static void test_protect(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(do_mmap(fx, P(8), 6 * PAGE, RW, ANON | MAP_FIXED, -1, 0), P(8));
	assert_int_equal(do_mprotect(fx, P(10), 2 * PAGE, PROT_READ), 0);
	CHANGES(PROTECTED(P(10), P(12), 2));
	assert_int_equal(fx->changes.pieces[0].prot, PROT_READ);
	assert_int_equal(fx->changes.pieces[0].old_prot, RW);
	assert_int_equal(region_at(fx->mm, P(10))->origin.seq, 2);
	assert_int_equal(region_at(fx->mm, P(10))->prot_seq, 3);
	assert_int_equal(region_at(fx->mm, P(8))->end, P(10));
	assert_int_equal(region_at(fx->mm, P(8))->prot_seq, 0);
	assert_int_equal(region_at(fx->mm, P(12))->prot, RW);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(do_mprotect(fx, P(8), 6 * PAGE, RW), 0);
	CHANGES(PROTECTED(P(10), P(12), 2));
	assert_int_equal(region_at(fx->mm, P(10))->prot, RW);
	assert_agrees(fx->mm, fx->pid);
}

/*
 * A failed mprotect may have changed part of its range: the kernel walks
 * VMA by VMA and stops at the hole (mm/mprotect.c, do_mprotect_pkey).
 *
 *   #2 mmap(P8, 3 pages)            |rw rw rw|
 *   #3 munmap(P9, 1 page)           |rw|  |rw|
 *   #4 mprotect(P8, 3, READ) = -1 ENOMEM, yet
 *                                   |r |  |rw|   P8 changed: the model asks the kernel
 *   #5 mprotect(P9, 2, READ) = -1 ENOMEM: starts in the hole, nothing changed
 */
static void test_protect_over_hole(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(do_mmap(fx, P(8), 3 * PAGE, RW, ANON | MAP_FIXED, -1, 0), P(8));
	assert_int_equal(do_munmap(fx, P(9), PAGE), 0);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(do_mprotect(fx, P(8), 3 * PAGE, PROT_READ), -ENOMEM);
	assert_int_equal(fx->err, ENOMEM);
	CHANGES(PROTECTED(P(8), P(9), 2));
	assert_int_equal(region_at(fx->mm, P(8))->prot, PROT_READ);
	assert_int_equal(region_at(fx->mm, P(8))->prot_seq, 4);
	assert_null(aspace_find(mm_aspace(fx->mm), P(9)));
	assert_int_equal(region_at(fx->mm, P(10))->prot, RW);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(do_mprotect(fx, P(9), 2 * PAGE, PROT_READ), -ENOMEM);
	NO_CHANGES();
	assert_int_equal(region_at(fx->mm, P(10))->prot, RW);
	assert_agrees(fx->mm, fx->pid);
}

/*
 *   #2 mmap(P8, 4 pages)                    P8 |#2 #2 #2 #2|
 *   #3 mremap(P8, 4, 2) shrinks             P8 |#2 #2|        P10-P12 a hole
 *   #4 mremap(P8, 2, 3) grows in place      P8 |#2 #2 #4|     into the hole
 *   #5 mremap(P8, 3, 3, MAYMOVE|FIXED, P20) P20 |#2 #2 #4|    moved, origins kept
 *   #6 mremap(P20, 3, 3, MAYMOVE|FIXED|DONTUNMAP, P30)
 *                                           P20 |#6 #6 #6|    left mapped, empty
 *                                           P30 |#2 #2 #4|
 */
static void test_remap(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(do_mmap(fx, P(8), 4 * PAGE, RW, ANON | MAP_FIXED, -1, 0), P(8));

	assert_int_equal(do_mremap(fx, P(8), 4 * PAGE, 2 * PAGE, 0, 0), P(8));
	CHANGES(UNMAPPED(P(10), P(12), 2));
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(do_mremap(fx, P(8), 2 * PAGE, 3 * PAGE, 0, 0), P(8));
	CHANGES(MAPPED(P(10), P(11), 4));
	assert_int_equal(region_at(fx->mm, P(10))->prot, RW);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(
		do_mremap(fx, P(8), 3 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, P(20)),
		P(20));
	CHANGES(UNMAPPED(P(20), P(23), 1), MOVED(P(8), P(10), 2, P(20)),
		MOVED(P(10), P(11), 4, P(22)));
	assert_null(aspace_find(mm_aspace(fx->mm), P(8)));
	assert_int_equal(region_at(fx->mm, P(20))->origin.seq, 2);
	assert_int_equal(region_at(fx->mm, P(22))->origin.seq, 4);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(do_mremap(fx, P(20), 3 * PAGE, 3 * PAGE,
				   MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, P(30)),
			 P(30));
	CHANGES(UNMAPPED(P(30), P(33), 1), MOVED(P(20), P(22), 2, P(30)),
		MOVED(P(22), P(23), 4, P(32)), MAPPED(P(20), P(23), 6));
	assert_int_equal(region_at(fx->mm, P(20))->end, P(23));
	assert_int_equal(region_at(fx->mm, P(30))->origin.seq, 2);
	assert_agrees(fx->mm, fx->pid);
}

/*
 *   #2 mmap(P8, 4 pages), every page touched     |#2 #2 #2 #2|  4 resident
 *   #3 madvise(P9, 2, MADV_DONTNEED)             |#2 #2 #2 #2|  P9-P11 released, 2 resident
 *   #4 madvise(P8, 4, MADV_NORMAL)               nothing
 */
static void test_advise(void **state)
{
	struct fixture *fx = *state;
	struct mm_usage *usage = NULL;
	size_t cap = 0;
	long count;

	assert_int_equal(do_mmap(fx, P(8), 4 * PAGE, RW, ANON | MAP_FIXED, -1, 0), P(8));
	touch(fx, P(8), 4 * PAGE);
	count = mm_usage(fx->mm, fx->pid, &usage, &cap);
	assert_true(count > 0);
	assert_int_equal(usage_at(usage, (size_t)count, P(8))->rss, 4 * PAGE);

	assert_int_equal(call(fx, SYS_madvise, P(9), 2 * PAGE, MADV_DONTNEED, 0, 0, 0), 0);
	CHANGES(RELEASED(P(9), P(11), 2));
	assert_int_equal(region_at(fx->mm, P(8))->end, P(12));
	count = mm_usage(fx->mm, fx->pid, &usage, &cap);
	assert_true(count > 0);
	assert_int_equal(usage_at(usage, (size_t)count, P(8))->rss, 2 * PAGE);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(call(fx, SYS_madvise, P(8), 4 * PAGE, MADV_NORMAL, 0, 0, 0), 0);
	NO_CHANGES();
	assert_agrees(fx->mm, fx->pid);
	free(usage);
}

/*
 *   #2 brk(0) = B                    the break
 *   #3 brk(B + 3 pages + 100)        [heap] grows: |...B|+++ #3 +++|
 *   #4 brk(start_brk - 1 page)       refused: the kernel returns the break, nothing changes
 *   #5 brk(B)                        shrinks: the rest of #3 goes
 */
static void test_brk(void **state)
{
	struct fixture *fx = *state;
	uint64_t start, top, brk0, want;

	brk0 = (uint64_t)call(fx, SYS_brk, 0, 0, 0, 0, 0, 0);
	NO_CHANGES();
	want = brk0 + 3 * PAGE + 100;
	assert_int_equal(call(fx, SYS_brk, want, 0, 0, 0, 0, 0), want);
	CHANGES(MAPPED(page_up(brk0), page_up(want), 3));
	assert_int_equal(region_at(fx->mm, page_up(brk0))->backing, ASPACE_BACKING_HEAP);
	assert_int_equal(region_at(fx->mm, page_up(brk0))->prot, RW);
	aspace_heap(mm_aspace(fx->mm), &start, &top);
	assert_int_equal(top, want);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(call(fx, SYS_brk, start - PAGE, 0, 0, 0, 0, 0), want);
	NO_CHANGES();
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(call(fx, SYS_brk, brk0, 0, 0, 0, 0, 0), brk0);
	CHANGES(UNMAPPED(page_up(brk0), page_up(want), 3));
	assert_int_equal(fx->changes.pieces[0].origin_left, 0);
	aspace_heap(mm_aspace(fx->mm), &start, &top);
	assert_int_equal(top, brk0);
	assert_agrees(fx->mm, fx->pid);
}

/*
 * A MAP_GROWSDOWN mapping grows on a fault below it, without a system
 * call (the guard gap is not enforced against a PROT_NONE neighbour:
 * mm/mmap.c, expand_downwards).
 *
 *   #2 munmap(P8, 6 pages)            |#1 ...#1|      hole      |#1 #1 ...
 *   #3 mmap(P14, 2, GROWSDOWN)        |#1 ...#1|    hole  |gd gd|#1 ...
 *   a write to P13                    |#1 ...#1|  hole |gd gd gd|#1 ...
 *   #4 mprotect(P15, 1, READ|PROT_GROWSDOWN): down to the mapping's start, P13
 */
static void test_growsdown(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(do_munmap(fx, P(8), 6 * PAGE), 0);
	assert_int_equal(do_mmap(fx, P(14), 2 * PAGE, RW, ANON | MAP_FIXED | MAP_GROWSDOWN, -1, 0),
			 P(14));
	CHANGES(UNMAPPED(P(14), P(16), 1), MAPPED(P(14), P(16), 3));
	assert_true(region_at(fx->mm, P(14))->flags & ASPACE_GROWSDOWN);
	assert_agrees(fx->mm, fx->pid);

	touch(fx, P(13), PAGE);
	assert_agrees(fx->mm, fx->pid);
	assert_int_equal(region_at(fx->mm, P(13))->start, P(13));
	assert_int_equal(region_at(fx->mm, P(13))->origin.seq, 3);

	assert_int_equal(do_mprotect(fx, P(15), PAGE, PROT_READ | PROT_GROWSDOWN), 0);
	assert_int_equal(region_at(fx->mm, P(13))->prot, PROT_READ);
	assert_int_equal(region_at(fx->mm, P(15))->prot, PROT_READ);
	assert_agrees(fx->mm, fx->pid);
}

/* Huge pages free in the default pool, from /proc/meminfo. */
static long huge_pages_free(void)
{
	char line[128];
	long count = 0;
	FILE *file = fopen("/proc/meminfo", "re");

	if (!file)
		return 0;
	while (fgets(line, sizeof(line), file))
		if (sscanf(line, "HugePages_Free: %ld", &count) == 1)
			break;
	(void)fclose(file);
	return count;
}

/*
 *   #2 mmap(NULL, 1 page, MAP_HUGETLB) = H   the kernel rounds up to the huge page: 2 MiB
 *   #3 mprotect(H, 1 page, READ) = -EINVAL   not on a huge page's boundary: nothing changes
 *   #4 munmap(H, 2 MiB)
 * and a seed sees the huge pages as the call made them: anonymous, HUGETLB.
 */
static void test_hugetlb(void **state)
{
	struct fixture *fx = *state;
	uint64_t addr;

	if (huge_pages_free() < 1) {
		print_message("no free huge page (/proc/sys/vm/nr_hugepages): skipped\n");
		skip();
	}
	addr = (uint64_t)do_mmap(fx, 0, PAGE, RW, ANON | MAP_HUGETLB, -1, 0);
	assert_int_equal(fx->err, 0);
	CHANGES(MAPPED(addr, addr + HUGE_PAGE, 2));
	assert_true(region_at(fx->mm, addr)->flags & ASPACE_HUGETLB);
	assert_agrees(fx->mm, fx->pid);

	/* The failed call is checked against the kernel's maps: the same mapping, nothing made. */
	assert_int_equal(do_mprotect(fx, addr, PAGE, PROT_READ), -EINVAL);
	NO_CHANGES();
	assert_int_equal(region_at(fx->mm, addr)->start, addr);
	assert_int_equal(region_at(fx->mm, addr)->end, addr + HUGE_PAGE);
	assert_int_equal(region_at(fx->mm, addr)->origin.seq, 2);
	assert_agrees(fx->mm, fx->pid);

	{
		struct mm_reader *reader = mm_reader_new(fx->paths);
		struct mm *seeded = mm_new(reader);
		const struct aspace_region *seen;

		assert_int_equal(mm_seed(seeded, fx->pid, ASPACE_ORIGIN_ATTACH, 0), 0);
		seen = region_at(seeded, addr);
		assert_non_null(seen);
		assert_int_equal(seen->backing, ASPACE_BACKING_ANON);
		assert_true(seen->flags & ASPACE_HUGETLB);
		assert_int_equal(seen->path, 0);
		mm_put(seeded);
		mm_reader_free(reader);
	}

	assert_int_equal(do_munmap(fx, addr, HUGE_PAGE), 0);
	CHANGES(UNMAPPED(addr, addr + HUGE_PAGE, 2));
	assert_agrees(fx->mm, fx->pid);
}

/*
 * Writes len bytes of c (a multiple of a page, so of 4 KiB, the smallest
 * page Linux has) to a new file at path.  Returns 0 or -1.
 */
static int write_file(const char *path, int c, size_t len)
{
	char buf[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int ret = 0;

	if (fd < 0)
		return -1;
	memset(buf, c, sizeof(buf));
	for (size_t done = 0; done < len && ret == 0; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			ret = -1;
	return close(fd) < 0 ? -1 : ret;
}

/*
 *   #2 mmap(NULL, 2 pages, READ, PRIVATE, elf, 0)     an ELF object (the file starts with \177ELF)
 *   #3 mmap(NULL, 1 page, READ, PRIVATE, elf, 4096)   the same file, further in
 *   #4 mmap(NULL, 3 pages, RW, SHARED, data, 0)       a data file
 *   #5 mmap(NULL, 2 pages, READ, PRIVATE, gone, 0)    a file then deleted
 * and the same verdicts from a fresh seed, read by a reader of its own.
 */
static void test_file_mappings(void **state)
{
	struct fixture *fx = *state;
	char elf_link[PATH_MAX];
	struct strtab *paths = strtab_new();
	struct mm_reader *reader = mm_reader_new(paths);
	struct mm *seeded = mm_new(reader);
	struct mm_usage *usage = NULL;
	const struct aspace_region *region;
	uint64_t elf, elf_more, data, gone;
	size_t cap = 0;
	int elf_fd, data_fd, gone_fd;
	long count;

	assert_int_equal(write_file(gone_path, 'g', 2 * PAGE), 0);
	elf_fd = open_in_child(fx, elf_path, O_RDONLY);
	data_fd = open_in_child(fx, data_path, O_RDWR);
	gone_fd = open_in_child(fx, gone_path, O_RDONLY);
	(void)fd_link(fx->pid, elf_fd, elf_link, sizeof(elf_link));

	elf = (uint64_t)do_mmap(fx, 0, 2 * PAGE, PROT_READ, MAP_PRIVATE, elf_fd, 0);
	assert_int_equal(fx->err, 0);
	CHANGES(MAPPED(elf, elf + 2 * PAGE, 2));
	region = region_at(fx->mm, elf);
	assert_int_equal(region->backing, ASPACE_BACKING_FILE);
	assert_true(region->flags & ASPACE_ELF);
	assert_false(region->flags & ASPACE_SHARED);
	assert_int_equal(region->offset, 0);
	assert_string_equal(strtab_get(fx->paths, region->path), elf_link);

	elf_more = (uint64_t)do_mmap(fx, 0, PAGE, PROT_READ, MAP_PRIVATE, elf_fd, PAGE);
	assert_int_equal(fx->err, 0);
	region = region_at(fx->mm, elf_more);
	assert_true(region->flags & ASPACE_ELF);
	assert_int_equal(region->offset, PAGE);

	data = (uint64_t)do_mmap(fx, 0, 3 * PAGE, RW, MAP_SHARED, data_fd, 0);
	assert_int_equal(fx->err, 0);
	region = region_at(fx->mm, data);
	assert_int_equal(region->backing, ASPACE_BACKING_FILE);
	assert_false(region->flags & ASPACE_ELF);
	assert_true(region->flags & ASPACE_SHARED);

	gone = (uint64_t)do_mmap(fx, 0, 2 * PAGE, PROT_READ, MAP_PRIVATE, gone_fd, 0);
	assert_int_equal(fx->err, 0);
	assert_int_equal(unlink(gone_path), 0);
	assert_agrees(fx->mm, fx->pid);

	/* The kernel's view, " (deleted)" included. */
	assert_int_equal(mm_seed(seeded, fx->pid, ASPACE_ORIGIN_EXEC, 0), 0);
	assert_agrees(seeded, fx->pid);
	region = region_at(seeded, elf);
	assert_int_equal(region->backing, ASPACE_BACKING_FILE);
	assert_true(region->flags & ASPACE_ELF);
	assert_int_equal(region->offset, 0);
	assert_string_equal(strtab_get(paths, region->path), elf_link);
	region = region_at(seeded, elf_more);
	assert_true(region->flags & ASPACE_ELF);
	assert_int_equal(region->offset, PAGE);
	region = region_at(seeded, data);
	assert_false(region->flags & ASPACE_ELF);
	assert_true(region->flags & ASPACE_SHARED);
	region = region_at(seeded, gone);
	assert_int_equal(region->backing, ASPACE_BACKING_FILE);
	assert_false(region->flags & ASPACE_ELF);

	count = mm_usage(fx->mm, fx->pid, &usage, &cap);
	assert_true(count > 0);
	assert_true(usage_at(usage, (size_t)count, gone)->deleted);
	assert_false(usage_at(usage, (size_t)count, data)->deleted);
	assert_false(usage_at(usage, (size_t)count, elf)->deleted);

	free(usage);
	mm_put(seeded);
	mm_reader_free(reader);
	strtab_free(paths);
}

/*
 *   #2 shmat(id, NULL, 0) = S               |rw rw rw|   read back from the kernel
 *   #3 mprotect(S + 1 page, 1, READ)        |rw|r |rw|
 *   #4 shmdt(S)                             the whole segment goes, all three parts
 *   #5 shmat(id, P8, SHM_RDONLY|SHM_REMAP)  over the carveout: |r r r|
 *   #6 shmdt(P8)                            a hole where it was
 */
static void test_shm(void **state)
{
	struct fixture *fx = *state;
	const struct aspace_region *region;
	uint64_t seg;

	fx->shmid = shmget(IPC_PRIVATE, 3 * PAGE, IPC_CREAT | 0600);
	assert_true(fx->shmid >= 0);

	seg = (uint64_t)call(fx, SYS_shmat, (uint64_t)fx->shmid, 0, 0, 0, 0, 0);
	assert_int_equal(fx->err, 0);
	CHANGES(MAPPED(seg, seg + 3 * PAGE, 2));
	region = region_at(fx->mm, seg);
	assert_int_equal(region->backing, ASPACE_BACKING_SHM);
	assert_true(region->flags & ASPACE_SHARED);
	assert_int_equal(region->prot, RW);
	assert_int_equal(strncmp(strtab_get(fx->paths, region->path), "/SYSV", 5), 0);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(do_mprotect(fx, seg + PAGE, PAGE, PROT_READ), 0);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(call(fx, SYS_shmdt, seg, 0, 0, 0, 0, 0), 0);
	CHANGES(UNMAPPED(seg, seg + PAGE, 2), UNMAPPED(seg + PAGE, seg + 2 * PAGE, 2),
		UNMAPPED(seg + 2 * PAGE, seg + 3 * PAGE, 2));
	assert_int_equal(fx->changes.pieces[2].origin_left, 0);
	assert_null(aspace_find(mm_aspace(fx->mm), seg));
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(
		call(fx, SYS_shmat, (uint64_t)fx->shmid, P(8), SHM_RDONLY | SHM_REMAP, 0, 0, 0),
		P(8));
	CHANGES(UNMAPPED(P(8), P(11), 1), MAPPED(P(8), P(11), 5));
	region = region_at(fx->mm, P(8));
	assert_int_equal(region->backing, ASPACE_BACKING_SHM);
	assert_int_equal(region->prot, PROT_READ);
	assert_agrees(fx->mm, fx->pid);

	assert_int_equal(call(fx, SYS_shmdt, P(8), 0, 0, 0, 0, 0), 0);
	CHANGES(UNMAPPED(P(8), P(11), 5));
	assert_null(aspace_find(mm_aspace(fx->mm), P(8)));
	assert_agrees(fx->mm, fx->pid);
}

/*
 * Resident pages, touched one at a time.  The kernel merges the two
 * mappings into one VMA; the model keeps two regions (two origins), and
 * shares the VMA's figures out by the pages /proc/PID/pagemap shows:
 *
 *   #2 mmap(P8, 4 pages)  #3 mmap(P12, 4 pages)
 *   kernel  |P8 ....................... P16|
 *   model   |#2  #2  #2  #2 |#3  #3  #3  #3 |
 *
 *   #4 mmap(P20, 3 pages), 2 touched: a region that is a VMA of its own
 */
static void test_snapshot_resident(void **state)
{
	struct fixture *fx = *state;
	struct mm_snapshot snap = { 0 };
	struct smaps_vma vma;
	uint64_t total = 0, smaps_total;

	assert_int_equal(do_mmap(fx, P(8), 4 * PAGE, RW, ANON | MAP_FIXED, -1, 0), P(8));
	assert_int_equal(do_mmap(fx, P(12), 4 * PAGE, RW, ANON | MAP_FIXED, -1, 0), P(12));
	(void)read_smaps(fx->pid, P(8), &vma);
	assert_int_equal(vma.start, P(8));
	assert_int_equal(vma.end, P(16));
	assert_int_equal(region_at(fx->mm, P(8))->end, P(12));

	for (unsigned int touched = 1; touched <= 8; touched++) {
		uint64_t in_first = touched < 4 ? touched : 4, in_second = touched - in_first;
		const struct mm_usage *first, *second;

		touch(fx, P(8 + touched - 1), PAGE);
		assert_int_equal(mm_snapshot(fx->mm, fx->pid, &snap), 0);
		first = usage_at(snap.usage, snap.nusage, P(8));
		second = usage_at(snap.usage, snap.nusage, P(12));
		assert_int_equal(first->end, P(12));
		assert_int_equal(second->end, P(16));
		assert_int_equal(first->rss, in_first * PAGE);
		assert_int_equal(first->private_bytes, in_first * PAGE);
		assert_int_equal(first->swap, 0);
		assert_int_equal(second->rss, in_second * PAGE);
		assert_int_equal(second->private_bytes, in_second * PAGE);
		(void)read_smaps(fx->pid, P(8), &vma);
		assert_int_equal(first->rss + second->rss, vma.rss);
		assert_int_equal(first->private_bytes + second->private_bytes, vma.private_bytes);
	}

	assert_int_equal(do_mmap(fx, P(20), 3 * PAGE, RW, ANON | MAP_FIXED, -1, 0), P(20));
	touch(fx, P(20), 2 * PAGE);
	assert_int_equal(mm_snapshot(fx->mm, fx->pid, &snap), 0);
	(void)read_smaps(fx->pid, P(20), &vma);
	assert_int_equal(vma.rss, 2 * PAGE);
	assert_int_equal(usage_at(snap.usage, snap.nusage, P(20))->rss, vma.rss);
	assert_int_equal(usage_at(snap.usage, snap.nusage, P(20))->private_bytes,
			 vma.private_bytes);

	/* Sorted, apart, and all of smaps' resident bytes. */
	smaps_total = read_smaps(fx->pid, 0, &vma);
	for (size_t i = 0; i < snap.nusage; i++) {
		assert_true(snap.usage[i].start < snap.usage[i].end);
		if (i)
			assert_true(snap.usage[i - 1].end <= snap.usage[i].start);
		total += snap.usage[i].rss;
	}
	assert_int_equal(total, smaps_total);
	/* The child's brk heap is glibc's, as the test process left it at the fork. */
	if (MALLOC_IS_GLIBC)
		assert_true(snap.have_heap);
	assert_agrees(fx->mm, fx->pid);

	/* No task to read through: nothing is known. */
	assert_int_equal(mm_snapshot(fx->mm, 0, &snap), -ESRCH);
	assert_null(snap.usage);
	assert_int_equal(snap.nusage, 0);
	assert_false(snap.have_heap);
	mm_snapshot_clear(&snap);
}

/*
 * mm_copy (fork): the copy goes its own way.
 *
 *   #2 mmap(P8, 2 pages)                  both models: |#2 #2|
 *   #3 munmap(P8, 2) applied to the first  first: hole, copy: |#2 #2| (differs from the kernel)
 *   #3 applied to the copy too             both agree
 */
static void test_copy(void **state)
{
	struct fixture *fx = *state;
	const uint64_t unmap_args[6] = { P(8), 2 * PAGE };
	struct mm *copy;
	struct mm_diff diff;

	assert_int_equal(do_mmap(fx, P(8), 2 * PAGE, RW, ANON | MAP_FIXED, -1, 0), P(8));
	copy = mm_copy(fx->mm);
	assert_ptr_not_equal(copy, fx->mm);
	assert_ptr_not_equal(mm_aspace(copy), mm_aspace(fx->mm));
	assert_int_equal(mm_calls_applied(copy), 0);
	assert_int_equal(aspace_count(mm_aspace(copy)), aspace_count(mm_aspace(fx->mm)));
	assert_agrees(copy, fx->pid);

	assert_int_equal(do_munmap(fx, P(8), 2 * PAGE), 0);
	assert_agrees(fx->mm, fx->pid);
	assert_null(aspace_find(mm_aspace(fx->mm), P(8)));
	assert_int_equal(region_at(copy, P(8))->origin.seq, 2);
	assert_int_equal(mm_verify(copy, fx->pid, &diff), 1);
	assert_int_equal(diff.nranges, 1);
	assert_int_equal(diff.ranges[0].start, P(8));
	assert_int_equal(diff.ranges[0].end, P(10));

	apply(fx, copy, SYS_munmap, unmap_args, NULL, 0, 0);
	CHANGES(UNMAPPED(P(8), P(10), 2));
	assert_int_equal(mm_calls_applied(copy), 1);
	assert_agrees(copy, fx->pid);

	/* References: the last put frees (ASan sees a leak or a double free). */
	assert_ptr_equal(mm_get(copy), copy);
	mm_put(copy);
	assert_agrees(copy, fx->pid);
	mm_put(copy);
	assert_agrees(fx->mm, fx->pid);
}

/*
 * What --verify reports, and mm_resync: calls the model never heard of.
 *
 *   #2 munmap(P8, 4 pages)                 |#1 ..#1|   hole    |#1 ...
 *   mmap(P8, 2 pages), not applied        the kernel: |rw rw|, the model: hole
 *   munmap(P20, 1 page), not applied      the kernel: hole, the model: #1
 */
static void test_verify_and_resync(void **state)
{
	struct fixture *fx = *state;
	struct request missed_map = {
		.op = REQ_CALL,
		.nr = SYS_mmap,
		.args = { P(8), 2 * PAGE, RW, ANON | MAP_FIXED, (uint64_t)-1, 0 },
	};
	struct request missed_unmap = { .op = REQ_CALL, .nr = SYS_munmap, .args = { P(20), PAGE } };
	struct aspace_event kernel = { .kind = ASPACE_ORIGIN_KERNEL };
	struct mm_snapshot snap = { 0 };
	struct mm_diff diff;
	int status;

	assert_int_equal(do_munmap(fx, P(8), 4 * PAGE), 0);
	assert_int_equal(request(fx, &missed_map), P(8));
	assert_int_equal(request(fx, &missed_unmap), 0);

	assert_int_equal(mm_verify(fx->mm, fx->pid, &diff), 1);
	assert_int_equal(diff.nranges, 2);
	assert_int_equal(diff.ranges[0].start, P(8));
	assert_int_equal(diff.ranges[0].end, P(10));
	assert_int_equal(diff.ranges[1].start, P(20));
	assert_int_equal(diff.ranges[1].end, P(21));
	/* Both sides around them: the kernel's has the new mapping, the model's the carveout. */
	assert_true(diff.nkernel >= 1 && diff.nmodel >= 1);
	for (size_t i = 0; i < diff.nkernel; i++)
		assert_false(diff.kernel[i].start <= P(20) && P(20) < diff.kernel[i].end);
	assert_true(diff.model[diff.nmodel - 1].start <= P(20) &&
		    P(20) < diff.model[diff.nmodel - 1].end);

	aspace_changes_reset(&fx->changes);
	assert_int_equal(mm_resync(fx->mm, fx->pid, &kernel, &fx->changes), 0);
	CHANGES(UNMAPPED(P(20), P(21), 1), MAPPED(P(8), P(10), 0));
	assert_int_equal(region_at(fx->mm, P(8))->origin.kind, ASPACE_ORIGIN_KERNEL);
	assert_agrees(fx->mm, fx->pid);

	/* The process is gone. */
	assert_int_equal(kill(fx->pid, SIGKILL), 0);
	assert_int_equal(waitpid(fx->pid, &status, 0), fx->pid);
	assert_int_equal(mm_verify(fx->mm, fx->pid, &diff), -ESRCH);
	assert_int_equal(mm_snapshot(fx->mm, fx->pid, &snap), -ESRCH);
	assert_null(snap.usage);
	assert_int_equal(mm_seed(fx->mm, fx->pid, ASPACE_ORIGIN_EXEC, 0), -ESRCH);
	mm_snapshot_clear(&snap);
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t len;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		(void)close(in);
		return -1;
	}
	while ((len = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)len) != len) {
			len = -1;
			break;
		}
	}
	(void)close(in);
	return close(out) < 0 || len < 0 ? -1 : 0;
}

/* A copy of this program (an ELF file), and a data file, in a directory of their own. */
static int make_files(void **state)
{
	(void)state;
	if (unittest_tmpdir(tmp_dir, sizeof(tmp_dir), "test_mm") < 0)
		return -1;
	(void)snprintf(elf_path, sizeof(elf_path), "%.*s/elf", PATH_MAX - 8, tmp_dir);
	(void)snprintf(data_path, sizeof(data_path), "%.*s/data", PATH_MAX - 8, tmp_dir);
	(void)snprintf(gone_path, sizeof(gone_path), "%.*s/gone", PATH_MAX - 8, tmp_dir);
	if (copy_file("/proc/self/exe", elf_path) < 0)
		return -1;
	/* Not an ELF file. */
	return write_file(data_path, 'd', 3 * PAGE);
}

static int remove_files(void **state)
{
	(void)state;
	(void)unlink(elf_path);
	(void)unlink(data_path);
	(void)unlink(gone_path);
	return rmdir(tmp_dir);
}

/*
 * --verify after a call, with many mappings: only the ranges the call
 * changed are asked of the kernel (PROCMAP_QUERY), and everything now
 * and then.
 *
 *   600 one-page mappings, alternately r-- and rw-: past MM_VERIFY_RANGES_FROM
 *   munmap(P8, 2 pages)                   |#1 ..#1|   hole    |#1 ...
 *   mmap(P8, 2 pages), not applied        the kernel: |rw rw|, the model: hole
 *   a call that changed P30 only          agrees there: 0
 *   a call that changed P8                differs: 1, shown whole
 *   calls that changed P30, again         the whole check comes, and finds P8
 */
static void test_verify_call(void **state)
{
	struct fixture *fx = *state;
	struct request missed_map = {
		.op = REQ_CALL,
		.nr = SYS_mmap,
		.args = { P(8), 2 * PAGE, RW, ANON | MAP_FIXED, (uint64_t)-1, 0 },
	};
	struct aspace_piece there = { .kind = ASPACE_PIECE_PROTECTED,
				      .start = P(30),
				      .end = P(31) };
	struct aspace_piece here = { .kind = ASPACE_PIECE_MAPPED, .start = P(8), .end = P(9) };
	struct aspace_piece moved = {
		.kind = ASPACE_PIECE_MOVED, .start = P(30), .end = P(31), .to = P(9)
	};
	struct aspace_changes changes = { .pieces = &there, .count = 1 };
	struct mm_diff diff;
	struct procmaps_vma vma;
	size_t calls = 0, regions;
	int fd = procmaps_open(getpid());

	assert_true(fd >= 0);
	if (procmaps_query(fd, 0, &vma) == -ENOTTY) {
		(void)close(fd);
		print_message(
			"no PROCMAP_QUERY before Linux 6.11: --verify reads the maps whole\n");
		skip();
	}
	(void)close(fd);
	for (int i = 0; i < 600; i++)
		assert_true(do_mmap(fx, 0, PAGE, i % 2 ? PROT_READ : RW, ANON, -1, 0) > 0);
	assert_int_equal(do_munmap(fx, P(8), 2 * PAGE), 0);
	regions = aspace_count(mm_aspace(fx->mm));
	assert_true(regions >= MM_VERIFY_RANGES_FROM);
	assert_int_equal(mm_verify_call(fx->mm, fx->pid, &changes, &diff), 0);
	assert_int_equal(request(fx, &missed_map), P(8));

	/* Where the call changed nothing the kernel did not: no difference seen. */
	assert_int_equal(mm_verify_call(fx->mm, fx->pid, &changes, &diff), 0);
	/* Where it did: seen, and shown as mm_verify() shows it. */
	changes.pieces = &here;
	assert_int_equal(mm_verify_call(fx->mm, fx->pid, &changes, &diff), 1);
	assert_int_equal(diff.nranges, 1);
	assert_int_equal(diff.ranges[0].start, P(8));
	assert_int_equal(diff.ranges[0].end, P(10));
	assert_true(diff.nkernel >= 1);
	/* A move is checked where the bytes went. */
	changes.pieces = &moved;
	assert_int_equal(mm_verify_call(fx->mm, fx->pid, &changes, &diff), 1);
	/* Elsewhere, the whole comparison comes within regions / MM_VERIFY_FULL_SHARE calls. */
	changes.pieces = &there;
	while (mm_verify_call(fx->mm, fx->pid, &changes, &diff) == 0)
		assert_true(++calls <= regions / MM_VERIFY_FULL_SHARE);
	assert_int_equal(diff.ranges[0].start, P(8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_fixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect_over_hole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_advise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growsdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hugetlb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_mappings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_resident, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_and_resync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_call, setup, teardown),
	};

	if (unittest_emulator()) {
		/* Every test compares the model with a child's /proc files. */
		printf("under %s: /proc is the emulator's, skipped\n", unittest_emulator());
		return 77;
	}
	return cmocka_run_group_tests(tests, make_files, remove_files);
}
