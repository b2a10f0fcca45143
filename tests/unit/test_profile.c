/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the memory profile (report/profile.c) and its two
 * writers, on models built by hand whose stacks are named as a trace
 * names them (stackfmt_preset): the folded lines, byte for byte, merged
 * across processes of one program, each metric alone; the pprof file
 * unpacked again with zlib and protobuf-c: its samples, values, labels,
 * locations with their inlined functions, functions, mappings and
 * strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <zlib.h>
#include <cmocka.h>

#include "../../report/profile.h"
#include "profile.pb-c.h"

#define PAGE 4096ULL
#define RW (PROT_READ | PROT_WRITE)

struct fixture {
	struct strtab *paths;
	struct stacks *stacks;
	struct modules *mods;
	struct stackfmt *fmt;
	uint32_t lib, prog; /* modules */
	uint32_t stack;	    /* mmap < main, helper inlined into main */
	uint32_t odd_stack; /* a name with a ';' */
	uint64_t seq;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	static const struct srclines_frame mmap_src[] = { { "mmap", NULL, "mmap.c", 12 } };
	static const struct srclines_frame main_src[] = {
		{ "helper", NULL, "prog.c", 7 }, /* inlined into main, at line 7 */
		{ "main", NULL, "prog.c", 20 },
	};
	uint64_t frames[] = { 0x7f0000001010, 0x400123 };
	uint64_t offsets[] = { 0x1010, 0x122 };
	uint64_t odd_frames[] = { 0x7f0000002000 };
	uint64_t odd_offsets[] = { 0x2000 };
	uint32_t modules[2];

	fx->paths = strtab_new();
	fx->stacks = stacks_new();
	fx->mods = modules_new(fx->paths);
	fx->fmt = stackfmt_new(fx->paths, fx->mods);
	fx->lib = modules_add(fx->mods, strtab_intern(fx->paths, "/lib/libc.so.6", 14), "aabbcc");
	fx->prog = modules_add(fx->mods, strtab_intern(fx->paths, "/usr/bin/srv", 12), "ddeeff");
	modules[0] = fx->lib;
	modules[1] = fx->prog;
	fx->stack = stacks_intern_located(fx->stacks, frames, modules, offsets, 2);
	stackfmt_preset(fx->fmt, fx->lib, 0x1010, false, "mmap", 0x10, mmap_src, 1);
	stackfmt_preset(fx->fmt, fx->prog, 0x122, true, "main", 0x22, main_src, 2);
	fx->odd_stack = stacks_intern_located(fx->stacks, odd_frames, modules, odd_offsets, 1);
	stackfmt_preset(fx->fmt, fx->lib, 0x2000, false, "op;erator", 0, NULL, 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	stackfmt_free(fx->fmt);
	modules_free(fx->mods);
	stacks_free(fx->stacks);
	strtab_free(fx->paths);
	free(fx);
	return 0;
}

/* Maps anonymous memory with prot, made by stack (0: at the exec). */
static void map(struct fixture *fx, struct aspace *as, uint64_t addr, uint64_t len,
		unsigned int prot, uint32_t stack)
{
	struct aspace_event ev = { .seq = ++fx->seq,
				   .tid = 42,
				   .stack_id = stack,
				   .kind = stack ? ASPACE_ORIGIN_CALL : ASPACE_ORIGIN_EXEC };
	struct aspace_region tmpl = { .prot = prot };

	aspace_map(as, &ev, addr, len, &tmpl, NULL);
}

/*
 * A process of /usr/bin/srv: 3 pages committed and 16 reserved by the
 * stack, 1 page at the exec, 2 by the odd stack; resident: 2 pages of the
 * committed ones.
 */
static void add_process(struct fixture *fx, struct profile *prof, pid_t pid)
{
	struct aspace *as = aspace_new();
	struct report_proc proc = { .pid = pid, .exe = "/usr/bin/srv" };
	struct mm_usage usage[] = {
		{ .start = 0x10000000, .end = 0x10000000 + 3 * PAGE, .rss = 2 * PAGE },
	};
	struct report_input in = {
		.proc = &proc, .as = as, .paths = fx->paths, .usage = usage, .nusage = 1
	};

	map(fx, as, 0x10000000, 3 * PAGE, RW, fx->stack);
	map(fx, as, 0x20000000, 16 * PAGE, PROT_NONE, fx->stack);
	map(fx, as, 0x30000000, PAGE, PROT_READ, 0);
	map(fx, as, 0x40000000, 2 * PAGE, RW, fx->odd_stack);
	profile_add(prof, &in);
	aspace_free(as);
}

/* The folded stacks of metric, as a string (freed by the caller). */
static char *folded(struct profile *prof, enum profile_metric metric)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(profile_write_folded(prof, out, metric), 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void test_metric_names(void **state)
{
	enum profile_metric m;

	(void)state;
	for (int i = 0; i < PROFILE_NMETRICS; i++) {
		assert_int_equal(
			profile_metric_parse(profile_metric_name((enum profile_metric)i), &m), 0);
		assert_int_equal(m, i);
	}
	assert_int_equal(profile_metric_parse("peak", &m), -1);
	assert_int_equal(profile_metric_parse("", &m), -1);
	assert_string_equal(profile_metric_name(PROFILE_RESIDENT), "resident");
}

/* Outermost first, inlined functions as frames, ';' in a name made ':', zero lines left out. */
static void test_folded_lines(void **state)
{
	struct fixture *fx = *state;
	struct profile *prof = profile_new(fx->fmt, fx->stacks, fx->mods, fx->paths);
	char *text;

	add_process(fx, prof, 100);
	text = folded(prof, PROFILE_COMMITTED);
	/* In the order of the samples: the exec's (no stack) first, then by stack. */
	assert_string_equal(text, "srv;[anonymous];[mapped at exec] 4096\n"
				  "srv;[anonymous];main;helper;mmap 12288\n"
				  "srv;[anonymous];op:erator 8192\n");
	free(text);
	text = folded(prof, PROFILE_RESERVED);
	assert_string_equal(text, "srv;[anonymous];main;helper;mmap 65536\n");
	free(text);
	text = folded(prof, PROFILE_REGIONS);
	assert_string_equal(text, "srv;[anonymous];[mapped at exec] 1\n"
				  "srv;[anonymous];main;helper;mmap 2\n"
				  "srv;[anonymous];op:erator 1\n");
	free(text);
	text = folded(prof, PROFILE_RESIDENT);
	assert_string_equal(text, "srv;[anonymous];main;helper;mmap 8192\n");
	free(text);
	assert_int_equal(profile_total(prof, PROFILE_COMMITTED), 6 * PAGE);
	assert_int_equal(profile_total(prof, PROFILE_RESERVED), 16 * PAGE);
	profile_free(prof);
}

/* Two processes of one program: one line per stack, their sum; pprof keeps them apart. */
static void test_folded_merges_processes(void **state)
{
	struct fixture *fx = *state;
	struct profile *prof = profile_new(fx->fmt, fx->stacks, fx->mods, fx->paths);
	const struct profile_sample *samples;
	char *text;

	add_process(fx, prof, 100);
	add_process(fx, prof, 200);
	text = folded(prof, PROFILE_RESERVED);
	assert_string_equal(text, "srv;[anonymous];main;helper;mmap 131072\n");
	free(text);
	/* Per process: the two regions of the stack (one RW, one PROT_NONE) are one sample. */
	assert_int_equal(profile_samples(prof, &samples), 6);
	assert_int_equal(samples[0].proc, 0);
	assert_int_equal(samples[5].proc, 1);
	assert_int_equal(profile_proc(prof, 1)->pid, 200);
	profile_free(prof);
}

/* Gunzips data[0..len) into a buffer of *out_len bytes, freed by the caller. */
static uint8_t *gunzip(const uint8_t *data, size_t len, size_t *out_len)
{
	size_t cap = 1 << 20;
	uint8_t *buf = malloc(cap);
	z_stream z = { 0 };

	assert_non_null(buf);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = cap - z.avail_out;
	(void)inflateEnd(&z);
	return buf;
}

static const char *str(const Perftools__Profiles__Profile *p, int64_t idx)
{
	assert_true(idx >= 0 && (size_t)idx < p->n_string_table);
	return p->string_table[idx];
}

/* The sample's label with key, or NULL. */
static const char *label(const Perftools__Profiles__Profile *p,
			 const Perftools__Profiles__Sample *s, const char *key)
{
	for (size_t i = 0; i < s->n_label; i++)
		if (!strcmp(str(p, s->label[i]->key), key))
			return str(p, s->label[i]->str);
	return NULL;
}

static void test_pprof(void **state)
{
	struct fixture *fx = *state;
	struct profile *prof = profile_new(fx->fmt, fx->stacks, fx->mods, fx->paths);
	Perftools__Profiles__Profile *p;
	const Perftools__Profiles__Sample *s = NULL;
	const Perftools__Profiles__Location *loc;
	char *gz = NULL;
	size_t gz_len = 0, len;
	uint8_t *raw;
	FILE *out = open_memstream(&gz, &gz_len);

	add_process(fx, prof, 100);
	assert_non_null(out);
	assert_int_equal(profile_write_pprof(prof, out, "memtrace -- srv"), 0);
	assert_int_equal(fclose(out), 0);
	raw = gunzip((const uint8_t *)gz, gz_len, &len);
	p = perftools__profiles__profile__unpack(NULL, len, raw);
	assert_non_null(p);

	assert_string_equal(str(p, 0), "");
	assert_int_equal(p->n_sample_type, 4);
	assert_string_equal(str(p, p->sample_type[0]->type), "regions");
	assert_string_equal(str(p, p->sample_type[0]->unit), "count");
	assert_string_equal(str(p, p->sample_type[2]->type), "committed_bytes");
	assert_string_equal(str(p, p->sample_type[3]->unit), "bytes");
	assert_string_equal(str(p, p->default_sample_type), "committed_bytes");
	assert_int_equal(p->n_comment, 2);
	assert_string_equal(str(p, p->comment[1]), "memtrace -- srv");

	/* Three samples: the stack's, the exec's, the odd stack's. */
	assert_int_equal(p->n_sample, 3);
	for (size_t i = 0; i < p->n_sample; i++)
		if (p->sample[i]->n_location_id == 2)
			s = p->sample[i];
	assert_non_null(s);
	if (!s)
		return;
	assert_int_equal(s->n_value, 4);
	assert_int_equal(s->value[0], 2);
	assert_int_equal(s->value[1], 16 * PAGE);
	assert_int_equal(s->value[2], 3 * PAGE);
	assert_int_equal(s->value[3], 2 * PAGE);
	assert_string_equal(label(p, s, "kind"), "anonymous");
	assert_string_equal(label(p, s, "process"), "srv [100]");
	assert_string_equal(label(p, s, "site"), "mmap < helper < main");
	assert_null(label(p, s, "thread"));

	/* The innermost frame first; the outer one's inlined helper before main. */
	assert_int_equal(p->n_location, 4);
	loc = p->location[s->location_id[0] - 1];
	assert_int_equal(loc->address, 0x7f0000001010);
	assert_int_equal(loc->n_line, 1);
	assert_string_equal(str(p, p->function[loc->line[0]->function_id - 1]->name), "mmap");
	assert_string_equal(str(p, p->function[loc->line[0]->function_id - 1]->filename), "mmap.c");
	assert_int_equal(loc->line[0]->line, 12);
	loc = p->location[s->location_id[1] - 1];
	assert_int_equal(loc->address, 0x400123);
	assert_int_equal(loc->n_line, 2);
	assert_string_equal(str(p, p->function[loc->line[0]->function_id - 1]->name), "helper");
	assert_int_equal(loc->line[0]->line, 7);
	assert_string_equal(str(p, p->function[loc->line[1]->function_id - 1]->name), "main");
	assert_int_equal(loc->line[1]->line, 20);

	/* Mappings: the program first, with its build-id, holding its frame. */
	assert_int_equal(p->n_mapping, 2);
	assert_string_equal(str(p, p->mapping[0]->filename), "/usr/bin/srv");
	assert_string_equal(str(p, p->mapping[0]->build_id), "ddeeff");
	assert_true(p->mapping[0]->has_inline_frames);
	assert_int_equal(p->mapping[0]->memory_start, 0x400000);
	assert_true(p->mapping[0]->memory_limit > 0x400123);
	assert_int_equal(loc->mapping_id, p->mapping[0]->id);
	assert_string_equal(str(p, p->mapping[1]->filename), "/lib/libc.so.6");
	assert_int_equal(p->mapping[1]->memory_start, 0x7f0000000000);

	perftools__profiles__profile__free_unpacked(p, NULL);
	free(raw);
	free(gz);
	profile_free(prof);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metric_names),
		cmocka_unit_test_setup_teardown(test_folded_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folded_merges_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
