/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /proc/PID/maps: reading it, and parsing it (pure, on text).  A line
 * (fs/proc/task_mmu.c, show_map_vma):
 *
 *   55d0c8a00000-55d0c8a02000 r--p 00001000 fe:01 1835331                    /usr/bin/cat
 *   start        end          perms offset dev   inode                       path
 *
 * perms: r/-, w/-, x/-, then s (MAP_SHARED) or p (private).  The path is
 * empty for anonymous memory, a [name] for the kernel's own ([heap],
 * [stack], [vdso], [anon:NAME]...), or a file, which may contain spaces
 * and end with " (deleted)".
 *
 * /proc/PID/smaps has the same lines, each followed by "Name: value kB"
 * lines (fs/proc/task_mmu.c, show_smap) that the iterator folds into the
 * entry before them.
 */
#ifndef MEMTRACE_PROCMAPS_H
#define MEMTRACE_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct procmaps_entry {
	uint64_t start; /* [start, end) */
	uint64_t end;
	unsigned int prot; /* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool shared;	   /* 's' */
	uint64_t offset;
	unsigned int dev_major;
	unsigned int dev_minor;
	uint64_t inode;
	/* Into the parsed text, not NUL-terminated; path_len 0 for anonymous memory. */
	const char *path;
	size_t path_len;
	bool deleted; /* the path ended with " (deleted)", which path_len leaves out */
	/* smaps only (0 in maps), in bytes: Rss, Private_Clean + Private_Dirty, Swap. */
	uint64_t rss;
	uint64_t private_bytes;
	uint64_t swap;
};

/*
 * Parses one line, [line, line + len), without its newline.
 * Returns 0, or -EINVAL when it is not a maps line (bad hex, missing
 * field, start >= end, unknown permission letter).
 */
int procmaps_parse_line(const char *line, size_t len, struct procmaps_entry *entry);

struct procmaps_iter {
	const char *pos;
	const char *end;
	size_t lineno; /* of the line last returned, from 1 */
};

/* Starts iterating over the text [text, text + len). */
void procmaps_iter_init(struct procmaps_iter *iter, const char *text, size_t len);

/*
 * Parses the next line into *entry, with the smaps field lines that
 * follow it.  Returns 1, or 0 at the end of the text, or -EINVAL for a
 * malformed line (iter->lineno names it; the iteration can go on with the
 * next line).
 */
int procmaps_next(struct procmaps_iter *iter, struct procmaps_entry *entry);

/*
 * Reads /proc/PID/maps whole into *buf, growing it as needed (*cap is its
 * size; *buf may be NULL with *cap 0; the caller owns and frees it).  Sets
 * *len to the length read.  Returns 0, -ESRCH when the process is gone,
 * or another -errno.  Never call it while the process is inside execve:
 * the kernel may deadlock (rr, AddressSpace.cc, KernelMapIterator).
 */
int procmaps_read(pid_t pid, char **buf, size_t *cap, size_t *len);

/*
 * Opens the file of a maps line of process pid as the process sees it,
 * wherever its root or mount namespace puts it: /proc/PID/map_files/
 * START-END, the very file mapped (a deleted one too), when that is
 * permitted (CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE); else the path
 * under /proc/PID/root, then as the tracer sees it (the kernel prints a
 * chroot's files from the reader's root), each taken only when it is the
 * line's device and inode (its inode alone when pid sees paths as the
 * tracer does, same mount namespace and root: a stacked filesystem may
 * show another device).  A file replaced at its path is never taken for
 * the one mapped.  Returns the fd (O_RDONLY), or -errno.
 */
int procmaps_open_file(pid_t pid, const struct procmaps_entry *entry);

/*
 * The same for the mapping holding addr, asked of the kernel
 * (PROCMAP_QUERY, else /proc/PID/maps read whole: per mapping, never per
 * call), when its path is path.  Returns the fd, or -errno (-ENOENT: no
 * file mapping of path there).
 */
int procmaps_open_at(pid_t pid, uint64_t addr, const char *path);

/* One VMA as the PROCMAP_QUERY ioctl gives it. */
struct procmaps_vma {
	uint64_t start;
	uint64_t end;
	unsigned int prot; /* PROT_READ | PROT_WRITE | PROT_EXEC */
};

/*
 * Opens /proc/PID/maps for procmaps_query(): returns the fd, or -errno.
 * The fd stays on the mm the process had then (an execve makes another).
 */
int procmaps_open(pid_t pid);

/*
 * The VMA holding addr, or the first above it, asked of the kernel with
 * the PROCMAP_QUERY ioctl (Linux 6.11; Documentation/filesystems/proc.rst)
 * on fd: one VMA, whatever the number of others.  Returns 0, -ENOENT when
 * no VMA lies at or above addr, -ENOTTY when the kernel has no such
 * ioctl, or another -errno (-ESRCH: the mm is gone).
 */
int procmaps_query(int fd, uint64_t addr, struct procmaps_vma *vma);

/* The same for /proc/PID/smaps (slower: the kernel walks every page table). */
int procmaps_read_smaps(pid_t pid, char **buf, size_t *cap, size_t *len);

/*
 * The number in field name ("Tgid", "TracerPid"...) of /proc/PID/status.
 * Returns it, or fallback when the file or the field cannot be read.
 */
long procmaps_status_field(pid_t pid, const char *name, long fallback);

/*
 * The text of field name of /proc/PID/status ("0\t65534\t65534\t65534\n"
 * for "Uid"), read into line (size bytes), or NULL.
 */
const char *procmaps_status_value(pid_t pid, const char *name, char *line, size_t size);

/* The letter of the State field of /proc/PID/status ('R', 'S', 'Z'...), or 0. */
char procmaps_state(pid_t pid);

/*
 * The pid /proc gives the calling process (/proc/self), which is getpid()
 * when /proc belongs to its PID namespace, and its pid in another one when
 * not (unshare --pid without --mount-proc).  Returns it, or -errno.
 */
pid_t procmaps_self_pid(void);

/* Resident pages, field 2 of /proc/PID/statm; -1 when it cannot be read. */
long procmaps_statm_resident(pid_t pid);

/* The command name of pid (/proc/PID/comm) into buf.  Returns 0, or -errno. */
int procmaps_comm(pid_t pid, char *buf, size_t size);

/*
 * The number a /proc or /sys file holds ("/proc/sys/kernel/yama/ptrace_scope"),
 * or fallback when it cannot be read.
 */
long procmaps_read_long(const char *path, long fallback);

/*
 * The first of /proc/PID/cmdline's strings: argv[0], as the program was
 * run, owned by the caller (free()); NULL when there is none (a zombie, a
 * kernel thread) or it cannot be read.
 */
char *procmaps_argv0(pid_t pid);

#endif /* MEMTRACE_PROCMAPS_H */
