/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The --events log: see eventlog.h. */
#include "eventlog.h"

#include <stdlib.h>
#include <string.h>

#include "../tracer/util.h"
#include "names.h"
#include "report.h"
#include "units.h"

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

/* Who made the bytes a piece affects: "#17", or the seed it came with. */
static int format_origin(char *buf, size_t size, const struct aspace_piece *piece)
{
	if (piece->origin_kind == ASPACE_ORIGIN_CALL)
		return snprintf(buf, size, "#%llu", (unsigned long long)piece->origin_seq);
	return snprintf(buf, size, "%s", names_origin_text(piece->origin_kind));
}

/*
 * The pieces of one kind and origin, summed: one phrase of the note.
 * UNMAPPED keeps the last piece (what the origin has left after it).
 */
struct phrase {
	struct aspace_piece piece;
	uint64_t bytes;
};

static void format_phrase(char *buf, size_t size, const struct phrase *phrase)
{
	const struct aspace_piece *piece = &phrase->piece;
	char origin[32], bytes[32];
	bool call = piece->origin_kind == ASPACE_ORIGIN_CALL;

	(void)format_origin(origin, sizeof(origin), piece);
	(void)units_format_bytes(bytes, sizeof(bytes), phrase->bytes);
	switch (piece->kind) {
	case ASPACE_PIECE_UNMAPPED:
		if (call && piece->origin_left == 0 && phrase->bytes == piece->origin_total)
			(void)snprintf(buf, size, "unmaps %s", origin);
		else if (call && piece->origin_left == 0)
			(void)snprintf(buf, size, "unmaps the rest of %s (%s)", origin, bytes);
		else if (call)
			(void)snprintf(buf, size, "trims %s by %s", origin, bytes);
		else
			(void)snprintf(buf, size, "unmaps %s of %s", bytes, origin);
		break;
	case ASPACE_PIECE_PROTECTED:
		(void)snprintf(buf, size, "re-protects %s of %s", bytes, origin);
		break;
	case ASPACE_PIECE_MOVED:
		(void)snprintf(buf, size, "moves %s of %s", bytes, origin);
		break;
	case ASPACE_PIECE_RELEASED:
		(void)snprintf(buf, size, "releases %s of %s", bytes, origin);
		break;
	case ASPACE_PIECE_MAPPED:
		buf[0] = '\0';
		break;
	}
}

#define MAX_PHRASES 8

/*
 * "  # trims #17 by 4 KiB, unmaps #18": what the call did to the memory
 * of earlier calls.  Mapped pieces (its own new bytes) say nothing.  A
 * call of another ABI than its process's says so first ("x32 call").
 */
static size_t format_note(char *buf, size_t size, const struct aspace_changes *changes,
			  const char *abi)
{
	struct phrase phrases[MAX_PHRASES];
	size_t nphrases = 0, len = 0, more = 0;

	if (abi) {
		int add = snprintf(buf, size, "  # %s call", abi);

		len += add > 0 ? (size_t)add : 0;
	}
	if (!changes)
		return len;
	for (size_t i = 0; i < changes->count; i++) {
		const struct aspace_piece *piece = &changes->pieces[i];
		size_t idx;

		if (piece->kind == ASPACE_PIECE_MAPPED)
			continue;
		for (idx = 0; idx < nphrases; idx++)
			if (phrases[idx].piece.kind == piece->kind &&
			    phrases[idx].piece.origin_seq == piece->origin_seq &&
			    phrases[idx].piece.origin_kind == piece->origin_kind)
				break;
		if (idx == nphrases) {
			if (nphrases == MAX_PHRASES) {
				more++;
				continue;
			}
			phrases[nphrases].bytes = 0;
			nphrases++;
		}
		phrases[idx].piece = *piece;
		phrases[idx].bytes += piece->end - piece->start;
	}
	for (size_t i = 0; i < nphrases; i++) {
		char text[128];
		int add;

		format_phrase(text, sizeof(text), &phrases[i]);
		add = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0, "%s%s",
			       i || abi ? ", " : "  # ", text);
		len += add > 0 ? (size_t)add : 0;
	}
	if (more) {
		int add = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0,
				   ", and %zu more piece%s", more, more == 1 ? "" : "s");

		len += add > 0 ? (size_t)add : 0;
	}
	return len;
}

size_t eventlog_format_call(char *buf, size_t size, const struct engine_call *call)
{
	size_t len = format_prefix(buf, size, call->time_ns, call->pid, call->tid);
	int seq = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0, "#%llu ",
			   (unsigned long long)call->seq);

	len += seq > 0 ? (size_t)seq : 0;
	len += sysdecode_format_call(len < size ? buf + len : NULL, len < size ? size - len : 0,
				     call->call, call->fd_path);
	if (len < size) {
		/* As much of " = " as fits, like snprintf: the line stays a prefix. */
		size_t ncopy = size - len - 1 < 3 ? size - len - 1 : 3;

		memcpy(buf + len, " = ", ncopy);
		buf[len + ncopy] = '\0';
	}
	len += 3;
	len += sysdecode_format_result(len < size ? buf + len : NULL, len < size ? size - len : 0,
				       call->call, call->finished, call->rval, call->err);
	len += format_note(len < size ? buf + len : NULL, len < size ? size - len : 0,
			   call->changes, sysdecode_abi(call->call));
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

void eventlog_exec(struct eventlog *log, const struct report_proc *proc, uint64_t time_ns)
{
	char prefix[64];

	format_prefix(prefix, sizeof(prefix), time_ns, proc->pid, proc->pid);
	(void)fprintf(log->out, "%s--- execve %s ---\n", prefix, proc->exe ? proc->exe : "?");
}

void eventlog_proc_end(struct eventlog *log, const struct report_proc *proc, uint64_t time_ns)
{
	char prefix[64], end[64];

	format_prefix(prefix, sizeof(prefix), time_ns, proc->pid, proc->pid);
	(void)fprintf(log->out, "%s+++ %s +++\n", prefix,
		      names_end_text(end, sizeof(end), &proc->end));
}
