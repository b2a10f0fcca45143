/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HotSpot JVM (runtime.h): libjvm.so is the program that matters to
 * a Java service's memory, so its frames stay; its operating-system
 * layer (os::commit_memory, os::pd_reserve_memory...) is folded into the
 * call the JVM made.  Its threads start at thread_native_entry, the
 * launcher's main thread at JavaMain.
 */
#include "runtime.h"

static const char *const hotspot_functions[] = { "os::", NULL };

/*
 * Its memory, by the parts its Native Memory Tracking tells apart, each
 * reserved whole at start and committed piece by piece (a new mapping
 * over the reservation each time):
 *   - the Java heap: reserved by ReservedHeapSpace, committed by the
 *     collector's virtual space (G1's G1PageBasedVirtualSpace, which
 *     commits its tables too; Parallel's PSVirtualSpace);
 *   - the compressed class space: reserved by Metaspace (by
 *     CompressedKlassPointers in newer releases), beside the CDS archive;
 *   - the metaspace: its nodes (metaspace::VirtualSpaceNode) reserve and
 *     commit it, the class space's pages too;
 *   - the code cache: ReservedCodeSpace, grown by its CodeHeaps.
 */
static const struct runtime_maker_rule hotspot_makers[] = {
	{ "ReservedHeapSpace::", ASPACE_MAKER_HEAP, "java heap", "-Xmx bounds it." },
	{ "G1PageBasedVirtualSpace::", ASPACE_MAKER_HEAP, "java heap", "-Xmx bounds it." },
	{ "PSVirtualSpace::", ASPACE_MAKER_HEAP, "java heap", "-Xmx bounds it." },
	{ "Metaspace::reserve_address_space_for_compressed_classes", ASPACE_MAKER_HEAP,
	  "class space", "-XX:CompressedClassSpaceSize bounds it." },
	{ "CompressedKlassPointers::", ASPACE_MAKER_HEAP, "class space",
	  "-XX:CompressedClassSpaceSize bounds it." },
	{ "metaspace::VirtualSpaceNode::", ASPACE_MAKER_HEAP, "metaspace",
	  "-XX:MaxMetaspaceSize bounds it." },
	{ "ReservedCodeSpace::", ASPACE_MAKER_HEAP, "code cache",
	  "-XX:ReservedCodeCacheSize bounds it." },
	{ "CodeHeap::", ASPACE_MAKER_HEAP, "code cache", "-XX:ReservedCodeCacheSize bounds it." },
	{ NULL, ASPACE_MAKER_UNKNOWN, NULL, NULL },
};
static const char *const hotspot_site_ends[] = { "thread_native_entry", "JavaMain", NULL };

const struct runtime_desc runtime_hotspot = {
	.name = "hotspot",
	.functions = hotspot_functions,
	.site_ends = hotspot_site_ends,
	.makers = hotspot_makers,
	/* Its code cache, metaspace and collector's tables alone commit 100 MiB or more. */
	.commit_min = 256ULL << 20,
	.commit_advice = "the JVM commits its heap to -Xms at start, pages it has not touched "
			 "yet, and keeps what it grows to, up to -Xmx.\n"
			 "Lower -Xms and -Xmx; -XX:MaxMetaspaceSize, -XX:ReservedCodeCacheSize and "
			 "-Xss (per thread) bound the rest.",
};
