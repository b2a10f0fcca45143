/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The module table (perf's dsos): each file that frames lie in is an
 * object with a dense id (1, 2, ...; 0 is "no module"): a path (a strtab
 * id) and the file that was there (device, inode, size, mtime:
 * unwind/symbols.h), so that two files at one path (a library replaced
 * during the run) are two modules; and, read at its first lookup, its
 * build-id, its debug file and its symbol index; and, at the first
 * lookup of a source line, its DWARF (unwind/srclines.h).
 *
 * Which module a frame lies in is found once per mapping and kept:
 * modules_of_mapping() is given the mapping that holds the frame (its
 * path and the event that made it: the mmap call, or the exec or attach,
 * which mm_seed() names by its process and its time) and the live process
 * it is in.  The file is opened through that process, as the process sees
 * it: /proc/PID/map_files/START-END, else its path under /proc/PID/root
 * checked against the device and inode /proc/PID/maps gives
 * (procmaps_open_file() says where else it looks).  A process in a container, a chroot or a mount
 * namespace of its own may have another file at a path than the tracer
 * has there; the module is the file opened (fstat: device, inode, size,
 * mtime), never the one at the path on the tracer's side.  A module made
 * so keeps the file and the process's root directory open until its
 * symbols, unwind table and source lines are read (the process may have
 * exited by then), and its separate debug files are looked for under that root
 * first, then the tracer's.  A file found nowhere is a module that is
 * never read: its frames print as file+offset.
 * The first time a stack references a mapping, its file is opened and its
 * module found or added; later frames in that mapping cost one hash
 * lookup, and symbolizing never calls stat().  When a module's
 * file is read, the file opened must still be that one (fstat): if it
 * was replaced since, the module has no names and no build-id, and its
 * frames print as file+offset, never with another file's names.
 *
 * One table serves every process, as the files are shared: stacks
 * (unwind/stacks.h) record module ids, and the trace writes each module
 * once, with its own build-id (report/tracew.c).  The unwinder finds
 * each file's unwind table here, read once for every process.
 */
#ifndef MEMTRACE_MODULES_H
#define MEMTRACE_MODULES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "aspace.h"
#include "cfi.h"
#include "srclines.h"
#include "strtab.h"
#include "symbols.h"

struct modules;

/* Returns a new, empty table, owned by the caller (modules_free); paths is borrowed. */
struct modules *modules_new(const struct strtab *paths);
/* Frees it and every module's symbols.  Accepts NULL. */
void modules_free(struct modules *mods);

struct dbgfetch;
/*
 * Debug files installed nowhere are fetched with fetch (borrowed: it must
 * outlive mods; NULL: never), for the files whose symbols are read after.
 */
void modules_set_fetch(struct modules *mods, struct dbgfetch *fetch);

/*
 * The module of the file mapped by the mapping made by origin at path (a
 * strtab id, not 0), which holds addr in process pid, alive: the first
 * time this mapping is asked for, the file is opened through pid
 * (procmaps_open_at(): as pid sees it, whatever its root or mount
 * namespace) and identified by what was opened; never again.  pid 0: no
 * process, stat(2) of the path as the tracer sees it.  Returns its id;
 * cannot fail (a file found nowhere makes a module that is never read).
 */
uint32_t modules_of_mapping(struct modules *mods, uint32_t path, const struct aspace_event *origin,
			    pid_t pid, uint64_t addr);

/*
 * The module of the file with identity id at path (id NULL: one that
 * could not be stat()ed), added if new.  Returns its id.
 */
uint32_t modules_intern(struct modules *mods, uint32_t path, const struct symbols_identity *id);

/*
 * A module known from a trace's module line: its path and build_id (hex,
 * NULL for none; copied).  Always a new module, never read: its frames'
 * names come from the trace too.  Returns its id.
 */
uint32_t modules_add(struct modules *mods, uint32_t path, const char *build_id);

/* The path (strtab id) of module id; 0 for id 0 or an id the table does not have. */
uint32_t modules_path(const struct modules *mods, uint32_t id);

/*
 * The build-id of module id as lowercase hex, or NULL when it has none
 * or is not known; reads the file if it was not yet.  Borrowed, valid
 * until modules_free.
 */
const char *modules_build_id(struct modules *mods, uint32_t id);

/* The separate debug file its symbols came from, or NULL; as above. */
const char *modules_debug_file(struct modules *mods, uint32_t id);

/*
 * The function holding byte offset of module id's file (symbols_lookup()):
 * its name, borrowed until modules_free, and *into; NULL when no symbol
 * holds it.  Reads the file if it was not yet.
 */
const char *modules_lookup(struct modules *mods, uint32_t id, uint64_t offset, uint64_t *into);

/* symbols_linkage_name() of module id's file at offset, or NULL; as above. */
const char *modules_linkage_name(struct modules *mods, uint32_t id, uint64_t offset);

/*
 * The source-level frames at offset of module id (srclines_lookup()):
 * the functions inlined there, innermost first, then the function they
 * are in, each with its file and line; at most max.  Returns how many, 0
 * when the debug info says nothing or the module is never read.  The
 * DWARF is opened at the first call for the module, never before: only
 * frames that are printed or reported pay for it.  The strings are
 * borrowed until the next call or modules_free.
 */
size_t modules_source(struct modules *mods, uint32_t id, uint64_t offset,
		      struct srclines_frame *frames, size_t max);

/*
 * The unwind table of module id (unwind/cfi.h), read at first need and
 * kept, one for every process that maps the file; NULL for a module
 * that is never read (from a trace, or whose file could not be stat()ed).
 */
const struct cfi *modules_cfi(struct modules *mods, uint32_t id);

/* How many modules the table holds. */
size_t modules_count(const struct modules *mods);

#endif /* MEMTRACE_MODULES_H */
