/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What memtrace needs to know of the machine, in one struct arch_desc per
 * architecture (tracer/arch/arch_<name>.c), the host's chosen at build
 * time: its name, its system call personalities (the ABIs a task may
 * call the kernel through, as strace's audit_arch_vec[] lists them), and
 * how the registers of a stopped task hold a system call, the stack and
 * program counters, and the registers libunwind asks for.  Pure: the
 * engine reads the registers, these functions interpret them.
 *
 * Outside tracer/arch/, no code names a register, a system call number
 * or an AUDIT_ARCH_* value: an architecture is one arch file with its
 * desc, its header with its struct arch_regs, and its syscall tables.
 */
#ifndef MEMTRACE_ARCH_H
#define MEMTRACE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The architecture's header defines struct arch_regs: a member raw, which
 * PTRACE_GETREGSET fills with the NT_PRSTATUS regset (sizeof(raw) is the
 * most it may fill), and a member len, the bytes it did fill, which tells
 * the layouts of a 64-bit and a 32-bit task apart.
 */
#if defined(__x86_64__)
#include "arch_x86_64.h"
#elif defined(__aarch64__)
#include "arch_aarch64.h"
#else
#error "memtrace: no tracer/arch/ file for this architecture (docs/design.md, How to add an architecture)"
#endif

struct sysent;

/*
 * One ABI a task may call the kernel through, and what the seccomp filter
 * and the decoder know of it.
 */
struct arch_personality {
	const char *name;    /* "x86_64", "i386" */
	uint32_t audit_arch; /* AUDIT_ARCH_*: seccomp_data.arch, PTRACE_GET_SYSCALL_INFO's arch */
	const struct sysent
		*sysent; /* the memory calls, indexed by number (tracer/arch/sysent_*.h) */
	size_t nsysent;
	/*
	 * The highest number known when the table was written: the filter
	 * traces the numbers above it, so that a memory call added later
	 * does not pass unseen.
	 */
	uint32_t nr_known_max;
	/*
	 * A bit that marks the numbers of another ABI sharing audit_arch
	 * (x32's __X32_SYSCALL_BIT under AUDIT_ARCH_X86_64), or 0.  Those
	 * numbers are traced whole and looked up without the bit.
	 */
	uint32_t nr_abi_bit;
	const char *abi_bit_name; /* that ABI's name ("x32"), marked on its calls */
	/* Whether the kernel reads only the low 32 bits of each argument. */
	bool args_32bit;
	/* exit_group: a process's end, to tell the threads it takes down from the others. */
	uint32_t nr_exit_group;
	/* Numbers traced besides the table's and exit_group, or none. */
	const uint32_t *also_traced;
	size_t nalso_traced;
};

/* What call_before() found. */
enum arch_call {
	ARCH_CALL_NONE,	    /* no call ends there */
	ARCH_CALL_DIRECT,   /* a call to an address the instruction gives: *target */
	ARCH_CALL_INDIRECT, /* a call through a register or memory */
};

struct arch_desc {
	const char *name; /* as the trace file names it: "x86_64" */
	const struct arch_personality *personalities;
	size_t npersonalities;

	/*
	 * The system call a task is stopped in: its personality's audit_arch,
	 * its number and its six arguments in their ABI's order.  The
	 * registers may not tell every personality apart (an int $0x80 from
	 * 64-bit code passes for a 64-bit call): only PTRACE_GET_SYSCALL_INFO
	 * does.
	 */
	void (*regs_syscall)(const struct arch_regs *regs, uint32_t *arch, uint64_t *nr,
			     uint64_t args[6]);
	/* The stack pointer. */
	uint64_t (*regs_sp)(const struct arch_regs *regs);
	/* The program counter. */
	uint64_t (*regs_pc)(const struct arch_regs *regs);
	/* The result at a syscall-exit stop: the value, and whether it is -errno. */
	void (*regs_result)(const struct arch_regs *regs, int64_t *rval, bool *is_error);
	/*
	 * The register libunwind numbers regnum (its UNW_<ARCH>_* numbers,
	 * the psABI's DWARF numbers).  Returns 0, or -EINVAL for a register
	 * the regset does not hold.
	 */
	int (*regs_unwind)(const struct arch_regs *regs, int regnum, uint64_t *val);
	/*
	 * libunwind's numbers of the program counter and the stack pointer
	 * (not always UNW_REG_IP: aarch64's is the link register x30).
	 */
	int unwind_pc, unwind_sp;
	/*
	 * Where the clone call (arch, nr, args) keeps its flags.
	 * Returns 0 with *flags set (clone), 1 with *flags_addr set to the
	 * tracee address of the 64-bit flags word (clone3's struct
	 * clone_args), or -ENOENT when (arch, nr) is not clone or clone3.
	 */
	int (*clone_flags)(uint32_t arch, uint64_t nr, const uint64_t args[6], uint64_t *flags,
			   uint64_t *flags_addr);
	/*
	 * Whether the instruction before a return address ret is a call:
	 * code holds the len bytes of code that end at ret (len at least
	 * call_len_max when the code is there).  What tells a return address
	 * from any other word when a stack is scanned.
	 */
	enum arch_call (*call_before)(const unsigned char *code, size_t len, uint64_t ret,
				      uint64_t *target);
	/* The longest call instruction call_before() recognizes, in bytes. */
	size_t call_len_max;
	/*
	 * How far below the return address the stack pointer is once a
	 * function's prologue (code, len bytes from its entry) has run: what
	 * it pushes and reserves, up to its first other instruction (0 for
	 * none).  A guess: the function may push more before the point
	 * where it is stopped.
	 */
	uint64_t (*prologue_depth)(const unsigned char *code, size_t len);
	/*
	 * A code address as a stack or a register holds it (a return
	 * address), with what is no address cleared: aarch64's pointer
	 * authentication code, which PACIASP puts in the high bits of the
	 * return address a function saves.  tid: a stopped task of the
	 * traced program, which the machine's bits may be asked of once.
	 * NULL where return addresses are plain.
	 */
	uint64_t (*code_address)(pid_t tid, uint64_t addr);
};

/*
 * A call's result as the register that holds it says: -errno for the
 * last 4095 values (include/linux/err.h, IS_ERR_VALUE), else the value;
 * word32: a 32-bit task's register, whose addresses may lie above 2 GiB.
 */
static inline void arch_result_of(uint64_t word, bool word32, int64_t *rval, bool *is_error)
{
	const uint64_t max_errno = 4095;

	if (word32) {
		uint32_t w = (uint32_t)word;

		*is_error = w >= (uint32_t)-max_errno;
		*rval = *is_error ? (int64_t)(int32_t)w : (int64_t)w;
		return;
	}
	*is_error = word >= -max_errno;
	*rval = (int64_t)word;
}

/* The architecture memtrace was built for. */
extern const struct arch_desc arch_host;

/*
 * The registers of task tid, stopped (PTRACE_GETREGSET, NT_PRSTATUS:
 * whichever layout the task has).  Returns 0, or -errno (-ESRCH: gone).
 */
int arch_regs_get(pid_t tid, struct arch_regs *regs);

/* The host's personality whose audit_arch is arch, or NULL. */
const struct arch_personality *arch_personality(uint32_t arch);

/*
 * What the ABI of audit_arch arch is, for a message ("32-bit ARM"), as
 * far as memtrace knows the AUDIT_ARCH_* values; NULL for another.
 */
const char *arch_abi_name(uint32_t arch);

/* The host's accessors, by name. */
static inline void arch_regs_syscall(const struct arch_regs *regs, uint32_t *arch, uint64_t *nr,
				     uint64_t args[6])
{
	arch_host.regs_syscall(regs, arch, nr, args);
}

static inline uint64_t arch_regs_sp(const struct arch_regs *regs)
{
	return arch_host.regs_sp(regs);
}

static inline uint64_t arch_regs_pc(const struct arch_regs *regs)
{
	return arch_host.regs_pc(regs);
}

static inline void arch_regs_result(const struct arch_regs *regs, int64_t *rval, bool *is_error)
{
	arch_host.regs_result(regs, rval, is_error);
}

static inline int arch_regs_unwind(const struct arch_regs *regs, int regnum, uint64_t *val)
{
	return arch_host.regs_unwind(regs, regnum, val);
}

static inline enum arch_call arch_call_before(const unsigned char *code, size_t len, uint64_t ret,
					      uint64_t *target)
{
	return arch_host.call_before(code, len, ret, target);
}

static inline uint64_t arch_prologue_depth(const unsigned char *code, size_t len)
{
	return arch_host.prologue_depth(code, len);
}

static inline uint64_t arch_code_address(pid_t tid, uint64_t addr)
{
	return arch_host.code_address ? arch_host.code_address(tid, addr) : addr;
}

static inline int arch_clone_flags(uint32_t arch, uint64_t nr, const uint64_t args[6],
				   uint64_t *flags, uint64_t *flags_addr)
{
	return arch_host.clone_flags(arch, nr, args, flags, flags_addr);
}

#endif /* MEMTRACE_ARCH_H */
