/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Memory system calls: tables, normalization and text.  See sysdecode.h. */
#include "sysdecode.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static const struct sysent sysent_x86_64[] = {
#include "sysent_x86_64.h"
};

static const struct sysent sysent_i386[] = {
#include "sysent_i386.h"
};

const struct sysent *sysdecode_lookup(uint32_t arch, uint64_t nr)
{
	const struct sysent *table;
	size_t count;

	switch (arch) {
	case SYSDECODE_ARCH_X86_64:
		/* x32 shares the x86_64 numbers of the memory calls. */
		nr &= ~(uint64_t)SYSDECODE_X32_BIT;
		table = sysent_x86_64;
		count = ARRAY_SIZE(sysent_x86_64);
		break;
	case SYSDECODE_ARCH_I386:
		table = sysent_i386;
		count = ARRAY_SIZE(sysent_i386);
		break;
	default:
		return NULL;
	}
	if (nr >= count || !table[nr].name)
		return NULL;
	return &table[nr];
}

/* arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl */
#define NR_EXIT_GROUP_X86_64 231
#define NR_EXIT_GROUP_I386 252

size_t sysdecode_x86_64_traced(uint32_t *nrs, size_t cap)
{
	size_t count = 0;

	for (size_t nr = 0; nr < ARRAY_SIZE(sysent_x86_64); nr++) {
		if (!sysent_x86_64[nr].name)
			continue;
		if (count < cap)
			nrs[count] = (uint32_t)nr;
		count++;
	}
	if (count < cap)
		nrs[count] = NR_EXIT_GROUP_X86_64;
	return count + 1;
}

bool sysdecode_is_exit_group(uint32_t arch, uint64_t nr)
{
	return (arch == SYSDECODE_ARCH_X86_64 && nr == NR_EXIT_GROUP_X86_64) ||
	       (arch == SYSDECODE_ARCH_I386 && nr == NR_EXIT_GROUP_I386);
}

/*
 * Whether the kernel reads only the low 32 bits of each argument register.
 * Only i386 does: x32 calls go through the x86_64 entry and sys_mmap() and
 * friends take the 64-bit registers whole (arch/x86/entry/syscall_x32.c),
 * so x32's 64-bit off_t arrives in one register.  Narrowing x32 arguments
 * too would cut an mmap offset past 4 GiB.
 */
static bool arch_is_32bit(uint32_t arch)
{
	return arch == SYSDECODE_ARCH_I386;
}

/* Which arguments of each kind are signed ints (file descriptors, pkeys). */
static bool arg_is_signed_int(enum sysdecode_kind kind, unsigned int idx)
{
	switch (kind) {
	case SYSDECODE_MMAP:
		return idx == 4;
	case SYSDECODE_PKEY_MPROTECT:
		return idx == 3;
	case SYSDECODE_SHMAT:
		return idx == 0;
	default:
		return false;
	}
}

int sysdecode_entry(struct sysdecode_call *call, uint32_t arch, uint64_t nr, const uint64_t args[6])
{
	const struct sysent *ent = sysdecode_lookup(arch, nr);
	bool narrow = arch_is_32bit(arch);

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
			if (arg_is_signed_int(ent->kind, i))
				val = (uint64_t)(int64_t)(int32_t)val;
		}
		call->args[i] = val;
	}
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

#define MAP_TYPE_MASK 0x0fU
#define MAP_ANONYMOUS_BIT 0x20U

bool sysdecode_has_fd(const struct sysdecode_call *call)
{
	/* The kernel takes the fd as an unsigned int (fget()), as sysdecode_fd() does. */
	return call->ent && call->ent->kind == SYSDECODE_MMAP &&
	       !(call->args[3] & MAP_ANONYMOUS_BIT) && (int)call->args[4] >= 0;
}

int sysdecode_fd(const struct sysdecode_call *call)
{
	return (int)(int64_t)call->args[4];
}

static const char *const kind_names[SYSDECODE_NKINDS] = {
	[SYSDECODE_NONE] = "other",
	[SYSDECODE_MMAP] = "mmap",
	[SYSDECODE_MUNMAP] = "munmap",
	[SYSDECODE_MPROTECT] = "mprotect",
	[SYSDECODE_PKEY_MPROTECT] = "pkey_mprotect",
	[SYSDECODE_BRK] = "brk",
	[SYSDECODE_MADVISE] = "madvise",
	[SYSDECODE_MREMAP] = "mremap",
	[SYSDECODE_SHMAT] = "shmat",
	[SYSDECODE_SHMDT] = "shmdt",
	[SYSDECODE_IO_SETUP] = "io_setup",
	[SYSDECODE_IO_DESTROY] = "io_destroy",
	[SYSDECODE_REMAP_FILE_PAGES] = "remap_file_pages",
	[SYSDECODE_MAP_SHADOW_STACK] = "map_shadow_stack",
	[SYSDECODE_MSEAL] = "mseal",
};

const char *sysdecode_kind_name(enum sysdecode_kind kind)
{
	if ((unsigned int)kind >= SYSDECODE_NKINDS)
		return "?";
	return kind_names[kind];
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

struct xlat {
	uint64_t val;
	const char *name;
};

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

static const struct xlat prot_bits[] = {
	{ 0x1, "PROT_READ" },
	{ 0x2, "PROT_WRITE" },
	{ 0x4, "PROT_EXEC" },
	{ 0x8, "PROT_SEM" },
	{ 0x01000000, "PROT_GROWSDOWN" },
	{ 0x02000000, "PROT_GROWSUP" },
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
	{ 0x1, "MAP_SHARED" },
	{ 0x2, "MAP_PRIVATE" },
	{ 0x3, "MAP_SHARED_VALIDATE" },
	{ 0x8, "MAP_DROPPABLE" },
};

/* Ascending bit order (include/uapi/asm-generic/mman-common.h, asm/mman.h). */
static const struct xlat map_bits[] = {
	{ 0x10, "MAP_FIXED" },	    { 0x20, "MAP_ANONYMOUS" },
	{ 0x40, "MAP_32BIT" },	    { 0x100, "MAP_GROWSDOWN" },
	{ 0x800, "MAP_DENYWRITE" }, { 0x1000, "MAP_EXECUTABLE" },
	{ 0x2000, "MAP_LOCKED" },   { 0x4000, "MAP_NORESERVE" },
	{ 0x8000, "MAP_POPULATE" }, { 0x10000, "MAP_NONBLOCK" },
	{ 0x20000, "MAP_STACK" },   { 0x40000, "MAP_HUGETLB" },
	{ 0x80000, "MAP_SYNC" },    { 0x100000, "MAP_FIXED_NOREPLACE" },
};

#define MAP_HUGETLB_BIT 0x40000U
#define MAP_HUGE_SHIFT 26
#define MAP_HUGE_MASK 0x3fU
#define MAP_UNINITIALIZED_BIT 0x4000000U

static const struct xlat huge_sizes[] = {
	{ 16, "MAP_HUGE_64KB" }, { 19, "MAP_HUGE_512KB" }, { 20, "MAP_HUGE_1MB" },
	{ 21, "MAP_HUGE_2MB" },	 { 23, "MAP_HUGE_8MB" },   { 24, "MAP_HUGE_16MB" },
	{ 25, "MAP_HUGE_32MB" }, { 28, "MAP_HUGE_256MB" }, { 29, "MAP_HUGE_512MB" },
	{ 30, "MAP_HUGE_1GB" },	 { 31, "MAP_HUGE_2GB" },   { 34, "MAP_HUGE_16GB" },
};

size_t sysdecode_format_mmap_flags(char *buf, size_t size, uint64_t flags)
{
	uint64_t type = flags & MAP_TYPE_MASK;
	uint64_t rest = flags & ~(uint64_t)MAP_TYPE_MASK;
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
	if (rest & MAP_HUGETLB_BIT) {
		huge = (rest >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
		rest &= ~((uint64_t)MAP_HUGE_MASK << MAP_HUGE_SHIFT);
		for (size_t i = 0; i < ARRAY_SIZE(huge_sizes); i++)
			if (huge_sizes[i].val == huge)
				huge_name = huge_sizes[i].name;
	}
	{
		bool uninit = !(rest & MAP_HUGETLB_BIT) && (rest & MAP_UNINITIALIZED_BIT);
		uint64_t known_rest = rest & ~(uint64_t)MAP_UNINITIALIZED_BIT;
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
	{ 0, "MADV_NORMAL" },	       { 1, "MADV_RANDOM" },
	{ 2, "MADV_SEQUENTIAL" },      { 3, "MADV_WILLNEED" },
	{ 4, "MADV_DONTNEED" },	       { 8, "MADV_FREE" },
	{ 9, "MADV_REMOVE" },	       { 10, "MADV_DONTFORK" },
	{ 11, "MADV_DOFORK" },	       { 12, "MADV_MERGEABLE" },
	{ 13, "MADV_UNMERGEABLE" },    { 14, "MADV_HUGEPAGE" },
	{ 15, "MADV_NOHUGEPAGE" },     { 16, "MADV_DONTDUMP" },
	{ 17, "MADV_DODUMP" },	       { 18, "MADV_WIPEONFORK" },
	{ 19, "MADV_KEEPONFORK" },     { 20, "MADV_COLD" },
	{ 21, "MADV_PAGEOUT" },	       { 22, "MADV_POPULATE_READ" },
	{ 23, "MADV_POPULATE_WRITE" }, { 24, "MADV_DONTNEED_LOCKED" },
	{ 25, "MADV_COLLAPSE" },       { 100, "MADV_HWPOISON" },
	{ 101, "MADV_SOFT_OFFLINE" },  { 102, "MADV_GUARD_INSTALL" },
	{ 103, "MADV_GUARD_REMOVE" },
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
	{ 0x1, "MREMAP_MAYMOVE" },
	{ 0x2, "MREMAP_FIXED" },
	{ 0x4, "MREMAP_DONTUNMAP" },
};

size_t sysdecode_format_mremap_flags(char *buf, size_t size, uint64_t flags)
{
	return format_bits_or_zero(buf, size, mremap_bits, ARRAY_SIZE(mremap_bits), flags);
}

/* include/uapi/linux/shm.h */
static const struct xlat shm_bits[] = {
	{ 010000, "SHM_RDONLY" },
	{ 020000, "SHM_RND" },
	{ 040000, "SHM_REMAP" },
	{ 0100000, "SHM_EXEC" },
};

size_t sysdecode_format_shm_flags(char *buf, size_t size, uint64_t flags)
{
	return format_bits_or_zero(buf, size, shm_bits, ARRAY_SIZE(shm_bits), flags);
}

/* arch/x86/include/uapi/asm/mman.h */
static const struct xlat shadow_stack_bits[] = {
	{ 0x1, "SHADOW_STACK_SET_TOKEN" },
	{ 0x2, "SHADOW_STACK_SET_MARKER" },
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

size_t sysdecode_format_call(char *buf, size_t size, const struct sysdecode_call *call,
			     const char *fd_path)
{
	const uint64_t *arg = call->args;
	struct strbuf sb;

	sb_init(&sb, buf, size);
	if (!call->ent) {
		sb_printf(&sb, "syscall_%#llx(?)", (unsigned long long)call->nr);
		return sb.len;
	}
	sb_printf(&sb, "%s(", call->ent->name);
	switch (call->ent->kind) {
	case SYSDECODE_MMAP:
		sb_addr(&sb, arg[0]);
		sb_puts(&sb, ", ");
		sb_ulong(&sb, arg[1]);
		sb_puts(&sb, ", ");
		sb_flags(&sb, sysdecode_format_prot, arg[2]);
		sb_puts(&sb, ", ");
		sb_flags(&sb, sysdecode_format_mmap_flags, arg[3]);
		sb_printf(&sb, ", %d", (int)(int64_t)arg[4]);
		if (fd_path)
			sb_printf(&sb, "<%s>", fd_path);
		sb_puts(&sb, ", ");
		sb_hex(&sb, arg[5]);
		break;
	case SYSDECODE_MUNMAP:
	case SYSDECODE_MSEAL:
		sb_addr(&sb, arg[0]);
		sb_puts(&sb, ", ");
		sb_ulong(&sb, arg[1]);
		if (call->ent->kind == SYSDECODE_MSEAL) {
			sb_puts(&sb, ", ");
			sb_hex(&sb, arg[2]);
		}
		break;
	case SYSDECODE_MPROTECT:
	case SYSDECODE_PKEY_MPROTECT:
		sb_addr(&sb, arg[0]);
		sb_puts(&sb, ", ");
		sb_ulong(&sb, arg[1]);
		sb_puts(&sb, ", ");
		sb_flags(&sb, sysdecode_format_prot, arg[2]);
		if (call->ent->kind == SYSDECODE_PKEY_MPROTECT)
			sb_printf(&sb, ", %d", (int)(int64_t)arg[3]);
		break;
	case SYSDECODE_BRK:
	case SYSDECODE_SHMDT:
		sb_addr(&sb, arg[0]);
		break;
	case SYSDECODE_MADVISE:
		sb_addr(&sb, arg[0]);
		sb_puts(&sb, ", ");
		sb_ulong(&sb, arg[1]);
		sb_puts(&sb, ", ");
		sb_flags(&sb, sysdecode_format_madvise, arg[2]);
		break;
	case SYSDECODE_MREMAP:
		sb_addr(&sb, arg[0]);
		sb_puts(&sb, ", ");
		sb_ulong(&sb, arg[1]);
		sb_puts(&sb, ", ");
		sb_ulong(&sb, arg[2]);
		sb_puts(&sb, ", ");
		sb_flags(&sb, sysdecode_format_mremap_flags, arg[3]);
		/* new_address is read by the kernel only with MREMAP_FIXED (mm/mremap.c). */
		if (arg[3] & 0x2) {
			sb_puts(&sb, ", ");
			sb_addr(&sb, arg[4]);
		}
		break;
	case SYSDECODE_SHMAT:
		sb_printf(&sb, "%d, ", (int)(int64_t)arg[0]);
		sb_addr(&sb, arg[1]);
		sb_puts(&sb, ", ");
		sb_flags(&sb, sysdecode_format_shm_flags, arg[2]);
		break;
	case SYSDECODE_IO_SETUP:
		sb_printf(&sb, "%u, ", (unsigned int)arg[0]);
		sb_addr(&sb, arg[1]);
		break;
	case SYSDECODE_IO_DESTROY:
		sb_hex(&sb, arg[0]);
		break;
	case SYSDECODE_REMAP_FILE_PAGES:
		sb_addr(&sb, arg[0]);
		sb_puts(&sb, ", ");
		sb_ulong(&sb, arg[1]);
		sb_puts(&sb, ", ");
		sb_flags(&sb, sysdecode_format_prot, arg[2]);
		sb_puts(&sb, ", ");
		sb_ulong(&sb, arg[3]);
		sb_puts(&sb, ", ");
		sb_flags(&sb, sysdecode_format_mmap_flags, arg[4]);
		break;
	case SYSDECODE_MAP_SHADOW_STACK:
		sb_addr(&sb, arg[0]);
		sb_puts(&sb, ", ");
		sb_ulong(&sb, arg[1]);
		sb_puts(&sb, ", ");
		sb_flags(&sb, format_shadow_stack_flags, arg[2]);
		break;
	case SYSDECODE_NONE:
	case SYSDECODE_NKINDS:
		break;
	}
	sb_puts(&sb, ")");
	return sb.len;
}

static bool returns_address(enum sysdecode_kind kind)
{
	switch (kind) {
	case SYSDECODE_MMAP:
	case SYSDECODE_MREMAP:
	case SYSDECODE_SHMAT:
	case SYSDECODE_BRK:
	case SYSDECODE_MAP_SHADOW_STACK:
		return true;
	default:
		return false;
	}
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
	if (call->ent && returns_address(call->ent->kind))
		sb_hex(&sb, (uint64_t)rval);
	else
		sb_printf(&sb, "%lld", (long long)rval);
	return sb.len;
}
