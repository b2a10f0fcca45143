/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tasks and processes: see tasks.h. */
#include "tasks.h"

#include <assert.h>
#include <stdlib.h>

#include "aspace.h"
#include "hashidx.h"
#include "mm.h"
#include "util.h"

struct tasks {
	struct task **all; /* the live tasks, in no particular order */
	size_t count;
	size_t cap;
	struct hidx by_tid; /* the hash of each task's tid -> its place in all */
	struct proc *procs;
	struct proc **procs_tail;
};

struct tasks *tasks_new(void)
{
	struct tasks *tasks = xcalloc(1, sizeof(*tasks));

	tasks->procs_tail = &tasks->procs;
	return tasks;
}

static void task_free(struct task *task)
{
	free(task->fd_path);
	free(task);
}

void tasks_free(struct tasks *tasks)
{
	struct proc *proc, *next_proc;

	if (!tasks)
		return;
	for (size_t i = 0; i < tasks->count; i++)
		task_free(tasks->all[i]);
	free(tasks->all);
	hidx_free(&tasks->by_tid);
	for (proc = tasks->procs; proc; proc = next_proc) {
		next_proc = proc->next;
		free(proc->exe);
		free(proc->name);
		free(proc->marks);
		if (proc->unverified)
			aspace_changes_free(proc->unverified);
		free(proc->unverified);
		mm_put(proc->mm);
		free(proc);
	}
	free(tasks);
}

/* The place in all of the task tid, or count if it is unknown. */
static size_t place_of(const struct tasks *tasks, pid_t tid)
{
	struct hidx_iter it = hidx_probe(&tasks->by_tid, hidx_hash_u64((uint32_t)tid));
	uint32_t entry;

	while (hidx_next(&tasks->by_tid, &it, &entry))
		if (tasks->all[entry]->tid == tid)
			return entry;
	return tasks->count;
}

struct task *tasks_find(struct tasks *tasks, pid_t tid)
{
	size_t place = place_of(tasks, tid);

	return place < tasks->count ? tasks->all[place] : NULL;
}

struct task *tasks_add(struct tasks *tasks, pid_t tid, struct proc *proc)
{
	struct task *task;

	assert(!tasks_find(tasks, tid) && "tid added twice");
	task = xcalloc(1, sizeof(*task));
	task->tid = tid;
	task->proc = proc;
	proc->live_tasks++;
	xgrowarray((void **)&tasks->all, &tasks->cap, tasks->count + 1, sizeof(struct task *));
	tasks->all[tasks->count] = task;
	hidx_insert(&tasks->by_tid, hidx_hash_u64((uint32_t)tid), (uint32_t)tasks->count);
	tasks->count++;
	return task;
}

/* Takes task out of all and of the index: the last task fills its place. */
static void unlink_task(struct tasks *tasks, struct task *task)
{
	size_t place = place_of(tasks, task->tid);
	size_t last = tasks->count - 1;

	assert(place < tasks->count && tasks->all[place] == task && "task not in the table");
	hidx_remove(&tasks->by_tid, hidx_hash_u64((uint32_t)task->tid), (uint32_t)place);
	if (place != last) {
		tasks->all[place] = tasks->all[last];
		hidx_renumber(&tasks->by_tid, hidx_hash_u64((uint32_t)tasks->all[place]->tid),
			      (uint32_t)last, (uint32_t)place);
	}
	tasks->count--;
}

void tasks_remove(struct tasks *tasks, struct task *task)
{
	unlink_task(tasks, task);
	assert(task->proc->live_tasks > 0);
	if (task->flags & TASK_FRESH)
		task->proc->fresh_tasks--;
	if (task->flags & TASK_EXITED)
		task->proc->exited_tasks--;
	if (--task->proc->live_tasks == 0)
		task->proc->ended = true;
	task_free(task);
}

void tasks_rekey(struct tasks *tasks, struct task *task, pid_t new_tid)
{
	size_t place = place_of(tasks, task->tid);

	assert(!tasks_find(tasks, new_tid) && "rekey onto a live tid");
	assert(place < tasks->count && tasks->all[place] == task && "task not in the table");
	hidx_remove(&tasks->by_tid, hidx_hash_u64((uint32_t)task->tid), (uint32_t)place);
	task->tid = new_tid;
	hidx_insert(&tasks->by_tid, hidx_hash_u64((uint32_t)new_tid), (uint32_t)place);
}

size_t tasks_count(const struct tasks *tasks)
{
	return tasks->count;
}

void tasks_for_each(struct tasks *tasks, void (*fn)(struct task *task, void *arg), void *arg)
{
	for (size_t i = 0; i < tasks->count; i++)
		fn(tasks->all[i], arg);
}

struct proc *tasks_proc_find(struct tasks *tasks, pid_t pid)
{
	struct task *leader = tasks_find(tasks, pid);

	/*
	 * A leader that exits before its threads stays a zombie, and is not
	 * reported dead, until the last of them is gone (ptrace(2)): its task
	 * is here for as long as its process lives.
	 */
	if (leader && leader->proc->pid == pid)
		return leader->proc;
	return NULL;
}

struct proc *tasks_proc_add(struct tasks *tasks, pid_t pid, pid_t parent_pid, bool reported)
{
	struct proc *proc = xcalloc(1, sizeof(*proc));

	proc->pid = pid;
	proc->parent_pid = parent_pid;
	proc->reported = reported;
	*tasks->procs_tail = proc;
	tasks->procs_tail = &proc->next;
	return proc;
}

struct proc *tasks_procs(struct tasks *tasks)
{
	return tasks->procs;
}
