/*
 * libFuzzer target for the /proc/PID/maps parser (libbpf
 * fuzz/bpf-object-fuzzer.c).  The input goes through procmaps_next() over
 * the whole buffer and, in step, through procmaps_parse_line() line by
 * line; both must agree, and every entry returned must make sense: a
 * non-empty range, known protection bits, a path inside its own line.
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
		const char *newline;
		size_t len;
		int ret, line_ret;

		ret = procmaps_next(&iter, &by_iter);
		if (ret == 0) {
			/* The end: every line was seen, the last one maybe without '\n'. */
			CHECK(line == text_end);
			break;
		}
		CHECK(ret == 1 || ret == -EINVAL);
		CHECK(line < text_end);
		CHECK(iter.lineno == ++lines);

		newline = memchr(line, '\n', (size_t)(text_end - line));
		len = newline ? (size_t)(newline - line) : (size_t)(text_end - line);
		line_ret = procmaps_parse_line(line, len, &by_line);
		CHECK(line_ret == (ret == 1 ? 0 : -EINVAL));
		if (ret == 1) {
			check_entry(&by_iter, line, len);
			check_entry(&by_line, line, len);
			CHECK(entries_equal(&by_iter, &by_line));
		}
		line = newline ? newline + 1 : text_end;
		CHECK(iter.pos == line);
	}
	return 0;
}
