/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A live run: the engine, stack capture and the outputs.  See session.h. */
#include "session.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "procmaps.h"
#include "signals.h"
#include "util.h"
#include "../report/churn.h"
#include "../report/text.h"
#include "../unwind/capture.h"
#include "../unwind/dbgfetch.h"
#include "../unwind/unwinder.h"

/* How often the trace is written out (signals_start_flush()). */
#define SESSION_FLUSH_NS 1000000000ULL

/* --verify prints the first mismatches whole, then only counts them. */
#define VERIFY_MISMATCHES_SHOWN 10

/* What the report needs of a process beyond its model (proc->sink_data). */
struct proc_state {
	struct churn *churn;
	struct mm_snapshot snap; /* at its last snapshot; usage NULL: none taken */
	uint64_t mismatches;
	uint64_t interval_vsz; /* at the last --interval line */
	bool exiting;	       /* its exit snapshot is taken: the figures stay as they were then */
};

struct session {
	struct session_options opts;
	struct engine *engine;
	struct stacks *stacks;
	struct modules *modules;
	struct stackfmt *stackfmt;
	struct output_env env;
	struct output *outputs[8];
	size_t noutputs;
	uint64_t mismatches;
	struct capture *capture; /* NULL: --no-stacks */
	struct dbgfetch *fetch;	 /* NULL: no --debuginfod */
	bool outputs_failed;	 /* one was not written whole */
};

/* The session die() cleans up after. */
static struct session *current;

static void *proc_start(void *ctx, const struct proc *proc)
{
	struct session *session = ctx;
	struct proc_state *state = xcalloc(1, sizeof(*state));

	(void)proc;
	state->churn = churn_new(session->opts.out.churn_ns);
	return state;
}

static void proc_free(void *ctx, void *sink_data)
{
	struct proc_state *state = sink_data;

	(void)ctx;
	if (!state)
		return;
	churn_free(state->churn);
	mm_snapshot_clear(&state->snap);
	free(state);
}

static struct proc_state *state_of(const struct proc *proc)
{
	return proc->sink_data;
}

/* How proc, ended, ended: its wait status decoded once, here. */
static struct names_ending ended_by_status(const struct proc *proc)
{
	if (WIFSIGNALED(proc->wait_status))
		return (struct names_ending){ .how = NAMES_END_KILLED,
					      .code = WTERMSIG(proc->wait_status),
					      .core_dumped = WCOREDUMP(proc->wait_status) != 0 };
	return (struct names_ending){ .how = NAMES_END_EXITED,
				      .code = WEXITSTATUS(proc->wait_status) };
}

/*
 * How proc ended, or that it has not, as the report and the trace's
 * summary read it: one memtrace let go of is detached, even if its last
 * task exited during the detach.
 */
static struct names_ending ending_of(const struct proc *proc)
{
	if (proc->detached)
		return (struct names_ending){ .how = NAMES_END_DETACHED,
					      .code = proc->left_stopped };
	if (!proc->ended)
		return (struct names_ending){ .how = NAMES_END_RUNNING };
	return ended_by_status(proc);
}

/*
 * What the outputs read of proc, as it is now, into *rp: the engine's
 * process stays the engine's.  rp borrows proc's program name.
 */
static const struct report_proc *report_proc_of(const struct proc *proc, struct report_proc *rp)
{
	*rp = (struct report_proc){ .pid = proc->pid,
				    .exe = proc->exe,
				    .name = proc->name,
				    .failed = proc->failed,
				    .threads = proc->live_tasks,
				    .end = ending_of(proc) };
	memcpy(rp->calls, proc->calls, sizeof(rp->calls));
	return rp;
}

static const struct aspace *aspace_of(const struct proc *proc)
{
	return proc->mm ? mm_aspace(proc->mm) : NULL;
}

static void sink_call(void *ctx, const struct engine_call *call)
{
	struct session *session = ctx;

	if (call->finished && call->changes)
		churn_apply(state_of(call->proc)->churn, call->time_ns, call->changes);
	for (size_t i = 0; i < session->noutputs; i++)
		if (session->outputs[i]->ops->call)
			session->outputs[i]->ops->call(session->outputs[i], call,
						       aspace_of(call->proc));
}

/* Stack capture (engine_unwind_ops): libunwind walks, the stack table interns. */
static void *unwind_attach(void *ctx)
{
	(void)ctx;
	return unwinder_new();
}

static void unwind_detach(void *ctx, void *unwind)
{
	(void)ctx;
	unwinder_free(unwind);
}

static void unwind_flush(void *ctx, void *unwind)
{
	(void)ctx;
	unwinder_flush(unwind);
}

static uint32_t unwind_capture(void *ctx, void *unwind, pid_t tid, const struct arch_regs *regs,
			       const struct aspace *as)
{
	struct session *session = ctx;

	return capture_stack(session->capture, unwind, tid, regs, as);
}

static const struct engine_unwind_ops unwind_ops = {
	.attach = unwind_attach,
	.detach = unwind_detach,
	.flush = unwind_flush,
	.capture = unwind_capture,
};

static void sink_exec(void *ctx, const struct proc *proc, uint64_t time_ns)
{
	struct session *session = ctx;
	struct proc_state *state = state_of(proc);
	struct report_proc rp;

	report_proc_of(proc, &rp);
	for (size_t i = 0; i < session->noutputs; i++)
		if (session->outputs[i]->ops->exec)
			session->outputs[i]->ops->exec(session->outputs[i], &rp, time_ns);
	/* A new program: what the old one did is not its. */
	churn_reset(state->churn);
	mm_snapshot_clear(&state->snap);
	state->exiting = false;
}

static void sink_proc_end(void *ctx, const struct proc *proc, uint64_t time_ns)
{
	struct session *session = ctx;
	struct report_proc rp;

	/* Never signal a pid that may be reused: forwarding stops with the program. */
	if (proc->pid == engine_main_pid(session->engine))
		signals_forward_to(0);
	/* The engine tells of every process's end; the outputs show those they show the calls of. */
	if (!proc->reported)
		return;
	report_proc_of(proc, &rp);
	/* Its end as its status says, detached or not: the events' "+++ exited with N +++". */
	rp.end = ended_by_status(proc);
	for (size_t i = 0; i < session->noutputs; i++)
		if (session->outputs[i]->ops->proc_end)
			session->outputs[i]->ops->proc_end(session->outputs[i], &rp, time_ns);
}

static void flush_outputs(struct session *session)
{
	for (size_t i = 0; i < session->noutputs; i++)
		if (session->outputs[i]->ops->flush)
			(void)session->outputs[i]->ops->flush(session->outputs[i]);
}

static void sink_mismatch(void *ctx, const struct proc *proc, uint64_t seq,
			  const struct mm_diff *diff)
{
	struct session *session = ctx;

	state_of(proc)->mismatches++;
	if (++session->mismatches <= VERIFY_MISMATCHES_SHOWN) {
		/* The outputs so far first, so the mismatch reads after the call that caused it. */
		flush_outputs(session);
		text_verify_mismatch(stderr, proc->pid, seq, diff, engine_paths(session->engine));
	}
}

/* Reads what the report needs of proc's memory now, through its task tid. */
static void take_snapshot(struct proc *proc, pid_t tid)
{
	int err = mm_snapshot(proc->mm, tid, &state_of(proc)->snap);

	if (err)
		debug_msg("process %d: smaps: %s", (int)proc->pid, strerror(-err));
}

static void sink_thread(void *ctx, const struct proc *proc, pid_t tid, bool exited, uint64_t sp,
			uint64_t time_ns)
{
	struct session *session = ctx;

	for (size_t i = 0; i < session->noutputs; i++)
		if (session->outputs[i]->ops->thread)
			session->outputs[i]->ops->thread(session->outputs[i], proc->pid, tid,
							 exited, sp, time_ns, aspace_of(proc));
}

static void sink_snapshot(void *ctx, struct proc *proc, pid_t tid, bool final)
{
	(void)ctx;
	take_snapshot(proc, tid);
	if (final)
		state_of(proc)->exiting = true;
}

/*
 * What the report and the trace's snapshot of proc are made from, as it
 * is now; rp is what they read of the process itself (report_proc_of).
 */
static struct report_input input_of(struct session *session, const struct proc *proc,
				    const struct report_proc *rp)
{
	struct proc_state *state = state_of(proc);

	return (struct report_input){
		.proc = rp,
		.as = proc->mm ? mm_aspace(proc->mm) : NULL,
		.paths = engine_paths(session->engine),
		.churn = state->churn,
		.usage = state->snap.usage,
		.nusage = state->snap.nusage,
		.heap = state->snap.have_heap ? &state->snap.heap : NULL,
		.verify = session->opts.out.verify,
		.mismatches = state->mismatches,
	};
}

/* Feeds every output proc's snapshot at a moment (with its report, but at an interval tick). */
static void feed_snapshot(struct session *session, const struct proc *proc, enum output_moment when)
{
	struct report_proc rp;
	struct output_snapshot snap = { .when = when,
					.time_ns = engine_now_ns(session->engine),
					.proc = report_proc_of(proc, &rp) };
	struct report_input in;
	struct report *rep = NULL;

	if (when == OUTPUT_EXEC)
		rp.end = (struct names_ending){ .how = NAMES_END_EXECED };
	in = input_of(session, proc, &rp);
	snap.in = &in;
	if (proc->mm && when != OUTPUT_INTERVAL)
		rep = report_compute(&in, session->stackfmt, session->stacks);
	snap.rep = rep;
	if (when == OUTPUT_INTERVAL) {
		pid_t tid = engine_live_tid(session->engine, proc);
		long rss_pages = procmaps_statm_resident(tid);

		snap.rss = rss_pages > 0 ? (uint64_t)rss_pages * ASPACE_PAGE_SIZE : 0;
		snap.prev_vsz = state_of(proc)->interval_vsz;
	}
	for (size_t i = 0; i < session->noutputs; i++)
		if (session->outputs[i]->ops->snapshot)
			session->outputs[i]->ops->snapshot(session->outputs[i], &snap);
	if (when == OUTPUT_INTERVAL)
		state_of(proc)->interval_vsz = aspace_total(snap.in->as);
	report_free(rep);
}

/* Whether an output wants the resident figures read at each --interval tick. */
static bool interval_reads_usage(const struct session *session)
{
	for (size_t i = 0; i < session->noutputs; i++)
		if (session->outputs[i]->ops->needs & OUTPUT_NEEDS_INTERVAL_USAGE)
			return true;
	return false;
}

/* SIGUSR1: the report of every live process, read now; --interval: its line. */
static void report_now(struct session *session, bool report, bool interval)
{
	for (struct proc *proc = engine_procs(session->engine); proc; proc = proc->next) {
		if (!proc->reported || proc->ended || !proc->mm)
			continue;
		/* Between its exit snapshot and its end: nothing left to read. */
		if (state_of(proc)->exiting)
			continue;
		if (report || (interval && interval_reads_usage(session)))
			take_snapshot(proc, engine_live_tid(session->engine, proc));
		if (report)
			feed_snapshot(session, proc, OUTPUT_SIGNAL);
		if (interval)
			feed_snapshot(session, proc, OUTPUT_INTERVAL);
	}
}

/* The engine's tick: what memtrace's signals asked for. */
static enum engine_tick_action session_tick(void *ctx)
{
	struct session *session = ctx;
	struct signal_requests req;

	signals_take(&req);
	if (req.report || req.interval)
		report_now(session, req.report, req.interval);
	if (req.flush)
		flush_outputs(session);
	if (req.kill)
		return ENGINE_KILL_ALL;
	if (req.detach)
		return ENGINE_DETACH_ALL;
	return ENGINE_GO_ON;
}

/*
 * The old program's last report, from its model as the exec found it.
 * Its memory is gone already: no resident figures (a snapshot read
 * before, at SIGUSR1 or a tick, is of another moment: not shown).
 */
static void sink_exec_old(void *ctx, const struct proc *proc, uint64_t time_ns)
{
	struct session *session = ctx;
	struct proc_state *state = state_of(proc);

	(void)time_ns;
	mm_snapshot_clear(&state->snap);
	feed_snapshot(session, proc, OUTPUT_EXEC);
	state->mismatches = 0;
}

static const struct engine_sink session_sink = {
	.proc_start = proc_start,
	.proc_free = proc_free,
	.call = sink_call,
	.exec_old = sink_exec_old,
	.exec = sink_exec,
	.proc_end = sink_proc_end,
	.mismatch = sink_mismatch,
	.snapshot = sink_snapshot,
	.thread = sink_thread,
};

/* die()'s hook: kill every tracee (launch mode never detaches), keep what was written. */
static void cleanup(void)
{
	struct session *session = current;

	if (!session)
		return;
	/* Launch mode kills (a filtered task cannot outlive memtrace); attach mode leaves. */
	if (session->engine && engine_attached(session->engine))
		engine_detach_all(session->engine);
	else if (session->engine)
		engine_kill_all(session->engine);
	flush_outputs(session);
}

struct session *session_new(const struct session_options *opts)
{
	struct session *session = xcalloc(1, sizeof(*session));
	struct engine_options eopts = {
		.report_children = opts->follow_forks,
		.verify = opts->out.verify,
		.detach_at_ns = opts->duration_ns,
		/* An output on stdout: the program writes to stderr (as with perf record -o -). */
		.stdout_to_stderr = output_stdout_count(&opts->out) > 0,
		.program_ignores_sigpipe = opts->sigpipe_ignored,
		.program_nofile = opts->nofile,
	};

	/*
	 * memtrace's handlers first, before anything that takes time: a
	 * signal from now on detaches (attach mode), or is forwarded to the
	 * program, kept until it is there (signals_forward_to()), rather than
	 * ending memtrace half-way.
	 */
	signals_install(opts->out.npids > 0);

	session->opts = *opts;
	session->stacks = stacks_new();
	if (!opts->no_stacks) {
		eopts.unwind = &unwind_ops;
		eopts.unwind_ctx = session;
	}
	eopts.on_tick = session_tick;
	eopts.tick_ctx = session;
	session->engine = engine_new(&eopts, &session_sink, session);
	session->modules = modules_new(engine_paths(session->engine));
	if (opts->debuginfod) {
		/* Without it (a line said why), names come from what is installed. */
		session->fetch = dbgfetch_new(opts->debuginfod_urls);
		modules_set_fetch(session->modules, session->fetch);
	}
	if (!opts->no_stacks)
		session->capture = capture_new(session->modules, session->stacks, opts->max_frames);
	session->stackfmt = stackfmt_new(engine_paths(session->engine), session->modules);
	session->env = (struct output_env){ .paths = engine_paths(session->engine),
					    .mods = session->modules,
					    .stacks = session->stacks,
					    .fmt = session->stackfmt };
	current = session;
	set_cleanup(cleanup);
	return session;
}

/*
 * Closes every output, saying so of one whose lines did not all get there
 * (unless it was said when a write failed: output_failed()); such an
 * output is a failed output (session_outputs_failed()).
 */
static void close_outputs(struct session *session)
{
	for (size_t i = 0; i < session->noutputs; i++) {
		struct output *out = session->outputs[i];
		const char *what = out->what, *path = out->path;
		char name[PATH_MAX + 32];
		bool said;
		int err;

		/* What it holds yet goes first: a write that fails then says so itself. */
		if (out->ops->flush)
			(void)out->ops->flush(out);
		said = out->failed != 0;
		err = out->ops->close(out);

		if (!err && !said)
			continue;
		session->outputs_failed = true;
		if (said)
			continue;
		output_name(name, sizeof(name), what, path);
		error_msg("cannot write %s: %s", name, strerror(-err));
	}
	session->noutputs = 0;
}

bool session_outputs_failed(const struct session *session)
{
	return session->outputs_failed;
}

/*
 * Whether out writes where the program may write too: a terminal (a
 * character device other than /dev/null), or the file memtrace's
 * standard output or error is, which a launched program inherits.
 */
static bool shares_program_output(const struct output *out)
{
	struct stat st, std, null;
	int err;

	if (!out->path)
		err = fstat(STDERR_FILENO, &st);
	else if (!strcmp(out->path, "-"))
		err = fstat(STDOUT_FILENO, &st);
	else
		err = stat(out->path, &st);
	if (err < 0)
		return false;
	if (S_ISCHR(st.st_mode))
		return stat("/dev/null", &null) < 0 || st.st_rdev != null.st_rdev;
	for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
		if (fstat(fd, &std) == 0 && std.st_dev == st.st_dev && std.st_ino == st.st_ino)
			return true;
	return false;
}

/*
 * Opens what the options ask for.  Returns 0, or -1 after a line on
 * stderr.  An output of each call that shares the program's terminal or
 * file hears of each call before the program goes on, so that its lines
 * and the program's come in the order they happened.
 */
static int open_outputs(struct session *session)
{
	bool before = false;

	if (output_check_files(&session->opts.out) < 0)
		return -1;
	for (size_t i = 0; i < output_count; i++) {
		struct output *out;

		/* session->outputs has room for every output of the list. */
		assert(session->noutputs < ARRAY_SIZE(session->outputs));
		if (output_list[i]->open(&session->opts.out, &session->env, &out) < 0)
			return -1;
		if (!out)
			continue;
		session->outputs[session->noutputs++] = out;
		if ((out->ops->call || out->ops->thread) && shares_program_output(out))
			before = true;
	}
	engine_set_sink_before_resume(session->engine, before);
	return 0;
}

int session_launch(struct session *session, char *const argv[])
{
	int err;

	/* Before the program starts: it never runs when an output cannot be written. */
	if (open_outputs(session) < 0) {
		close_outputs(session);
		return 2;
	}
	err = engine_launch(session->engine, argv);
	if (err < 0) {
		errno = -err;
		perror_msg("cannot trace '%s'%s", argv[0],
			   err == -EPERM ? " (ptrace not permitted here)" : "");
		return 1;
	}
	signals_forward_to(engine_main_pid(session->engine));
	return 0;
}

/*
 * Whether pid is a kernel thread: the Kthread field of its status (Linux
 * 6.2 and later), else no program and no command line, as only kernel
 * threads have (a zombie is told apart before).
 */
static bool kernel_thread(pid_t pid)
{
	char path[64], target[8], *argv0;
	long flag = procmaps_status_field(pid, "Kthread", -1);

	if (flag >= 0)
		return flag == 1;
	(void)snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (readlink(path, target, sizeof(target)) >= 0 || errno != ENOENT)
		return false;
	argv0 = procmaps_argv0(pid);
	free(argv0);
	return !argv0;
}

/*
 * Whether pid made itself non-dumpable (prctl(PR_SET_DUMPABLE, 0), or an
 * exec of a setuid or privileged program): the files in its /proc
 * directory then belong to root, whoever runs it.
 */
static bool undumpable(pid_t pid)
{
	char path[64];
	struct stat st;
	long uid = procmaps_status_field(pid, "Uid", -1);

	(void)snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	return uid > 0 && stat(path, &st) == 0 && st.st_uid == 0;
}

/*
 * Why ptrace was refused on pid: memtrace itself, a kernel thread, a
 * zombie, another tracer, Yama, a process made non-dumpable, or a missing
 * capability.
 */
static void explain_eperm(pid_t pid)
{
	char comm[64];
	long tracer = procmaps_status_field(pid, "TracerPid", 0);
	long scope;

	if (pid == getpid()) {
		error_msg("cannot attach to %d: it is memtrace itself", (int)pid);
		return;
	}
	if (procmaps_state(pid) == 'Z') {
		error_msg("cannot attach to %d: it is a zombie (it has exited, and its parent "
			  "has not reaped it)",
			  (int)pid);
		return;
	}
	if (kernel_thread(pid)) {
		if (procmaps_comm(pid, comm, sizeof(comm)) < 0)
			(void)snprintf(comm, sizeof(comm), "?");
		error_msg("cannot attach to %d: it is a kernel thread (%s), which ptrace cannot "
			  "trace",
			  (int)pid, comm);
		return;
	}
	if (tracer > 0) {
		if (procmaps_comm((pid_t)tracer, comm, sizeof(comm)) < 0)
			(void)snprintf(comm, sizeof(comm), "?");
		error_msg("cannot attach to %d: it is already traced by %ld (%s)", (int)pid, tracer,
			  comm);
		return;
	}
	scope = procmaps_read_long("/proc/sys/kernel/yama/ptrace_scope", -1);
	if (scope >= 1)
		error_msg("cannot attach to %d: not permitted (kernel.yama.ptrace_scope is %ld%s)",
			  (int)pid, scope, scope == 3 ? ": no process may attach" : "");
	else if (undumpable(pid) && procmaps_status_field(pid, "Uid", -1) == (long)getuid())
		error_msg("cannot attach to %d: not permitted (it is not dumpable: "
			  "prctl(PR_SET_DUMPABLE, 0), or a setuid or privileged program; "
			  "CAP_SYS_PTRACE would be needed)",
			  (int)pid);
	else
		error_msg("cannot attach to %d: not permitted (not the same user, and no "
			  "CAP_SYS_PTRACE)",
			  (int)pid);
}

/* Attaches to each process, or to none (what was attached is let go). */
static int attach_all(struct session *session)
{
	for (size_t i = 0; i < session->opts.out.npids; i++) {
		pid_t pid = session->opts.out.pids[i], tgid;
		int err = engine_attach(session->engine, pid, &tgid);

		if (err == 0) {
			if (tgid != pid)
				error_msg("%d is a thread of process %d: attaching to all of it",
					  (int)pid, (int)tgid);
			continue;
		}
		if (err == -ESRCH)
			error_msg("no such process %d", (int)pid);
		else if (err == -EPERM || err == -EACCES)
			explain_eperm(pid);
		else
			error_msg("cannot attach to %d: %s", (int)pid, strerror(-err));
		/* engine_attach() let go of the processes named before this one. */
		return err;
	}
	return 0;
}

int session_attach(struct session *session)
{
	/* The handlers are in (session_new()): a Ctrl-C while attaching detaches. */
	if (attach_all(session) < 0)
		return 1;
	/* Only now: an attach that fails leaves no empty files behind. */
	if (open_outputs(session) < 0) {
		engine_detach_all(session->engine);
		close_outputs(session);
		return 2;
	}
	return 0;
}

int session_run(struct session *session)
{
	int err;

	if (session->opts.interval_ns)
		signals_start_interval(session->opts.interval_ns);
	/*
	 * The trace is written out at least once a second, busy or idle, so
	 * that a memtrace killed outright loses at most its last second.
	 */
	if (session->opts.out.trace_path)
		signals_start_flush(SESSION_FLUSH_NS);
	err = engine_run(session->engine);
	if (err < 0)
		return err;
	/* A program that could not be run: nothing to report, the outputs end as they are. */
	if (!engine_exec_errno(session->engine)) {
		for (struct proc *proc = engine_procs(session->engine); proc; proc = proc->next)
			if (proc->reported)
				feed_snapshot(session, proc, OUTPUT_FINAL);
		for (size_t i = 0; i < session->noutputs; i++)
			if (session->outputs[i]->ops->end)
				session->outputs[i]->ops->end(session->outputs[i],
							      session->mismatches);
	}
	close_outputs(session);
	return 0;
}

int session_exec_errno(const struct session *session)
{
	return engine_exec_errno(session->engine);
}

int session_main_status(const struct session *session)
{
	return engine_main_status(session->engine);
}

void session_free(struct session *session)
{
	if (!session)
		return;
	close_outputs(session);
	if (current == session)
		current = NULL;
	/*
	 * What borrows goes before what it borrows: the capture borrows the
	 * modules and the stacks, the formatter the modules, both the
	 * engine's paths.  Once the outputs are closed, what the engine may
	 * still call back (a detach's snapshot, proc_free) needs none of them.
	 */
	capture_free(session->capture);
	stackfmt_free(session->stackfmt);
	modules_free(session->modules);
	dbgfetch_free(session->fetch);
	stacks_free(session->stacks);
	engine_free(session->engine);
	free(session);
}
