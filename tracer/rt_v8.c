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
 * Its memory, by part: the pages its MemoryAllocator maps for the heap's
 * spaces; the code range (CodeRange) and, with pointer compression, the
 * cage (IsolateAllocator) it reserves them in, both through a
 * VirtualMemoryCage, which tells neither apart; the backing stores of
 * ArrayBuffers (BackingStore), which the embedder's allocator (node's
 * NodeArrayBufferAllocator: calloc) makes outside the heap.  Each Worker
 * is an isolate of its own, with parts of its own.
 */
static const struct runtime_maker_rule v8_makers[] = {
	{ "v8::internal::MemoryAllocator::", ASPACE_MAKER_HEAP, "heap pages",
	  "node --max-old-space-size=MiB bounds its old space." },
	{ "v8::internal::CodeRange::", ASPACE_MAKER_HEAP, "code range",
	  "node --jitless reserves none, at the cost of its compiler's speed." },
	{ "v8::internal::IsolateAllocator::", ASPACE_MAKER_HEAP, "pointer cage", NULL },
	{ "v8::internal::BackingStore::", ASPACE_MAKER_HEAP, "array buffers", NULL },
	{ NULL, ASPACE_MAKER_UNKNOWN, NULL, NULL },
};

const struct runtime_desc runtime_v8 = {
	.name = "v8",
	.functions = v8_functions,
	.makers = v8_makers,
	.commit_advice = "V8 keeps its heap's pages committed between collections.\n"
			 "node --max-old-space-size=MiB bounds the old space, "
			 "--max-semi-space-size=MiB the young one.",
};
