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
 * The Java heap: reserved by ReservedHeapSpace, committed by the
 * collector's virtual space (G1's G1PageBasedVirtualSpace, Parallel's
 * PSVirtualSpace), each commit a new mapping over the reservation.
 */
static const struct runtime_maker_rule hotspot_makers[] = {
	{ "ReservedHeapSpace::", ASPACE_MAKER_HEAP },
	{ "G1PageBasedVirtualSpace::", ASPACE_MAKER_HEAP },
	{ "PSVirtualSpace::", ASPACE_MAKER_HEAP },
	{ NULL, ASPACE_MAKER_UNKNOWN },
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
