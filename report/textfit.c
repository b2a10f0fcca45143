/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Text that fits a terminal: see textfit.h. */
#include "textfit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/util.h"

#define ELLIPSIS_UTF8 "\xe2\x80\xa6" /* U+2026, one column */
#define ELLIPSIS_ASCII "..."
/* Between the frames of a site; a wrapped line ends in its first two bytes. */
#define FRAME_SEP " < "
#define FRAME_SEP_LEN 3
#define WRAP_MARK_COLS 2
/* Template lists nested deeper than this are not elided one by one. */
#define MAX_NESTING 64

/* A growing string. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

static void buf_add(struct buf *buf, const char *text, size_t len)
{
	xgrowarray((void **)&buf->data, &buf->cap, buf->len + len + 1, 1);
	memcpy(buf->data + buf->len, text, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

static void buf_str(struct buf *buf, const char *text)
{
	buf_add(buf, text, strlen(text));
}

static void buf_newline(struct buf *buf, size_t indent)
{
	buf_add(buf, "\n", 1);
	for (size_t i = 0; i < indent; i++)
		buf_add(buf, " ", 1);
}

/* The string, never NULL: an empty one when nothing was added. */
static char *buf_take(struct buf *buf)
{
	if (!buf->data)
		buf_add(buf, "", 0);
	return buf->data;
}

/* A continuation byte of UTF-8 (10xxxxxx). */
static bool continuation(char byte)
{
	return ((unsigned char)byte & 0xc0) == 0x80;
}

/*
 * The bytes of the character at text (at most len): a lead byte and its
 * continuation bytes, or a single byte that is no UTF-8 (shown as one
 * character, U+FFFD, by a terminal).
 */
static size_t char_len(const char *text, size_t len)
{
	unsigned char lead = (unsigned char)text[0];
	size_t need = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 1;

	if (lead >= 0xf5 || need > len)
		return 1;
	for (size_t i = 1; i < need; i++)
		if (!continuation(text[i]))
			return 1;
	return need;
}

size_t textfit_columns(const char *text, size_t len)
{
	size_t cols = 0;

	for (size_t i = 0; i < len; i += char_len(text + i, len - i))
		cols++;
	return cols;
}

/* The bytes of the first cols columns of text (len bytes), whole characters. */
static size_t head_bytes(const char *text, size_t len, size_t cols)
{
	size_t i = 0;

	for (; i < len && cols; cols--)
		i += char_len(text + i, len - i);
	return i;
}

/* Where the last cols columns of text (len bytes) start, whole characters. */
static size_t tail_start(const char *text, size_t len, size_t cols)
{
	size_t total = textfit_columns(text, len);

	return head_bytes(text, len, total > cols ? total - cols : 0);
}

size_t textfit_indent(size_t width, size_t col, size_t fallback)
{
	return !width || width >= col + TEXTFIT_MIN_ROOM ? col : fallback;
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/*
 * Bytes to skip at name + i when an operator whose symbol holds '<' or
 * '>' starts there ("operator<<", "operator->", "operator<=>"): they are
 * no template list.  0 when none starts there.
 */
static size_t operator_len(const char *name, size_t i)
{
	size_t len = 8;

	if (strncmp(name + i, "operator", 8) != 0 || (i > 0 && ident_char(name[i - 1])))
		return 0;
	while (name[i + len] && strchr("<>=-*", name[i + len]))
		len++;
	return len;
}

/*
 * Elides one template argument list of name into "<ellipsis>": of those
 * whose own lists are elided already (or too short to gain by it), the
 * deepest, then the widest, then the first.  Returns whether one was.
 */
static bool elide_list(struct buf *name, const char *ellipsis, size_t ellipsis_cols)
{
	size_t open[MAX_NESTING];
	bool inner_whole[MAX_NESTING]; /* a list inside it is not elided */
	size_t depth = 0, deeper = 0;  /* deeper: unmatched '<' past MAX_NESTING */
	size_t best_open = 0, best_close = 0, best_depth = 0, best_cols = 0;
	bool found = false;
	struct buf out = { 0 };

	for (size_t i = 0; i < name->len; i++) {
		size_t skip = operator_len(name->data, i);

		if (skip) {
			i += skip - 1;
			continue;
		}
		if (name->data[i] == '<') {
			if (depth == MAX_NESTING) {
				deeper++;
				continue;
			}
			open[depth] = i;
			inner_whole[depth++] = false;
		} else if (name->data[i] == '>' && deeper) {
			deeper--;
		} else if (name->data[i] == '>' && depth) {
			size_t from = open[--depth] + 1;
			size_t cols = textfit_columns(name->data + from, i - from);
			bool elided = cols <= ellipsis_cols;

			if (!elided && !inner_whole[depth] &&
			    (!found || depth > best_depth ||
			     (depth == best_depth && cols > best_cols))) {
				found = true;
				best_open = from;
				best_close = i;
				best_depth = depth;
				best_cols = cols;
			}
			if (!elided && depth)
				inner_whole[depth - 1] = true;
		}
	}
	if (!found)
		return false;
	buf_add(&out, name->data, best_open);
	buf_str(&out, ellipsis);
	buf_add(&out, name->data + best_close, name->len - best_close);
	free(name->data);
	*name = out;
	return true;
}

char *textfit_name(const char *name, size_t room, bool utf8)
{
	const char *ellipsis = utf8 ? ELLIPSIS_UTF8 : ELLIPSIS_ASCII;
	size_t ellipsis_cols = utf8 ? 1 : 3;
	struct buf buf = { 0 }, cut = { 0 };
	size_t cols, keep, head, tail;

	buf_str(&buf, name);
	if (!room)
		return buf_take(&buf);
	while ((cols = textfit_columns(buf.data, buf.len)) > room &&
	       elide_list(&buf, ellipsis, ellipsis_cols))
		;
	if (cols <= room)
		return buf_take(&buf);
	/* Its middle: the end (the function's own name) keeps the odd column. */
	if (room <= ellipsis_cols) {
		buf_add(&cut, buf.data, head_bytes(buf.data, buf.len, room));
	} else {
		keep = room - ellipsis_cols;
		head = keep / 2;
		tail = keep - head;
		buf_add(&cut, buf.data, head_bytes(buf.data, buf.len, head));
		buf_str(&cut, ellipsis);
		buf_str(&cut, buf.data + tail_start(buf.data, buf.len, tail));
	}
	free(buf.data);
	return buf_take(&cut);
}

/* The end of the frame that starts at frame: the next separator, or the end of the site. */
static const char *frame_end(const char *frame)
{
	const char *sep = strstr(frame, FRAME_SEP);

	return sep ? sep : frame + strlen(frame);
}

char *textfit_site(const char *site, size_t room, bool utf8)
{
	struct buf out = { 0 };
	const char *frame = site;

	if (!room) {
		buf_str(&out, site);
		return buf_take(&out);
	}
	for (size_t idx = 0;; idx++) {
		const char *end = frame_end(frame);
		bool last = !*end;
		size_t len = (size_t)(end - frame);
		size_t limit = last || room <= WRAP_MARK_COLS ? room : room - WRAP_MARK_COLS;

		if (idx != 1 && textfit_columns(frame, len) > limit) {
			char *name = xmalloc(len + 1);
			char *elided;

			memcpy(name, frame, len);
			name[len] = '\0';
			elided = textfit_name(name, limit, utf8);
			buf_str(&out, elided);
			free(elided);
			free(name);
		} else {
			buf_add(&out, frame, len);
		}
		if (last)
			break;
		buf_str(&out, FRAME_SEP);
		frame = end + FRAME_SEP_LEN;
	}
	return buf_take(&out);
}

/*
 * Writes the len bytes at text from column *cur on, cut across lines of
 * width columns (each leaving reserve columns free) where it is wider
 * than what is left of them.
 */
static void put_cut(struct buf *out, const char *text, size_t len, size_t width, size_t indent,
		    size_t reserve, size_t *cur)
{
	size_t cols = textfit_columns(text, len);

	for (;;) {
		size_t avail = width > *cur + reserve ? width - *cur - reserve : 1;
		size_t bytes;

		if (cols <= avail)
			break;
		bytes = head_bytes(text, len, avail);
		buf_add(out, text, bytes);
		text += bytes;
		len -= bytes;
		cols -= avail;
		buf_newline(out, indent);
		*cur = indent;
	}
	buf_add(out, text, len);
	*cur += cols;
}

/* Whether text starts with a unit of size or time, as a word ("MiB", "ms)"). */
static bool unit_word(const char *text)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "ms" };

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t len = strlen(units[i]);

		if (!strncmp(text, units[i], len) && !ident_char(text[len]))
			return true;
	}
	return false;
}

static bool digit(char chr)
{
	return chr >= '0' && chr <= '9';
}

/*
 * The end of the word at word: the next space, but the one between a name
 * and its count ("munmap 206,") and the one between a number and its
 * unit ("1.5 MiB"), so that a figure never starts a line alone.
 */
static const char *word_end(const char *word)
{
	const char *end = word + strcspn(word, " ");

	if (end > word && !digit(end[-1]) && end[0] == ' ' && digit(end[1]))
		end = end + 1 + strcspn(end + 1, " ");
	if (end > word && digit(end[-1]) && end[0] == ' ' && unit_word(end + 1))
		end = end + 1 + strcspn(end + 1, " ");
	return end;
}

char *textfit_wrap(const char *text, size_t width, size_t col, size_t indent, size_t *end)
{
	struct buf out = { 0 };
	size_t cur = col, lead = strspn(text, " ");
	bool placed = false; /* a word on the current line */
	const char *word = text + lead, *gap = word;

	if (!width) {
		buf_str(&out, text);
		cur += textfit_columns(text, strlen(text));
		goto out;
	}
	if (indent >= width)
		indent = 0;
	buf_add(&out, text, lead);
	cur += lead;
	while (*word) {
		const char *stop = word_end(word);
		size_t len = (size_t)(stop - word), cols = textfit_columns(word, len);
		size_t spaces = (size_t)(word - gap);

		if (placed && cur + spaces + cols <= width) {
			buf_add(&out, gap, spaces);
			cur += spaces;
		} else if (placed || (cur > indent && cur + cols > width)) {
			buf_newline(&out, indent);
			cur = indent;
		}
		put_cut(&out, word, len, width, indent, 0, &cur);
		placed = true;
		gap = stop;
		word = stop + strspn(stop, " ");
	}
out:
	if (end)
		*end = cur;
	return buf_take(&out);
}

char *textfit_wrap_site(const char *site, bool space, size_t width, size_t col, size_t indent,
			size_t *end)
{
	struct buf out = { 0 };
	size_t cur = col;
	bool placed = false; /* a frame of the site on the current line */
	const char *frame = site;

	if (!width) {
		if (space && *site) {
			buf_str(&out, " ");
			cur++;
		}
		buf_str(&out, site);
		cur += textfit_columns(site, strlen(site));
		goto out;
	}
	if (indent >= width)
		indent = 0;
	while (*frame) {
		const char *stop = frame_end(frame);
		size_t len = (size_t)(stop - frame), cols = textfit_columns(frame, len);
		size_t reserve = *stop ? WRAP_MARK_COLS : 0;
		size_t sep = placed ? FRAME_SEP_LEN : space ? 1 : 0;

		if (cur + sep + cols + reserve <= width) {
			buf_add(&out, placed ? FRAME_SEP : " ", sep);
			cur += sep;
		} else if (placed) {
			buf_add(&out, FRAME_SEP, WRAP_MARK_COLS);
			buf_newline(&out, indent);
			cur = indent;
		} else if (cur > indent) {
			buf_newline(&out, indent);
			cur = indent;
		}
		put_cut(&out, frame, len, width, indent, reserve, &cur);
		placed = true;
		frame = *stop ? stop + FRAME_SEP_LEN : stop;
	}
out:
	if (end)
		*end = cur;
	return buf_take(&out);
}

/* One site at one room, and the text it prints. */
struct fitted {
	const char *site;
	size_t room;
	char *shown; /* NULL: not worked out yet */
};

struct textfit_sites {
	struct fitted *all; /* sorted by site, then room, when not dirty */
	size_t count;
	size_t cap;
	bool utf8;
	bool dirty; /* added to since the texts were worked out */
};

struct textfit_sites *textfit_sites_new(bool utf8)
{
	struct textfit_sites *sites = xcalloc(1, sizeof(*sites));

	sites->utf8 = utf8;
	return sites;
}

void textfit_sites_free(struct textfit_sites *sites)
{
	if (!sites)
		return;
	for (size_t i = 0; i < sites->count; i++)
		free(sites->all[i].shown);
	free(sites->all);
	free(sites);
}

void textfit_sites_add(struct textfit_sites *sites, const char *site, size_t room)
{
	xgrowarray((void **)&sites->all, &sites->cap, sites->count + 1, sizeof(*sites->all));
	sites->all[sites->count++] = (struct fitted){ .site = site, .room = room };
	sites->dirty = true;
}

static int by_site(const void *a, const void *b)
{
	const struct fitted *x = a, *y = b;
	int cmp = strcmp(x->site, y->site);

	if (cmp)
		return cmp;
	return x->room < y->room ? -1 : x->room > y->room;
}

/* A site's text, and where it is in the set, for sorting by text. */
struct shown_at {
	const char *shown;
	size_t idx;
};

static int by_shown(const void *a, const void *b)
{
	const struct shown_at *x = a, *y = b;

	return strcmp(x->shown, y->shown);
}

/*
 * Gives back their whole text to the elided sites whose text another
 * site prints.  Returns whether any was given back (another may now
 * print a whole text that an elided one prints: run again).
 */
static bool unelide_same(struct textfit_sites *sites)
{
	struct shown_at *order = xcalloc(sites->count + 1, sizeof(*order));
	bool changed = false;

	for (size_t i = 0; i < sites->count; i++)
		order[i] = (struct shown_at){ .shown = sites->all[i].shown, .idx = i };
	qsort(order, sites->count, sizeof(*order), by_shown);
	for (size_t from = 0, to; from < sites->count; from = to) {
		const char *site = sites->all[order[from].idx].site;
		bool others = false;

		for (to = from + 1;
		     to < sites->count && !strcmp(order[to].shown, order[from].shown); to++)
			others = others || strcmp(sites->all[order[to].idx].site, site) != 0;
		if (!others)
			continue;
		for (size_t i = from; i < to; i++) {
			struct fitted *fit = &sites->all[order[i].idx];

			if (strcmp(fit->shown, fit->site) != 0) {
				free(fit->shown);
				fit->shown = xstrdup(fit->site);
				changed = true;
			}
		}
	}
	free(order);
	return changed;
}

/* Works out the text of every site: sorted, each once, elided, then made distinct. */
static void fit_all(struct textfit_sites *sites)
{
	size_t kept = 0;

	for (size_t i = 0; i < sites->count; i++) {
		free(sites->all[i].shown);
		sites->all[i].shown = NULL;
	}
	if (sites->count)
		qsort(sites->all, sites->count, sizeof(*sites->all), by_site);
	for (size_t i = 0; i < sites->count; i++)
		if (!kept || by_site(&sites->all[kept - 1], &sites->all[i]))
			sites->all[kept++] = sites->all[i];
	sites->count = kept;
	for (size_t i = 0; i < sites->count; i++)
		sites->all[i].shown =
			textfit_site(sites->all[i].site, sites->all[i].room, sites->utf8);
	while (unelide_same(sites))
		;
	sites->dirty = false;
}

const char *textfit_sites_get(struct textfit_sites *sites, const char *site, size_t room)
{
	struct fitted key = { .site = site, .room = room };
	const struct fitted *found;

	if (sites->dirty)
		fit_all(sites);
	found = sites->count ? bsearch(&key, sites->all, sites->count, sizeof(*sites->all), by_site)
			     : NULL;
	if (!found) {
		textfit_sites_add(sites, site, room);
		fit_all(sites);
		found = bsearch(&key, sites->all, sites->count, sizeof(*sites->all), by_site);
	}
	return found ? found->shown : site;
}
