/* The text report: see text.h. */
#include "text.h"

#include <string.h>
#include <sys/wait.h>

void text_proc_summary(FILE *out, const struct proc *proc)
{
	uint64_t total = 0;
	const char *sep = "";

	for (int kind = 0; kind < SYSDECODE_NKINDS; kind++)
		total += proc->calls[kind];
	(void)fprintf(out, "memtrace: [%d] %s: %llu memory call%s", (int)proc->pid,
		      proc->exe ? proc->exe : "?", (unsigned long long)total,
		      total == 1 ? "" : "s");
	if (total) {
		(void)fputs(" (", out);
		for (int kind = 0; kind < SYSDECODE_NKINDS; kind++) {
			if (!proc->calls[kind])
				continue;
			(void)fprintf(out, "%s%s %llu", sep, sysdecode_kind_name(kind),
				      (unsigned long long)proc->calls[kind]);
			sep = ", ";
		}
		(void)fputc(')', out);
	}
	if (proc->failed)
		(void)fprintf(out, ", %llu failed", (unsigned long long)proc->failed);
	if (!proc->ended)
		(void)fputs("; still running\n", out);
	else if (WIFSIGNALED(proc->wait_status))
		(void)fprintf(out, "; killed by SIG%s%s\n",
			      sigabbrev_np(WTERMSIG(proc->wait_status))
				      ? sigabbrev_np(WTERMSIG(proc->wait_status))
				      : "?",
			      WCOREDUMP(proc->wait_status) ? " (core dumped)" : "");
	else
		(void)fprintf(out, "; exited with %d\n", WEXITSTATUS(proc->wait_status));
}
