/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * i386 memory system calls (arch/x86/entry/syscalls/syscall_32.tbl), as a
 * 64-bit or 32-bit process reaches them through int $0x80.  The seccomp
 * filter's i386 block stops at these, at exit_group and ipc, and at
 * numbers newer than the table; these are the ones decoded and reported.
 * ipc(2)'s SHMAT multiplexing is not decoded.
 */
/* One row per line, as in strace's syscallent.h. */
/* clang-format off */
[45] = { "brk", SYSDECODE_BRK, SYSDECODE_ABI_NATIVE, 1 },
[90] = { "mmap", SYSDECODE_MMAP, SYSDECODE_ABI_OLD_MMAP, 1 },
[91] = { "munmap", SYSDECODE_MUNMAP, SYSDECODE_ABI_NATIVE, 2 },
[125] = { "mprotect", SYSDECODE_MPROTECT, SYSDECODE_ABI_NATIVE, 3 },
[163] = { "mremap", SYSDECODE_MREMAP, SYSDECODE_ABI_NATIVE, 5 },
[192] = { "mmap2", SYSDECODE_MMAP, SYSDECODE_ABI_MMAP_PGOFF, 6 },
[219] = { "madvise", SYSDECODE_MADVISE, SYSDECODE_ABI_NATIVE, 3 },
[245] = { "io_setup", SYSDECODE_IO_SETUP, SYSDECODE_ABI_NATIVE, 2 },
[246] = { "io_destroy", SYSDECODE_IO_DESTROY, SYSDECODE_ABI_NATIVE, 1 },
[257] = { "remap_file_pages", SYSDECODE_REMAP_FILE_PAGES, SYSDECODE_ABI_NATIVE, 5 },
[380] = { "pkey_mprotect", SYSDECODE_PKEY_MPROTECT, SYSDECODE_ABI_NATIVE, 4 },
[397] = { "shmat", SYSDECODE_SHMAT, SYSDECODE_ABI_NATIVE, 3 },
[398] = { "shmdt", SYSDECODE_SHMDT, SYSDECODE_ABI_NATIVE, 1 },
[462] = { "mseal", SYSDECODE_MSEAL, SYSDECODE_ABI_NATIVE, 3 },
