/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The model of a traced mm, wired to /proc: see mm.h. */
#include "mm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "procmaps.h"
#include "runtime.h"
#include "util.h"

/* The protection bits a mapping keeps (the others ask or extend). */
#define PROT_MASK (PROT_READ | PROT_WRITE | PROT_EXEC)

struct mm {
	unsigned int refs;
	struct aspace *as;
	struct mm_reader *reader;
	uint64_t calls_applied;
	int maps_fd;		    /* /proc/PID/maps for PROCMAP_QUERY; -1 until needed */
	uint64_t checks_since_full; /* --verify: range checks since the last whole one */
};

/* Whether the file last seen at a path (its device and inode) is ELF: entry_is_elf(). */
struct elf_known {
	uint64_t inode;
	unsigned int dev_major, dev_minor;
	unsigned char state; /* 0 not looked at yet, 1 ELF, 2 not */
};

/*
 * What reading /proc costs is kept between reads, for every mm of one
 * tracer: one buffer for every read of /proc/PID/maps and smaps, one array
 * for its regions (--verify reads the maps at every stop), and which
 * mapped files are ELF objects, by path id of paths.
 */
struct mm_reader {
	struct strtab *paths;
	char *buf;
	size_t buf_cap;
	struct aspace_region *regions;
	size_t regions_cap;
	struct elf_known *elf_known; /* per path id */
	size_t elf_known_cap;
	bool no_query; /* the kernel has no PROCMAP_QUERY: --verify reads the maps whole */
};

struct mm_reader *mm_reader_new(struct strtab *paths)
{
	struct mm_reader *reader = xcalloc(1, sizeof(*reader));

	reader->paths = paths;
	return reader;
}

void mm_reader_free(struct mm_reader *reader)
{
	if (!reader)
		return;
	free(reader->buf);
	free(reader->regions);
	free(reader->elf_known);
	free(reader);
}

struct mm *mm_new(struct mm_reader *reader)
{
	struct mm *mm = xcalloc(1, sizeof(*mm));

	mm->refs = 1;
	mm->as = aspace_new();
	mm->reader = reader;
	mm->maps_fd = -1;
	return mm;
}

struct mm *mm_get(struct mm *mm)
{
	mm->refs++;
	return mm;
}

void mm_put(struct mm *mm)
{
	if (!mm || --mm->refs)
		return;
	aspace_free(mm->as);
	if (mm->maps_fd >= 0)
		(void)close(mm->maps_fd);
	free(mm);
}

struct mm *mm_copy(const struct mm *mm)
{
	struct mm *copy = xcalloc(1, sizeof(*copy));

	copy->refs = 1;
	copy->as = aspace_copy(mm->as);
	copy->reader = mm->reader;
	/* The copy is another process's mm: its maps are opened through it. */
	copy->maps_fd = -1;
	return copy;
}

struct aspace *mm_aspace(struct mm *mm)
{
	return mm->as;
}

uint64_t mm_calls_applied(const struct mm *mm)
{
	return mm->calls_applied;
}

/* Whether the file open on fd (closed here; -errno for none) starts with the ELF magic. */
static bool fd_is_elf(int fd)
{
	unsigned char magic[4];
	bool elf;

	if (fd < 0)
		return false;
	elf = pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	      memcmp(magic, "\177ELF", 4) == 0;
	(void)close(fd);
	return elf;
}

/*
 * What is known of the file at path id path (grown to hold it): whether
 * it is ELF, for the file of that device and inode.  NULL when it is not
 * known for that file yet; the caller then sets it (elf_learn()).
 */
static struct elf_known *elf_known_for(struct mm *mm, uint32_t path, unsigned int dev_major,
				       unsigned int dev_minor, uint64_t inode, bool *known_now)
{
	struct mm_reader *reader = mm->reader;
	struct elf_known *known;

	if (path >= reader->elf_known_cap) {
		size_t old = reader->elf_known_cap;

		xgrowarray((void **)&reader->elf_known, &reader->elf_known_cap, (size_t)path + 1,
			   sizeof(*reader->elf_known));
		memset(reader->elf_known + old, 0,
		       (reader->elf_known_cap - old) * sizeof(*reader->elf_known));
	}
	known = &reader->elf_known[path];
	*known_now = known->state && known->inode == inode && known->dev_major == dev_major &&
		     known->dev_minor == dev_minor;
	if (!*known_now) {
		known->inode = inode;
		known->dev_major = dev_major;
		known->dev_minor = dev_minor;
	}
	return known;
}

/*
 * Whether the file of a maps line of pid (path id path) is ELF, read as
 * the process sees it (procmaps_open_file): a process in another mount
 * namespace may have another file at the same path.  Known per path id
 * for the file the line names (device and inode): read again only when
 * another file shows at that path, not at every --verify read.
 */
static bool entry_is_elf(struct mm *mm, pid_t pid, const struct procmaps_entry *entry,
			 uint32_t path)
{
	bool known_now;
	struct elf_known *known = elf_known_for(mm, path, entry->dev_major, entry->dev_minor,
						entry->inode, &known_now);

	if (!known_now)
		known->state = fd_is_elf(procmaps_open_file(pid, entry)) ? 1 : 2;
	return known->state == 1;
}

/*
 * Whether the file an mmap call of pid mapped at addr through fd (at
 * path id path, fd_path) is ELF: the process's own fd names its file in
 * any mount namespace.  One stat() of it per call, for its device and
 * inode: the file is read only when it is new at that path; never a
 * device (a GPU driver's mmap through its fd would make the tracer a
 * client of it).  When the fd is gone already (closed by another
 * thread), the mapping in /proc/PID/maps.
 */
static bool mapped_is_elf(struct mm *mm, pid_t pid, int fd, uint64_t addr, uint32_t path,
			  const char *fd_path)
{
	char link[64];
	struct stat st;
	struct elf_known *known;
	bool known_now;

	(void)snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
	if (stat(link, &st) != 0)
		return fd_is_elf(procmaps_open_at(pid, addr, fd_path));
	if (!S_ISREG(st.st_mode))
		return false;
	known = elf_known_for(mm, path, major(st.st_dev), minor(st.st_dev), st.st_ino, &known_now);
	if (!known_now)
		known->state = fd_is_elf(open(link, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) ? 1 : 2;
	return known->state == 1;
}

static bool path_is(const struct procmaps_entry *entry, const char *name)
{
	size_t len = strlen(name);

	return entry->path_len == len && memcmp(entry->path, name, len) == 0;
}

static bool path_starts(const struct procmaps_entry *entry, const char *prefix)
{
	size_t len = strlen(prefix);

	return entry->path_len >= len && memcmp(entry->path, prefix, len) == 0;
}

/* A maps line as a region of the model (its origin is set by the caller). */
static void entry_to_region(struct mm *mm, pid_t pid, const struct procmaps_entry *entry,
			    struct aspace_region *region)
{
	memset(region, 0, sizeof(*region));
	region->start = entry->start;
	region->end = entry->end;
	region->prot = entry->prot;
	region->flags = entry->shared ? ASPACE_SHARED : 0;
	region->offset = entry->offset;
	/*
	 * Anonymous huge pages live in hugetlbfs as "/anon_hugepage
	 * (deleted)" (mm/hugetlb.c): anonymous memory, as the call that
	 * made them says, in huge pages.
	 */
	if (entry->deleted && path_is(entry, "/anon_hugepage")) {
		region->backing = ASPACE_BACKING_ANON;
		region->flags |= ASPACE_HUGETLB;
		region->offset = 0;
		return;
	}
	/* Shared anonymous memory lives in shmem as "/dev/zero (deleted)" (mm/shmem.c). */
	if (entry->path_len == 0 || path_starts(entry, "[anon:") ||
	    path_starts(entry, "[anon_shmem:") || (entry->deleted && path_is(entry, "/dev/zero"))) {
		region->backing = ASPACE_BACKING_ANON;
		region->offset = 0;
		return;
	}
	if (path_is(entry, "[heap]")) {
		region->backing = ASPACE_BACKING_HEAP;
		region->offset = 0;
		return;
	}
	if (path_is(entry, "[stack]")) {
		region->backing = ASPACE_BACKING_STACK;
		region->flags |= ASPACE_GROWSDOWN;
		region->offset = 0;
		return;
	}
	if (entry->path[0] == '[') {
		region->backing = ASPACE_BACKING_SPECIAL;
	} else if (path_starts(entry, "/SYSV")) {
		/*
		 * A SysV segment is named by its key, 0 for every IPC_PRIVATE
		 * one; its inode is its shmid (ipc/shm.c, newseg), which tells
		 * segments apart as shmdt does, by their file.
		 */
		char name[64];
		int len = snprintf(name, sizeof(name), "%.*s (shmid %" PRIu64 ")",
				   (int)entry->path_len, entry->path, entry->inode);

		region->backing = ASPACE_BACKING_SHM;
		if (len > 0 && (size_t)len < sizeof(name)) {
			region->path = strtab_intern(mm->reader->paths, name, (size_t)len);
			return;
		}
	} else {
		region->backing = ASPACE_BACKING_FILE;
	}
	region->path = strtab_intern(mm->reader->paths, entry->path, entry->path_len);
	if (region->backing == ASPACE_BACKING_FILE && !entry->deleted &&
	    entry_is_elf(mm, pid, entry, region->path))
		region->flags |= ASPACE_ELF;
}

/*
 * Reads /proc/PID/maps into mm->reader->regions ([vsyscall] left out: it is the
 * same fixed page in every process, above the user address space).
 * Returns the number of regions, or -errno.
 */
static long read_maps(struct mm *mm, pid_t pid)
{
	struct procmaps_iter iter;
	struct procmaps_entry entry;
	size_t len, count = 0;
	int ret;

	ret = procmaps_read(pid, &mm->reader->buf, &mm->reader->buf_cap, &len);
	if (ret < 0)
		return ret;
	procmaps_iter_init(&iter, mm->reader->buf, len);
	while ((ret = procmaps_next(&iter, &entry)) != 0) {
		if (ret < 0)
			return -EINVAL;
		if (path_is(&entry, "[vsyscall]"))
			continue;
		xgrowarray((void **)&mm->reader->regions, &mm->reader->regions_cap, count + 1,
			   sizeof(*mm->reader->regions));
		entry_to_region(mm, pid, &entry, &mm->reader->regions[count]);
		count++;
	}
	return (long)count;
}

/* start_brk, field 47 of /proc/PID/stat (proc(5)); 0 when unknown. */
static uint64_t read_start_brk(pid_t pid)
{
	char path[64], buf[2048];
	const char *pos;
	ssize_t len;
	int fd, field;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	/* The command name may hold spaces and parentheses: fields start after the last ')'. */
	pos = strrchr(buf, ')');
	if (!pos)
		return 0;
	pos++;
	/* pos is at the space before field 3; walk to the one before field 47. */
	for (field = 3; field < 47 && pos; field++)
		pos = strchr(pos + 1, ' ');
	return pos ? strtoull(pos + 1, NULL, 10) : 0;
}

/* Makes [start, end) of the model what the kernel shows, made by ev. */
static int resync(struct mm *mm, pid_t pid, const struct aspace_event *ev, uint64_t start,
		  uint64_t end, struct aspace_changes *changes)
{
	long count = read_maps(mm, pid);
	struct aspace_region *maps_regions = mm->reader->regions;
	size_t first = 0, last;

	if (count < 0)
		return (int)count;
	/* Clip the kernel's regions to [start, end). */
	while (first < (size_t)count && maps_regions[first].end <= start)
		first++;
	last = first;
	while (last < (size_t)count && maps_regions[last].start < end)
		last++;
	if (last > first) {
		if (maps_regions[first].start < start)
			maps_regions[first].start = start;
		if (maps_regions[last - 1].end > end)
			maps_regions[last - 1].end = end;
	}
	aspace_sync(mm->as, ev, start, end, maps_regions + first, last - first, changes);
	return 0;
}

int mm_resync(struct mm *mm, pid_t pid, const struct aspace_event *ev,
	      struct aspace_changes *changes)
{
	return resync(mm, pid, ev, 0, UINT64_MAX, changes);
}

int mm_seed(struct mm *mm, pid_t pid, enum aspace_origin_kind kind, uint64_t time_ns)
{
	/*
	 * Named by its process and its time, as a call is by its number: the
	 * regions of two seeds (two execs of one path, two processes
	 * attached) are not the same mapping, and the module table tells
	 * mappings apart by their origin (unwind/modules.h).
	 */
	struct aspace_event ev = { .kind = kind, .tid = pid, .time_ns = time_ns };
	uint64_t start_brk, heap_top;
	const struct aspace_region *heap = NULL;
	int ret;

	aspace_clear(mm->as);
	mm->calls_applied = 0;
	ret = resync(mm, pid, &ev, 0, UINT64_MAX, NULL);
	if (ret < 0)
		return ret;
	start_brk = read_start_brk(pid);
	if (start_brk) {
		/* The break is somewhere in the last page of [heap]; exactly at start_brk if none. */
		heap = aspace_find(mm->as, start_brk);
		heap_top = heap && heap->backing == ASPACE_BACKING_HEAP ? heap->end : start_brk;
		aspace_set_heap(mm->as, start_brk, heap_top);
	}
	return 0;
}

static unsigned int mmap_flags(uint64_t flags)
{
	unsigned int res = 0;
	uint64_t type = flags & MAP_TYPE;

	if (type == MAP_SHARED || type == MAP_SHARED_VALIDATE)
		res |= ASPACE_SHARED;
	if (flags & MAP_NORESERVE)
		res |= ASPACE_NORESERVE;
	if (flags & MAP_STACK)
		res |= ASPACE_STACK;
	if (flags & MAP_GROWSDOWN)
		res |= ASPACE_GROWSDOWN;
	if (flags & MAP_HUGETLB)
		res |= ASPACE_HUGETLB;
	if (flags & MAP_LOCKED)
		res |= ASPACE_LOCKED;
	return res;
}

static void apply_mmap(struct mm *mm, pid_t pid, const struct aspace_event *ev,
		       const struct sysdecode_call *call, const char *fd_path, uint64_t addr,
		       struct aspace_changes *changes)
{
	struct aspace_region tmpl = { 0 };
	const uint64_t *arg = call->args;

	tmpl.prot = (unsigned int)arg[2] & PROT_MASK;
	tmpl.flags = mmap_flags(arg[3]);
	if (arg[3] & MAP_ANONYMOUS) {
		tmpl.backing = ASPACE_BACKING_ANON;
	} else {
		tmpl.backing = ASPACE_BACKING_FILE;
		tmpl.offset = arg[5];
		if (fd_path)
			tmpl.path = strtab_intern(mm->reader->paths, fd_path, strlen(fd_path));
		if (tmpl.path && mapped_is_elf(mm, pid, (int)arg[4], addr, tmpl.path, fd_path))
			tmpl.flags |= ASPACE_ELF;
	}
	if (arg[3] & MAP_HUGETLB) {
		/* The bits at MAP_HUGE_SHIFT: log2 of the page size; 0 the default (2 MiB on x86_64). */
		unsigned int shift = (unsigned int)(arg[3] >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
		uint64_t huge = 1ULL << (shift ? shift : 21);

		aspace_map(mm->as, ev, addr, (arg[1] + huge - 1) & ~(huge - 1), &tmpl, changes);
		return;
	}
	aspace_map(mm->as, ev, addr, arg[1], &tmpl, changes);
}

/* Whether region is a piece of a SysV attachment made at addr: its offset is its distance from it. */
static bool shm_attached_at(const struct aspace_region *region, uint64_t addr)
{
	return region->backing == ASPACE_BACKING_SHM && region->start >= addr &&
	       region->start - addr == region->offset;
}

/*
 * shmdt(addr) as the kernel does it (ipc/shm.c, ksys_shmdt): the first
 * piece of a segment at or above addr whose offset says it was attached
 * at addr (the attachment may have lost its head to munmap or been split
 * by mprotect), then every later piece of the same segment (its path
 * holds the shmid) attached there.  Other mappings in between stay.
 */
static void apply_shmdt(struct mm *mm, const struct aspace_event *ev, uint64_t addr,
			struct aspace_changes *changes)
{
	struct aspace_cursor cur;
	const struct aspace_region *region;
	uint64_t pos = addr, start;
	uint32_t path = 0;

	/* The cursor does not outlive a change: each piece is looked for anew, from the last one's end. */
	for (;;) {
		for (region = aspace_first_from(mm->as, pos, &cur); region;
		     region = aspace_next(mm->as, &cur))
			if (shm_attached_at(region, addr) && (!path || region->path == path))
				break;
		if (!region)
			return;
		path = region->path;
		start = region->start;
		pos = region->end;
		aspace_unmap(mm->as, ev, start, pos - start, changes);
	}
}

void mm_apply(struct mm *mm, pid_t pid, const struct aspace_event *ev,
	      const struct sysdecode_call *call, const char *fd_path, int64_t rval, int err,
	      struct aspace_changes *changes)
{
	const uint64_t *arg = call->args;
	uint64_t result = (uint64_t)rval;
	enum sysdecode_op op;

	if (!call->ent)
		return;
	op = sysdecode_desc(call->ent->kind)->op;
	/* A failed call changed nothing, but a failed mprotect may have (below). */
	if (err && op != SYSDECODE_OP_PROTECT && op != SYSDECODE_OP_BRK)
		op = SYSDECODE_OP_NONE;
	switch (op) {
	case SYSDECODE_OP_MAP:
		apply_mmap(mm, pid, ev, call, fd_path, result, changes);
		break;
	case SYSDECODE_OP_UNMAP:
		aspace_unmap(mm->as, ev, arg[0], arg[1], changes);
		break;
	case SYSDECODE_OP_PROTECT:
		/*
		 * A failed mprotect may have changed part of the range before
		 * failing (mm/mprotect.c, do_mprotect_pkey walks VMA by VMA):
		 * ask the kernel about the range.  PROT_GROWSDOWN/UP extend the
		 * change to the VMA's start or end, which only the kernel knows
		 * (and are rare): ask it about everything.
		 */
		if (arg[2] & (PROT_GROWSDOWN | PROT_GROWSUP))
			(void)resync(mm, pid, ev, 0, UINT64_MAX, changes);
		else if (err)
			(void)resync(mm, pid, ev, arg[0] & ~(ASPACE_PAGE_SIZE - 1),
				     arg[0] + ((arg[1] + ASPACE_PAGE_SIZE - 1) &
					       ~(ASPACE_PAGE_SIZE - 1)),
				     changes);
		else
			aspace_protect(mm->as, ev, arg[0], arg[1], (unsigned int)arg[2] & PROT_MASK,
				       changes);
		break;
	case SYSDECODE_OP_BRK:
		/* brk fails by returning the old top, which the model already has. */
		aspace_brk(mm->as, ev, result, changes);
		break;
	case SYSDECODE_OP_ADVISE:
		aspace_advise(mm->as, ev, arg[0], arg[1], (int)arg[2], changes);
		break;
	case SYSDECODE_OP_REMAP:
		aspace_remap(mm->as, ev, arg[0], arg[1], arg[2], (unsigned int)arg[3], result,
			     changes);
		break;
	case SYSDECODE_OP_SHMDT:
		apply_shmdt(mm, ev, arg[0], changes);
		break;
	case SYSDECODE_OP_RESYNC:
		/* Rare calls whose result only the kernel knows: re-read it all. */
		(void)resync(mm, pid, ev, 0, UINT64_MAX, changes);
		break;
	case SYSDECODE_OP_NONE:
		break;
	}
	if (call->ent->kind != SYSDECODE_NONE)
		mm->calls_applied++;
}

/* Copies the regions of list touching [start, end) into out (at most cap). */
static size_t regions_touching(const struct aspace_region *list, size_t count, uint64_t start,
			       uint64_t end, struct aspace_region *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < count && n < cap; i++)
		if (list[i].end >= start && list[i].start <= end)
			out[n++] = list[i];
	return n;
}

/*
 * The main stack, and any MAP_GROWSDOWN mapping, grow on faults without a
 * system call (mm/mmap.c, expand_downwards): where the kernel's VMA
 * [start, end) with protection prot holds such a region of the model
 * lower down, adopt its start; where it lies in a gap of the model just
 * below one (the region's lowest part was re-protected since it grew),
 * the region grows into it.  /proc/PID/maps names only the main stack
 * ([stack]), so every VMA is looked at; aspace_grow_down() leaves any
 * other region alone.
 */
static void adopt_stack_growth(struct mm *mm, uint64_t start, uint64_t end, unsigned int prot)
{
	struct aspace_cursor cur;
	const struct aspace_region *have = aspace_first_from(mm->as, start, &cur);

	if (have && ((have->start > start && have->end <= end) || have->start == end))
		(void)aspace_grow_down(mm->as, have->end, start, prot);
}

/*
 * adopt_stack_growth() over the kernel's VMAs kernel[0..n), from the top
 * down: a mapping that grew by several VMAs (its low end re-protected)
 * reaches each one only once the one above it is adopted.
 */
static void adopt_growth(struct mm *mm, const struct aspace_region *kernel, size_t n)
{
	for (size_t i = n; i-- > 0;)
		adopt_stack_growth(mm, kernel[i].start, kernel[i].end, kernel[i].prot);
}

int mm_verify(struct mm *mm, pid_t pid, struct mm_diff *diff)
{
	long count = read_maps(mm, pid);
	const struct aspace_region *maps_regions = mm->reader->regions;
	struct aspace_cursor cur;
	const struct aspace_region *region;
	uint64_t lo, hi;

	if (count < 0)
		return (int)count;
	adopt_growth(mm, maps_regions, (size_t)count);
	memset(diff, 0, sizeof(*diff));
	diff->nranges = aspace_compare(mm->as, maps_regions, (size_t)count, diff->ranges,
				       MM_DIFF_MAX_RANGES);
	if (!diff->nranges)
		return 0;
	lo = diff->ranges[0].start;
	hi = diff->ranges[diff->nranges < MM_DIFF_MAX_RANGES ? diff->nranges - 1
							     : MM_DIFF_MAX_RANGES - 1]
		     .end;
	diff->nkernel = regions_touching(maps_regions, (size_t)count, lo, hi, diff->kernel,
					 MM_DIFF_MAX_REGIONS);
	for (region = aspace_first_from(mm->as, lo > 0 ? lo - 1 : 0, &cur);
	     region && region->start <= hi && diff->nmodel < MM_DIFF_MAX_REGIONS;
	     region = aspace_next(mm->as, &cur))
		diff->model[diff->nmodel++] = *region;
	return 1;
}

/*
 * Compares the model with the kernel's VMAs over [lo, hi) alone, asked
 * one by one with PROCMAP_QUERY.  Returns 0 when they agree there, 1
 * when they differ, -ENOTTY when the kernel cannot be asked so, or
 * another -errno.
 */
static int verify_range(struct mm *mm, pid_t pid, uint64_t lo, uint64_t hi)
{
	struct aspace_mismatch ignored;
	struct procmaps_vma vma;
	size_t count = 0;

	if (mm->maps_fd < 0) {
		mm->maps_fd = procmaps_open(pid);
		if (mm->maps_fd < 0)
			return mm->maps_fd;
	}
	for (uint64_t addr = lo; addr < hi; addr = vma.end) {
		struct aspace_region *region;
		int ret = procmaps_query(mm->maps_fd, addr, &vma);

		if (ret == -ENOENT || (!ret && vma.start >= hi))
			break;
		if (ret < 0)
			return ret;
		xgrowarray((void **)&mm->reader->regions, &mm->reader->regions_cap, count + 1,
			   sizeof(*mm->reader->regions));
		region = &mm->reader->regions[count++];
		memset(region, 0, sizeof(*region));
		region->start = vma.start;
		region->end = vma.end;
		region->prot = vma.prot;
	}
	adopt_growth(mm, mm->reader->regions, count);
	return aspace_compare_in(mm->as, lo, hi, mm->reader->regions, count, &ignored, 1) ? 1 : 0;
}

void mm_query_close(struct mm *mm)
{
	if (mm->maps_fd >= 0)
		(void)close(mm->maps_fd);
	mm->maps_fd = -1;
}

int mm_verify_call(struct mm *mm, pid_t pid, const struct aspace_changes *changes,
		   struct mm_diff *diff)
{
	size_t nregions = aspace_count(mm->as);

	/*
	 * A whole comparison costs as much as the process has mappings: it
	 * is made where they are few, and else once in every nregions /
	 * MM_VERIFY_FULL_SHARE calls, so that its cost per call stays the same.
	 */
	if (mm->reader->no_query || nregions < MM_VERIFY_RANGES_FROM ||
	    ++mm->checks_since_full >= nregions / MM_VERIFY_FULL_SHARE) {
		mm->checks_since_full = 0;
		return mm_verify(mm, pid, diff);
	}
	for (size_t i = 0; i < changes->count; i++) {
		const struct aspace_piece *piece = &changes->pieces[i];
		int ret = verify_range(mm, pid, piece->start, piece->end);

		if (!ret && piece->kind == ASPACE_PIECE_MOVED)
			ret = verify_range(mm, pid, piece->to,
					   piece->to + (piece->end - piece->start));
		if (ret == -ENOTTY || ret == -EINVAL) {
			/* A kernel before 6.11: the maps are read whole from now on. */
			mm->reader->no_query = true;
			return mm_verify(mm, pid, diff);
		}
		/* A difference is shown as the whole comparison shows it, paths and all. */
		if (ret)
			return ret < 0 ? ret : mm_verify(mm, pid, diff);
	}
	return 0;
}

/* /proc/PID/pagemap (Documentation/admin-guide/mm/pagemap.rst): one 64-bit entry per page. */
#define PAGEMAP_PRESENT (1ULL << 63)
#define PAGEMAP_SWAPPED (1ULL << 62)
#define PAGEMAP_EXCLUSIVE (1ULL << 56)
#define PAGEMAP_BATCH 512

/* Page counts of one part of a VMA. */
struct page_counts {
	uint64_t present;
	uint64_t exclusive;
	uint64_t swapped;
};

/* Counts the pages of [start, end) in pagemap (an open fd).  Returns 0 or -errno. */
static int count_pages(int fd, uint64_t start, uint64_t end, struct page_counts *counts)
{
	uint64_t entries[PAGEMAP_BATCH];
	uint64_t last = end / ASPACE_PAGE_SIZE;

	memset(counts, 0, sizeof(*counts));
	for (uint64_t page = start / ASPACE_PAGE_SIZE; page < last;) {
		uint64_t want = last - page;
		ssize_t got;

		if (want > PAGEMAP_BATCH)
			want = PAGEMAP_BATCH;
		got = pread(fd, entries, want * sizeof(entries[0]),
			    (off_t)(page * sizeof(entries[0])));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EIO;
		for (size_t i = 0; i < (size_t)got / sizeof(entries[0]); i++) {
			counts->present += !!(entries[i] & PAGEMAP_PRESENT);
			counts->exclusive += (entries[i] & (PAGEMAP_PRESENT | PAGEMAP_EXCLUSIVE)) ==
					     (PAGEMAP_PRESENT | PAGEMAP_EXCLUSIVE);
			counts->swapped += !!(entries[i] & PAGEMAP_SWAPPED);
		}
		page += (uint64_t)got / sizeof(entries[0]);
	}
	return 0;
}

/*
 * Shares the figures of VMA entry among out[0..n), its parts: by the
 * pages pagemap shows in each, what is left over (pages that changed in
 * between, huge pages) going to the largest part, so that the parts add
 * up to smaps' figures exactly.
 */
static void share_out(int *pagemap_fd, pid_t pid, const struct procmaps_entry *entry,
		      struct mm_usage *out, size_t n)
{
	uint64_t rss = 0, priv = 0, swap = 0;
	size_t largest = 0;

	if (*pagemap_fd < 0) {
		char path[64];

		(void)snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
		*pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	for (size_t i = 0; i < n; i++) {
		struct page_counts counts = { 0 };

		if (*pagemap_fd >= 0 && (entry->rss || entry->swap))
			(void)count_pages(*pagemap_fd, out[i].start, out[i].end, &counts);
		out[i].rss = min_u64(counts.present * ASPACE_PAGE_SIZE, entry->rss - rss);
		out[i].private_bytes =
			min_u64(min_u64(counts.exclusive * ASPACE_PAGE_SIZE, out[i].rss),
				entry->private_bytes - priv);
		out[i].swap = min_u64(counts.swapped * ASPACE_PAGE_SIZE, entry->swap - swap);
		rss += out[i].rss;
		priv += out[i].private_bytes;
		swap += out[i].swap;
		if (out[i].end - out[i].start > out[largest].end - out[largest].start)
			largest = i;
	}
	out[largest].rss += entry->rss - rss;
	out[largest].private_bytes += entry->private_bytes - priv;
	out[largest].swap += entry->swap - swap;
	/* Private bytes are resident bytes: never more than them, in any part. */
	for (size_t i = 0; i < n; i++)
		out[i].private_bytes = min_u64(out[i].private_bytes, out[i].rss);
}

long mm_usage(struct mm *mm, pid_t pid, struct mm_usage **usage, size_t *cap)
{
	struct procmaps_iter iter;
	struct procmaps_entry entry;
	size_t len, count = 0;
	int ret, pagemap_fd = -1;

	ret = procmaps_read_smaps(pid, &mm->reader->buf, &mm->reader->buf_cap, &len);
	if (ret < 0)
		return ret;
	/* Growth first, over all the VMAs: then each is measured against the model as it is. */
	procmaps_iter_init(&iter, mm->reader->buf, len);
	while (procmaps_next(&iter, &entry) > 0) {
		xgrowarray((void **)&mm->reader->regions, &mm->reader->regions_cap, count + 1,
			   sizeof(*mm->reader->regions));
		mm->reader->regions[count++] = (struct aspace_region){ .start = entry.start,
								       .end = entry.end,
								       .prot = entry.prot };
	}
	adopt_growth(mm, mm->reader->regions, count);
	count = 0;
	procmaps_iter_init(&iter, mm->reader->buf, len);
	while ((ret = procmaps_next(&iter, &entry)) != 0) {
		struct aspace_cursor cur;
		const struct aspace_region *region;
		size_t first = count;

		if (ret < 0)
			break;
		if (path_is(&entry, "[vsyscall]"))
			continue;
		/* One range per region of the model it covers; the model's gaps as they are. */
		for (uint64_t pos = entry.start; pos < entry.end;) {
			uint64_t end = entry.end;

			region = aspace_first_from(mm->as, pos, &cur);
			if (region && region->start > pos)
				end = min_u64(end, region->start);
			else if (region)
				end = min_u64(end, region->end);
			xgrowarray((void **)usage, cap, count + 1, sizeof(**usage));
			(*usage)[count++] = (struct mm_usage){ .start = pos,
							       .end = end,
							       .rss = entry.rss,
							       .private_bytes = entry.private_bytes,
							       .swap = entry.swap,
							       .deleted = entry.deleted };
			pos = end;
		}
		if (count - first > 1)
			share_out(&pagemap_fd, pid, &entry, *usage + first, count - first);
	}
	if (pagemap_fd >= 0)
		(void)close(pagemap_fd);
	return ret < 0 ? -EINVAL : (long)count;
}

/* A brk heap walk stops past this many chunks (a few hundred ms). */
#define HEAP_WALK_MAX_CHUNKS (16ULL << 20)

void mm_name_thread(struct mm *mm, pid_t tid)
{
	char comm[ASPACE_THREAD_NAME_MAX];

	if (procmaps_comm(tid, comm, sizeof(comm)) == 0)
		aspace_name_thread(mm->as, tid, comm);
}

/* Names the live threads whose stacks the model has. */
static void name_threads(struct mm *mm)
{
	struct aspace_cursor cur;
	const struct aspace_region *region;

	aspace_for_each (mm->as, 0, &cur, region)
		if (region->thread > 0 && !(region->flags & ASPACE_THREAD_EXITED))
			mm_name_thread(mm, region->thread);
}

int mm_snapshot(struct mm *mm, pid_t tid, struct mm_snapshot *snap)
{
	uint64_t heap_start, heap_top;
	long count = tid ? mm_usage(mm, tid, &snap->usage, &snap->cap) : -ESRCH;
	int err = count < 0 ? (int)count : 0;

	if (count < 0) {
		free(snap->usage);
		snap->usage = NULL;
		snap->cap = 0;
		count = 0;
	}
	snap->nusage = (size_t)count;
	if (tid)
		name_threads(mm);
	aspace_heap(mm->as, &heap_start, &heap_top);
	snap->have_heap = tid && heap_start && heap_top > heap_start &&
			  runtime_heap_walk(tid, heap_start, heap_top, HEAP_WALK_MAX_CHUNKS,
					    &snap->heap) == 0;
	return err;
}

void mm_snapshot_clear(struct mm_snapshot *snap)
{
	free(snap->usage);
	memset(snap, 0, sizeof(*snap));
}

uint64_t mm_usage_rss(const struct mm_usage *usage, size_t n)
{
	uint64_t rss = 0;

	for (size_t i = 0; i < n; i++)
		rss += usage[i].rss;
	return rss;
}
