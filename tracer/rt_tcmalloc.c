/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gperftools' tcmalloc as an allocator (runtime.h): its libraries
 * (libtcmalloc.so.4, libtcmalloc_minimal.so.4 and their _debug and
 * _and_profiler forms), or its code linked into the program: the
 * tcmalloc namespace, TCMalloc_SystemAlloc and the system allocators it
 * grows the heap with (src/system-alloc.cc: sbrk first, then mmap).
 */
#include "runtime.h"

static const char *const tcmalloc_modules[] = { "libtcmalloc", NULL };
static const char *const tcmalloc_functions[] = {
	"tcmalloc::",
	"TCMalloc_",
	"SbrkSysAllocator::",
	"MmapSysAllocator::",
	"DefaultSysAllocator::",
	NULL,
};

const struct runtime_desc runtime_tcmalloc = {
	.name = "tcmalloc",
	.modules = tcmalloc_modules,
	.functions = tcmalloc_functions,
	.maps_heap = true,
	/* gperftools' docs/tcmalloc.html: TCMALLOC_RELEASE_RATE. */
	.commit_advice = "tcmalloc never unmaps its heap; it returns free spans' pages with "
			 "madvise, at TCMALLOC_RELEASE_RATE (1 by default).\n"
			 "TCMALLOC_RELEASE_RATE=10 returns them sooner; "
			 "MallocExtension::instance()->ReleaseFreeMemory() at once.",
};
