/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine (tracer/engine.c) tested through its API, in the manner of
 * the kernel's selftests/ptrace/get_syscall_info.c: a traced program
 * (tests/programs/engine_calls.c, never sanitized) makes memory calls with
 * recognizable arguments at fixed addresses, and every callback the sink
 * receives is recorded, then checked against a table: the calls' kinds,
 * arguments, results, threads and order within each thread, the pieces
 * each changed in the model, the exec, the thread's start and exit, the
 * last snapshot, the process's end and its exit status.  --verify is on,
 * and the model must never differ from the kernel's view.
 *
 * The program's own startup, glibc's and pthread_create()'s calls are
 * there too, in an order the test does not know: a call is the table's
 * only if it names an address in [ENGINE_MARK_LO, ENGINE_MARK_HI), and
 * each of those must be the next entry of its thread's table.
 *
 * The engine needs ptrace: where it is not permitted, the cases skip.
 */
#include <errno.h>
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
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>

#include <cmocka.h>

#include "aspace.h"
#include "engine.h"
#include "engine_calls.h"
#include "mm.h"
#include "sysdecode.h"
#include "tasks.h"
#include "unittest.h"
#include "util.h"

/* engine_calls lays its areas out in 4 KiB pages (tests/programs/engine_calls.h). */
#define PAGE 4096ULL
#define FIXED (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE)
#define NO_FD 0xffffffffULL /* fd -1: an int, compared on its 32 bits (same_arg) */

/* Whose call an entry of the table is. */
enum who {
	BEFORE_EXEC, /* the first program's main thread */
	MAIN,	     /* the second program's main thread */
	THREAD,	     /* the second program's other thread */
};

/* The table's calls, in the order each thread makes them. */
enum call_id {
	C_BEFORE_EXEC,
	C_MAP,
	C_PROTECT,
	C_TRIM,
	C_PROTECT_HOLE,
	C_RELEASE,
	C_MOVE,
	C_THREAD_MAP,
	C_THREAD_UNMAP,
	C_UNMAP_MOVED,
	C_UNMAP_AREA,
	C_KEEP,
	C_COUNT
};

struct want_piece {
	enum aspace_piece_kind kind;
	uint64_t start;
	uint64_t end;
	enum call_id origin; /* the call whose bytes these are */
	uint64_t to;	     /* MOVED: where they went */
};

struct want_call {
	enum who who;
	int err; /* the positive errno, or 0 */
	enum sysdecode_kind kind;
	long nr;
	uint64_t args[6]; /* as many as the kind has */
	int64_t rval;	  /* as the kernel returns it: -errno on failure */
	size_t npieces;
	struct want_piece pieces[3];
};

#define A ENGINE_AREA_ADDR
#define M ENGINE_MOVED_ADDR
#define T ENGINE_THREAD_ADDR
#define K ENGINE_KEPT_ADDR
#define B ENGINE_BEFORE_EXEC_ADDR

/* What tests/programs/engine_calls.c does, and what each call changes in the model. */
static const struct want_call want[C_COUNT] = {
	[C_BEFORE_EXEC] = { .who = BEFORE_EXEC,
			    .kind = SYSDECODE_MMAP,
			    .nr = SYS_mmap,
			    .args = { B, ENGINE_BEFORE_EXEC_LEN, PROT_READ, FIXED, NO_FD, 0 },
			    .rval = (int64_t)B,
			    .npieces = 1,
			    .pieces = { { ASPACE_PIECE_MAPPED, B, B + ENGINE_BEFORE_EXEC_LEN,
					  C_BEFORE_EXEC, 0 } } },
	[C_MAP] = { .who = MAIN,
		    .kind = SYSDECODE_MMAP,
		    .nr = SYS_mmap,
		    .args = { A, ENGINE_AREA_LEN, PROT_READ | PROT_WRITE, FIXED, NO_FD, 0 },
		    .rval = (int64_t)A,
		    .npieces = 1,
		    .pieces = { { ASPACE_PIECE_MAPPED, A, A + ENGINE_AREA_LEN, C_MAP, 0 } } },
	[C_PROTECT] = { .who = MAIN,
			.kind = SYSDECODE_MPROTECT,
			.nr = SYS_mprotect,
			.args = { A, PAGE, PROT_READ },
			.npieces = 1,
			.pieces = { { ASPACE_PIECE_PROTECTED, A, A + PAGE, C_MAP, 0 } } },
	[C_TRIM] = { .who = MAIN,
		     .kind = SYSDECODE_MUNMAP,
		     .nr = SYS_munmap,
		     .args = { A + PAGE, 2 * PAGE },
		     .npieces = 1,
		     .pieces = { { ASPACE_PIECE_UNMAPPED, A + PAGE, A + 3 * PAGE, C_MAP, 0 } } },
	/* The kernel changed the first page before it met the hole: the model asked it. */
	[C_PROTECT_HOLE] = { .who = MAIN,
			     .kind = SYSDECODE_MPROTECT,
			     .nr = SYS_mprotect,
			     .args = { A, 4 * PAGE, PROT_NONE },
			     .rval = -ENOMEM,
			     .err = ENOMEM,
			     .npieces = 1,
			     .pieces = { { ASPACE_PIECE_PROTECTED, A, A + PAGE, C_MAP, 0 } } },
	[C_RELEASE] = { .who = MAIN,
			.kind = SYSDECODE_MADVISE,
			.nr = SYS_madvise,
			.args = { A + 3 * PAGE, 5 * PAGE, MADV_DONTNEED },
			.npieces = 1,
			.pieces = { { ASPACE_PIECE_RELEASED, A + 3 * PAGE, A + 8 * PAGE, C_MAP,
				      0 } } },
	[C_MOVE] = { .who = MAIN,
		     .kind = SYSDECODE_MREMAP,
		     .nr = SYS_mremap,
		     .args = { A + 3 * PAGE, PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, M },
		     .rval = (int64_t)M,
		     .npieces = 2,
		     .pieces = { { ASPACE_PIECE_MOVED, A + 3 * PAGE, A + 4 * PAGE, C_MAP, M },
				 { ASPACE_PIECE_MAPPED, M + PAGE, M + 3 * PAGE, C_MOVE, 0 } } },
	[C_THREAD_MAP] = { .who = THREAD,
			   .kind = SYSDECODE_MMAP,
			   .nr = SYS_mmap,
			   .args = { T, ENGINE_THREAD_LEN, PROT_READ, FIXED, NO_FD, 0 },
			   .rval = (int64_t)T,
			   .npieces = 1,
			   .pieces = { { ASPACE_PIECE_MAPPED, T, T + ENGINE_THREAD_LEN,
					 C_THREAD_MAP, 0 } } },
	[C_THREAD_UNMAP] = { .who = THREAD,
			     .kind = SYSDECODE_MUNMAP,
			     .nr = SYS_munmap,
			     .args = { T, ENGINE_THREAD_LEN },
			     .npieces = 1,
			     .pieces = { { ASPACE_PIECE_UNMAPPED, T, T + ENGINE_THREAD_LEN,
					   C_THREAD_MAP, 0 } } },
	/* Moved bytes keep their origin; the grown ones are the mremap's. */
	[C_UNMAP_MOVED] = { .who = MAIN,
			    .kind = SYSDECODE_MUNMAP,
			    .nr = SYS_munmap,
			    .args = { M, 3 * PAGE },
			    .npieces = 2,
			    .pieces = { { ASPACE_PIECE_UNMAPPED, M, M + PAGE, C_MAP, 0 },
					{ ASPACE_PIECE_UNMAPPED, M + PAGE, M + 3 * PAGE, C_MOVE,
					  0 } } },
	[C_UNMAP_AREA] = { .who = MAIN,
			   .kind = SYSDECODE_MUNMAP,
			   .nr = SYS_munmap,
			   .args = { A, ENGINE_AREA_LEN },
			   .npieces = 2,
			   .pieces = { { ASPACE_PIECE_UNMAPPED, A, A + PAGE, C_MAP, 0 },
				       { ASPACE_PIECE_UNMAPPED, A + 4 * PAGE, A + ENGINE_AREA_LEN,
					 C_MAP, 0 } } },
	[C_KEEP] = { .who = MAIN,
		     .kind = SYSDECODE_MMAP,
		     .nr = SYS_mmap,
		     .args = { K, ENGINE_KEPT_LEN, PROT_READ | PROT_WRITE, FIXED, NO_FD, 0 },
		     .rval = (int64_t)K,
		     .npieces = 1,
		     .pieces = { { ASPACE_PIECE_MAPPED, K, K + ENGINE_KEPT_LEN, C_KEEP, 0 } } },
};

/* What the sink received, in order. */
enum event_type {
	EV_PROC_START,
	EV_CALL,
	EV_EXEC,
	EV_THREAD,
	EV_MISMATCH,
	EV_SNAPSHOT,
	EV_PROC_END,
};

struct event {
	enum event_type type;
	pid_t pid;
	pid_t tid;
	uint64_t time_ns;
	/* EV_CALL */
	uint64_t seq;
	struct sysdecode_call call;
	bool finished;
	int64_t rval;
	int err;
	uint32_t stack_id;
	bool fd_path;
	struct aspace_piece *pieces;
	size_t npieces;
	/* EV_EXEC: the model was made anew, from the kernel */
	bool before_exec_gone;
	bool all_exec_origins;
	/* EV_THREAD */
	bool exited;
	uint64_t sp;
	/* EV_SNAPSHOT */
	bool final;
	int snapshot_ret;
	uint64_t kept_rss;
	uint64_t kept_private;
	uint64_t kept_origin_seq;
	bool area_gone;
	/* EV_PROC_END */
	int wait_status;
};

struct recorder {
	struct event *events;
	size_t count;
	size_t cap;
	size_t proc_frees;
	struct engine *eng;
	char tmp_path[PATH_MAX]; /* a file of the case, removed at teardown; "" for none */
	size_t ticks;		 /* on_tick calls */
	size_t kill_at;		 /* on_tick asks to kill everything at this call; 0: never */
};

static struct event *add_event(struct recorder *rec, enum event_type type, pid_t pid)
{
	struct event *ev;

	xgrowarray((void **)&rec->events, &rec->cap, rec->count + 1, sizeof(*rec->events));
	ev = &rec->events[rec->count++];
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->pid = pid;
	return ev;
}

static size_t count_events(const struct recorder *rec, enum event_type type)
{
	size_t count = 0;

	for (size_t i = 0; i < rec->count; i++)
		count += rec->events[i].type == type;
	return count;
}

/* The sink's own data of a process: its pid, freed by proc_free (ASan sees a leak). */
static void *rec_proc_start(void *ctx, const struct proc *proc)
{
	pid_t *data = xmalloc(sizeof(*data));

	*data = proc->pid;
	(void)add_event(ctx, EV_PROC_START, proc->pid);
	return data;
}

static void rec_proc_free(void *ctx, void *sink_data)
{
	struct recorder *rec = ctx;

	assert_non_null(sink_data);
	free(sink_data);
	rec->proc_frees++;
}

static void rec_call(void *ctx, const struct engine_call *call)
{
	struct event *ev = add_event(ctx, EV_CALL, call->pid);

	assert_non_null(call->proc->sink_data);
	assert_int_equal(*(pid_t *)call->proc->sink_data, call->pid);
	ev->tid = call->tid;
	ev->time_ns = call->time_ns;
	ev->seq = call->seq;
	ev->call = *call->call;
	ev->finished = call->finished;
	ev->rval = call->rval;
	ev->err = call->err;
	ev->stack_id = call->stack_id;
	ev->fd_path = call->fd_path != NULL;
	ev->npieces = call->changes->count;
	if (ev->npieces) {
		ev->pieces = xmalloc(ev->npieces * sizeof(*ev->pieces));
		memcpy(ev->pieces, call->changes->pieces, ev->npieces * sizeof(*ev->pieces));
	}
}

static void rec_exec(void *ctx, const struct proc *proc, uint64_t time_ns)
{
	struct event *ev = add_event(ctx, EV_EXEC, proc->pid);
	struct aspace *as = mm_aspace(proc->mm);
	struct aspace_cursor cur;
	const struct aspace_region *region;

	ev->time_ns = time_ns;
	ev->before_exec_gone = aspace_find(as, ENGINE_BEFORE_EXEC_ADDR) == NULL;
	ev->all_exec_origins = aspace_count(as) > 0;
	aspace_for_each (as, 0, &cur, region)
		if (region->origin.kind != ASPACE_ORIGIN_EXEC)
			ev->all_exec_origins = false;
}

static void rec_proc_end(void *ctx, const struct proc *proc, uint64_t time_ns)
{
	struct event *ev = add_event(ctx, EV_PROC_END, proc->pid);

	ev->time_ns = time_ns;
	ev->wait_status = proc->wait_status;
}

static void rec_mismatch(void *ctx, const struct proc *proc, uint64_t seq,
			 const struct mm_diff *diff)
{
	struct recorder *rec = ctx;
	struct event *ev;

	/* The first few are enough to see what went wrong. */
	if (count_events(rec, EV_MISMATCH) < 3)
		print_error("verify: after #%" PRIu64 ", %zu range(s) differ, the first %#" PRIx64
			    "-%#" PRIx64 "\n",
			    seq, diff->nranges, diff->ranges[0].start, diff->ranges[0].end);
	ev = add_event(rec, EV_MISMATCH, proc->pid);
	ev->seq = seq;
}

/* As the session does (tracer/session.c, take_snapshot): the resident pages, now. */
static void rec_snapshot(void *ctx, struct proc *proc, pid_t tid, bool final)
{
	struct recorder *rec = ctx;
	struct event *ev = add_event(rec, EV_SNAPSHOT, proc->pid);
	struct mm_snapshot snap = { 0 };
	const struct aspace_region *kept = aspace_find(mm_aspace(proc->mm), ENGINE_KEPT_ADDR);
	struct aspace_cursor cur;

	ev->tid = tid;
	ev->final = final;
	ev->snapshot_ret = mm_snapshot(proc->mm, tid, &snap);
	for (size_t i = 0; i < snap.nusage; i++)
		if (snap.usage[i].start == ENGINE_KEPT_ADDR) {
			ev->kept_rss = snap.usage[i].rss;
			ev->kept_private = snap.usage[i].private_bytes;
		}
	ev->kept_origin_seq = kept ? kept->origin.seq : 0;
	ev->area_gone = aspace_first_from(mm_aspace(proc->mm), ENGINE_AREA_ADDR, &cur) == kept;
	mm_snapshot_clear(&snap);
}

static void rec_thread(void *ctx, const struct proc *proc, pid_t tid, bool exited, uint64_t sp,
		       uint64_t time_ns)
{
	struct event *ev = add_event(ctx, EV_THREAD, proc->pid);

	ev->tid = tid;
	ev->exited = exited;
	ev->sp = sp;
	ev->time_ns = time_ns;
}

static const struct engine_sink recording_sink = {
	.proc_start = rec_proc_start,
	.proc_free = rec_proc_free,
	.call = rec_call,
	.exec = rec_exec,
	.proc_end = rec_proc_end,
	.mismatch = rec_mismatch,
	.snapshot = rec_snapshot,
	.thread = rec_thread,
};

static int setup(void **state)
{
	*state = xcalloc(1, sizeof(struct recorder));
	return 0;
}

static int teardown(void **state)
{
	struct recorder *rec = *state;

	engine_free(rec->eng);
	if (rec->tmp_path[0])
		(void)unlink(rec->tmp_path);
	for (size_t i = 0; i < rec->count; i++)
		free(rec->events[i].pieces);
	free(rec->events);
	free(rec);
	return 0;
}

/*
 * Runs argv under a new engine with --verify, every callback recorded.
 * Skips when ptrace is not permitted here.  Returns the launched pid.
 */
static pid_t run_with(struct recorder *rec, char *const argv[], const struct engine_options *opts)
{
	pid_t pid;
	int ret;

	rec->eng = engine_new(opts, &recording_sink, rec);
	ret = engine_launch(rec->eng, argv);
	if (ret == -EPERM || ret == -ENOSYS) {
		/* ENOSYS: qemu-user, where the cross build's tests run, has no ptrace. */
		print_message("no ptrace here (PTRACE_SEIZE: %s): skipped\n", strerror(-ret));
		skip();
	}
	assert_int_equal(ret, 0);
	pid = engine_main_pid(rec->eng);
	assert_true(pid > 0);
	assert_false(engine_attached(rec->eng));
	assert_int_equal(engine_run(rec->eng), 0);
	return pid;
}

static pid_t run(struct recorder *rec, char *const argv[])
{
	const struct engine_options opts = { .verify = true };

	return run_with(rec, argv, &opts);
}

/* Index of the only event of type (the test fails if there is not exactly one). */
static size_t only_event(const struct recorder *rec, enum event_type type)
{
	size_t found = rec->count;

	assert_int_equal(count_events(rec, type), 1);
	for (size_t i = 0; i < rec->count; i++)
		if (rec->events[i].type == type)
			found = i;
	return found;
}

static bool marked(uint64_t addr)
{
	return addr >= ENGINE_MARK_LO && addr < ENGINE_MARK_HI;
}

/* Whether a call is one of the table's: it names an address in the marked range. */
static bool is_known(const struct event *ev)
{
	const struct sysdecode_desc *desc = sysdecode_desc(ev->call.ent->kind);

	return marked(ev->call.args[0]) ||
	       ((desc->flags & SYSDECODE_RET_ADDR) && marked((uint64_t)ev->rval));
}

static void print_event_call(const struct event *ev)
{
	char text[256], result[128];

	(void)sysdecode_format_call(text, sizeof(text), &ev->call, NULL);
	(void)sysdecode_format_result(result, sizeof(result), &ev->call, ev->finished, ev->rval,
				      ev->err);
	print_error("  [%d] #%" PRIu64 " %s = %s\n", (int)ev->tid, ev->seq, text, result);
	for (size_t i = 0; i < ev->npieces; i++)
		print_error("    piece %d %#" PRIx64 "-%#" PRIx64 " of #%" PRIu64 " to %#" PRIx64
			    "\n",
			    (int)ev->pieces[i].kind, ev->pieces[i].start, ev->pieces[i].end,
			    ev->pieces[i].origin_seq, ev->pieces[i].to);
}

/*
 * Whether an argument is what the table says.  The kernel reads an int
 * argument (a descriptor, flags, a protection) from the low half of its
 * register, and the caller need not clear the upper half: compare those
 * on 32 bits.
 */
static bool same_arg(enum sysdecode_arg type, uint64_t got, uint64_t want_arg)
{
	switch (type) {
	case SYSDECODE_ARG_ADDR:
	case SYSDECODE_ARG_ULONG:
	case SYSDECODE_ARG_HEX:
	case SYSDECODE_ARG_MREMAP_ADDR:
		return got == want_arg;
	default:
		return (uint32_t)got == (uint32_t)want_arg;
	}
}

/*
 * Checks that the recorded call ev is the table's entry id: number,
 * arguments (as many as its kind has), result, and pieces, whose origins
 * name the calls already matched (seqs).
 */
static void check_call(const struct event *ev, enum call_id id, const uint64_t seqs[C_COUNT])
{
	const struct want_call *wc = &want[id];
	const struct sysdecode_desc *desc = sysdecode_desc(ev->call.ent->kind);
	bool ok = ev->call.arch == UNITTEST_ARCH && ev->call.ent->kind == wc->kind &&
		  ev->call.nr == (uint64_t)wc->nr && ev->rval == wc->rval && ev->err == wc->err &&
		  ev->npieces == wc->npieces;

	for (size_t i = 0; i < 6 && desc->args[i] != SYSDECODE_ARG_NONE; i++)
		ok = ok && same_arg(desc->args[i], ev->call.args[i], wc->args[i]);
	for (size_t i = 0; ok && i < wc->npieces; i++) {
		const struct aspace_piece *got = &ev->pieces[i];
		const struct want_piece *piece = &wc->pieces[i];

		ok = got->kind == piece->kind && got->start == piece->start &&
		     got->end == piece->end && got->origin_seq == seqs[piece->origin] &&
		     got->origin_kind == ASPACE_ORIGIN_CALL &&
		     (got->kind != ASPACE_PIECE_MOVED || got->to == piece->to);
	}
	if (ok)
		return;
	print_error("call %d of the table, expected:\n", (int)id);
	{
		struct sysdecode_call call;
		char text[256], result[128];

		(void)sysdecode_entry(&call, UNITTEST_ARCH, (uint64_t)wc->nr, wc->args);
		(void)sysdecode_format_call(text, sizeof(text), &call, NULL);
		(void)sysdecode_format_result(result, sizeof(result), &call, true, wc->rval,
					      wc->err);
		print_error("  %s = %s\n", text, result);
	}
	for (size_t i = 0; i < wc->npieces; i++)
		print_error("    piece %d %#" PRIx64 "-%#" PRIx64 " of #%" PRIu64 " to %#" PRIx64
			    "\n",
			    (int)wc->pieces[i].kind, wc->pieces[i].start, wc->pieces[i].end,
			    seqs[wc->pieces[i].origin], wc->pieces[i].to);
	print_error("got:\n");
	print_event_call(ev);
	fail();
}

/*
 * Matches the known calls of one thread, in the order they were received,
 * against the table's entries of who, in the table's order.  Other calls
 * (the loader's, glibc's) are let pass.  Records each match's seq and its
 * index in the log.
 */
static void match_thread(const struct recorder *rec, pid_t tid, size_t from, size_t to,
			 enum who who, uint64_t seqs[C_COUNT], size_t where[C_COUNT])
{
	enum call_id next = 0;

	while (next < C_COUNT && want[next].who != who)
		next++;
	for (size_t i = from; i < to; i++) {
		const struct event *ev = &rec->events[i];

		if (ev->type != EV_CALL || ev->tid != tid || !is_known(ev))
			continue;
		if (next == C_COUNT) {
			print_error("a call the table does not have:\n");
			print_event_call(ev);
			fail();
		}
		seqs[next] = ev->seq;
		where[next] = i;
		check_call(ev, next, seqs);
		do
			next++;
		while (next < C_COUNT && want[next].who != who);
	}
	if (next != C_COUNT)
		fail_msg("call %d of the table never came", (int)next);
}

/* The last snapshot: after the last call, at the leader's exit stop, whole. */
static void check_last_snapshot(const struct recorder *rec, pid_t pid, const size_t where[],
				const uint64_t seqs[], size_t end_at)
{
	const struct event *ev;
	size_t snap_at = rec->count;

	for (size_t i = 0; i < rec->count; i++)
		if (rec->events[i].type == EV_SNAPSHOT)
			snap_at = i;
	assert_true(snap_at > where[C_KEEP] && snap_at < end_at);
	ev = &rec->events[snap_at];
	assert_true(ev->final);
	assert_int_equal(ev->tid, pid);
	assert_int_equal(ev->snapshot_ret, 0);
	assert_int_equal(ev->kept_rss, ENGINE_KEPT_TOUCHED * PAGE);
	assert_int_equal(ev->kept_private, ENGINE_KEPT_TOUCHED * PAGE);
	assert_int_equal(ev->kept_origin_seq, seqs[C_KEEP]);
	assert_true(ev->area_gone);
}

/* The engine's account of the engine_calls run by pid. */
static void check_account(const struct recorder *rec, pid_t pid)
{
	const struct proc *proc;
	int status;

	assert_int_equal(engine_exec_errno(rec->eng), 0);
	status = engine_main_status(rec->eng);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), ENGINE_CALLS_STATUS);
	proc = engine_procs(rec->eng);
	assert_non_null(proc);
	assert_int_equal(proc->pid, pid);
	assert_true(proc->ended);
	assert_true(proc->reported);
	assert_int_equal(proc->execs, 2);
	assert_null(proc->next);
	assert_true(proc->calls[SYSDECODE_MMAP] >= 4);
	assert_true(proc->failed >= 1);
}

/*
 * engine_calls runs: every callback, checked against what the program
 * did.  Log order: proc_start, the first program's calls, exec, the second
 * program's calls and its thread's (started and exited around its own
 * calls), snapshot, proc_end.
 */
static void known_calls(struct recorder *rec, const struct engine_options *opts)
{
	char path[] = ENGINE_CALLS_PATH;
	char *argv[] = { path, NULL };
	uint64_t seqs[C_COUNT] = { 0 }, last_seq = 0;
	size_t where[C_COUNT] = { 0 };
	size_t exec_at, end_at, start_at = rec->count, exit_at = rec->count;
	const struct event *ev;
	pid_t pid, thread = 0;
	int status;

	pid = run_with(rec, argv, opts);

	check_account(rec, pid);
	status = engine_main_status(rec->eng);

	/* One process: started first, ended last, never a mismatch with the kernel. */
	assert_int_equal(count_events(rec, EV_MISMATCH), 0);
	assert_int_equal(only_event(rec, EV_PROC_START), 0);
	end_at = only_event(rec, EV_PROC_END);
	assert_int_equal(end_at, rec->count - 1);
	assert_int_equal(rec->events[end_at].wait_status, status);

	/* Every call: of the process, finished, no stack asked for, numbered in order. */
	for (size_t i = 0; i < rec->count; i++) {
		ev = &rec->events[i];
		assert_int_equal(ev->pid, pid);
		if (ev->type == EV_THREAD && !ev->exited) {
			assert_int_equal(thread, 0);
			thread = ev->tid;
			start_at = i;
		} else if (ev->type == EV_THREAD) {
			exit_at = i;
		}
		if (ev->type != EV_CALL)
			continue;
		assert_true(ev->tid == pid || (thread && ev->tid == thread));
		assert_true(ev->finished);
		assert_int_equal(ev->stack_id, 0);
		assert_true(ev->seq > last_seq);
		last_seq = ev->seq;
	}

	/* The thread: started before its calls, exited on its own after them, same stack. */
	assert_int_equal(count_events(rec, EV_THREAD), 2);
	assert_true(thread != 0 && thread != pid);
	assert_true(start_at < exit_at);
	assert_int_equal(rec->events[exit_at].tid, thread);
	assert_true(rec->events[start_at].sp != 0);
	assert_int_equal(rec->events[exit_at].sp, rec->events[start_at].sp);

	/* The exec: the second program's model is made anew from the kernel. */
	exec_at = only_event(rec, EV_EXEC);
	assert_true(rec->events[exec_at].before_exec_gone);
	assert_true(rec->events[exec_at].all_exec_origins);

	match_thread(rec, pid, 0, exec_at, BEFORE_EXEC, seqs, where);
	match_thread(rec, pid, exec_at, rec->count, MAIN, seqs, where);
	match_thread(rec, thread, 0, rec->count, THREAD, seqs, where);

	/* Between threads: created after the mremap, joined before the next munmap. */
	assert_true(start_at > where[C_MOVE] && start_at < where[C_THREAD_MAP]);
	assert_true(exit_at > where[C_THREAD_UNMAP] && exit_at < where[C_UNMAP_MOVED]);
	assert_true(seqs[C_MOVE] < seqs[C_THREAD_MAP] &&
		    seqs[C_THREAD_UNMAP] < seqs[C_UNMAP_MOVED]);

	/* How much of each origin the unmaps leave: trims, then the rest. */
	ev = &rec->events[where[C_TRIM]];
	assert_int_equal(ev->pieces[0].origin_left, ENGINE_AREA_LEN - 2 * PAGE);
	assert_int_equal(ev->pieces[0].origin_total, ENGINE_AREA_LEN);
	ev = &rec->events[where[C_UNMAP_AREA]];
	assert_int_equal(ev->pieces[1].origin_left, 0);
	ev = &rec->events[where[C_THREAD_UNMAP]];
	assert_int_equal(ev->pieces[0].origin_left, 0);

	check_last_snapshot(rec, pid, where, seqs, end_at);

	engine_free(rec->eng);
	rec->eng = NULL;
	assert_int_equal(rec->proc_frees, 1);
}

/* With --verify: the sink hears of each call before the task goes on, then the model is checked. */
static void test_known_calls(void **state)
{
	const struct engine_options opts = { .verify = true };

	known_calls(*state, &opts);
}

/* The default: the sink hears of each call and new thread after the task was resumed. */
static void test_known_calls_after_resume(void **state)
{
	const struct engine_options opts = { 0 };

	known_calls(*state, &opts);
}

/* An output that shares the program's terminal: before the task goes on, without --verify. */
static void test_known_calls_before_resume(void **state)
{
	const struct engine_options opts = { .sink_before_resume = true };

	known_calls(*state, &opts);
}

/*
 * A program that cannot be executed: the engine says with which errno,
 * and the child exits with 127 (not found) or 126, as a shell would.
 * Nothing ran, so nothing is reported but the process's start and end.
 */
static void run_unexecutable(struct recorder *rec, char *path, int err, int exit_status)
{
	char *argv[] = { path, NULL };
	int status;

	(void)run(rec, argv);
	assert_int_equal(engine_exec_errno(rec->eng), err);
	status = engine_main_status(rec->eng);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), exit_status);
	assert_int_equal(rec->count, 2);
	assert_int_equal(rec->events[0].type, EV_PROC_START);
	assert_int_equal(rec->events[1].type, EV_PROC_END);
	assert_int_equal(rec->events[1].wait_status, status);
	engine_free(rec->eng);
	rec->eng = NULL;
	assert_int_equal(rec->proc_frees, 1);
}

static void test_not_found(void **state)
{
	char path[] = "/nonexistent/memtrace-test-engine";

	run_unexecutable(*state, path, ENOENT, 127);
}

/* A file without an execute bit: EACCES, even for root (fs/namei.c). */
static void test_not_executable(void **state)
{
	struct recorder *rec = *state;
	const char *tmp = getenv("TMPDIR");
	int fd;

	(void)snprintf(rec->tmp_path, sizeof(rec->tmp_path), "%s/test_engine.XXXXXX",
		       tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(rec->tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	assert_int_equal(close(fd), 0);
	run_unexecutable(rec, rec->tmp_path, EACCES, 126);
}

static enum engine_tick_action count_tick(void *ctx)
{
	struct recorder *rec = ctx;

	return ++rec->ticks == rec->kill_at ? ENGINE_KILL_ALL : ENGINE_GO_ON;
}

/*
 * A caller's timer that asks the engine for a tick every 100 ms, as
 * memtrace's own handlers do.  Its handler is installed with SA_RESTART,
 * so it never interrupts the engine's waitpid() itself: only the SIGALRM
 * engine_request_tick() arms can, as when a signal comes just before the
 * loop blocks.
 */
static void kick(int sig)
{
	(void)sig;
	engine_request_tick();
}

static timer_t start_kicker(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2 };
	struct itimerspec every = { .it_interval.tv_nsec = 100000000L,
				    .it_value.tv_nsec = 100000000L };
	struct sigaction act = { .sa_handler = kick, .sa_flags = SA_RESTART };
	timer_t timer;

	sigemptyset(&act.sa_mask);
	assert_int_equal(sigaction(SIGUSR2, &act, NULL), 0);
	assert_int_equal(timer_create(CLOCK_MONOTONIC, &sev, &timer), 0);
	assert_int_equal(timer_settime(timer, 0, &every, NULL), 0);
	return timer;
}

static void stop_kicker(timer_t timer)
{
	assert_int_equal(timer_delete(timer), 0);
	(void)signal(SIGUSR2, SIG_DFL);
}

/*
 * Ticks asked for while the program blocks in a system call the engine
 * does not stop (a 1 s sleep) come while it blocks: about ten; fewer
 * than five would mean a tick that waits for the program's next stop.
 */
static void test_tick(void **state)
{
	struct recorder *rec = *state;
	const struct engine_options opts = { .on_tick = count_tick, .tick_ctx = rec };
	char sleep_cmd[] = "sleep", one[] = "1";
	char *argv[] = { sleep_cmd, one, NULL };
	timer_t kicker = start_kicker();
	int status;

	(void)run_with(rec, argv, &opts);
	stop_kicker(kicker);
	status = engine_main_status(rec->eng);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(rec->ticks >= 5);
}

/* No tick is asked for: on_tick alone arms no timer, and is never called. */
static void test_no_tick_unasked(void **state)
{
	struct recorder *rec = *state;
	const struct engine_options opts = { .on_tick = count_tick, .tick_ctx = rec };
	char sleep_cmd[] = "sleep", half[] = "0.3";
	char *argv[] = { sleep_cmd, half, NULL };

	(void)run_with(rec, argv, &opts);
	assert_int_equal(rec->ticks, 0);
}

/* on_tick's answer is acted on: ENGINE_KILL_ALL ends a 60 s sleep at the third tick. */
static void test_tick_kills(void **state)
{
	struct recorder *rec = *state;
	const struct engine_options opts = { .on_tick = count_tick, .tick_ctx = rec };
	char sleep_cmd[] = "sleep", sixty[] = "60";
	char *argv[] = { sleep_cmd, sixty, NULL };
	timer_t kicker = start_kicker();
	int status;

	rec->kill_at = 3;
	(void)run_with(rec, argv, &opts);
	stop_kicker(kicker);
	status = engine_main_status(rec->eng);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_true(rec->ticks >= 3);
	assert_true(engine_now_ns(rec->eng) < 30 * ENGINE_TICK_NS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_known_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_calls_after_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_calls_before_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_executable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tick_unasked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tick_kills, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
