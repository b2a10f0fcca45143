/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine itself and the processes it knows: engine_new() and
 * engine_free(), the accessors of engine.h, and what /proc says of a
 * process (its program, its thread group).
 */
#include "engine_int.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "procmaps.h"
#include "util.h"

struct live_search {
	const struct proc *proc;
	pid_t skip; /* a zombie leader */
	pid_t tid;
};

static void find_live(struct task *task, void *arg)
{
	struct live_search *search = arg;

	if (!search->tid && task->proc == search->proc && !(task->flags & TASK_EXITED) &&
	    task->tid != search->skip)
		search->tid = task->tid;
}

pid_t engine_live_tid(struct engine *eng, const struct proc *proc)
{
	struct task *leader = tasks_find(eng->tasks, proc->pid);
	struct live_search search = { .proc = proc };

	/* One that exited before memtrace came has no exit stop to mark it: its state says. */
	if (leader && !(leader->flags & TASK_EXITED)) {
		if (procmaps_state(proc->pid) != 'Z')
			return proc->pid;
		search.skip = proc->pid;
	}
	tasks_for_each(eng->tasks, find_live, &search);
	return search.tid;
}

uint64_t engine_now_ns(const struct engine *eng)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - eng->start.tv_sec) * 1000000000ULL +
	       (uint64_t)(now.tv_nsec - eng->start.tv_nsec);
}

struct engine *engine_new(const struct engine_options *opts, const struct engine_sink *sink,
			  void *ctx)
{
	static const struct engine_sink no_sink;
	struct engine *eng = xcalloc(1, sizeof(*eng));

	eng->opts = *opts;
	eng->sink = sink ? sink : &no_sink;
	eng->ctx = ctx;
	eng->tasks = tasks_new();
	eng->paths = strtab_new();
	eng->mm_reader = mm_reader_new(eng->paths);
	eng->exec_err_fd = -1;
	timer_install();
	/* For the tests of the fallback: behave as on a kernel before 5.3. */
	eng->syscall_info_missing = getenv("MEMTRACE_TEST_NO_SYSCALL_INFO") != NULL;
	(void)clock_gettime(CLOCK_MONOTONIC, &eng->start);
	return eng;
}

void engine_free(struct engine *eng)
{
	if (!eng)
		return;
	eng->ticking = false;
	set_timer(eng, false);
	timer_cancel();
	/* Launch mode never leaves a filtered task behind; attach mode never kills. */
	if (tasks_count(eng->tasks) && eng->attach_mode)
		engine_detach_all(eng);
	else if (tasks_count(eng->tasks))
		engine_kill_all(eng);
	if (eng->opts.unwind)
		for (struct proc *proc = tasks_procs(eng->tasks); proc; proc = proc->next)
			eng->opts.unwind->detach(eng->opts.unwind_ctx, proc->unwind);
	if (eng->exec_err_fd >= 0)
		(void)close(eng->exec_err_fd);
	if (eng->sink->proc_free)
		for (struct proc *proc = tasks_procs(eng->tasks); proc; proc = proc->next)
			eng->sink->proc_free(eng->ctx, proc->sink_data);
	tasks_free(eng->tasks);
	mm_reader_free(eng->mm_reader);
	strtab_free(eng->paths);
	aspace_changes_free(&eng->changes);
	free(eng);
}

void engine_set_sink_before_resume(struct engine *eng, bool before)
{
	eng->opts.sink_before_resume = before;
}

bool engine_attached(const struct engine *eng)
{
	return eng->attach_mode;
}

pid_t engine_main_pid(const struct engine *eng)
{
	return eng->main_pid;
}

int engine_main_status(const struct engine *eng)
{
	return eng->main_proc ? eng->main_proc->wait_status : 0;
}

int engine_exec_errno(const struct engine *eng)
{
	return eng->exec_errno;
}

struct strtab *engine_paths(struct engine *eng)
{
	return eng->paths;
}

struct proc *engine_procs(struct engine *eng)
{
	return tasks_procs(eng->tasks);
}

static void kill_one(struct task *task, void *arg)
{
	(void)arg;
	(void)kill(task->proc->pid, SIGKILL);
}

void engine_kill_all(struct engine *eng)
{
	eng->killed_all = true;
	report_call(eng);
	tasks_for_each(eng->tasks, kill_one, NULL);
}

/* Reads a symbolic link of /proc into a fresh string, or NULL. */
static char *read_proc_link(pid_t pid, const char *name)
{
	char path[64];
	char target[PATH_MAX];
	ssize_t len;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0)
		return NULL;
	target[len] = '\0';
	return xstrdup(target);
}

void update_exe(struct proc *proc, pid_t tid)
{
	char *exe = read_proc_link(tid, "exe");

	if (!exe)
		return;
	free(proc->exe);
	proc->exe = exe;
	free(proc->name);
	proc->name = procmaps_argv0(tid);
}

/*
 * The second number of a /proc/PID/status id line ("Uid: real effective
 * saved fs"), or -1.
 */
static long effective_id(pid_t pid, const char *name)
{
	char line[256];
	const char *value = procmaps_status_value(pid, name, line, sizeof(line));
	char *end;

	if (!value)
		return -1;
	(void)strtol(value, &end, 10);
	return end != value ? strtol(end, NULL, 10) : -1;
}

void warn_unprivileged(const struct proc *proc)
{
	char link[64], line[256], what[64] = "";
	const char *caps;
	struct statvfs fs;
	struct stat st;
	long euid, egid;

	(void)snprintf(link, sizeof(link), "/proc/%d/exe", (int)proc->pid);
	/* On a nosuid mount the kernel gives no privilege, traced or not. */
	if (stat(link, &st) != 0 || (statvfs(link, &fs) == 0 && (fs.f_flag & ST_NOSUID)))
		return;
	euid = effective_id(proc->pid, "Uid");
	egid = effective_id(proc->pid, "Gid");
	if ((st.st_mode & S_ISUID) && euid >= 0 && (uid_t)euid != st.st_uid)
		(void)snprintf(what, sizeof(what), "is set-user-ID (uid %u)",
			       (unsigned int)st.st_uid);
	else if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && egid >= 0 &&
		 (gid_t)egid != st.st_gid)
		(void)snprintf(what, sizeof(what), "is set-group-ID (gid %u)",
			       (unsigned int)st.st_gid);
	else if (getxattr(link, "security.capability", NULL, 0) > 0 &&
		 (caps = procmaps_status_value(proc->pid, "CapPrm", line, sizeof(line))) &&
		 strtoull(caps, NULL, 16) == 0)
		(void)snprintf(what, sizeof(what), "has file capabilities");
	if (what[0])
		error_msg("[%d] %s %s: traced, it runs without that privilege (the kernel drops it "
			  "for a tracer without CAP_SYS_PTRACE)",
			  (int)proc->pid, proc->exe ? proc->exe : "?", what);
}

/* A forked process runs its parent's program, under the same name, until it execs. */
void inherit_exe(struct proc *proc, const struct proc *parent)
{
	if (proc->exe || !parent->exe)
		return;
	proc->exe = xstrdup(parent->exe);
	proc->name = parent->name ? xstrdup(parent->name) : NULL;
}

/* A process in the task table, and the sink's data of it. */
struct proc *add_proc(struct engine *eng, pid_t pid, pid_t parent_pid, bool reported)
{
	struct proc *proc = tasks_proc_add(eng->tasks, pid, parent_pid, reported);

	if (eng->sink->proc_start)
		proc->sink_data = eng->sink->proc_start(eng->ctx, proc);
	return proc;
}

/* The thread group of tid, from /proc/TID/status; tid itself when unreadable. */
pid_t read_tgid(pid_t tid)
{
	return (pid_t)procmaps_status_field(tid, "Tgid", tid);
}

struct proc *new_proc(struct engine *eng, pid_t pid, struct proc *parent)
{
	struct proc *proc = add_proc(eng, pid, parent ? parent->pid : 0, eng->opts.report_children);

	if (parent)
		inherit_exe(proc, parent);
	return proc;
}
