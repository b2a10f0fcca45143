/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stack capture: see unwinder.h.
 *
 * libunwind calls the accessors with the arg given to unw_init_remote,
 * except inside _UPT_find_proc_info, which searches the unwind table with
 * its own UPT context as arg (libunwind 1.6, src/ptrace/_UPT_find_proc_info.c
 * -> dwarf_search_unwind_table).  So the accessors ignore arg and use the
 * walk in progress: memtrace is single-threaded and walks one stack at a time.
 */
#include "unwinder.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <stdlib.h>

#include <libunwind-ptrace.h>

#include "memread.h"
#include "sigmask.h"
#include "util.h"

/* The top of the stack copied at each walk: enough for most call chains. */
#define STACK_COPY 32768
#define PAGE_CACHE 8
/*
 * The largest block the cache reads at once: a whole base page where
 * pages are smaller (4 KiB on x86), 16 KiB blocks of larger ones.  A block
 * aligned on its size never straddles a page: page sizes are powers of two.
 */
#define BLOCK_MAX 16384ULL

struct unwinder {
	unw_addr_space_t as;
	void *upt; /* _UPT_create(pid): finds unwind tables for the _UPT helpers */
	pid_t pid;
};

/* The walk in progress. */
static struct walk {
	struct unwinder *unw;
	pid_t tid;
	const struct arch_regs *regs;
	uint64_t stack_base; /* [stack_base, stack_base + stack_len) copied in stack */
	size_t stack_len;
	unsigned char stack[STACK_COPY];
	uint64_t block; /* the bytes of each cached block: the page size, at most BLOCK_MAX */
	struct {
		uint64_t addr; /* block address + 1; 0 for empty */
		unsigned char data[BLOCK_MAX];
	} pages[PAGE_CACHE];
} walk;

/* The accessors' signatures are libunwind's (unw_accessors_t): no const to add. */
/* NOLINTBEGIN(readability-non-const-parameter) */
static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi, int need,
			  void *arg)
{
	(void)arg;
	return _UPT_find_proc_info(as, ip, pi, need, walk.unw->upt);
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	(void)arg;
	_UPT_put_unwind_info(as, pi, walk.unw->upt);
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	(void)arg;
	return _UPT_get_dyn_info_list_addr(as, addr, walk.unw->upt);
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	uint64_t page = addr & ~(walk.block - 1);
	unsigned int slot;

	(void)as;
	(void)arg;
	if (write)
		return -UNW_EINVAL;
	if (addr >= walk.stack_base && addr + sizeof(*val) <= walk.stack_base + walk.stack_len) {
		memcpy(val, walk.stack + (addr - walk.stack_base), sizeof(*val));
		return 0;
	}
	if (addr + sizeof(*val) > page + walk.block) {
		/* Straddles two pages: read it whole. */
		return memread(walk.tid, addr, val, sizeof(*val)) == 0 ? 0 : -UNW_EINVAL;
	}
	slot = (unsigned int)(page / walk.block) % PAGE_CACHE;
	if (walk.pages[slot].addr != page + 1) {
		if (memread(walk.tid, page, walk.pages[slot].data, walk.block) != 0)
			return memread(walk.tid, addr, val, sizeof(*val)) == 0 ? 0 : -UNW_EINVAL;
		walk.pages[slot].addr = page + 1;
	}
	memcpy(val, walk.pages[slot].data + (addr - page), sizeof(*val));
	return 0;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	uint64_t value;

	(void)as;
	(void)arg;
	if (write)
		return -UNW_EREADONLYREG;
	/* libunwind numbers the registers as the psABI's DWARF mapping does. */
	if (arch_regs_unwind(walk.regs, reg, &value) < 0)
		return -UNW_EBADREG;
	*val = value;
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
			void *arg)
{
	(void)as;
	(void)reg;
	(void)val;
	(void)write;
	(void)arg;
	return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *cursor, void *arg)
{
	(void)as;
	(void)cursor;
	(void)arg;
	return -UNW_EINVAL;
}

/* Names come from symbols.c, never from here (libunwind 1.6 gets them wrong, slowly). */
static int get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len,
			 unw_word_t *offset, void *arg)
{
	(void)as;
	(void)addr;
	(void)buf;
	(void)len;
	(void)offset;
	(void)arg;
	return -UNW_ENOINFO;
}

/* NOLINTEND(readability-non-const-parameter) */

static unw_accessors_t accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
	.get_proc_name = get_proc_name,
};

struct unwinder *unwinder_new(pid_t pid)
{
	struct unwinder *unw = xcalloc(1, sizeof(*unw));

	unw->pid = pid;
	unw->as = unw_create_addr_space(&accessors, 0);
	unw->upt = _UPT_create(pid);
	if (!unw->as || !unw->upt) {
		unwinder_free(unw);
		return NULL;
	}
	(void)unw_set_caching_policy(unw->as, UNW_CACHE_GLOBAL);
	return unw;
}

void unwinder_free(struct unwinder *unw)
{
	if (!unw)
		return;
	if (unw->as)
		unw_destroy_addr_space(unw->as);
	if (unw->upt)
		_UPT_destroy(unw->upt);
	free(unw);
}

void unwinder_flush(struct unwinder *unw)
{
	unw_flush_cache(unw->as, 0, 0);
	/* The _UPT context keeps the last ELF image it mapped: start afresh. */
	_UPT_destroy(unw->upt);
	unw->upt = _UPT_create(unw->pid);
	if (!unw->upt)
		die("libunwind: cannot recreate the ptrace context of %d", (int)unw->pid);
}

int unwinder_walk(struct unwinder *unw, pid_t tid, const struct arch_regs *regs, uint64_t *ips,
		  size_t max)
{
	unw_cursor_t cursor;
	size_t count = 0;
	uint64_t sp = arch_regs_sp(regs);

	if (!max)
		return -EFAULT;
	walk.unw = unw;
	walk.tid = tid;
	walk.regs = regs;
	walk.block = min_u64(page_size(), BLOCK_MAX);
	for (unsigned int i = 0; i < PAGE_CACHE; i++)
		walk.pages[i].addr = 0;
	/* One read for the top of the stack; less where the stack ends sooner. */
	walk.stack_base = sp;
	{
		ssize_t got = memread_upto(tid, sp, walk.stack, STACK_COPY);

		walk.stack_len = got > 0 ? (size_t)got : 0;
	}
	ips[count++] = arch_regs_pc(regs);
	unwind_sigmask_begin();
	if (unw_init_remote(&cursor, unw->as, unw) < 0) {
		unwind_sigmask_end();
		return (int)count;
	}
	while (count < max && unw_step(&cursor) > 0) {
		unw_word_t ip;

		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		ips[count++] = ip;
	}
	unwind_sigmask_end();
	return (int)count;
}
