/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The memory system calls: which numbers they are on each architecture,
 * their arguments normalized, and their flags and results as text.
 *
 * Pure: no pid, no ptrace.  The engine hands in what PTRACE_GET_SYSCALL_INFO
 * (or the registers) gave; the seccomp filter and the decoder read the same
 * tables (tracer/arch/sysent_*.h), as strace's filter and decoders read
 * src/linux/<arch>/syscallent.h.
 */
#ifndef MEMTRACE_SYSDECODE_H
#define MEMTRACE_SYSDECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a memory call does, whatever its number or architecture. */
enum sysdecode_kind {
	SYSDECODE_NONE = 0, /* not a memory call */
	SYSDECODE_MMAP,
	SYSDECODE_MUNMAP,
	SYSDECODE_MPROTECT,
	SYSDECODE_PKEY_MPROTECT,
	SYSDECODE_BRK,
	SYSDECODE_MADVISE,
	SYSDECODE_MREMAP,
	SYSDECODE_SHMAT,
	SYSDECODE_SHMDT,
	SYSDECODE_IO_SETUP,
	SYSDECODE_IO_DESTROY,
	SYSDECODE_REMAP_FILE_PAGES,
	SYSDECODE_MAP_SHADOW_STACK,
	SYSDECODE_MSEAL,
	SYSDECODE_NKINDS
};

/* How a table entry's raw arguments map onto the normalized ones. */
enum sysdecode_abi {
	SYSDECODE_ABI_NATIVE = 0, /* arguments as they are */
	SYSDECODE_ABI_MMAP_PGOFF, /* i386 mmap2: the offset is in 4096-byte units */
	SYSDECODE_ABI_OLD_MMAP,	  /* i386 old mmap: args[0] points to six 32-bit words */
};

/* How an argument of a memory call is read and printed. */
enum sysdecode_arg {
	SYSDECODE_ARG_NONE = 0,
	SYSDECODE_ARG_ADDR,	    /* an address: 0x7f3a1c000000, NULL */
	SYSDECODE_ARG_ULONG,	    /* a length: decimal */
	SYSDECODE_ARG_UINT,	    /* an unsigned int: decimal (io_setup's nr_events) */
	SYSDECODE_ARG_INT,	    /* a signed int (a shmid, a pkey) */
	SYSDECODE_ARG_FD,	    /* a file descriptor, with the path it names */
	SYSDECODE_ARG_HEX,	    /* an offset, a handle, flags without names */
	SYSDECODE_ARG_PROT,	    /* PROT_READ|PROT_WRITE */
	SYSDECODE_ARG_MMAP_FLAGS,   /* MAP_PRIVATE|MAP_ANONYMOUS */
	SYSDECODE_ARG_MADVISE,	    /* MADV_DONTNEED */
	SYSDECODE_ARG_MREMAP_FLAGS, /* MREMAP_MAYMOVE */
	SYSDECODE_ARG_MREMAP_ADDR,  /* mremap's new_address: shown only with MREMAP_FIXED */
	SYSDECODE_ARG_SHM_FLAGS,    /* SHM_RDONLY */
	SYSDECODE_ARG_SHSTK_FLAGS,  /* SHADOW_STACK_SET_TOKEN */
};

/* What the model does with a call once it has returned (tracer/mm.c). */
enum sysdecode_op {
	SYSDECODE_OP_NONE = 0,
	SYSDECODE_OP_MAP,     /* a new mapping at the result */
	SYSDECODE_OP_UNMAP,   /* [args[0], +args[1]) goes */
	SYSDECODE_OP_PROTECT, /* [args[0], +args[1]) gets protection args[2] */
	SYSDECODE_OP_BRK,     /* the heap's top is the result */
	SYSDECODE_OP_ADVISE,  /* pages released (MADV_DONTNEED...), layout kept */
	SYSDECODE_OP_REMAP,   /* moved, grown or shrunk */
	SYSDECODE_OP_SHMDT,   /* the SysV segment attached at args[0] goes */
	SYSDECODE_OP_RESYNC,  /* only the kernel knows: /proc/PID/maps is read again */
};

/* Flags of a kind. */
#define SYSDECODE_RET_ADDR 0x1U /* the result is an address */

/*
 * A kind of memory call: what every architecture's call of that kind
 * shares (tracer/sysdecode.c holds one per kind).  Adding a system call
 * is a kind here (its enum entry and this row) and a row in each
 * architecture's table (tracer/arch/sysent_*.h).
 */
struct sysdecode_desc {
	const char *name; /* the kind's name in summaries: "mmap" */
	enum sysdecode_arg args[6];
	unsigned int flags; /* SYSDECODE_RET_ADDR */
	enum sysdecode_op op;
};

/* The description of a kind (SYSDECODE_NONE's: "other", no arguments). */
const struct sysdecode_desc *sysdecode_desc(enum sysdecode_kind kind);

/* One row of a syscall table (tracer/arch/sysent_*.h). */
struct sysent {
	const char *name; /* as the architecture names it: "mmap2", "mmap" */
	enum sysdecode_kind kind;
	enum sysdecode_abi abi;
	unsigned char nargs; /* the raw arguments the call takes on this architecture */
};

/*
 * A decoded call.  args[] is normalized to the 64-bit argument list of
 * its kind: mmap2's offset is in bytes, i386's 32-bit values are
 * zero-extended except the ones that are signed (fd, pkey), which are
 * sign-extended.  x32 arguments stay 64-bit, as the kernel reads them.
 */
struct sysdecode_call {
	uint32_t arch;
	uint64_t nr;
	const struct sysent *ent; /* never NULL once decoded */
	uint64_t args[6];
};

/*
 * Looks a system call up by architecture and number.
 * Returns the table row, or NULL when it is not a memory call (or the
 * architecture is not one memtrace knows).  A number with its
 * personality's nr_abi_bit set (x32's) uses the rows without it.
 */
const struct sysent *sysdecode_lookup(uint32_t arch, uint64_t nr);

/*
 * The name of the other ABI call is made in ("x32": its number has its
 * personality's nr_abi_bit), or NULL for the personality's own.
 */
const char *sysdecode_abi(const struct sysdecode_call *call);

/*
 * Decodes the entry of a memory call into *call.
 * Returns 0, or -ENOENT when (arch, nr) is not a memory call, or -EFAULT
 * when the arguments live in the tracee's memory (i386 old mmap): then
 * call->ent is set and the caller reads six 32-bit words at args[0] and
 * passes them to sysdecode_unpack_old_mmap().
 */
int sysdecode_entry(struct sysdecode_call *call, uint32_t arch, uint64_t nr,
		    const uint64_t args[6]);

/* Completes an i386 old mmap from the six words read at its args[0]. */
void sysdecode_unpack_old_mmap(struct sysdecode_call *call, const uint32_t words[6]);

/*
 * Which bytes of the address space a call may change, as its entry tells
 * (the engine lets calls of one process run together when these say they
 * commute: tracer/engine_queue.c).
 */
enum sysdecode_span {
	SYSDECODE_SPAN_NONE,   /* none: the layout stays as it is */
	SYSDECODE_SPAN_RANGE,  /* [start, end) alone: munmap, mprotect, madvise, mmap MAP_FIXED */
	SYSDECODE_SPAN_RESULT, /* end - start bytes where the kernel puts them: mmap */
	SYSDECODE_SPAN_ALL,    /* bytes only the kernel knows: brk, mremap, shmat, ... */
};

/*
 * The span of call, its range in *start and *end (for RESULT, a length
 * from 0): lengths rounded up to page, the page size.
 */
enum sysdecode_span sysdecode_span(const struct sysdecode_call *call, uint64_t page,
				   uint64_t *start, uint64_t *end);

/* True if the call's file descriptor argument names a file (mmap without MAP_ANONYMOUS). */
bool sysdecode_has_fd(const struct sysdecode_call *call);
/* The fd argument of a call for which sysdecode_has_fd() is true. */
int sysdecode_fd(const struct sysdecode_call *call);

/* "mmap", "munmap"... the name of a kind, for summaries. */
const char *sysdecode_kind_name(enum sysdecode_kind kind);

struct arch_personality;

/*
 * The numbers of a personality the seccomp filter must trace: the memory
 * calls, exit_group (a process's end, to tell the threads it takes down
 * from threads that ended before), and the personality's also_traced.
 * Fills nrs with up to cap numbers.  Returns how many there are (which
 * may exceed cap).
 */
size_t sysdecode_traced(const struct arch_personality *pers, uint32_t *nrs, size_t cap);

/* Whether nr of arch (AUDIT_ARCH_*) is exit_group. */
bool sysdecode_is_exit_group(uint32_t arch, uint64_t nr);

/*
 * Formatters.  Each writes at most size bytes including the NUL (nothing
 * if size is 0) and returns the length the full text has, as snprintf does.
 * Flags print as names joined by '|', in ascending bit order, with bits
 * memtrace does not know as one trailing hex number (never dropped).
 */
size_t sysdecode_format_prot(char *buf, size_t size, uint64_t prot);
size_t sysdecode_format_mmap_flags(char *buf, size_t size, uint64_t flags);
size_t sysdecode_format_madvise(char *buf, size_t size, uint64_t advice);
size_t sysdecode_format_mremap_flags(char *buf, size_t size, uint64_t flags);
size_t sysdecode_format_shm_flags(char *buf, size_t size, uint64_t flags);

/*
 * "name(arg, arg, ...)" for a decoded call.  fd_path, when not NULL, is
 * printed after the fd as strace -y does: 3</usr/lib/libc.so.6>.
 */
size_t sysdecode_format_call(char *buf, size_t size, const struct sysdecode_call *call,
			     const char *fd_path);

/*
 * The result: an address in hex for calls that return one, a number for
 * the others, "-1 ENOMEM (Cannot allocate memory)" for an error (err is
 * the positive errno), and "?" when finished is false (the task vanished
 * inside the call).
 */
size_t sysdecode_format_result(char *buf, size_t size, const struct sysdecode_call *call,
			       bool finished, int64_t rval, int err);

#endif /* MEMTRACE_SYSDECODE_H */
