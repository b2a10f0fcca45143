/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The names of what the model and a process's end hold: see names.h. */
#include "names.h"

#include <string.h>
#include <stdio.h>
#include <sys/mman.h>

#include "../tracer/util.h"

/* The index of name in names[0..count), or -1. */
static int find_name(const char *const *names, size_t count, const char *name)
{
	for (size_t i = 0; name && i < count; i++)
		if (names[i] && !strcmp(name, names[i]))
			return (int)i;
	return -1;
}

static const struct {
	const char *trace;
	const char *site;
	const char *text;
} origins[] = {
	[ASPACE_ORIGIN_CALL] = { "call", "[no stack]", NULL },
	[ASPACE_ORIGIN_EXEC] = { "exec", "[mapped at exec]", "[exec]" },
	[ASPACE_ORIGIN_ATTACH] = { "attach", "[before attach]", "[before attach]" },
	[ASPACE_ORIGIN_KERNEL] = { "kernel", "[kernel]", "[kernel]" },
};

static bool origin_known(enum aspace_origin_kind kind)
{
	return (unsigned int)kind < ARRAY_SIZE(origins);
}

const char *names_origin_trace(enum aspace_origin_kind kind)
{
	return origin_known(kind) ? origins[kind].trace : "?";
}

const char *names_origin_site(enum aspace_origin_kind kind)
{
	return origin_known(kind) ? origins[kind].site : "?";
}

const char *names_origin_text(enum aspace_origin_kind kind)
{
	return origin_known(kind) ? origins[kind].text : "?";
}

int names_origin_parse(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(origins); i++)
		if (!strcmp(name, origins[i].trace))
			return (int)i;
	return -1;
}

static const char *const backings[] = {
	[ASPACE_BACKING_ANON] = "anon", [ASPACE_BACKING_FILE] = "file",
	[ASPACE_BACKING_HEAP] = "heap", [ASPACE_BACKING_STACK] = "stack",
	[ASPACE_BACKING_SHM] = "shm",	[ASPACE_BACKING_SPECIAL] = "special",
};

const char *names_backing(enum aspace_backing backing)
{
	return (unsigned int)backing < ARRAY_SIZE(backings) ? backings[backing] : "?";
}

int names_backing_parse(const char *name)
{
	return find_name(backings, ARRAY_SIZE(backings), name);
}

/* The letters of a protection, each in its place. */
static const struct {
	unsigned int bit;
	char letter;
} prot_letters[] = { { PROT_READ, 'r' }, { PROT_WRITE, 'w' }, { PROT_EXEC, 'x' } };

const char *names_prot(char buf[NAMES_PROT_SIZE], unsigned int prot)
{
	for (size_t i = 0; i < ARRAY_SIZE(prot_letters); i++) {
		buf[i] = '-';
		if (prot & prot_letters[i].bit)
			buf[i] = prot_letters[i].letter;
	}
	buf[ARRAY_SIZE(prot_letters)] = '\0';
	return buf;
}

const char *names_perms(char buf[NAMES_PROT_SIZE], unsigned int prot, bool shared)
{
	(void)names_prot(buf, prot);
	buf[ARRAY_SIZE(prot_letters)] = shared ? 's' : 'p';
	buf[ARRAY_SIZE(prot_letters) + 1] = '\0';
	return buf;
}

unsigned int names_prot_parse(const char *text)
{
	unsigned int prot = 0;

	if (!text || strlen(text) != ARRAY_SIZE(prot_letters))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(prot_letters); i++)
		if (text[i] == prot_letters[i].letter)
			prot |= prot_letters[i].bit;
	return prot;
}

/*
 * The ends: the trace's name and what people read.  Exited goes on with
 * the status, killed with the signal's name and " (core dumped)".
 */
static const struct {
	const char *trace;
	const char *text;
} ends[] = {
	[NAMES_END_EXITED] = { "exited", "exited with " },
	[NAMES_END_KILLED] = { "killed", "killed by SIG" },
	[NAMES_END_DETACHED] = { "detached", "detached, running on" },
	[NAMES_END_RUNNING] = { "running", "still running" },
	[NAMES_END_EXECED] = { "exec", "replaced by an exec" },
};

const char *names_end_trace(enum names_end end)
{
	return (unsigned int)end < ARRAY_SIZE(ends) ? ends[end].trace : "?";
}

int names_end_parse(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(ends); i++)
		if (!strcmp(name, ends[i].trace))
			return (int)i;
	return -1;
}

const char *names_end_text(char *buf, size_t size, const struct names_ending *end)
{
	const char *sig;

	switch (end->how) {
	case NAMES_END_KILLED:
		sig = sigabbrev_np(end->code);
		(void)snprintf(buf, size, "%s%s%s", ends[NAMES_END_KILLED].text, sig ? sig : "?",
			       end->core_dumped ? " (core dumped)" : "");
		break;
	case NAMES_END_EXITED:
		(void)snprintf(buf, size, "%s%d", ends[NAMES_END_EXITED].text, end->code);
		break;
	case NAMES_END_DETACHED:
		(void)snprintf(buf, size, "%s",
			       end->code ? "detached, left stopped"
					 : ends[NAMES_END_DETACHED].text);
		break;
	default:
		(void)snprintf(buf, size, "%s",
			       (unsigned int)end->how < ARRAY_SIZE(ends) ? ends[end->how].text
									 : "?");
		break;
	}
	return buf;
}
