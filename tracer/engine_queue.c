/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which memory calls of one process run together (docs/design.md, "Calls
 * of one process in flight together").  Calls whose effects commute
 * run at once: those that act on disjoint ranges, and those whose place
 * the kernel chooses (mmap), which are put in order at their exit from
 * what their result tells.  The others wait at their entry stop in the
 * process's queue, first come first served, and are let go together if
 * the calls they wait for do not return.
 */
#include "engine_int.h"

#include "mm.h"
#include "util.h"

/* How long a held call waits for the ones in flight before all run. */
#define QUEUE_TIMEOUT_NS 500000000ULL

static bool overlap(uint64_t a_start, uint64_t a_end, uint64_t b_start, uint64_t b_end)
{
	return a_start < b_end && b_start < a_end;
}

/*
 * Whether the calls of a and b give the same model in either order.  A
 * call whose place the kernel chooses commutes with anything but an ALL:
 * where its result overlaps another's range, flight_defer() puts the two
 * in order.
 */
static bool commute(const struct task *a, const struct task *b)
{
	if (a->span == SYSDECODE_SPAN_NONE || b->span == SYSDECODE_SPAN_NONE)
		return true;
	if (a->span == SYSDECODE_SPAN_ALL || b->span == SYSDECODE_SPAN_ALL)
		return false;
	if (a->span == SYSDECODE_SPAN_RANGE && b->span == SYSDECODE_SPAN_RANGE)
		return !overlap(a->span_start, a->span_end, b->span_start, b->span_end);
	return true;
}

static bool commutes_with_flight(const struct proc *proc, const struct task *task)
{
	for (const struct task *other = proc->in_flight; other; other = other->flight_next)
		if (!commute(other, task))
			return false;
	return true;
}

/*
 * Whether a call may start beside those in flight.  While the model waits
 * to be read again from the kernel, or to be checked (--verify), none
 * does: the calls in flight drain, and the process settles.
 */
static bool may_start(const struct proc *proc, const struct task *task)
{
	if (proc->in_flight && (proc->overlapped || proc->verify_due))
		return false;
	return commutes_with_flight(proc, task);
}

bool flight_can_start(const struct proc *proc, const struct task *task)
{
	/* First come, first served: a call waiting in the queue is not overtaken. */
	return !proc->queue_head && may_start(proc, task);
}

void flight_add(struct task *task)
{
	struct proc *proc = task->proc;

	task->flags |= TASK_IN_CALL;
	task->flight_next = proc->in_flight;
	proc->in_flight = task;
	task->start_gen = proc->apply_gen;
	task->placed = false;
}

void start_call(struct engine *eng, struct task *task)
{
	flight_add(task);
	task->started_ns = engine_now_ns(eng);
	resume(task, 0);
}

void flight_remove(struct engine *eng, struct task *task)
{
	struct task **link = &task->proc->in_flight;

	while (*link && *link != task)
		link = &(*link)->flight_next;
	if (*link)
		*link = task->flight_next;
	task->flight_next = NULL;
	task->flags &= ~TASK_IN_CALL;
	if (task->flags & TASK_DEFERRED) {
		task->flags &= ~TASK_DEFERRED;
		if (!--eng->queued)
			set_timer(eng, false);
	}
}

/* Adds [start, end) to the marks of proc, dropping those no call in flight saw start. */
static void add_mark(struct proc *proc, uint64_t start, uint64_t end, uint64_t oldest)
{
	size_t kept = 0;

	for (size_t i = 0; i < proc->nmarks; i++)
		if (proc->marks[i].gen > oldest)
			proc->marks[kept++] = proc->marks[i];
	proc->nmarks = kept;
	xgrowarray((void **)&proc->marks, &proc->marks_cap, proc->nmarks + 1, sizeof(*proc->marks));
	proc->marks[proc->nmarks++] = (struct flight_mark){ start, end, proc->apply_gen };
}

/*
 * The ranges other calls changed while one whose place the kernel chose
 * was in flight (kept while such a call is): where its result overlaps
 * one, the two may have run in either order.  Of an munmap, only the
 * holes it covered are kept: a result where it unmapped means it ran
 * first, a result in a hole may have been made first and unmapped.
 */
void flight_applied(struct proc *proc, const struct task *task,
		    const struct aspace_changes *changes)
{
	uint64_t oldest = UINT64_MAX, pos;

	/* An mmap the kernel placed took free space: what it changed was nobody's. */
	if (task->span != SYSDECODE_SPAN_RANGE || task->placed)
		return;
	for (const struct task *other = proc->in_flight; other; other = other->flight_next)
		if (other->span == SYSDECODE_SPAN_RESULT && other->start_gen < oldest)
			oldest = other->start_gen;
	proc->apply_gen++;
	if (oldest == UINT64_MAX) {
		proc->nmarks = 0;
		return;
	}
	if (sysdecode_desc(task->call.ent->kind)->op != SYSDECODE_OP_UNMAP) {
		add_mark(proc, task->span_start, task->span_end, oldest);
		return;
	}
	/* The pieces of an unmap come in address order. */
	pos = task->span_start;
	for (size_t i = 0; i < changes->count; i++) {
		const struct aspace_piece *piece = &changes->pieces[i];

		if (piece->kind != ASPACE_PIECE_UNMAPPED)
			continue;
		if (piece->start > pos)
			add_mark(proc, pos, piece->start, oldest);
		if (piece->end > pos)
			pos = piece->end;
	}
	if (pos < task->span_end)
		add_mark(proc, pos, task->span_end, oldest);
}

/* Whether the model maps every byte of [start, end). */
static bool fully_mapped(const struct aspace *as, uint64_t start, uint64_t end)
{
	struct aspace_cursor cur;
	const struct aspace_region *region;
	uint64_t pos = start;

	for (region = aspace_first_from(as, start, &cur); region && pos < end;
	     region = aspace_next(as, &cur)) {
		if (region->start > pos)
			return false;
		pos = region->end;
	}
	return pos >= end;
}

bool flight_defer(struct engine *eng, struct task *task, int64_t rval, int err)
{
	struct proc *proc = task->proc;
	uint64_t start = (uint64_t)rval, end = start + task->span_end;
	bool wait = false;

	if (task->span != SYSDECODE_SPAN_RESULT || err)
		return false;
	for (size_t i = 0; i < proc->nmarks; i++)
		if (proc->marks[i].gen > task->start_gen &&
		    overlap(start, end, proc->marks[i].start, proc->marks[i].end))
			proc->overlapped = true;
	/*
	 * The kernel put it where a call still in flight acts.  An munmap
	 * that freed the place ran first, and is applied first; if part of
	 * the place was a hole the munmap covered, either may have run
	 * first.  Another call (MAP_FIXED, mprotect) may have run in either
	 * order too.  Where the order cannot be told, the kernel is asked
	 * once no call is in flight.
	 */
	for (const struct task *other = proc->in_flight; other; other = other->flight_next) {
		if (other == task || (other->flags & TASK_DEFERRED) ||
		    other->span != SYSDECODE_SPAN_RANGE ||
		    !overlap(start, end, other->span_start, other->span_end))
			continue;
		if (sysdecode_desc(other->call.ent->kind)->op != SYSDECODE_OP_UNMAP) {
			proc->overlapped = true;
			continue;
		}
		if (!fully_mapped(mm_aspace(proc->mm),
				  start > other->span_start ? start : other->span_start,
				  end < other->span_end ? end : other->span_end))
			proc->overlapped = true;
		wait = true;
	}
	/* Known now: a range, which the calls that start from here on must respect. */
	task->span = SYSDECODE_SPAN_RANGE;
	task->placed = true;
	task->span_start = start;
	task->span_end = end;
	if (!wait)
		return false;
	debug_msg("task %d: mmap at %#llx, where a call in flight acts: ended after it",
		  (int)task->tid, (unsigned long long)start);
	task->flags |= TASK_DEFERRED;
	task->exit_rval = rval;
	task->exit_err = err;
	if (!eng->queued++)
		set_timer(eng, true);
	return true;
}

/* A deferred call whose wait is over: no call still in flight acts where it mapped. */
static struct task *deferred_ready(const struct proc *proc)
{
	for (struct task *task = proc->in_flight; task; task = task->flight_next) {
		bool blocked = false;

		if (!(task->flags & TASK_DEFERRED))
			continue;
		for (const struct task *other = proc->in_flight; other && !blocked;
		     other = other->flight_next)
			blocked = other != task && !(other->flags & TASK_DEFERRED) &&
				  other->span == SYSDECODE_SPAN_RANGE &&
				  overlap(task->span_start, task->span_end, other->span_start,
					  other->span_end);
		if (!blocked)
			return task;
	}
	return NULL;
}

/* Ends a deferred call as its exit stop would have, and lets its task go. */
static void finish_deferred(struct engine *eng, struct task *task)
{
	finish_call(eng, task, true, task->exit_rval, task->exit_err);
	resume(task, 0);
}

void flight_drain(struct engine *eng, struct proc *proc)
{
	struct task *task;

	/*
	 * A deferred call's end comes here again: the outer loop goes on.
	 * While detaching, held tasks are let go as they are.
	 */
	if (proc->draining || eng->detaching)
		return;
	proc->draining = true;
	for (;;) {
		/* Nothing held anywhere (queued or at an exit): nothing to do. */
		if (!eng->queued)
			break;
		if ((task = deferred_ready(proc)) != NULL) {
			finish_deferred(eng, task);
		} else if (proc->queue_head && may_start(proc, proc->queue_head)) {
			start_call(eng, queue_pop(eng, proc));
		} else {
			break;
		}
	}
	proc->draining = false;
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

	if (proc->in_flight || proc->fresh_tasks || !proc->overlapped || !proc->mm || !tid)
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

static struct task *first_deferred(const struct proc *proc)
{
	for (struct task *task = proc->in_flight; task; task = task->flight_next)
		if (task->flags & TASK_DEFERRED)
			return task;
	return NULL;
}

/* The oldest call in flight that is not held at its exit: what the held ones wait for. */
static uint64_t oldest_running_ns(const struct proc *proc)
{
	uint64_t oldest = UINT64_MAX;

	for (const struct task *task = proc->in_flight; task; task = task->flight_next)
		if (!(task->flags & TASK_DEFERRED) && task->started_ns < oldest)
			oldest = task->started_ns;
	return oldest;
}

/*
 * A call in flight for too long while others are held may be waiting
 * for one of them (a userfaultfd or FUSE handler thread that maps memory
 * before it answers): let them all go, and resynchronize the model with
 * the kernel once none is in flight.  Never a hang.
 */
void release_stuck_queues(struct engine *eng)
{
	uint64_t now = engine_now_ns(eng);

	for (struct proc *proc = tasks_procs(eng->tasks); proc; proc = proc->next) {
		uint64_t oldest = oldest_running_ns(proc);
		struct task *task;

		if (oldest == UINT64_MAX || now - oldest < QUEUE_TIMEOUT_NS ||
		    (!proc->queue_head && !first_deferred(proc)))
			continue;
		debug_msg("process %d: a memory call has not returned for %llu ms: letting the "
			  "held ones go",
			  (int)proc->pid, (unsigned long long)((now - oldest) / 1000000));
		proc->overlapped = true;
		proc->draining = true;
		while ((task = first_deferred(proc)) != NULL)
			finish_deferred(eng, task);
		while ((task = queue_pop(eng, proc)) != NULL)
			start_call(eng, task);
		proc->draining = false;
	}
}
