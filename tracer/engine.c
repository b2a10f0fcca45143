/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ptrace engine's wait loop: see engine.h, and engine_int.h for how
 * the engine's files share its state.
 *
 * References: ptrace(2) ("PTRACE_SEIZE", "Group-stop", "execve(2) under
 * ptrace", "Syscall-stops"), seccomp(2) (SECCOMP_RET_TRACE), and strace's
 * src/strace.c (next_event, dispatch_event).
 */
#include "engine_int.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch.h"
#include "memread.h"
#include "procmaps.h"
#include "util.h"

/* Resumes a stopped task.  ESRCH means it died meanwhile: its wait status follows. */
void resume(struct task *task, int sig)
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
	int err = arch_regs_get(task->tid, regs);

	if (err == 0 || err == -ESRCH)
		return err;
	errno = -err;
	perror_die("ptrace(PTRACE_GETREGSET, %d)", (int)task->tid);
}

/*
 * Fills info for the current stop.  Returns 0, or -ESRCH if the task is
 * gone.  Without PTRACE_GET_SYSCALL_INFO (Linux < 5.3), rebuilds it from
 * the registers (arch_regs_syscall() says what is then lost).
 */
int get_syscall_info(struct engine *eng, struct task *task, struct __ptrace_syscall_info *info,
		     bool at_exit)
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
	info->instruction_pointer = arch_regs_pc(&regs);
	info->stack_pointer = arch_regs_sp(&regs);
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

/*
 * The stack of a task stopped at a memory call's exit, with registers
 * regs, as an id; 0 when it cannot be had.
 */
static uint32_t capture_stack(struct engine *eng, struct task *task, const struct arch_regs *regs)
{
	struct proc *proc = task->proc;

	if (!proc->unwind)
		proc->unwind = eng->opts.unwind->attach(eng->opts.unwind_ctx);
	if (!proc->unwind)
		return 0;
	return eng->opts.unwind->capture(eng->opts.unwind_ctx, proc->unwind, task->tid, regs,
					 mm_aspace(proc->mm));
}

/*
 * The result of the memory call a task is stopped at the exit of, and
 * with stacks its stack, into task->call_stack.  The user stack is the
 * same at the call's entry and exit, and at the exit one question to the
 * kernel answers both: the registers (PTRACE_GETREGSET) hold the result
 * and every register a walk may need (a frame pointer), where unwinding
 * at the entry would ask for them on top of PTRACE_GET_SYSCALL_INFO.
 * Returns 0; 1 when the stop is not the call's exit; -ESRCH when the task
 * is gone.
 */
int exit_result(struct engine *eng, struct task *task, int64_t *rval, int *err)
{
	struct __ptrace_syscall_info info;
	struct arch_regs regs;
	bool is_error;

	if (eng->opts.unwind && task->proc->mm) {
		/* After the entry, the next system call stop is the exit (Linux 4.8 and later). */
		if (get_regs(task, &regs) < 0)
			return -ESRCH;
		arch_regs_result(&regs, rval, &is_error);
		*err = is_error ? (int)-*rval : 0;
		task->call_stack = capture_stack(eng, task, &regs);
		return 0;
	}
	if (get_syscall_info(eng, task, &info, true) < 0)
		return -ESRCH;
	if (info.op != PTRACE_SYSCALL_INFO_EXIT)
		return 1;
	*rval = info.exit.rval;
	*err = info.exit.is_error ? (int)-info.exit.rval : 0;
	return 0;
}

/* Keeps the changes of a call that ended while others were in flight, for --verify. */
static void note_unverified(struct proc *proc, const struct aspace_changes *changes)
{
	struct aspace_changes *list = proc->unverified;

	if (!list)
		list = proc->unverified = xcalloc(1, sizeof(*list));
	xgrowarray((void **)&list->pieces, &list->cap, list->count + changes->count,
		   sizeof(*list->pieces));
	for (size_t i = 0; i < changes->count; i++)
		list->pieces[list->count++] = changes->pieces[i];
}

/*
 * --verify: compares proc's model with the kernel's, read through task tid
 * (not the leader: a leader that called pthread_exit is a zombie with
 * empty /proc files while its threads run on), and reports a difference.
 */
static void verify(struct engine *eng, struct proc *proc, pid_t tid, uint64_t seq)
{
	bool others = proc->unverified && proc->unverified->count;
	struct mm_diff diff;
	int ret;

	/* Whatever happens here, the check that was due is over. */
	proc->verify_due = false;
	if (!eng->opts.verify || !proc->mm || eng->detaching || proc->overlapped) {
		if (others)
			aspace_changes_reset(proc->unverified);
		return;
	}
	/*
	 * After a call, what it changed, and what the calls that ended while
	 * it was in flight changed; at the end (seq 0), everything.
	 */
	if (seq && others) {
		note_unverified(proc, &eng->changes);
		ret = mm_verify_call(proc->mm, tid, proc->unverified, &diff);
	} else {
		ret = seq ? mm_verify_call(proc->mm, tid, &eng->changes, &diff)
			  : mm_verify(proc->mm, tid, &diff);
	}
	if (others)
		aspace_changes_reset(proc->unverified);
	if (ret == 1 && eng->sink->mismatch)
		eng->sink->mismatch(eng->ctx, proc, seq, &diff);
}

void report_call(struct engine *eng)
{
	if (!eng->ended_pending || !eng->sink->call)
		return;
	eng->ended_pending = false;
	eng->sink->call(eng->ctx, &eng->ended);
}

/*
 * A memory call ended: the model is changed, and the call is kept for the
 * sink (report_call()), which may hear of it after the task was resumed:
 * it needs only memtrace's own data then (the model, task->call and
 * fd_path, unchanged until the task's next stop).  Reading the kernel's
 * view again (a resync, --verify) may change the model too, so the sink
 * hears of the call first when that comes next, as the model was after
 * the call alone.
 */
/* The event a call of task is in the model: its number, thread, stack and time. */
static struct aspace_event call_event(const struct task *task)
{
	return (struct aspace_event){
		.seq = task->call_seq,
		.tid = task->tid,
		.stack_id = task->call_stack,
		.kind = ASPACE_ORIGIN_CALL,
		.time_ns = task->call_time_ns,
	};
}

static void end_call(struct engine *eng, struct task *task, bool finished, int64_t rval, int err)
{
	struct proc *proc = task->proc;
	const char *fd_path = task->fd_path && task->fd_path[0] ? task->fd_path : NULL;

	/* One call waits for the sink at a time (a die() may have cut the last short). */
	report_call(eng);
	flight_remove(eng, task);
	/* Numbered as applied: calls that ran together are applied in the kernel's order. */
	task->call_seq = ++eng->seq;
	aspace_changes_reset(&eng->changes);
	if (finished) {
		proc->calls[task->call.ent->kind]++;
		if (err)
			proc->failed++;
		if (proc->mm) {
			struct aspace_event ev = call_event(task);

			mm_apply(proc->mm, task->tid, &ev, &task->call, fd_path, rval, err,
				 &eng->changes);
			if (!err)
				flight_applied(proc, task, &eng->changes);
			if (proc->unwind && code_changed(&eng->changes))
				eng->opts.unwind->flush(eng->opts.unwind_ctx, proc->unwind);
		}
	} else if ((task->flags & TASK_CUT_SHORT) && proc->mm) {
		/*
		 * Killed inside it (SIGKILL, another thread's exit_group), the
		 * call may have done its work: ask the kernel, through this task
		 * whose memory is still whole, and make what it did the call's.
		 */
		struct aspace_event ev = call_event(task);

		task->flags &= ~TASK_CUT_SHORT;
		if (proc->in_flight || proc->fresh_tasks)
			proc->overlapped = true;
		else
			(void)mm_resync(proc->mm, task->tid, &ev, &eng->changes);
	}
	if (proc->reported && eng->sink->call) {
		eng->ended = (struct engine_call){
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
		eng->ended_pending = true;
	}
	if (proc->overlapped || eng->opts.verify || eng->opts.sink_before_resume)
		report_call(eng);
	resync_if_settled(proc, task->tid);
	/*
	 * The kernel's view includes the calls still in flight: the check
	 * waits for none to be, and the calls that would start wait for it.
	 */
	if (finished && proc->reported && proc->mm && eng->opts.verify && !eng->detaching &&
	    proc->in_flight) {
		note_unverified(proc, &eng->changes);
		proc->verify_due = true;
	}
	if (finished && !proc->in_flight && proc->reported)
		verify(eng, proc, task->tid, task->call_seq);
	flight_drain(eng, proc);
}

void finish_call(struct engine *eng, struct task *task, bool finished, int64_t rval, int err)
{
	end_call(eng, task, finished, rval, err);
	report_call(eng);
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

/*
 * A call through an ABI memtrace has no personality for here (an arm32
 * program under an arm64 kernel): its calls are not decoded, so its
 * memory cannot be followed.  Said once; the process's model is dropped,
 * so that nothing wrong is reported of it.
 */
static void foreign_abi(struct task *task, uint32_t arch)
{
	struct proc *proc = task->proc;
	const char *name = arch_abi_name(arch);

	/* A program of its own after an exec: its model, if any, goes too. */
	mm_put(proc->mm);
	proc->mm = NULL;
	if (proc->foreign_abi)
		return;
	proc->foreign_abi = true;
	error_msg("[%d] %s calls the kernel as %s%s(audit arch %#x), which memtrace for %s does "
		  "not decode: its memory is not followed",
		  (int)proc->pid, proc->exe ? proc->exe : "?", name ? name : "another ABI",
		  name ? " code " : " ", (unsigned int)arch, arch_host.name);
}

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
	/* A memory call first: the one lookup of the common case. */
	int ret = sysdecode_entry(&task->call, arch, nr, args);

	if (ret == -ENOENT) {
		/*
		 * Not a memory call: exit_group, another call the filter
		 * stops at (ipc, a number newer than the tables), or any call
		 * in attach mode.
		 */
		if (sysdecode_is_exit_group(arch, nr)) {
			/* The threads still running end with the process, not on their own. */
			task->proc->group_exiting = true;
		} else if (!arch_personality(arch)) {
			foreign_abi(task, arch);
		}
		if (task->flags & TASK_SYSCALL_STOPS)
			task->flags |= TASK_IN_OTHER;
		resume(task, 0);
		return;
	}
	if (!task->proc->mm) {
		/* Nothing will be shown or modelled: skip the exit stop. */
		task->call_seq = ++eng->seq;
		task->proc->calls[task->call.ent->kind]++;
		resume(task, 0);
		return;
	}
	if (ret == -EFAULT) {
		uint32_t words[6] = { 0 };

		if (memread(task->tid, task->call.args[0], words, sizeof(words)) == 0)
			sysdecode_unpack_old_mmap(&task->call, words);
	}
	task->call_time_ns = engine_now_ns(eng);
	if (task->fd_path)
		task->fd_path[0] = '\0';
	if (sysdecode_has_fd(&task->call))
		resolve_fd_path(task);
	/* Unwound at the exit (exit_result()): a call cut short there has no stack. */
	task->call_stack = 0;
	/*
	 * Two threads' calls in flight together may run in the kernel in
	 * either order, and their exit stops arrive in either order: a call
	 * that does not commute with those in flight waits at its entry
	 * (engine_queue.c).
	 */
	task->span =
		sysdecode_span(&task->call, ASPACE_PAGE_SIZE, &task->span_start, &task->span_end);
	if (!flight_can_start(task->proc, task)) {
		queue_push(eng, task);
		return;
	}
	start_call(eng, task);
}

static void on_syscall_stop(struct engine *eng, struct task *task)
{
	struct __ptrace_syscall_info info;
	int64_t rval;
	int err, ret;

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
	ret = exit_result(eng, task, &rval, &err);
	if (ret < 0)
		return;
	if (ret > 0) {
		/* Not the exit we asked for: keep waiting for it. */
		resume(task, 0);
		return;
	}
	/* Its result lies where a call still in flight acts, which ran first: it waits. */
	if (flight_defer(eng, task, rval, err))
		return;
	/* The call's exit: the model first, the task on its way, then the outputs. */
	end_call(eng, task, true, rval, err);
	resume(task, 0);
	report_call(eng);
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
	child->vm_shared = share_vm;
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
	inherit_exe(proc, parent);
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
	/*
	 * A clone whose exit signal is SIGCHLD is reported as a fork
	 * (kernel/fork.c, kernel_clone), CLONE_VM or not: its flags tell.
	 * A fork(2) has none: a copy.
	 */
	if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK) {
		flags = clone_flags(eng, task);
		if (flags >= 0) {
			thread = (flags & CLONE_THREAD) != 0;
			share_vm = (flags & CLONE_VM) != 0;
		} else if (event == PTRACE_EVENT_CLONE) {
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
	struct task *task;

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
	task = tasks_add(eng->tasks, tid, proc);
	if (eng->attach_mode)
		task->flags |= TASK_SYSCALL_STOPS;
	return task;
}

/*
 * A call that will never see its exit stop (the task exits, or another
 * thread's execve kills it): report it cut short.  A call still held in
 * the queue never ran: it is reported the same way.  One held at its exit
 * stop ends with its result.
 */
void abandon_call(struct engine *eng, struct task *task)
{
	if (task->flags & TASK_QUEUED) {
		dequeue(eng, task->proc, task);
		flight_add(task);
	}
	/* A call held at its exit did return: it ends with its result. */
	if (task->flags & TASK_DEFERRED)
		finish_call(eng, task, true, task->exit_rval, task->exit_err);
	else if (task->flags & TASK_IN_CALL)
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
	/*
	 * What the old program did is reported as its own, then counted
	 * afresh: a program memtrace saw start (exec'd, launched) or attached
	 * to.  Not a fork's copy of its parent's program, nor memory it
	 * shares (vfork): its parent's report has that, and its calls before
	 * the exec count with the new program's.
	 */
	if (!launched && proc->reported && proc->mm && !proc->vm_shared && !proc->adopted &&
	    (proc->execs || !proc->parent_pid)) {
		if (eng->sink->exec_old)
			eng->sink->exec_old(eng->ctx, proc, engine_now_ns(eng));
		memset(proc->calls, 0, sizeof(proc->calls));
		proc->failed = 0;
	}
	proc->execs++;
	update_exe(proc, proc->pid);
	warn_unprivileged(proc);
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
	proc->vm_shared = false;
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
	const struct aspace_region *stack;
	unsigned long msg = 0;

	if (task->tid == proc->pid || !task->stack_sp || !proc->mm)
		return;
	/* Its name as it ends, for its stack, if still its own: /proc goes with it. */
	stack = aspace_find(mm_aspace(proc->mm), task->stack_sp);
	if (stack && stack->thread == task->tid)
		mm_name_thread(proc->mm, task->tid);
	if (proc->group_exiting)
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

	/* A call that ran (not one held in the queue) whose result will never be seen. */
	if ((task->flags & (TASK_IN_CALL | TASK_QUEUED | TASK_DEFERRED)) == TASK_IN_CALL &&
	    task->call.ent && sysdecode_desc(task->call.ent->kind)->op != SYSDECODE_OP_NONE)
		task->flags |= TASK_CUT_SHORT;
	abandon_call(eng, task); /* its end clears TASK_CUT_SHORT */
	thread_exiting(eng, task);
	task->flags |= TASK_EXITED;
	last = ++proc->exited_tasks == proc->live_tasks;
	if (last)
		resync_if_settled(proc, task->tid);
	if (last)
		verify(eng, proc, task->tid, 0);
	if ((last || task->tid == proc->pid) && proc->reported && proc->mm && eng->sink->snapshot)
		eng->sink->snapshot(eng->ctx, proc, task->tid, last || proc->group_exiting);
}

void on_task_gone(struct engine *eng, struct task *task, int status)
{
	struct proc *proc = task->proc;

	abandon_call(eng, task);
	if (task->tid == proc->pid)
		proc->wait_status = status;
	tasks_remove(eng->tasks, task);
	/* The last seized task whose first stop was awaited may die instead of stopping. */
	if (!proc->ended && proc->overlapped)
		resync_if_settled(proc, engine_live_tid(eng, proc));
	if (proc->ended && proc->unwind) {
		eng->opts.unwind->detach(eng->opts.unwind_ctx, proc->unwind);
		proc->unwind = NULL;
	}
	/* An ended process keeps its model for the report, not an open file. */
	if (proc->ended && proc->mm)
		mm_query_close(proc->mm);
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
 * The initial stop of a new task: the model made to agree with what the
 * kernel made of it, then the task resumed, then the sink told of a new
 * thread (it needs only the model, which the task cannot change before
 * its next stop).
 */
/*
 * A thread's stack is the region holding its stack pointer at its first
 * stop (glibc may hand a new thread a cached stack, mapped long ago by
 * another thread: the region then changes hands; a thread seized in
 * attach mode has had its stack since before).  Returns whether the sink
 * is to hear of it, at *now.
 */
static bool note_thread_stack(struct engine *eng, struct task *task, uint64_t *now)
{
	struct arch_regs regs;

	if (task->tid == task->proc->pid || !task->proc->mm || get_regs(task, &regs) < 0)
		return false;
	task->stack_sp = arch_regs_sp(&regs);
	(void)aspace_set_thread(mm_aspace(task->proc->mm), task->stack_sp, task->tid);
	*now = engine_now_ns(eng);
	return task->proc->reported && eng->sink->thread;
}

static void on_first_stop(struct engine *eng, struct task *task)
{
	bool thread;
	uint64_t now = 0;

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
	thread = note_thread_stack(eng, task, &now);
	if (thread && eng->opts.sink_before_resume) {
		eng->sink->thread(eng->ctx, task->proc, task->tid, false, task->stack_sp, now);
		thread = false;
	}
	resume(task, 0);
	if (thread)
		eng->sink->thread(eng->ctx, task->proc, task->tid, false, task->stack_sp, now);
}

/*
 * PTRACE_EVENT_STOP: the initial stop of a new task, a group-stop, or the
 * end of one (the tracee re-traps with SIGTRAP when SIGCONT arrives while
 * it listens: kernel/signal.c, do_jobctl_trap).
 */
static void on_event_stop(struct engine *eng, struct task *task, int sig)
{
	if (!(task->flags & TASK_STARTED)) {
		on_first_stop(eng, task);
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

/*
 * What a wait status says, decoded once for every loop that waits
 * (engine_run() and engine_detach_all()): ptrace(2) tells the stops apart
 * by the signal and by the PTRACE_EVENT_* in the status's third byte.
 */
static void decode_status(struct trace_event *ev)
{
	int status = ev->status;

	ev->sig = 0;
	ev->ptrace_event = 0;
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		ev->kind = TE_EXITED;
		return;
	}
	if (!WIFSTOPPED(status)) {
		ev->kind = TE_NOT_STOPPED;
		return;
	}
	ev->sig = WSTOPSIG(status);
	ev->ptrace_event = (int)((unsigned int)status >> 16);
	switch (ev->ptrace_event) {
	case 0:
		ev->kind = ev->sig == SYSCALL_STOP_SIG ? TE_SYSCALL_STOP : TE_SIGNAL_DELIVERY;
		break;
	case PTRACE_EVENT_SECCOMP:
		ev->kind = TE_SECCOMP;
		break;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		ev->kind = TE_CLONE;
		break;
	case PTRACE_EVENT_EXEC:
		ev->kind = TE_EXEC;
		break;
	case PTRACE_EVENT_EXIT:
		ev->kind = TE_EXIT;
		break;
	case PTRACE_EVENT_STOP:
		ev->kind = TE_EVENT_STOP;
		break;
	default:
		ev->kind = TE_OTHER_EVENT;
		break;
	}
}

int next_event(struct engine *eng, struct trace_event *ev)
{
	ev->tid = waitpid(-1, &ev->status, __WALL);
	if (ev->tid < 0)
		return -errno;
	decode_status(ev);
	ev->task = tasks_find(eng->tasks, ev->tid);
	return 0;
}

/* A signal-delivery-stop: deliver the signal unchanged. */
static void on_signal_delivery(struct task *task, int sig)
{
	if ((task->flags & TASK_LAUNCHING) && (sig == SIGSTOP || sig == SIGCONT)) {
		resume(task, 0);
		return;
	}
	resume(task, sig);
}

/* A stop of a task: acted on, and the task resumed unless it must stay stopped. */
static void dispatch_stop(struct engine *eng, struct task *task, const struct trace_event *ev)
{
	switch (ev->kind) {
	case TE_SECCOMP:
		on_seccomp(eng, task);
		return;
	case TE_SYSCALL_STOP:
		on_syscall_stop(eng, task);
		return;
	case TE_SIGNAL_DELIVERY:
		on_signal_delivery(task, ev->sig);
		return;
	case TE_CLONE:
		on_clone(eng, task, ev->ptrace_event);
		resume(task, 0);
		return;
	case TE_EXEC:
		task = on_exec(eng, task);
		resume(task, 0);
		return;
	case TE_EXIT:
		on_exit_stop(eng, task);
		resume(task, 0);
		return;
	case TE_EVENT_STOP:
		on_event_stop(eng, task, ev->sig);
		return;
	default:
		resume(task, 0);
		return;
	}
}

bool event_without_stop(struct engine *eng, const struct trace_event *ev)
{
	if (ev->kind == TE_EXITED && ev->task)
		on_task_gone(eng, ev->task, ev->status);
	return ev->kind == TE_EXITED || ev->kind == TE_NOT_STOPPED;
}

static void dispatch_event(struct engine *eng, const struct trace_event *ev)
{
	struct task *task = ev->task;

	if (event_without_stop(eng, ev))
		return;
	if (!task)
		task = adopt(eng, ev->tid);
	if (task->flags & TASK_FRESH) {
		uint64_t now;

		/* A call it was inside when seized is over: see engine_attach(). */
		task->flags &= ~TASK_FRESH;
		task->proc->fresh_tasks--;
		resync_if_settled(task->proc, task->tid);
		/* Stopped: the sink hears of its stack before it runs on. */
		if (note_thread_stack(eng, task, &now))
			eng->sink->thread(eng->ctx, task->proc, task->tid, false, task->stack_sp,
					  now);
	}
	dispatch_stop(eng, task, ev);
}

/*
 * Whether a task memtrace does not know yet is traced by it: one whose
 * creator was killed before its event (the new task attached by the
 * kernel all the same), whose first stop is still to come.  Read from
 * each process's TracerPid, once, when no task is left.
 */
static bool tracees_unknown(void)
{
	DIR *dir = opendir("/proc");
	struct dirent *entry;
	pid_t self = getpid();
	bool found = false;

	if (!dir)
		return false;
	while (!found && (entry = readdir(dir)) != NULL) {
		char *end;
		long pid = strtol(entry->d_name, &end, 10);

		if (pid > 0 && !*end)
			found = procmaps_status_field((pid_t)pid, "TracerPid", 0) == self;
	}
	(void)closedir(dir);
	return found;
}

/* The loop proper: returns as engine_run() does. */
static int run_loop(struct engine *eng)
{
	for (;;) {
		struct trace_event ev;
		int err;

		/*
		 * Again while one is due: a tick may itself change the timer
		 * (a queue let go), after which only the flag tells of a
		 * signal that came meanwhile.
		 */
		while (tick_pending())
			if (engine_tick(eng))
				return 0;
		err = next_event(eng, &ev);
		if (err == -EINTR)
			continue;
		if (err == -ECHILD)
			return 0;
		if (err < 0)
			return err;
		eng->dispatching = ev.tid;
		dispatch_event(eng, &ev);
		eng->dispatching = 0;
		/*
		 * Every traced task gone: the end, though memtrace may have
		 * children it never traced (bash -c 'sleep 9 & exec memtrace
		 * ...'), whose end is none of its business.
		 */
		if (ev.kind == TE_EXITED && !tasks_count(eng->tasks) && !tracees_unknown()) {
			/* What was asked meanwhile is answered, as the loop's next turn would. */
			while (tick_pending())
				if (engine_tick(eng))
					break;
			return 0;
		}
	}
}

int engine_run(struct engine *eng)
{
	int ret;

	eng->ticking = true;
	set_timer(eng, eng->queued > 0);
	ret = run_loop(eng);
	eng->ticking = false;
	set_timer(eng, false);
	timer_cancel();
	return ret;
}
