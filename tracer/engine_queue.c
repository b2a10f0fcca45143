/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-process call queue (docs/design.md, "Why memory calls of one
 * process are serialized"): one memory call of a modelled process in
 * flight at a time; the others wait at their entry stop, and are let go
 * together if the call in flight does not return.
 */
#include "engine_int.h"

#include "util.h"

/* How long a queued call waits for the one in flight before both run. */
#define QUEUE_TIMEOUT_NS 500000000ULL

/* Lets a decoded memory call run, to its exit stop. */
void start_call(struct engine *eng, struct task *task)
{
	task->call_seq = ++eng->seq;
	task->flags |= TASK_IN_CALL;
	if (!task->proc->calls_in_flight++)
		task->proc->in_flight_since_ns = engine_now_ns(eng);
	resume(task, 0);
}

struct task *queue_pop(struct engine *eng, struct proc *proc)
{
	struct task *next = proc->queue_head;

	if (next)
		dequeue(eng, proc, next);
	return next;
}

/*
 * Calls ran together, in an order the model cannot know (or began before
 * memtrace attached): once none is in flight and no seized task can still
 * be inside a call it began untraced, ask the kernel.  The kernel's view
 * includes the calls whose exit stops are still to come: never before.
 */
void resync_if_settled(struct proc *proc, pid_t tid)
{
	struct aspace_event kernel = { .kind = ASPACE_ORIGIN_KERNEL };

	if (proc->calls_in_flight || proc->fresh_tasks || !proc->overlapped || !proc->mm || !tid)
		return;
	(void)mm_resync(proc->mm, tid, &kernel, NULL);
	proc->overlapped = false;
}

void queue_push(struct engine *eng, struct task *task)
{
	struct proc *proc = task->proc;

	task->flags |= TASK_QUEUED;
	task->queue_next = NULL;
	if (proc->queue_tail)
		proc->queue_tail->queue_next = task;
	else
		proc->queue_head = task;
	proc->queue_tail = task;
	if (!eng->queued++)
		set_timer(eng, true);
}

void dequeue(struct engine *eng, struct proc *proc, struct task *task)
{
	struct task **link = &proc->queue_head;
	struct task *prev = NULL;

	while (*link && *link != task) {
		prev = *link;
		link = &(*link)->queue_next;
	}
	if (!*link)
		return;
	*link = task->queue_next;
	if (proc->queue_tail == task)
		proc->queue_tail = prev;
	task->flags &= ~TASK_QUEUED;
	if (!--eng->queued)
		set_timer(eng, false);
}

/*
 * A call in flight for too long while others wait for it may be waiting
 * for one of them (a userfaultfd or FUSE handler thread that maps memory
 * before it answers): let them all run, and resynchronize the model with
 * the kernel once none is in flight.  Never a hang.
 */
void release_stuck_queues(struct engine *eng)
{
	uint64_t now = engine_now_ns(eng);

	for (struct proc *proc = tasks_procs(eng->tasks); proc; proc = proc->next) {
		struct task *next;

		if (!proc->queue_head || !proc->calls_in_flight ||
		    now - proc->in_flight_since_ns < QUEUE_TIMEOUT_NS)
			continue;
		debug_msg("process %d: a memory call has not returned for %llu ms: letting the "
			  "queued ones run",
			  (int)proc->pid,
			  (unsigned long long)((now - proc->in_flight_since_ns) / 1000000));
		proc->overlapped = true;
		while ((next = queue_pop(eng, proc)) != NULL)
			start_call(eng, next);
	}
}
