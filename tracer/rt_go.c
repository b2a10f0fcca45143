/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Go runtime (runtime.h): linked into every Go program, its functions
 * named runtime.* (and runtime/internal/..., internal/runtime/... in newer
 * releases); with cgo, its memory calls go through x_cgo_mmap and the
 * _cgo_* glue; the syscall package is its system calls' wrapper.  A site
 * starts at the function of theirs the program's code called
 * (runtime.mallocgc, runtime.newstack, syscall.Mmap) and ends at
 * main.main.
 */
#include "runtime.h"

static const char *const go_functions[] = {
	"runtime.", "runtime/internal/", "internal/runtime/", "x_cgo_", "_cgo_", "syscall.", NULL,
};
static const char *const go_site_ends[] = { "main.main", NULL };

/* Its system calls' wrappers: the program's own mmap through them is the program's. */
static const char *const go_wrappers[] = {
	"syscall.",
	"golang.org/x/sys/unix.",
	"runtime/internal/syscall.",
	"internal/runtime/syscall.",
	NULL,
};

/*
 * The heap's arenas are reserved and mapped by the mheap's methods
 * (runtime/mheap.go: (*mheap).sysAlloc, (*mheap).grow); an OS thread's
 * stack is taken from the heap, so the region holding it is the heap's.
 */
static const struct runtime_maker_rule go_makers[] = {
	{ "runtime.(*mheap).", ASPACE_MAKER_HEAP, "heap arenas",
	  "GOMEMLIMIT bounds what of it is committed." },
	{ NULL, ASPACE_MAKER_UNKNOWN, NULL, NULL },
};

const struct runtime_desc runtime_go = {
	.name = "go",
	.functions = go_functions,
	.wrappers = go_wrappers,
	.site_ends = go_site_ends,
	.makers = go_makers,
	/* runtime/debug and the GC guide: GOGC, GOMEMLIMIT, the scavenger. */
	.commit_advice = "the Go runtime never unmaps its heap; its scavenger returns freed "
			 "pages with madvise in the background.\n"
			 "GOMEMLIMIT bounds the heap; GOGC=50 collects sooner; "
			 "debug.FreeOSMemory() returns freed pages at once.",
};
