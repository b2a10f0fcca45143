/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ptrace engine: launches the program, runs the wait loop, keeps the
 * task and process bookkeeping, and hands every finished memory call to a
 * sink.  The only module that calls ptrace().
 *
 * Launch mode (docs/design.md, "Launch"): a seccomp filter makes only the
 * memory calls stop; each gives a seccomp stop at entry (arguments) and
 * one syscall-exit stop (result).  Every task of the launched program is
 * followed, forks included, until it exits: a filtered task without a
 * tracer would get ENOSYS from its memory calls.
 */
#ifndef MEMTRACE_ENGINE_H
#define MEMTRACE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "mm.h"
#include "sysdecode.h"
#include "tasks.h"

/*
 * Stack capture, supplied by the caller: unwind/ sits above the engine
 * (docs/design.md: tracer -> unwind -> model -> outputs), so the engine knows it
 * only through this table (strace's struct unwind_unwinder_t).  ctx is
 * engine_options.unwind_ctx; unwind is what attach returned.
 */
struct engine_unwind_ops {
	/* A capture context for the address space of a process, or NULL. */
	void *(*attach)(void *ctx);
	/* Frees one.  Accepts NULL. */
	void (*detach)(void *ctx, void *unwind);
	/* An executable mapping went away or changed: cached unwind tables are stale. */
	void (*flush)(void *ctx, void *unwind);
	/*
	 * The stack of task tid, stopped with registers regs, as a stack id
	 * (0: none); as is its process's model, to record where each frame
	 * lies.
	 */
	uint32_t (*capture)(void *ctx, void *unwind, pid_t tid, const struct arch_regs *regs,
			    const struct aspace *as);
};

/*
 * The tick.  The engine owns SIGALRM and ITIMER_REAL (one engine runs
 * at a time): its handler, installed without SA_RESTART, only sets a
 * flag, and the timer fires every ENGINE_TICK_NS while engine_run() runs
 * and something needs time to pass (--duration, memory calls held in a
 * queue).  The loop reads the flag before each wait and then ticks:
 * queued calls that waited too long are let go, on_tick is called, the
 * --duration deadline is checked.  A caller's own signal handler calls
 * engine_request_tick() for a tick as soon as the loop can: at once if
 * the loop was blocked in waitpid() and the handler was installed
 * without SA_RESTART (waitpid() returns EINTR); else when the one-shot
 * SIGALRM engine_request_tick() arms (1 ms) ends the wait.  The timer
 * is off once engine_run() returns.  While it runs, whatever memtrace
 * blocks in may return EINTR (a write to a full pipe): the callers retry.
 */
#define ENGINE_TICK_NS 100000000ULL

/* What on_tick asks the loop to do. */
enum engine_tick_action {
	ENGINE_GO_ON,
	ENGINE_KILL_ALL,   /* SIGKILL every traced process (engine_kill_all()) */
	ENGINE_DETACH_ALL, /* attach mode: detach from everything, engine_run() returns */
};

struct engine_options {
	bool report_children; /* -f: forked processes are reported too */
	bool verify;	      /* compare each reported process's model with the kernel's */
	const struct engine_unwind_ops *unwind; /* NULL: no stacks */
	void *unwind_ctx;
	/*
	 * Called from the loop, never from a signal handler, at each tick
	 * (above): what memtrace's own signals and timers asked for is done
	 * here.  Its answer tells the loop what to do next.  May be NULL.
	 */
	enum engine_tick_action (*on_tick)(void *ctx);
	void *tick_ctx;
	/* Attach mode: detach at this time (engine_now_ns), 0 for never (--duration). */
	uint64_t detach_at_ns;
	/* Launch mode: the program's standard output is memtrace's stderr (-o - has stdout). */
	bool stdout_to_stderr;
	/*
	 * Launch mode: the program starts with SIGPIPE ignored, as memtrace
	 * itself was started; else with its default action, whatever
	 * memtrace does with it.
	 */
	bool program_ignores_sigpipe;
	/*
	 * The soft limit of open files memtrace started with, when it
	 * raised its own (main.c): the program gets it back, else 0.
	 */
	unsigned long long program_nofile;
	/*
	 * The sink hears of each call and each new thread before the task
	 * is resumed, as strace prints: its lines then keep their order with
	 * what the program writes to the same terminal or file.  Else after,
	 * so that the program runs on while memtrace formats (the model is
	 * updated before the task goes on either way).
	 */
	bool sink_before_resume;
};

/* One memory call, as the sink sees it. */
struct engine_call {
	uint64_t seq;	  /* 1, 2, ... in the order calls entered, over all tasks */
	uint64_t time_ns; /* at entry, since engine_new() */
	pid_t pid;
	pid_t tid;
	const struct proc *proc;
	uint32_t stack_id; /* the stack at entry; 0: none */
	const struct sysdecode_call *call;
	const char *fd_path; /* the mapped file, for mmap of a file; else NULL */
	bool finished;	     /* false: the task exited or exec'd inside the call */
	int64_t rval;
	int err; /* positive errno, 0 on success */
	/* What the call did to the model: pieces naming the origins it affects. */
	const struct aspace_changes *changes;
};

/*
 * What the engine reports, in the order it happens.  Only calls and execs
 * of reported processes are passed on; every process's end is.  Any
 * callback may be NULL.  The pointers are borrowed for the call only.
 * call and thread may run after the task was resumed (see
 * sink_before_resume): they must read only memtrace's own data (the
 * model, the call), never the tracee's memory or its /proc files.
 */
struct engine_sink {
	/*
	 * A process appeared (launched, attached, forked): returns the sink's
	 * own data of it, kept in proc->sink_data (the engine never looks),
	 * or NULL.  proc_free frees it when the engine is freed.
	 */
	void *(*proc_start)(void *ctx, const struct proc *proc);
	void (*proc_free)(void *ctx, void *sink_data);
	void (*call)(void *ctx, const struct engine_call *call);
	/*
	 * proc's program is being replaced by an exec (not the launch's own):
	 * its model, its calls and its name are still the old program's, its
	 * memory is already the new one's.  exec follows, with the new ones.
	 */
	void (*exec_old)(void *ctx, const struct proc *proc, uint64_t time_ns);
	void (*exec)(void *ctx, const struct proc *proc, uint64_t time_ns);
	void (*proc_end)(void *ctx, const struct proc *proc, uint64_t time_ns);
	/*
	 * --verify: after call seq (0: at the process's exit), the model of
	 * proc differs from /proc/PID/maps as diff says.
	 */
	void (*mismatch)(void *ctx, const struct proc *proc, uint64_t seq,
			 const struct mm_diff *diff);
	/*
	 * The last moment proc's memory can be read (its resident pages, its
	 * heap): the exit stop of its leader or of its last task, where the
	 * address space is still whole; or just before memtrace detaches.
	 * May come more than once: the last one counts.  tid is a task of it
	 * whose /proc files are whole (a leader may be a zombie); final: the
	 * process ends or is left here (not a leader's pthread_exit with
	 * threads running on).
	 */
	void (*snapshot)(void *ctx, struct proc *proc, pid_t tid, bool final);
	/*
	 * A thread of a reported process started (its first stop; sp its
	 * stack pointer then) or ended on its own (exited: at its exit stop;
	 * not one taken down with its process).
	 */
	void (*thread)(void *ctx, const struct proc *proc, pid_t tid, bool exited, uint64_t sp,
		       uint64_t time_ns);
};

struct engine;

/* Returns a new engine, owned by the caller (engine_free). */
struct engine *engine_new(const struct engine_options *opts, const struct engine_sink *sink,
			  void *ctx);
/* Frees the engine.  Tracees still alive are killed.  Accepts NULL. */
void engine_free(struct engine *eng);

/*
 * Starts argv under the engine: fork, the child stops itself, the engine
 * seizes it (TRACESECCOMP|TRACECLONE|TRACEFORK|TRACEVFORK|TRACEEXEC|
 * TRACEEXIT|TRACESYSGOOD|EXITKILL), and only then does the child install
 * the filter and exec.  Returns 0 once the child is seized; -errno when
 * fork or PTRACE_SEIZE failed (-EPERM: ptrace not allowed here).  An exec
 * failure shows later, through engine_exec_errno().
 */
int engine_launch(struct engine *eng, char *const argv[]);

/*
 * Attaches to every task of the process holding task pid (docs/design.md,
 * "Attach"): PTRACE_SEIZE of each tid in /proc/PID/task, rescanning until
 * two passes find nothing new; no seccomp filter and no EXITKILL, so every
 * system call stops at entry and exit and memtrace can leave.  Seeds the
 * process's model from /proc/PID/maps (origin [before attach]).  Sets
 * *tgid to the process (pid may be one of its threads).
 * Returns 0, -ESRCH (no such process), or -EPERM (not allowed: another
 * tracer, Yama, no CAP_SYS_PTRACE); on an error nothing stays attached,
 * not even the processes of earlier calls.
 */
int engine_attach(struct engine *eng, pid_t pid, pid_t *tgid);

/*
 * Leaves every traced task as it would be without memtrace: a call in
 * flight is finished first, a pending signal is delivered, a task stopped
 * by job control stays stopped (strace's detach()).  Returns when none is
 * left.
 */
void engine_detach_all(struct engine *eng);

/*
 * The wait loop: returns when no traced task is left.  Returns 0, or
 * -errno if waitpid failed for another reason than ECHILD.
 */
int engine_run(struct engine *eng);

/*
 * Asks for a tick as soon as the loop can (see "The tick" above).
 * Async-signal-safe: for a signal handler.
 */
void engine_request_tick(void);

/* Whether the engine attached to running processes (rather than launched one). */
bool engine_attached(const struct engine *eng);

/* Sets engine_options' sink_before_resume, once the outputs are known. */
void engine_set_sink_before_resume(struct engine *eng, bool before);

/* pid of the launched program (0 before engine_launch). */
pid_t engine_main_pid(const struct engine *eng);

/* The launched program's wait status, once it has ended. */
int engine_main_status(const struct engine *eng);

/*
 * After engine_run(): the errno with which the launched program could not
 * be executed, or 0 if it was executed.
 */
int engine_exec_errno(const struct engine *eng);

/* Every process, launched first, in order of appearance.  Borrowed. */
struct proc *engine_procs(struct engine *eng);

/* Sends SIGKILL to every traced process (die() and the second Ctrl-C). */
void engine_kill_all(struct engine *eng);

/* The interned strings (paths) the models refer to.  Borrowed. */
struct strtab *engine_paths(struct engine *eng);

/*
 * A task of proc whose /proc files are whole: its leader, unless the
 * leader has passed its exit stop or is a zombie (a pthread_exit from
 * main leaves a zombie leader while the threads run on); 0 when there
 * is none.
 */
pid_t engine_live_tid(struct engine *eng, const struct proc *proc);

/* Nanoseconds since engine_new(). */
uint64_t engine_now_ns(const struct engine *eng);

#endif /* MEMTRACE_ENGINE_H */
