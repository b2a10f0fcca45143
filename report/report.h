/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The report: one process's address space by kind and by originating
 * site, reserved (PROT_NONE) vs committed (accessible) vs resident, the
 * map/unmap churn by site, and findings that name a cause and what to do
 * (docs/design.md, "What it is for").
 *
 * Computed from the model, the stack table and what the run counted
 * (report/churn.h), with the resident figures read at the end
 * (tracer/mm.h, mm_usage) -- never from /proc or ptrace here, so that a
 * saved trace replayed through the same model prints the same report.
 *
 *   memtrace: [4242] ./server: 53 memory calls (mmap 19, ...); exited with 0
 *     VSZ 560 MiB (peak 688 MiB): 511.4 MiB reserved, 48.6 MiB committed; ...
 *     by kind ...   by site ...   churn ...   findings ...
 */
#ifndef MEMTRACE_REPORT_H
#define MEMTRACE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../tracer/aspace.h"
#include "../tracer/runtime.h"
#include "../tracer/mallocheap.h"
#include "../tracer/mm.h"
#include "../tracer/strtab.h"
#include "../tracer/sysdecode.h"
#include "../unwind/stacks.h"
#include "churn.h"
#include "names.h"
#include "stackfmt.h"

/*
 * What the report reads of a process.  The live run fills it from the
 * engine's process (tracer/session.c), the trace reader from the trace's
 * lines (report/traceread.c): the report never sees the engine's
 * bookkeeping, and a trace needs none to be reported.
 */
struct timeline;

struct report_proc {
	pid_t pid;
	const char *exe;  /* the program it runs; NULL: not known; borrowed */
	const char *name; /* its argv[0], as the user ran it; NULL: not known; borrowed */
	uint64_t calls[SYSDECODE_NKINDS]; /* finished memory calls by kind */
	uint64_t failed;		  /* of which returned an error */
	unsigned int threads;		  /* live now (the --interval line); 0 in a trace */
	struct names_ending end;
};

/* What the report of one process is made from; all borrowed. */
struct report_input {
	const struct report_proc *proc; /* pid, program, calls by kind, how it ended */
	const struct aspace *as;
	const struct strtab *paths;
	const struct churn *churn; /* NULL: not counted */
	/* The resident figures, by range of the model (mm_usage); NULL: not known. */
	const struct mm_usage *usage;
	size_t nusage;
	const struct mallocheap_info *heap; /* the brk heap's chunks; NULL: not walked */
	bool verify;			    /* --verify ran: print mismatches */
	uint64_t mismatches;
	/* The sizes and peaks, when not the model's own (a model restored from a trace). */
	const struct aspace_sizes *sizes;
	bool cut; /* a process its trace ends before: the resident figures are missing for that */
	/* Its sizes over the run, and when it was reported; NULL: not kept (the live report). */
	const struct timeline *timeline;
	uint64_t time_ns;
};

/* What counts as short-lived when not told (--churn-ms): 1 ms. */
#define REPORT_CHURN_NS_DEFAULT 1000000ULL

struct report_options {
	size_t top;	   /* sites shown (--top) */
	uint64_t churn_ns; /* what counts as short-lived (--churn-ms) */
	/*
	 * The columns every line fits in, a terminal's width: prose wrapped at
	 * its words, sites at their frames, a name too long for a line elided
	 * in its middle (report/textfit.h).  0: no limit, for a file or a pipe:
	 * nothing cut, nothing wrapped.  The tables' figures take 62 columns
	 * whatever the width.
	 */
	size_t width;
	bool utf8; /* the output's character set is UTF-8: "…" elides, else "..." */
};

/* Bytes of a set of regions. */
struct report_amounts {
	uint64_t regions;
	uint64_t reserved;  /* PROT_NONE */
	uint64_t committed; /* accessible */
	uint64_t resident;
	uint64_t private_bytes; /* of resident, mapped by this process alone */
	uint64_t swap;
};

/* to += from, member by member. */
void report_amounts_add(struct report_amounts *to, const struct report_amounts *from);

/* The regions made by one site, and what the site did over the run. */
struct report_site {
	uint32_t text; /* its name (report->texts): frames, or "[at exec]"... */
	struct report_amounts amounts;
	uint32_t prot_text; /* the site that last changed the protection, if another; 0: none */
	struct churn_site churn;
	uint64_t arena_bytes;	     /* of its bytes, in glibc arenas */
	uint64_t stacks_alive;	     /* thread stacks it made, of live threads */
	uint64_t stacks_exited;	     /* and of exited ones */
	uint64_t exited_stack_bytes; /* their bytes */
	bool never_committed;	     /* only PROT_NONE, never re-protected */
	/* Of amounts, its committed private anonymous memory and brk heap. */
	struct report_amounts anon;
	/*
	 * Whose memory it is: the allocator or runtime that made it
	 * (stackfmt_maker_runtime()), else the one the program called into
	 * (stackfmt_runtime()); NULL: the program's own, or not known.
	 */
	const struct runtime_desc *runtime;
	/*
	 * The part of a runtime's memory it made (stackfmt_maker_part(): the
	 * JVM's code cache), and whose runtime's; NULL: none.
	 */
	const struct runtime_maker_rule *part;
	const struct runtime_desc *part_runtime;
	/* The kind of its largest region + 1 (0: it holds none, all unmapped), and its size. */
	unsigned int kind_plus1;
	uint64_t largest;
};

/* An entry of the table of findings (report/findings.c). */
struct findings_entry;

/* One finding: the figures its kind reads (each entry of the table says what they are). */
struct report_finding {
	const struct findings_entry *kind;
	uint64_t count;
	uint64_t bytes;
	uint64_t other;
	size_t site;			       /* index in report->sites; SIZE_MAX: none */
	const struct runtime_desc *runtime;    /* the runtime it is of, or NULL */
	const struct runtime_maker_rule *part; /* the part of it, or NULL */
};

#define REPORT_MAX_FINDINGS 16
#define REPORT_MAX_PARTS 16
#define REPORT_MAX_THREAD_NAMES 32

struct report {
	struct aspace_sizes sizes;
	struct report_amounts total; /* of every region */
	uint64_t unattributed_rss;   /* resident bytes in ranges the model does not have */
	bool have_usage;
	struct report_amounts kinds[ASPACE_KIND_COUNT];
	/*
	 * What madvise released (DONTNEED, FREE...), by the kind of the site
	 * that made the memory (its largest region's), bytes and calls; the
	 * last place: of sites that hold nothing now.
	 */
	uint64_t released_bytes[ASPACE_KIND_COUNT + 1];
	uint64_t releases[ASPACE_KIND_COUNT + 1];
	uint64_t arenas; /* arena windows (tracer/runtime.h) */
	/*
	 * The runtime heap regions by runtime and part (its maker's rule:
	 * the JVM's code cache), in the order first seen; the first
	 * REPORT_MAX_PARTS.
	 */
	struct report_part {
		const struct runtime_desc *runtime; /* NULL: not known */
		const struct runtime_maker_rule
			*rule; /* its part (rule->part); NULL: its heap at large */
		struct report_amounts amounts;
	} parts[REPORT_MAX_PARTS];
	size_t nparts;
	uint64_t threads_alive, threads_exited;
	/*
	 * The thread stacks by their threads' names, a run of digits at the
	 * end of a name a '*' ("worker-*", "G1 Refine#*"): the first
	 * REPORT_MAX_THREAD_NAMES names seen.
	 */
	struct report_thread_name {
		char name[ASPACE_THREAD_NAME_MAX + 1];
		uint64_t alive, exited;
	} thread_names[REPORT_MAX_THREAD_NAMES];
	size_t nthread_names;
	uint64_t exited_stack_bytes;
	uint64_t deleted_regions, deleted_bytes, deleted_rss;
	uint32_t deleted_path;	   /* one of them (paths) */
	struct report_site *sites; /* largest (reserved + committed) first */
	size_t nsites;
	struct report_finding findings[REPORT_MAX_FINDINGS];
	size_t nfindings;
	struct strtab *texts; /* site names */
};

/*
 * Computes the report of one process.  fmt and stacks name the sites.
 * Returns it, owned by the caller (report_free).
 */
struct report *report_compute(const struct report_input *in, struct stackfmt *fmt,
			      const struct stacks *stacks);
/* Frees it.  Accepts NULL. */
void report_free(struct report *rep);

/*
 * Calls fn with each region of in's model, in address order, with its
 * kind and its amounts as report_compute() counts them (its resident
 * figures from in->usage; fmt and stacks say who made it, for its kind).
 */
typedef void report_region_fn(void *arg, const struct aspace_region *region, enum aspace_kind kind,
			      const struct report_amounts *amounts);
void report_each_region(const struct report_input *in, struct stackfmt *fmt,
			const struct stacks *stacks, report_region_fn *fn, void *arg);

/*
 * The name of the site of origin, as the report's table of sites shows it
 * ("malloc < worker < start_thread", "[at exec]").  Owned by the caller
 * (free()).
 */
char *report_site_name(struct stackfmt *fmt, const struct stacks *stacks,
		       const struct aspace_event *origin);

/* The site names of stacks, each made once: zeroed to start, report_site_cache_free() to end. */
struct report_site_cache {
	uint32_t *by_stack; /* stack id -> its name's id in names + 1; 0: not made yet */
	size_t cap;
};

/* report_site_name() of origin, interned in names (once per stack id). */
uint32_t report_site_cached(struct report_site_cache *cache, struct strtab *names,
			    struct stackfmt *fmt, const struct stacks *stacks,
			    const struct aspace_event *origin);
void report_site_cache_free(struct report_site_cache *cache);

/*
 * Writes it to out, as text, at most opts->top sites.  rep NULL: a process
 * without a model (memtrace could not follow its memory), its summary
 * line alone.
 */
void report_print(FILE *out, const struct report *rep, const struct report_input *in,
		  const struct report_options *opts);

/*
 * --interval: one line of growth, "memtrace: 12.0s [4242] VSZ 1.2 GiB
 * (+64 MiB), 1 GiB reserved, 200 MiB committed, RSS 54 MiB, heap 4 MiB,
 * 12 threads, 3400 calls".  prev_vsz is the VSZ of the previous line.
 */
void report_interval_line(FILE *out, const struct report_input *in, uint64_t time_ns, uint64_t rss,
			  uint64_t prev_vsz);

#endif /* MEMTRACE_REPORT_H */
