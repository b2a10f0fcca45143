/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Traced tasks and processes: tid -> task -> process (strace's struct tcb).
 *
 * A task is one kernel thread; a process is a thread group.  Every task
 * found by tid in O(1); processes are kept after they end, in the order
 * they appeared, for the summary.
 */
#ifndef MEMTRACE_TASKS_H
#define MEMTRACE_TASKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sysdecode.h"

struct mm;
struct aspace_changes;

/* A range a call changed while another whose place the kernel chooses was in flight. */
struct flight_mark {
	uint64_t start;
	uint64_t end;
	uint64_t gen; /* the proc's apply_gen once it was applied */
};

struct proc {
	pid_t pid;	    /* thread group id */
	pid_t parent_pid;   /* the process that forked it; 0 for the launched one */
	bool adopted;	    /* seen before its creator's fork event, which has not come yet */
	bool reported;	    /* its calls are shown: the launched process, or -f */
	bool ended;	    /* every task of it is gone */
	bool detached;	    /* memtrace left it running (attach mode) */
	bool left_stopped;  /* ... or stopped, as job control had it (SIGSTOP, SIGTSTP) */
	bool group_exiting; /* a task called exit_group: the others end with it */
	bool foreign_abi;   /* called through an ABI the arch file has no personality for */
	int wait_status;    /* the leader's wait status once ended */
	unsigned int live_tasks;
	struct task *
		in_flight; /* tasks between a memory call's entry and its exit stop, by flight_next */
	struct task *queue_head; /* tasks whose memory call waits for the ones in flight */
	struct task *queue_tail;
	bool draining; /* flight_drain() runs: the calls it ends do not start another */
	bool overlapped; /* calls ran in an order the model cannot tell: resynchronize when none is in flight */
	/*
	 * --verify: calls ended while others were in flight; their changes,
	 * checked when none is (new calls wait for that).
	 */
	bool verify_due;
	struct aspace_changes *unverified;
	uint64_t apply_gen;	   /* counts the calls flight_applied() was told of */
	struct flight_mark *marks; /* what flight_applied() keeps */
	size_t nmarks;
	size_t marks_cap;
	unsigned int fresh_tasks;  /* of its tasks, those with TASK_FRESH */
	unsigned int exited_tasks; /* of its tasks, those with TASK_EXITED */
	bool mm_copied;		   /* its model is a copy of its parent's, made at fork */
	bool vm_shared;		   /* it runs in its parent's memory (vfork, CLONE_VM) */
	unsigned int execs;
	uint64_t calls[SYSDECODE_NKINDS]; /* finished memory calls by kind */
	uint64_t failed;		  /* of which returned an error */
	char *exe;			  /* the program it runs, from /proc at start and exec */
	char *name;	   /* its argv[0] then, as the user ran it (a symlink's name); NULL: none */
	struct mm *mm;	   /* its address space's model (reported processes); owned */
	void *unwind;	   /* its stack capture context (engine_unwind_ops); owned */
	void *sink_data;   /* the sink's own, freed by the sink; the engine never looks */
	struct proc *next; /* in order of appearance */
};

/* Task states the engine acts on. */
enum task_flags {
	/* Its initial ptrace-stop was seen: the next EVENT_STOP is a group-stop. */
	TASK_STARTED = 1U << 0,
	/*
	 * The launched child between its self-inflicted SIGSTOP and its exec:
	 * its SIGSTOP/SIGCONT stops are memtrace's own and are swallowed.
	 */
	TASK_LAUNCHING = 1U << 1,
	/* Between the entry of a memory call and its exit stop: resume with PTRACE_SYSCALL. */
	TASK_IN_CALL = 1U << 2,
	/*
	 * Held at the seccomp stop of a memory call until the call of another
	 * thread of its mm has returned: keep it stopped, it is in the queue.
	 */
	TASK_QUEUED = 1U << 4,
	/*
	 * Attach mode: no seccomp filter, so every system call stops at
	 * entry and exit; resume with PTRACE_SYSCALL, always.
	 */
	TASK_SYSCALL_STOPS = 1U << 5,
	/* Attach mode: inside a call that is not a memory call; its exit stop is next. */
	TASK_IN_OTHER = 1U << 6,
	/*
	 * Attach mode: seized, not stopped yet.  It may be inside a call,
	 * which ends untraced before its first stop.
	 */
	TASK_FRESH = 1U << 7,
	/* Past its PTRACE_EVENT_EXIT stop: its /proc files are going away. */
	TASK_EXITED = 1U << 8,
	/*
	 * Held at the exit stop of a memory call whose result lies where a
	 * call still in flight acts, which ran first: ended after it.
	 */
	TASK_DEFERRED = 1U << 9,
	/*
	 * At its exit stop, killed inside a memory call that ran: the call may
	 * have done its work in the kernel, and its end asks the kernel what.
	 */
	TASK_CUT_SHORT = 1U << 10,
};

struct task {
	pid_t tid;
	unsigned int flags;
	struct proc *proc;
	/* The memory call in progress (TASK_IN_CALL). */
	struct sysdecode_call call;
	uint64_t call_seq;
	uint64_t call_time_ns;	 /* at entry, since memtrace started */
	uint32_t call_stack;	 /* the stack id at entry; 0: none */
	char *fd_path;		 /* the file mapped by the call, or NULL */
	struct task *queue_next; /* TASK_QUEUED: the next in its process's queue */
	/* Where the call may act (sysdecode_span()), and its place among the process's calls. */
	enum sysdecode_span span;
	uint64_t span_start;
	uint64_t span_end;
	struct task *flight_next; /* TASK_IN_CALL: the next in its process's in_flight */
	uint64_t started_ns;	  /* when it was let run */
	uint64_t start_gen;	  /* its process's apply_gen then */
	bool placed;		  /* a SPAN_RESULT call whose result made it a SPAN_RANGE */
	int64_t exit_rval;	  /* TASK_DEFERRED: the result, kept for its end */
	int exit_err;
	uint64_t stack_sp; /* a thread's stack pointer at its first stop; 0: not known */
	/* Detaching: since when every tick saw it in uninterruptible sleep; 0: not so now. */
	uint64_t asleep_since_ns;
};

struct tasks;

/* Returns a new, empty table, owned by the caller (tasks_free). */
struct tasks *tasks_new(void);
/* Frees the table, its tasks and its processes.  Accepts NULL. */
void tasks_free(struct tasks *tasks);

/* Returns the live task tid, or NULL if it is unknown.  Borrowed. */
struct task *tasks_find(struct tasks *tasks, pid_t tid);

/*
 * Adds task tid to proc (whose live_tasks grows by one).  tid must not be
 * known yet.  Returns the task, borrowed: valid until tasks_remove().
 */
struct task *tasks_add(struct tasks *tasks, pid_t tid, struct proc *proc);

/* Forgets a task; its process's live_tasks drops by one (ended at zero). */
void tasks_remove(struct tasks *tasks, struct task *task);

/*
 * Gives task the tid new_tid: execve from a non-leader thread takes over
 * the leader's tid (ptrace(2), "execve(2) under ptrace").  new_tid must
 * not be known.
 */
void tasks_rekey(struct tasks *tasks, struct task *task, pid_t new_tid);

/* Number of live tasks. */
size_t tasks_count(const struct tasks *tasks);

/* Calls fn on every live task, in no particular order; fn must not add or remove tasks. */
void tasks_for_each(struct tasks *tasks, void (*fn)(struct task *task, void *arg), void *arg);

/* Returns the live process pid (found through its leader task), or NULL.  Borrowed. */
struct proc *tasks_proc_find(struct tasks *tasks, pid_t pid);

/* Adds a process; owned by the table, listed in order of appearance. */
struct proc *tasks_proc_add(struct tasks *tasks, pid_t pid, pid_t parent_pid, bool reported);

/* The first process (the launched one); follow ->next for the others. */
struct proc *tasks_procs(struct tasks *tasks);

#endif /* MEMTRACE_TASKS_H */
