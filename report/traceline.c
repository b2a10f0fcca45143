/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One line of a trace, read: see traceline.h. */
#include "traceline.h"

#include <stdlib.h>
#include <string.h>

#include "../tracer/strtab.h"
#include "../tracer/sysdecode.h"
#include "../tracer/util.h"
#include "names.h"
#include "tracew.h"

bool traceline_hex(const char *text, size_t len, uint64_t *value)
{
	uint64_t hex = 0;
	bool over = false;

	if (len < 3 || text[0] != '0' || text[1] != 'x')
		return false;
	for (size_t i = 2; i < len; i++) {
		char chr = text[i];
		unsigned int digit;

		if (chr >= '0' && chr <= '9')
			digit = (unsigned int)(chr - '0');
		else if (chr >= 'a' && chr <= 'f')
			digit = (unsigned int)(chr - 'a' + 10);
		else
			return false;
		over = over || hex >> 60;
		hex = hex << 4 | digit;
	}
	*value = over ? UINT64_MAX : hex;
	return !over;
}

/* Past 2^63 ns (292 years), or negative: not a time this writer makes. */
uint64_t traceline_ns_int(int64_t secs)
{
	return secs >= 0 && secs < 9000000000LL ? (uint64_t)secs * 1000000000ULL : 0;
}

uint64_t traceline_ns_real(double secs)
{
	return secs >= 0 && secs < 9e9 ? (uint64_t)(secs * 1e9 + 0.5) : 0;
}

/*
 * The fast way: a cursor over the line, and a reader for each kind of
 * value it takes, each false for anything outside its subset of JSON.
 */
struct scan {
	const char *pos;
	const char *end;
};

static bool next_is(const struct scan *s, char chr)
{
	return s->pos < s->end && *s->pos == chr;
}

static bool take(struct scan *s, char chr)
{
	if (!next_is(s, chr))
		return false;
	s->pos++;
	return true;
}

static bool next_is_digit(const struct scan *s)
{
	return s->pos < s->end && *s->pos >= '0' && *s->pos <= '9';
}

/* A value ends at a comma, or at the end of its object or array. */
static bool at_value_end(const struct scan *s)
{
	return next_is(s, ',') || next_is(s, '}') || next_is(s, ']');
}

/* A string of printable ASCII without escapes: its bytes, not NUL-terminated. */
static bool take_str(struct scan *s, const char **text, size_t *len)
{
	const char *quote;
	bool bad = false;

	if (!take(s, '"'))
		return false;
	quote = memchr(s->pos, '"', (size_t)(s->end - s->pos));
	if (!quote)
		return false;
	/* Every byte looked at, without a branch each: the compiler vectorizes it. */
	for (const char *pos = s->pos; pos < quote; pos++) {
		unsigned char chr = (unsigned char)*pos;

		bad |= (chr < 0x20) | (chr > 0x7e) | (chr == '\\');
	}
	if (bad)
		return false;
	*text = s->pos;
	*len = (size_t)(quote - s->pos);
	s->pos = quote + 1;
	return true;
}

static bool skip_str(struct scan *s)
{
	const char *text;
	size_t len;

	return take_str(s, &text, &len);
}

/* A string that is word. */
static bool take_word_str(struct scan *s, const char *word)
{
	const char *text;
	size_t len;

	return take_str(s, &text, &len) && len == strlen(word) && !memcmp(text, word, len);
}

/*
 * An integer of 1 to 18 digits (jansson reads each one exactly, as an
 * int64_t), with a minus sign if sign, ending where a value ends.
 */
static bool take_int(struct scan *s, bool sign, int64_t *value)
{
	bool minus = sign && take(s, '-');
	const char *start = s->pos;
	int64_t num = 0;

	while (s->pos - start < 18 && next_is_digit(s))
		num = num * 10 + (*s->pos++ - '0');
	if (s->pos == start || (*start == '0' && s->pos - start > 1) || !at_value_end(s))
		return false;
	*value = minus ? -num : num;
	return true;
}

static bool take_u64(struct scan *s, uint64_t *value)
{
	int64_t num;

	if (!take_int(s, false, &num))
		return false;
	*value = (uint64_t)num;
	return true;
}

/* A time: DIGITS (an integer to jansson) or DIGITS.DIGITS (a real, read with strtod as jansson does). */
static bool take_ns(struct scan *s, uint64_t *ns)
{
	const char *start = s->pos;
	int64_t secs = 0;

	while (s->pos - start < 18 && next_is_digit(s))
		secs = secs * 10 + (*s->pos++ - '0');
	if (s->pos == start || (*start == '0' && s->pos - start > 1))
		return false;
	if (at_value_end(s)) {
		*ns = traceline_ns_int(secs);
		return true;
	}
	if (!take(s, '.') || !next_is_digit(s))
		return false;
	while (next_is_digit(s))
		s->pos++;
	/* Digits, a point, digits, then a comma or bracket: all that strtod reads. */
	if (!at_value_end(s))
		return false;
	*ns = traceline_ns_real(strtod(start, NULL));
	return true;
}

static bool take_bool(struct scan *s, bool *value)
{
	size_t left = (size_t)(s->end - s->pos);

	if (left >= 4 && !memcmp(s->pos, "true", 4))
		*value = true;
	else if (left >= 5 && !memcmp(s->pos, "false", 5))
		*value = false;
	else
		return false;
	s->pos += *value ? 4 : 5;
	return at_value_end(s);
}

/* An array of strings. */
static bool skip_str_array(struct scan *s)
{
	if (!take(s, '['))
		return false;
	if (take(s, ']'))
		return true;
	do {
		if (!skip_str(s))
			return false;
	} while (take(s, ','));
	return take(s, ']');
}

/* Whether the len bytes of key (no NUL among them) are name. */
static bool is_name(const char *name, const char *key, size_t len)
{
	size_t i = 0;

	while (i < len && name[i] == key[i])
		i++;
	return i == len && !name[len];
}

/*
 * The name of the member at s, and its colon: its index in names, or -1.
 * Members come in the order of names: the one after the last (*next) is
 * tried first.
 */
static int take_key(struct scan *s, const char *const *names, int count, int *next)
{
	const char *key;
	size_t len;

	if (!take_str(s, &key, &len) || !take(s, ':'))
		return -1;
	if (*next < count && is_name(names[*next], key, len))
		return (*next)++;
	for (int i = 0; i < count; i++)
		if (is_name(names[i], key, len)) {
			*next = i + 1;
			return i;
		}
	return -1;
}

/* Reads the value of member key (its index in the object's names) at s. */
typedef bool member_fn(struct scan *s, int key, void *arg);

/*
 * An object whose members are among names (at most 32), each at most
 * once, read by fn: *seen has a bit for each member read.
 */
static bool take_object(struct scan *s, const char *const *names, int count, member_fn *fn,
			void *arg, uint32_t *seen)
{
	int next = 0;

	*seen = 0;
	if (!take(s, '{'))
		return false;
	if (take(s, '}'))
		return true;
	do {
		int key = take_key(s, names, count, &next);

		if (key < 0 || *seen & 1U << key || !fn(s, key, arg))
			return false;
		*seen |= 1U << key;
	} while (take(s, ','));
	return take(s, '}');
}

/* A change of an event, as traceread.c reads it with jansson. */
enum piece_key {
	PIECE_OP,
	PIECE_START,
	PIECE_END,
	PIECE_ORIGIN,
	PIECE_PROT,
	PIECE_FLAGS,
	PIECE_BACKING,
	PIECE_PATH,
	PIECE_OFFSET,
	PIECE_OLD_PROT,
	PIECE_LEFT,
	PIECE_TOTAL,
	PIECE_ORIGIN_STACK,
	PIECE_ORIGIN_TIME,
	PIECE_TO,
	PIECE_NKEYS
};

static const char *const piece_keys[PIECE_NKEYS] = {
	[PIECE_OP] = "op",
	[PIECE_START] = "start",
	[PIECE_END] = "end",
	[PIECE_ORIGIN] = "origin",
	[PIECE_PROT] = "prot",
	[PIECE_FLAGS] = "flags",
	[PIECE_BACKING] = "backing",
	[PIECE_PATH] = "path",
	[PIECE_OFFSET] = "offset",
	[PIECE_OLD_PROT] = "old_prot",
	[PIECE_LEFT] = "left",
	[PIECE_TOTAL] = "total",
	[PIECE_ORIGIN_STACK] = "origin_stack",
	[PIECE_ORIGIN_TIME] = "origin_time",
	[PIECE_TO] = "to",
};

struct piece_read {
	struct aspace_piece piece;
	uint64_t origin_stack;
	struct strtab *paths;
};

/* A short string member as a C string: false if it does not fit buf. */
static bool take_short_str(struct scan *s, char *buf, size_t size)
{
	const char *text;
	size_t len;

	if (!take_str(s, &text, &len) || len >= size)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return true;
}

static bool take_op(struct scan *s, enum aspace_piece_kind *kind)
{
	const char *text;
	size_t len;

	if (!take_str(s, &text, &len))
		return false;
	for (int op = 0; op < TRACE_NPIECE_OPS; op++)
		if (is_name(trace_piece_ops[op], text, len)) {
			*kind = (enum aspace_piece_kind)op;
			return true;
		}
	return false;
}

/* "origin": a call's number, or the name of where the bytes came from. */
static bool take_origin(struct scan *s, struct aspace_piece *piece)
{
	char name[16];
	const char *text;
	size_t len;
	int named;

	if (!next_is(s, '"')) {
		piece->origin_kind = ASPACE_ORIGIN_CALL;
		return take_u64(s, &piece->origin_seq);
	}
	if (!take_str(s, &text, &len) || len >= sizeof(name))
		return false;
	memcpy(name, text, len);
	name[len] = '\0';
	named = names_origin_parse(name);
	if (named <= ASPACE_ORIGIN_CALL)
		return false; /* unknown, or "call" without its number */
	piece->origin_kind = (enum aspace_origin_kind)named;
	piece->origin_seq = 0;
	return true;
}

static bool piece_member(struct scan *s, int key, void *arg)
{
	struct piece_read *read = arg;
	struct aspace_piece *piece = &read->piece;
	const char *text;
	char word[16];
	int backing;
	size_t len;
	int64_t num;

	switch ((enum piece_key)key) {
	case PIECE_OP:
		return take_op(s, &piece->kind);
	case PIECE_START:
		return take_str(s, &text, &len) && traceline_hex(text, len, &piece->start);
	case PIECE_END:
		return take_str(s, &text, &len) && traceline_hex(text, len, &piece->end);
	case PIECE_ORIGIN:
		return take_origin(s, piece);
	case PIECE_LEFT:
		return take_u64(s, &piece->origin_left);
	case PIECE_TOTAL:
		return take_u64(s, &piece->origin_total);
	case PIECE_ORIGIN_STACK:
		return take_u64(s, &read->origin_stack);
	case PIECE_ORIGIN_TIME:
		return take_ns(s, &piece->origin_time_ns);
	case PIECE_FLAGS:
		if (!take_int(s, true, &num))
			return false;
		piece->flags = (unsigned int)num;
		return true;
	case PIECE_PROT:
		if (!take_short_str(s, word, sizeof(word)))
			return false;
		piece->prot = names_prot_parse(word);
		return true;
	case PIECE_BACKING:
		if (!take_short_str(s, word, sizeof(word)))
			return false;
		backing = names_backing_parse(word);
		piece->backing = backing < 0 ? ASPACE_BACKING_ANON : (enum aspace_backing)backing;
		return true;
	case PIECE_PATH:
		if (!take_str(s, &text, &len))
			return false;
		piece->path = read->paths ? strtab_intern(read->paths, text, len) : 0;
		return true;
	case PIECE_OFFSET:
		return take_str(s, &text, &len) && traceline_hex(text, len, &piece->offset);
	case PIECE_TO:
		return take_str(s, &text, &len) && traceline_hex(text, len, &piece->to);
	case PIECE_OLD_PROT:
		if (!take_short_str(s, word, sizeof(word)))
			return false;
		piece->old_prot = names_prot_parse(word);
		return true;
	case PIECE_NKEYS:
		break;
	}
	return skip_str(s); /* not read */
}

#define PIECE_NEEDS (1U << PIECE_OP | 1U << PIECE_START | 1U << PIECE_END | 1U << PIECE_ORIGIN)

static bool take_piece(struct scan *s, const struct traceline_stacks *stacks,
		       struct aspace_piece *piece)
{
	struct piece_read read = { .piece = { 0 }, .paths = stacks->paths };
	uint32_t seen;

	if (!take_object(s, piece_keys, PIECE_NKEYS, piece_member, &read, &seen) ||
	    (seen & PIECE_NEEDS) != PIECE_NEEDS)
		return false;
	*piece = read.piece;
	/* A "map" piece's origin is its event; the others name theirs, and when. */
	if (piece->kind != ASPACE_PIECE_MAPPED && seen & 1U << PIECE_ORIGIN_STACK)
		piece->origin_stack = traceline_stack(stacks, read.origin_stack);
	else
		piece->origin_time_ns = 0;
	return true;
}

static bool take_changes(struct scan *s, const struct traceline_stacks *stacks,
			 struct aspace_changes *changes)
{
	if (!take(s, '['))
		return false;
	if (take(s, ']'))
		return true;
	do {
		struct aspace_piece piece;

		if (!take_piece(s, stacks, &piece))
			return false;
		xgrowarray((void **)&changes->pieces, &changes->cap, changes->count + 1,
			   sizeof(*changes->pieces));
		changes->pieces[changes->count++] = piece;
	} while (take(s, ','));
	return take(s, ']');
}

/* An event line: its members (docs/trace-format.md). */
enum event_key {
	EVENT_TYPE,
	EVENT_SEQ,
	EVENT_TIME,
	EVENT_PID,
	EVENT_TID,
	EVENT_CALL,
	EVENT_ARGS,
	EVENT_TEXT,
	EVENT_ABI,
	EVENT_FD_PATH,
	EVENT_FINISHED,
	EVENT_RESULT,
	EVENT_RVAL,
	EVENT_ERRNO,
	EVENT_STACK,
	EVENT_CHANGES,
	EVENT_NKEYS
};

static const char *const event_keys[EVENT_NKEYS] = {
	[EVENT_TYPE] = "type",	     [EVENT_SEQ] = "seq",	    [EVENT_TIME] = "time",
	[EVENT_PID] = "pid",	     [EVENT_TID] = "tid",	    [EVENT_CALL] = "call",
	[EVENT_ARGS] = "args",	     [EVENT_TEXT] = "text",	    [EVENT_ABI] = "abi",
	[EVENT_FD_PATH] = "fd_path", [EVENT_FINISHED] = "finished", [EVENT_RESULT] = "result",
	[EVENT_RVAL] = "rval",	     [EVENT_ERRNO] = "errno",	    [EVENT_STACK] = "stack",
	[EVENT_CHANGES] = "changes",
};

struct event_read {
	struct trace_event *event;
	const struct traceline_stacks *stacks;
	struct aspace_changes *changes;
};

static bool event_member(struct scan *s, int key, void *arg)
{
	struct event_read *read = arg;
	struct trace_event *event = read->event;
	const char *text;
	size_t len;
	int64_t num;

	switch ((enum event_key)key) {
	case EVENT_TYPE:
		return take_word_str(s, "event");
	case EVENT_SEQ:
		return take_u64(s, &event->seq);
	case EVENT_TIME:
		return take_ns(s, &event->time_ns);
	case EVENT_PID:
		return take_int(s, true, &event->pid);
	case EVENT_TID:
		return take_int(s, true, &event->tid);
	case EVENT_RVAL:
		return take_int(s, true, &num);
	case EVENT_CALL:
		if (!take_str(s, &text, &len))
			return false;
		event->kind = traceline_kind(text, len);
		return true;
	case EVENT_ERRNO:
		event->failed = true;
		break;
	case EVENT_ARGS:
		return skip_str_array(s);
	case EVENT_FINISHED:
		return take_bool(s, &event->finished);
	case EVENT_STACK:
		return take_u64(s, &event->stack);
	case EVENT_CHANGES:
		return take_changes(s, read->stacks, read->changes);
	case EVENT_TEXT:
	case EVENT_ABI:
	case EVENT_FD_PATH:
	case EVENT_RESULT:
	case EVENT_NKEYS:
		break;
	}
	return skip_str(s);
}

#define EVENT_NEEDS                                                                \
	(1U << EVENT_TYPE | 1U << EVENT_SEQ | 1U << EVENT_PID | 1U << EVENT_CALL | \
	 1U << EVENT_CHANGES)

int traceline_kind(const char *text, size_t len)
{
	for (int kind = 1; kind < SYSDECODE_NKINDS; kind++) {
		const char *name = sysdecode_kind_name((enum sysdecode_kind)kind);

		if (strlen(name) == len && !memcmp(name, text, len))
			return kind;
	}
	return 0;
}

bool traceline_event(const char *text, size_t len, const struct traceline_stacks *stacks,
		     struct trace_event *event, struct aspace_changes *changes)
{
	struct scan s = { .pos = text, .end = text + len };
	struct event_read read = { .event = event, .stacks = stacks, .changes = changes };
	uint32_t seen;

	memset(event, 0, sizeof(*event));
	return take_object(&s, event_keys, EVENT_NKEYS, event_member, &read, &seen) &&
	       s.pos == s.end && (seen & EVENT_NEEDS) == EVENT_NEEDS;
}
