/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ptrace engine: see engine.h.
 *
 * References: ptrace(2) ("PTRACE_SEIZE", "Group-stop", "execve(2) under
 * ptrace", "Syscall-stops"), seccomp(2) (SECCOMP_RET_TRACE), and strace's
 * src/strace.c (startup_child, next_event, dispatch_event).
 */
#include "engine.h"

#include <assert.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "memread.h"
#include "procmaps.h"
#include "seccomp.h"
#include "util.h"

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
	size_t queued;		       /* tasks held in a queue, over all processes */
	bool timer_armed;
	bool attach_mode; /* no filter: every call stops (TASK_SYSCALL_STOPS) */
	bool detaching;	  /* tasks already let go run untraced: no more verifying */
};

static const unsigned int launch_options =
	PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
	PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;

struct live_search {
	const struct proc *proc;
	pid_t tid;
};

static void find_live(struct task *task, void *arg)
{
	struct live_search *search = arg;

	if (!search->tid && task->proc == search->proc && !(task->flags & TASK_EXITED))
		search->tid = task->tid;
}

pid_t engine_live_tid(struct engine *eng, const struct proc *proc)
{
	struct task *leader = tasks_find(eng->tasks, proc->pid);
	struct live_search search = { .proc = proc };

	if (leader && !(leader->flags & TASK_EXITED))
		return proc->pid;
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
	/* For the tests of the fallback: behave as on a kernel before 5.3. */
	eng->syscall_info_missing = getenv("MEMTRACE_TEST_NO_SYSCALL_INFO") != NULL;
	(void)clock_gettime(CLOCK_MONOTONIC, &eng->start);
	return eng;
}

void engine_free(struct engine *eng)
{
	if (!eng)
		return;
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

static void update_exe(struct proc *proc)
{
	char *exe = read_proc_link(proc->pid, "exe");

	if (!exe)
		return;
	free(proc->exe);
	proc->exe = exe;
}

/*
 * Launch.  The child stops itself before anything else, so that the
 * tracer is attached before the filter exists: a filter without a tracer
 * turns every memory call into ENOSYS.
 */
static void ATTRIBUTE_NORETURN child_exec(int err_fd, const struct seccomp_prog *prog,
					  char *const argv[], const struct engine_options *opts)
{
	int err;

	if (kill(getpid(), SIGSTOP) < 0)
		_exit(126);
	/* memtrace ignores SIGPIPE (main.c); an ignored signal outlives exec. */
	if (!opts->program_ignores_sigpipe)
		(void)signal(SIGPIPE, SIG_DFL);
	if (opts->stdout_to_stderr && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		err = -errno;
	else
		err = seccomp_install(prog);
	if (err == 0) {
		execvp(argv[0], argv);
		err = -errno;
	}
	/* The parent reads the errno: it prints the message, not this child. */
	err = -err;
	if (write(err_fd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(err == ENOENT ? 127 : 126);
}

/* A process in the task table, and the sink's data of it. */
static struct proc *add_proc(struct engine *eng, pid_t pid, pid_t parent_pid, bool reported)
{
	struct proc *proc = tasks_proc_add(eng->tasks, pid, parent_pid, reported);

	if (eng->sink->proc_start)
		proc->sink_data = eng->sink->proc_start(eng->ctx, proc);
	return proc;
}

int engine_launch(struct engine *eng, char *const argv[])
{
	struct seccomp_prog prog;
	int pipefd[2];
	int status, err;
	pid_t pid;
	struct task *task;

	seccomp_build(&prog);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		(void)close(pipefd[0]);
		(void)close(pipefd[1]);
		return err;
	}
	if (pid == 0) {
		(void)close(pipefd[0]);
		child_exec(pipefd[1], &prog, argv, &eng->opts);
	}
	(void)close(pipefd[1]);
	eng->exec_err_fd = pipefd[0];

	/* Wait until the child has stopped itself (strace's startup_child). */
	while (waitpid(pid, &status, WSTOPPED) < 0) {
		if (errno != EINTR) {
			err = -errno;
			goto err_kill;
		}
	}
	if (!WIFSTOPPED(status)) {
		err = -ECHILD;
		goto err_kill;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0L, (unsigned long)launch_options) < 0) {
		err = -errno;
		goto err_kill;
	}
	eng->main_pid = pid;
	eng->main_proc = add_proc(eng, pid, 0, true);
	task = tasks_add(eng->tasks, pid, eng->main_proc);
	task->flags = TASK_STARTED | TASK_LAUNCHING;
	/*
	 * Wake it from its group-stop.  It reports a PTRACE_EVENT_STOP for
	 * the stop it is in and then the SIGCONT, in either order: both are
	 * swallowed while TASK_LAUNCHING.
	 */
	(void)kill(pid, SIGCONT);
	return 0;

err_kill:
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
	return err;
}

/* Resumes a stopped task.  ESRCH means it died meanwhile: its wait status follows. */
static void resume(struct task *task, int sig)
{
	int req =
		(task->flags & (TASK_IN_CALL | TASK_SYSCALL_STOPS)) ? PTRACE_SYSCALL : PTRACE_CONT;

	if (ptrace(req, task->tid, 0L, (long)sig) < 0 && errno != ESRCH)
		perror_die("ptrace(%s, %d)",
			   req == PTRACE_SYSCALL ? "PTRACE_SYSCALL" : "PTRACE_CONT",
			   (int)task->tid);
}

/*
 * Reads the registers of a stopped task, in the layout of the mode it runs
 * in (arch.h).  Returns 0, or -ESRCH if it is gone.
 */
static int get_regs(struct task *task, struct arch_regs *regs)
{
	struct iovec iov = { .iov_base = &regs->raw, .iov_len = sizeof(regs->raw) };

	if (ptrace(PTRACE_GETREGSET, task->tid, (void *)NT_PRSTATUS, &iov) == 0) {
		regs->len = iov.iov_len;
		return 0;
	}
	if (errno == ESRCH)
		return -ESRCH;
	perror_die("ptrace(PTRACE_GETREGSET, %d)", (int)task->tid);
}

/*
 * Fills info for the current stop.  Returns 0, or -ESRCH if the task is
 * gone.  Without PTRACE_GET_SYSCALL_INFO (Linux < 5.3), rebuilds it from
 * the registers (arch_regs_syscall() says what is then lost).
 */
static int get_syscall_info(struct engine *eng, struct task *task,
			    struct __ptrace_syscall_info *info, bool at_exit)
{
	struct arch_regs regs;
	bool is_error;

	if (!eng->syscall_info_missing) {
		long len = ptrace(PTRACE_GET_SYSCALL_INFO, task->tid, (void *)sizeof(*info), info);

		if (len > 0) {
			eng->syscall_info_probed = true;
			return 0;
		}
		if (errno == ESRCH)
			return -ESRCH;
		if (eng->syscall_info_probed || (errno != EIO && errno != EINVAL))
			perror_die("ptrace(PTRACE_GET_SYSCALL_INFO, %d)", (int)task->tid);
		eng->syscall_info_missing = true;
		debug_msg("PTRACE_GET_SYSCALL_INFO unsupported: using the registers");
	}
	if (get_regs(task, &regs) < 0)
		return -ESRCH;
	memset(info, 0, sizeof(*info));
	arch_regs_syscall(&regs, &info->arch, &info->seccomp.nr, info->seccomp.args);
	if (at_exit) {
		info->op = PTRACE_SYSCALL_INFO_EXIT;
		arch_regs_result(&regs, &info->exit.rval, &is_error);
		info->exit.is_error = is_error;
	} else {
		info->op = PTRACE_SYSCALL_INFO_SECCOMP;
	}
	return 0;
}

/*
 * Whether the change removed, moved or un-executed code: libunwind's
 * cached tables for it are stale (a library unloaded and another loaded
 * at the same address must not unwind with the old one's).  Anonymous and
 * data mappings never flush (unw_flush_cache drops everything).
 */
static bool code_changed(const struct aspace_changes *changes)
{
	for (size_t i = 0; i < changes->count; i++) {
		const struct aspace_piece *piece = &changes->pieces[i];

		if (!(piece->old_prot & PROT_EXEC))
			continue;
		if (piece->kind == ASPACE_PIECE_UNMAPPED || piece->kind == ASPACE_PIECE_MOVED ||
		    (piece->kind == ASPACE_PIECE_PROTECTED && !(piece->prot & PROT_EXEC)))
			return true;
	}
	return false;
}

/* The stack of a task at a memory call's entry, as an id; 0 without stacks. */
static uint32_t capture_stack(struct engine *eng, struct task *task)
{
	struct proc *proc = task->proc;
	struct arch_regs regs;

	if (!eng->opts.unwind || !proc->mm)
		return 0;
	if (!proc->unwind)
		proc->unwind = eng->opts.unwind->attach(eng->opts.unwind_ctx, proc->pid);
	if (!proc->unwind || get_regs(task, &regs) < 0)
		return 0;
	return eng->opts.unwind->capture(eng->opts.unwind_ctx, proc->unwind, task->tid, &regs,
					 mm_aspace(proc->mm));
}

/*
 * --verify: compares proc's model with the kernel's, read through task tid
 * (not the leader: a leader that called pthread_exit is a zombie with
 * empty /proc files while its threads run on), and reports a difference.
 */
static void verify(struct engine *eng, struct proc *proc, pid_t tid, uint64_t seq)
{
	struct mm_diff diff;

	if (!eng->opts.verify || !proc->mm || eng->detaching || proc->overlapped)
		return;
	if (mm_verify(proc->mm, tid, &diff) == 1 && eng->sink->mismatch)
		eng->sink->mismatch(eng->ctx, proc, seq, &diff);
}

/* How long a queued call waits for the one in flight before both run. */
#define QUEUE_TIMEOUT_NS 500000000ULL
#define TICK_USEC 100000

static void set_timer(struct engine *eng, bool on)
{
	struct itimerval val = { 0 };

	/* --duration needs the tick all along, to notice the time is up. */
	on = on || eng->opts.detach_at_ns;
	if (!eng->opts.tick || on == eng->timer_armed)
		return;
	if (on) {
		val.it_interval.tv_usec = TICK_USEC;
		val.it_value.tv_usec = TICK_USEC;
	}
	(void)setitimer(ITIMER_REAL, &val, NULL);
	eng->timer_armed = on;
}

/* Lets a decoded memory call run, to its exit stop. */
static void start_call(struct engine *eng, struct task *task)
{
	task->call_seq = ++eng->seq;
	task->flags |= TASK_IN_CALL;
	if (!task->proc->calls_in_flight++)
		task->proc->in_flight_since_ns = engine_now_ns(eng);
	resume(task, 0);
}

static struct task *queue_pop(struct engine *eng, struct proc *proc)
{
	struct task *next = proc->queue_head;

	if (!next)
		return NULL;
	proc->queue_head = next->queue_next;
	if (!proc->queue_head)
		proc->queue_tail = NULL;
	next->flags &= ~TASK_QUEUED;
	if (!--eng->queued)
		set_timer(eng, false);
	return next;
}

/*
 * Calls ran together, in an order the model cannot know (or began before
 * memtrace attached): once none is in flight and no seized task can still
 * be inside a call it began untraced, ask the kernel.  The kernel's view
 * includes the calls whose exit stops are still to come: never before.
 */
static void resync_if_settled(struct proc *proc, pid_t tid)
{
	struct aspace_event kernel = { .kind = ASPACE_ORIGIN_KERNEL };

	if (proc->calls_in_flight || proc->fresh_tasks || !proc->overlapped || !proc->mm || !tid)
		return;
	(void)mm_resync(proc->mm, tid, &kernel, NULL);
	proc->overlapped = false;
}

static void finish_call(struct engine *eng, struct task *task, bool finished, int64_t rval, int err)
{
	struct proc *proc = task->proc;
	const char *fd_path = task->fd_path && task->fd_path[0] ? task->fd_path : NULL;

	task->flags &= ~TASK_IN_CALL;
	proc->calls_in_flight--;
	aspace_changes_reset(&eng->changes);
	if (finished) {
		proc->calls[task->call.ent->kind]++;
		if (err)
			proc->failed++;
		if (proc->mm) {
			struct aspace_event ev = {
				.seq = task->call_seq,
				.tid = task->tid,
				.stack_id = task->call_stack,
				.kind = ASPACE_ORIGIN_CALL,
				.time_ns = task->call_time_ns,
			};

			mm_apply(proc->mm, task->tid, &ev, &task->call, fd_path, rval, err,
				 &eng->changes);
			if (proc->unwind && code_changed(&eng->changes))
				eng->opts.unwind->flush(eng->opts.unwind_ctx, proc->unwind);
		}
	}
	if (proc->reported && eng->sink->call) {
		struct engine_call ev = {
			.seq = task->call_seq,
			.time_ns = task->call_time_ns,
			.pid = proc->pid,
			.tid = task->tid,
			.proc = proc,
			.stack_id = task->call_stack,
			.call = &task->call,
			.fd_path = fd_path,
			.finished = finished,
			.rval = rval,
			.err = err,
			.changes = &eng->changes,
		};

		eng->sink->call(eng->ctx, &ev);
	}
	resync_if_settled(proc, task->tid);
	if (finished && !proc->calls_in_flight && proc->reported)
		verify(eng, proc, task->tid, task->call_seq);
	if (!proc->calls_in_flight && proc->queue_head)
		start_call(eng, queue_pop(eng, proc));
}

static void resolve_fd_path(struct task *task)
{
	char link[64];
	ssize_t len;

	if (!task->fd_path)
		task->fd_path = xmalloc(PATH_MAX);
	task->fd_path[0] = '\0';
	(void)snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)task->tid,
		       sysdecode_fd(&task->call));
	len = readlink(link, task->fd_path, PATH_MAX - 1);
	if (len > 0)
		task->fd_path[len] = '\0';
	else
		task->fd_path[0] = '\0';
}

/* The entry of a memory call (or of a call the filter could not classify). */
static void enter_call(struct engine *eng, struct task *task, uint32_t arch, uint64_t nr,
		       const uint64_t args[6]);

static void on_seccomp(struct engine *eng, struct task *task)
{
	struct __ptrace_syscall_info info;

	if (get_syscall_info(eng, task, &info, false) < 0)
		return;
	enter_call(eng, task, info.arch, info.seccomp.nr, info.seccomp.args);
}

/*
 * The entry of a system call: a memory call is decoded and let run to its
 * exit stop (or held, see below); any other is let go.
 */
static void enter_call(struct engine *eng, struct task *task, uint32_t arch, uint64_t nr,
		       const uint64_t args[6])
{
	int ret;

	if (sysdecode_is_exit_group(arch, nr)) {
		/* The threads still running end with the process: they did not exit on their own. */
		task->proc->group_exiting = true;
		if (task->flags & TASK_SYSCALL_STOPS)
			task->flags |= TASK_IN_OTHER;
		resume(task, 0);
		return;
	}
	ret = sysdecode_entry(&task->call, arch, nr, args);
	if (ret == -ENOENT) {
		/* Not a memory call: a foreign-architecture one, or any call in attach mode. */
		if (task->flags & TASK_SYSCALL_STOPS)
			task->flags |= TASK_IN_OTHER;
		resume(task, 0);
		return;
	}
	if (ret == -EFAULT) {
		uint32_t words[6] = { 0 };

		if (memread(task->tid, task->call.args[0], words, sizeof(words)) == 0)
			sysdecode_unpack_old_mmap(&task->call, words);
	}
	task->call_time_ns = engine_now_ns(eng);
	if (!task->proc->mm) {
		/* Nothing will be shown or modelled: skip the exit stop. */
		task->call_seq = ++eng->seq;
		task->proc->calls[task->call.ent->kind]++;
		resume(task, 0);
		return;
	}
	if (task->fd_path)
		task->fd_path[0] = '\0';
	if (sysdecode_has_fd(&task->call))
		resolve_fd_path(task);
	/* The user stack is the same at entry and exit: unwind here, once. */
	task->call_stack = capture_stack(eng, task);
	/*
	 * One memory call at a time per modelled process.  Two threads'
	 * calls in flight together may run in the kernel in either order and
	 * their exit stops arrive in either order, so the model could apply
	 * them in the wrong one (an mmap reusing what a munmap freed, applied
	 * before that munmap).  The kernel serializes these calls on
	 * mmap_lock anyway; holding the second one at its entry costs a
	 * round trip through memtrace, and makes the model exact.
	 */
	if (task->proc->mm && task->proc->calls_in_flight) {
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
		return;
	}
	start_call(eng, task);
}

static void on_syscall_stop(struct engine *eng, struct task *task)
{
	struct __ptrace_syscall_info info;

	if (!(task->flags & TASK_IN_CALL)) {
		/*
		 * Attach mode stops at every call's entry and exit.  The exit
		 * of a call that is not a memory call needs no question to the
		 * kernel: it is the stop after its entry.
		 */
		if (task->flags & TASK_IN_OTHER) {
			task->flags &= ~TASK_IN_OTHER;
			resume(task, 0);
			return;
		}
		/* A task attached inside a call shows its exit first: let it go. */
		if ((task->flags & TASK_SYSCALL_STOPS) &&
		    get_syscall_info(eng, task, &info, false) == 0 &&
		    info.op == PTRACE_SYSCALL_INFO_ENTRY) {
			enter_call(eng, task, info.arch, info.entry.nr, info.entry.args);
			return;
		}
		resume(task, 0);
		return;
	}
	if (get_syscall_info(eng, task, &info, true) < 0)
		return;
	if (info.op != PTRACE_SYSCALL_INFO_EXIT) {
		/* Not the exit we asked for: keep waiting for it. */
		resume(task, 0);
		return;
	}
	finish_call(eng, task, true, info.exit.rval, info.exit.is_error ? (int)-info.exit.rval : 0);
	resume(task, 0);
}

/*
 * The flags of the clone that just made a new task, from the parent's
 * registers at its PTRACE_EVENT_CLONE stop.  Returns -1 when they cannot
 * be read.
 */
static long long clone_flags(struct engine *eng, struct task *parent)
{
	struct __ptrace_syscall_info info;
	struct arch_regs regs;
	uint64_t nr, args[6], flags, flags_addr;
	uint32_t arch;
	int where;

	if (get_regs(parent, &regs) < 0)
		return -1;
	arch_regs_syscall(&regs, &arch, &nr, args);
	/* The registers cannot tell an int $0x80 clone from 64-bit code: the kernel can. */
	if (!eng->syscall_info_missing &&
	    ptrace(PTRACE_GET_SYSCALL_INFO, parent->tid, (void *)sizeof(info), &info) > 0)
		arch = info.arch;
	where = arch_clone_flags(arch, nr, args, &flags, &flags_addr);
	if (where == 0)
		return (long long)flags;
	if (where == 1 && memread(parent->tid, flags_addr, &flags, sizeof(flags)) == 0)
		return (long long)flags;
	return -1;
}

/* The thread group of tid, from /proc/TID/status; tid itself when unreadable. */
static pid_t read_tgid(pid_t tid)
{
	return (pid_t)procmaps_status_field(tid, "Tgid", tid);
}

static struct proc *new_proc(struct engine *eng, pid_t pid, struct proc *parent)
{
	struct proc *proc = add_proc(eng, pid, parent ? parent->pid : 0, eng->opts.report_children);

	if (parent)
		proc->exe = xstrdup(parent->exe);
	return proc;
}

/*
 * The model of a new process: a copy of its parent's after fork, the same
 * one after vfork or clone(CLONE_VM).  Only reported processes have one.
 */
static void link_mm(struct proc *child, struct proc *parent, bool share_vm)
{
	/*
	 * A vfork or CLONE_VM child changes its parent's memory even when
	 * it is not reported: its calls must reach the shared model.
	 */
	if (!parent->mm || (!child->reported && !share_vm))
		return;
	if (child->mm && !share_vm && mm_calls_applied(child->mm))
		return; /* seeded from /proc and already changed: keep it */
	mm_put(child->mm);
	child->mm = share_vm ? mm_get(parent->mm) : mm_copy(parent->mm);
	child->mm_copied = !share_vm;
}

/*
 * The creator's event of a process that stopped first (adopt()): its
 * parent, and its parent's model, unless it has since run a program of its
 * own (the maps read at that exec are right, and a copy of its parent's
 * would be another program's) or ended.
 */
static void link_adopted(struct engine *eng, struct proc *proc, struct proc *parent, bool share_vm)
{
	proc->adopted = false;
	eng->adopted--;
	proc->parent_pid = parent->pid;
	if (!proc->exe)
		proc->exe = xstrdup(parent->exe);
	if (!proc->execs && !proc->ended)
		link_mm(proc, parent, share_vm);
}

static void on_clone(struct engine *eng, struct task *task, int event)
{
	unsigned long msg;
	pid_t child_tid;
	struct task *child;
	struct proc *gone = NULL;
	long long flags = -1;
	bool thread = false, share_vm = event == PTRACE_EVENT_VFORK;

	if (ptrace(PTRACE_GETEVENTMSG, task->tid, 0L, &msg) < 0)
		return;
	child_tid = (pid_t)msg;
	if (event == PTRACE_EVENT_CLONE) {
		flags = clone_flags(eng, task);
		if (flags >= 0) {
			thread = (flags & CLONE_THREAD) != 0;
			share_vm = (flags & CLONE_VM) != 0;
		} else {
			thread = read_tgid(child_tid) != child_tid;
		}
	}
	child = tasks_find(eng->tasks, child_tid);
	if (child) {
		/* Its own first stop came first; it was created then.  Link it. */
		if (child->proc->pid == child_tid && child->proc->adopted)
			link_adopted(eng, child->proc, task->proc, share_vm);
		return;
	}
	/*
	 * A busy tracer may see a new process run to its end before its
	 * creator's event (waitpid walks the tracer's tracees newest first:
	 * kernel/exit.c, ptrace_do_wait): it was reported then.  Making
	 * another process of it here would leave one that never ends.  (A
	 * new thread is never such a process: no scan for it.)
	 */
	for (struct proc *proc = eng->adopted && !thread ? tasks_procs(eng->tasks) : NULL; proc;
	     proc = proc->next)
		if (proc->pid == child_tid && proc->adopted && proc->ended)
			gone = proc;
	if (gone) {
		link_adopted(eng, gone, task->proc, share_vm);
		return;
	}
	if (thread) {
		child = tasks_add(eng->tasks, child_tid, task->proc);
	} else {
		child = tasks_add(eng->tasks, child_tid, new_proc(eng, child_tid, task->proc));
		link_mm(child->proc, task->proc, share_vm);
	}
	if (eng->attach_mode)
		child->flags |= TASK_SYSCALL_STOPS;
}

/*
 * A task we did not know stopped: a new child whose initial stop arrived
 * before its parent's PTRACE_EVENT_CLONE/FORK/VFORK.
 */
static struct task *adopt(struct engine *eng, pid_t tid)
{
	pid_t tgid = read_tgid(tid);
	struct proc *proc = tgid != tid ? tasks_proc_find(eng->tasks, tgid) : NULL;

	if (!proc) {
		proc = new_proc(eng, tid, NULL);
		proc->adopted = true;
		eng->adopted++;
		/* Until its creator's event says more, the kernel's view is the model. */
		if (proc->reported) {
			proc->mm = mm_new(eng->mm_reader);
			(void)mm_seed(proc->mm, tid, ASPACE_ORIGIN_KERNEL, engine_now_ns(eng));
		}
	}
	debug_msg("task %d stopped before its creator's event (process %d)", (int)tid,
		  (int)proc->pid);
	{
		struct task *task = tasks_add(eng->tasks, tid, proc);

		if (eng->attach_mode)
			task->flags |= TASK_SYSCALL_STOPS;
		return task;
	}
}

static void dequeue(struct engine *eng, struct proc *proc, struct task *task)
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
 * A call that will never see its exit stop (the task exits, or another
 * thread's execve kills it): report it cut short.  A call still held in
 * the queue never ran: it is reported the same way.
 */
static void abandon_call(struct engine *eng, struct task *task)
{
	if (task->flags & TASK_QUEUED) {
		dequeue(eng, task->proc, task);
		task->call_seq = ++eng->seq;
		task->flags |= TASK_IN_CALL;
		task->proc->calls_in_flight++;
	}
	if (task->flags & TASK_IN_CALL)
		finish_call(eng, task, false, 0, 0);
}

/*
 * PTRACE_EVENT_EXEC is reported under the thread group's id.  When a
 * non-leader thread exec'd, GETEVENTMSG gives its former tid: it takes the
 * leader's tid, and the old leader's record goes (the leader never reports
 * its death in this case: ptrace(2), "execve(2) under ptrace").
 */
static struct task *on_exec(struct engine *eng, struct task *task)
{
	unsigned long msg;
	struct proc *proc = task->proc;
	bool launched = task->flags & TASK_LAUNCHING;

	if (ptrace(PTRACE_GETEVENTMSG, task->tid, 0L, &msg) == 0 && (pid_t)msg != task->tid) {
		struct task *execer = tasks_find(eng->tasks, (pid_t)msg);

		if (execer) {
			pid_t leader_tid = task->tid;

			abandon_call(eng, task);
			tasks_remove(eng->tasks, task);
			tasks_rekey(eng->tasks, execer, leader_tid);
			task = execer;
		}
	}
	task->flags &= ~TASK_LAUNCHING;
	task->flags |= TASK_STARTED;
	proc->execs++;
	update_exe(proc);
	/*
	 * A new program, a new mm.  Reading the maps is safe here: the exec
	 * is complete (rr's warning is about a thread group inside execve).
	 */
	if (eng->opts.unwind && proc->unwind) {
		eng->opts.unwind->detach(eng->opts.unwind_ctx, proc->unwind);
		proc->unwind = NULL;
	}
	if (!proc->reported) {
		/* A vfork child that shared its parent's model has a memory of its own now. */
		mm_put(proc->mm);
		proc->mm = NULL;
	} else {
		mm_put(proc->mm);
		proc->mm = mm_new(eng->mm_reader);
		if (mm_seed(proc->mm, proc->pid, ASPACE_ORIGIN_EXEC, engine_now_ns(eng)) < 0)
			debug_msg("cannot read the maps of %d after exec", (int)proc->pid);
	}
	if (!launched && proc->reported && eng->sink->exec)
		eng->sink->exec(eng->ctx, proc, engine_now_ns(eng));
	return task;
}

/*
 * A thread at its exit stop: unless its process is going down with it
 * (exit_group, seen at its entry; a fatal signal), it ended on its own,
 * and a stack left mapped is a stack of an exited thread.  Marked here,
 * not when it is reaped: pthread_join() returns only after this stop, so
 * the mark comes before anything the joiner does next.
 */
static void thread_exiting(struct engine *eng, struct task *task)
{
	struct proc *proc = task->proc;
	unsigned long msg = 0;

	if (task->tid == proc->pid || !task->stack_sp || !proc->mm || proc->group_exiting)
		return;
	if (ptrace(PTRACE_GETEVENTMSG, task->tid, 0L, &msg) < 0 || WIFSIGNALED((int)msg))
		return;
	(void)aspace_thread_exited(mm_aspace(proc->mm), task->stack_sp, task->tid);
	if (proc->reported && eng->sink->thread)
		eng->sink->thread(eng->ctx, proc, task->tid, true, task->stack_sp,
				  engine_now_ns(eng));
}

/*
 * PTRACE_EVENT_EXIT: a call in progress will have no exit stop.  The last
 * one out (the others reaped, or past this stop, like a leader that called
 * pthread_exit) still has the mm to compare with and to read, through
 * itself.  A group exit passes the leader too: the threads still running
 * change nothing.
 */
static void on_exit_stop(struct engine *eng, struct task *task)
{
	struct proc *proc = task->proc;
	bool last;

	abandon_call(eng, task);
	thread_exiting(eng, task);
	task->flags |= TASK_EXITED;
	last = ++proc->exited_tasks == proc->live_tasks;
	if (last)
		verify(eng, proc, task->tid, 0);
	if ((last || task->tid == proc->pid) && proc->reported && proc->mm && eng->sink->snapshot)
		eng->sink->snapshot(eng->ctx, proc, task->tid, last || proc->group_exiting);
}

static void on_task_gone(struct engine *eng, struct task *task, int status)
{
	struct proc *proc = task->proc;

	abandon_call(eng, task);
	if (task->tid == proc->pid)
		proc->wait_status = status;
	tasks_remove(eng->tasks, task);
	/* The last seized task whose first stop was awaited may die instead of stopping. */
	if (!proc->ended)
		resync_if_settled(proc, engine_live_tid(eng, proc));
	if (proc->ended && proc->unwind) {
		eng->opts.unwind->detach(eng->opts.unwind_ctx, proc->unwind);
		proc->unwind = NULL;
	}
	if (proc->ended) {
		if (proc == eng->main_proc && eng->exec_err_fd >= 0) {
			int err = 0;

			/* The CLOEXEC pipe holds an errno only if exec failed. */
			if (read(eng->exec_err_fd, &err, sizeof(err)) == (ssize_t)sizeof(err))
				eng->exec_errno = err;
			(void)close(eng->exec_err_fd);
			eng->exec_err_fd = -1;
		}
		if (eng->sink->proc_end)
			eng->sink->proc_end(eng->ctx, proc, engine_now_ns(eng));
	}
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/*
 * PTRACE_EVENT_STOP: the initial stop of a new task, a group-stop, or the
 * end of one (the tracee re-traps with SIGTRAP when SIGCONT arrives while
 * it listens: kernel/signal.c, do_jobctl_trap).
 */
static void on_event_stop(struct engine *eng, struct task *task, int sig)
{
	if (!(task->flags & TASK_STARTED)) {
		struct arch_regs regs;

		task->flags |= TASK_STARTED;
		/*
		 * A forked child has not run yet: its memory is what the fork
		 * left, without MADV_DONTFORK regions, with the calls other
		 * threads of the parent had in flight.  The copy of the
		 * parent's model may miss both: make it agree.
		 */
		if (task->tid == task->proc->pid && task->proc->mm_copied) {
			struct aspace_event kernel = { .kind = ASPACE_ORIGIN_KERNEL };

			(void)mm_resync(task->proc->mm, task->tid, &kernel, NULL);
			task->proc->mm_copied = false;
		}
		/*
		 * A new thread's stack is the region holding its stack
		 * pointer now (glibc may hand it a cached stack, mapped long
		 * ago by another thread: the region then changes hands).
		 */
		if (task->tid != task->proc->pid && task->proc->mm && get_regs(task, &regs) == 0) {
			task->stack_sp = arch_regs_sp(&regs);
			(void)aspace_set_thread(mm_aspace(task->proc->mm), task->stack_sp,
						task->tid);
			if (task->proc->reported && eng->sink->thread)
				eng->sink->thread(eng->ctx, task->proc, task->tid, false,
						  task->stack_sp, engine_now_ns(eng));
		}
		resume(task, 0);
		return;
	}
	if ((task->flags & TASK_LAUNCHING) || !is_stop_signal(sig)) {
		resume(task, 0);
		return;
	}
	/*
	 * A group-stop: stay stopped as without memtrace, yet let the kernel
	 * tell us about SIGCONT.  PTRACE_CONT here would run a stopped job.
	 */
	if (ptrace(PTRACE_LISTEN, task->tid, 0L, 0L) < 0 && errno != ESRCH)
		perror_die("ptrace(PTRACE_LISTEN, %d)", (int)task->tid);
}

static void dispatch(struct engine *eng, pid_t tid, int status)
{
	struct task *task = tasks_find(eng->tasks, tid);
	int sig, event;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (task)
			on_task_gone(eng, task, status);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (!task)
		task = adopt(eng, tid);
	if (task->flags & TASK_FRESH) {
		/* A call it was inside when seized is over: see engine_attach(). */
		task->flags &= ~TASK_FRESH;
		task->proc->fresh_tasks--;
		resync_if_settled(task->proc, task->tid);
	}
	sig = WSTOPSIG(status);
	event = (int)((unsigned int)status >> 16);
	switch (event) {
	case 0:
		break;
	case PTRACE_EVENT_SECCOMP:
		on_seccomp(eng, task);
		return;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		on_clone(eng, task, event);
		resume(task, 0);
		return;
	case PTRACE_EVENT_EXEC:
		task = on_exec(eng, task);
		resume(task, 0);
		return;
	case PTRACE_EVENT_EXIT:
		on_exit_stop(eng, task);
		resume(task, 0);
		return;
	case PTRACE_EVENT_STOP:
		on_event_stop(eng, task, sig);
		return;
	default:
		resume(task, 0);
		return;
	}
	if (sig == SYSCALL_STOP_SIG) {
		on_syscall_stop(eng, task);
		return;
	}
	/* A signal-delivery-stop: deliver the signal unchanged. */
	if ((task->flags & TASK_LAUNCHING) && (sig == SIGSTOP || sig == SIGCONT)) {
		resume(task, 0);
		return;
	}
	resume(task, sig);
}

/*
 * A call in flight for too long while others wait for it may be waiting
 * for one of them (a userfaultfd or FUSE handler thread that maps memory
 * before it answers): let them all run, and resynchronize the model with
 * the kernel once none is in flight.  Never a hang.
 */
static void release_stuck_queues(struct engine *eng)
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

int engine_run(struct engine *eng)
{
	for (;;) {
		int status;
		pid_t tid;

		if (eng->opts.kill_request && *eng->opts.kill_request && !eng->killed_all)
			engine_kill_all(eng);
		if (eng->opts.tick && *eng->opts.tick) {
			*eng->opts.tick = 0;
			release_stuck_queues(eng);
		}
		if (eng->opts.wake && *eng->opts.wake) {
			*eng->opts.wake = 0;
			if (eng->sink->wake)
				eng->sink->wake(eng->ctx);
		}
		if (eng->attach_mode &&
		    ((eng->opts.detach_request && *eng->opts.detach_request) ||
		     (eng->opts.detach_at_ns && engine_now_ns(eng) >= eng->opts.detach_at_ns))) {
			engine_detach_all(eng);
			return 0;
		}
		tid = waitpid(-1, &status, __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				return 0;
			return -errno;
		}
		eng->dispatching = tid;
		dispatch(eng, tid, status);
		eng->dispatching = 0;
	}
}

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

int engine_attach(struct engine *eng, pid_t pid, pid_t *tgid_out)
{
	unsigned long options = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
				PTRACE_O_TRACESYSGOOD;
	char path[64];
	struct proc *proc;
	pid_t tgid;
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
			/*
			 * Never half-attached: let go of every task seized so far.
			 * They may be running, and PTRACE_DETACH needs a stop:
			 * the detach that interrupts and waits does it.
			 */
			engine_detach_all(eng);
			return found;
		}
		quiet = found ? 0 : quiet + 1;
	}
	if (!proc->live_tasks)
		return -ESRCH;
	update_exe(proc);
	proc->mm = mm_new(eng->mm_reader);
	(void)mm_seed(proc->mm, tgid, ASPACE_ORIGIN_ATTACH, engine_now_ns(eng));
	/*
	 * Threads were running while we read the maps, maybe inside a memory
	 * call that ends untraced, before their first stop: re-read them once
	 * every seized task has stopped and no call of ours is in flight.
	 * Until then the model is not compared (verify).
	 */
	proc->overlapped = true;
	set_timer(eng, eng->queued > 0);
	return 0;
}

/* Detaches one stopped task with sig; its bookkeeping goes. */
static void detach_stopped(struct engine *eng, struct task *task, int sig)
{
	if (ptrace(PTRACE_DETACH, task->tid, 0L, (long)sig) < 0 && errno != ESRCH)
		debug_msg("ptrace(PTRACE_DETACH, %d): %s", (int)task->tid, strerror(errno));
	task->proc->detached = true;
	if (task->flags & TASK_QUEUED)
		dequeue(eng, task->proc, task);
	task->flags &= ~TASK_IN_CALL;
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
	if (!task || (task->flags & TASK_QUEUED))
		return;
	if (ptrace(PTRACE_DETACH, task->tid, 0L, 0L) < 0)
		return;
	task->proc->detached = true;
	task->flags &= ~TASK_IN_CALL;
	tasks_remove(eng->tasks, task);
}

static void interrupt_one(struct task *task, void *arg)
{
	(void)arg;
	if (!(task->flags & TASK_QUEUED))
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

	if (!(task->flags & TASK_QUEUED))
		return;
	xgrowarray((void **)&held->tasks, &held->cap, held->count + 1, sizeof(struct task *));
	held->tasks[held->count++] = task;
}

void engine_detach_all(struct engine *eng)
{
	struct held held = { 0 };
	bool first = !eng->detaching;

	eng->detaching = true;
	debug_msg("detaching from every task");
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
	/* Tasks held at a memory call's entry are stopped already: they go at once. */
	tasks_for_each(eng->tasks, collect_held, &held);
	for (size_t i = 0; i < held.count; i++)
		detach_stopped(eng, held.tasks[i], 0);
	free(held.tasks);
	tasks_for_each(eng->tasks, interrupt_one, NULL);
	while (tasks_count(eng->tasks)) {
		struct task *task;
		int status, sig, event;
		pid_t tid = waitpid(-1, &status, __WALL);

		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		task = tasks_find(eng->tasks, tid);
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (task)
				on_task_gone(eng, task, status);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (!task) {
			/* A clone seen first by its own stop: not ours to keep. */
			(void)ptrace(PTRACE_DETACH, tid, 0L, 0L);
			continue;
		}
		sig = WSTOPSIG(status);
		event = (int)((unsigned int)status >> 16);
		if (event == 0 && sig == SYSCALL_STOP_SIG) {
			struct __ptrace_syscall_info info;

			/* The exit of a call in flight: record it, then leave. */
			if ((task->flags & TASK_IN_CALL) &&
			    get_syscall_info(eng, task, &info, true) == 0 &&
			    info.op == PTRACE_SYSCALL_INFO_EXIT)
				finish_call(eng, task, true, info.exit.rval,
					    info.exit.is_error ? (int)-info.exit.rval : 0);
			else if (task->flags & TASK_IN_CALL) {
				/* Not its exit yet (its entry): let it run to the exit first. */
				resume(task, 0);
				continue;
			}
			detach_stopped(eng, task, 0);
		} else if (event == 0) {
			/* A signal-delivery-stop: the signal goes with it, as without memtrace. */
			detach_stopped(eng, task, sig);
		} else {
			/* An interrupt, a group-stop (the task stays stopped), another event. */
			if (event == PTRACE_EVENT_EXIT)
				abandon_call(eng, task);
			detach_stopped(eng, task, 0);
		}
	}
}
