/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One line of a trace (docs/trace-format.md), read: the rules for its
 * values, which the reader (report/traceread.c) follows on both its ways
 * through a line, and the fast way through an event line.
 *
 * jansson reads any line.  An event line as memtrace writes it -- nearly
 * every line of a trace -- is first read without it, by traceline_event:
 * only the members the format names, each once, with values in a strict
 * subset of JSON (strings of printable ASCII without escapes, integers of
 * up to 18 digits, times as DIGITS or DIGITS.DIGITS, true and false, no
 * whitespace).  It refuses anything else, and the line goes to jansson,
 * which reads alike what both read, and says why a line that is not JSON,
 * or not an event, cannot be read.
 */
#ifndef MEMTRACE_TRACELINE_H
#define MEMTRACE_TRACELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../tracer/aspace.h"

/* What the reader takes from an event line, but its changes. */
struct trace_event {
	uint64_t seq;
	uint64_t time_ns; /* 0: none, or not a time */
	uint64_t stack;	  /* the trace's stack id; 0: none */
	int64_t pid;
	int64_t tid;
	int kind; /* the call's enum sysdecode_kind; 0 (SYSDECODE_NONE) for one it does not know */
	bool finished;
	bool failed; /* it has an errno */
};

/* The enum sysdecode_kind whose name ("mmap") is len bytes of text, or 0. */
int traceline_kind(const char *text, size_t len);

struct strtab;

/*
 * The trace's stack ids mapped to ids here: ids[id], 0 past n; and where
 * the paths of the regions events map are interned.
 */
struct traceline_stacks {
	const uint32_t *ids;
	size_t n;
	struct strtab *paths;
};

static inline uint32_t traceline_stack(const struct traceline_stacks *stacks, uint64_t id)
{
	return id < stacks->n ? stacks->ids[id] : 0;
}

/*
 * An address or offset, "0x" and lowercase hex digits (len bytes of text,
 * no NUL among them): true with *value set; false past 64 bits, with
 * *value UINT64_MAX (as strtoull leaves it), or with *value untouched for
 * anything else.
 */
bool traceline_hex(const char *text, size_t len, uint64_t *value);

/* A time in seconds, written as an integer or as a real: ns, 0 for no time the writer makes. */
uint64_t traceline_ns_int(int64_t secs);
uint64_t traceline_ns_real(double secs);

/*
 * Reads the event line text (len bytes, without its newline) the fast
 * way: true with *event set and its changes appended to changes (their
 * origin stacks mapped by stacks, but those of "map" pieces, which are
 * the event's own); false for a line it does not read, changes then
 * holding what it had appended.
 */
bool traceline_event(const char *text, size_t len, const struct traceline_stacks *stacks,
		     struct trace_event *event, struct aspace_changes *changes);

#endif /* MEMTRACE_TRACELINE_H */
