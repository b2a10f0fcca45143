/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The memory-call constants newer than the C library's headers memtrace
 * may be built with (Debian 12's glibc 2.36 and its kernel headers 6.1):
 * the values the kernel gives them, where the headers do not.  Everything
 * else comes from <sys/mman.h> and <sys/shm.h>.
 */
#ifndef MEMTRACE_MMAN_COMPAT_H
#define MEMTRACE_MMAN_COMPAT_H

#include <sys/mman.h>

/* include/uapi/asm-generic/mman-common.h */
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1 */
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif

/* include/uapi/linux/mman.h */
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08 /* Linux 6.11 */
#endif

/* arch/x86/include/uapi/asm/mman.h (map_shadow_stack, Linux 6.6) */
#ifndef SHADOW_STACK_SET_TOKEN
#define SHADOW_STACK_SET_TOKEN 0x1
#endif
#ifndef SHADOW_STACK_SET_MARKER
#define SHADOW_STACK_SET_MARKER 0x2
#endif

#endif /* MEMTRACE_MMAN_COMPAT_H */
