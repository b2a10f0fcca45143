/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What tests/programs/engine_calls.c does, for tests/unit/test_engine.c to
 * expect: every address at 16 TiB and above, where neither the loader nor
 * the kernel's mmap places anything, and lengths found nowhere else.
 */
#ifndef MEMTRACE_ENGINE_CALLS_H
#define MEMTRACE_ENGINE_CALLS_H

/* argv[1] of the program when it executes itself again. */
#define ENGINE_CALLS_AGAIN "again"
#define ENGINE_CALLS_STATUS 42

/* Every address below lies in [ENGINE_MARK_LO, ENGINE_MARK_HI). */
#define ENGINE_MARK_LO 0x100000000000ULL
#define ENGINE_MARK_HI 0x150000000000ULL

/* Mapped before the second exec, gone after it. */
#define ENGINE_BEFORE_EXEC_ADDR 0x130000000000ULL
#define ENGINE_BEFORE_EXEC_LEN 0x777000ULL

/* Mapped, re-protected, trimmed, released, partly moved, unmapped. */
#define ENGINE_AREA_ADDR 0x100000000000ULL
#define ENGINE_AREA_LEN 0x12345000ULL
#define ENGINE_MOVED_ADDR 0x110000000000ULL

/* Mapped and unmapped by a thread of its own. */
#define ENGINE_THREAD_ADDR 0x120000000000ULL
#define ENGINE_THREAD_LEN 0x5432000ULL

/* Mapped last and kept to the end, ENGINE_KEPT_TOUCHED pages of it written. */
#define ENGINE_KEPT_ADDR 0x140000000000ULL
#define ENGINE_KEPT_LEN 0x2468000ULL
#define ENGINE_KEPT_TOUCHED 3

#endif /* MEMTRACE_ENGINE_CALLS_H */
