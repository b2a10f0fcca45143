/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86_64 memory system calls (arch/x86/entry/syscalls/syscall_64.tbl).
 * Only the calls that create, remove, re-protect, move or advise mappings
 * are listed; every other number is ALLOWed by the seccomp filter.
 */
/* One row per line, as in strace's syscallent.h. */
/* clang-format off */
[9] = { "mmap", SYSDECODE_MMAP, SYSDECODE_ABI_NATIVE, 6 },
[10] = { "mprotect", SYSDECODE_MPROTECT, SYSDECODE_ABI_NATIVE, 3 },
[11] = { "munmap", SYSDECODE_MUNMAP, SYSDECODE_ABI_NATIVE, 2 },
[12] = { "brk", SYSDECODE_BRK, SYSDECODE_ABI_NATIVE, 1 },
[25] = { "mremap", SYSDECODE_MREMAP, SYSDECODE_ABI_NATIVE, 5 },
[28] = { "madvise", SYSDECODE_MADVISE, SYSDECODE_ABI_NATIVE, 3 },
[30] = { "shmat", SYSDECODE_SHMAT, SYSDECODE_ABI_NATIVE, 3 },
[67] = { "shmdt", SYSDECODE_SHMDT, SYSDECODE_ABI_NATIVE, 1 },
[206] = { "io_setup", SYSDECODE_IO_SETUP, SYSDECODE_ABI_NATIVE, 2 },
[207] = { "io_destroy", SYSDECODE_IO_DESTROY, SYSDECODE_ABI_NATIVE, 1 },
[216] = { "remap_file_pages", SYSDECODE_REMAP_FILE_PAGES, SYSDECODE_ABI_NATIVE, 5 },
[329] = { "pkey_mprotect", SYSDECODE_PKEY_MPROTECT, SYSDECODE_ABI_NATIVE, 4 },
[453] = { "map_shadow_stack", SYSDECODE_MAP_SHADOW_STACK, SYSDECODE_ABI_NATIVE, 3 },
[462] = { "mseal", SYSDECODE_MSEAL, SYSDECODE_ABI_NATIVE, 3 },
