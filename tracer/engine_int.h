/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the engine's files share, private to them: struct engine and the
 * functions one file calls in another.  engine.h is the interface.
 *
 *   engine.c         the wait loop: each stop decoded and acted on
 *   engine_procs.c   engine_new/free, the accessors, processes from /proc
 *   engine_launch.c  fork, seize, the child's filter and exec
 *   engine_attach.c  PTRACE_SEIZE of running processes, and detaching
 *   engine_queue.c   the per-process queue of memory calls
 *   engine_timer.c   the engine's timer, SIGALRM, and its tick
 */
#ifndef MEMTRACE_ENGINE_INT_H
#define MEMTRACE_ENGINE_INT_H

#include <sys/ptrace.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "engine.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

#define SYSCALL_STOP_SIG (SIGTRAP | 0x80) /* PTRACE_O_TRACESYSGOOD */

struct engine {
	struct engine_options opts;
	const struct engine_sink *sink;
	void *ctx;
	struct tasks *tasks;
	struct timespec start;
	uint64_t seq;
	pid_t main_pid;
	struct proc *main_proc;
	int exec_err_fd; /* read end of the child's CLOEXEC pipe, or -1 */
	int exec_errno;
	bool killed_all;
	size_t adopted;	   /* processes whose creator's fork event has not come yet */
	pid_t dispatching; /* the task whose stop is being handled (0: none) */
	/* PTRACE_GET_SYSCALL_INFO (Linux 5.3): probed at the first stop. */
	bool syscall_info_probed;
	bool syscall_info_missing;
	struct strtab *paths;	       /* interned paths of every model */
	struct mm_reader *mm_reader;   /* what the models share to read /proc */
	struct aspace_changes changes; /* of the call being finished, reused */
	/* The call end_call() ended, until report_call() gives it to the sink. */
	struct engine_call ended;
	bool ended_pending;
	size_t queued;	  /* tasks held in a queue, over all processes */
	bool ticking;	  /* engine_run() runs: the tick is wanted (set_timer()) */
	bool attach_mode; /* no filter: every call stops (TASK_SYSCALL_STOPS) */
	bool detaching;	  /* tasks already let go run untraced: no more verifying */
};

/*
 * A wait status, decoded (strace's enum trace_event): what next_event()
 * returns, what dispatch_event() and the detach act on.
 */
enum trace_event_kind {
	TE_EXITED,	    /* the task exited or was killed (status) */
	TE_NOT_STOPPED,	    /* neither an end nor a stop: nothing to do */
	TE_SYSCALL_STOP,    /* a syscall-entry or -exit stop (PTRACE_O_TRACESYSGOOD) */
	TE_SIGNAL_DELIVERY, /* a signal-delivery-stop (sig) */
	TE_SECCOMP,	    /* PTRACE_EVENT_SECCOMP: a memory call's entry */
	TE_CLONE,	    /* PTRACE_EVENT_CLONE, _FORK or _VFORK (ptrace_event) */
	TE_EXEC,	    /* PTRACE_EVENT_EXEC */
	TE_EXIT,	    /* PTRACE_EVENT_EXIT: the task is about to exit */
	TE_EVENT_STOP,	    /* PTRACE_EVENT_STOP (sig): a first stop, a group-stop, a SIGCONT */
	TE_OTHER_EVENT,	    /* another PTRACE_EVENT_* */
};

struct trace_event {
	enum trace_event_kind kind;
	pid_t tid;
	struct task *task; /* the task tid, NULL when it is not known */
	int status;	   /* as waitpid returned it */
	int sig;	   /* the stop's signal (WSTOPSIG), 0 for an end */
	int ptrace_event;  /* PTRACE_EVENT_*, 0 for none */
};

/* engine_procs.c */

/* A process in the task table, and the sink's data of it. */
struct proc *add_proc(struct engine *eng, pid_t pid, pid_t parent_pid, bool reported);
/* A process made by a clone of parent (NULL: not known yet), reported with -f. */
struct proc *new_proc(struct engine *eng, pid_t pid, struct proc *parent);
/*
 * proc->exe from /proc/TID/exe and proc->name from its argv[0], read
 * through its task tid (a zombie leader's show nothing), kept as they
 * were if the link cannot be read.
 */
void update_exe(struct proc *proc, pid_t tid);
/*
 * Says so on stderr when proc, just exec'd, runs a set-user-ID or
 * set-group-ID file, or one with file capabilities, without the
 * privilege it gives: the kernel does not give it to a traced program
 * unless its tracer has CAP_SYS_PTRACE (fs/exec.c, LSM_UNSAFE_PTRACE).
 */
void warn_unprivileged(const struct proc *proc);
/* A forked proc's program and name: its parent's, unless it has its own already. */
void inherit_exe(struct proc *proc, const struct proc *parent);
/* The thread group of tid, from /proc/TID/status; tid itself when unreadable. */
pid_t read_tgid(pid_t tid);

/* engine_queue.c */

/* Lets a decoded memory call run, to its exit stop. */
void start_call(struct engine *eng, struct task *task);
/* Puts task among the calls in flight of its process (TASK_IN_CALL), without resuming it. */
void flight_add(struct task *task);
/* Whether task's memory call may start now, with the calls of its process in flight. */
bool flight_can_start(const struct proc *proc, const struct task *task);
/* Takes task out of its process's calls in flight (TASK_IN_CALL, TASK_DEFERRED). */
void flight_remove(struct engine *eng, struct task *task);
/*
 * Task's call was applied to the model, changing changes: noted for the
 * calls in flight whose place is not known.
 */
void flight_applied(struct proc *proc, const struct task *task,
		    const struct aspace_changes *changes);
/*
 * At the exit stop of task's call, with its result: true when it must
 * wait (TASK_DEFERRED, its task kept stopped) for a call in flight that
 * ran before it.
 */
bool flight_defer(struct engine *eng, struct task *task, int64_t rval, int err);
/* Ends the deferred calls whose wait is over and starts the queued calls that may start. */
void flight_drain(struct engine *eng, struct proc *proc);
/* The first task of proc's queue, taken out of it; NULL when it is empty. */
struct task *queue_pop(struct engine *eng, struct proc *proc);
/* Holds task, stopped at a memory call's entry, at the end of its process's queue. */
void queue_push(struct engine *eng, struct task *task);
/* Takes task out of proc's queue. */
void dequeue(struct engine *eng, struct proc *proc, struct task *task);
/* Re-reads proc's model from the kernel once calls that ran together are over. */
void resync_if_settled(struct proc *proc, pid_t tid);
/* Lets go the queued calls of processes whose call in flight does not return. */
void release_stuck_queues(struct engine *eng);

/* engine_timer.c */

/*
 * Arms the engine's timer (ENGINE_TICK_NS) when on, or when the loop
 * runs and needs the tick all along; else disarms it.
 */
void set_timer(struct engine *eng, bool on);
/*
 * Installs the SIGALRM handler, once per process (SIGALRM is the
 * engine's): before anything may arm the timer, engine_request_tick()
 * included, whose SIGALRM would otherwise end memtrace.
 */
void timer_install(void);
/* Disarms the timer, the one-shot engine_request_tick() may have armed too. */
void timer_cancel(void);
/* Whether a tick is due: the timer fired or engine_request_tick() was called. */
bool tick_pending(void);
/* The due tick taken without its work (a detach's wait reads the time alone). */
void tick_clear(void);
/*
 * A tick: stuck queues released, on_tick called and its answer acted on,
 * the --duration deadline checked.  Returns true when the loop must end:
 * attach mode has detached from every task.
 */
bool engine_tick(struct engine *eng);

/* engine.c */

/*
 * Waits for the next stop or end of any traced task and decodes it into
 * ev.  Returns 0, or -errno from waitpid (-EINTR: a signal came first,
 * -ECHILD: no task is left).
 */
int next_event(struct engine *eng, struct trace_event *ev);

/* Resumes a stopped task with sig (0: none). */
void resume(struct task *task, int sig);
/* The system call task is stopped in.  Returns 0, or -ESRCH if it is gone. */
/*
 * The result of the memory call task is stopped at the exit of, and its
 * stack with stacks (engine.c).  Returns 0; 1 when the stop is not the
 * call's exit; -ESRCH when the task is gone.
 */
int exit_result(struct engine *eng, struct task *task, int64_t *rval, int *err);
int get_syscall_info(struct engine *eng, struct task *task, struct __ptrace_syscall_info *info,
		     bool at_exit);
/* A memory call ended (finished) or was cut short: the model, the sink. */
void finish_call(struct engine *eng, struct task *task, bool finished, int64_t rval, int err);
/* A call of task that will never see its exit stop, reported cut short. */
void abandon_call(struct engine *eng, struct task *task);
/* Task exited or was killed (its wait status): forgotten, its process maybe ended. */
void on_task_gone(struct engine *eng, struct task *task, int status);
/* Tells the sink of the call end_call() ended, if it has not heard of it yet. */
void report_call(struct engine *eng);
/*
 * An event without a stopped task to act on: an end (the task is
 * forgotten, if it was known) or a status that is no stop.  Returns
 * whether ev was one: then there is nothing more to do with it.
 */
bool event_without_stop(struct engine *eng, const struct trace_event *ev);

#endif /* MEMTRACE_ENGINE_INT_H */
