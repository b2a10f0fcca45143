/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of tracer/arch on aarch64: a system call, the stack pointer,
 * the program counter and the result read from the NT_PRSTATUS regset
 * (an aarch64 task's, and the arm32 layout of a compat task's), the
 * DWARF register map against libunwind's numbers, where clone and clone3
 * keep their flags, the A64 calls before a return address, prologues,
 * and return addresses with pointer-authentication bits.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <elf.h>
#include <linux/audit.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>
#include <libunwind.h>

#include "arch.h"
#include "unittest.h"
#include "util.h"

/* An aarch64 task's registers, each holding a value of its own. */
static struct arch_regs regs64(void)
{
	struct arch_regs regs;
	struct user_regs_struct *r = &regs.raw.r64;

	memset(&regs, 0, sizeof(regs));
	regs.len = sizeof(regs.raw.r64);
	for (int i = 0; i < 31; i++)
		r->regs[i] = 0x1000000000000000ULL + (unsigned long long)i;
	r->regs[8] = 222; /* mmap */
	r->sp = 0x100000000000001fULL;
	r->pc = 0x1000000000000020ULL;
	r->pstate = 0x1000000000000021ULL;
	return regs;
}

/* A compat task's: r0-r15, cpsr, orig_r0. */
static struct arch_regs regs32(void)
{
	struct arch_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.len = sizeof(regs.raw.r32);
	for (uint32_t i = 0; i < 18; i++)
		regs.raw.r32[i] = 0xf0000000U + i;
	regs.raw.r32[7] = 192; /* arm's mmap2 */
	return regs;
}

static void test_layouts(void **state)
{
	(void)state;
	/* struct user_pt_regs (arch/arm64/include/uapi/asm/ptrace.h): x0-x30, sp, pc, pstate. */
	assert_int_equal(sizeof(struct user_regs_struct), 34 * 8);
	assert_int_equal(offsetof(struct user_regs_struct, sp), 31 * 8);
	assert_int_equal(offsetof(struct user_regs_struct, pc), 32 * 8);
	/* arm's 18 words (compat_user_regset view). */
	assert_int_equal(sizeof(((struct arch_regs *)NULL)->raw.r32), 18 * 4);
}

static void test_syscall_64(void **state)
{
	struct arch_regs regs = regs64();
	uint64_t nr, args[6];
	uint32_t arch;

	(void)state;
	arch_regs_syscall(&regs, &arch, &nr, args);
	assert_int_equal(arch, AUDIT_ARCH_AARCH64);
	assert_int_equal(nr, 222);
	for (int i = 0; i < 6; i++)
		assert_int_equal(args[i], regs.raw.r64.regs[i]);
	assert_int_equal(arch_regs_sp(&regs), regs.raw.r64.sp);
	assert_int_equal(arch_regs_pc(&regs), regs.raw.r64.pc);
}

/* A compat task: read as arm's registers, under AUDIT_ARCH_ARM, which has no personality. */
static void test_syscall_32(void **state)
{
	struct arch_regs regs = regs32();
	uint64_t nr, args[6];
	uint32_t arch;

	(void)state;
	arch_regs_syscall(&regs, &arch, &nr, args);
	assert_int_equal(arch, AUDIT_ARCH_ARM);
	assert_int_equal(nr, 192);
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(args[i], 0xf0000000ULL + i);
	assert_int_equal(arch_regs_sp(&regs), 0xf000000dULL);
	assert_int_equal(arch_regs_pc(&regs), 0xf000000fULL);
	assert_null(arch_personality(AUDIT_ARCH_ARM));
}

static void check_result(const struct arch_regs *regs, int64_t rval, bool is_error)
{
	int64_t got;
	bool got_error;

	arch_regs_result(regs, &got, &got_error);
	assert_int_equal(got, rval);
	assert_int_equal(got_error, is_error);
}

static void test_result(void **state)
{
	struct arch_regs regs = regs64();

	(void)state;
	regs.raw.r64.regs[0] = 0xffff9a1c0000ULL;
	check_result(&regs, 0xffff9a1c0000LL, false);
	regs.raw.r64.regs[0] = (unsigned long long)-ENOMEM;
	check_result(&regs, -ENOMEM, true);
	regs.raw.r64.regs[0] = (unsigned long long)-4095;
	check_result(&regs, -4095, true);
	regs.raw.r64.regs[0] = (unsigned long long)-4096;
	check_result(&regs, -4096, false);

	regs = regs32();
	regs.raw.r32[0] = 0xf7f00000;
	check_result(&regs, 0xf7f00000LL, false);
	regs.raw.r32[0] = (uint32_t)-ENOMEM;
	check_result(&regs, -ENOMEM, true);
}

/* The DWARF map, by libunwind's own numbers. */
static void test_unwind_map(void **state)
{
	struct arch_regs regs = regs64(), r32 = regs32();
	uint64_t val = 0;

	(void)state;
	/* libunwind's IP is the link register; the program counter is its own. */
	assert_int_equal(UNW_REG_IP, UNW_AARCH64_X30);
	assert_int_equal(arch_host.unwind_pc, UNW_AARCH64_PC);
	assert_int_equal(arch_host.unwind_sp, UNW_AARCH64_SP);
	for (int reg = UNW_AARCH64_X0; reg <= UNW_AARCH64_X30; reg++) {
		assert_int_equal(arch_regs_unwind(&regs, reg, &val), 0);
		assert_int_equal(val, regs.raw.r64.regs[reg - UNW_AARCH64_X0]);
	}
	assert_int_equal(arch_regs_unwind(&regs, UNW_AARCH64_X29, &val), 0);
	assert_int_equal(val, 0x100000000000001dULL); /* the frame pointer */
	assert_int_equal(arch_regs_unwind(&regs, UNW_AARCH64_SP, &val), 0);
	assert_int_equal(val, regs.raw.r64.sp);
	assert_int_equal(arch_regs_unwind(&regs, UNW_AARCH64_PC, &val), 0);
	assert_int_equal(val, regs.raw.r64.pc);
	assert_int_equal(arch_regs_unwind(&regs, UNW_AARCH64_PSTATE, &val), 0);
	assert_int_equal(val, regs.raw.r64.pstate);
	assert_int_equal(arch_regs_unwind(&regs, UNW_AARCH64_PSTATE + 1, &val), -EINVAL);
	assert_int_equal(arch_regs_unwind(&regs, -1, &val), -EINVAL);
	/* A compat task's frames are not unwound. */
	assert_int_equal(arch_regs_unwind(&r32, UNW_AARCH64_X0, &val), -EINVAL);
}

static void test_clone_flags(void **state)
{
	const uint64_t args[6] = { 0xffffffff00003d0fULL, 0xffff00001000ULL };
	uint64_t flags = 0, addr = 0;

	(void)state;
	/* clone (220) and clone3 (435). */
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_AARCH64, 220, args, &flags, &addr), 0);
	assert_int_equal(flags, args[0]);
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_AARCH64, 435, args, &flags, &addr), 1);
	assert_int_equal(addr, args[0]);
	/* x86_64's clone number (56) is io_setup's neighbour here; arm's and x86's ABIs. */
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_AARCH64, 56, args, &flags, &addr), -ENOENT);
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_ARM, 120, args, &flags, &addr), -ENOENT);
	assert_int_equal(arch_clone_flags(AUDIT_ARCH_X86_64, 56, args, &flags, &addr), -ENOENT);
}

/*
 * A real stopped child read as the engine reads it.  qemu-user (where the
 * cross build's tests run) has no ptrace: skipped there.
 */
static void test_getregset(void **state)
{
	struct arch_regs regs;
	struct iovec iov = { .iov_base = &regs.raw, .iov_len = sizeof(regs.raw) };
	pid_t pid;

	(void)state;
	pid = unittest_stopped_child();
	if (pid < 0 && unittest_emulator()) {
		print_message("no ptrace under %s: not checked\n", unittest_emulator());
		skip();
	}
	assert_true(pid > 0);
	assert_int_equal(arch_regs_get(pid, &regs), 0);
	assert_int_equal(regs.len, sizeof(regs.raw.r64));
	assert_int_equal(ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov), 0);
	assert_int_equal(arch_regs_sp(&regs), regs.raw.r64.sp);
	assert_true(arch_regs_pc(&regs) != 0);
	assert_int_equal(unittest_end_child(pid), 0);
}

/* One A64 instruction, little-endian, as the 4 bytes before a return address. */
static void put_insn(unsigned char code[4], uint32_t insn)
{
	memcpy(code, &insn, sizeof(insn));
}

/* The calls gcc and clang emit, with and without pointer authentication, and look-alikes. */
static void test_call_before(void **state)
{
	static const struct {
		uint32_t insn;
		enum arch_call want;
	} cases[] = {
		{ 0x97ffffc0U, ARCH_CALL_DIRECT },   /* bl .-0x100 */
		{ 0x94000010U, ARCH_CALL_DIRECT },   /* bl .+0x40 */
		{ 0xd63f0020U, ARCH_CALL_INDIRECT }, /* blr x1 */
		{ 0xd63f0200U, ARCH_CALL_INDIRECT }, /* blr x16 */
		{ 0xd63f083fU, ARCH_CALL_INDIRECT }, /* blraaz x1 */
		{ 0xd63f0c3fU, ARCH_CALL_INDIRECT }, /* blrabz x1 */
		{ 0xd73f0831U, ARCH_CALL_INDIRECT }, /* blraa x1, x17 */
		{ 0xd73f0c31U, ARCH_CALL_INDIRECT }, /* blrab x1, x17 */
		{ 0x17ffffc0U, ARCH_CALL_NONE },     /* b .-0x100 */
		{ 0xd61f0020U, ARCH_CALL_NONE },     /* br x1 */
		{ 0xd65f03c0U, ARCH_CALL_NONE },     /* ret */
		{ 0xd503201fU, ARCH_CALL_NONE },     /* nop */
		{ 0xd4000001U, ARCH_CALL_NONE },     /* svc #0 */
	};
	unsigned char code[8];
	uint64_t target = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum arch_call got;

		memset(code, 0, sizeof(code));
		put_insn(code + 4, cases[i].insn);
		got = arch_call_before(code, sizeof(code), 0x400104, &target);
		if (got != cases[i].want)
			fail_msg("case %zu (%#x): %d, want %d", i, cases[i].insn, (int)got,
				 (int)cases[i].want);
	}
	put_insn(code + 4, 0x97ffffc0U);
	assert_int_equal(arch_call_before(code, 8, 0x400104, &target), ARCH_CALL_DIRECT);
	assert_int_equal(target, 0x400100 - 0x100);
	put_insn(code + 4, 0x94000010U);
	assert_int_equal(arch_call_before(code, 8, 0x400104, &target), ARCH_CALL_DIRECT);
	assert_int_equal(target, 0x400100 + 0x40);
	/* Fewer than 4 bytes: nothing to read. */
	assert_int_equal(arch_call_before(code, 3, 0x400104, &target), ARCH_CALL_NONE);
	assert_int_equal(arch_host.call_len_max, 4);
}

/* Prologues: gcc's frame record, with PAC and BTI before it, and a leaf with none. */
static void test_prologue_depth(void **state)
{
	static const uint32_t framed[] = {
		0xa9bf7bfdU, /* stp x29, x30, [sp, #-16]! */
		0x910003fdU, /* mov x29, sp */
	};
	static const uint32_t signed_big[] = {
		0xd503233fU, /* paciasp */
		0xa9be7bfdU, /* stp x29, x30, [sp, #-32]! */
		0xd14007ffU, /* sub sp, sp, #0x1, lsl #12 */
		0xd10043ffU, /* sub sp, sp, #0x10 */
		0x910003fdU, /* mov x29, sp */
	};
	static const uint32_t bti_framed[] = {
		0xd503245fU, /* bti c */
		0xa9bf7bfdU, /* stp x29, x30, [sp, #-16]! */
	};
	static const uint32_t leaf[] = {
		0xd2801bc8U, /* mov x8, #222 */
		0xd4000001U, /* svc #0 */
	};

	(void)state;
	assert_int_equal(arch_prologue_depth((const unsigned char *)framed, sizeof(framed)), 8);
	assert_int_equal(arch_prologue_depth((const unsigned char *)signed_big, sizeof(signed_big)),
			 8 + 0x1000 + 0x10);
	assert_int_equal(arch_prologue_depth((const unsigned char *)bti_framed, sizeof(bti_framed)),
			 8);
	assert_int_equal(arch_prologue_depth((const unsigned char *)leaf, sizeof(leaf)), 0);
	/* Only what precedes the stop counts: stopped at the stp, nothing is saved yet. */
	assert_int_equal(arch_prologue_depth((const unsigned char *)signed_big, 4), 0);
}

/*
 * Return addresses signed by PACIASP carry a code in the bits above the
 * virtual address size (arch/arm64/include/asm/pointer_auth.h,
 * ptrauth_user_insn_pac_mask(): bits 54 down to vabits, with bits 56-63
 * too when top-byte-ignore does not apply to code); the lookup needs
 * them cleared.  With no mask learned, bits 48-54 and 56-63.
 */
static void test_strip_pac(void **state)
{
	(void)state;
	/* tid 0: no task to ask, so the 48-bit mask. */
	assert_int_equal(arch_code_address(0, 0x0000aaaad0001234ULL), 0x0000aaaad0001234ULL);
	assert_int_equal(arch_code_address(0, 0x002baaaad0001234ULL), 0x0000aaaad0001234ULL);
	assert_int_equal(arch_code_address(0, 0x7f7fffffa0001234ULL), 0x0000ffffa0001234ULL);
	assert_int_equal(arch_code_address(0, 0), 0);
	/* Bit 55 tells kernel addresses: kept. */
	assert_int_equal(arch_code_address(0, 0x00ffffffa0001234ULL), 0x0080ffffa0001234ULL);
	/* The kernel's mask (NT_ARM_PAC_MASK) with 52-bit addresses: bits 48-51 are address. */
	arch_set_pac_mask(0x0070000000000000ULL);
	assert_int_equal(arch_code_address(0, 0x004f123456789abcULL), 0x000f123456789abcULL);
	assert_int_equal(arch_code_address(0, 0xff0f123456789abcULL), 0x000f123456789abcULL);
	/* A machine without PAC: only the top byte goes. */
	arch_set_pac_mask(0);
	assert_int_equal(arch_code_address(0, 0x0001aaaad0001234ULL), 0x0001aaaad0001234ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),	       cmocka_unit_test(test_syscall_64),
		cmocka_unit_test(test_syscall_32),     cmocka_unit_test(test_result),
		cmocka_unit_test(test_unwind_map),     cmocka_unit_test(test_clone_flags),
		cmocka_unit_test(test_getregset),      cmocka_unit_test(test_call_before),
		cmocka_unit_test(test_prologue_depth), cmocka_unit_test(test_strip_pac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
