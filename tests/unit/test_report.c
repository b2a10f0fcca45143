/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the report (report/report.c) and of the churn counts
 * (report/churn.c), on models built by hand: the kinds and the sites add
 * up to the total, exactly; each finding fires on the pattern it names
 * and stays silent just below its threshold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "../../report/churn.h"
#include "../../report/findings.h"
#include "../../report/report.h"

#define MIB (1ULL << 20)
#define ARENA (64 * MIB)
#define RW (PROT_READ | PROT_WRITE)

struct fixture {
	struct aspace *as;
	struct strtab *paths;
	struct stacks *stacks;
	struct modules *mods;
	struct stackfmt *fmt;
	struct report_proc proc;
	struct churn *churn;
	struct aspace_changes changes;
	uint64_t seq;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->as = aspace_new();
	fx->paths = strtab_new();
	fx->stacks = stacks_new();
	fx->mods = modules_new(fx->paths);
	fx->fmt = stackfmt_new(fx->paths, fx->mods);
	fx->churn = churn_new(1000000);
	fx->proc.pid = 42;
	fx->proc.end.how = NAMES_END_EXITED;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	aspace_free(fx->as);
	stackfmt_free(fx->fmt);
	modules_free(fx->mods);
	stacks_free(fx->stacks);
	strtab_free(fx->paths);
	churn_free(fx->churn);
	aspace_changes_free(&fx->changes);
	free(fx);
	return 0;
}

/* A stack of one frame at pc: each pc is a site of its own. */
static uint32_t site(struct fixture *fx, uint64_t pc)
{
	return stacks_intern(fx->stacks, &pc, 1);
}

static struct aspace_event call(struct fixture *fx, uint32_t stack, uint64_t time_ns)
{
	return (struct aspace_event){ .seq = ++fx->seq,
				      .tid = 42,
				      .stack_id = stack,
				      .kind = ASPACE_ORIGIN_CALL,
				      .time_ns = time_ns };
}

/* mmap of anonymous memory at addr, counted for churn at time_ns. */
static void map(struct fixture *fx, uint64_t addr, uint64_t len, unsigned int prot,
		unsigned int flags, uint32_t stack, uint64_t time_ns)
{
	struct aspace_event ev = call(fx, stack, time_ns);
	struct aspace_region tmpl = { .prot = prot, .flags = flags };

	aspace_changes_reset(&fx->changes);
	aspace_map(fx->as, &ev, addr, len, &tmpl, &fx->changes);
	churn_apply(fx->churn, time_ns, &fx->changes);
}

static void unmap(struct fixture *fx, uint64_t addr, uint64_t len, uint64_t time_ns)
{
	struct aspace_event ev = call(fx, 0, time_ns);

	aspace_changes_reset(&fx->changes);
	aspace_unmap(fx->as, &ev, addr, len, &fx->changes);
	churn_apply(fx->churn, time_ns, &fx->changes);
}

static void protect(struct fixture *fx, uint64_t addr, uint64_t len, unsigned int prot,
		    uint32_t stack)
{
	struct aspace_event ev = call(fx, stack, 0);

	aspace_protect(fx->as, &ev, addr, len, prot, NULL);
}

/* glibc's new_heap: 128 MiB PROT_NONE, the unaligned head and tail trimmed, 132 KiB made RW. */
static void arena(struct fixture *fx, uint64_t aligned, uint32_t stack)
{
	map(fx, aligned - 16 * MIB, 2 * ARENA, PROT_NONE, ASPACE_NORESERVE, stack, 0);
	unmap(fx, aligned - 16 * MIB, 16 * MIB, 0);
	unmap(fx, aligned + ARENA, ARENA - 16 * MIB, 0);
	protect(fx, aligned, 132 * 1024ULL, RW, stack);
}

static struct report *compute(struct fixture *fx, const struct mm_usage *usage, size_t nusage,
			      const struct mallocheap_info *heap)
{
	struct report_input in = { .proc = &fx->proc,
				   .as = fx->as,
				   .paths = fx->paths,
				   .churn = fx->churn,
				   .usage = usage,
				   .nusage = nusage,
				   .heap = heap };
	return report_compute(&in, fx->fmt, fx->stacks);
}

/* The finding named kind (its name in the trace), or NULL. */
static const struct report_finding *finding(const struct report *rep, const char *kind)
{
	for (size_t i = 0; i < rep->nfindings; i++)
		if (!strcmp(findings_name(&rep->findings[i]), kind))
			return &rep->findings[i];
	return NULL;
}

/* The finding named kind, which must be there. */
static const struct report_finding *must_find(const struct report *rep, const char *kind)
{
	static const struct report_finding none = { .site = SIZE_MAX };
	const struct report_finding *f = finding(rep, kind);

	if (!f)
		fail_msg("finding %s did not fire", kind);
	return f ? f : &none;
}

static void check_sums(const struct report *rep, const struct aspace *as)
{
	struct report_amounts kinds = { 0 }, sites = { 0 };

	for (int k = 0; k < ASPACE_KIND_COUNT; k++) {
		kinds.regions += rep->kinds[k].regions;
		kinds.reserved += rep->kinds[k].reserved;
		kinds.committed += rep->kinds[k].committed;
		kinds.resident += rep->kinds[k].resident;
	}
	for (size_t i = 0; i < rep->nsites; i++) {
		sites.regions += rep->sites[i].amounts.regions;
		sites.reserved += rep->sites[i].amounts.reserved;
		sites.committed += rep->sites[i].amounts.committed;
		sites.resident += rep->sites[i].amounts.resident;
	}
	assert_int_equal(rep->total.regions, aspace_count(as));
	assert_int_equal(rep->total.reserved + rep->total.committed, aspace_total(as));
	assert_memory_equal(&kinds, &rep->total, offsetof(struct report_amounts, private_bytes));
	assert_memory_equal(&sites, &rep->total, offsetof(struct report_amounts, private_bytes));
}

/* Arenas: two aligned 64 MiB reservations of malloc's heap code fire; one does not. */
static void test_arenas(void **state)
{
	struct fixture *fx = *state;
	uint32_t by_worker = site(fx, 0x1000);
	const struct report_finding *f;
	struct report *rep;

	arena(fx, 0x7f0000000000ULL, by_worker);
	rep = compute(fx, NULL, 0, NULL);
	assert_int_equal(rep->arenas, 1);
	assert_null(finding(rep, "arenas"));
	check_sums(rep, fx->as);
	report_free(rep);

	arena(fx, 0x7f0010000000ULL, by_worker);
	/* 64 MiB, aligned, but not MAP_NORESERVE: a large malloc'd block, no arena. */
	map(fx, 0x7f0020000000ULL, ARENA, RW, 0, by_worker, 0);
	rep = compute(fx, NULL, 0, NULL);
	assert_int_equal(rep->arenas, 2);
	assert_int_equal(rep->kinds[ASPACE_KIND_ARENA].regions, 4);
	assert_int_equal(rep->kinds[ASPACE_KIND_ARENA].committed, 2 * 132 * 1024);
	assert_int_equal(rep->kinds[ASPACE_KIND_ANON].committed, ARENA);
	f = must_find(rep, "arenas");
	assert_int_equal(f->count, 2);
	assert_int_equal(f->bytes, 2 * ARENA);
	assert_int_equal(f->other, 2 * 132 * 1024);
	assert_int_equal(rep->sites[f->site].arena_bytes, 2 * ARENA);
	/* The trims: 128 MiB mapped per arena, 64 MiB trimmed, 64 MiB kept. */
	assert_int_equal(rep->sites[f->site].churn.mapped_bytes, 5 * ARENA);
	assert_int_equal(rep->sites[f->site].churn.trims, 4);
	assert_int_equal(rep->sites[f->site].churn.trimmed_bytes, 2 * ARENA);
	check_sums(rep, fx->as);
	report_free(rep);
}

/* Thread stacks of exited threads: beyond glibc's 40 MiB cache, a leak. */
static void test_exited_stacks(void **state)
{
	struct fixture *fx = *state;
	uint32_t spawner = site(fx, 0x2000);
	const struct report_finding *f;
	struct report *rep;

	for (int i = 0; i < 10; i++) {
		uint64_t base = 0x7e0000000000ULL + (uint64_t)i * 16 * MIB;

		map(fx, base, 8 * MIB + 4096, PROT_NONE, ASPACE_STACK, spawner, 0);
		protect(fx, base + 4096, 8 * MIB, RW, spawner);
		assert_int_equal(aspace_set_thread(fx->as, base + 4 * MIB, 100 + i), 0);
		/* Four exit: no more than glibc's cache would keep. */
		if (i < 4)
			assert_int_equal(aspace_thread_exited(fx->as, base + 4 * MIB, 100 + i), 0);
	}
	rep = compute(fx, NULL, 0, NULL);
	assert_int_equal(rep->threads_alive, 6);
	assert_int_equal(rep->threads_exited, 4);
	/* The guard pages are the stacks' too. */
	assert_int_equal(rep->kinds[ASPACE_KIND_THREAD_STACK].regions, 20);
	assert_int_equal(rep->kinds[ASPACE_KIND_THREAD_STACK].reserved, 10 * 4096);
	assert_null(finding(rep, "exited_stacks"));
	check_sums(rep, fx->as);
	report_free(rep);

	for (int i = 4; i < 10; i++)
		assert_int_equal(
			aspace_thread_exited(fx->as,
					     0x7e0000000000ULL + (uint64_t)i * 16 * MIB + 4 * MIB,
					     100 + i),
			0);
	rep = compute(fx, NULL, 0, NULL);
	f = must_find(rep, "exited_stacks");
	assert_int_equal(f->count, 10);
	assert_int_equal(f->bytes, 80 * MIB);
	assert_int_equal(f->other, 6); /* at least: 4 of 8 MiB + guard fit in 40 MiB */
	assert_int_equal(rep->sites[f->site].stacks_exited, 10);
	report_free(rep);
}

/* Many threads alive: 256 stacks fire, 255 do not. */
static void test_many_threads(void **state)
{
	struct fixture *fx = *state;
	uint32_t spawner = site(fx, 0xa000);
	const struct report_finding *f;
	struct report *rep;

	for (int i = 0; i < 256; i++) {
		uint64_t base = 0x7d0000000000ULL + (uint64_t)i * MIB;

		map(fx, base, 64 * 1024ULL, RW, ASPACE_STACK, spawner, 0);
		assert_int_equal(aspace_set_thread(fx->as, base + 4096, 1000 + i), 0);
		if (i == 254) {
			rep = compute(fx, NULL, 0, NULL);
			assert_int_equal(rep->threads_alive, 255);
			assert_null(finding(rep, "many_threads"));
			report_free(rep);
		}
	}
	rep = compute(fx, NULL, 0, NULL);
	f = must_find(rep, "many_threads");
	assert_int_equal(f->count, 256);
	assert_int_equal(f->bytes, 256ULL * 64 * 1024);
	assert_int_equal(rep->sites[f->site].stacks_alive, 256);
	report_free(rep);
}

/* Churn: pairs unmapped within the threshold count, later ones do not; 100 fire. */
static void test_churn(void **state)
{
	struct fixture *fx = *state;
	uint32_t churner = site(fx, 0x3000), keeper = site(fx, 0x4000);
	const struct report_finding *f;
	struct report *rep;
	uint64_t now = 0;

	for (int i = 0; i < 99; i++) {
		map(fx, 0x10000000, 65536, RW, 0, churner, now);
		unmap(fx, 0x10000000, 65536, now + 999999);
		map(fx, 0x20000000, 65536, RW, 0, keeper, now);
		unmap(fx, 0x20000000, 65536, now + 1000000);
		now += 10000000;
	}
	rep = compute(fx, NULL, 0, NULL);
	assert_null(finding(rep, "churn"));
	assert_int_equal(churn_site(fx->churn, churner)->short_pairs, 99);
	assert_int_equal(churn_site(fx->churn, keeper)->short_pairs, 0);
	assert_int_equal(churn_site(fx->churn, keeper)->unmaps, 99);
	report_free(rep);

	map(fx, 0x10000000, 65536, RW, 0, churner, now);
	unmap(fx, 0x10000000, 65536, now + 1);
	rep = compute(fx, NULL, 0, NULL);
	f = must_find(rep, "churn");
	assert_int_equal(f->count, 100);
	assert_int_equal(f->bytes, 100 * 65536);
	/* A site that holds nothing any more is still named by its churn. */
	assert_int_equal(rep->sites[f->site].amounts.regions, 0);
	assert_int_equal(rep->sites[f->site].churn.maps, 100);
	report_free(rep);
}

/* A mapping split in two regions (a stack and its guard), unmapped by one call: one unmap, no trim. */
static void test_churn_split(void **state)
{
	struct fixture *fx = *state;
	uint32_t spawner = site(fx, 0xb000);
	const struct churn_site *counted;

	map(fx, 0x40000000, 8 * MIB + 4096, PROT_NONE, ASPACE_STACK, spawner, 0);
	protect(fx, 0x40001000, 8 * MIB, RW, spawner);
	unmap(fx, 0x40000000, 8 * MIB + 4096, 5000000);
	counted = churn_site(fx->churn, spawner);
	assert_non_null(counted);
	assert_int_equal(counted->maps, 1);
	assert_int_equal(counted->trims, 0);
	assert_int_equal(counted->unmaps, 1);
	assert_int_equal(counted->unmapped_bytes, 8 * MIB + 4096);
	/* A real trim: part of a mapping unmapped, the rest kept. */
	map(fx, 0x50000000, 2 * MIB, RW, 0, spawner, 0);
	unmap(fx, 0x50000000, MIB, 0);
	counted = churn_site(fx->churn, spawner);
	assert_int_equal(counted->trims, 1);
	assert_int_equal(counted->trimmed_bytes, MIB);
	assert_int_equal(counted->maps, 2);
}

/* The brk heap: half of it or more in free chunks below the top, 1 MiB or more. */
static void test_heap_pinned(void **state)
{
	struct fixture *fx = *state;
	struct mallocheap_info heap = { .size = 20 * MIB,
					.free_bytes = 10 * MIB,
					.free_chunks = 1,
					.last_used_addr = 0x5000,
					.last_used_size = 1008 };
	const struct report_finding *f;
	struct report *rep;

	rep = compute(fx, NULL, 0, &heap);
	f = must_find(rep, "heap_pinned");
	assert_int_equal(f->bytes, 10 * MIB);
	assert_int_equal(f->other, 20 * MIB);
	report_free(rep);

	heap.free_bytes = 10 * MIB - 4096;
	rep = compute(fx, NULL, 0, &heap);
	assert_null(finding(rep, "heap_pinned"));
	report_free(rep);

	heap.size = heap.free_bytes = MIB - 16;
	rep = compute(fx, NULL, 0, &heap);
	assert_null(finding(rep, "heap_pinned"));
	report_free(rep);
}

/* A reservation never made accessible: 256 MiB and more; any mprotect clears it. */
static void test_never_committed(void **state)
{
	struct fixture *fx = *state;
	uint32_t reserver = site(fx, 0x5000), small = site(fx, 0x6000);
	uint32_t committer = site(fx, 0x7000);
	const struct report_finding *f;
	struct report *rep;

	map(fx, 0x100000000ULL, 1024 * MIB, PROT_NONE, ASPACE_NORESERVE, reserver, 0);
	map(fx, 0x200000000ULL, 255 * MIB, PROT_NONE, ASPACE_NORESERVE, small, 0);
	map(fx, 0x300000000ULL, 512 * MIB, PROT_NONE, ASPACE_NORESERVE, committer, 0);
	protect(fx, 0x300000000ULL, MIB, RW, committer);
	protect(fx, 0x300000000ULL, MIB, PROT_NONE, committer);
	rep = compute(fx, NULL, 0, NULL);
	assert_int_equal(rep->nfindings, 1);
	f = must_find(rep, "never_committed");
	assert_int_equal(f->bytes, 1024 * MIB);
	assert_int_equal(rep->sites[f->site].amounts.reserved, 1024 * MIB);
	check_sums(rep, fx->as);
	report_free(rep);
}

/* Resident bytes go to the region holding them; a range in a gap of the model is told apart. */
static void test_usage_and_deleted(void **state)
{
	struct fixture *fx = *state;
	uint32_t mapper = site(fx, 0x8000);
	struct aspace_event ev = call(fx, mapper, 0);
	struct aspace_region file = { .prot = PROT_READ, .backing = ASPACE_BACKING_FILE };
	struct aspace_region memfd = { .prot = PROT_READ, .backing = ASPACE_BACKING_FILE };
	struct aspace_region kept = { .prot = PROT_READ, .backing = ASPACE_BACKING_FILE };
	const struct report_finding *f;
	struct report *rep;

	file.path = strtab_intern(fx->paths, "/tmp/big.log", 12);
	memfd.path = strtab_intern(fx->paths, "/memfd:jit", 10);
	kept.path = strtab_intern(fx->paths, "/tmp/kept.log", 13);
	aspace_map(fx->as, &ev, 0x8000000, 2 * MIB, &kept, NULL);
	aspace_map(fx->as, &ev, 0x10000000, 2 * MIB, &file, NULL);
	aspace_map(fx->as, &ev, 0x20000000, 2 * MIB, &memfd, NULL);
	map(fx, 0x30000000, MIB, RW, 0, mapper, 0);
	{
		const struct mm_usage usage[] = {
			{ 0x8000000, 0x8200000, 0, 0, 0, false },
			{ 0x10000000, 0x10200000, MIB, MIB / 2, 0, true },
			{ 0x20000000, 0x20200000, 4096, 4096, 0, true },
			{ 0x28000000, 0x28001000, 4096, 4096, 0, false }, /* in no region */
			{ 0x30000000, 0x30100000, 8192, 8192, 4096, false },
		};

		rep = compute(fx, usage, 5, NULL);
	}
	assert_int_equal(rep->total.resident, MIB + 4096 + 8192);
	assert_int_equal(rep->total.private_bytes, MIB / 2 + 4096 + 8192);
	assert_int_equal(rep->total.swap, 4096);
	assert_int_equal(rep->unattributed_rss, 4096);
	assert_int_equal(rep->kinds[ASPACE_KIND_FILE].resident, MIB + 4096);
	assert_int_equal(rep->kinds[ASPACE_KIND_ANON].resident, 8192);
	f = must_find(rep, "deleted_files");
	assert_int_equal(f->count, 1); /* kept.log is not deleted; a memfd is no file on a disk */
	assert_int_equal(f->bytes, 2 * MIB);
	assert_int_equal(f->other, MIB);
	check_sums(rep, fx->as);
	report_free(rep);
}

/* Nothing unusual: no finding at all. */
static void test_clean(void **state)
{
	struct fixture *fx = *state;
	uint32_t mapper = site(fx, 0x9000);
	struct report *rep;

	map(fx, 0x10000000, MIB, RW, 0, mapper, 0);
	map(fx, 0x20000000, 4096, PROT_NONE, 0, mapper, 0);
	rep = compute(fx, NULL, 0, NULL);
	assert_int_equal(rep->nfindings, 0);
	assert_int_equal(rep->nsites, 1);
	assert_int_equal(rep->sites[0].amounts.regions, 2);
	check_sums(rep, fx->as);
	report_free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arenas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exited_stacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heap_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_committed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_and_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
