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
#include <sys/mman.h>

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
/* How far above the stack pointer scan_for_caller() looks. */
#define SCAN_BYTES 512
/* How far into a function a system call may be, for a direct call to it. */
#define SCAN_CALLEE_MAX 65536
/* How much of a function's start frame_depth() reads. */
#define PROLOGUE_BYTES 32

/*
 * Where the table of one entry handed to libunwind lies: in the kernel's
 * half of the address space, which no user mapping reaches (x86_64 and
 * aarch64 alike).  8-aligned: libunwind reads aligned words.
 */
#define FOUND_ENTRY 0xfff0000000000000ULL
/*
 * Where the copy of a module's .debug_frame is handed to libunwind: in
 * the same half, above the entry, as far from it as any copy can reach.
 */
#define DEBUG_FRAME_AT 0xfff1000000000000ULL

/* libunwind's own, exported but not declared by its headers (perf declares it too). */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
					      unw_dyn_info_t *di, unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

_Static_assert(sizeof(unw_word_t) == 8, "the entry handed to libunwind is one word");

struct unwinder {
	unw_addr_space_t as;
	/* The FDE found last to cover a walk's program counter (the module table outlives it). */
	struct {
		const struct cfi *cfi;
		uint64_t begin, end;
	} covered;
};

/* The walk in progress. */
static struct walk {
	struct unwinder *unw;
	pid_t tid;
	uint64_t pc; /* where libunwind starts: the task's, or the caller's when scanned */
	uint64_t sp;
	/* The task's registers at the stop: most walks need none but pc and sp. */
	const struct arch_regs *regs;
	const struct aspace *as; /* the process's model */
	struct modules *mods;
	/* The table of the last frame found: its .eh_frame is read from there. */
	const struct cfi *cfi;
	uint64_t bias;	/* its load bias: address in the process - address in the file */
	uint64_t entry; /* the table of one entry, at FOUND_ENTRY */
	bool scanned;	/* the walk starts from the caller scan_for_caller() found */
	uint64_t scan_pc;
	uint64_t scan_sp;
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
 * The unwind table of the file whose code holds addr, and addr's address
 * in that file (*vaddr) and its region; NULL when addr is in no file's
 * code (the file is found once per mapping, its table read once).
 */
static const struct cfi *code_cfi(uint64_t addr, const struct aspace_region **regionp,
				  uint64_t *vaddr)
{
	const struct aspace_region *region = aspace_find(walk.as, addr);
	const struct cfi *cfi;

	if (!region || !region->path || region->backing != ASPACE_BACKING_FILE ||
	    !(region->prot & PROT_EXEC))
		return NULL;
	cfi = modules_cfi(walk.mods, modules_of_mapping(walk.mods, region->path, &region->origin,
							walk.tid, addr));
	if (!cfi || !cfi_vaddr(cfi, addr - region->start + region->offset, vaddr))
		return NULL;
	*regionp = region;
	return cfi;
}

/*
 * The FDE for ip, in the module mapped there: sets walk.cfi, walk.bias
 * and walk.entry, and *di for dwarf_search_unwind_table().  False when
 * ip lies in no file's code, or the file has no FDE for it (libunwind
 * then follows the frame pointer).
 */
static bool find_fde(uint64_t ip, unw_dyn_info_t *di)
{
	const struct aspace_region *region;
	uint64_t vaddr;
	const struct cfi *cfi = code_cfi(ip, &region, &vaddr);
	struct cfi_fde fde;

	if (!cfi || !cfi_find(cfi, vaddr, &fde))
		return false;
	walk.cfi = cfi;
	walk.bias = ip - vaddr;
	memset(di, 0, sizeof(*di));
	di->format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di->start_ip = region->start;
	di->end_ip = region->end;
	di->u.rti.table_data = FOUND_ENTRY;
	di->u.rti.table_len = 1; /* in words: the one entry of 8 bytes */
	if (fde.debug_frame) {
		/*
		 * Offsets count from the copy, and any ip matches the entry
		 * (libunwind compares ip - segbase as an int32); the FDE's
		 * absolute addresses are the file's, moved by load_offset.
		 */
		if (fde.fde > INT32_MAX)
			return false;
		walk.entry = (uint64_t)(uint32_t)INT32_MIN | fde.fde << 32;
		di->u.rti.segbase = DEBUG_FRAME_AT;
		di->load_offset = walk.bias;
		return true;
	}
	/* The entry as .eh_frame_hdr has it: two sdata4, relative to segbase. */
	walk.entry = (uint64_t)(uint32_t)(fde.pc_begin - fde.segbase) |
		     (uint64_t)(uint32_t)(fde.fde - fde.segbase) << 32;
	di->u.rti.segbase = fde.segbase + walk.bias;
	return true;
}

/*
 * Whether ret may be the return address of a frame of the function at
 * pc (in region pc_region): it lies in code an FDE covers, right after a
 * call; a direct call must go to pc's function (at most SCAN_CALLEE_MAX
 * bytes below pc, in its mapping), whose entry is then set in *entry
 * (else 0).
 */
static bool returns_from(uint64_t ret, uint64_t pc, const struct aspace_region *pc_region,
			 uint64_t *entry)
{
	unsigned char code[16];
	const struct aspace_region *region;
	uint64_t vaddr, target;
	const struct cfi *cfi = code_cfi(ret - 1, &region, &vaddr);
	size_t len = min_u64(arch_host.call_len_max, sizeof(code));

	*entry = 0;
	if (!cfi || !cfi_covers(cfi, vaddr))
		return false;
	len = min_u64(len, ret - region->start);
	if (memread(walk.tid, ret - len, code, len) != 0)
		return false;
	switch (arch_call_before(code, len, ret, &target)) {
	case ARCH_CALL_INDIRECT:
		return true;
	case ARCH_CALL_DIRECT:
		*entry = target;
		return target >= pc_region->start && target <= pc && pc - target < SCAN_CALLEE_MAX;
	default:
		return false;
	}
}

/* How far below its return address the function at entry keeps the stack pointer; -1: unknown. */
static int64_t frame_depth(uint64_t entry, uint64_t pc)
{
	unsigned char code[PROLOGUE_BYTES];
	size_t len = min_u64(sizeof(code), pc - entry);

	if (!entry || !len || memread(walk.tid, entry, code, len) != 0)
		return -1;
	return (int64_t)arch_prologue_depth(code, len);
}

/*
 * The innermost frame, when its function has no unwind information in a
 * file that has some for its others (musl's system call wrappers in a
 * static executable): libunwind would follow a frame pointer the
 * function does not keep and lose every caller.  The caller's return
 * address is looked for in the first SCAN_BYTES above the stack pointer
 * (breakpad's stack scanning): the first word returns_from() accepts.
 * Sets walk.pc and walk.sp to the caller's program counter and stack
 * pointer, where libunwind starts; false when there is no need or no
 * such word.
 */
static bool scan_for_caller(uint64_t pc)
{
	const struct aspace_region *region;
	uint64_t vaddr, first = 0, first_off = 0;
	const struct cfi *cfi = code_cfi(pc, &region, &vaddr);
	size_t end = min_u64(walk.stack_len, SCAN_BYTES);

	/* A file with no unwind information at all: libunwind's frame pointers. */
	if (!cfi || (cfi_source(cfi) == CFI_NONE && !cfi_debug_count(cfi)))
		return false;
	/*
	 * Almost every walk starts in one of a few system call wrappers: the
	 * last FDE found to cover the program counter is asked first, and
	 * the FDE is parsed again only for another function.
	 */
	if (walk.unw->covered.cfi == cfi &&
	    vaddr - walk.unw->covered.begin < walk.unw->covered.end - walk.unw->covered.begin)
		return false;
	if (cfi_range(cfi, vaddr, &walk.unw->covered.begin, &walk.unw->covered.end)) {
		walk.unw->covered.cfi = cfi;
		return false;
	}
	walk.unw->covered.cfi = NULL;
	/*
	 * Words left on the stack by earlier calls may pass for return
	 * addresses too: one whose call went to an entry whose prologue puts
	 * it exactly there wins; else the first.
	 */
	for (size_t off = 0; off + sizeof(uint64_t) <= end; off += sizeof(uint64_t)) {
		uint64_t word, entry;

		memcpy(&word, walk.stack + off, sizeof(word));
		word = arch_code_address(walk.tid, word);
		if (word <= arch_host.call_len_max || !returns_from(word, pc, region, &entry))
			continue;
		if (frame_depth(entry, pc) == (int64_t)off) {
			first = word;
			first_off = off;
			break;
		}
		if (!first) {
			first = word;
			first_off = off;
		}
	}
	if (!first)
		return false;
	walk.pc = first;
	walk.sp = walk.stack_base + first_off + sizeof(uint64_t);
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
	/*
	 * .eh_frame and .debug_frame from the module's copies, the stack
	 * from this stop's, the rest from the task.
	 */
	if (walk.cfi && addr >= DEBUG_FRAME_AT)
		return cfi_debug_word(walk.cfi, addr - DEBUG_FRAME_AT, val) ? 0 : -UNW_EINVAL;
	if (walk.cfi && cfi_word(walk.cfi, addr - walk.bias, val))
		return 0;
	/* Compared as distances: an address near 2^64 (a wild frame pointer) must not wrap. */
	if (addr >= walk.stack_base && walk.stack_len >= sizeof(*val) &&
	    addr - walk.stack_base <= walk.stack_len - sizeof(*val)) {
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
	/* The walk's first frame: where scan_for_caller() may have moved it. */
	if (reg == arch_host.unwind_pc || reg == arch_host.unwind_sp) {
		*val = reg == arch_host.unwind_pc ? walk.pc : walk.sp;
		return 0;
	}
	/*
	 * A frame whose CFA or saved registers depend on another register
	 * (rbp in a function that keeps a frame pointer): the task's.
	 * libunwind numbers the registers as the psABI's DWARF mapping does.
	 */
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

/*
 * Copies the top of the stack, from sp, into walk.stack: returns how many
 * bytes.  One read up to the end of the region holding sp in the model,
 * else page by page up to where the stack ends.  One range, not one per
 * page: the kernel takes the process's mmap_lock once per range, and
 * while its other threads map and unmap, each acquisition may wait for
 * them (64 threads in memory calls: the read was an eighth of the
 * tracer's time, most of it asleep on that lock).
 */
static size_t read_stack_top(pid_t tid, uint64_t sp, const struct aspace *as)
{
	const struct aspace_region *region = aspace_find(as, sp);
	ssize_t got;

	if (region) {
		size_t len = min_u64(STACK_COPY, region->end - sp);

		if (memread(tid, sp, walk.stack, len) == 0)
			return len;
	}
	got = memread_upto(tid, sp, walk.stack, STACK_COPY);
	return got > 0 ? (size_t)got : 0;
}

int unwinder_walk(struct unwinder *unw, pid_t tid, const struct arch_regs *regs,
		  const struct aspace *as, struct modules *mods, uint64_t *ips, size_t max)
{
	uint64_t pc = arch_regs_pc(regs), sp = arch_regs_sp(regs), prev_ip, prev_sp;
	unw_cursor_t cursor;
	size_t count = 0;

	if (!max)
		return -EFAULT;
	walk.unw = unw;
	walk.tid = tid;
	walk.pc = pc;
	walk.sp = sp;
	walk.regs = regs;
	walk.as = as;
	walk.mods = mods;
	walk.cfi = NULL;
	walk.block = min_u64(page_size(), BLOCK_MAX);
	for (unsigned int i = 0; i < PAGE_CACHE; i++)
		walk.pages[i].addr = 0;
	walk.stack_base = sp;
	walk.stack_len = read_stack_top(tid, sp, as);
	ips[count++] = pc;
	if (max > 1 && scan_for_caller(pc))
		ips[count++] = walk.pc;
	prev_ip = walk.pc;
	prev_sp = walk.sp;
	unwind_sigmask_begin();
	if (unw_init_remote(&cursor, unw->as, unw) < 0) {
		unwind_sigmask_end();
		return (int)count;
	}
	while (count < max && unw_step(&cursor) > 0) {
		unw_word_t ip, frame_sp;
		uint64_t code;

		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0 ||
		    unw_get_reg(&cursor, UNW_REG_SP, &frame_sp) < 0)
			break;
		/*
		 * A signed return address (aarch64's PAC): the next step
		 * must look up the address itself.  libunwind before 1.7
		 * does not strip it; setting the cursor's IP does, whatever
		 * it says of the saved copy it cannot write.
		 */
		code = arch_code_address(tid, ip);
		if (code != ip) {
			(void)unw_set_reg(&cursor, UNW_REG_IP, code);
			ip = code;
		}
		/*
		 * The frame before again: libunwind's guess where a function
		 * has no unwind information (aarch64's: the link register,
		 * which only the innermost frame still holds).  It leads
		 * nowhere: the walk ends there.
		 */
		if (ip == prev_ip && frame_sp == prev_sp)
			break;
		prev_ip = ip;
		prev_sp = frame_sp;
		ips[count++] = ip;
	}
	unwind_sigmask_end();
	return (int)count;
}
