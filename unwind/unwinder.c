/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stack capture: see unwinder.h.
 *
 * find_proc_info is memtrace's own (perf's util/unwind-libunwind-local.c
 * does the same): the frame's mapping in the model, its module, the
 * module's table (unwind/cfi.h), searched here.  The FDE found is handed
 * to libunwind's dwarf_search_unwind_table() as a table of one entry,
 * at an address no user mapping can have (FOUND_ENTRY); libunwind then
 * parses the FDE and its CIE through access_mem, which serves them from
 * the module's copy of .eh_frame.  A walk neither maps files nor reads
 * /proc: the walk's own cost is the stack copy and libunwind's parsing.
 *
 * libunwind calls the accessors with the arg given to unw_init_remote;
 * they use the walk in progress instead: memtrace is single-threaded and
 * walks one stack at a time.
 */
#include "unwinder.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <stdlib.h>

#include <libunwind.h>

#include "cfi.h"
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

/*
 * Where the table of one entry handed to libunwind lies: in the kernel's
 * half of the address space, which no user mapping reaches (x86_64 and
 * aarch64 alike).  8-aligned: libunwind reads aligned words.
 */
#define FOUND_ENTRY 0xfff0000000000000ULL

/* libunwind's own, exported but not declared by its headers (perf declares it too). */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
					      unw_dyn_info_t *di, unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

_Static_assert(sizeof(unw_word_t) == 8, "the entry handed to libunwind is one word");

struct unwinder {
	unw_addr_space_t as;
};

/* The walk in progress. */
static struct walk {
	struct unwinder *unw;
	pid_t tid;
	const struct arch_regs *regs;
	const struct aspace *as; /* the process's model */
	struct modules *mods;
	/* The table of the last frame found: its .eh_frame is read from there. */
	const struct cfi *cfi;
	uint64_t bias;	     /* its load bias: address in the process - address in the file */
	uint64_t entry;	     /* the table of one entry, at FOUND_ENTRY */
	uint64_t stack_base; /* [stack_base, stack_base + stack_len) copied in stack */
	size_t stack_len;
	unsigned char stack[STACK_COPY];
	uint64_t block; /* the bytes of each cached block: the page size, at most BLOCK_MAX */
	struct {
		uint64_t addr; /* block address + 1; 0 for empty */
		unsigned char data[BLOCK_MAX];
	} pages[PAGE_CACHE];
} walk;

/*
 * The FDE for ip, in the module mapped there: sets walk.cfi, walk.bias
 * and walk.entry, and *di for dwarf_search_unwind_table().  False when
 * ip lies in no file's code, or the file has no FDE for it (libunwind
 * then follows the frame pointer).
 */
static bool find_fde(uint64_t ip, unw_dyn_info_t *di)
{
	const struct aspace_region *region = aspace_find(walk.as, ip);
	const struct cfi *cfi;
	struct cfi_fde fde;
	uint64_t vaddr;
	uint32_t module;

	if (!region || !region->path || region->backing != ASPACE_BACKING_FILE)
		return false;
	module = modules_of_mapping(walk.mods, region->path, &region->origin);
	cfi = modules_cfi(walk.mods, module);
	if (!cfi || !cfi_vaddr(cfi, ip - region->start + region->offset, &vaddr) ||
	    !cfi_find(cfi, vaddr, &fde))
		return false;
	walk.cfi = cfi;
	walk.bias = ip - vaddr;
	/* The entry as .eh_frame_hdr has it: two sdata4, relative to segbase. */
	walk.entry = (uint64_t)(uint32_t)(fde.pc_begin - fde.segbase) |
		     (uint64_t)(uint32_t)(fde.fde - fde.segbase) << 32;
	memset(di, 0, sizeof(*di));
	di->format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di->start_ip = region->start;
	di->end_ip = region->end;
	di->u.rti.segbase = fde.segbase + walk.bias;
	di->u.rti.table_data = FOUND_ENTRY;
	di->u.rti.table_len = 1; /* in words: the one entry of 8 bytes */
	return true;
}

/* The accessors' signatures are libunwind's (unw_accessors_t): no const to add. */
/* NOLINTBEGIN(readability-non-const-parameter) */
static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi, int need,
			  void *arg)
{
	unw_dyn_info_t di;

	if (!find_fde(ip, &di))
		return -UNW_ENOINFO;
	return UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need, arg);
}

/* libunwind frees what dwarf_search_unwind_table() gave: nothing is left here. */
static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	(void)as;
	(void)pi;
	(void)arg;
}

/* No dynamic (JIT-registered) unwind info: libunwind's _U_dyn_info_list is not looked for. */
static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	(void)as;
	(void)addr;
	(void)arg;
	return -UNW_ENOINFO;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	uint64_t page = addr & ~(walk.block - 1);
	unsigned int slot;

	(void)as;
	(void)arg;
	if (write)
		return -UNW_EINVAL;
	if (addr == FOUND_ENTRY) {
		*val = walk.entry;
		return 0;
	}
	/* .eh_frame from the module's copy, the stack from this stop's, the rest from the task. */
	if (walk.cfi && cfi_word(walk.cfi, addr - walk.bias, val))
		return 0;
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

struct unwinder *unwinder_new(void)
{
	struct unwinder *unw = xcalloc(1, sizeof(*unw));

	unw->as = unw_create_addr_space(&accessors, 0);
	if (!unw->as) {
		free(unw);
		return NULL;
	}
	(void)unw_set_caching_policy(unw->as, UNW_CACHE_GLOBAL);
	return unw;
}

void unwinder_free(struct unwinder *unw)
{
	if (!unw)
		return;
	unw_destroy_addr_space(unw->as);
	free(unw);
}

void unwinder_flush(struct unwinder *unw)
{
	unw_flush_cache(unw->as, 0, 0);
}

int unwinder_walk(struct unwinder *unw, pid_t tid, const struct arch_regs *regs,
		  const struct aspace *as, struct modules *mods, uint64_t *ips, size_t max)
{
	unw_cursor_t cursor;
	size_t count = 0;
	uint64_t sp = arch_regs_sp(regs);

	if (!max)
		return -EFAULT;
	walk.unw = unw;
	walk.tid = tid;
	walk.regs = regs;
	walk.as = as;
	walk.mods = mods;
	walk.cfi = NULL;
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
