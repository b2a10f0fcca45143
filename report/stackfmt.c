/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Stacks as text: see stackfmt.h. */
#include "stackfmt.h"

#include <stdlib.h>
#include <string.h>

#include "../tracer/hashidx.h"
#include "../tracer/runtime.h"
#include "../tracer/util.h"

/* A symbolized (module, file offset): its text, as an id in texts. */
struct cached {
	uint64_t key_offset;
	uint32_t key_module; /* never 0: a frame without a file is not cached */
	uint32_t text;
};

struct stackfmt {
	const struct strtab *paths;
	struct modules *mods;
	struct strtab *texts;
	struct cached *cache; /* in the order they were symbolized */
	size_t count;
	size_t cache_cap;
	struct hidx index; /* the hash of each (module, offset) -> its place in cache */
	char *buf;	   /* the text of the last frame: as long as its name */
	size_t buf_cap;
};

struct stackfmt *stackfmt_new(const struct strtab *paths, struct modules *mods)
{
	struct stackfmt *fmt = xcalloc(1, sizeof(*fmt));

	fmt->paths = paths;
	fmt->mods = mods;
	fmt->texts = strtab_new();
	fmt->buf_cap = 512;
	fmt->buf = xmalloc(fmt->buf_cap);
	fmt->buf[0] = '\0';
	return fmt;
}

void stackfmt_free(struct stackfmt *fmt)
{
	if (!fmt)
		return;
	strtab_free(fmt->texts);
	free(fmt->cache);
	hidx_free(&fmt->index);
	free(fmt->buf);
	free(fmt);
}

static uint32_t hash_of(uint32_t module, uint64_t offset)
{
	return (uint32_t)hidx_hash_word(hidx_hash_word(HIDX_HASH_SEED, module), offset);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * Caches the text in fmt->buf as the frame at (module, offset)'s, where
 * the lookup that missed it ended.
 */
static void remember(struct stackfmt *fmt, uint32_t module, uint64_t offset,
		     const struct hidx_iter *missed);

/* The cached text of the frame at (module, offset), or NULL: *it is then where the lookup ended. */
static const char *cached_text(const struct stackfmt *fmt, uint32_t module, uint64_t offset,
			       struct hidx_iter *it)
{
	uint32_t entry;

	*it = hidx_probe(&fmt->index, hash_of(module, offset));
	while (hidx_next(&fmt->index, it, &entry))
		if (fmt->cache[entry].key_module == module &&
		    fmt->cache[entry].key_offset == offset)
			return strtab_get(fmt->texts, fmt->cache[entry].text);
	return NULL;
}

/* Room in fmt->buf for a text of len bytes and a number: a C++ name may be thousands long. */
static void buf_reserve(struct stackfmt *fmt, size_t len)
{
	xgrowarray((void **)&fmt->buf, &fmt->buf_cap, len + 32, 1);
}

/* The text of a frame into fmt->buf: "name+0x12 (file)", or "file+0x34" without a name. */
static void frame_text(struct stackfmt *fmt, uint32_t module, uint64_t offset, bool return_address,
		       const char *name, uint64_t into)
{
	const char *path = strtab_get(fmt->paths, modules_path(fmt->mods, module));
	/* Offsets are shown from the address itself, not from address - 1. */
	uint64_t shown = return_address ? 1U : 0U;

	into += shown;
	shown += offset;
	buf_reserve(fmt, (name ? strlen(name) : 0) + strlen(base_name(path)));
	if (name)
		(void)snprintf(fmt->buf, fmt->buf_cap, "%s+%#llx (%s)", name,
			       (unsigned long long)into, base_name(path));
	else
		(void)snprintf(fmt->buf, fmt->buf_cap, "%s+%#llx", base_name(path),
			       (unsigned long long)shown);
}

void stackfmt_preset(struct stackfmt *fmt, uint32_t module, uint64_t offset, bool return_address,
		     const char *name, uint64_t into)
{
	struct hidx_iter it;

	if (!module || cached_text(fmt, module, offset, &it))
		return;
	frame_text(fmt, module, offset, return_address, name, into);
	remember(fmt, module, offset, &it);
}

const char *stackfmt_frame(struct stackfmt *fmt, uint64_t addr, uint32_t module, uint64_t offset,
			   bool return_address)
{
	const char *name, *text;
	struct hidx_iter it;
	uint64_t into = 0;

	if (!module) {
		(void)snprintf(fmt->buf, fmt->buf_cap, "%#llx", (unsigned long long)addr);
		return fmt->buf;
	}
	text = cached_text(fmt, module, offset, &it);
	if (text)
		return text;
	name = modules_lookup(fmt->mods, module, offset, &into);
	frame_text(fmt, module, offset, return_address, name, into);
	remember(fmt, module, offset, &it);
	return fmt->buf;
}

static void remember(struct stackfmt *fmt, uint32_t module, uint64_t offset,
		     const struct hidx_iter *missed)
{
	struct cached *entry;

	xgrowarray((void **)&fmt->cache, &fmt->cache_cap, fmt->count + 1, sizeof(*fmt->cache));
	entry = &fmt->cache[fmt->count];
	entry->key_module = module;
	entry->key_offset = offset;
	entry->text = strtab_intern(fmt->texts, fmt->buf, strlen(fmt->buf));
	hidx_insert_missed(&fmt->index, missed, (uint32_t)fmt->count);
	fmt->count++;
}

void stackfmt_write(struct stackfmt *fmt, FILE *out, const struct stacks *stacks, uint32_t id)
{
	const uint64_t *frames, *offsets;
	const uint32_t *modules;
	size_t nframes = stacks_get(stacks, id, &frames);

	(void)stacks_get_located(stacks, id, &modules, &offsets);
	for (size_t i = 0; i < nframes; i++)
		(void)fprintf(out, "    > %s\n",
			      stackfmt_frame(fmt, frames[i], modules[i], offsets[i], i > 0));
}

void stackfmt_write_line(struct stackfmt *fmt, FILE *out, const struct stacks *stacks, uint32_t id,
			 size_t max)
{
	const uint64_t *frames, *offsets;
	const uint32_t *modules;
	size_t nframes = stacks_get(stacks, id, &frames);

	(void)stacks_get_located(stacks, id, &modules, &offsets);
	for (size_t i = 0; i < nframes && i < max; i++) {
		const char *text = stackfmt_frame(fmt, frames[i], modules[i], offsets[i], i > 0);
		/* On one line the module is noise: keep "name+0x12" or "file+0x34". */
		const char *paren = strstr(text, " (");

		(void)fprintf(out, "%s%.*s", i ? " < " : "",
			      paren ? (int)(paren - text) : (int)strlen(text), text);
	}
	if (nframes > max)
		(void)fputs(" < ...", out);
}

/*
 * The name in a frame's text, short: "f+0x12 (libc.so.6)" -> "f";
 * "pthread_create@@GLIBC_2.34+0x1f (libc.so.6)" -> "pthread_create";
 * "ns::f(unsigned long, bool) const+0x4 (libjvm.so)" -> "ns::f".
 * Parentheses that are part of a name stay: Go's method receivers
 * ("runtime.(*pageAlloc).sysInit") and C++'s anonymous namespaces
 * ("v8::internal::(anonymous namespace)::Run(int)" -> all but "(int)"),
 * which follow a '.' or a "::".  "lib.so+0x34" and "0x7f..." (no symbol)
 * stay whole.
 */
static size_t frame_name_len(const char *text)
{
	const char *paren = strstr(text, " (");
	const char *plus;
	size_t len, depth = 0;

	if (!paren)
		return strlen(text);
	plus = paren;
	while (plus > text && *plus != '+')
		plus--;
	len = (size_t)((plus > text ? plus : paren) - text);
	/* The parameters of a C++ name: the first '(' outside template arguments. */
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '<')
			depth++;
		else if (text[i] == '>' && depth)
			depth--;
		else if (text[i] == '(' && !depth && i > 0) {
			/* operator() keeps its own parentheses. */
			if (i >= 8 && !memcmp(text + i - 8, "operator", 8) && text[i + 1] == ')') {
				i++;
				continue;
			}
			if (text[i - 1] == '.' || text[i - 1] == ':') {
				/* Part of the name: up to its ')'. */
				while (i + 1 < len && text[i + 1] != ')')
					i++;
				continue;
			}
			return i;
		} else if (text[i] == '@' && !depth) {
			return i; /* a symbol version */
		}
	}
	return len;
}

/* Appends len bytes of text to the string at *buf (*used bytes of *cap). */
static void site_add(char **buf, size_t *used, size_t *cap, const char *text, size_t len)
{
	xgrowarray((void **)buf, cap, *used + len + 1, 1);
	memcpy(*buf + *used, text, len);
	*used += len;
	(*buf)[*used] = '\0';
}

char *stackfmt_site(struct stackfmt *fmt, const struct stacks *stacks, uint32_t id, size_t max)
{
	const uint64_t *frames, *offsets;
	const uint32_t *modules;
	size_t nframes = stacks_get(stacks, id, &frames);
	size_t first = 0, used = 0, cap = 0, shown = 0;
	char *buf = NULL;

	(void)stacks_get_located(stacks, id, &modules, &offsets);
	site_add(&buf, &used, &cap, "", 0);
	if (!nframes || !modules || !offsets)
		return buf;
	/* Fold the frames of the innermost frame's module (libc, ld.so...) into its last. */
	if (modules[0]) {
		while (first + 1 < nframes && modules[first + 1] == modules[0])
			first++;
		if (first + 1 == nframes)
			first = 0; /* all in one file: nothing to fold into */
	}
	for (size_t i = first; i < nframes; i++) {
		const char *text;
		size_t len;

		if (shown == max) {
			site_add(&buf, &used, &cap, " < ...", 6);
			break;
		}
		text = stackfmt_frame(fmt, frames[i], modules[i], offsets[i], i > 0);
		len = frame_name_len(text);
		if (shown)
			site_add(&buf, &used, &cap, " < ", 3);
		site_add(&buf, &used, &cap, text, len);
		shown++;
		if (runtime_site_end(text, len))
			break;
	}
	return buf;
}
