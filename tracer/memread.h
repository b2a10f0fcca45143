/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a tracee's memory (strace's ucopy.c): process_vm_readv; where
 * the kernel or a sandbox refuses it, pread of /proc/PID/mem; where that
 * is refused too, PTRACE_PEEKDATA a word at a time (the task must be in a
 * ptrace-stop of ours, as it is whenever memtrace reads).
 */
#ifndef MEMTRACE_MEMREAD_H
#define MEMTRACE_MEMREAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Copies len bytes at addr in task tid's address space into buf.
 * Returns 0, or -EFAULT (not all of it is mapped and readable), -ESRCH
 * (the task is gone), -EPERM or -EACCES (not allowed).
 */
int memread(pid_t tid, uint64_t addr, void *buf, size_t len);

/*
 * Copies as much of [addr, addr + len) as is readable from its start,
 * page by page, in one system call (the top of a stack whose end is
 * nearer than len).  Returns the number of bytes copied (0 when addr
 * itself is unreadable), or -ESRCH, -EPERM.
 */
ssize_t memread_upto(pid_t tid, uint64_t addr, void *buf, size_t len);

/*
 * Forgets which ways of reading were found refused: the next read tries
 * process_vm_readv first again.  The probes stand for the whole process
 * (the kernel and the sandbox do not change under it); the unit tests
 * start each case afresh with it.
 */
void memread_reprobe(void);

#endif /* MEMTRACE_MEMREAD_H */
