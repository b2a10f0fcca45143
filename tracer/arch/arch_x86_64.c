/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86_64, with its i386 (int $0x80, or a 32-bit program) and x32 ABIs:
 * see arch.h.  Registers per ABI: arch/x86/entry/entry_64.S (rdi, rsi,
 * rdx, r10, r8, r9) and entry_64_compat.S (ebx, ecx, edx, esi, edi, ebp).
 */
#include "arch.h"

#include <errno.h>
#include <string.h>
#include <linux/audit.h>
#include <sys/syscall.h>

#include "sysdecode.h"
#include "util.h"

#define USER32_CS 0x23 /* arch/x86/include/asm/segment.h: __USER32_CS */

/* arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl */
#define NR_EXIT_GROUP_X86_64 231
#define NR_CLONE_X86_64 56
#define NR_EXIT_GROUP_I386 252
#define NR_IPC_I386 117
#define NR_CLONE_I386 120
#define NR_CLONE3 435 /* the same on both */

static const struct sysent sysent_x86_64[] = {
#include "sysent_x86_64.h"
};

static const struct sysent sysent_i386[] = {
#include "sysent_i386.h"
};

/*
 * ipc(2) multiplexes shmat and shmdt on i386: a call that maps memory, so
 * the filter stops at it, though the decoder does not read it yet.
 */
static const uint32_t also_traced_i386[] = { NR_IPC_I386 };

static const struct arch_personality personalities[] = {
	{
		.name = "x86_64",
		.audit_arch = AUDIT_ARCH_X86_64,
		.sysent = sysent_x86_64,
		.nsysent = ARRAY_SIZE(sysent_x86_64),
		/* file_setattr, Linux 6.17. */
		.nr_known_max = 469,
		/* x32 shares the x86_64 numbers of the memory calls. */
		.nr_abi_bit = __X32_SYSCALL_BIT,
		.abi_bit_name = "x32",
		/*
		 * x32 calls go through the x86_64 entry too, and sys_mmap() and
		 * friends take the 64-bit registers whole (syscall_x32.c): an
		 * x32 off_t past 4 GiB arrives in one register.
		 */
		.args_32bit = false,
		.nr_exit_group = NR_EXIT_GROUP_X86_64,
	},
	{
		.name = "i386",
		.audit_arch = AUDIT_ARCH_I386,
		.sysent = sysent_i386,
		.nsysent = ARRAY_SIZE(sysent_i386),
		/* file_setattr, Linux 6.17, as on x86_64 since the numbers were unified. */
		.nr_known_max = 469,
		.nr_abi_bit = 0,
		.args_32bit = true,
		.nr_exit_group = NR_EXIT_GROUP_I386,
		.also_traced = also_traced_i386,
		.nalso_traced = ARRAY_SIZE(also_traced_i386),
	},
};

/* Whether regs hold the layout of a task running 32-bit code. */
static bool is_r32(const struct arch_regs *regs)
{
	return regs->len == sizeof(regs->raw.r32);
}

static void regs_syscall(const struct arch_regs *regs, uint32_t *arch, uint64_t *nr,
			 uint64_t args[6])
{
	const struct user_regs_struct *r64 = &regs->raw.r64;
	const struct arch_i386_regs *r32 = &regs->raw.r32;

	if (is_r32(regs)) {
		/* The kernel takes the number as an int (syscall_get_nr()). */
		*nr = (uint64_t)(int64_t)(int32_t)r32->orig_eax;
		*arch = AUDIT_ARCH_I386;
		args[0] = r32->ebx;
		args[1] = r32->ecx;
		args[2] = r32->edx;
		args[3] = r32->esi;
		args[4] = r32->edi;
		args[5] = r32->ebp;
		return;
	}
	*nr = r64->orig_rax;
	if (r64->cs == USER32_CS) {
		*arch = AUDIT_ARCH_I386;
		args[0] = r64->rbx;
		args[1] = r64->rcx;
		args[2] = r64->rdx;
		args[3] = r64->rsi;
		args[4] = r64->rdi;
		args[5] = r64->rbp;
		return;
	}
	*arch = AUDIT_ARCH_X86_64;
	args[0] = r64->rdi;
	args[1] = r64->rsi;
	args[2] = r64->rdx;
	args[3] = r64->r10;
	args[4] = r64->r8;
	args[5] = r64->r9;
}

static uint64_t regs_sp(const struct arch_regs *regs)
{
	return is_r32(regs) ? regs->raw.r32.esp : regs->raw.r64.rsp;
}

static uint64_t regs_pc(const struct arch_regs *regs)
{
	return is_r32(regs) ? regs->raw.r32.eip : regs->raw.r64.rip;
}

static void regs_result(const struct arch_regs *regs, int64_t *rval, bool *is_error)
{
	if (is_r32(regs))
		arch_result_of(regs->raw.r32.eax, true, rval, is_error);
	else
		arch_result_of(regs->raw.r64.rax, false, rval, is_error);
}

/* No such register in the layout. */
#define NONE 0xffff

/*
 * Where each register lies in the regset, by its number in the x86_64
 * psABI's DWARF register mapping (figure 3.36), which libunwind's
 * UNW_X86_64_RAX..UNW_X86_64_RIP follow: rax, rdx, rcx, rbx, rsi, rdi,
 * rbp, rsp, r8-r15, and the return address (rip).
 */
#define R64(reg) offsetof(struct user_regs_struct, reg)
static const unsigned short dwarf_r64[] = {
	R64(rax), R64(rdx), R64(rcx), R64(rbx), R64(rsi), R64(rdi), R64(rbp), R64(rsp), R64(r8),
	R64(r9),  R64(r10), R64(r11), R64(r12), R64(r13), R64(r14), R64(r15), R64(rip),
};

/* The same numbers for a task running 32-bit code, which has no r8-r15. */
#define R32(reg) offsetof(struct arch_i386_regs, reg)
static const unsigned short dwarf_r32[] = {
	R32(eax), R32(edx), R32(ecx), R32(ebx), R32(esi), R32(edi), R32(ebp), R32(esp), NONE,
	NONE,	  NONE,	    NONE,     NONE,	NONE,	  NONE,	    NONE,     R32(eip),
};

static int regs_unwind(const struct arch_regs *regs, int regnum, uint64_t *val)
{
	unsigned short off;

	if (regnum < 0 || (size_t)regnum >= ARRAY_SIZE(dwarf_r64))
		return -EINVAL;
	if (is_r32(regs)) {
		uint32_t word = 0;

		off = dwarf_r32[regnum];
		/* The registers a 32-bit task has not got read as 0. */
		if (off != NONE)
			memcpy(&word, (const char *)&regs->raw.r32 + off, sizeof(word));
		*val = word;
		return 0;
	}
	off = dwarf_r64[regnum];
	memcpy(val, (const char *)&regs->raw.r64 + off, sizeof(*val));
	return 0;
}

static int clone_flags(uint32_t arch, uint64_t nr, const uint64_t args[6], uint64_t *flags,
		       uint64_t *flags_addr)
{
	if (arch == AUDIT_ARCH_I386) {
		if (nr == NR_CLONE_I386) { /* clone(flags, ...) */
			*flags = (uint32_t)args[0];
			return 0;
		}
		if (nr == NR_CLONE3) { /* clone3(struct clone_args *, size) */
			*flags_addr = (uint32_t)args[0];
			return 1;
		}
		return -ENOENT;
	}
	if (arch != AUDIT_ARCH_X86_64)
		return -ENOENT;
	nr &= ~(uint64_t)__X32_SYSCALL_BIT;
	if (nr == NR_CLONE_X86_64) {
		*flags = args[0];
		return 0;
	}
	if (nr == NR_CLONE3) {
		*flags_addr = args[0];
		return 1;
	}
	return -ENOENT;
}

/*
 * The length of the call r/m64 (FF /2) whose ModRM byte (and SIB, when
 * it has one) start at modrm: the Intel SDM's "32-bit addressing forms".
 */
static size_t indirect_call_len(const unsigned char *modrm, size_t avail)
{
	unsigned int mod = modrm[0] >> 6, rm = modrm[0] & 7;
	size_t len = 2; /* FF and ModRM */

	if (mod == 3)
		return len;
	if (rm == 4) { /* a SIB byte follows */
		if (avail < 2)
			return 0;
		len++;
		if (mod == 0 && (modrm[1] & 7) == 5)
			return len + 4; /* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		return len + 4; /* rip-relative */
	}
	return len + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

/* call rel32 (E8 cd), or call r/m64 (FF /2) of 2 to 7 bytes, REX prefix or not. */
static enum arch_call call_before(const unsigned char *code, size_t len, uint64_t ret,
				  uint64_t *target)
{
	if (len >= 5 && code[len - 5] == 0xe8) {
		int32_t rel;

		memcpy(&rel, code + len - 4, sizeof(rel));
		*target = ret + (uint64_t)(int64_t)rel;
		return ARCH_CALL_DIRECT;
	}
	for (size_t n = 2; n <= 7 && n <= len; n++) {
		const unsigned char *op = code + len - n;

		if (op[0] == 0xff && ((op[1] >> 3) & 7) == 2 &&
		    indirect_call_len(op + 1, n - 1) == n)
			return ARCH_CALL_INDIRECT;
	}
	return ARCH_CALL_NONE;
}

/*
 * endbr64, push r64 (REX.B or not), mov %rsp,%rbp and sub $imm,%rsp: a
 * frame set up by gcc, clang or hand-written assembly (musl), up to the
 * first other instruction.  A function that starts with none of them
 * keeps its return address at the top: 0.
 */
static uint64_t prologue_depth(const unsigned char *code, size_t len)
{
	static const unsigned char endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	static const unsigned char mov_rsp_rbp[] = { 0x48, 0x89, 0xe5 };
	uint64_t depth = 0;
	size_t pos = 0;

	while (pos < len) {
		const unsigned char *op = code + pos;
		size_t left = len - pos;

		if (left >= 4 && !memcmp(op, endbr64, 4)) {
			pos += 4;
		} else if (op[0] >= 0x50 && op[0] <= 0x57) {
			depth += 8;
			pos += 1;
		} else if (left >= 2 && op[0] == 0x41 && op[1] >= 0x50 && op[1] <= 0x57) {
			depth += 8;
			pos += 2;
		} else if (left >= 3 && !memcmp(op, mov_rsp_rbp, 3)) {
			pos += 3;
		} else if (left >= 4 && op[0] == 0x48 && op[1] == 0x83 && op[2] == 0xec &&
			   op[3] < 0x80) {
			/* The imm8 is sign-extended: a negative one gives back, no prologue does. */
			depth += op[3];
			pos += 4;
		} else if (left >= 4 && op[0] == 0x48 && op[1] == 0x83 && op[2] == 0xc4 &&
			   op[3] >= 0x80) {
			/* add $-n,%rsp: how compilers reserve 128 bytes in 4. */
			depth += 0x100U - op[3];
			pos += 4;
		} else if (left >= 7 && op[0] == 0x48 && op[1] == 0x81 && op[2] == 0xec) {
			uint32_t imm;

			memcpy(&imm, op + 3, sizeof(imm));
			depth += imm;
			pos += 7;
		} else {
			break;
		}
	}
	return depth;
}

const struct arch_desc arch_host = {
	.name = "x86_64",
	.personalities = personalities,
	.npersonalities = ARRAY_SIZE(personalities),
	.regs_syscall = regs_syscall,
	.regs_sp = regs_sp,
	.regs_pc = regs_pc,
	.regs_result = regs_result,
	.regs_unwind = regs_unwind,
	.unwind_pc = 16, /* UNW_X86_64_RIP */
	.unwind_sp = 7,	 /* UNW_X86_64_RSP */
	.clone_flags = clone_flags,
	.call_before = call_before,
	.call_len_max = 7,
	.prologue_depth = prologue_depth,
};
