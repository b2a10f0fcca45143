/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aarch64 memory system calls: the asm-generic numbers
 * (include/uapi/asm-generic/unistd.h, scripts/syscall.tbl since Linux
 * 6.11), which have no mmap2 and no second entry.  Only the calls that
 * create, remove, re-protect, move or advise mappings are listed; every
 * other number is ALLOWed by the seccomp filter.
 */
/* One row per line, as in strace's syscallent.h. */
/* clang-format off */
[0] = { "io_setup", SYSDECODE_IO_SETUP, SYSDECODE_ABI_NATIVE, 2 },
[1] = { "io_destroy", SYSDECODE_IO_DESTROY, SYSDECODE_ABI_NATIVE, 1 },
[196] = { "shmat", SYSDECODE_SHMAT, SYSDECODE_ABI_NATIVE, 3 },
[197] = { "shmdt", SYSDECODE_SHMDT, SYSDECODE_ABI_NATIVE, 1 },
[214] = { "brk", SYSDECODE_BRK, SYSDECODE_ABI_NATIVE, 1 },
[215] = { "munmap", SYSDECODE_MUNMAP, SYSDECODE_ABI_NATIVE, 2 },
[216] = { "mremap", SYSDECODE_MREMAP, SYSDECODE_ABI_NATIVE, 5 },
[222] = { "mmap", SYSDECODE_MMAP, SYSDECODE_ABI_NATIVE, 6 },
[226] = { "mprotect", SYSDECODE_MPROTECT, SYSDECODE_ABI_NATIVE, 3 },
[233] = { "madvise", SYSDECODE_MADVISE, SYSDECODE_ABI_NATIVE, 3 },
[234] = { "remap_file_pages", SYSDECODE_REMAP_FILE_PAGES, SYSDECODE_ABI_NATIVE, 5 },
[288] = { "pkey_mprotect", SYSDECODE_PKEY_MPROTECT, SYSDECODE_ABI_NATIVE, 4 },
[453] = { "map_shadow_stack", SYSDECODE_MAP_SHADOW_STACK, SYSDECODE_ABI_NATIVE, 3 },
[462] = { "mseal", SYSDECODE_MSEAL, SYSDECODE_ABI_NATIVE, 3 },
