/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Memory system calls: tables, normalization and text.  See sysdecode.h. */
#include "sysdecode.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include "arch.h"
#include "mman_compat.h"
#include "util.h"

/* The row of nr in the table of pers (which may be NULL), or NULL. */
static const struct sysent *lookup(const struct arch_personality *pers, uint64_t nr)
{
	if (!pers)
		return NULL;
	/* Another ABI under the same arch (x32) shares the numbers of the memory calls. */
	nr &= ~(uint64_t)pers->nr_abi_bit;
	if (nr >= pers->nsysent || !pers->sysent[nr].name)
		return NULL;
	return &pers->sysent[nr];
}

const struct sysent *sysdecode_lookup(uint32_t arch, uint64_t nr)
{
	return lookup(arch_personality(arch), nr);
}

/* Adds nr to the count numbers of nrs (which holds cap). */
static void add_traced(uint32_t *nrs, size_t cap, size_t *count, uint32_t nr)
{
	if (*count < cap)
		nrs[*count] = nr;
	(*count)++;
}

size_t sysdecode_traced(const struct arch_personality *pers, uint32_t *nrs, size_t cap)
{
	size_t count = 0;

	for (size_t nr = 0; nr < pers->nsysent; nr++)
		if (pers->sysent[nr].name)
			add_traced(nrs, cap, &count, (uint32_t)nr);
	add_traced(nrs, cap, &count, pers->nr_exit_group);
	for (size_t i = 0; i < pers->nalso_traced; i++)
		add_traced(nrs, cap, &count, pers->also_traced[i]);
	return count;
}

bool sysdecode_is_exit_group(uint32_t arch, uint64_t nr)
{
	const struct arch_personality *pers = arch_personality(arch);

	return pers && nr == pers->nr_exit_group;
}

#define A(type) SYSDECODE_ARG_##type

/* One row per kind, in the order of enum sysdecode_kind. */
static const struct sysdecode_desc descs[SYSDECODE_NKINDS] = {
	/* clang-format off */
	[SYSDECODE_NONE] = { "other", { 0 }, 0, SYSDECODE_OP_NONE },
	[SYSDECODE_MMAP] = { "mmap", { A(ADDR), A(ULONG), A(PROT), A(MMAP_FLAGS), A(FD), A(HEX) },
			     SYSDECODE_RET_ADDR, SYSDECODE_OP_MAP },
	[SYSDECODE_MUNMAP] = { "munmap", { A(ADDR), A(ULONG) }, 0, SYSDECODE_OP_UNMAP },
	[SYSDECODE_MPROTECT] = { "mprotect", { A(ADDR), A(ULONG), A(PROT) }, 0,
				 SYSDECODE_OP_PROTECT },
	[SYSDECODE_PKEY_MPROTECT] = { "pkey_mprotect", { A(ADDR), A(ULONG), A(PROT), A(INT) }, 0,
				      SYSDECODE_OP_PROTECT },
	[SYSDECODE_BRK] = { "brk", { A(ADDR) }, SYSDECODE_RET_ADDR, SYSDECODE_OP_BRK },
	[SYSDECODE_MADVISE] = { "madvise", { A(ADDR), A(ULONG), A(MADVISE) }, 0,
				SYSDECODE_OP_ADVISE },
	[SYSDECODE_MREMAP] = { "mremap", { A(ADDR), A(ULONG), A(ULONG), A(MREMAP_FLAGS),
					   A(MREMAP_ADDR) },
			       SYSDECODE_RET_ADDR, SYSDECODE_OP_REMAP },
	/* The size of a SysV segment, the [aio] ring, a shadow stack: the kernel decides them. */
	[SYSDECODE_SHMAT] = { "shmat", { A(INT), A(ADDR), A(SHM_FLAGS) }, SYSDECODE_RET_ADDR,
			      SYSDECODE_OP_RESYNC },
	[SYSDECODE_SHMDT] = { "shmdt", { A(ADDR) }, 0, SYSDECODE_OP_SHMDT },
	[SYSDECODE_IO_SETUP] = { "io_setup", { A(UINT), A(ADDR) }, 0, SYSDECODE_OP_RESYNC },
	[SYSDECODE_IO_DESTROY] = { "io_destroy", { A(HEX) }, 0, SYSDECODE_OP_RESYNC },
	[SYSDECODE_REMAP_FILE_PAGES] = { "remap_file_pages", { A(ADDR), A(ULONG), A(PROT),
							       A(ULONG), A(MMAP_FLAGS) },
					 0, SYSDECODE_OP_RESYNC },
	[SYSDECODE_MAP_SHADOW_STACK] = { "map_shadow_stack", { A(ADDR), A(ULONG), A(SHSTK_FLAGS) },
					 SYSDECODE_RET_ADDR, SYSDECODE_OP_RESYNC },
	[SYSDECODE_MSEAL] = { "mseal", { A(ADDR), A(ULONG), A(HEX) }, 0, SYSDECODE_OP_RESYNC },
	/* clang-format on */
};

#undef A

enum sysdecode_span sysdecode_span(const struct sysdecode_call *call, uint64_t page,
				   uint64_t *start, uint64_t *end)
{
	const uint64_t *arg = call->args;
	enum sysdecode_op op = call->ent ? descs[call->ent->kind].op : SYSDECODE_OP_NONE;
	uint64_t len = (arg[1] + page - 1) & ~(page - 1);

	*start = arg[0] & ~(page - 1);
	*end = *start + len;
	switch (op) {
	case SYSDECODE_OP_NONE:
		return SYSDECODE_SPAN_NONE;
	case SYSDECODE_OP_MAP:
		/* A huge page mapping's length rounds up to a size the call does not give. */
		if (arg[3] & MAP_HUGETLB)
			return SYSDECODE_SPAN_ALL;
		if (!(arg[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
			*start = 0;
			*end = len;
			return len >= arg[1] ? SYSDECODE_SPAN_RESULT : SYSDECODE_SPAN_ALL;
		}
		break;
	case SYSDECODE_OP_PROTECT:
		/* PROT_GROWSDOWN/UP reach the VMA's start or end, which only the kernel knows. */
		if (arg[2] & (PROT_GROWSDOWN | PROT_GROWSUP))
			return SYSDECODE_SPAN_ALL;
		break;
	case SYSDECODE_OP_UNMAP:
	case SYSDECODE_OP_ADVISE:
		break;
	default:
		return SYSDECODE_SPAN_ALL;
	}
	/* A length that wraps around says nothing about where the call acts. */
	return *end > *start && len >= arg[1] ? SYSDECODE_SPAN_RANGE : SYSDECODE_SPAN_ALL;
}

const struct sysdecode_desc *sysdecode_desc(enum sysdecode_kind kind)
{
	return &descs[(unsigned int)kind < SYSDECODE_NKINDS ? kind : SYSDECODE_NONE];
}

/* Whether an argument of this type is a signed int (sign-extended from 32 bits). */
static bool arg_is_signed_int(enum sysdecode_arg type)
{
	return type == SYSDECODE_ARG_INT || type == SYSDECODE_ARG_FD;
}

int sysdecode_entry(struct sysdecode_call *call, uint32_t arch, uint64_t nr, const uint64_t args[6])
{
	const struct arch_personality *pers = arch_personality(arch);
	const struct sysent *ent = lookup(pers, nr);
	/*
	 * Whether the kernel reads only the low 32 bits of each argument
	 * register: i386's, not x32's (see the personalities in tracer/arch/).
	 * Narrowing x32 arguments too would cut an mmap offset past 4 GiB.
	 */
	bool narrow = pers && pers->args_32bit;

	memset(call, 0, sizeof(*call));
	call->arch = arch;
	call->nr = nr;
	if (!ent)
		return -ENOENT;
	call->ent = ent;
	for (unsigned int i = 0; i < 6; i++) {
		uint64_t val = args[i];

		if (narrow) {
			val = (uint32_t)val;
			if (arg_is_signed_int(descs[ent->kind].args[i]))
				val = (uint64_t)(int64_t)(int32_t)val;
		}
		call->args[i] = val;
	}
	/* The kernel's mmap2 takes the offset in units of 4096 bytes on every architecture. */
	if (ent->abi == SYSDECODE_ABI_MMAP_PGOFF)
		call->args[5] *= 4096;
	if (ent->abi == SYSDECODE_ABI_OLD_MMAP)
		return -EFAULT;
	return 0;
}

void sysdecode_unpack_old_mmap(struct sysdecode_call *call, const uint32_t words[6])
{
	for (unsigned int i = 0; i < 6; i++)
		call->args[i] = words[i];
	call->args[4] = (uint64_t)(int64_t)(int32_t)words[4];
}

/* The index of the first argument of type in call's kind, or -1. */
static int arg_index(const struct sysdecode_call *call, enum sysdecode_arg type)
{
	const struct sysdecode_desc *desc = call->ent ? &descs[call->ent->kind] : &descs[0];

	for (int i = 0; i < 6; i++)
		if (desc->args[i] == type)
			return i;
	return -1;
}

bool sysdecode_has_fd(const struct sysdecode_call *call)
{
	int fd = arg_index(call, SYSDECODE_ARG_FD);
	int flags = arg_index(call, SYSDECODE_ARG_MMAP_FLAGS);

	/* The kernel takes the fd as an unsigned int (fget()), as sysdecode_fd() does. */
	return fd >= 0 && (flags < 0 || !(call->args[flags] & MAP_ANONYMOUS)) &&
	       (int)call->args[fd] >= 0;
}

int sysdecode_fd(const struct sysdecode_call *call)
{
	int fd = arg_index(call, SYSDECODE_ARG_FD);

	return fd >= 0 ? (int)(int64_t)call->args[fd] : -1;
}

const char *sysdecode_kind_name(enum sysdecode_kind kind)
{
	if ((unsigned int)kind >= SYSDECODE_NKINDS)
		return "?";
	return descs[kind].name;
}

/*
 * A bounded string builder: appends never overflow, and len keeps the
 * length the whole text would have, so callers get snprintf's contract.
 */
struct strbuf {
	char *buf;
	size_t size;
	size_t len;
};

static void sb_init(struct strbuf *sb, char *buf, size_t size)
{
	sb->buf = buf;
	sb->size = size;
	sb->len = 0;
	if (size)
		buf[0] = '\0';
}

static void sb_printf(struct strbuf *sb, const char *fmt, ...) ATTRIBUTE_FORMAT(2, 3);

static void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	size_t avail = sb->len < sb->size ? sb->size - sb->len : 0;
	va_list ap;
	int len;

	va_start(ap, fmt);
	/* clang-tidy 14 loses track of va_start when fed several files: a false positive. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	len = vsnprintf(avail ? sb->buf + sb->len : NULL, avail, fmt, ap);
	va_end(ap);
	if (len > 0)
		sb->len += (size_t)len;
}

static void sb_puts(struct strbuf *sb, const char *str)
{
	size_t slen = strlen(str);

	if (sb->len + 1 < sb->size) {
		size_t room = sb->size - sb->len - 1;
		size_t ncopy = slen < room ? slen : room;

		memcpy(sb->buf + sb->len, str, ncopy);
		sb->buf[sb->len + ncopy] = '\0';
	}
	sb->len += slen;
}

/* Takes back what was appended since the text was len long. */
static void sb_unput(struct strbuf *sb, size_t len)
{
	sb->len = len;
	if (len < sb->size)
		sb->buf[len] = '\0';
}

struct xlat {
	uint64_t val;
	const char *name;
};

/* A constant of the system headers and its name (strace's XLAT). */
#define XLAT(name)            \
	{                     \
		(name), #name \
	}

/* Appends the names of the bits of value found in table, then the rest in hex. */
static void sb_bits(struct strbuf *sb, const struct xlat *table, size_t count, uint64_t value,
		    bool *first)
{
	for (size_t i = 0; i < count; i++) {
		if ((value & table[i].val) != table[i].val)
			continue;
		sb_printf(sb, "%s%s", *first ? "" : "|", table[i].name);
		*first = false;
		value &= ~table[i].val;
	}
	if (value) {
		sb_printf(sb, "%s%#llx", *first ? "" : "|", (unsigned long long)value);
		*first = false;
	}
}

/* Ascending; PROT_BTI and PROT_MTE are arm64's (its asm/mman.h), no flag elsewhere. */
static const struct xlat prot_bits[] = {
	XLAT(PROT_READ),      XLAT(PROT_WRITE),	  XLAT(PROT_EXEC), XLAT(PROT_SEM),
#ifdef PROT_BTI
	XLAT(PROT_BTI),
#endif
#ifdef PROT_MTE
	XLAT(PROT_MTE),
#endif
	XLAT(PROT_GROWSDOWN), XLAT(PROT_GROWSUP),
};

size_t sysdecode_format_prot(char *buf, size_t size, uint64_t prot)
{
	struct strbuf sb;
	bool first = true;

	sb_init(&sb, buf, size);
	if (!prot)
		sb_puts(&sb, "PROT_NONE");
	else
		sb_bits(&sb, prot_bits, ARRAY_SIZE(prot_bits), prot, &first);
	return sb.len;
}

/* The mapping type: the low four bits of mmap's flags (include/uapi/linux/mman.h). */
static const struct xlat map_types[] = {
	XLAT(MAP_SHARED),
	XLAT(MAP_PRIVATE),
	XLAT(MAP_SHARED_VALIDATE),
	XLAT(MAP_DROPPABLE),
};

/*
 * Ascending bit order (include/uapi/asm-generic/mman-common.h, asm/mman.h).
 * MAP_32BIT is x86's alone: elsewhere its bit is no flag.
 */
static const struct xlat map_bits[] = {
	XLAT(MAP_FIXED),     XLAT(MAP_ANONYMOUS),
#ifdef MAP_32BIT
	XLAT(MAP_32BIT),
#endif
	XLAT(MAP_GROWSDOWN), XLAT(MAP_DENYWRITE), XLAT(MAP_EXECUTABLE),	     XLAT(MAP_LOCKED),
	XLAT(MAP_NORESERVE), XLAT(MAP_POPULATE),  XLAT(MAP_NONBLOCK),	     XLAT(MAP_STACK),
	XLAT(MAP_HUGETLB),   XLAT(MAP_SYNC),	  XLAT(MAP_FIXED_NOREPLACE),
};

static const struct xlat huge_sizes[] = {
	{ 16, "MAP_HUGE_64KB" }, { 19, "MAP_HUGE_512KB" }, { 20, "MAP_HUGE_1MB" },
	{ 21, "MAP_HUGE_2MB" },	 { 23, "MAP_HUGE_8MB" },   { 24, "MAP_HUGE_16MB" },
	{ 25, "MAP_HUGE_32MB" }, { 28, "MAP_HUGE_256MB" }, { 29, "MAP_HUGE_512MB" },
	{ 30, "MAP_HUGE_1GB" },	 { 31, "MAP_HUGE_2GB" },   { 34, "MAP_HUGE_16GB" },
};

size_t sysdecode_format_mmap_flags(char *buf, size_t size, uint64_t flags)
{
	uint64_t type = flags & MAP_TYPE;
	uint64_t rest = flags & ~(uint64_t)MAP_TYPE;
	uint64_t huge = 0;
	const char *huge_name = NULL;
	struct strbuf sb;
	bool first = true;

	sb_init(&sb, buf, size);
	for (size_t i = 0; i < ARRAY_SIZE(map_types); i++) {
		if (map_types[i].val == type) {
			sb_puts(&sb, map_types[i].name);
			first = false;
			type = 0;
			break;
		}
	}
	if (type) {
		/* An unknown type stays visible, in hex, before the flags. */
		sb_printf(&sb, "%#llx", (unsigned long long)type);
		first = false;
	}
	/*
	 * Bits 26-31 hold log2 of the huge page size when MAP_HUGETLB is set
	 * (MAP_HUGE_SHIFT); without it, bit 26 is MAP_UNINITIALIZED.
	 */
	if (rest & MAP_HUGETLB) {
		huge = (rest >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
		rest &= ~((uint64_t)MAP_HUGE_MASK << MAP_HUGE_SHIFT);
		for (size_t i = 0; i < ARRAY_SIZE(huge_sizes); i++)
			if (huge_sizes[i].val == huge)
				huge_name = huge_sizes[i].name;
	}
	{
		bool uninit = !(rest & MAP_HUGETLB) && (rest & MAP_UNINITIALIZED);
		uint64_t known_rest = rest & ~(uint64_t)MAP_UNINITIALIZED;
		uint64_t unknown = 0;

		for (size_t i = 0; i < ARRAY_SIZE(map_bits); i++) {
			if (known_rest & map_bits[i].val) {
				sb_printf(&sb, "%s%s", first ? "" : "|", map_bits[i].name);
				first = false;
				known_rest &= ~map_bits[i].val;
			}
		}
		unknown = known_rest;
		if (uninit) {
			sb_printf(&sb, "%sMAP_UNINITIALIZED", first ? "" : "|");
			first = false;
		}
		if (huge_name) {
			sb_printf(&sb, "%s%s", first ? "" : "|", huge_name);
			first = false;
		} else if (huge) {
			sb_printf(&sb, "%s%llu<<MAP_HUGE_SHIFT", first ? "" : "|",
				  (unsigned long long)huge);
			first = false;
		}
		if (unknown) {
			sb_printf(&sb, "%s%#llx", first ? "" : "|", (unsigned long long)unknown);
			first = false;
		}
	}
	if (first)
		sb_puts(&sb, "0");
	return sb.len;
}

/* include/uapi/asm-generic/mman-common.h */
static const struct xlat madv_names[] = {
	XLAT(MADV_NORMAL),	    XLAT(MADV_RANDOM),	      XLAT(MADV_SEQUENTIAL),
	XLAT(MADV_WILLNEED),	    XLAT(MADV_DONTNEED),      XLAT(MADV_FREE),
	XLAT(MADV_REMOVE),	    XLAT(MADV_DONTFORK),      XLAT(MADV_DOFORK),
	XLAT(MADV_MERGEABLE),	    XLAT(MADV_UNMERGEABLE),   XLAT(MADV_HUGEPAGE),
	XLAT(MADV_NOHUGEPAGE),	    XLAT(MADV_DONTDUMP),      XLAT(MADV_DODUMP),
	XLAT(MADV_WIPEONFORK),	    XLAT(MADV_KEEPONFORK),    XLAT(MADV_COLD),
	XLAT(MADV_PAGEOUT),	    XLAT(MADV_POPULATE_READ), XLAT(MADV_POPULATE_WRITE),
	XLAT(MADV_DONTNEED_LOCKED), XLAT(MADV_COLLAPSE),      XLAT(MADV_HWPOISON),
	XLAT(MADV_SOFT_OFFLINE),    XLAT(MADV_GUARD_INSTALL), XLAT(MADV_GUARD_REMOVE),
};

size_t sysdecode_format_madvise(char *buf, size_t size, uint64_t advice)
{
	struct strbuf sb;

	sb_init(&sb, buf, size);
	for (size_t i = 0; i < ARRAY_SIZE(madv_names); i++) {
		if (madv_names[i].val == advice) {
			sb_puts(&sb, madv_names[i].name);
			return sb.len;
		}
	}
	sb_printf(&sb, "%#llx /* MADV_??? */", (unsigned long long)advice);
	return sb.len;
}

static size_t format_bits_or_zero(char *buf, size_t size, const struct xlat *table, size_t count,
				  uint64_t flags)
{
	struct strbuf sb;
	bool first = true;

	sb_init(&sb, buf, size);
	if (!flags)
		sb_puts(&sb, "0");
	else
		sb_bits(&sb, table, count, flags, &first);
	return sb.len;
}

static const struct xlat mremap_bits[] = {
	XLAT(MREMAP_MAYMOVE),
	XLAT(MREMAP_FIXED),
	XLAT(MREMAP_DONTUNMAP),
};

size_t sysdecode_format_mremap_flags(char *buf, size_t size, uint64_t flags)
{
	return format_bits_or_zero(buf, size, mremap_bits, ARRAY_SIZE(mremap_bits), flags);
}

/* include/uapi/linux/shm.h */
static const struct xlat shm_bits[] = {
	XLAT(SHM_RDONLY),
	XLAT(SHM_RND),
	XLAT(SHM_REMAP),
	XLAT(SHM_EXEC),
};

size_t sysdecode_format_shm_flags(char *buf, size_t size, uint64_t flags)
{
	return format_bits_or_zero(buf, size, shm_bits, ARRAY_SIZE(shm_bits), flags);
}

/* arch/x86/include/uapi/asm/mman.h */
static const struct xlat shadow_stack_bits[] = {
	XLAT(SHADOW_STACK_SET_TOKEN),
	XLAT(SHADOW_STACK_SET_MARKER),
};

static void sb_addr(struct strbuf *sb, uint64_t addr)
{
	if (addr)
		sb_printf(sb, "%#llx", (unsigned long long)addr);
	else
		sb_puts(sb, "NULL");
}

static void sb_ulong(struct strbuf *sb, uint64_t val)
{
	sb_printf(sb, "%llu", (unsigned long long)val);
}

static void sb_hex(struct strbuf *sb, uint64_t val)
{
	sb_printf(sb, "%#llx", (unsigned long long)val);
}

typedef size_t (*format_flags_fn)(char *buf, size_t size, uint64_t value);

static void sb_flags(struct strbuf *sb, format_flags_fn fn, uint64_t value)
{
	char tmp[256];

	fn(tmp, sizeof(tmp), value);
	sb_puts(sb, tmp);
}

static size_t format_shadow_stack_flags(char *buf, size_t size, uint64_t flags)
{
	return format_bits_or_zero(buf, size, shadow_stack_bits, ARRAY_SIZE(shadow_stack_bits),
				   flags);
}

/*
 * One argument of call, index i, of type as the kernel reads it; false
 * when it is not shown (mremap's new_address without MREMAP_FIXED, which
 * the kernel does not read: mm/mremap.c).
 */
static bool sb_arg(struct strbuf *sb, const struct sysdecode_call *call, int i,
		   enum sysdecode_arg type, const char *fd_path)
{
	uint64_t val = call->args[i];
	int flags;

	switch (type) {
	case SYSDECODE_ARG_NONE:
		return false;
	case SYSDECODE_ARG_ADDR:
		sb_addr(sb, val);
		break;
	case SYSDECODE_ARG_ULONG:
		sb_ulong(sb, val);
		break;
	case SYSDECODE_ARG_UINT:
		sb_printf(sb, "%u", (unsigned int)val);
		break;
	case SYSDECODE_ARG_INT:
		sb_printf(sb, "%d", (int)(int64_t)val);
		break;
	case SYSDECODE_ARG_FD:
		sb_printf(sb, "%d", (int)(int64_t)val);
		if (fd_path)
			sb_printf(sb, "<%s>", fd_path);
		break;
	case SYSDECODE_ARG_HEX:
		sb_hex(sb, val);
		break;
	case SYSDECODE_ARG_PROT:
		sb_flags(sb, sysdecode_format_prot, val);
		break;
	case SYSDECODE_ARG_MMAP_FLAGS:
		sb_flags(sb, sysdecode_format_mmap_flags, val);
		break;
	case SYSDECODE_ARG_MADVISE:
		sb_flags(sb, sysdecode_format_madvise, val);
		break;
	case SYSDECODE_ARG_MREMAP_FLAGS:
		sb_flags(sb, sysdecode_format_mremap_flags, val);
		break;
	case SYSDECODE_ARG_MREMAP_ADDR:
		flags = arg_index(call, SYSDECODE_ARG_MREMAP_FLAGS);
		if (flags < 0 || !(call->args[flags] & MREMAP_FIXED))
			return false;
		sb_addr(sb, val);
		break;
	case SYSDECODE_ARG_SHM_FLAGS:
		sb_flags(sb, sysdecode_format_shm_flags, val);
		break;
	case SYSDECODE_ARG_SHSTK_FLAGS:
		sb_flags(sb, format_shadow_stack_flags, val);
		break;
	}
	return true;
}

const char *sysdecode_abi(const struct sysdecode_call *call)
{
	const struct arch_personality *pers = arch_personality(call->arch);

	return pers && pers->nr_abi_bit && (call->nr & pers->nr_abi_bit) ? pers->abi_bit_name
									 : NULL;
}

size_t sysdecode_format_call(char *buf, size_t size, const struct sysdecode_call *call,
			     const char *fd_path)
{
	const struct sysdecode_desc *desc;
	struct strbuf sb;

	sb_init(&sb, buf, size);
	if (!call->ent) {
		sb_printf(&sb, "syscall_%#llx(?)", (unsigned long long)call->nr);
		return sb.len;
	}
	desc = &descs[call->ent->kind];
	sb_printf(&sb, "%s(", call->ent->name);
	for (int i = 0; i < 6 && desc->args[i]; i++) {
		size_t before = sb.len;

		if (i)
			sb_puts(&sb, ", ");
		if (!sb_arg(&sb, call, i, desc->args[i], fd_path))
			sb_unput(&sb, before);
	}
	sb_puts(&sb, ")");
	return sb.len;
}

/* Kernel-internal codes a tracer can see at syscall exit (include/linux/errno.h). */
static const struct xlat restart_names[] = {
	{ 512, "ERESTARTSYS" },
	{ 513, "ERESTARTNOINTR" },
	{ 514, "ERESTARTNOHAND" },
	{ 516, "ERESTART_RESTARTBLOCK" },
};

size_t sysdecode_format_result(char *buf, size_t size, const struct sysdecode_call *call,
			       bool finished, int64_t rval, int err)
{
	struct strbuf sb;
	const char *name;

	sb_init(&sb, buf, size);
	if (!finished) {
		sb_puts(&sb, "?");
		return sb.len;
	}
	if (err) {
		name = strerrorname_np(err);
		if (name) {
			sb_printf(&sb, "-1 %s (%s)", name, strerrordesc_np(err));
			return sb.len;
		}
		for (size_t i = 0; i < ARRAY_SIZE(restart_names); i++) {
			if (restart_names[i].val == (uint64_t)err) {
				sb_printf(&sb, "? %s (To be restarted)", restart_names[i].name);
				return sb.len;
			}
		}
		sb_printf(&sb, "-1 E%d (Unknown error %d)", err, err);
		return sb.len;
	}
	if (call->ent && (descs[call->ent->kind].flags & SYSDECODE_RET_ADDR))
		sb_hex(&sb, (uint64_t)rval);
	else
		sb_printf(&sb, "%lld", (long long)rval);
	return sb.len;
}
