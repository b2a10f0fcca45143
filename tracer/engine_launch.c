/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Launch (docs/design.md, "Launch"): the program is forked, seized while
 * it has stopped itself, and only then given the seccomp filter and
 * executed.
 *
 * References: ptrace(2) ("PTRACE_SEIZE"), seccomp(2), and strace's
 * src/strace.c (startup_child).
 */
#include "engine_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp.h"
#include "util.h"

static const unsigned int launch_options =
	PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
	PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;

/*
 * Runs argv[0] as execvp() finds it (a name with a '/' as it is, else the
 * first of $PATH's directories, /bin:/usr/bin without one, where it can
 * run), without execvp()'s fallback for a file the kernel will not
 * execute (ENOEXEC: a binary of another architecture, a script without
 * "#!"), which runs it with /bin/sh: such a file is "Exec format error",
 * 126, as strace says.  Returns -errno: it returns only when nothing ran.
 */
static int exec_program(char *const argv[])
{
	const char *name = argv[0], *dirs = getenv("PATH");
	char path[PATH_MAX];
	int err = ENOENT;

	if (strchr(name, '/')) {
		(void)execv(name, argv);
		return -errno;
	}
	if (!dirs)
		dirs = "/bin:/usr/bin";
	for (;;) {
		const char *colon = strchrnul(dirs, ':');
		int len = (int)(colon - dirs);

		/* An empty entry is the current directory. */
		if (snprintf(path, sizeof(path), "%.*s%s%s", len, dirs, len ? "/" : "", name) <
		    (int)sizeof(path)) {
			(void)execv(path, argv);
			if (errno == EACCES)
				err = EACCES;
			else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE &&
				 errno != ENODEV && errno != ETIMEDOUT)
				return -errno;
		}
		if (!*colon)
			return -err;
		dirs = colon + 1;
	}
}

/*
 * Launch.  The child stops itself before anything else, so that the
 * tracer is attached before the filter exists: a filter without a tracer
 * turns every memory call into ENOSYS.
 */
static void ATTRIBUTE_NORETURN child_exec(int err_fd, const struct seccomp_prog *prog,
					  char *const argv[], const struct engine_options *opts,
					  pid_t tracer)
{
	int err;

	/*
	 * Until it is seized, the child must not outlive a memtrace killed
	 * meanwhile, stopped forever: the kernel kills it with its parent
	 * (after the seize, PTRACE_O_EXITKILL does).  The parent may be gone
	 * already.  memtrace's handlers are not the program's either: a
	 * signal before the exec does what it would to the program.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != tracer)
		_exit(126);
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction act;

		if (sigaction(sig, NULL, &act) == 0 && act.sa_handler != SIG_DFL &&
		    act.sa_handler != SIG_IGN)
			(void)signal(sig, SIG_DFL);
	}
	if (kill(getpid(), SIGSTOP) < 0)
		_exit(126);
	/* Seized: the program runs with no parent-death signal of memtrace's. */
	(void)prctl(PR_SET_PDEATHSIG, 0);
	/* memtrace ignores SIGPIPE (main.c); an ignored signal outlives exec. */
	if (!opts->program_ignores_sigpipe)
		(void)signal(SIGPIPE, SIG_DFL);
	/* And raised its limit of open files: the program has the one it would have had. */
	if (opts->program_nofile) {
		struct rlimit lim;

		if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
			lim.rlim_cur = (rlim_t)opts->program_nofile;
			(void)setrlimit(RLIMIT_NOFILE, &lim);
		}
	}
	if (opts->stdout_to_stderr && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		err = -errno;
	else
		err = seccomp_install(prog);
	if (err == 0)
		err = exec_program(argv);
	/* The parent reads the errno: it prints the message, not this child. */
	err = -err;
	if (write(err_fd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(err == ENOENT ? 127 : 126);
}

int engine_launch(struct engine *eng, char *const argv[])
{
	struct seccomp_prog prog;
	int pipefd[2];
	int status, err;
	pid_t pid, self = getpid();
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
		child_exec(pipefd[1], &prog, argv, &eng->opts, self);
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
