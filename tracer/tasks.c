/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tasks and processes: see tasks.h. */
#include "tasks.h"

#include <assert.h>
#include <stdlib.h>

#include "mm.h"
#include "util.h"

struct tasks {
	struct task **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	struct proc *procs;
	struct proc **procs_tail;
};

static size_t bucket_of(const struct tasks *tasks, pid_t tid)
{
	/* Knuth's multiplicative hash; tids are dense and sequential. */
	return (size_t)((uint32_t)tid * 2654435761U) & (tasks->nbuckets - 1);
}

struct tasks *tasks_new(void)
{
	struct tasks *tasks = xcalloc(1, sizeof(*tasks));

	tasks->nbuckets = 64;
	tasks->buckets = xcalloc(tasks->nbuckets, sizeof(struct task *));
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
	for (size_t i = 0; i < tasks->nbuckets; i++) {
		struct task *task = tasks->buckets[i];

		while (task) {
			struct task *next = task->hash_next;

			task_free(task);
			task = next;
		}
	}
	free(tasks->buckets);
	for (proc = tasks->procs; proc; proc = next_proc) {
		next_proc = proc->next;
		free(proc->exe);
		mm_put(proc->mm);
		free(proc);
	}
	free(tasks);
}

struct task *tasks_find(struct tasks *tasks, pid_t tid)
{
	struct task *task = tasks->buckets[bucket_of(tasks, tid)];

	while (task && task->tid != tid)
		task = task->hash_next;
	return task;
}

static void insert(struct tasks *tasks, struct task *task)
{
	size_t idx = bucket_of(tasks, task->tid);

	task->hash_next = tasks->buckets[idx];
	tasks->buckets[idx] = task;
}

static void grow(struct tasks *tasks)
{
	struct task **old = tasks->buckets;
	size_t old_n = tasks->nbuckets;

	tasks->nbuckets *= 2;
	tasks->buckets = xcalloc(tasks->nbuckets, sizeof(struct task *));
	for (size_t i = 0; i < old_n; i++) {
		struct task *task = old[i];

		while (task) {
			struct task *next = task->hash_next;

			insert(tasks, task);
			task = next;
		}
	}
	free(old);
}

struct task *tasks_add(struct tasks *tasks, pid_t tid, struct proc *proc)
{
	struct task *task;

	assert(!tasks_find(tasks, tid) && "tid added twice");
	if (tasks->count + 1 > tasks->nbuckets)
		grow(tasks);
	task = xcalloc(1, sizeof(*task));
	task->tid = tid;
	task->proc = proc;
	proc->live_tasks++;
	insert(tasks, task);
	tasks->count++;
	return task;
}

static void unlink_task(struct tasks *tasks, struct task *task)
{
	struct task **link = &tasks->buckets[bucket_of(tasks, task->tid)];

	while (*link != task) {
		assert(*link && "task not in its bucket");
		link = &(*link)->hash_next;
	}
	*link = task->hash_next;
}

void tasks_remove(struct tasks *tasks, struct task *task)
{
	unlink_task(tasks, task);
	tasks->count--;
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
	assert(!tasks_find(tasks, new_tid) && "rekey onto a live tid");
	unlink_task(tasks, task);
	task->tid = new_tid;
	insert(tasks, task);
}

size_t tasks_count(const struct tasks *tasks)
{
	return tasks->count;
}

void tasks_for_each(struct tasks *tasks, void (*fn)(struct task *task, void *arg), void *arg)
{
	for (size_t i = 0; i < tasks->nbuckets; i++)
		for (struct task *task = tasks->buckets[i]; task; task = task->hash_next)
			fn(task, arg);
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
