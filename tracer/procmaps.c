/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /proc/PID/maps: see procmaps.h.
 *
 * The parser runs at every syscall stop under --verify, so it is written
 * by hand (no sscanf) and is strict about the one format the kernel
 * prints (fs/proc/task_mmu.c, show_vma_header_prefix and show_map_vma):
 *
 *   start-end perms offset major:minor inode[ <pad> path]
 *
 * start, end and offset are hex, zero-padded to at least 8 digits;
 * major and minor are hex, at least 2 digits; the inode is decimal.
 * Every field is followed by exactly one space.  After the inode, the
 * kernel prints one space, then, only when there is a path, pads with
 * spaces to column 73 and adds one more before the path; so an anonymous
 * line ends in "0 " (older kernels printed no trailing space: both are
 * accepted, and so are extra trailing spaces).
 */
#include "procmaps.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

#define DELETED_SUFFIX " (deleted)"
#define DELETED_SUFFIX_LEN (sizeof(DELETED_SUFFIX) - 1)

/* Digits in a uint64_t: 16 in hex, 20 in decimal. */
#define HEX64_DIGITS_MAX 16
#define HEX32_DIGITS_MAX 8
#define DEC64_DIGITS_MAX 20

/* A cursor over one line: [pos, end). */
struct cursor {
	const char *pos;
	const char *end;
};

static int hex_value(char chr)
{
	if (chr >= '0' && chr <= '9')
		return chr - '0';
	if (chr >= 'a' && chr <= 'f')
		return chr - 'a' + 10;
	if (chr >= 'A' && chr <= 'F')
		return chr - 'A' + 10;
	return -1;
}

/*
 * Reads 1 to max_digits hex digits (max_digits <= 16, so the value cannot
 * overflow).  Returns 0, or -EINVAL when there is no digit or too many.
 */
static int parse_hex(struct cursor *cur, unsigned int max_digits, uint64_t *value)
{
	const char *start = cur->pos;
	uint64_t val = 0;
	int digit;

	while (cur->pos < cur->end && (digit = hex_value(*cur->pos)) >= 0) {
		if ((size_t)(cur->pos - start) >= max_digits)
			return -EINVAL;
		val = (val << 4) | (uint64_t)digit;
		cur->pos++;
	}
	if (cur->pos == start)
		return -EINVAL;
	*value = val;
	return 0;
}

/* Reads a decimal uint64_t.  Returns 0, or -EINVAL (no digit, overflow). */
static int parse_dec(struct cursor *cur, uint64_t *value)
{
	const char *start = cur->pos;
	uint64_t val = 0;

	while (cur->pos < cur->end && *cur->pos >= '0' && *cur->pos <= '9') {
		uint64_t digit = (uint64_t)(*cur->pos - '0');

		if ((size_t)(cur->pos - start) >= DEC64_DIGITS_MAX ||
		    val > (UINT64_MAX - digit) / 10)
			return -EINVAL;
		val = val * 10 + digit;
		cur->pos++;
	}
	if (cur->pos == start)
		return -EINVAL;
	*value = val;
	return 0;
}

static int expect_char(struct cursor *cur, char chr)
{
	if (cur->pos == cur->end || *cur->pos != chr)
		return -EINVAL;
	cur->pos++;
	return 0;
}

static int parse_perms(struct cursor *cur, struct procmaps_entry *entry)
{
	const char *perms = cur->pos;
	unsigned int prot = 0;

	if (cur->end - cur->pos < 4)
		return -EINVAL;
	if (perms[0] == 'r')
		prot |= PROT_READ;
	else if (perms[0] != '-')
		return -EINVAL;
	if (perms[1] == 'w')
		prot |= PROT_WRITE;
	else if (perms[1] != '-')
		return -EINVAL;
	if (perms[2] == 'x')
		prot |= PROT_EXEC;
	else if (perms[2] != '-')
		return -EINVAL;
	if (perms[3] == 's')
		entry->shared = true;
	else if (perms[3] == 'p')
		entry->shared = false;
	else
		return -EINVAL;
	entry->prot = prot;
	cur->pos += 4;
	return 0;
}

/*
 * d_path() appends " (deleted)" to an unlinked file's name: entry's path
 * loses it and entry is marked deleted.  A file really named "x (deleted)"
 * reads the same; the kernel gives no way to tell the two apart.
 */
static void strip_deleted(struct procmaps_entry *entry)
{
	size_t len = entry->path_len;

	if (len > DELETED_SUFFIX_LEN &&
	    !memcmp(entry->path + len - DELETED_SUFFIX_LEN, DELETED_SUFFIX, DELETED_SUFFIX_LEN)) {
		entry->deleted = true;
		entry->path_len = len - DELETED_SUFFIX_LEN;
	}
}

/*
 * The rest of the line after the inode: nothing, or spaces, then the path
 * if any.  Spaces at the end of a path are kept: a file name may end with
 * one, and the kernel does not escape spaces (only '\n', as "\012").
 */
static void parse_path(struct cursor *cur, struct procmaps_entry *entry)
{
	const char *path = cur->pos;
	size_t len;

	while (path < cur->end && *path == ' ')
		path++;
	len = (size_t)(cur->end - path);
	entry->deleted = false;
	if (len == 0) {
		entry->path = NULL;
		entry->path_len = 0;
		return;
	}
	entry->path = path;
	entry->path_len = len;
	strip_deleted(entry);
}

int procmaps_parse_line(const char *line, size_t len, struct procmaps_entry *entry)
{
	/* As in procmaps_iter_init: line may be NULL when len is 0. */
	struct cursor cur = { .pos = line, .end = len ? line + len : line };
	uint64_t major, minor;

	if (parse_hex(&cur, HEX64_DIGITS_MAX, &entry->start) || expect_char(&cur, '-') ||
	    parse_hex(&cur, HEX64_DIGITS_MAX, &entry->end) || expect_char(&cur, ' ') ||
	    parse_perms(&cur, entry) || expect_char(&cur, ' ') ||
	    parse_hex(&cur, HEX64_DIGITS_MAX, &entry->offset) || expect_char(&cur, ' ') ||
	    parse_hex(&cur, HEX32_DIGITS_MAX, &major) || expect_char(&cur, ':') ||
	    parse_hex(&cur, HEX32_DIGITS_MAX, &minor) || expect_char(&cur, ' ') ||
	    parse_dec(&cur, &entry->inode))
		return -EINVAL;
	if (entry->start >= entry->end)
		return -EINVAL;
	entry->dev_major = (unsigned int)major;
	entry->dev_minor = (unsigned int)minor;
	/* The inode ends the line, or is followed by a space. */
	if (cur.pos < cur.end && expect_char(&cur, ' '))
		return -EINVAL;
	parse_path(&cur, entry);
	return 0;
}

void procmaps_iter_init(struct procmaps_iter *iter, const char *text, size_t len)
{
	iter->pos = text;
	/* Not text + 0: text may be NULL, and NULL + 0 is undefined in C. */
	iter->end = len ? text + len : text;
	iter->lineno = 0;
}

/* The line at iter->pos: sets *len, returns where the one after starts. */
static const char *line_at(const struct procmaps_iter *iter, size_t *len)
{
	const char *newline;

	*len = (size_t)(iter->end - iter->pos);
	newline = memchr(iter->pos, '\n', *len);
	if (!newline)
		return iter->end; /* the last line has no newline */
	*len = (size_t)(newline - iter->pos);
	return newline + 1;
}

/*
 * An smaps field line, "Name:   value kB" (or "VmFlags: rd wr"): a name
 * of letters, digits and '_' ending in ':'.  A maps line has a '-' first.
 * Sets *name_len; returns whether it is one.
 */
static bool field_line(const char *line, size_t len, size_t *name_len)
{
	size_t i = 0;

	while (i < len && (line[i] == '_' || (line[i] >= '0' && line[i] <= '9') ||
			   ((line[i] | 0x20) >= 'a' && (line[i] | 0x20) <= 'z')))
		i++;
	*name_len = i;
	return i > 0 && i < len && line[i] == ':';
}

static bool name_is(const char *line, size_t name_len, const char *name)
{
	return strlen(name) == name_len && memcmp(line, name, name_len) == 0;
}

/* Adds the kB value of field line [line, line + len) to what it counts in entry. */
static int add_field(const char *line, size_t len, size_t name_len, struct procmaps_entry *entry)
{
	struct cursor cur = { .pos = line + name_len + 1, .end = line + len };
	uint64_t *sum = NULL, kib;

	if (name_is(line, name_len, "Rss"))
		sum = &entry->rss;
	else if (name_is(line, name_len, "Private_Clean") ||
		 name_is(line, name_len, "Private_Dirty"))
		sum = &entry->private_bytes;
	else if (name_is(line, name_len, "Swap"))
		sum = &entry->swap;
	if (!sum)
		return 0; /* a field memtrace does not use */
	while (cur.pos < cur.end && *cur.pos == ' ')
		cur.pos++;
	if (parse_dec(&cur, &kib) || cur.end - cur.pos != 3 || memcmp(cur.pos, " kB", 3) != 0 ||
	    kib > UINT64_MAX / 1024)
		return -EINVAL;
	*sum += kib * 1024;
	return 0;
}

int procmaps_next(struct procmaps_iter *iter, struct procmaps_entry *entry)
{
	const char *line = iter->pos;
	size_t len, name_len;
	int err;

	if (line == iter->end)
		return 0;
	iter->pos = line_at(iter, &len);
	iter->lineno++;
	err = procmaps_parse_line(line, len, entry);
	entry->rss = entry->private_bytes = entry->swap = 0;
	/* smaps: the entry's fields, up to the next entry. */
	while (iter->pos != iter->end) {
		const char *next = line_at(iter, &len);

		if (!field_line(iter->pos, len, &name_len))
			break;
		if (!err && add_field(iter->pos, len, name_len, entry))
			err = -EINVAL;
		iter->pos = next;
		iter->lineno++;
	}
	return err ? -EINVAL : 1;
}

/* Room kept free at the end of the buffer before each read(). */
#define READ_CHUNK 4096

static int read_whole(pid_t pid, const char *name, char **buf, size_t *cap, size_t *len)
{
	char path[64];
	int fd, err = 0;

	*len = 0;
	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ESRCH : -errno;
	for (;;) {
		ssize_t got;

		if (*cap - *len < READ_CHUNK) {
			void *mem = *buf;

			xgrowarray(&mem, cap, *len + READ_CHUNK, 1);
			*buf = mem;
		}
		got = read(fd, *buf + *len, *cap - *len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (got == 0)
			break;
		*len += (size_t)got;
	}
	(void)close(fd);
	if (err)
		*len = 0;
	return err;
}

int procmaps_read(pid_t pid, char **buf, size_t *cap, size_t *len)
{
	return read_whole(pid, "maps", buf, cap, len);
}

/*
 * Whether pid sees paths as the tracer does: the same mount namespace and
 * the same root directory.
 */
static bool same_view(pid_t pid)
{
	struct stat mine, its;
	char path[64];

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	if (stat(path, &its) != 0 || stat("/proc/self/ns/mnt", &mine) != 0 ||
	    its.st_dev != mine.st_dev || its.st_ino != mine.st_ino)
		return false;
	(void)snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	if (stat(path, &its) != 0 || stat("/proc/self/root", &mine) != 0)
		return false;
	return its.st_dev == mine.st_dev && its.st_ino == mine.st_ino;
}

/*
 * Opens path when it is the file of entry: its inode, and its device
 * unless any_dev (a stacked filesystem such as overlayfs may show
 * another device in stat than in the maps).
 */
/*
 * path opened for reading when it is a regular file, -ENODEV when it is
 * not, else -errno: a device mapped by the process (a GPU's render node)
 * is never opened, so that the tracer never becomes one of its clients.
 */
static int open_regular(const char *path)
{
	char self[64];
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC), reg;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return -ENODEV;
	}
	(void)snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	reg = open(self, O_RDONLY | O_CLOEXEC);
	if (reg < 0)
		reg = -errno;
	(void)close(fd);
	return reg;
}

static int open_checked(const char *path, const struct procmaps_entry *entry, bool any_dev)
{
	struct stat st;
	int fd = open_regular(path);

	if (fd < 0)
		return fd == -ENODEV ? -ENOENT : fd;
	if (fstat(fd, &st) == 0 && st.st_ino == entry->inode &&
	    (any_dev ||
	     (major(st.st_dev) == entry->dev_major && minor(st.st_dev) == entry->dev_minor)))
		return fd;
	(void)close(fd);
	return -ENOENT;
}

int procmaps_open_file(pid_t pid, const struct procmaps_entry *entry)
{
	char path[PATH_MAX + 64];
	bool same;
	int fd;

	if (!entry->path_len || entry->path[0] != '/' || entry->path_len >= PATH_MAX)
		return -ENOENT;
	(void)snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid,
		       entry->start, entry->end);
	fd = open_regular(path);
	if (fd >= 0)
		return fd;
	if (fd == -ENODEV)
		return -ENOENT;
	/* Without map_files, a deleted file is nowhere: a path names another. */
	if (entry->deleted)
		return -ENOENT;
	same = same_view(pid);
	(void)snprintf(path, sizeof(path), "/proc/%d/root%.*s", (int)pid, (int)entry->path_len,
		       entry->path);
	fd = open_checked(path, entry, same);
	if (fd >= 0 || same)
		return fd;
	(void)snprintf(path, sizeof(path), "%.*s", (int)entry->path_len, entry->path);
	return open_checked(path, entry, false);
}

/*
 * PROCMAP_QUERY, from the kernel's include/uapi/linux/fs.h (Linux 6.11):
 * Debian 12's headers predate it.  The ABI is extensible by size; these
 * are its first fields.
 */
#ifndef PROCMAP_QUERY
struct procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};

#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#define PROCMAP_QUERY_VMA_READABLE 0x01
#define PROCMAP_QUERY_VMA_WRITABLE 0x02
#define PROCMAP_QUERY_VMA_EXECUTABLE 0x04
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA 0x10
#endif

int procmaps_open(pid_t pid)
{
	char path[64];
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int procmaps_query(int fd, uint64_t addr, struct procmaps_vma *vma)
{
	struct procmap_query query = {
		.size = sizeof(query),
		.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA,
		.query_addr = addr,
	};

	while (ioctl(fd, PROCMAP_QUERY, &query) != 0) {
		if (errno != EINTR)
			return -errno;
	}
	vma->start = query.vma_start;
	vma->end = query.vma_end;
	vma->prot = (query.vma_flags & PROCMAP_QUERY_VMA_READABLE ? PROT_READ : 0) |
		    (query.vma_flags & PROCMAP_QUERY_VMA_WRITABLE ? PROT_WRITE : 0) |
		    (query.vma_flags & PROCMAP_QUERY_VMA_EXECUTABLE ? PROT_EXEC : 0);
	return 0;
}

/* Whether entry is a mapping of a file at path (any file, for NULL). */
static bool path_matches(const struct procmaps_entry *entry, const char *path)
{
	return entry->inode && (!path || (entry->path_len && entry->path_len == strlen(path) &&
					  memcmp(entry->path, path, entry->path_len) == 0));
}

/* The mapping holding addr, read from the whole of /proc/PID/maps, opened. */
static int open_from_maps(pid_t pid, uint64_t addr, const char *path)
{
	struct procmaps_entry entry = { 0 };
	struct procmaps_iter iter;
	size_t cap = 0, len;
	char *buf = NULL;
	int ret = procmaps_read(pid, &buf, &cap, &len);

	if (ret == 0) {
		ret = -ENOENT;
		procmaps_iter_init(&iter, buf, len);
		while (procmaps_next(&iter, &entry) > 0) {
			if (addr < entry.start || addr >= entry.end)
				continue;
			if (path_matches(&entry, path))
				ret = procmaps_open_file(pid, &entry);
			break;
		}
	}
	free(buf);
	return ret;
}

/*
 * The mapping holding addr as a maps line, asked of the kernel alone
 * (PROCMAP_QUERY): its name goes to name (size bytes).  Returns 0,
 * -ENOENT when nothing is mapped there, -ENOTTY when the kernel cannot
 * be asked so, or another -errno.
 */
static int query_entry(pid_t pid, uint64_t addr, struct procmaps_entry *entry, char *name,
		       size_t size)
{
	struct procmap_query query = {
		.size = sizeof(query),
		.query_addr = addr,
		.vma_name_size = (uint32_t)size,
		.vma_name_addr = (uint64_t)(uintptr_t)name,
	};
	int ret = 0, fd = procmaps_open(pid);

	memset(entry, 0, sizeof(*entry));
	if (fd < 0)
		return fd;
	while (ioctl(fd, PROCMAP_QUERY, &query) != 0) {
		if (errno != EINTR) {
			ret = -errno;
			break;
		}
	}
	(void)close(fd);
	if (ret)
		return ret;
	entry->start = query.vma_start;
	entry->end = query.vma_end;
	entry->offset = query.vma_offset;
	entry->inode = query.inode;
	entry->dev_major = query.dev_major;
	entry->dev_minor = query.dev_minor;
	entry->path = name;
	entry->path_len = query.vma_name_size ? strnlen(name, size) : 0;
	/* The kernel names a file as the maps do, " (deleted)" and all. */
	strip_deleted(entry);
	return 0;
}

int procmaps_open_at(pid_t pid, uint64_t addr, const char *path)
{
	struct procmaps_entry entry;
	char name[PATH_MAX];
	int ret = query_entry(pid, addr, &entry, name, sizeof(name));

	/* One mapping asked for, whatever the number of others; else the maps read whole. */
	if (ret == -ENOTTY)
		return open_from_maps(pid, addr, path);
	if (ret < 0)
		return ret;
	return path_matches(&entry, path) ? procmaps_open_file(pid, &entry) : -ENOENT;
}

int procmaps_read_smaps(pid_t pid, char **buf, size_t *cap, size_t *len)
{
	return read_whole(pid, "smaps", buf, cap, len);
}

/*
 * Field name of /proc/PID/status into line (of size bytes), whole; returns
 * its value, after the colon and the blanks, or NULL when it is not there.
 */
const char *procmaps_status_value(pid_t pid, const char *name, char *line, size_t size)
{
	char path[64];
	size_t len = strlen(name);
	const char *value = NULL;
	FILE *file;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	file = fopen(path, "re");
	if (!file)
		return NULL;
	while (fgets(line, (int)size, file)) {
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			value = line + len + 1 + strspn(line + len + 1, " \t");
			break;
		}
	}
	(void)fclose(file);
	return value;
}

long procmaps_status_field(pid_t pid, const char *name, long fallback)
{
	char line[256];
	const char *value = procmaps_status_value(pid, name, line, sizeof(line));

	return value ? strtol(value, NULL, 10) : fallback;
}

char procmaps_state(pid_t pid)
{
	char line[256];
	const char *value = procmaps_status_value(pid, "State", line, sizeof(line));

	if (!value)
		return 0;
	return *value;
}

long procmaps_statm_resident(pid_t pid)
{
	char path[64];
	long size, resident;
	FILE *file;
	int got;

	(void)snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	file = fopen(path, "re");
	if (!file)
		return -1;
	got = fscanf(file, "%ld %ld", &size, &resident);
	(void)fclose(file);
	return got == 2 ? resident : -1;
}

int procmaps_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *file;
	int err = 0;

	(void)snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	file = fopen(path, "re");
	if (!file)
		return -errno;
	if (fgets(buf, (int)size, file))
		buf[strcspn(buf, "\n")] = '\0';
	else
		err = -EIO;
	(void)fclose(file);
	return err;
}

char *procmaps_argv0(pid_t pid)
{
	char path[64], buf[PATH_MAX];
	ssize_t len;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	len = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (len <= 0 || !buf[0])
		return NULL;
	buf[len] = '\0';
	return xstrdup(buf);
}

long procmaps_read_long(const char *path, long fallback)
{
	FILE *file = fopen(path, "re");
	long value;

	if (!file)
		return fallback;
	if (fscanf(file, "%ld", &value) != 1)
		value = fallback;
	(void)fclose(file);
	return value;
}

pid_t procmaps_self_pid(void)
{
	char target[32];
	ssize_t len = readlink("/proc/self", target, sizeof(target) - 1);
	long pid;
	char *end;

	if (len < 0)
		return -errno;
	target[len] = '\0';
	pid = strtol(target, &end, 10);
	return pid > 0 && *end == '\0' && pid <= INT_MAX ? (pid_t)pid : -EINVAL;
}
