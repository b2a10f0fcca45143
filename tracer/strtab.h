/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Interned strings (libbpf's strset): each distinct string is stored once
 * and named by a small id that survives growth, goes into regions, events
 * and JSON as is, and compares with ==.  Id 0 is the empty string.
 */
#ifndef MEMTRACE_STRTAB_H
#define MEMTRACE_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct strtab;

/* Returns a new table (owned by the caller: strtab_free) holding "" as id 0. */
struct strtab *strtab_new(void);
/* Frees the table.  Accepts NULL. */
void strtab_free(struct strtab *tab);

/* Returns the id of [str, str + len), adding it if new.  Cannot fail. */
uint32_t strtab_intern(struct strtab *tab, const char *str, size_t len);

/*
 * Returns the NUL-terminated string of id, borrowed: valid until the next
 * strtab_intern() (the storage may move).  id must come from this table.
 */
const char *strtab_get(const struct strtab *tab, uint32_t id);

/* The number of strings: ids run from 0 ("") to this - 1, in the order they were added. */
size_t strtab_count(const struct strtab *tab);

#endif /* MEMTRACE_STRTAB_H */
