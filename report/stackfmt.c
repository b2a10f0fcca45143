/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Stacks as text: see stackfmt.h. */
#include "stackfmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/hashidx.h"
#include "../tracer/runtime.h"
#include "../tracer/util.h"

/*
 * One frame as shown: a function of a symbolized (module, offset), the
 * one that holds it or one inlined there.  Its text is the --events line;
 * the one-line form and the site take the first line_len and name_len
 * bytes of it.
 */
struct part {
	uint32_t text; /* an id in texts; NO_TEXT: fmt->buf (a frame without a file) */
	uint32_t line_len;
	uint32_t name_len;
	bool named; /* a function's name: not "module+0x34" nor an address */
	/* What stackfmt_functions() gives: the function's name alone, its file and line. */
	uint32_t function; /* an id in texts; NO_TEXT: fmt->buf */
	uint32_t file;	   /* an id in texts; NO_TEXT: none known */
	uint32_t line;	   /* 0: none known */
};

#define NO_TEXT UINT32_MAX

/* A symbolized (module, file offset): its parts, innermost first, its own last. */
struct cached {
	uint64_t key_offset;
	uint32_t key_module; /* never 0: a frame without a file is not cached */
	uint32_t first;	     /* in parts */
	uint32_t nparts;
};

struct stackfmt {
	const struct strtab *paths;
	struct modules *mods;
	struct strtab *texts;
	struct cached *cache; /* in the order they were symbolized */
	size_t count;
	size_t cache_cap;
	struct part *parts;
	size_t nparts;
	size_t parts_cap;
	struct hidx index; /* the hash of each (module, offset) -> its place in cache */
	char *buf;	   /* the text of the last frame: as long as its name */
	size_t buf_cap;
	struct cached nofile; /* a frame without a file: its one part is nofile_part */
	struct part nofile_part;
	/* Who made each stack's memory, by stack id: the maker + 1, 0 for not asked yet. */
	struct stack_maker {
		unsigned char maker_plus1;
		const struct runtime_desc *by;	       /* whose code made it, when known */
		const struct runtime_maker_rule *rule; /* the rule that said so, if one did */
	} * makers;
	size_t makers_cap;
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
	free(fmt->parts);
	hidx_free(&fmt->index);
	free(fmt->buf);
	free(fmt->makers);
	free(fmt);
}

static uint32_t hash_of(uint32_t module, uint64_t offset)
{
	return (uint32_t)hidx_hash_word(hidx_hash_word(HIDX_HASH_SEED, module), offset);
}

/* The cached frame at (module, offset), or NULL: *it is then where the lookup ended. */
static const struct cached *cached_frame(const struct stackfmt *fmt, uint32_t module,
					 uint64_t offset, struct hidx_iter *it)
{
	uint32_t entry;

	*it = hidx_probe(&fmt->index, hash_of(module, offset));
	while (hidx_next(&fmt->index, it, &entry))
		if (fmt->cache[entry].key_module == module &&
		    fmt->cache[entry].key_offset == offset)
			return &fmt->cache[entry];
	return NULL;
}

static const char *part_text(const struct stackfmt *fmt, const struct part *part)
{
	return part->text == NO_TEXT ? fmt->buf : strtab_get(fmt->texts, part->text);
}

/* Sets fmt->buf to the formatted text, however long (a C++ name may be thousands). */
static ATTRIBUTE_FORMAT(2, 3) void buf_set(struct stackfmt *fmt, const char *format, ...)
{
	va_list ap, again;
	int len;

	va_start(ap, format);
	va_copy(again, ap);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	len = vsnprintf(fmt->buf, fmt->buf_cap, format, ap);
	if (len < 0) {
		fmt->buf[0] = '\0';
	} else if ((size_t)len >= fmt->buf_cap) {
		xgrowarray((void **)&fmt->buf, &fmt->buf_cap, (size_t)len + 1, 1);
		/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
		(void)vsnprintf(fmt->buf, fmt->buf_cap, format, again);
	}
	va_end(again);
	va_end(ap);
}

static size_t short_name_len(const char *name, size_t len);

static uint32_t text_id(struct stackfmt *fmt, const char *text)
{
	return text ? strtab_intern(fmt->texts, text, strlen(text)) : NO_TEXT;
}

/*
 * Appends the text in fmt->buf as a part of the frame being cached: its
 * function (NULL: the text's first line_len bytes), at src's file and
 * line (src NULL: none known).
 */
static void add_part(struct stackfmt *fmt, size_t line_len, size_t name_len, bool named,
		     const char *function, const struct srclines_frame *src)
{
	uint32_t text = text_id(fmt, fmt->buf);
	/* Interned from fmt->buf, not from texts: interning may move texts' storage. */
	uint32_t func =
		function ? text_id(fmt, function) : strtab_intern(fmt->texts, fmt->buf, line_len);

	xgrowarray((void **)&fmt->parts, &fmt->parts_cap, fmt->nparts + 1, sizeof(*fmt->parts));
	fmt->parts[fmt->nparts++] = (struct part){
		.text = text,
		.line_len = (uint32_t)line_len,
		.name_len = (uint32_t)name_len,
		.named = named,
		.function = func,
		.file = text_id(fmt, src ? src->file : NULL),
		.line = src ? src->line : 0,
	};
}

/* " file.c:123", " file.c" or "": where in the source, as perf shows it (the file's base name). */
static void where_text(const struct srclines_frame *src, char *where, size_t size)
{
	where[0] = '\0';
	if (src && src->file && src->line)
		(void)snprintf(where, size, " %s:%u", base_name(src->file), src->line);
	else if (src && src->file)
		(void)snprintf(where, size, " %s", base_name(src->file));
}

/* A function inlined into the frame: "name (inlined) file.c:123 (module)". */
static void inline_part(struct stackfmt *fmt, const char *module_name,
			const struct srclines_frame *src)
{
	char where[256];

	where_text(src, where, sizeof(where));
	buf_set(fmt, "%s (inlined)%s (%s)", src->function, where, module_name);
	add_part(fmt, strlen(src->function), short_name_len(src->function, strlen(src->function)),
		 true, src->function, src);
}

/*
 * The frame's own function: "name+0x12 file.c:123 (module)", or
 * "module+0x34" without a name (src: its line, or NULL).
 */
static void own_part(struct stackfmt *fmt, const char *module_name, uint64_t offset,
		     bool return_address, const char *name, uint64_t into,
		     const struct srclines_frame *src)
{
	/* Offsets are shown from the address itself, not from address - 1. */
	uint64_t shown = return_address ? 1U : 0U;
	char where[256];
	int head;

	into += shown;
	shown += offset;
	where_text(src, where, sizeof(where));
	if (name) {
		buf_set(fmt, "%s+%#llx%s (%s)", name, (unsigned long long)into, where, module_name);
		head = snprintf(NULL, 0, "%s+%#llx", name, (unsigned long long)into);
		add_part(fmt, (size_t)head, short_name_len(name, strlen(name)), true, name, src);
	} else {
		buf_set(fmt, "%s+%#llx%s", module_name, (unsigned long long)shown, where);
		head = snprintf(NULL, 0, "%s+%#llx", module_name, (unsigned long long)shown);
		add_part(fmt, (size_t)head, (size_t)head, false, NULL, src);
	}
}

/*
 * Caches the frame at (module, offset), where the lookup that missed it
 * ended: its own function's name and into, and what the debug info says
 * (src[0..nsrc): inlined functions innermost first, then the function's
 * own line; the function's own name is the symbol table's).
 */
static const struct cached *remember(struct stackfmt *fmt, uint32_t module, uint64_t offset,
				     bool return_address, const char *name, uint64_t into,
				     const struct srclines_frame *src, size_t nsrc,
				     const struct hidx_iter *missed)
{
	const char *module_name =
		base_name(strtab_get(fmt->paths, modules_path(fmt->mods, module)));
	struct cached *entry;
	size_t first = fmt->nparts;

	for (size_t i = 0; i + 1 < nsrc; i++)
		if (src[i].function)
			inline_part(fmt, module_name, &src[i]);
	own_part(fmt, module_name, offset, return_address, name, into,
		 nsrc ? &src[nsrc - 1] : NULL);
	xgrowarray((void **)&fmt->cache, &fmt->cache_cap, fmt->count + 1, sizeof(*fmt->cache));
	entry = &fmt->cache[fmt->count];
	entry->key_module = module;
	entry->key_offset = offset;
	entry->first = (uint32_t)first;
	entry->nparts = (uint32_t)(fmt->nparts - first);
	hidx_insert_missed(&fmt->index, missed, (uint32_t)fmt->count);
	fmt->count++;
	return entry;
}

void stackfmt_preset(struct stackfmt *fmt, uint32_t module, uint64_t offset, bool return_address,
		     const char *name, uint64_t into, const struct srclines_frame *src, size_t nsrc)
{
	struct hidx_iter it;

	if (!module || cached_frame(fmt, module, offset, &it))
		return;
	(void)remember(fmt, module, offset, return_address, name, into, src, nsrc, &it);
}

/*
 * The frame at (module, offset), symbolized at its first sight: its
 * ELF symbol, and its inline frames and lines from the debug info.
 * Borrowed until the next call.
 */
static const struct cached *frame_of(struct stackfmt *fmt, uint64_t addr, uint32_t module,
				     uint64_t offset, bool return_address)
{
	struct srclines_frame src[SRCLINES_MAX_FRAMES];
	const struct cached *entry;
	const char *name;
	struct hidx_iter it;
	uint64_t into = 0;
	size_t nsrc;

	if (!module) {
		buf_set(fmt, "%#llx", (unsigned long long)addr);
		fmt->nofile_part = (struct part){ .text = NO_TEXT,
						  .line_len = (uint32_t)strlen(fmt->buf),
						  .name_len = (uint32_t)strlen(fmt->buf),
						  .function = NO_TEXT,
						  .file = NO_TEXT };
		fmt->nofile = (struct cached){ 0, 0, 0, 1 };
		return &fmt->nofile;
	}
	entry = cached_frame(fmt, module, offset, &it);
	if (entry)
		return entry;
	name = modules_lookup(fmt->mods, module, offset, &into);
	nsrc = modules_source(fmt->mods, module, offset, src, ARRAY_SIZE(src));
	return remember(fmt, module, offset, return_address, name, into, src, nsrc, &it);
}

/* The parts of a frame from frame_of(). */
static const struct part *parts_of(const struct stackfmt *fmt, const struct cached *entry)
{
	return entry == &fmt->nofile ? &fmt->nofile_part : &fmt->parts[entry->first];
}

const char *stackfmt_frame(struct stackfmt *fmt, uint64_t addr, uint32_t module, uint64_t offset,
			   bool return_address)
{
	const struct cached *entry = frame_of(fmt, addr, module, offset, return_address);

	return part_text(fmt, &parts_of(fmt, entry)[entry->nparts - 1]);
}

size_t stackfmt_functions(struct stackfmt *fmt, const struct stacks *stacks, uint32_t id,
			  size_t frame, struct stackfmt_function *out, size_t max)
{
	const uint64_t *frames, *offsets;
	const uint32_t *modules;
	size_t nframes = stacks_get(stacks, id, &frames);
	const struct cached *entry;
	const struct part *parts;
	size_t n = 0;

	if (frame >= nframes)
		return 0;
	(void)stacks_get_located(stacks, id, &modules, &offsets);
	entry = frame_of(fmt, frames[frame], modules[frame], offsets[frame], frame > 0);
	parts = parts_of(fmt, entry);
	for (size_t p = 0; p < entry->nparts && n < max; p++, n++) {
		out[n] = (struct stackfmt_function){
			.name = parts[p].function == NO_TEXT
					? fmt->buf
					: strtab_get(fmt->texts, parts[p].function),
			.file = parts[p].file == NO_TEXT ? NULL
							 : strtab_get(fmt->texts, parts[p].file),
			.line = parts[p].line,
			.inlined = p + 1 < entry->nparts,
			.named = parts[p].named,
		};
	}
	/* Never more than max: its own function, the frame's, is the one kept. */
	if (n && n < entry->nparts)
		out[n - 1] = (struct stackfmt_function){
			.name = strtab_get(fmt->texts, parts[entry->nparts - 1].function),
			.file = parts[entry->nparts - 1].file == NO_TEXT
					? NULL
					: strtab_get(fmt->texts, parts[entry->nparts - 1].file),
			.line = parts[entry->nparts - 1].line,
			.named = parts[entry->nparts - 1].named,
		};
	return n;
}

void stackfmt_write(struct stackfmt *fmt, FILE *out, const struct stacks *stacks, uint32_t id)
{
	const uint64_t *frames, *offsets;
	const uint32_t *modules;
	size_t nframes = stacks_get(stacks, id, &frames);

	(void)stacks_get_located(stacks, id, &modules, &offsets);
	for (size_t i = 0; i < nframes; i++) {
		const struct cached *entry =
			frame_of(fmt, frames[i], modules[i], offsets[i], i > 0);
		const struct part *parts = parts_of(fmt, entry);

		for (size_t p = 0; p < entry->nparts; p++)
			(void)fprintf(out, "    > %s\n", part_text(fmt, &parts[p]));
	}
}

void stackfmt_write_line(struct stackfmt *fmt, FILE *out, const struct stacks *stacks, uint32_t id,
			 size_t max)
{
	const uint64_t *frames, *offsets;
	const uint32_t *modules;
	size_t nframes = stacks_get(stacks, id, &frames);

	(void)stacks_get_located(stacks, id, &modules, &offsets);
	for (size_t i = 0; i < nframes && i < max; i++) {
		const struct cached *entry =
			frame_of(fmt, frames[i], modules[i], offsets[i], i > 0);
		const struct part *own = &parts_of(fmt, entry)[entry->nparts - 1];

		/* On one line the module and the line are noise: keep "name+0x12" or "file+0x34". */
		(void)fprintf(out, "%s%.*s", i ? " < " : "", (int)own->line_len,
			      part_text(fmt, own));
	}
	if (nframes > max)
		(void)fputs(" < ...", out);
}

/*
 * How much of a function's name a site shows: "f" whole;
 * "pthread_create@@GLIBC_2.34" -> "pthread_create";
 * "ns::f(unsigned long, bool) const" -> "ns::f".
 * Parentheses that are part of a name stay: Go's method receivers
 * ("runtime.(*pageAlloc).sysInit") and C++'s anonymous namespaces
 * ("v8::internal::(anonymous namespace)::Run(int)" -> all but "(int)"),
 * which follow a '.' or a "::".
 */
static size_t short_name_len(const char *name, size_t len)
{
	size_t depth = 0;

	/* The parameters of a C++ name: the first '(' outside template arguments. */
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '<')
			depth++;
		else if (name[i] == '>' && depth)
			depth--;
		else if (name[i] == '(' && !depth && i > 0) {
			/* operator() keeps its own parentheses. */
			if (i >= 8 && !memcmp(name + i - 8, "operator", 8) && name[i + 1] == ')') {
				i++;
				continue;
			}
			if (name[i - 1] == '.' || name[i - 1] == ':') {
				/* Part of the name: up to its ')'. */
				while (i + 1 < len && name[i + 1] != ')')
					i++;
				continue;
			}
			return i;
		} else if (name[i] == '@' && !depth) {
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

/* A frame of a stack, as the runtimes' table is asked about it. */
struct frame_view {
	const char *module; /* its file's base name, or NULL */
	const char *name;   /* its own function's name (name_len bytes), or NULL */
	size_t name_len;
};

static struct frame_view frame_view(struct stackfmt *fmt, const uint64_t *frames,
				    const uint32_t *modules, const uint64_t *offsets, size_t i)
{
	const struct cached *entry = frame_of(fmt, frames[i], modules[i], offsets[i], i > 0);
	const struct part *own = &parts_of(fmt, entry)[entry->nparts - 1];
	struct frame_view view = { NULL, NULL, 0 };

	if (modules[i])
		view.module =
			base_name(strtab_get(fmt->paths, modules_path(fmt->mods, modules[i])));
	if (own->named) {
		view.name = part_text(fmt, own);
		view.name_len = own->name_len;
	}
	return view;
}

/* The allocator or runtime whose own code frame i of a stack is (runtime.h), or NULL. */
static const struct runtime_desc *frame_runtime(struct stackfmt *fmt, const uint64_t *frames,
						const uint32_t *modules, const uint64_t *offsets,
						size_t i)
{
	struct frame_view view = frame_view(fmt, frames, modules, offsets, i);

	return runtime_frame_runtime(view.module, view.name, view.name_len);
}

static bool frame_own(struct stackfmt *fmt, const uint64_t *frames, const uint32_t *modules,
		      const uint64_t *offsets, size_t i)
{
	return frame_runtime(fmt, frames, modules, offsets, i) != NULL;
}

/* What frame i's own function makes, as a runtime's rule says (runtime_frame_maker()). */
static enum aspace_maker frame_maker(struct stackfmt *fmt, const uint64_t *frames,
				     const uint32_t *modules, const uint64_t *offsets, size_t i)
{
	struct frame_view view = frame_view(fmt, frames, modules, offsets, i);

	const struct runtime_maker_rule *rule =
		view.name ? runtime_frame_maker(view.name, view.name_len, NULL) : NULL;

	return rule ? rule->maker : ASPACE_MAKER_UNKNOWN;
}

/* Whether a site ends at frame i (main, start_thread: runtime_site_end()). */
static bool frame_site_end(struct stackfmt *fmt, const uint64_t *frames, const uint32_t *modules,
			   const uint64_t *offsets, size_t i)
{
	struct frame_view view = frame_view(fmt, frames, modules, offsets, i);

	return view.name && runtime_site_end(view.name, view.name_len);
}

/*
 * Where a site starts: the innermost frames of the innermost frame's
 * module (libc's mmap wrapper, ld.so's loader), then those of allocators
 * and runtimes beyond them (jemalloc's extent code, Go's runtime.*), are
 * folded into the outermost of them, the call the program made (malloc,
 * runtime.mallocgc), never past a site end (main).  A stack that is all
 * runtimes' code starts at the function that made the memory when a rule
 * names one, else is shown whole.  *wrapper (when not NULL): where the
 * innermost module's frames end.
 */
static size_t site_start(struct stackfmt *fmt, const uint64_t *frames, const uint32_t *modules,
			 const uint64_t *offsets, size_t nframes, size_t *wrapper)
{
	size_t first = 0, own;

	if (modules[0]) {
		while (first + 1 < nframes && modules[first + 1] == modules[0])
			first++;
		if (first + 1 == nframes)
			first = 0; /* all in one file: nothing to fold into */
	}
	if (wrapper)
		*wrapper = first;
	/* Never past where the program's own code starts (main). */
	for (own = first; own + 1 < nframes &&
			  !frame_site_end(fmt, frames, modules, offsets, own) &&
			  frame_own(fmt, frames, modules, offsets, own + 1);)
		own++;
	if (own + 1 < nframes)
		return own;
	/*
	 * All runtimes' code (Go's heap grown on the system stack, whose
	 * walk never reaches the goroutine): from the function that made
	 * the memory, when a rule names one.
	 */
	for (own = first + 1; own < nframes; own++)
		if (frame_maker(fmt, frames, modules, offsets, own) != ASPACE_MAKER_UNKNOWN)
			return own;
	return first;
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
	first = site_start(fmt, frames, modules, offsets, nframes, NULL);
	for (size_t i = first; i < nframes; i++) {
		const struct cached *entry;
		const struct part *parts;
		size_t p;

		if (shown == max) {
			site_add(&buf, &used, &cap, " < ...", 6);
			break;
		}
		entry = frame_of(fmt, frames[i], modules[i], offsets[i], i > 0);
		parts = parts_of(fmt, entry);
		/*
		 * The site starts at a function the program called (malloc,
		 * pthread_create, mmap): the functions inlined into it are the
		 * library's own, folded too.  max counts frames: a frame's
		 * inlined functions come with it, or C++'s would leave no room
		 * for the program's own frames.
		 */
		for (p = i == first && (modules[0] || first) ? entry->nparts - 1 : 0;
		     p < entry->nparts; p++) {
			const char *text = part_text(fmt, &parts[p]);
			size_t len = parts[p].name_len;

			if (used)
				site_add(&buf, &used, &cap, " < ", 3);
			site_add(&buf, &used, &cap, text, len);
			if (runtime_site_end(text, len))
				return buf;
		}
		shown++;
	}
	return buf;
}

/*
 * Who made the memory of stack id's call, whose code (*by) and by which
 * rule (*rule): see stackfmt.h.
 */
static enum aspace_maker maker_of(struct stackfmt *fmt, const struct stacks *stacks, uint32_t id,
				  const struct runtime_desc **by,
				  const struct runtime_maker_rule **rule)
{
	const uint64_t *frames, *offsets;
	const uint32_t *modules;
	size_t nframes = stacks_get(stacks, id, &frames), caller = 1;
	const struct runtime_desc *rt;
	struct frame_view view = { NULL, NULL, 0 };

	*by = NULL;
	*rule = NULL;
	(void)stacks_get_located(stacks, id, &modules, &offsets);
	if (!nframes || !modules || !offsets)
		return ASPACE_MAKER_UNKNOWN;
	for (size_t i = 0; i < nframes && !*rule; i++) {
		const struct cached *entry =
			frame_of(fmt, frames[i], modules[i], offsets[i], i > 0);
		const struct part *parts = parts_of(fmt, entry);

		for (size_t p = 0; p < entry->nparts && !*rule; p++)
			*rule = runtime_frame_maker(part_text(fmt, &parts[p]), parts[p].name_len,
						    by);
	}
	if (*rule)
		return (*rule)->maker;
	/* The code that called the system call's wrappers (frame 0 makes the call) made it. */
	while (caller < nframes) {
		view = frame_view(fmt, frames, modules, offsets, caller);
		if (!view.name || !runtime_frame_wrapper(view.name, view.name_len))
			break;
		caller++;
	}
	if (caller == nframes)
		return ASPACE_MAKER_UNKNOWN;
	rt = runtime_frame_runtime(view.module, view.name, view.name_len);
	/* A function of its own, no runtime's: the program's (a frame without a name says nothing). */
	if (!rt)
		return view.name ? ASPACE_MAKER_PROGRAM : ASPACE_MAKER_UNKNOWN;
	/* An allocator whose every mapping is its heap: jemalloc's, under any caller. */
	if (!rt->maps_heap)
		return ASPACE_MAKER_UNKNOWN;
	*by = rt;
	return ASPACE_MAKER_HEAP;
}

/* The answers of maker_of() for stack id, asked once. */
static const struct stack_maker *stack_maker(struct stackfmt *fmt, const struct stacks *stacks,
					     uint32_t id)
{
	size_t had = fmt->makers_cap;
	struct stack_maker *known;

	if (id < had && fmt->makers[id].maker_plus1)
		return &fmt->makers[id];
	xgrowarray((void **)&fmt->makers, &fmt->makers_cap, (size_t)id + 1, sizeof(*fmt->makers));
	if (fmt->makers_cap > had)
		memset(fmt->makers + had, 0, (fmt->makers_cap - had) * sizeof(*fmt->makers));
	known = &fmt->makers[id];
	known->maker_plus1 =
		(unsigned char)(maker_of(fmt, stacks, id, &known->by, &known->rule) + 1);
	return known;
}

enum aspace_maker stackfmt_maker(struct stackfmt *fmt, const struct stacks *stacks, uint32_t id)
{
	return (enum aspace_maker)(stack_maker(fmt, stacks, id)->maker_plus1 - 1);
}

const struct runtime_desc *stackfmt_maker_runtime(struct stackfmt *fmt, const struct stacks *stacks,
						  uint32_t id)
{
	return stack_maker(fmt, stacks, id)->by;
}

const struct runtime_maker_rule *stackfmt_maker_part(struct stackfmt *fmt,
						     const struct stacks *stacks, uint32_t id)
{
	const struct stack_maker *known = stack_maker(fmt, stacks, id);

	return known->by && known->rule && known->rule->part ? known->rule : NULL;
}

enum aspace_maker stackfmt_kind_maker(void *fmt_and_stacks, uint32_t stack_id)
{
	const struct stackfmt_maker_ctx *ctx = fmt_and_stacks;

	return stackfmt_maker(ctx->fmt, ctx->stacks, stack_id);
}

const struct runtime_desc *stackfmt_runtime(struct stackfmt *fmt, const struct stacks *stacks,
					    uint32_t id)
{
	const uint64_t *frames, *offsets;
	const uint32_t *modules;
	size_t nframes = stacks_get(stacks, id, &frames), first, wrapper;

	(void)stacks_get_located(stacks, id, &modules, &offsets);
	if (!nframes || !modules || !offsets)
		return NULL;
	first = site_start(fmt, frames, modules, offsets, nframes, &wrapper);
	/* Nothing folded past the wrapper: a stack all of runtimes is the one's past it. */
	if (first == wrapper && wrapper + 1 < nframes &&
	    frame_own(fmt, frames, modules, offsets, wrapper + 1))
		first = wrapper + 1;
	return frame_runtime(fmt, frames, modules, offsets, first);
}
