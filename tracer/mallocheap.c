/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * glibc's main malloc heap: see mallocheap.h.
 *
 * The walk steps from size word to size word and reads the tracee a
 * window at a time: a densely used heap is read once, 64 KiB a read (a
 * heap of 1 GiB in 5 million chunks: 16,000 reads, a quarter of a
 * second), and one huge free chunk is stepped over without reading it.
 * Every size is checked before it is trusted: a bad one ends the walk
 * with -EINVAL instead of sending it off into other memory.
 */
#include "mallocheap.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "memread.h"

#define MALLOC_ALIGNMENT 16ULL
#define MINSIZE 32ULL
#define PREV_INUSE 0x1ULL
#define IS_MMAPPED 0x2ULL
#define NON_MAIN_ARENA 0x4ULL
#define SIZE_BITS (PREV_INUSE | IS_MMAPPED | NON_MAIN_ARENA)

#define WINDOW_BYTES (64UL * 1024)

/* The tracee's bytes [start, start + len), read last. */
struct window {
	pid_t pid;
	uint64_t start;
	size_t len;
	unsigned char buf[WINDOW_BYTES];
};

/*
 * Reads the size word of the chunk at addr, whose header the caller
 * checked lies below end.  The walk only goes forwards: a window starts
 * at the word that was not in the last one.
 */
static int read_size_word(struct window *win, uint64_t addr, uint64_t end, uint64_t *word)
{
	uint64_t at = addr + sizeof(uint64_t); /* past mchunk_prev_size */

	if (at + sizeof(*word) > win->start + win->len) {
		size_t len = end - at < WINDOW_BYTES ? (size_t)(end - at) : WINDOW_BYTES;
		int err = memread(win->pid, at, win->buf, len);

		if (err)
			return err;
		win->start = at;
		win->len = len;
	}
	memcpy(word, win->buf + (at - win->start), sizeof(*word));
	return 0;
}

int mallocheap_walk(pid_t pid, uint64_t heap_start, uint64_t heap_top, uint64_t max_chunks,
		    struct mallocheap_info *info)
{
	/* sysmalloc's front_misalign correction: the first chunk is aligned. */
	uint64_t addr = (heap_start + MALLOC_ALIGNMENT - 1) & ~(MALLOC_ALIGNMENT - 1);
	uint64_t prev_addr = 0, prev_size = 0;
	struct window win;

	memset(info, 0, sizeof(*info));
	if (heap_start == heap_top)
		return 0;
	if (heap_start > heap_top || addr < heap_start || addr >= heap_top)
		return -EINVAL;
	win.pid = pid;
	win.start = 0;
	win.len = 0;
	info->size = heap_top - addr;
	while (addr < heap_top) {
		uint64_t word, size;
		int err;

		if (info->chunks == max_chunks)
			return -E2BIG;
		if (heap_top - addr < MINSIZE)
			return -EINVAL;
		err = read_size_word(&win, addr, heap_top, &word);
		if (err)
			return err;
		size = word & ~SIZE_BITS;
		if ((word & (IS_MMAPPED | NON_MAIN_ARENA)) || size < MINSIZE ||
		    size % MALLOC_ALIGNMENT || size > heap_top - addr)
			return -EINVAL;
		if (info->chunks == 0) {
			/*
			 * "The first chunk allocated always has this bit set,
			 * preventing access to non-existent (or non-owned)
			 * memory" (malloc.c): a cheap check that this is one.
			 */
			if (!(word & PREV_INUSE))
				return -EINVAL;
		} else if (!(word & PREV_INUSE)) {
			info->free_bytes += prev_size;
			info->free_chunks++;
			if (prev_size > info->largest_free)
				info->largest_free = prev_size;
		} else {
			info->last_used_addr = prev_addr;
			info->last_used_size = prev_size;
		}
		info->chunks++;
		prev_addr = addr;
		prev_size = size;
		addr += size;
	}
	/* The loop ends exactly at heap_top: no size ran past it. */
	info->top_size = prev_size;
	return 0;
}
