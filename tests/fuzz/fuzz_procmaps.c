/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the /proc/PID/maps and smaps parser (libbpf
 * fuzz/bpf-object-fuzzer.c).  The input goes through procmaps_next() over
 * the whole buffer and, in step, through procmaps_parse_line() line by
 * line (an entry's smaps field lines, "Name: value kB", go with it); both
 * must agree, and every entry returned must make sense: a non-empty
 * range, known protection bits, a path inside its own line, sizes in
 * whole KiB.
 * The checks abort() rather than assert(), so that they hold in any build
 * type.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "procmaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			(void)fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				      #cond);                                                  \
			abort();                                                               \
		}                                                                              \
	} while (0)

#define DELETED_SUFFIX " (deleted)"

/* The entry parsed from the line [line, line + len). */
static void check_entry(const struct procmaps_entry *entry, const char *line, size_t len)
{
	CHECK(entry->start < entry->end);
	CHECK(!(entry->prot & ~(unsigned int)(PROT_READ | PROT_WRITE | PROT_EXEC)));
	if (!entry->path_len) {
		CHECK(!entry->deleted);
		return;
	}
	CHECK(entry->path > line && entry->path < line + len);
	CHECK(entry->path_len <= (size_t)(line + len - entry->path));
	CHECK(entry->path[-1] == ' ' && entry->path[0] != ' ');
	if (entry->deleted) {
		CHECK((size_t)(line + len - entry->path) ==
		      entry->path_len + strlen(DELETED_SUFFIX));
		CHECK(!memcmp(entry->path + entry->path_len, DELETED_SUFFIX,
			      strlen(DELETED_SUFFIX)));
	} else {
		/* The path runs to the end of the line. */
		CHECK(entry->path + entry->path_len == line + len);
	}
}

static int entries_equal(const struct procmaps_entry *one, const struct procmaps_entry *two)
{
	return one->start == two->start && one->end == two->end && one->prot == two->prot &&
	       one->shared == two->shared && one->offset == two->offset &&
	       one->dev_major == two->dev_major && one->dev_minor == two->dev_minor &&
	       one->inode == two->inode && one->path_len == two->path_len &&
	       one->deleted == two->deleted && (!one->path_len || one->path == two->path);
}

/* Whether [line, line + len) is an smaps field line: [A-Za-z0-9_]+ then ':'. */
static int field_line(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len &&
	       (line[i] == '_' || (line[i] >= '0' && line[i] <= '9') ||
		(line[i] >= 'a' && line[i] <= 'z') || (line[i] >= 'A' && line[i] <= 'Z')))
		i++;
	return i > 0 && i < len && line[i] == ':';
}

/* The line at pos (up to text_end): sets *len, returns where the next starts. */
static const char *next_line(const char *pos, const char *text_end, size_t *len)
{
	const char *newline = memchr(pos, '\n', (size_t)(text_end - pos));

	*len = newline ? (size_t)(newline - pos) : (size_t)(text_end - pos);
	return newline ? newline + 1 : text_end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *line = text;
	const char *text_end = size ? text + size : text;
	struct procmaps_iter iter;
	size_t lines = 0;

	procmaps_iter_init(&iter, text, size);
	for (;;) {
		struct procmaps_entry by_iter, by_line;
		const char *next;
		size_t len, field_len;
		int ret, line_ret;

		ret = procmaps_next(&iter, &by_iter);
		if (ret == 0) {
			/* The end: every line was seen, the last one maybe without '\n'. */
			CHECK(line == text_end);
			break;
		}
		CHECK(ret == 1 || ret == -EINVAL);
		CHECK(line < text_end);

		next = next_line(line, text_end, &len);
		line_ret = procmaps_parse_line(line, len, &by_line);
		/* A bad header is an error; so is a bad value of a field it counts. */
		CHECK(line_ret == 0 || line_ret == -EINVAL);
		CHECK(ret == -EINVAL || line_ret == 0);
		CHECK(line_ret == 0 || ret == -EINVAL);
		if (ret == 1) {
			check_entry(&by_iter, line, len);
			check_entry(&by_line, line, len);
			CHECK(entries_equal(&by_iter, &by_line));
			CHECK(by_iter.rss % 1024 == 0 && by_iter.private_bytes % 1024 == 0 &&
			      by_iter.swap % 1024 == 0);
		}
		lines++;
		/* The field lines that follow are the entry's. */
		for (line = next; line < text_end; line = next) {
			next = next_line(line, text_end, &field_len);
			if (!field_line(line, field_len))
				break;
			lines++;
		}
		CHECK(iter.lineno == lines);
		CHECK(iter.pos == line);
	}
	return 0;
}
