/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * V8, as node and Chromium link it (runtime.h): its platform layer
 * (v8::base::OS, v8::base::PageAllocator, v8::base::VirtualAddressSpace)
 * maps and commits pages for the heap that v8::internal manages: that
 * layer is folded into the call V8's heap made.
 */
#include "runtime.h"

static const char *const v8_functions[] = { "v8::base::", NULL };

/*
 * Its heap: the pages its MemoryAllocator maps for the spaces, the code
 * range and the pointer-compression cage it reserves them in.
 */
static const struct runtime_maker_rule v8_makers[] = {
	{ "v8::internal::MemoryAllocator::", ASPACE_MAKER_HEAP },
	{ "v8::internal::CodeRange::", ASPACE_MAKER_HEAP },
	{ "v8::internal::VirtualMemoryCage::", ASPACE_MAKER_HEAP },
	{ NULL, ASPACE_MAKER_UNKNOWN },
};

const struct runtime_desc runtime_v8 = {
	.name = "v8",
	.functions = v8_functions,
	.makers = v8_makers,
	.commit_advice = "V8 keeps its heap's pages committed between collections.\n"
			 "node --max-old-space-size=MiB bounds the old space, "
			 "--max-semi-space-size=MiB the young one.",
};
