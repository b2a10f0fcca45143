/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of tracer/tasks: the tid -> task hash, the processes and
 * their live-task accounting.  Each test gets a fresh table from setup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tasks.h"
#include "util.h"

static int tasks_setup(void **state)
{
	*state = tasks_new();
	return *state ? 0 : -1;
}

static int tasks_teardown(void **state)
{
	tasks_free(*state);
	return 0;
}

static void test_empty(void **state)
{
	struct tasks *tasks = *state;

	assert_int_equal(tasks_count(tasks), 0);
	assert_null(tasks_find(tasks, 1));
	assert_null(tasks_find(tasks, 0));
	assert_null(tasks_proc_find(tasks, 1));
	assert_null(tasks_procs(tasks));
}

static void test_add_find_remove(void **state)
{
	struct tasks *tasks = *state;
	struct proc *proc = tasks_proc_add(tasks, 100, 0, true);
	struct task *leader, *thread;

	assert_non_null(proc);
	assert_int_equal(proc->pid, 100);
	assert_int_equal(proc->parent_pid, 0);
	assert_true(proc->reported);
	assert_false(proc->ended);
	assert_int_equal(proc->live_tasks, 0);
	assert_null(proc->exe);

	leader = tasks_add(tasks, 100, proc);
	assert_non_null(leader);
	assert_int_equal(leader->tid, 100);
	assert_ptr_equal(leader->proc, proc);
	assert_int_equal(leader->flags, 0);
	assert_null(leader->fd_path);
	assert_int_equal(proc->live_tasks, 1);
	assert_int_equal(tasks_count(tasks), 1);
	assert_ptr_equal(tasks_find(tasks, 100), leader);
	assert_null(tasks_find(tasks, 101));

	thread = tasks_add(tasks, 101, proc);
	assert_ptr_equal(tasks_find(tasks, 101), thread);
	assert_ptr_equal(tasks_find(tasks, 100), leader);
	assert_int_equal(proc->live_tasks, 2);
	assert_int_equal(tasks_count(tasks), 2);

	/* A task owns its fd_path buffer: freed with it (ASan's leak check). */
	thread->fd_path = strdup("/lib/x.so");
	assert_non_null(thread->fd_path);
	tasks_remove(tasks, thread);
	assert_null(tasks_find(tasks, 101));
	assert_ptr_equal(tasks_find(tasks, 100), leader);
	assert_int_equal(proc->live_tasks, 1);
	assert_false(proc->ended);
	assert_int_equal(tasks_count(tasks), 1);

	tasks_remove(tasks, leader);
	assert_null(tasks_find(tasks, 100));
	assert_int_equal(proc->live_tasks, 0);
	assert_true(proc->ended);
	assert_int_equal(tasks_count(tasks), 0);

	/* An ended process stays listed, for the summary. */
	assert_ptr_equal(tasks_procs(tasks), proc);
	assert_null(tasks_proc_find(tasks, 100));
}

/* The live-task count of each process, and ended, across several processes. */
static void test_live_tasks(void **state)
{
	struct tasks *tasks = *state;
	struct proc *parent = tasks_proc_add(tasks, 10, 0, true);
	struct proc *child = tasks_proc_add(tasks, 20, 10, false);
	struct task *p10 = tasks_add(tasks, 10, parent);
	struct task *p11 = tasks_add(tasks, 11, parent);
	struct task *p12 = tasks_add(tasks, 12, parent);
	struct task *c20 = tasks_add(tasks, 20, child);
	struct task *c21 = tasks_add(tasks, 21, child);

	assert_int_equal(parent->live_tasks, 3);
	assert_int_equal(child->live_tasks, 2);
	assert_int_equal(tasks_count(tasks), 5);

	/* The leader exits first: the process lives on in its threads. */
	tasks_remove(tasks, p10);
	assert_int_equal(parent->live_tasks, 2);
	assert_false(parent->ended);
	tasks_remove(tasks, c21);
	assert_int_equal(child->live_tasks, 1);
	assert_false(child->ended);
	tasks_remove(tasks, p12);
	tasks_remove(tasks, c20);
	assert_true(child->ended);
	assert_false(parent->ended);
	assert_int_equal(parent->live_tasks, 1);
	tasks_remove(tasks, p11);
	assert_true(parent->ended);
	assert_int_equal(parent->live_tasks, 0);
	assert_int_equal(tasks_count(tasks), 0);
}

/*
 * Enough tids to double the buckets many times (64 at first), in three
 * shapes: dense and sequential as the kernel gives them, strided by 4096
 * (the same low bits), and near the top of pid_max.
 */
#define MANY 5000

static pid_t many_tid(int i)
{
	switch (i % 3) {
	case 0:
		return 1000 + i;
	case 1:
		return 0x100000 + (pid_t)(i * 4096);
	default:
		return 4194304 - 1 - i;
	}
}

static void test_growth(void **state)
{
	struct tasks *tasks = *state;
	struct proc *procs[4];
	struct task **added = calloc(MANY, sizeof(struct task *));

	assert_non_null(added);
	for (int p = 0; p < 4; p++)
		procs[p] = tasks_proc_add(tasks, 1 + p, 0, true);
	for (int i = 0; i < MANY; i++) {
		added[i] = tasks_add(tasks, many_tid(i), procs[i % 4]);
		assert_int_equal(added[i]->tid, many_tid(i));
		assert_int_equal(tasks_count(tasks), (size_t)i + 1);
	}
	for (int p = 0; p < 4; p++)
		assert_int_equal(procs[p]->live_tasks, MANY / 4);

	/* Every task is found, as the very object added, after every growth. */
	for (int i = 0; i < MANY; i++)
		if (tasks_find(tasks, many_tid(i)) != added[i])
			fail_msg("tid %d (#%d) not found after growth", (int)many_tid(i), i);
	assert_null(tasks_find(tasks, 999));
	assert_null(tasks_find(tasks, 4194304));

	/* Remove every odd one; the even ones stay, the odd ones are gone. */
	for (int i = 1; i < MANY; i += 2)
		tasks_remove(tasks, added[i]);
	assert_int_equal(tasks_count(tasks), MANY / 2);
	for (int i = 0; i < MANY; i++) {
		struct task *found = tasks_find(tasks, many_tid(i));

		if (i % 2 == 0 && found != added[i])
			fail_msg("tid %d (#%d) lost", (int)many_tid(i), i);
		if (i % 2 == 1 && found)
			fail_msg("tid %d (#%d) still found after removal", (int)many_tid(i), i);
	}
	/* procs 1 and 3 had only odd indices; 0 and 2 only even. */
	assert_int_equal(procs[0]->live_tasks, MANY / 4);
	assert_int_equal(procs[1]->live_tasks, 0);
	assert_true(procs[1]->ended);
	assert_int_equal(procs[2]->live_tasks, MANY / 4);
	assert_int_equal(procs[3]->live_tasks, 0);
	assert_true(procs[3]->ended);
	assert_false(procs[0]->ended);
	free(added);
	/* The rest is freed by teardown (ASan checks nothing leaks). */
}

/*
 * execve from a non-leader thread: the leader's task goes, and the thread
 * takes the leader's tid (ptrace(2), "execve(2) under ptrace").
 */
static void test_rekey(void **state)
{
	struct tasks *tasks = *state;
	struct proc *proc = tasks_proc_add(tasks, 200, 0, true);
	struct proc *other = tasks_proc_add(tasks, 300, 0, true);
	struct task *leader = tasks_add(tasks, 200, proc);
	struct task *thread = tasks_add(tasks, 205, proc);
	struct task *bystander = tasks_add(tasks, 300, other);

	thread->flags = TASK_STARTED;
	tasks_remove(tasks, leader);
	assert_null(tasks_proc_find(tasks, 200));
	tasks_rekey(tasks, thread, 200);
	assert_null(tasks_find(tasks, 205));
	assert_ptr_equal(tasks_find(tasks, 200), thread);
	assert_int_equal(thread->tid, 200);
	assert_int_equal(thread->flags, TASK_STARTED);
	assert_ptr_equal(thread->proc, proc);
	assert_ptr_equal(tasks_proc_find(tasks, 200), proc);
	assert_ptr_equal(tasks_find(tasks, 300), bystander);
	assert_int_equal(tasks_count(tasks), 2);
	assert_int_equal(proc->live_tasks, 1);
	assert_false(proc->ended);

	/* Rekeyed in a large table, after growth, and removable under its new tid. */
	for (pid_t tid = 1000; tid < 3000; tid++)
		tasks_add(tasks, tid, other);
	thread = tasks_find(tasks, 2500);
	tasks_rekey(tasks, thread, 5000);
	assert_null(tasks_find(tasks, 2500));
	assert_ptr_equal(tasks_find(tasks, 5000), thread);
	assert_non_null(tasks_find(tasks, 2499));
	assert_non_null(tasks_find(tasks, 2501));
	tasks_remove(tasks, thread);
	assert_null(tasks_find(tasks, 5000));
	assert_int_equal(tasks_count(tasks), 2 + 2000 - 1);
}

/* A process is found through its leader's task, and only through it. */
static void test_proc_find(void **state)
{
	struct tasks *tasks = *state;
	struct proc *proc = tasks_proc_add(tasks, 300, 1, true);
	struct task *leader = tasks_add(tasks, 300, proc);
	struct task *thread = tasks_add(tasks, 301, proc);

	assert_ptr_equal(tasks_proc_find(tasks, 300), proc);
	/* A thread's tid is not a process id. */
	assert_null(tasks_proc_find(tasks, 301));
	assert_null(tasks_proc_find(tasks, 999));
	tasks_remove(tasks, thread);
	assert_ptr_equal(tasks_proc_find(tasks, 300), proc);
	tasks_remove(tasks, leader);
	assert_null(tasks_proc_find(tasks, 300));
}

struct visits {
	unsigned char *seen; /* times each tid was visited, by tid - base */
	pid_t base;
	size_t calls;
};

static void count_visit(struct task *task, void *arg)
{
	struct visits *visits = arg;

	visits->calls++;
	visits->seen[task->tid - visits->base]++;
}

static void test_for_each(void **state)
{
	struct tasks *tasks = *state;
	struct proc *proc = tasks_proc_add(tasks, 5000, 0, true);
	unsigned char seen[3000] = { 0 };
	struct visits visits = { .seen = seen, .base = 5000 };

	/* Nothing to visit. */
	tasks_for_each(tasks, count_visit, &visits);
	assert_int_equal(visits.calls, 0);

	for (pid_t tid = 5000; tid < 8000; tid++)
		tasks_add(tasks, tid, proc);
	/* Take some out, so visits must skip them. */
	for (pid_t tid = 5000; tid < 8000; tid += 7)
		tasks_remove(tasks, tasks_find(tasks, tid));
	tasks_for_each(tasks, count_visit, &visits);
	assert_int_equal(visits.calls, tasks_count(tasks));
	for (pid_t tid = 5000; tid < 8000; tid++) {
		int expected = (tid - 5000) % 7 ? 1 : 0;

		if (seen[tid - 5000] != expected)
			fail_msg("tid %d: visited %d times, expected %d", (int)tid,
				 seen[tid - 5000], expected);
	}
}

/* Processes are listed in the order they appeared, ended or not. */
static void test_procs_order(void **state)
{
	static const struct {
		pid_t pid;
		pid_t parent_pid;
		bool reported;
	} expected[] = {
		{ 50, 0, true },
		{ 30, 50, false },
		{ 90, 50, true },
		{ 10, 30, false },
	};
	struct tasks *tasks = *state;
	struct proc *proc;
	size_t i = 0;

	for (i = 0; i < ARRAY_SIZE(expected); i++) {
		proc = tasks_proc_add(tasks, expected[i].pid, expected[i].parent_pid,
				      expected[i].reported);
		/* The process owns exe: freed with the table. */
		proc->exe = strdup("/bin/true");
		assert_non_null(proc->exe);
		tasks_add(tasks, expected[i].pid, proc);
	}
	/* End the second one. */
	tasks_remove(tasks, tasks_find(tasks, 30));

	i = 0;
	for (proc = tasks_procs(tasks); proc; proc = proc->next, i++) {
		assert_true(i < ARRAY_SIZE(expected));
		if (proc->pid != expected[i].pid)
			fail_msg("procs[%zu]: expected pid %d, got %d", i, (int)expected[i].pid,
				 (int)proc->pid);
		assert_int_equal(proc->parent_pid, expected[i].parent_pid);
		assert_int_equal(proc->reported, expected[i].reported);
		assert_int_equal(proc->ended, expected[i].pid == 30);
	}
	assert_int_equal(i, ARRAY_SIZE(expected));
}

static void test_free_null(void **state)
{
	(void)state;
	tasks_free(NULL);
}

/* A table freed with live tasks and processes in it (ASan's leak check). */
static void test_free_full(void **state)
{
	struct tasks *tasks = tasks_new();
	struct proc *proc = tasks_proc_add(tasks, 1, 0, true);

	(void)state;
	for (pid_t tid = 1; tid < 200; tid++) {
		struct task *task = tasks_add(tasks, tid, proc);

		task->fd_path = malloc(64);
		assert_non_null(task->fd_path);
	}
	proc->exe = strdup("/bin/sh");
	tasks_free(tasks);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, tasks_setup, tasks_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_empty),
		TEST(test_add_find_remove),
		TEST(test_live_tasks),
		TEST(test_growth),
		TEST(test_rekey),
		TEST(test_proc_find),
		TEST(test_for_each),
		TEST(test_procs_order),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_free_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
