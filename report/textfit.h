/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Text that fits a terminal: the report's prose wrapped at its spaces, a
 * site ("malloc < worker_alloc < worker_main < start_thread") wrapped at
 * its frames, and a frame's name too wide for a line elided in its
 * middle, never dropped.  A name is elided first by its template argument
 * lists, innermost first, then by its middle, keeping its start and end:
 *
 *   std::vector<std::map<std::string, std::vector<int>>>::_M_realloc_insert
 *   std::vector<std::map<…>>::_M_realloc_insert      innermost lists first
 *   std::vector<…>::_M_realloc_insert                then the next ones out
 *   std::vec…_M_realloc_insert                       then the middle
 *
 * Widths count columns, one per character of UTF-8: "…" is one column in
 * three bytes; a byte that is no UTF-8 is one column, as a terminal shows
 * it (U+FFFD); the few characters a terminal shows two columns wide (CJK)
 * are counted as one.  A width of 0 means no limit: the text comes back as
 * it was, nothing cut, nothing wrapped.  "…" when the output's character
 * set is UTF-8 (utf8), "..." otherwise.
 *
 * Pure: strings and widths in, new strings out, owned by the caller
 * (free()); nothing here prints.
 */
#ifndef MEMTRACE_TEXTFIT_H
#define MEMTRACE_TEXTFIT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A site that follows something on a line goes on under its own column
 * when at least this many columns are left there; else on the lines
 * below, from a smaller indent (textfit_indent).
 */
#define TEXTFIT_MIN_ROOM 30

/* The columns of the first len bytes of text. */
size_t textfit_columns(const char *text, size_t len);

/*
 * Where the continuation lines of what starts at column col go: col when
 * width leaves at least TEXTFIT_MIN_ROOM columns there (or width is 0),
 * else fallback.
 */
size_t textfit_indent(size_t width, size_t col, size_t fallback);

/*
 * name elided to at most room columns (0: no limit): while it is too
 * wide, the template argument list ("<...>") whose own lists are all
 * elided already, the deepest, then the widest, becomes "<…>"; if no list
 * is left and it is still too wide, its middle becomes "…", its start and
 * end kept.  Returns a copy of name when it fits.
 */
char *textfit_name(const char *name, size_t room, bool utf8);

/*
 * site ("f < g < h") with each frame's name that is wider than a line of
 * room columns (leaving 2 for the " <" that ends a wrapped line, but after
 * the last frame) elided by textfit_name -- but the second frame, the
 * innermost of the program's own code after the allocator's folded frames
 * (report/stackfmt.h, stackfmt_site), which is always whole.  room 0: a
 * copy of site.
 */
char *textfit_site(const char *site, size_t room, bool utf8);

/*
 * text laid out to fit width columns, from column col of the current line
 * (what is before it there is the caller's): broken at its spaces, which
 * are dropped where it breaks; continuation lines start with indent
 * spaces; a number and its unit ("1.5 MiB") stay together; a word wider
 * than a line is cut across lines.  Leading spaces of text stay.  No
 * newline at the end.  *end (may be NULL): the column where it ends.
 * width 0: a copy of text.
 */
char *textfit_wrap(const char *text, size_t width, size_t col, size_t indent, size_t *end);

/*
 * A site laid out like textfit_wrap, but broken only between frames, a
 * broken line ending in " <"; a frame wider than a line is cut across
 * lines.  space: a space separates it from what precedes it on the line
 * (not written when the site starts on the next line).
 */
char *textfit_wrap_site(const char *site, bool space, size_t width, size_t col, size_t indent,
			size_t *end);

/*
 * The sites one report prints, each at the room it is laid out in
 * (textfit_site), so that two different sites never print the same text:
 * when the elided texts of two different sites would be the same, or one
 * would be another's whole text, neither is elided (textfit_wrap_site cuts
 * their names across lines instead).
 */
struct textfit_sites;

/* Returns a new, empty set (owned by the caller: textfit_sites_free). */
struct textfit_sites *textfit_sites_new(bool utf8);
/* Frees it.  Accepts NULL. */
void textfit_sites_free(struct textfit_sites *sites);

/* Adds site, to be printed at room columns; site is borrowed until the set is freed. */
void textfit_sites_add(struct textfit_sites *sites, const char *site, size_t room);

/*
 * The text to print of site at room, borrowed until the set is freed or
 * added to.  A site not added is added first.
 */
const char *textfit_sites_get(struct textfit_sites *sites, const char *site, size_t room);

#endif /* MEMTRACE_TEXTFIT_H */
