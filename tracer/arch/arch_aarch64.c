/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aarch64: see arch.h.  The call's number in x8, its arguments in x0-x5,
 * its result in x0 (arch/arm64/kernel/syscall.c, invoke_syscall()); the
 * asm-generic numbers.  A compat (arm32) task's registers are read, but
 * there is no personality for its calls: the filter and the decoder know
 * AUDIT_ARCH_AARCH64 alone.
 */
#include "arch.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <linux/audit.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "sysdecode.h"
#include "util.h"

/* include/uapi/asm-generic/unistd.h */
#define NR_EXIT_GROUP 94
#define NR_CLONE 220
#define NR_CLONE3 435

/* ARM's r7 (the number) and r0 in the compat layout, for what the registers say of one. */
#define COMPAT_R0 0
#define COMPAT_R7 7
#define COMPAT_SP 13
#define COMPAT_PC 15

static const struct sysent sysent_aarch64[] = {
#include "sysent_aarch64.h"
};

static const struct arch_personality personalities[] = {
	{
		.name = "aarch64",
		.audit_arch = AUDIT_ARCH_AARCH64,
		.sysent = sysent_aarch64,
		.nsysent = ARRAY_SIZE(sysent_aarch64),
		/* file_setattr, Linux 6.17: the numbers are shared with x86_64's since 6.11. */
		.nr_known_max = 469,
		.nr_abi_bit = 0,
		.args_32bit = false,
		.nr_exit_group = NR_EXIT_GROUP,
	},
};

/* Whether regs hold the layout of a task running 32-bit (compat) code. */
static bool is_r32(const struct arch_regs *regs)
{
	return regs->len == sizeof(regs->raw.r32);
}

static void regs_syscall(const struct arch_regs *regs, uint32_t *arch, uint64_t *nr,
			 uint64_t args[6])
{
	if (is_r32(regs)) {
		*arch = AUDIT_ARCH_ARM;
		*nr = regs->raw.r32[COMPAT_R7];
		for (size_t i = 0; i < 6; i++)
			args[i] = regs->raw.r32[COMPAT_R0 + i];
		return;
	}
	*arch = AUDIT_ARCH_AARCH64;
	*nr = regs->raw.r64.regs[8];
	for (size_t i = 0; i < 6; i++)
		args[i] = regs->raw.r64.regs[i];
}

static uint64_t regs_sp(const struct arch_regs *regs)
{
	return is_r32(regs) ? regs->raw.r32[COMPAT_SP] : regs->raw.r64.sp;
}

static uint64_t regs_pc(const struct arch_regs *regs)
{
	return is_r32(regs) ? regs->raw.r32[COMPAT_PC] : regs->raw.r64.pc;
}

static void regs_result(const struct arch_regs *regs, int64_t *rval, bool *is_error)
{
	if (is_r32(regs))
		arch_result_of(regs->raw.r32[COMPAT_R0], true, rval, is_error);
	else
		arch_result_of(regs->raw.r64.regs[0], false, rval, is_error);
}

/*
 * libunwind's UNW_AARCH64_X0..X30 are 0-30 (the DWARF numbers of the
 * AAPCS64's x0-x30), UNW_AARCH64_SP 31, UNW_AARCH64_PC 32 and
 * UNW_AARCH64_PSTATE 33.  Its UNW_REG_IP is x30, the link register: what
 * unw_set_reg() writes to change a frame's return address.
 */
#define UNW_SP 31
#define UNW_PC 32
#define UNW_PSTATE 33

static int regs_unwind(const struct arch_regs *regs, int regnum, uint64_t *val)
{
	const struct user_regs_struct *r64 = &regs->raw.r64;

	if (is_r32(regs) || regnum < 0 || regnum > UNW_PSTATE)
		return -EINVAL;
	if (regnum < UNW_SP)
		*val = r64->regs[regnum];
	else if (regnum == UNW_SP)
		*val = r64->sp;
	else if (regnum == UNW_PC)
		*val = r64->pc;
	else
		*val = r64->pstate;
	return 0;
}

static int clone_flags(uint32_t arch, uint64_t nr, const uint64_t args[6], uint64_t *flags,
		       uint64_t *flags_addr)
{
	if (arch != AUDIT_ARCH_AARCH64)
		return -ENOENT;
	if (nr == NR_CLONE) { /* clone(flags, stack, parent_tid, tls, child_tid) */
		*flags = args[0];
		return 0;
	}
	if (nr == NR_CLONE3) { /* clone3(struct clone_args *, size) */
		*flags_addr = args[0];
		return 1;
	}
	return -ENOENT;
}

/*
 * The A64 instruction before ret (all are 4 bytes, little-endian): BL
 * imm26 (a direct call, its target pc-relative in words); BLR Xn, and
 * with pointer authentication BLRAAZ/BLRABZ Xn and BLRAA/BLRAB Xn, Xm
 * (indirect calls).
 */
static enum arch_call call_before(const unsigned char *code, size_t len, uint64_t ret,
				  uint64_t *target)
{
	uint32_t insn;

	if (len < 4)
		return ARCH_CALL_NONE;
	memcpy(&insn, code + len - 4, sizeof(insn));
	if ((insn & 0xfc000000U) == 0x94000000U) {
		/* imm26, sign-extended, in words. */
		int64_t words = (int64_t)(insn & 0x03ffffffU);

		if (words & 0x02000000)
			words -= 0x04000000;
		*target = ret - 4 + (uint64_t)(words * 4);
		return ARCH_CALL_DIRECT;
	}
	if ((insn & 0xfffffc1fU) == 0xd63f0000U || /* BLR */
	    (insn & 0xfffff81fU) == 0xd63f081fU || /* BLRAAZ, BLRABZ */
	    (insn & 0xfffff800U) == 0xd73f0800U)   /* BLRAA, BLRAB */
		return ARCH_CALL_INDIRECT;
	return ARCH_CALL_NONE;
}

/*
 * A call leaves the return address in x30, not on the stack: a function
 * saves it with its frame record (stp x29, x30, [sp, #-n]!), x30 then at
 * sp + 8.  So the prologue puts sp 8 below it, and any sub sp, sp, #imm
 * after takes it further; PACIASP, PACIBSP and BTI before it are
 * skipped.  A function that saves no frame record keeps it in x30: 0.
 */
static uint64_t prologue_depth(const unsigned char *code, size_t len)
{
	uint64_t depth = 0;
	bool saved = false;

	for (size_t pos = 0; pos + 4 <= len; pos += 4) {
		uint32_t insn;

		memcpy(&insn, code + pos, sizeof(insn));
		if (insn == 0xd503233fU || insn == 0xd503237fU ||
		    (insn & 0xffffff3fU) == 0xd503241fU)
			continue; /* PACIASP, PACIBSP, BTI {c,j,jc} */
		if (!saved && (insn & 0xffc07fffU) == 0xa9807bfdU) {
			/* stp x29, x30, [sp, #imm7 * 8]! (imm7 negative) */
			saved = true;
			depth = 8;
			continue;
		}
		if (saved && (insn & 0xff8003ffU) == 0xd10003ffU) {
			/* sub sp, sp, #imm12 (lsl #12 when bit 22 is set) */
			uint64_t imm = (insn >> 10) & 0xfffU;

			depth += insn & (1U << 22) ? imm << 12 : imm;
			continue;
		}
		break;
	}
	return depth;
}

#ifndef NT_ARM_PAC_MASK
#define NT_ARM_PAC_MASK 0x406 /* include/uapi/linux/elf.h, Linux 5.0 */
#endif
/*
 * The bits a user code address's authentication code may take: 54 down
 * to the virtual address size (arch/arm64/include/asm/pointer_auth.h,
 * ptrauth_user_pac_mask()), 48 until the kernel has said; and the top
 * byte, which no user code address has.  Bit 55 tells user from kernel
 * addresses and is kept.
 */
#define PAC_MASK_VA48 0x007f000000000000ULL
#define TOP_BYTE 0xff00000000000000ULL

/* The machine's mask, the same for every task: asked of the first tracee that needs it. */
static struct {
	bool known;
	uint64_t mask;
} pac;

void arch_set_pac_mask(uint64_t mask)
{
	pac.known = true;
	pac.mask = mask;
}

/*
 * NT_ARM_PAC_MASK (struct user_pac_mask: data_mask, insn_mask).  A kernel
 * or CPU without pointer authentication has no such regset (EINVAL,
 * ENODEV): no bits.  A task that cannot be asked leaves it unknown.
 */
static void learn_pac_mask(pid_t tid)
{
	uint64_t masks[2] = { 0, 0 };
	struct iovec iov = { .iov_base = masks, .iov_len = sizeof(masks) };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_ARM_PAC_MASK, &iov) == 0)
		arch_set_pac_mask(masks[1]);
	else if (errno == EINVAL || errno == ENODEV)
		arch_set_pac_mask(0);
}

static uint64_t code_address(pid_t tid, uint64_t addr)
{
	/* A plain 48-bit address, as almost all are: nothing to ask or clear. */
	if (!(addr & (TOP_BYTE | PAC_MASK_VA48 | pac.mask)))
		return addr;
	if (!pac.known && tid > 0)
		learn_pac_mask(tid);
	return addr & ~(TOP_BYTE | (pac.known ? pac.mask : PAC_MASK_VA48));
}

const struct arch_desc arch_host = {
	.name = "aarch64",
	.personalities = personalities,
	.npersonalities = ARRAY_SIZE(personalities),
	.regs_syscall = regs_syscall,
	.regs_sp = regs_sp,
	.regs_pc = regs_pc,
	.regs_result = regs_result,
	.regs_unwind = regs_unwind,
	.unwind_pc = UNW_PC,
	.unwind_sp = UNW_SP,
	.clone_flags = clone_flags,
	.call_before = call_before,
	.call_len_max = 4,
	.prologue_depth = prologue_depth,
	.code_address = code_address,
};
