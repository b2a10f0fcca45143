/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attach and detach (docs/design.md, "Attach"): PTRACE_SEIZE of every
 * task of running processes, and leaving them all as they would be
 * without memtrace.
 *
 * References: ptrace(2) ("PTRACE_SEIZE", "PTRACE_INTERRUPT",
 * "PTRACE_DETACH"), and strace's src/strace.c (attach_tcb, detach).
 */
#include "engine_int.h"

#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "procmaps.h"
#include "util.h"

/*
 * Seizes the tasks of tgid not seized yet.  Returns how many, or -errno.
 * PTRACE_SEIZE also fails with EPERM on a thread that is exiting
 * (kernel/ptrace.c, ptrace_attach: PF_EXITING), which a process that
 * ends threads at a high rate always has: such a thread is passed over
 * when others of its process could be seized and no other tracer holds
 * it.  When none could, the process is not ours to trace: -EPERM.
 */
static int seize_pass(struct engine *eng, struct proc *proc, unsigned long options)
{
	char path[64];
	struct dirent *entry;
	int found = 0, denied = 0;
	DIR *dir;

	(void)snprintf(path, sizeof(path), "/proc/%d/task", (int)proc->pid);
	dir = opendir(path);
	if (!dir)
		return -ESRCH;
	while ((entry = readdir(dir)) != NULL) {
		pid_t tid = (pid_t)strtol(entry->d_name, NULL, 10);
		struct task *task;

		if (tid <= 0 || tasks_find(eng->tasks, tid))
			continue;
		if (ptrace(PTRACE_SEIZE, tid, 0L, options) < 0) {
			int err = errno;

			if (err == ESRCH)
				continue; /* it exited meanwhile */
			if (err == EPERM) {
				long tracer = procmaps_status_field(tid, "TracerPid", 0);

				if (tracer == getpid())
					continue; /* a clone we follow already: its own stop will come */
				if (tracer == 0) {
					denied++; /* exiting, or not allowed: told apart below */
					continue;
				}
			}
			(void)closedir(dir);
			return -err;
		}
		task = tasks_add(eng->tasks, tid, proc);
		task->flags |= TASK_STARTED | TASK_SYSCALL_STOPS | TASK_FRESH;
		proc->fresh_tasks++;
		/* Make it stop, so that its syscall stops can begin (PTRACE_SYSCALL). */
		(void)ptrace(PTRACE_INTERRUPT, tid, 0L, 0L);
		/* It stops only when it wakes (a vfork parent, a read of a hung NFS file). */
		if (procmaps_state(tid) == 'D')
			error_msg("[%d] task %d is in uninterruptible sleep: traced from when it "
				  "wakes",
				  (int)proc->pid, (int)tid);
		found++;
	}
	(void)closedir(dir);
	if (denied && !proc->live_tasks)
		return -EPERM;
	if (denied)
		debug_msg("process %d: %d exiting thread%s passed over", (int)proc->pid, denied,
			  denied == 1 ? "" : "s");
	return found;
}

static int attach_process(struct engine *eng, pid_t pid, pid_t *tgid_out)
{
	unsigned long options = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
				PTRACE_O_TRACESYSGOOD;
	char path[64];
	struct proc *proc;
	pid_t tgid, live;
	int quiet = 0, found;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (pid <= 0 || access(path, F_OK) != 0)
		return -ESRCH;
	tgid = read_tgid(pid);
	*tgid_out = tgid;
	if (tasks_proc_find(eng->tasks, tgid))
		return 0; /* named twice */
	if (eng->opts.report_children)
		options |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK;
	eng->attach_mode = true;
	proc = add_proc(eng, tgid, 0, true);
	if (!eng->main_proc) {
		eng->main_proc = proc;
		eng->main_pid = tgid;
	}
	/* Threads come and go while we attach: none may be missed. */
	while (quiet < 2) {
		found = seize_pass(eng, proc, options);
		if (found < 0) {
			if (found == -ESRCH && !proc->live_tasks)
				return -ESRCH;
			if (found == -ESRCH)
				break;
			return found;
		}
		quiet = found ? 0 : quiet + 1;
	}
	if (!proc->live_tasks)
		return -ESRCH;
	/* Through a live task: a leader that called pthread_exit shows no memory. */
	live = engine_live_tid(eng, proc);
	update_exe(proc, live);
	proc->mm = mm_new(eng->mm_reader);
	(void)mm_seed(proc->mm, live, ASPACE_ORIGIN_ATTACH, engine_now_ns(eng));
	/*
	 * Threads were running while we read the maps, maybe inside a memory
	 * call that ends untraced, before their first stop: re-read them once
	 * every seized task has stopped and no call of ours is in flight.
	 * Until then the model is not compared (verify).
	 */
	proc->overlapped = true;
	return 0;
}

int engine_attach(struct engine *eng, pid_t pid, pid_t *tgid_out)
{
	int err = attach_process(eng, pid, tgid_out);

	/*
	 * Never half-attached: on an error every task seized so far goes,
	 * of this process and of the ones before.  They may be running, and
	 * PTRACE_DETACH needs a stop: the detach that interrupts and waits
	 * does it.
	 */
	if (err < 0)
		engine_detach_all(eng);
	return err;
}

/* Detaches one stopped task with sig; its bookkeeping goes. */
static void detach_stopped(struct engine *eng, struct task *task, int sig)
{
	if (ptrace(PTRACE_DETACH, task->tid, 0L, (long)sig) < 0 && errno != ESRCH)
		debug_msg("ptrace(PTRACE_DETACH, %d): %s", (int)task->tid, strerror(errno));
	task->proc->detached = true;
	if (task->flags & TASK_QUEUED)
		dequeue(eng, task->proc, task);
	if (task->flags & TASK_IN_CALL)
		flight_remove(eng, task);
	tasks_remove(eng->tasks, task);
}

/*
 * A die() while a stop was being handled (out of memory, a ptrace call
 * that failed) comes here with that task in its ptrace-stop: no
 * interrupt would make it stop again, and waiting for it would wait
 * forever.  It goes at once; if it was resumed already, the detach
 * fails and the interrupt below stops it like any other.
 */
static void detach_dispatching(struct engine *eng)
{
	struct task *task = eng->dispatching ? tasks_find(eng->tasks, eng->dispatching) : NULL;

	eng->dispatching = 0;
	if (!task || (task->flags & (TASK_QUEUED | TASK_DEFERRED)))
		return;
	if (ptrace(PTRACE_DETACH, task->tid, 0L, 0L) < 0)
		return;
	task->proc->detached = true;
	if (task->flags & TASK_IN_CALL)
		flight_remove(eng, task);
	tasks_remove(eng->tasks, task);
}

static void interrupt_one(struct task *task, void *arg)
{
	(void)arg;
	if (!(task->flags & (TASK_QUEUED | TASK_DEFERRED)))
		(void)ptrace(PTRACE_INTERRUPT, task->tid, 0L, 0L);
}

struct held {
	struct task **tasks;
	size_t count;
	size_t cap;
};

static void collect_held(struct task *task, void *arg)
{
	struct held *held = arg;

	if (!(task->flags & (TASK_QUEUED | TASK_DEFERRED)))
		return;
	xgrowarray((void **)&held->tasks, &held->cap, held->count + 1, sizeof(struct task *));
	held->tasks[held->count++] = task;
}

/*
 * One stop or end while detaching: a task is let go at its next stop,
 * as it would be without memtrace.
 */
static void detach_event(struct engine *eng, const struct trace_event *ev)
{
	struct task *task = ev->task;
	int64_t rval;
	int err;

	if (event_without_stop(eng, ev))
		return;
	if (!task) {
		/* A clone seen first by its own stop: not ours to keep. */
		(void)ptrace(PTRACE_DETACH, ev->tid, 0L, 0L);
		return;
	}
	if (ev->kind == TE_SYSCALL_STOP) {
		/* The exit of a call in flight: record it, its stack too, then leave. */
		if ((task->flags & TASK_IN_CALL) && exit_result(eng, task, &rval, &err) == 0)
			finish_call(eng, task, true, rval, err);
		else if (task->flags & TASK_IN_CALL) {
			/* Not its exit yet (its entry): let it run to the exit first. */
			resume(task, 0);
			return;
		}
		detach_stopped(eng, task, 0);
	} else if (ev->kind == TE_SIGNAL_DELIVERY) {
		/* A signal-delivery-stop: the signal goes with it, as without memtrace. */
		detach_stopped(eng, task, ev->sig);
	} else {
		/* An interrupt, a group-stop (the task stays stopped), another event. */
		if (ev->kind == TE_EXIT)
			abandon_call(eng, task);
		/* A group-stop's PTRACE_EVENT_STOP has the stopping signal; an interrupt's, SIGTRAP. */
		if (ev->kind == TE_EVENT_STOP && ev->sig && ev->sig != SIGTRAP)
			task->proc->left_stopped = true;
		detach_stopped(eng, task, 0);
	}
}

/*
 * A task in uninterruptible sleep stops for the detach only when it wakes,
 * which may be long (a vfork parent waits for its child; a read of a hung
 * NFS file, forever): memtrace does not wait for it.  It stays traced
 * until memtrace ends; the kernel then lets it go (kernel/ptrace.c,
 * exit_ptrace), its pending interrupt cancelled, running on.  Brief
 * waits show as D too (a page fault's I/O, mmap_lock, fsync): only a task
 * every tick of SLEEPER_NS saw asleep is let go.
 */
#define SLEEPER_NS 500000000ULL

struct sleepers {
	struct held held;
	uint64_t now;
};

static void collect_sleeper(struct task *task, void *arg)
{
	struct sleepers *sleepers = arg;

	if (task->flags & (TASK_QUEUED | TASK_DEFERRED) || procmaps_state(task->tid) != 'D') {
		task->asleep_since_ns = 0;
		return;
	}
	if (!task->asleep_since_ns)
		task->asleep_since_ns = sleepers->now;
	if (sleepers->now - task->asleep_since_ns < SLEEPER_NS)
		return;
	xgrowarray((void **)&sleepers->held.tasks, &sleepers->held.cap, sleepers->held.count + 1,
		   sizeof(struct task *));
	sleepers->held.tasks[sleepers->held.count++] = task;
}

static void let_sleepers_go(struct engine *eng)
{
	struct sleepers sleepers = { .now = engine_now_ns(eng) };

	tick_clear();
	tasks_for_each(eng->tasks, collect_sleeper, &sleepers);
	for (size_t i = 0; i < sleepers.held.count; i++) {
		struct task *task = sleepers.held.tasks[i];

		error_msg(
			"[%d] task %d is in uninterruptible sleep: it is let go when memtrace ends",
			(int)task->proc->pid, (int)task->tid);
		abandon_call(eng, task);
		task->proc->detached = true;
		tasks_remove(eng->tasks, task);
	}
	free(sleepers.held.tasks);
}

void engine_detach_all(struct engine *eng)
{
	struct held held = { 0 };
	bool first = !eng->detaching;

	eng->detaching = true;
	report_call(eng);
	debug_msg("detaching from every task");
	eng->ticking = false;
	set_timer(eng, false);
	/*
	 * The last look at each process's memory, while it is still traced;
	 * once (engine_free() detaches what a first detach left, after the
	 * report).
	 */
	if (first)
		for (struct proc *proc = tasks_procs(eng->tasks); proc; proc = proc->next)
			if (!proc->ended && proc->reported && proc->mm && eng->sink->snapshot)
				eng->sink->snapshot(eng->ctx, proc, engine_live_tid(eng, proc),
						    true);
	detach_dispatching(eng);
	/*
	 * Tasks held at a memory call's entry or exit are stopped already:
	 * they go at once, a call that returned with its result.  Waiting for
	 * the call a held exit waits for could wait forever (it may wait for
	 * the held task: a userfaultfd handler), so the order of the two is
	 * lost: the process's model is marked for it.
	 */
	tasks_for_each(eng->tasks, collect_held, &held);
	for (size_t i = 0; i < held.count; i++) {
		struct task *task = held.tasks[i];

		if (task->flags & TASK_DEFERRED) {
			task->proc->overlapped = true;
			finish_call(eng, task, true, task->exit_rval, task->exit_err);
		}
		detach_stopped(eng, task, 0);
	}
	free(held.tasks);
	tasks_for_each(eng->tasks, interrupt_one, NULL);
	/* The tick ends a wait for a task that will not stop soon (let_sleepers_go()). */
	set_timer(eng, true);
	while (tasks_count(eng->tasks)) {
		struct trace_event ev;
		int err = next_event(eng, &ev);

		if (err == -EINTR) {
			if (tick_pending())
				let_sleepers_go(eng);
			continue;
		}
		if (err < 0)
			break;
		detach_event(eng, &ev);
	}
	set_timer(eng, false);
}
