/* The --events log: see eventlog.h. */
#include "eventlog.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../tracer/util.h"

struct eventlog {
	FILE *out;
};

struct eventlog *eventlog_new(FILE *out)
{
	struct eventlog *log = xcalloc(1, sizeof(*log));

	log->out = out;
	return log;
}

void eventlog_free(struct eventlog *log)
{
	if (!log)
		return;
	(void)fflush(log->out);
	free(log);
}

static size_t format_prefix(char *buf, size_t size, uint64_t time_ns, pid_t pid, pid_t tid)
{
	int len;

	if (tid == pid)
		len = snprintf(buf, size, "%llu.%06llu [%d] ",
			       (unsigned long long)(time_ns / 1000000000ULL),
			       (unsigned long long)(time_ns % 1000000000ULL / 1000), (int)pid);
	else
		len = snprintf(buf, size, "%llu.%06llu [%d/%d] ",
			       (unsigned long long)(time_ns / 1000000000ULL),
			       (unsigned long long)(time_ns % 1000000000ULL / 1000), (int)pid,
			       (int)tid);
	return len > 0 ? (size_t)len : 0;
}

size_t eventlog_format_call(char *buf, size_t size, const struct engine_call *call)
{
	size_t len = format_prefix(buf, size, call->time_ns, call->pid, call->tid);

	len += sysdecode_format_call(len < size ? buf + len : NULL, len < size ? size - len : 0,
				     call->call, call->fd_path);
	if (len + 3 < size)
		memcpy(buf + len, " = ", 4);
	len += 3;
	len += sysdecode_format_result(len < size ? buf + len : NULL, len < size ? size - len : 0,
				       call->call, call->finished, call->rval, call->err);
	return len;
}

void eventlog_call(struct eventlog *log, const struct engine_call *call)
{
	char line[8192];
	size_t len = eventlog_format_call(line, sizeof(line), call);

	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	line[len] = '\n';
	(void)fwrite(line, 1, len + 1, log->out);
}

void eventlog_exec(struct eventlog *log, const struct proc *proc, uint64_t time_ns)
{
	char prefix[64];

	format_prefix(prefix, sizeof(prefix), time_ns, proc->pid, proc->pid);
	(void)fprintf(log->out, "%s--- execve %s ---\n", prefix, proc->exe ? proc->exe : "?");
}

void eventlog_proc_end(struct eventlog *log, const struct proc *proc, uint64_t time_ns)
{
	char prefix[64];
	int status = proc->wait_status;

	if (!proc->reported)
		return;
	format_prefix(prefix, sizeof(prefix), time_ns, proc->pid, proc->pid);
	if (WIFSIGNALED(status))
		(void)fprintf(log->out, "%s+++ killed by SIG%s%s +++\n", prefix,
			      sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?",
			      WCOREDUMP(status) ? " (core dumped)" : "");
	else
		(void)fprintf(log->out, "%s+++ exited with %d +++\n", prefix, WEXITSTATUS(status));
}
